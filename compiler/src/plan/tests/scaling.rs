//! A pool's plan grows linearly with its entries: the plan of a pool four times the size, with
//! four times the changes, takes less than eight times as long (quadratic would be 16×), timed
//! in one run so the ratio holds on a busy machine.

use std::time::{Duration, Instant};

use super::{file_rule, files, plan_with, policies, state, unit_rule};
use crate::plan::PoolState;
use crate::policy::disruption::{Action, DisruptionPolicy, Origin};
use crate::policy::placement::Target;
use crate::policy::stdlib::Policies;
use crate::testing::assert_linear;

/// The worker pool's two states: `machine_configs` MachineConfigs of 20 files each, and every
/// tenth of them with one file changed and one added on the new side.
fn states(machine_configs: usize) -> (PoolState<'static>, PoolState<'static>) {
    let side = |changed: bool| -> Vec<String> {
        (0..machine_configs)
            .map(|m| {
                let mut entries: Vec<(String, String)> =
                    (0..20).map(|f| (format!("/etc/app/d{}/m{m}/f{f}.conf", f % 7), "x".to_string())).collect();
                if changed && m % 10 == 0 {
                    entries[0].1 = "y".to_string();
                    entries.push((format!("/etc/app/new/m{m}.conf"), "n".to_string()));
                }
                let entries: Vec<(&str, &str)> = entries.iter().map(|(p, d)| (p.as_str(), d.as_str())).collect();
                files(&format!("99-worker-{m:04}"), &entries)
            })
            .collect()
    };
    (state(&side(false)), state(&side(true)))
}

#[test]
fn a_plan_four_times_the_size_takes_less_than_eight_times_as_long() {
    let p = policies("4.22");
    let sizes = [states(40), states(160)];
    let plan_time = |(old, new): &(PoolState, PoolState)| -> Duration {
        let start = Instant::now();
        let plan = plan_with(Some(old), Some(new), &p, Target::Bootc, &[]);
        let elapsed = start.elapsed();
        assert!(!plan.changes.is_empty(), "the states differ");
        elapsed
    };
    assert_linear("a pool's plan", |scale| plan_time(&sizes[usize::from(scale == 4)]));
}

/// A site's policy of n file rules (each restarting its own service) and a pool writing n new
/// files, one under each rule: every change meets the policy in the calculation, the
/// classification and the rule's location, each a look-up and not a scan of the rules.
fn ruled(files_and_rules: usize) -> (Policies, PoolState<'static>) {
    let mut p = policies("4.22");
    let rules = (0..files_and_rules)
        .map(|i| {
            file_rule(&format!("/etc/r/{i}.conf"), &[Action::Restart(format!("s{i}.service"))], Origin::SitePolicy)
        })
        .collect();
    p.disruption.merge(DisruptionPolicy::new(rules, Vec::new(), None));
    let paths: Vec<String> = (0..files_and_rules).map(|i| format!("/etc/r/{i}.conf")).collect();
    let entries: Vec<(&str, &str)> = paths.iter().map(|p| (p.as_str(), "x")).collect();
    (p, state(&[files("99-worker-ruled", &entries)]))
}

#[test]
fn a_plan_of_four_times_the_changes_under_four_times_the_rules_takes_less_than_eight_times_as_long() {
    let sizes = [ruled(1_000), ruled(4_000)];
    assert_linear("a plan's changes under as many rules", |scale| {
        let (p, new) = &sizes[usize::from(scale == 4)];
        let start = Instant::now();
        let plan = plan_with(None, Some(new), p, Target::Bootc, &[]);
        let elapsed = start.elapsed();
        assert_eq!(plan.actions.len(), 1_000 * scale, "one restart a rule");
        elapsed
    });
}

#[test]
fn merging_four_times_the_rules_takes_less_than_eight_times_as_long() {
    let overrides = |n: usize| {
        let files =
            (0..n).map(|i| file_rule(&format!("/etc/r/{i}.conf"), &[Action::None], Origin::MachineConfiguration));
        let units = (0..n).map(|i| unit_rule(&format!("u{i}.service"), &[Action::None], Origin::MachineConfiguration));
        DisruptionPolicy::new(files.collect(), units.collect(), None)
    };
    let sizes = [overrides(2_000), overrides(8_000)];
    let base = policies("4.22").disruption;
    assert_linear("merging a MachineConfiguration's rules", |scale| {
        let overrides = sizes[usize::from(scale == 4)].clone();
        let mut merged = base.clone();
        let start = Instant::now();
        merged.merge(overrides);
        let elapsed = start.elapsed();
        assert_eq!(merged.files().len(), base.files().len() + 2_000 * scale);
        elapsed
    });
}
