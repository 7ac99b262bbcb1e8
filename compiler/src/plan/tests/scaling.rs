//! A pool's plan grows linearly with its entries: the plan of a pool four times the size, with
//! four times the changes, takes less than eight times as long (quadratic would be 16×), timed
//! in one run so the ratio holds on a busy machine.

use std::time::{Duration, Instant};

use super::{files, plan_with, policies, state};
use crate::plan::PoolState;
use crate::policy::placement::Target;
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
