//! A Node Disruption Policy rule that arrives with the change it makes rebootless (MCC4040).
//!
//! The MCO decides a node's post-change actions from the policy in force when the node updates.
//! When a change is rebootless only through a `MachineConfiguration` rule the old state does not
//! have, a sync that applies the MachineConfigs before the `MachineConfiguration` rolls them out
//! under the old policy: the nodes reboot. The plan then shows both outcomes.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::plan::sides::{Side, plan_under};
use crate::plan::{Change, ChangeKind, PoolPlan};
use crate::policy::disruption::{Action, DisruptionPolicy, Origin};
use crate::session::PolicyOptions;
use crate::source::Span;

/// A pool whose plan depends on a rule arriving first: the changes concerned, and the pool's
/// plan if the MachineConfigs roll out under the old side's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRisk {
    pub pool: String,
    /// The changes (`file /etc/chrony.conf`) rebootless only through a new rule.
    pub changes: Vec<String>,
    /// The pool's plan under the old side's policy.
    pub without: PoolPlan,
}

/// What [`same_change_rules`] found: the pools at risk and one warning a rule.
#[derive(Debug, Default)]
pub struct SameChangeRules {
    pub risks: Vec<OrderRisk>,
    /// `MCC4040`, at each rule (in the new side's sources).
    pub diagnostics: Vec<Diagnostic>,
}

/// The rules of the new side's `MachineConfiguration` that make a planned change rebootless and
/// that the old side's policy does not have. Only a repository state on the old side (mcc
/// rendered its pools) says what the old policy was: a cluster export carries no policy.
pub fn same_change_rules(
    old: Option<&Side<'_>>,
    new: &Side<'_>,
    options: &PolicyOptions,
    plans: &[PoolPlan],
) -> SameChangeRules {
    let mut found = SameChangeRules::default();
    let Some(old) = old.filter(|o| !o.analysis.rendered.is_empty()) else { return found };
    let (old_policy, new_policy) = (&old.analysis.policies.disruption, &new.analysis.policies.disruption);
    // (rule, [(pool, change)]), in the order first met.
    let mut by_rule: Vec<(Span, Vec<(String, String)>)> = Vec::new();
    for plan in plans {
        let late: Vec<(&Change, Span)> = plan
            .changes
            .iter()
            .filter(|c| !c.actions.contains(&Action::Reboot))
            .filter_map(|c| new_rule(c, new_policy).filter(|_| reboots_under(c, old_policy)).map(|span| (c, span)))
            .collect();
        if late.is_empty() {
            continue;
        }
        let without = plan_under(Some(old), new, options, Some(&plan.pool), (old_policy, &old.compilation.sources));
        // Only a different outcome is worth a warning: a pool that reboots anyway loses nothing.
        let worse = |w: &PoolPlan| (w.reboot && !plan.reboot) || (w.drain && !plan.drain);
        let Some(without) = without.into_iter().next().filter(worse) else { continue };
        for (change, span) in &late {
            let entry = (plan.pool.clone(), describe(change));
            match by_rule.iter_mut().find(|(s, _)| s == span) {
                Some((_, entries)) => entries.push(entry),
                None => by_rule.push((*span, vec![entry])),
            }
        }
        let changes = late.iter().map(|(c, _)| describe(c)).collect();
        found.risks.push(OrderRisk { pool: plan.pool.clone(), changes, without });
    }
    for (span, entries) in by_rule {
        let mut names: Vec<&str> = entries.iter().map(|(_, c)| c.as_str()).collect();
        names.dedup();
        let pools: Vec<String> = found
            .risks
            .iter()
            .filter(|r| entries.iter().any(|(p, _)| *p == r.pool))
            .map(|r| format!("{}: {}", r.pool, outcome(&r.without)))
            .collect();
        found.diagnostics.push(
            Diagnostic::new(
                &codes::NDP_RULE_IN_SAME_CHANGE,
                span,
                format!(
                    "{} is rebootless only through this MachineConfiguration rule, which arrives in the same change",
                    names.join(", ")
                ),
            )
            .with_label("new in this change")
            .with_help(format!(
                "if a sync applies the MachineConfigs before the MachineConfiguration, {}; apply the MachineConfiguration first (its own pull request, or an earlier sync wave)",
                pools.join("; ")
            )),
        );
    }
    found
}

/// The span of the `MachineConfiguration` rule that decides a change, if one does.
fn new_rule(change: &Change, policy: &DisruptionPolicy) -> Option<Span> {
    match change.kind {
        ChangeKind::File => {
            policy.match_file(&change.name).filter(|r| r.origin == Origin::MachineConfiguration).map(|r| r.span)
        }
        ChangeKind::Unit => {
            policy.match_unit(&change.name).filter(|r| r.origin == Origin::MachineConfiguration).map(|r| r.span)
        }
        ChangeKind::Passwd => {
            policy.sshkey.as_ref().filter(|r| r.origin == Origin::MachineConfiguration).map(|r| r.span)
        }
        _ => None,
    }
}

/// Whether the old policy reboots for the change: no rule matches it, or its rule reboots.
fn reboots_under(change: &Change, policy: &DisruptionPolicy) -> bool {
    let actions: Option<Vec<&Action>> = match change.kind {
        ChangeKind::File => policy.match_file(&change.name).map(|r| r.actions.iter().map(|a| &a.value).collect()),
        ChangeKind::Unit => policy.match_unit(&change.name).map(|r| r.actions.iter().map(|a| &a.value).collect()),
        ChangeKind::Passwd => {
            return policy.sshkey.as_ref().is_some_and(|r| r.actions.iter().any(|a| a.value == Action::Reboot));
        }
        _ => return false,
    };
    actions.is_none_or(|a| a.contains(&&Action::Reboot))
}

/// `file /etc/chrony.conf`, `unit crio.service`.
fn describe(change: &Change) -> String {
    format!("{} {}", change.kind.name(), change.name)
}

/// `nodes WILL drain and reboot`, from a plan.
pub fn outcome(plan: &PoolPlan) -> String {
    match (plan.drain, plan.reboot) {
        (_, true) => format!("nodes WILL {}reboot", if plan.drain { "drain and " } else { "" }),
        (true, false) => "nodes WILL drain, without a reboot".to_string(),
        (false, false) => "nodes will not drain or reboot".to_string(),
    }
}
