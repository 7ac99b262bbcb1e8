//! Found by the differential test (`tests/it/oracle`), outside classes A to K: the render
//! controller's reconcilability check runs on every sync, so a rule that looks only at the new
//! config refuses an unchanged one too.

use super::{ign, plan};
use crate::plan::PoolStatus;

/// A spec 2.2 file with `append: true`: the MCO converts it to a 3.x `append` list.
fn appending() -> String {
    ign(
        "99-worker-append",
        "2.2.0",
        "    storage:\n      files:\n      - {filesystem: root, path: /usr/local/bin/site.sh, mode: 256, append: true, contents: {source: 'data:,x'}}\n",
    )
}

// MCO: pkg/controller/render/render_controller.go generateAndValidateRenderedMachineConfig calls
// pkg/controller/common/reconcile.go IsRenderedConfigReconcilable(current, generated) whether or
// not the rendered config changed; its isConfigReconcilable refuses any new file with `append`
// ("ignition file %s includes append"). A pool whose current config appends stays
// RenderDegraded even when nothing changes; mcc said "no changes".
#[test]
fn an_unchanged_config_whose_file_appends_keeps_the_pool_render_degraded() {
    let appending = appending();
    let plan = plan(&[&appending], &[&appending]);
    assert_eq!(plan.from, plan.to, "nothing changed");
    assert_eq!(plan.state, PoolStatus::RenderDegraded);
    assert!(!plan.reconcilable);
    assert_eq!(plan.errors[0].message, "ignition file /usr/local/bin/site.sh includes append");
    assert!(plan.actions.is_empty() && !plan.reboot && !plan.drain);
}
