//! The checks of `mcc check` beyond reading, schema and Ignition validation: what the MCO would
//! accept but a reviewer wants to hear about before merging (issue 6).
//!
//! One check a file, each with a doc comment saying what it finds and why it matters, its
//! function and its tests; each has a code of its own in the `MCC70xx` range with a page in
//! `docs/codes/`. Checks read the analysed inputs and never change them: [`run`] is called at the
//! driver's checks stage, after every pool is analysed and linted.
//!
//! Some bullets of the issue are covered by codes that existed before these checks, and are
//! only proven by fixtures (`tests/fixtures/checks/`): unit contents that do not parse
//! (MCC1011), an enabled unit without `[Install]` (MCC1012), every CRD rule of the Node
//! Disruption Policy (MCC31xx), a rebootless policy on an image-placed path (MCC3201), a
//! name-only owner that cannot be baked (MCC5006), world-writable files, setuid and setgid bits
//! and readable `*.key` files (the stdlib lints MCC6001, MCC6002, MCC6005, and MCC1008 for modes
//! above 0777), and the site's own lints.
//!
//! A finding that several pools share (a custom pool inherits the worker MachineConfigs) is
//! reported once: checks word their diagnostics without the pool, or name every pool in one.

pub mod against;
mod cluster_rendered_stale;
mod conflicts;
mod dropin_without_unit;
mod etc_written_by_node;
mod exec_relative_path;
mod file_format;
mod kernel_argument_conflict;
mod kernel_argument_duplicate;
mod kernel_argument_split;
mod machine_os_config;
mod masked_unit_with_contents;
mod ndp_rule_matches_nothing;
mod ndp_unknown_service;
mod path_rejected;
mod pull_spec;
mod secret_world_readable;
pub(crate) mod unrendered_pools;
mod var_as_tmpfiles;

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::graph::{Entry, Node, PoolGraph};
use crate::ignition::content;
use crate::ignition::types::{Ignition, Resource};
use crate::model::MachineConfig;
use crate::policy::placement::Target;
use crate::render::{McId, RenderedPool};
use crate::session::{Analysis, Compilation};

/// One check: what it finds goes into the vector.
type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// The checks that read one rendered pool at a time (`cx.pools()`), and nothing else of the run
/// but the policies: what a check-only render of an unrendered pool's valid MachineConfigs can
/// be asked ([`unrendered_pools`]), in the order their findings are appended.
const POOL_CHECKS: &[Check] = &[
    conflicts::check,
    path_rejected::check,
    var_as_tmpfiles::check,
    etc_written_by_node::check,
    dropin_without_unit::check,
    masked_unit_with_contents::check,
    kernel_argument_duplicate::check,
    kernel_argument_conflict::check,
];

/// The checks of the whole run, after the pool checks, in the order their findings are appended.
const RUN_CHECKS: &[Check] = &[
    exec_relative_path::check,
    kernel_argument_split::check,
    ndp_rule_matches_nothing::check,
    ndp_unknown_service::check,
    file_format::check,
    cluster_rendered_stale::check,
    machine_os_config::check,
];

/// Runs every check and appends what it finds to `diagnostics`.
pub fn run(c: &Compilation, analysis: &Analysis, diagnostics: &mut Vec<Diagnostic>) {
    let cx = Context { c, analysis, rendered: &analysis.rendered, graphs: &analysis.graphs };
    pool_checks(&cx, diagnostics, &c.diagnostics);
    run_in_parallel(&cx, RUN_CHECKS, diagnostics);
}

/// The [`POOL_CHECKS`], then the secrets check, which also reads `earlier`, the diagnostics found
/// before the checks.
fn pool_checks(cx: &Context<'_>, diagnostics: &mut Vec<Diagnostic>, earlier: &[Diagnostic]) {
    let mut secrets = Vec::new();
    rayon::join(
        || run_in_parallel(cx, POOL_CHECKS, diagnostics),
        || secret_world_readable::check(cx, &mut secrets, earlier),
    );
    diagnostics.append(&mut secrets);
}

/// Runs `checks` in parallel; their findings are appended in the order of `checks`, whatever the
/// thread count.
fn run_in_parallel(cx: &Context<'_>, checks: &[Check], diagnostics: &mut Vec<Diagnostic>) {
    let found: Vec<Vec<Diagnostic>> = checks
        .par_iter()
        .map(|check| {
            let mut found = Vec::new();
            check(cx, &mut found);
            found
        })
        .collect();
    diagnostics.extend(found.into_iter().flatten());
}

/// Units every node has without a MachineConfig among the inputs (`stdlib/base-units.txt`).
const BASE_UNITS: &str = include_str!("../../../stdlib/base-units.txt");

/// Where systemd reads system units from; a MachineConfig may write a unit file into any of them.
const UNIT_DIRS: &[&str] =
    &["/etc/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// What every check reads.
pub(crate) struct Context<'a> {
    pub c: &'a Compilation,
    pub analysis: &'a Analysis,
    /// The pools the pool checks read, with their graphs: the analysis's, or a check-only render.
    rendered: &'a [RenderedPool],
    graphs: &'a [PoolGraph],
}

impl<'a> Context<'a> {
    /// Each rendered pool with its graph.
    pub fn pools(&self) -> impl Iterator<Item = (&'a RenderedPool, &'a PoolGraph)> {
        self.rendered.iter().zip(self.graphs)
    }

    /// The MachineConfigs that are inputs to rendering (not rendered configs exported from a
    /// cluster, which are records of a result), with their ids.
    pub fn machine_configs(&self) -> impl Iterator<Item = (McId, &'a MachineConfig)> {
        self.c.inputs.machine_configs.iter().enumerate().filter(|(_, mc)| mc.rendered_for.is_none())
    }

    /// The MachineConfigs' Ignition configs, with their ids.
    pub fn configs(&self) -> impl Iterator<Item = (McId, &'a MachineConfig, &'a Ignition)> {
        self.machine_configs().filter_map(|(id, mc)| mc.spec.config.as_deref().map(|config| (id, mc, config)))
    }

    pub fn mc_name(&self, id: McId) -> &'a str {
        self.c.inputs.machine_configs[id].name()
    }
}

/// The classified entries of a pool's graph.
pub(crate) fn entries(graph: &PoolGraph) -> impl Iterator<Item = &Entry> {
    graph.entries.values().filter_map(|&n| match &graph.graph[n] {
        Node::Entry(e) => Some(e),
        _ => None,
    })
}

/// Whether the entry is baked into an image (as opposed to applied on the node).
pub(crate) fn baked(entry: &Entry, target: Target) -> bool {
    !entry.node_side && target != Target::Legacy
}

/// A file's contents as the node gets them, as validation decoded them (`None` for a remote
/// source or undecodable contents).
pub(crate) fn decoded(resource: &Resource) -> Option<&[u8]> {
    content::bytes(resource)
}

/// The template of a unit instance: `getty@tty1.service` → `getty@.service`.
fn template_of(name: &str) -> Option<String> {
    let (prefix, rest) = name.split_once('@')?;
    let (_, suffix) = rest.rsplit_once('.')?;
    Some(format!("{prefix}@.{suffix}"))
}

/// Whether a unit is one every node has (`stdlib/base-units.txt`), directly or as an instance
/// of a listed template.
pub(crate) fn is_base_unit(name: &str) -> bool {
    // The list read once: every unit and dropin of every pool asks (it was parsed at each ask).
    static BASE: std::sync::LazyLock<crate::hash::HashSet<&str>> =
        std::sync::LazyLock::new(|| crate::policy::stdlib::list_entries(BASE_UNITS).map(|(unit, _)| unit).collect());
    BASE.contains(name) || template_of(name).is_some_and(|template| BASE.contains(template.as_str()))
}

/// Who writes an `/etc` path on the node, when `stdlib/node-written.txt` lists it.
pub(crate) fn node_writer(path: &str) -> Option<&'static str> {
    crate::policy::node_written::writer(path)
}

/// The unit a path in a unit directory defines (`/etc/systemd/system/foo.service`), or the unit
/// and dropin a path below it adds (`/etc/systemd/system/foo.service.d/10-x.conf`).
pub(crate) enum UnitPath<'p> {
    Unit(&'p str),
    Dropin { unit: &'p str, name: &'p str },
}

pub(crate) fn unit_path(path: &str) -> Option<UnitPath<'_>> {
    let rest = UNIT_DIRS.iter().find_map(|dir| path.strip_prefix(dir)?.strip_prefix('/'))?;
    match rest.split_once('/') {
        None => has_unit_suffix(rest).then_some(UnitPath::Unit(rest)),
        // Any `X.d/NAME.conf`: X is a unit, a unit type (`service.d`, for every service), a
        // prefix (`crio-.scope.d`), or a mistake.
        Some((dir, name)) if !name.contains('/') => {
            let unit = dir.strip_suffix(".d")?;
            name.ends_with(".conf").then_some(UnitPath::Dropin { unit, name })
        }
        Some(_) => None,
    }
}

pub(crate) fn has_unit_suffix(name: &str) -> bool {
    crate::ignition::validate::UNIT_SUFFIXES.iter().any(|s| name.len() > s.len() && name.ends_with(s))
}

/// The units a pool's MachineConfigs define: units with contents, and unit files written into a
/// unit directory.
pub(crate) fn defined_units(pool: &RenderedPool) -> BTreeSet<String> {
    let mut units: BTreeSet<String> =
        pool.config.systemd.units.iter().filter(|u| u.contents.is_some()).map(|u| u.name.value.clone()).collect();
    let storage = &pool.config.storage;
    let paths = storage.files.iter().map(|f| &f.node.path).chain(storage.links.iter().map(|l| &l.node.path));
    for path in paths {
        if let Some(UnitPath::Unit(name)) = unit_path(&path.value) {
            units.insert(name.to_string());
        }
    }
    units
}

/// Whether a unit exists on the nodes: a base unit, or one some pool defines (directly or as an
/// instance of a template it defines).
pub(crate) fn unit_is_known(name: &str, defined: &BTreeSet<String>) -> bool {
    is_base_unit(name) || defined.contains(name) || template_of(name).is_some_and(|t| defined.contains(&t))
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            format!("{} and {}", rest.iter().map(|i| i.as_ref()).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// `pool worker` or `pools worker and infra`.
pub(crate) fn pools_phrase(pools: &[String]) -> String {
    let names: Vec<String> = pools.iter().map(|p| format!("`{p}`")).collect();
    if names.len() == 1 { format!("pool {}", names[0]) } else { format!("pools {}", and_list(&names)) }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Running the whole analysis on YAML texts, for the checks' unit tests.

    use crate::diagnostic::Diagnostic;
    use crate::render::RenderOptions;
    use crate::session::PolicyOptions;

    /// Every diagnostic of `mcc check` on these inputs (one file each), with these options.
    pub fn check_with(files: &[&str], options: &PolicyOptions) -> Vec<Diagnostic> {
        let mut c = crate::testing::compilation(files);
        crate::driver::analyze(&mut c, &RenderOptions::default(), options, None);
        c.diagnostics
    }

    /// Every diagnostic of `mcc check` on these inputs, with the default options.
    pub fn check(files: &[&str]) -> Vec<Diagnostic> {
        check_with(files, &PolicyOptions::default())
    }

    /// The diagnostics with `code`.
    pub fn with_code(diagnostics: &[Diagnostic], code: &crate::codes::CodeInfo) -> Vec<Diagnostic> {
        diagnostics.iter().filter(|d| d.code == code).cloned().collect()
    }

    /// A worker MachineConfig whose Ignition config (3.4.0) has this `storage` or `systemd` YAML,
    /// indented as a block under `config:`.
    pub fn worker(name: &str, config: &str) -> String {
        crate::testing::mc(name, Some("worker"), &format!("  config:\n    ignition: {{version: 3.4.0}}\n{config}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_units_cover_templates_and_their_instances() {
        assert!(is_base_unit("kubelet.service"));
        assert!(is_base_unit("getty@.service"));
        assert!(is_base_unit("getty@tty1.service"), "an instance of a listed template");
        assert!(!is_base_unit("my-app.service"));
        assert!(!is_base_unit("#"), "comments are not units");
    }

    #[test]
    fn unit_paths_name_units_and_dropins_in_every_unit_directory() {
        assert!(matches!(unit_path("/etc/systemd/system/a.service"), Some(UnitPath::Unit("a.service"))));
        assert!(matches!(
            unit_path("/usr/lib/systemd/system/a.service.d/10-x.conf"),
            Some(UnitPath::Dropin { unit: "a.service", name: "10-x.conf" })
        ));
        assert!(unit_path("/etc/systemd/system/multi-user.target.wants/a.service").is_none());
        assert!(unit_path("/etc/systemd/system/a.service.d/sub/x.conf").is_none());
        assert!(unit_path("/etc/systemd/system.conf").is_none());
    }

    #[test]
    fn node_writers_are_found_by_glob() {
        assert!(node_writer("/etc/resolv.conf").is_some_and(|w| w.contains("NetworkManager")));
        assert!(node_writer("/etc/ssh/ssh_host_ed25519_key").is_some());
        assert!(node_writer("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem").is_some());
        assert!(node_writer("/etc/chrony.conf").is_none());
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(pools_phrase(&["worker".to_string(), "infra".to_string()]), "pools `worker` and `infra`");
    }
}
