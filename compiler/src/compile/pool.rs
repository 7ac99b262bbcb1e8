//! The pool driver: one pool's compile, entry by entry in the graph's apply order, then the
//! layer plan, the node actions and the Containerfile assembled from what the builder gathered.

use std::collections::{BTreeMap, BTreeSet};

use super::layer::{
    LABEL_BASE, LABEL_MACHINE_OS_CONFIG, LABEL_POOL, LABEL_RENDERED, LABEL_SOURCE_DIGEST, source_digest,
};
use super::storage::Storage;
use super::{CompiledPool, Context, VarStrategy, containerfile, host_architecture, tmpfiles};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::graph::{Entry, Node};
use crate::plan::{self, PoolPlan};
use crate::policy::disruption::Action;
use crate::policy::placement::{Placement, Target};
use mcc_contract::Mode;
use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;

/// What one pool's compile gathers: the layer's entries and blobs, the node-side steps, the
/// tmpfiles.d lines and the errors, filled in by the entry, unit, kargs and package modules.
pub(super) struct Builder<'c, 'a> {
    pub(super) cx: &'c Context<'a>,
    pub(super) storage: Storage<'a>,
    pub(super) target: Target,
    pub(super) entries: BTreeMap<String, ImageEntry>,
    pub(super) blobs: BTreeMap<String, Vec<u8>>,
    pub(super) writes: Vec<Step>,
    pub(super) unit_steps: Vec<Step>,
    pub(super) tmpfiles: Vec<TmpfilesLine>,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) enabled: BTreeSet<String>,
}

/// What one pool's compile gathers before it needs the pool's plan: the builder's layer entries,
/// blobs, steps and errors, the packages and kernel arguments, the removals and the node's image.
/// Gathering runs beside planning ([`super::compile`]); [`finish`] adds what the plan decides.
pub(super) struct Gathered<'c, 'a> {
    b: Builder<'c, 'a>,
    /// Where the plan's errors go among the builder's, so they come in the same order as when
    /// the plan was known first: after the base-image error, before the entries' errors.
    plan_errors_at: usize,
    kernel_arguments: KernelArguments,
    packages: Packages,
    removals: Vec<Step>,
    image: Option<(NodeImage, Option<Step>)>,
}

pub(super) fn gather<'c, 'a>(cx: &'c Context<'a>) -> Gathered<'c, 'a> {
    let pool = cx.pool;
    let target = cx.options.policy.target;
    let mut b = Builder {
        cx,
        storage: Storage::of(pool),
        target,
        entries: BTreeMap::new(),
        blobs: BTreeMap::new(),
        writes: Vec::new(),
        unit_steps: Vec::new(),
        tmpfiles: Vec::new(),
        errors: Vec::new(),
        enabled: BTreeSet::new(),
    };
    let name = pool.pool.name().to_string();
    if pool.os_image_url.url.is_empty() {
        b.errors.push(
            Diagnostic::general(
                &codes::COMPILE_NO_BASE_IMAGE,
                format!(
                    "pool `{name}` has no base image: no MachineConfig sets osImageURL and no --base-image was given"
                ),
            )
            .with_help("pass the cluster's OS image with --base-image (a digest reference), or set spec.osImageURL"),
        );
    }
    let plan_errors_at = b.errors.len();
    for node in cx.graph.apply_order() {
        let Node::Entry(e) = &cx.graph.graph[node] else { continue };
        let sources: Vec<String> = dedup(cx.graph.definitions(node).into_iter().map(|(n, _)| n));
        if e.placement == Placement::Reject {
            b.errors.push(
                Diagnostic::new(
                    &codes::COMPILE_REJECTED_ENTRY,
                    e.span,
                    format!(
                        "`{}` is placed in reject: no image or node can hold it",
                        crate::graph::describe(&e.subject)
                    ),
                )
                .with_help("`mcc explain --entry` names the rule that rejects it; move the entry elsewhere"),
            );
            continue;
        }
        match &e.subject {
            Subject::Path(path) => b.path_entry(path, e, sources),
            Subject::Unit(unit) => b.unit_file(unit, e, sources),
            Subject::Dropin { unit, name } => b.dropin(unit, name, e, sources),
            Subject::Passwd(user) => b.passwd(user, sources),
            _ => {}
        }
        if let Some(path) = &e.resolved_path {
            b.mark_relocated(path, e);
        }
    }
    b.unit_states();
    let kernel_arguments = b.kernel_arguments();
    let packages = b.packages();
    if !b.tmpfiles.is_empty() {
        let lines: Vec<String> = b.tmpfiles.iter().map(|l| l.line.clone()).collect();
        let sources = dedup(b.tmpfiles.iter().flat_map(|l| l.sources.clone()));
        let bytes = tmpfiles::file_contents(&name, &lines).into_bytes();
        b.add_file(tmpfiles::PATH, Mode::FILE, (0, 0), bytes, "image", "tmpfiles", sources, None);
    }
    b.add_parents();
    let removals = b.removals();
    let image = b.node_image(&name, &source_digest(pool));
    Gathered { b, plan_errors_at, kernel_arguments, packages, removals, image }
}

/// The pool's compile, from what [`gather`] found and the pool's plan (from `--from`, or a first
/// install): its errors, or the layer plan, node actions and Containerfile.
pub(super) fn finish(gathered: Gathered<'_, '_>, plan: Option<&PoolPlan>) -> Result<CompiledPool, Vec<Diagnostic>> {
    let Gathered { mut b, plan_errors_at, kernel_arguments, packages, removals, image } = gathered;
    let cx = b.cx;
    let (pool, target) = (cx.pool, b.target);
    let name = pool.pool.name().to_string();
    if let Some(plan) = plan
        && !plan.reconcilable
    {
        let refused = plan.errors.iter().map(|error| {
            Diagnostic::general(
                &codes::COMPILE_IRRECONCILABLE,
                format!(
                    "pool `{name}`: the update from {} is one the MCO refuses ({}: {})",
                    plan.from.as_deref().unwrap_or("the --from state"),
                    error.code,
                    error.message
                ),
            )
            .with_help(format!("`mcc explain {}` says why; compile writes nothing for this pool", error.code))
        });
        b.errors.splice(plan_errors_at..plan_errors_at, refused.collect::<Vec<_>>());
    }
    if !b.errors.is_empty() {
        return Err(b.errors);
    }

    let base_image = pool.os_image_url.url.clone();
    let extensions_image =
        Some(pool.base_os_extensions_container_image.url.clone()).filter(|u| !u.is_empty() && target != Target::Legacy);
    let source_digest = source_digest(pool);
    let (machine_os_config, custom) = custom_content(cx, &name);
    let labels: BTreeMap<String, String> = [
        (LABEL_RENDERED, pool.name().to_string()),
        (LABEL_POOL, name.clone()),
        (LABEL_BASE, base_image.clone()),
        (LABEL_SOURCE_DIGEST, source_digest.clone()),
    ]
    .into_iter()
    .chain(machine_os_config.as_ref().map(|m| (LABEL_MACHINE_OS_CONFIG, m.name.clone())))
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let layer_plan = LayerPlan {
        schema: LAYER_PLAN_SCHEMA.into(),
        pool: name.clone(),
        rendered_config: pool.name().to_string(),
        target: target.name().into(),
        profile: cx.options.policy.profile.name().into(),
        base_image,
        extensions_image,
        source_digest,
        mtime: cx.options.mtime,
        labels,
        entries: b.entries.into_values().collect(),
        packages,
        kernel_arguments,
        tmpfiles: b.tmpfiles,
        diff_id: String::new(),
        machine_os_config,
    };

    let mut steps = Vec::new();
    let (image, switch) = image.map_or((None, None), |(image, switch)| (Some(image), switch));
    // A switch takes effect at the next boot, and the MCO drains a node before it reboots it into
    // a new image: a switch brings both, whatever the plan decided for the files.
    let drain = plan.is_some_and(|p| p.drain) || switch.is_some();
    let reboot = plan.is_some_and(|p| p.reboot) || switch.is_some();
    if drain {
        steps.push(Step::Drain);
    }
    steps.extend(b.writes);
    steps.extend(removals);
    steps.extend(b.unit_steps);
    for action in plan.map(|p| p.actions.as_slice()).unwrap_or_default() {
        steps.extend(match action {
            Action::Reboot => None,
            Action::DaemonReload => Some(Step::DaemonReload),
            Action::Reload(service) => Some(Step::Reload { service: service.clone() }),
            Action::Restart(service) => Some(Step::Restart { service: service.clone() }),
            Action::Special => Some(Step::Reload { service: plan::decide::SPECIAL_SERVICE.into() }),
            // The drain, when there is one, is the first step.
            // The reboot comes after the switch, below.
            Action::Drain | Action::None => None,
        });
    }
    // After every node-side write and post-change action, so the deployment staged by the
    // switch carries the node's /etc as written (ostree merges /etc when it finalizes the
    // deployment, at shutdown), and right before the reboot that boots it.
    let reboot_step = plan.is_some_and(|p| p.actions.contains(&Action::Reboot)) || switch.is_some();
    steps.extend(switch);
    if reboot_step {
        steps.push(Step::Reboot);
    }
    let node_actions = NodeActions {
        schema: NODE_ACTIONS_SCHEMA.into(),
        pool: name.clone(),
        rendered_config: pool.name().to_string(),
        from: plan.and_then(|p| p.from.clone()),
        target: target.name().into(),
        var_strategy: cx.options.var_strategy.name().into(),
        rebuild: plan.is_some_and(|p| p.rebuild),
        drain,
        reboot,
        image,
        steps,
    };
    let containerfile = containerfile::render(&layer_plan, target, cx.options.lint, custom);
    Ok(CompiledPool { pool: name, layer_plan, node_actions, containerfile, blobs: b.blobs })
}

/// The pool's `MachineOSConfig` (the first one naming it: `mcc check` reports a second) and the
/// custom content of its `containerFile` entry for the build's architecture, else `NoArch`.
fn custom_content<'a>(cx: &Context<'a>, pool: &str) -> (Option<MachineOsConfigSource>, Option<&'a str>) {
    let Some(mosc) = cx.inputs.machine_os_configs.iter().find(|m| m.pool.as_ref().is_some_and(|p| p.value == pool))
    else {
        return (None, None);
    };
    let architecture = cx.options.architecture.as_deref().unwrap_or(host_architecture());
    let entry = mosc.containerfile_for(architecture);
    let source = MachineOsConfigSource {
        name: mosc.name().to_string(),
        containerfile_arch: entry.map(|e| e.arch().to_string()),
        content_sha256: entry.map(|e| mcc_contract::sha256_hex(e.content.value.as_bytes())),
    };
    (Some(source), entry.map(|e| e.content.value.as_str()).filter(|c| !c.trim().is_empty()))
}

impl Builder<'_, '_> {
    pub(super) fn baked(&self, e: &Entry) -> bool {
        !e.node_side && self.target != Target::Legacy
    }

    pub(super) fn as_tmpfiles(&self, e: &Entry) -> bool {
        self.cx.options.var_strategy == VarStrategy::Tmpfiles
            && e.placement == Placement::Var
            && self.target != Target::Legacy
    }

    pub(super) fn spec_sources(&self, ids: impl IntoIterator<Item = usize>) -> Vec<String> {
        dedup(ids.into_iter().map(|i| self.cx.inputs.machine_configs[i].name().to_string()))
    }
}

pub(super) fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
