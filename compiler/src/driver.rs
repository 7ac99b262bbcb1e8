//! The driver: the stages in their order, each handed what the ones before made.
//!
//! [`load`] reads every input and site policy file (the only stage that touches the filesystem)
//! and models the objects; [`analyze`] renders every pool, loads the policies, builds each pool's
//! graph and runs the lints, then runs the checks as their own later stage. The driver reads
//! nothing and prints nothing itself: reading is the load stage's job, printing the CLI's.

use std::time::Instant;

use camino::Utf8PathBuf;
use rayon::prelude::*;

use crate::codes;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::graph::PoolGraph;
use crate::hash::HashMap;
use crate::ignition::content::DecodeBudget;
use crate::load::filter::InputFilter;
use crate::load::reader::Spanned;
use crate::load::{self, InputPath};
use crate::model::cluster::ClusterView;
use crate::model::pool::MachineConfigPool;
use crate::model::{self, Inputs, MachineConfig};
use crate::policy::ndp::{self, SitePolicy};
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::render::{self, RenderOptions, RenderedPool};
use crate::session::{Analysis, Compilation, PolicyOptions, StageTime};
use crate::source::{Sources, Span, SpanIndex};
use crate::{checks, compile, lints};

/// Reads and models every input, and reads the site policy files (`.mcc/*.mcc` at the root of
/// each directory input, then `policy_files`). Never fails: problems become diagnostics.
pub fn load(
    paths: &[InputPath],
    policy_files: &[Utf8PathBuf],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> Compilation {
    load_filtered(paths, &InputFilter::default(), policy_files, stdin)
}

/// [`load()`], leaving out the entries of directory inputs that `filter` skips (`--exclude`).
pub fn load_filtered(
    paths: &[InputPath],
    filter: &InputFilter,
    policy_files: &[Utf8PathBuf],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> Compilation {
    load_over_cluster(paths, None, filter, policy_files, stdin)
}

/// `--cluster DUMP`: a cluster dump and how a side sees it.
#[derive(Debug, Clone)]
pub struct ClusterInput {
    pub dump: Utf8PathBuf,
    pub view: ClusterView,
}

/// [`load_filtered()`] over a cluster dump: the dump's objects join the inputs as
/// `cluster.view` says, and the rest of the dump is kept in [`Compilation::cluster`].
pub fn load_over_cluster(
    paths: &[InputPath],
    cluster: Option<&ClusterInput>,
    filter: &InputFilter,
    policy_files: &[Utf8PathBuf],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> Compilation {
    let start = Instant::now();
    let mut c = Compilation::default();
    load::read_inputs(paths, filter, stdin, &mut c.sources, &mut c.diagnostics);
    let repository_files = c.sources.len();
    let mut dump_diagnostics = Vec::new();
    if let Some(cluster) = cluster {
        let (dump_paths, outside) = load::cluster::dump_paths(&cluster.dump);
        dump_diagnostics.extend(outside);
        load::read_inputs(&dump_paths, &InputFilter::default(), stdin, &mut c.sources, &mut dump_diagnostics);
    }
    c.unreadable_input = c.diagnostics.iter().chain(&dump_diagnostics).any(|d| d.code == &codes::INPUT_UNREADABLE);
    c.input_files = c.sources.len();
    let files: Vec<_> = c.sources.iter().map(|(id, f)| (id, f.text.len())).collect();
    let mut dump = Inputs::default();
    c.inputs.data_url_budget = load::data_url_budget().map_or_else(DecodeBudget::default, DecodeBudget::new);
    let mut read = 0;
    // Objects are read on every core as files are parsed; the budget still counts in input order.
    let lookahead = model::read_ahead::Lookahead::new(&c.inputs.data_url_budget);
    let sources = &c.sources;
    let ahead = |source| lookahead.read(source, sources);
    load::parallel::read_in_order(&files, &ahead, &mut |ahead| {
        if read == repository_files {
            // One budget for the run: the dump's data URLs count after the repository's.
            dump.data_url_budget = c.inputs.data_url_budget.clone();
        }
        let (inputs, diagnostics) = if read < repository_files {
            (&mut c.inputs, &mut c.diagnostics)
        } else {
            (&mut dump, &mut dump_diagnostics)
        };
        model::read_ahead::take_in_turn(ahead, sources, inputs, diagnostics);
        read += 1;
    });
    check_unique_names(&c.inputs, &c.sources, &mut c.diagnostics);
    if let Some(cluster) = cluster {
        let mut state = model::cluster::combine(&mut c.inputs, dump, cluster.view);
        state.sources = c.sources.iter().skip(repository_files).map(|(id, _)| id).collect();
        let left_out = SpanIndex::new(state.left_out.iter().map(|&span| (span, ())));
        dump_diagnostics.retain(|d| d.span.is_none_or(|span| left_out.find(span).is_none()));
        c.diagnostics.extend(dump_diagnostics);
        c.cluster = Some(state);
    }
    finish_load(&mut c, paths, policy_files);
    c.timings.push(StageTime::since("load", start));
    c
}

/// What loading does once every file is modelled: the MachineConfigs' validity, the check that
/// the inputs hold anything, and the site policy files.
pub(crate) fn finish_load(c: &mut Compilation, paths: &[InputPath], policy_files: &[Utf8PathBuf]) {
    // Kept to the end of the run: free what growing by doubling left over (a MachineConfig is
    // most of a kilobyte before its strings).
    c.inputs.machine_configs.shrink_to_fit();
    settle(&mut c.inputs, &mut c.diagnostics);
    // Decided before the policy files are read: an unreadable policy file says nothing about
    // whether the inputs hold any objects.
    if c.inputs.is_empty() && !c.unreadable_input {
        c.diagnostics.push(Diagnostic::general(
            &codes::NO_INPUTS,
            "no MachineConfig, MachineConfigPool, MachineConfiguration or MachineOSConfig found in the inputs",
        ));
    }
    let site = load::site::read(paths, policy_files, &mut c.diagnostics);
    c.unreadable_input |= site.unreadable;
    c.site_policies = site.files;
}

/// Decisions that need every diagnostic of the inputs: a MachineConfig is valid only if no
/// error points inside it (a duplicate key found while parsing YAML counts too), and YAML
/// notes about documents mcc does not read (a Template, a Butane file) are dropped as noise.
pub(crate) fn settle(inputs: &mut Inputs, diagnostics: &mut Vec<Diagnostic>) {
    let machine_configs = SpanIndex::new(inputs.machine_configs.iter().enumerate().map(|(i, mc)| (mc.span, i)));
    for mc in &mut inputs.machine_configs {
        mc.valid = true;
    }
    // Errors the node meets only when it writes a file (a hash, a gzip stream, an id or a
    // password hash no node can hold) leave the MachineConfig valid: the MCO renders it.
    for d in diagnostics.iter().filter(|d| d.severity() == Severity::Error && !codes::fails_at_apply_time(d.code)) {
        if let Some(i) = d.span.and_then(|span| machine_configs.find(span)) {
            inputs.machine_configs[i].valid = false;
        }
    }
    let i = &*inputs;
    let objects = SpanIndex::new(
        i.machine_configs
            .iter()
            .map(|m| m.span)
            .chain(i.pools.iter().map(|p| p.span))
            .chain(i.machine_configurations.iter().map(|m| m.span))
            .chain(i.machine_os_configs.iter().map(|m| m.span))
            .map(|span| (span, ())),
    );
    diagnostics.retain(|d| d.code != &codes::LEGACY_OCTAL || d.span.is_some_and(|s| objects.find(s).is_some()));
}

/// Two MachineConfigs (or pools) with one name cannot both exist in a cluster. The one blamed
/// is the later by file name then position, never by the order the inputs were given in.
pub(crate) fn check_unique_names(inputs: &Inputs, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
    let mut check = |kind: &str, names: Vec<&Spanned<String>>| {
        // Names that occur once are left out before the sort: most runs have no duplicate.
        let mut counts: HashMap<&str, usize> = HashMap::default();
        for name in &names {
            *counts.entry(name.value.as_str()).or_default() += 1;
        }
        let mut names: Vec<&Spanned<String>> = names.into_iter().filter(|n| counts[n.value.as_str()] > 1).collect();
        names.sort_by_key(|name| (sources.get(name.span.source).name.as_str(), name.span.start));
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for name in names {
            if name.value.is_empty() {
                continue;
            }
            if let Some(&first) = seen.get(name.value.as_str()) {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_OBJECT,
                        name.span,
                        format!("a second {kind} named `{}`", name.value),
                    )
                    .with_related(first, "the first one")
                    .with_help(
                        "object names are unique in a cluster: applying both keeps only the last one; rename one",
                    ),
                );
            } else {
                seen.insert(&name.value, name.span);
            }
        }
    };
    check("MachineConfig", inputs.machine_configs.iter().map(|m| &m.metadata.name).collect());
    check("MachineConfigPool", inputs.pools.iter().map(|p| &p.metadata.name).collect());
}

/// Renders every pool (or the one named) and sorts all diagnostics into their final order:
/// every pool of the run, and those rendered.
pub(crate) fn render(
    c: &mut Compilation,
    options: &RenderOptions,
    only_pool: Option<&str>,
) -> (Vec<MachineConfigPool>, Vec<RenderedPool>) {
    let pools = render::pools(&c.inputs, &mut c.sources, &mut c.diagnostics);
    // Every pool takes part in selection (so "no pool selects" stays true), but only the one
    // asked for is rendered and reported on.
    let mut rendered = render::render(&c.inputs, &pools, options, &mut c.diagnostics);
    if let Some(name) = only_pool {
        rendered.retain(|p| p.pool.name() == name);
        keep_the_pools_diagnostics(&c.inputs, &pools, name, &mut c.diagnostics);
    }
    diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    (pools, rendered)
}

/// With one pool asked for, only its problems decide: a diagnostic inside a MachineConfig the
/// pool does not select, or inside another pool, is dropped. Everything else stays: the pool's
/// own MachineConfigs, input that did not parse into any object, the `MachineConfiguration`,
/// policy files, and problems with no place at all.
fn keep_the_pools_diagnostics(
    inputs: &Inputs,
    pools: &[MachineConfigPool],
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let selector = pools.iter().find(|p| p.name() == name).and_then(|p| p.machine_config_selector.as_ref());
    let selected = |mc: &MachineConfig| {
        selector.is_some_and(|s| !s.is_empty() && mc.rendered_for.is_none() && s.matches(mc.metadata.labels.as_ref()))
    };
    let elsewhere = SpanIndex::new(
        inputs
            .machine_configs
            .iter()
            .filter(|mc| !selected(mc))
            .map(|mc| mc.span)
            .chain(inputs.pools.iter().filter(|p| p.name() != name).map(|p| p.span))
            .map(|span| (span, ())),
    );
    diagnostics.retain(|d| d.span.is_none_or(|span| elsewhere.find(span).is_none()));
}

/// Renders, analyses (policies, graphs, lints), then runs the checks; the diagnostics end up
/// sorted into their final order.
pub fn analyze(
    c: &mut Compilation,
    render_options: &RenderOptions,
    options: &PolicyOptions,
    only_pool: Option<&str>,
) -> Analysis {
    let (pools, rendered) = render_stage(c, render_options, only_pool);
    let start = Instant::now();
    let analysis = analyze_pools(c, pools, rendered, options);
    c.timings.push(StageTime::since("analyze", start));
    let start = Instant::now();
    check(c, &analysis);
    leave_out_the_clusters_own_warnings(c);
    diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    c.timings.push(StageTime::since("check", start));
    analysis
}

/// The render stage, timed: every pool (or `only_pool`) rendered over the cluster's base images.
fn render_stage(
    c: &mut Compilation,
    render_options: &RenderOptions,
    only_pool: Option<&str>,
) -> (Vec<MachineConfigPool>, Vec<RenderedPool>) {
    let start = Instant::now();
    let render_options = &with_cluster_images(c, render_options);
    let rendered = render(c, render_options, only_pool);
    c.timings.push(StageTime::since("render", start));
    rendered
}

/// The render options with the base images that no flag gave taken from the cluster's
/// ControllerConfig.
fn with_cluster_images(c: &Compilation, render_options: &RenderOptions) -> RenderOptions {
    let mut render_options = render_options.clone();
    if let Some(cc) = c.inputs.controller_configs.first() {
        render_options.base_image = render_options.base_image.or_else(|| cc.base_image().map(str::to_string));
        render_options.base_extensions_image =
            render_options.base_extensions_image.or_else(|| cc.base_extensions_image().map(str::to_string));
    }
    render_options
}

/// `mcc check` only, after [`analyze`]: the pool-level findings (conflicts, kernel arguments,
/// lints, placement and security checks) of each pool left unrendered by an invalid
/// MachineConfig, from a check-only render of its valid MachineConfigs, so a pull request sees
/// all its problems at once. Each is labelled as such, and none repeats a diagnostic already
/// reported. The analysis is only read: that render never reaches a plan, a layer or a graph.
pub fn check_unrendered_pools(
    c: &mut Compilation,
    analysis: &Analysis,
    render_options: &RenderOptions,
    options: &PolicyOptions,
) {
    let render_options = with_cluster_images(c, render_options);
    let found = checks::unrendered_pools::findings(c, analysis, &render_options, options);
    let found: Vec<Diagnostic> = {
        // Decided before the label, which points into the repository.
        let keep = the_repositorys_to_fix(c);
        found.into_iter().filter(|f| keep(&f.diagnostic)).map(|f| f.labelled(&c.inputs)).collect()
    };
    if !found.is_empty() {
        c.diagnostics.extend(found);
        diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    }
}

/// What the old side of `mcc plan` needs, and no more: every pool rendered and the policies
/// loaded (the ordering check compares the old disruption policy with the new one). No graph,
/// lint or check runs: a plan decides from the new side's graphs, and the old side's findings
/// beyond rendering are `mcc check`'s (or `mcc plan --diagnostics`', which analyses it whole).
pub fn analyze_rendering(
    c: &mut Compilation,
    render_options: &RenderOptions,
    options: &PolicyOptions,
    only_pool: Option<&str>,
) -> Analysis {
    let (pools, rendered) = render_stage(c, render_options, only_pool);
    let (policies, site) = load_policies(c, options);
    diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    Analysis { pools, rendered, policies, site, graphs: Vec::new() }
}

/// Leaves out the cluster's own warnings ([`the_repositorys_to_fix`]).
fn leave_out_the_clusters_own_warnings(c: &mut Compilation) {
    let mut diagnostics = std::mem::take(&mut c.diagnostics);
    diagnostics.retain(the_repositorys_to_fix(c));
    c.diagnostics = diagnostics;
}

/// Whether a diagnostic is the repository's to fix. A warning or note that lies wholly inside a
/// `--cluster` dump (two MCO-generated MachineConfigs that disagree, a rule of the cluster's
/// policy for a file only its own MachineConfigs write) is the cluster's state, not something to
/// fix in the repository: it is left out. Errors stay, and so does MCC2010, which is about the
/// dump itself.
///
/// A related label counts only when it points into the repository's objects: a policy lint's
/// label points at its rule (`stdlib/lints.mcc`), which is not the repository's to fix either.
fn the_repositorys_to_fix(c: &Compilation) -> impl Fn(&Diagnostic) -> bool + '_ {
    let cluster = c.cluster.as_ref();
    let in_dump = move |span: Span| cluster.is_some_and(|cluster| cluster.sources.contains(&span.source));
    let inputs = &c.inputs;
    let object_spans = inputs.machine_configs.iter().map(|mc| mc.span);
    let object_spans = object_spans.chain(inputs.pools.iter().map(|p| p.span));
    let object_spans = object_spans.chain(inputs.machine_configurations.iter().map(|m| m.span));
    let object_spans = object_spans.chain(inputs.machine_os_configs.iter().map(|m| m.span));
    let repository: std::collections::BTreeSet<_> = match cluster {
        Some(cluster) => object_spans.map(|span| span.source).filter(|s| !cluster.sources.contains(s)).collect(),
        None => std::collections::BTreeSet::new(),
    };
    move |d: &Diagnostic| {
        cluster.is_none()
            || d.severity() == Severity::Error
            || d.code == &codes::RENDERED_CONFIG_STALE
            || !d.span.is_some_and(in_dump)
            || d.related.iter().any(|label| repository.contains(&label.span.source))
    }
}

/// Loads the policies (stdlib, then the site's policy files, then the site's
/// `MachineConfiguration`, each over the one before), builds each pool's graph and runs the
/// policy lints on it.
fn analyze_pools(
    c: &mut Compilation,
    pools: Vec<MachineConfigPool>,
    rendered: Vec<RenderedPool>,
    options: &PolicyOptions,
) -> Analysis {
    let (policies, site) = load_policies(c, options);
    // Pools are analysed in parallel; each one's diagnostics join the others in pool order, so
    // the output does not depend on the thread count.
    let analysed: Vec<(PoolGraph, Vec<Diagnostic>)> = rendered
        .par_iter()
        .map(|pool| {
            let mut diagnostics = Vec::new();
            let graph = lints::analyze_pool(pool, &c.inputs, &policies, options, &mut diagnostics);
            (graph, diagnostics)
        })
        .collect();
    let mut graphs = Vec::with_capacity(analysed.len());
    for (graph, diagnostics) in analysed {
        graphs.push(graph);
        c.diagnostics.extend(diagnostics);
    }
    Analysis { pools, rendered, policies, site, graphs }
}

/// The stdlib, then the site's policy files, then the site's `MachineConfiguration`, each over
/// the one before.
fn load_policies(c: &mut Compilation, options: &PolicyOptions) -> (Policies, SitePolicy) {
    let mut policies = stdlib::load(options.profile, options.ocp, &mut c.sources, &mut c.diagnostics);
    for file in &c.site_policies {
        policies.load_site(file.path.clone(), &file.text, &mut c.sources, &mut c.diagnostics);
    }
    let site = ndp::site_policy(&c.inputs, &mut c.diagnostics);
    policies.disruption.merge(site.disruption.clone());
    (policies, site)
}

/// The checks stage: what each pool's compilation would refuse, then the checks of `mcc check`
/// (which read the diagnostics found so far).
fn check(c: &mut Compilation, analysis: &Analysis) {
    let refused: Vec<Vec<Diagnostic>> = analysis
        .rendered
        .par_iter()
        .zip(&analysis.graphs)
        .map(|(pool, graph)| {
            let mut diagnostics = Vec::new();
            compile::lint(pool, graph, &mut diagnostics);
            diagnostics
        })
        .collect();
    // The run's list is kept to the end of the run and at a fleet's scale holds tens of
    // thousands of diagnostics: grown exactly here, not by doubling.
    c.diagnostics.reserve_exact(refused.iter().map(Vec::len).sum());
    c.diagnostics.extend(refused.into_iter().flatten());
    let mut found = Vec::new();
    checks::run(c, analysis, &mut found);
    c.diagnostics.reserve_exact(found.len());
    c.diagnostics.extend(found);
}

/// Every lint of the stdlib (`MCC6xxx`) as (code, severity, message), in code order, for
/// `mcc explain --list`.
pub fn stdlib_lints() -> Vec<(String, &'static str, String)> {
    let mut sources = Sources::default();
    let policies = stdlib::load(Profile::default(), OcpVersion::default(), &mut sources, &mut Vec::new());
    let mut lints: Vec<(String, &'static str, String)> =
        policies.lints.iter().map(|l| (l.code.value.clone(), l.level.value.name(), l.message.value.clone())).collect();
    lints.sort();
    lints
}

/// The documentation page of a lint of the stdlib (`MCC6xxx`), for `mcc explain CODE`; `None`
/// when no stdlib lint has that code.
pub fn lint_page(code: &str) -> Option<String> {
    let mut sources = Sources::default();
    let policies = stdlib::load(Profile::default(), OcpVersion::default(), &mut sources, &mut Vec::new());
    policies.lint_page(code, &sources)
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
