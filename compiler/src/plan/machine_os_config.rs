//! A pool's `MachineOSConfig` changing: a new on-cluster build, so a new image for its nodes.
//!
//! The MCO's build controller starts a new build when a `MachineOSConfig`'s spec changes (its
//! `updateMachineOSConfig` compares the old and new spec with `equality.Semantic.DeepEqual`,
//! where an empty list equals a missing one) or when it gains the
//! `machineconfiguration.openshift.io/rebuild` annotation; a new `MachineOSConfig` opts its pool
//! into on-cluster builds (a first build). Metadata, other annotations and status never start
//! one. The build's image is an OS update for the pool's nodes (the daemon's `osUpdate`: the
//! layered image changed), which the MCO always drains and reboots for; so is removing the
//! `MachineOSConfig`, which reverts the nodes to the pool's non-layered image.

use crate::model::machine_os_config::MachineOsConfig;
use crate::plan::sides::Side;
use crate::plan::{Change, ChangeKind, MachineOsConfigChange, Op, PoolPlan};
use crate::policy::disruption::Action;
use crate::policy::placement::Placement;

/// The annotation that asks the build controller for a new build of the same spec.
pub const REBUILD_ANNOTATION: &str = "machineconfiguration.openshift.io/rebuild";

/// The pool's `MachineOSConfig` on a side (the first naming it, as the build controller lists
/// one a pool; `mcc check` reports a second). Over a cluster dump, the repository's wins and the
/// dump's stands for the pool otherwise.
pub fn of<'a>(side: &'a Side<'_>, pool: &str) -> Option<&'a MachineOsConfig> {
    let for_pool = |m: &&MachineOsConfig| m.pool.as_ref().is_some_and(|p| p.value == pool);
    let inputs = &side.compilation.inputs;
    inputs
        .machine_os_configs
        .iter()
        .find(for_pool)
        .or_else(|| side.compilation.cluster.as_ref().and_then(|c| c.running.machine_os_configs.iter().find(for_pool)))
}

/// Whether a side says anything about `MachineOSConfig`s: a cluster dump without any (`oc get`
/// of MachineConfigs and pools only) does not, and its pools' builds are then unknown.
pub fn known(side: &Side<'_>) -> bool {
    let c = side.compilation;
    c.cluster.is_none()
        || !c.inputs.machine_os_configs.is_empty()
        || c.cluster.as_ref().is_some_and(|cluster| !cluster.running.machine_os_configs.is_empty())
}

/// The spec fields (by their YAML names) whose values differ, in the CRD's order, then the
/// rebuild annotation when `new` gained it.
pub fn changed_fields(old: &MachineOsConfig, new: &MachineOsConfig) -> Vec<&'static str> {
    let value = |s: &Option<crate::load::reader::Spanned<String>>| s.as_ref().map(|v| v.value.clone());
    let secret = |s: &Option<crate::model::machine_os_config::SecretRef>| s.as_ref().and_then(|r| value(&r.name));
    let builder = |m: &MachineOsConfig| m.image_builder.as_ref().and_then(|(_, t)| value(t));
    let containerfiles = |m: &MachineOsConfig| -> Vec<(String, String)> {
        m.containerfiles.iter().map(|c| (c.arch().to_string(), c.content.value.clone())).collect()
    };
    let mut fields = Vec::new();
    let mut compare = |name, differs: bool| {
        if differs {
            fields.push(name);
        }
    };
    compare("machineConfigPool", value(&old.pool) != value(&new.pool));
    compare("imageBuilder", builder(old) != builder(new));
    compare("baseImagePullSecret", secret(&old.base_image_pull_secret) != secret(&new.base_image_pull_secret));
    compare(
        "renderedImagePushSecret",
        secret(&old.rendered_image_push_secret) != secret(&new.rendered_image_push_secret),
    );
    compare("renderedImagePushSpec", value(&old.rendered_image_push_spec) != value(&new.rendered_image_push_spec));
    compare("containerFile", containerfiles(old) != containerfiles(new));
    let rebuild = |m: &MachineOsConfig| m.metadata.annotations.contains_key(REBUILD_ANNOTATION);
    compare(REBUILD_ANNOTATION, !rebuild(old) && rebuild(new));
    fields
}

/// What a pool's `MachineOSConfig` going from `old` to `new` does to its plan: nothing when it
/// starts no build; otherwise a `machineOSConfig` change, and the pool rebuilt, drained and
/// rebooted. A pool that does not render, or whose update the MCO refuses, builds nothing (the
/// build controller waits on a degraded pool).
pub fn fill(plan: &mut PoolPlan, old: Option<&MachineOsConfig>, new: Option<&MachineOsConfig>) {
    let (op, name, fields) = match (old, new) {
        (None, None) => return,
        (None, Some(new)) => (Op::Add, new.name(), Vec::new()),
        (Some(old), None) => (Op::Remove, old.name(), Vec::new()),
        (Some(old), Some(new)) => match changed_fields(old, new) {
            fields if fields.is_empty() => return,
            fields => (Op::Change, new.name(), fields),
        },
    };
    if plan.to.is_none() || !plan.reconcilable {
        return;
    }
    let reason = match op {
        Op::Add => "a new MachineOSConfig: the pool's first on-cluster build, whose image its nodes boot".to_string(),
        Op::Remove => "the MachineOSConfig is removed: the nodes go back to the pool's non-layered image".to_string(),
        Op::Change => format!("its {} changed: the MCO builds a new image for the pool", fields.join(", ")),
    };
    plan.changes.push(Change {
        op,
        kind: ChangeKind::MachineOsConfig,
        name: name.to_string(),
        placement: Placement::Image,
        actions: vec![Action::Reboot],
        rule: None,
        sources: Vec::new(),
        reason: Some(reason.clone()),
        shadowed_by: None,
        contents: None,
        relocation: None,
    });
    plan.machine_os_config = Some(MachineOsConfigChange { name: name.to_string(), op, fields });
    plan.rebuild = true;
    plan.reboot = true;
    plan.drain = true;
    plan.actions = vec![Action::Reboot];
    plan.reboot_reason.get_or_insert_with(|| format!("MachineOSConfig {name}: {reason}"));
}
