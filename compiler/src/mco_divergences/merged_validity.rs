//! Class A: a merged config that Ignition's validator refuses.

use super::{errors, file, ign, plan, side};
use crate::codes;

/// A file with a mode but neither contents nor `overwrite`: valid alone, but the merge gives it
/// `overwrite: true`.
fn marker() -> String {
    ign("99-worker-marker", "3.4.0", "    storage:\n      files:\n      - {path: /etc/marker, mode: 420}\n")
}

/// Two MachineConfigs owning one file, by id and then by name.
fn owners() -> [String; 2] {
    let by = |name: &str, owner: &str| {
        ign(
            name,
            "3.4.0",
            &format!(
                "    storage:\n      files:\n      - {{path: /etc/owned, contents: {{source: 'data:,x'}}, user: {owner}}}\n"
            ),
        )
    };
    [by("99-worker-a", "{id: 0}"), by("99-worker-b", "{name: root}")]
}

fn codes(plan: &crate::plan::PoolPlan) -> Vec<&'static str> {
    plan.errors.iter().map(|e| e.code).collect()
}

// MCO: pkg/controller/common/helpers.go MergeMachineConfigs (overwrite defaults to true after the
// merge) and pkg/controller/common/reconcile.go isReconcilable (ParseAndConvertConfig of the new
// rendered config): "overwrite must be false if source is unspecified"; not reconcilable.
#[test]
fn a_a_merged_file_without_source_is_not_reconcilable() {
    let base = file("00-worker-base", "/etc/base", "a");
    let plan = plan(&[&base], &[&base, &marker()]);
    assert!(!plan.reconcilable);
    assert_eq!(codes(&plan), [codes::MERGED_CONFIG_INVALID.code]);
    assert!(plan.errors[0].message.starts_with("parsing new Ignition config from machineconfig \"rendered-worker-"));
    assert!(
        plan.errors[0]
            .message
            .ends_with("error at $.storage.files.1.overwrite: overwrite must be false if source is unspecified"),
        "{}",
        plan.errors[0].message
    );
    assert!(!plan.reboot && !plan.drain && plan.actions.is_empty(), "nothing is applied");
}

// MCO: vendored ignition config/v3_5/types Node.Validate via reconcile.go isReconcilable: an owner
// merged from `id` and `name` has both, "cannot set both id and name".
#[test]
fn a_an_owner_merged_from_id_and_name_is_not_reconcilable() {
    let base = file("00-worker-base", "/etc/base", "a");
    let [a, b] = owners();
    let plan = plan(&[&base], &[&base, &a, &b]);
    assert!(!plan.reconcilable);
    assert!(plan.errors[0].message.ends_with("error at $.storage.files.1.user: cannot set both id and name"));
}

// MCO: pkg/controller/render/render_controller.go generateAndValidateRenderedMachineConfig: the
// current config is parsed on every sync, so a pool whose current config is invalid stays
// RenderDegraded even when nothing changes, and cannot update away from it either.
#[test]
fn a_a_current_config_holding_an_invalid_entry_keeps_the_pool_degraded() {
    let base = file("00-worker-base", "/etc/base", "a");
    let same = plan(&[&base, &marker()], &[&base, &marker()]);
    assert!(!same.reconcilable && same.changes.is_empty());
    assert!(same.errors[0].message.starts_with("parsing old Ignition config"), "{:?}", same.errors);
    let away = plan(&[&base, &marker()], &[&base]);
    assert!(!away.reconcilable);
    assert!(away.errors[0].message.starts_with("parsing old Ignition config"));
}

// MCO: pkg/controller/render/render_controller.go generateRenderedMachineConfig validates each
// MachineConfig, not the merge: the pool still renders, and mcc says why it will degrade.
#[test]
fn a_the_pool_renders_with_an_error_on_the_entry() {
    let (c, analysis) = side(&[&marker()]);
    assert_eq!(analysis.rendered.len(), 1, "the MCO renders the pool");
    assert_eq!(
        errors(&c),
        [
            "the merged config of pool `worker` is invalid: error at $.storage.files.0.overwrite: overwrite must be false if source is unspecified"
        ]
    );
    let [a, b] = owners();
    let (c, _) = side(&[&a, &b]);
    assert_eq!(
        errors(&c),
        ["the merged config of pool `worker` is invalid: error at $.storage.files.0.user: cannot set both id and name"]
    );
}
