//! Planning every pool between two analysed states.

use crate::plan::decide::{self, Inputs};
use crate::plan::{PoolPlan, PoolState};
use crate::session::{Analysis, Compilation, PolicyOptions};

/// One side of `mcc plan`: an analysed set of inputs, or nothing at all (a first install).
pub struct Side<'a> {
    pub compilation: &'a Compilation,
    pub analysis: &'a Analysis,
}

/// The pool states of a side: mcc's own renderings, then rendered configs exported from a
/// cluster (`oc get mc rendered-…`) for pools mcc did not render.
pub fn states(side: &Side<'_>) -> Vec<(String, PoolState)> {
    let mut states: Vec<(String, PoolState)> = side
        .analysis
        .rendered
        .iter()
        .map(|p| (p.pool.name().to_string(), PoolState::from_rendered(p, &side.compilation.inputs)))
        .collect();
    for mc in &side.compilation.inputs.machine_configs {
        if let Some(pool) = &mc.rendered_for
            && !states.iter().any(|(name, _)| *name == pool.value)
        {
            states.push((pool.value.clone(), PoolState::from_export(mc)));
        }
    }
    states
}

/// Plans every pool either side has, in the order of the new side's pools, then pools only the
/// old side has. Policies (layout, disruption, irreconcilable overrides) are the new side's:
/// they are what the MCO will use for this update.
pub fn plan(old: Option<&Side<'_>>, new: &Side<'_>, options: &PolicyOptions, only_pool: Option<&str>) -> Vec<PoolPlan> {
    let old_states = old.map(states).unwrap_or_default();
    let new_states = states(new);
    let mut names: Vec<&str> = new_states.iter().map(|(n, _)| n.as_str()).collect();
    for (name, _) in &old_states {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let overrides: Vec<String> = new.analysis.site.irreconcilable_overrides.iter().map(|o| o.value.clone()).collect();
    names
        .into_iter()
        .filter(|name| only_pool.is_none_or(|p| p == *name))
        .map(|name| {
            let find =
                |states: &'_ [(String, PoolState)]| states.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone());
            let (old_state, new_state) = (find(&old_states), find(&new_states));
            let mut plan = decide::plan_pool(&Inputs {
                pool: name,
                old: old_state.as_ref(),
                new: new_state.as_ref(),
                layout: &new.analysis.policies.layout,
                policy: &new.analysis.policies.disruption,
                target: options.target,
                overrides: &overrides,
            });
            decide::fill_rules(&mut plan, &new.analysis.policies.disruption, &new.compilation.sources);
            plan
        })
        .collect()
}
