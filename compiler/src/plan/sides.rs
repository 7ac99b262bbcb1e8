//! Planning every pool between two analysed states.

use rayon::prelude::*;

use crate::codes;
use crate::diagnostic::Severity;
use crate::plan::decide::{self, Inputs};
use crate::plan::rollout;
use crate::plan::{PlanError, PoolPlan, PoolState, PoolStatus};
use crate::plan::{machine_os_config, relocated};
use crate::policy::disruption::DisruptionPolicy;
use crate::render;
use crate::session::{Analysis, Compilation, PolicyOptions};
use crate::source::{Sources, Span};

/// One side of `mcc plan`: an analysed set of inputs, or nothing at all (a first install).
pub struct Side<'a> {
    pub compilation: &'a Compilation,
    pub analysis: &'a Analysis,
}

/// The pool states of a side: mcc's own renderings, then rendered configs exported from a
/// cluster (`oc get mc rendered-…`) for pools mcc did not render (over a `--cluster` dump: for
/// every pool).
pub fn states<'a>(side: &Side<'a>) -> Vec<(String, PoolState<'a>)> {
    let mut states: Vec<(String, PoolState<'a>)> = side
        .analysis
        .rendered
        .par_iter()
        .map(|p| (p.pool.name().to_string(), PoolState::from_rendered(p, &side.compilation.inputs)))
        .collect();
    // Over a cluster dump, a side's exported rendered config is the pool's whole state: mcc's
    // rendering of that pool would hold only the dump's generated MachineConfigs.
    let exports_win = side.compilation.cluster.is_some();
    for mc in &side.compilation.inputs.machine_configs {
        let Some(pool) = &mc.rendered_for else { continue };
        match states.iter_mut().find(|(name, _)| *name == pool.value) {
            Some((_, state)) if exports_win => *state = PoolState::from_export(mc),
            Some(_) => {}
            None => states.push((pool.value.clone(), PoolState::from_export(mc))),
        }
    }
    states
}

/// Plans every pool either side has, in the order of the new side's pools, then pools only the
/// old side has. Policies (layout, disruption, irreconcilable overrides) are the new side's:
/// they are what the MCO will use for this update.
pub fn plan(old: Option<&Side<'_>>, new: &Side<'_>, options: &PolicyOptions, only_pool: Option<&str>) -> Vec<PoolPlan> {
    plan_under(old, new, options, only_pool, (&new.analysis.policies.disruption, &new.compilation.sources))
}

/// [`plan`] under another Node Disruption Policy than the new side's (the old side's, to show
/// what a change does when its policy arrives after it), with the sources its rules were read
/// into (each side reads the stdlib into its own).
pub fn plan_under(
    old: Option<&Side<'_>>,
    new: &Side<'_>,
    options: &PolicyOptions,
    only_pool: Option<&str>,
    (disruption, rule_sources): (&DisruptionPolicy, &Sources),
) -> Vec<PoolPlan> {
    // Each side's states, and then each pool's plan, on every core (in the pools' order).
    let (old_states, new_states) = rayon::join(|| old.map(states).unwrap_or_default(), || states(new));
    let mut names: Vec<&str> = new_states.iter().map(|(n, _)| n.as_str()).collect();
    for (name, _) in &old_states {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let overrides: Vec<String> = new.analysis.site.irreconcilable_overrides.iter().map(|o| o.value.clone()).collect();
    names
        .into_par_iter()
        .filter(|name| only_pool.is_none_or(|p| p == *name))
        .map(|name| {
            let (old_state, new_state) = (state_of(&old_states, name), state_of(&new_states, name));
            let mut plan = decide::plan_pool(&Inputs {
                pool: name,
                old: old_state,
                new: new_state,
                layout: &new.analysis.policies.layout,
                policy: disruption,
                target: options.target,
                overrides: &overrides,
            });
            decide::fill_rules(&mut plan, disruption, rule_sources);
            let pool_of = |side: &Side<'_>| side.compilation.inputs.pools.iter().find(|p| p.name() == name).cloned();
            plan.rollout = pool_of(new).or_else(|| old.and_then(pool_of)).as_ref().and_then(rollout::rollout);
            relocated::fill(&mut plan, &new.analysis.graphs);
            if old.is_none_or(machine_os_config::known) {
                let old_build = old.and_then(|side| machine_os_config::of(side, name));
                machine_os_config::fill(&mut plan, old_build, machine_os_config::of(new, name));
            }
            if new_state.is_none()
                && let Some(causes) = render_failure(new, name)
            {
                // The MCO keeps the current config and marks the pool RenderDegraded: nothing
                // rolls out, which is not "no changes".
                plan.state = PoolStatus::RenderDegraded;
                plan.reconcilable = false;
                plan.errors = causes;
            }
            plan
        })
        .collect()
}

fn state_of<'a>(states: &'a [(String, PoolState<'a>)], pool: &str) -> Option<&'a PoolState<'a>> {
    states.iter().find(|(name, _)| name == pool).map(|(_, state)| state)
}

/// Why a side that still has `pool` rendered no config for it, as the MCO's render controller
/// would say (RenderDegraded): the errors of the MachineConfigs it selects (and of the pool
/// itself), or "no MachineConfigs found matching selector". `None` when the side has no such
/// pool (or an empty selector, which the MCO ignores with a "SelectingAll" event).
pub fn render_failure(side: &Side<'_>, pool: &str) -> Option<Vec<PlanError>> {
    let inputs = &side.compilation.inputs;
    // Only names and selectors are needed, so the stock pools are read into scratch sources.
    let pools = render::pools(inputs, &mut Sources::default(), &mut Vec::new());
    let pool = pools.into_iter().find(|p| p.name() == pool)?;
    let selector = pool.machine_config_selector.as_ref().filter(|s| !s.is_empty())?;
    let members = render::members(inputs, selector);
    if members.is_empty() {
        return Some(vec![PlanError {
            code: codes::POOL_SELECTS_NOTHING.code,
            message: format!("no MachineConfigs found matching selector for pool `{}`", pool.name()),
        }]);
    }
    let mut objects: Vec<(String, Span)> =
        members.iter().map(|&i| &inputs.machine_configs[i]).map(|mc| (mc.name().to_string(), mc.span)).collect();
    if !pool.builtin {
        objects.push((format!("pool {}", pool.name()), pool.span));
    }
    let mut causes: Vec<PlanError> = Vec::new();
    for d in side.compilation.diagnostics.iter().filter(|d| d.severity() == Severity::Error) {
        let Some((object, _)) = d.span.and_then(|at| objects.iter().find(|(_, span)| span.contains(at))) else {
            continue;
        };
        let cause = PlanError { code: d.code.code, message: format!("{object}: {}", d.message) };
        if !causes.contains(&cause) {
            causes.push(cause);
        }
    }
    if causes.is_empty() {
        causes.push(PlanError {
            code: codes::POOL_NOT_RENDERED.code,
            message: format!("pool `{}` is not rendered (see the diagnostics of its inputs)", pool.name()),
        });
    }
    Some(causes)
}
