//! `mcc check --against REF|PATHS`: the day-2 view of a change, for a pull request.
//!
//! Given the plans of every pool from the `--against` state to the checked one (as
//! [`crate::plan::sides::plan`] computes them), this says up front what merging does: each
//! reconcilability error as a diagnostic (with the code the plan uses, MCC40xx, pointing at the
//! MachineConfigs whose change the MCO refuses), and one line per pool saying whether its nodes
//! drain and reboot — "worker: this change drains and reboots every node of the pool (…)".

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::plan::ndp_order::same_change_rules;
use crate::plan::sides::{self, Side};
use crate::plan::{ChangeKind, PoolPlan, PoolStatus};
use crate::policy::disruption::Action;
use crate::session::{Compilation, PolicyOptions};

/// What `--against` adds to `mcc check`.
#[derive(Debug, Clone, PartialEq)]
pub struct Against {
    /// One diagnostic per reconcilability error (or other reason a pool's update fails).
    pub diagnostics: Vec<Diagnostic>,
    /// One entry per pool, in the plans' order.
    pub pools: Vec<PoolSummary>,
}

/// What the change does to one pool's nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSummary {
    pub pool: String,
    /// False when the MCO refuses the change.
    pub reconcilable: bool,
    pub changed: bool,
    /// A new image is built (image-mode targets).
    pub rebuild: bool,
    pub drain: bool,
    pub reboot: bool,
    /// The one-line summary: `worker: this change drains and reboots every node of the pool (…)`.
    pub line: String,
}

/// Plans every pool from `old` (the `--against` state; `None` for a first install) to `new` (the
/// checked inputs) and summarises the result. The plans use `new`'s policies, as `mcc plan` does.
pub fn against(old: Option<&Side<'_>>, new: &Side<'_>, options: &PolicyOptions) -> Against {
    let plans = sides::plan(old, new, options, None);
    let mut found = against_summary(&plans, new.compilation);
    // A rule arriving with the change it makes rebootless: `mcc plan` warns too (MCC4040).
    found.diagnostics.extend(same_change_rules(old, new, options, &plans).diagnostics);
    found
}

/// Turns plans into `--against`'s diagnostics and per-pool lines. `new` is the checked
/// compilation, used to point each error at the MachineConfigs responsible.
pub fn against_summary(plans: &[PoolPlan], new: &Compilation) -> Against {
    let mut diagnostics = Vec::new();
    for plan in plans {
        // A pool the checked inputs cannot render: its causes are already their own diagnostics.
        if plan.to.is_none() && plan.state == PoolStatus::RenderDegraded {
            continue;
        }
        for error in &plan.errors {
            let Some(info) = codes::find(error.code) else { continue };
            let message = format!("pool `{}`: {}", plan.pool, error.message);
            let culprits = culprits(plan, error.code);
            let located = culprits.iter().find_map(|name| {
                new.inputs.machine_configs.iter().find(|mc| mc.name() == name).map(|mc| mc.metadata.name.span)
            });
            let mut diagnostic = match located {
                Some(span) => Diagnostic::new(info, span, message).with_label("this MachineConfig's change"),
                None => Diagnostic::general(info, message),
            };
            diagnostic = diagnostic.with_help(format!(
                "{}: the pool's nodes keep their current config until this is undone (`mcc explain {}`)",
                info.summary, info.code
            ));
            diagnostics.push(diagnostic);
        }
    }
    Against { diagnostics, pools: plans.iter().map(summary).collect() }
}

/// The MachineConfigs behind the changes a reconcilability error is about.
fn culprits(plan: &PoolPlan, code: &str) -> Vec<String> {
    let kinds: &[ChangeKind] = match code {
        "MCC4001" | "MCC4002" | "MCC4003" | "MCC4004" => &[ChangeKind::Passwd],
        "MCC4009" => &[ChangeKind::Directory],
        "MCC4010" => &[ChangeKind::Link],
        "MCC2008" | "MCC4011" | "MCC4012" | "MCC4014" => &[ChangeKind::File],
        "MCC4013" => &[ChangeKind::Fips],
        _ => &[],
    };
    plan.changes.iter().filter(|c| kinds.contains(&c.kind)).flat_map(|c| c.sources.iter().cloned()).collect()
}

/// The pool's one-line summary.
pub fn summary(plan: &PoolPlan) -> PoolSummary {
    let changed = plan.effective_changes().next().is_some();
    let line = if !plan.reconcilable {
        let codes: Vec<&str> = plan.errors.iter().map(|e| e.code).collect();
        format!("{}: this change CANNOT be applied: the MCO refuses it ({})", plan.pool, codes.join(", "))
    } else if !plan.errors.is_empty() {
        let codes: Vec<&str> = plan.errors.iter().map(|e| e.code).collect();
        format!("{}: this change fails on the nodes ({})", plan.pool, codes.join(", "))
    } else if !changed {
        format!("{}: no change", plan.pool)
    } else if plan.reboot {
        let why = plan.reboot_reason.as_ref().map_or(String::new(), |r| format!(" ({r})"));
        let drain = if plan.drain { "drains and reboots" } else { "reboots" };
        format!("{}: this change {drain} every node of the pool{why}", plan.pool)
    } else {
        let actions: Vec<String> =
            plan.actions.iter().filter(|a| **a != Action::None).map(ToString::to_string).collect();
        let actions = if actions.is_empty() { String::new() } else { format!(" ({})", actions.join(", ")) };
        if plan.drain {
            format!("{}: this change drains every node of the pool, without a reboot{actions}", plan.pool)
        } else {
            format!("{}: no drain, no reboot: nodes apply this change in place{actions}", plan.pool)
        }
    };
    PoolSummary {
        pool: plan.pool.clone(),
        reconcilable: plan.reconcilable,
        changed,
        rebuild: plan.rebuild,
        drain: plan.drain,
        reboot: plan.reboot,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::worker;
    use crate::render::RenderOptions;

    fn analysed(files: &[&str]) -> (Compilation, crate::session::Analysis) {
        let mut c = crate::testing::compilation(files);
        let analysis = crate::driver::analyze(&mut c, &RenderOptions::default(), &PolicyOptions::default(), None);
        (c, analysis)
    }

    fn run(old: &[&str], new: &[&str]) -> Against {
        let (old_c, old_a) = analysed(old);
        let (new_c, new_a) = analysed(new);
        let old = Side { compilation: &old_c, analysis: &old_a };
        let new = Side { compilation: &new_c, analysis: &new_a };
        against(Some(&old), &new, &PolicyOptions::default())
    }

    const CHRONY: &str =
        "    storage:\n      files:\n      - {path: /etc/chrony.conf, contents: {source: 'data:,server%20a'}}";
    const CHRONY_B: &str =
        "    storage:\n      files:\n      - {path: /etc/chrony.conf, contents: {source: 'data:,server%20b'}}";

    #[test]
    fn a_change_without_a_policy_reboots_every_node_and_says_why() {
        let against = run(&[&worker("99-worker-chrony", CHRONY)], &[&worker("99-worker-chrony", CHRONY_B)]);
        assert!(against.diagnostics.is_empty());
        let worker = against.pools.iter().find(|p| p.pool == "worker").unwrap();
        assert!(worker.reboot && worker.drain);
        assert!(
            worker.line.starts_with("worker: this change drains and reboots every node of the pool (99-worker-chrony:"),
            "{}",
            worker.line
        );
    }

    #[test]
    fn a_rebootless_change_says_what_runs_instead() {
        // policy.json's default policy reloads CRI-O: the file stays node-side, even under bootc.
        let policy = |s: &str| {
            format!(
                "    storage:\n      files:\n      - {{path: /etc/containers/policy.json, contents: {{source: 'data:,{s}'}}}}"
            )
        };
        let result = run(&[&worker("99-worker-p", &policy("%7B%7D"))], &[&worker("99-worker-p", &policy("%7B%20%7D"))]);
        let worker = result.pools.iter().find(|p| p.pool == "worker").unwrap();
        assert!(!worker.reboot && !worker.drain && worker.changed);
        assert_eq!(worker.line, "worker: no drain, no reboot: nodes apply this change in place (reload crio.service)");
    }

    #[test]
    fn an_irreconcilable_change_is_an_error_at_the_machine_config() {
        let dirs = |p: &str| format!("    storage:\n      directories:\n      - {{path: {p}}}");
        let against = run(&[&worker("99-worker-d", &dirs("/etc/a"))], &[&worker("99-worker-d", &dirs("/etc/b"))]);
        assert_eq!(against.diagnostics.len(), 1, "{:#?}", against.diagnostics);
        let d = &against.diagnostics[0];
        assert_eq!(d.code.code, "MCC4009");
        assert_eq!(d.message, "pool `worker`: ignition directories section contains changes");
        assert!(d.span.is_some(), "points at the MachineConfig");
        let line = &against.pools.iter().find(|p| p.pool == "worker").unwrap().line;
        assert_eq!(line, "worker: this change CANNOT be applied: the MCO refuses it (MCC4009)");
    }

    #[test]
    fn an_unchanged_pool_says_so() {
        let mc = worker("99-worker-chrony", CHRONY);
        let against = run(&[&mc], &[&mc]);
        assert_eq!(against.pools.iter().find(|p| p.pool == "worker").unwrap().line, "worker: no change");
    }
}
