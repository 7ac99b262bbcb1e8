//! The divergences from the MCO that its own code (the `mco-oracle` built from commit
//! 7ff337a4ffac) found in mcc (issue 10, classes A to K), one module per class. Each test names
//! the MCO rule it pins and where that rule lives in the MCO tree, and runs the case through the
//! whole pipeline a user runs (load, render, analyse, plan), with the MCO's own flow
//! (`--target legacy`).

use crate::diagnostic::Severity;
use crate::plan::PoolPlan;
use crate::policy::placement::Target;
use crate::testing::{compilation, mc};
use crate::{Analysis, Compilation, PolicyOptions};

mod action_order;
mod apply_time;
mod merged_validity;
mod ndp_paths;
mod nested_lists;
mod newer_fields;
mod render_degraded;
mod section_validation;
mod v2_conversion;
mod versions;

/// The worker pool as the MCO ships it.
pub const WORKER_POOL: &str = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: worker\nspec:\n  machineConfigSelector:\n    matchLabels:\n      machineconfiguration.openshift.io/role: worker\n";

/// A worker MachineConfig whose Ignition config has `version` and `body` (indented at four
/// spaces, under `config:`).
pub fn ign(name: &str, version: &str, body: &str) -> String {
    mc(name, Some("worker"), &format!("  config:\n    ignition: {{version: {version}}}\n{body}"))
}

/// A worker MachineConfig writing one file from a plain data URL.
pub fn file(name: &str, path: &str, data: &str) -> String {
    ign(
        name,
        "3.4.0",
        &format!("    storage:\n      files:\n      - {{path: '{path}', contents: {{source: 'data:,{data}'}}}}\n"),
    )
}

/// The cluster's `MachineConfiguration` with these file policies, each `(path, actions YAML)`.
pub fn file_policies(rules: &[(&str, &str)]) -> String {
    let mut text = "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\nspec:\n  nodeDisruptionPolicy:\n    files:\n".to_string();
    for (path, actions) in rules {
        text += &format!("    - path: '{path}'\n      actions: {actions}\n");
    }
    text
}

/// Loads and analyses one side, as `mcc plan` does.
pub fn side(texts: &[&str]) -> (Compilation, Analysis) {
    let mut with_pool = vec![WORKER_POOL];
    with_pool.extend_from_slice(texts);
    let mut c = compilation(&with_pool);
    let options = PolicyOptions { target: Target::Legacy, ..PolicyOptions::default() };
    let analysis = crate::analyze(&mut c, &Default::default(), &options, None);
    (c, analysis)
}

/// The worker pool's plan from `old` to `new` under the MCO's own flow.
pub fn plan(old: &[&str], new: &[&str]) -> PoolPlan {
    use crate::plan::sides::{Side, plan};
    let (old_c, old_a) = side(old);
    let (new_c, new_a) = side(new);
    let options = PolicyOptions { target: Target::Legacy, ..PolicyOptions::default() };
    let old_side = Side { compilation: &old_c, analysis: &old_a };
    let new_side = Side { compilation: &new_c, analysis: &new_a };
    plan(Some(&old_side), &new_side, &options, Some("worker")).remove(0)
}

/// The error messages of a side's diagnostics.
pub fn errors(c: &Compilation) -> Vec<String> {
    c.diagnostics.iter().filter(|d| d.severity() == Severity::Error).map(|d| d.message.clone()).collect()
}
