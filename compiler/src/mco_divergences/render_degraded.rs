//! Class K: a pool the MCO cannot render is RenderDegraded, never "no changes".

use super::{file, ign, plan};
use crate::plan::PoolStatus;

/// A worker MachineConfig that Ignition refuses (a relative path).
fn invalid() -> String {
    ign(
        "99-worker-bad",
        "3.4.0",
        "    storage:\n      files:\n      - {path: etc/bad, contents: {source: 'data:,x'}}\n",
    )
}

// MCO: pkg/controller/render/render_controller.go syncMachineConfigPool and
// generateRenderedMachineConfig: an invalid MachineConfig fails ValidateMachineConfig, the pool
// keeps its current config and is marked RenderDegraded with the error.
#[test]
fn k_a_pool_with_an_invalid_machine_config_is_render_degraded_with_its_causes() {
    let base = file("00-worker-base", "/etc/base", "a");
    let plan = plan(&[&base], &[&base, &invalid()]);
    assert_eq!(plan.state, PoolStatus::RenderDegraded);
    assert!(plan.to.is_none() && plan.from.is_some());
    assert!(!plan.reconcilable);
    assert_eq!(plan.errors[0].code, "MCC1005");
    assert!(plan.errors[0].message.starts_with("99-worker-bad: "), "{:?}", plan.errors);
    assert!(plan.changes.is_empty() && !plan.reboot && !plan.drain, "nothing rolls out");
}

// MCO: render_controller.go syncMachineConfigPool: "no MachineConfigs found matching selector".
#[test]
fn k_a_pool_that_selects_nothing_any_more_is_render_degraded() {
    let base = file("00-worker-base", "/etc/base", "a");
    let plan = plan(&[&base], &[]);
    assert_eq!(plan.state, PoolStatus::RenderDegraded);
    assert_eq!(plan.errors[0].message, "no MachineConfigs found matching selector for pool `worker`");
}

// MCO: render_controller.go generateAndValidateRenderedMachineConfig: a refused update is a render
// failure too; an accepted one renders.
#[test]
fn k_an_irreconcilable_change_is_render_degraded_and_a_valid_one_rendered() {
    let base = file("00-worker-base", "/etc/base", "a");
    let fips = crate::testing::mc("99-worker-fips", Some("worker"), "  fips: true\n");
    assert_eq!(plan(&[&base], &[&base, &fips]).state, PoolStatus::RenderDegraded);
    let changed = file("00-worker-base", "/etc/base", "b");
    assert_eq!(plan(&[&base], &[&changed]).state, PoolStatus::Rendered);
}
