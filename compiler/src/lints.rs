//! Applying the policy lints (stdlib and site) to every classified entry of a pool.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::codes::CodeInfo;
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts;
use crate::glob::glob_matches;
use crate::graph::{self, Node, PoolGraph};
use crate::model::Inputs;
use crate::policy::lint::Lint;
use crate::policy::lint_index::LintIndex;
use crate::policy::stdlib::Policies;
use crate::relocate;
use crate::render::RenderedPool;
use crate::session::PolicyOptions;

/// One rendered pool's analysis, the same for every pool the driver renders and for the
/// check-only render of an unrendered pool's valid MachineConfigs: its graph (every entry
/// classified), the `/etc` entries `--relocate` moves into `/usr`, then the lints.
pub fn analyze_pool(
    pool: &RenderedPool,
    inputs: &Inputs,
    policies: &Policies,
    options: &PolicyOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> PoolGraph {
    let mut graph = graph::build(pool, inputs, &policies.layout, &policies.disruption, options.target, diagnostics);
    relocate::apply(pool, inputs, &mut graph, &policies.layout, options.relocate, diagnostics);
    run(pool, &graph, policies, diagnostics);
    graph
}

/// Runs every enabled lint on every entry of the pool's graph: on each entry, the lints the
/// index offers for its path (a superset of those that match, in lint order, so the findings
/// and their order are the scan's; a site policy may hold thousands of lints). A lint that
/// requires another pool is left out of the pool's run whole, not tested on each entry.
pub fn run(pool: &RenderedPool, graph: &PoolGraph, policies: &Policies, diagnostics: &mut Vec<Diagnostic>) {
    let name = pool.pool.name();
    let lints: Vec<(&Lint, &'static CodeInfo)> = policies
        .enabled_lints()
        .filter(|l| l.condition.required_pool().is_none_or(|glob| glob_matches(glob, name)))
        .map(|l| (l, code_info(l)))
        .collect();
    if lints.is_empty() {
        return;
    }
    let index = LintIndex::new(lints.iter().map(|(lint, _)| &lint.condition));
    for (subject, &node) in &graph.entries {
        let Node::Entry(entry) = &graph.graph[node] else { continue };
        let facts = facts::of(pool, graph, subject, node, entry);
        for position in index.candidates(&facts) {
            let (lint, info) = lints[position];
            if lint.matches(&facts) {
                diagnostics.push(finding(lint, info, entry.span));
            }
        }
    }
}

fn finding(lint: &Lint, info: &'static CodeInfo, span: crate::source::Span) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(info, span, lint.message.value.clone())
        .with_related(lint.span, format!("lint `{}`", lint.code.value));
    if let Some(help) = &lint.help {
        diagnostic = diagnostic.with_help(help.value.clone());
    }
    diagnostic
}

/// Lint codes live in policy files, not in mcc's registry; each distinct lint gets a registry
/// entry of its own, so its findings are ordinary diagnostics. The entries are interned for the
/// life of the process: one per distinct (code, severity, message, help), however many analyses
/// run, and all reachable, so nothing grows with the number of runs and sanitizers see no leak.
fn code_info(lint: &Lint) -> &'static CodeInfo {
    type Key = (String, Severity, String, String);
    static INTERNED: Mutex<BTreeMap<Key, &'static CodeInfo>> = Mutex::new(BTreeMap::new());
    let key: Key = (
        lint.code.value.clone(),
        lint.severity().unwrap_or(Severity::Info),
        lint.message.value.clone(),
        lint.help.as_ref().map_or_else(String::new, |h| h.value.clone()),
    );
    let mut interned = INTERNED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&info) = interned.get(&key) {
        return info;
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let info: &'static CodeInfo = Box::leak(Box::new(CodeInfo {
        code: leak(&key.0),
        name: "policy-lint",
        severity: key.1,
        summary: leak(&key.2),
        doc: leak(&key.3),
    }));
    interned.insert(key, info);
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::stdlib::{self, OcpVersion, Profile};
    use crate::source::Sources;

    /// Every analysis asks for the lints' entries again: they must be the same entries, not new
    /// allocations each time (a leak per lint per analysis).
    #[test]
    fn a_lint_gets_one_code_entry_however_many_analyses_run() {
        let policies =
            || stdlib::load(Profile::default(), OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
        let (first, second) = (policies(), policies());
        let lints: Vec<_> = first.enabled_lints().zip(second.enabled_lints()).collect();
        assert!(!lints.is_empty());
        for (a, b) in lints {
            assert!(std::ptr::eq(code_info(a), code_info(b)), "{}", a.code.value);
            assert_eq!(code_info(a).code, a.code.value);
        }
    }

    /// A site lint `lint(i)` for each of n entries `entry(i)` (of a worker MachineConfig's
    /// `section`), and whether each finds its own entry.
    #[derive(Clone, Copy)]
    struct Shape {
        what: &'static str,
        section: &'static str,
        lint: fn(usize) -> String,
        entry: fn(usize) -> String,
        finds: bool,
    }

    const FILES: &str = "    storage:\n      files:\n";

    /// A world-writable file at `path`, an entry of [`FILES`].
    fn writable_file(path: &str) -> String {
        format!("      - {{path: {path}, mode: 0o666, contents: {{source: 'data:,'}}}}\n")
    }

    /// An n-lint site policy over n entries, in every shape where each lint was tested on every
    /// entry (times for 8,000 of each through `mcc check` before): lints on their own files (the
    /// lint shape of issue 12: 1.8 s), on the names of units (1.25 s), on globs that share their
    /// prefix and differ after a wildcard (1.9 s) or between two (10.8 s), on other pools
    /// (1.12 s), on another kind of entry (0.68 s).
    #[test]
    fn site_lints_run_in_linear_time_in_every_shape() {
        let shapes = [
            Shape {
                what: "site lints over as many files",
                section: FILES,
                lint: |i| format!("when file and path /etc/r/{i}.conf and mode has 0o002"),
                entry: |i| writable_file(&format!("/etc/r/{i}.conf")),
                finds: true,
            },
            Shape {
                what: "site lints over as many units",
                section: "    systemd:\n      units:\n",
                lint: |i| format!("when unit and name app{i}.service"),
                entry: |i| {
                    format!("      - {{name: app{i}.service, contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"}}\n")
                },
                finds: true,
            },
            Shape {
                what: "site lints differing after a wildcard",
                section: FILES,
                lint: |i| format!("when file and path /etc/r/*-{i}.conf and mode has 0o002"),
                entry: |i| writable_file(&format!("/etc/r/a-{i}.conf")),
                finds: true,
            },
            Shape {
                what: "site lints differing between wildcards",
                section: FILES,
                lint: |i| format!("when file and path /etc/**/d{i}/* and mode has 0o002"),
                entry: |i| writable_file(&format!("/etc/x/d{i}/f")),
                finds: true,
            },
            Shape {
                what: "site lints on other pools",
                section: FILES,
                lint: |i| format!("when file and pool infra-{i} and mode has 0o002"),
                entry: |i| writable_file(&format!("/etc/r/{i}.conf")),
                finds: false,
            },
            Shape {
                what: "site lints on another kind of entry",
                section: FILES,
                lint: |i| format!("when unit and not name x{i}.service"),
                entry: |i| writable_file(&format!("/etc/r/{i}.conf")),
                finds: false,
            },
        ];
        for shape in shapes {
            assert_site_lints_linear(&shape);
        }
    }

    /// The shape's lints and entries, run over 500 and 2,000 of each.
    fn assert_site_lints_linear(shape: &Shape) {
        let Shape { what, section, lint, entry, finds } = *shape;
        use crate::load::site::PolicyText;
        use crate::render::RenderOptions;
        use crate::session::PolicyOptions;
        let analysed = |n: usize| {
            let (mut site, mut entries) = (String::new(), String::from(section));
            for i in 0..n {
                site.push_str(&format!("lint SITE{i:04} warning \"r{i}\" {{\n  {}\n}}\n", lint(i)));
                entries.push_str(&entry(i));
            }
            let worker = crate::checks::testing::worker("99-worker-app", &entries);
            let mut compilation = crate::testing::compilation(&[&worker]);
            compilation.site_policies.push(PolicyText { path: "site.mcc".into(), text: site });
            let analysis =
                crate::driver::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
            let worker = analysis.rendered.iter().position(|p| p.pool.name() == "worker").expect("a worker pool");
            (analysis, worker, n)
        };
        let inputs = [analysed(500), analysed(2_000)];
        crate::testing::assert_linear(what, |scale| {
            let (analysis, worker, n) = &inputs[usize::from(scale == 4)];
            let (pool, graph) = (&analysis.rendered[*worker], &analysis.graphs[*worker]);
            let mut found = Vec::new();
            let start = std::time::Instant::now();
            run(pool, graph, &analysis.policies, &mut found);
            let elapsed = start.elapsed();
            let site = found.iter().filter(|d| d.code.code.starts_with("SITE")).count();
            assert_eq!(site, if finds { *n } else { 0 }, "each lint finds its entry, or none does");
            elapsed
        });
    }
}
