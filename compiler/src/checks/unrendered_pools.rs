//! `mcc check` only: what a pool's other MachineConfigs hold when one of them keeps the pool from
//! rendering.
//!
//! A pool that selects an invalid MachineConfig is not rendered, as the MCO refuses it
//! (RenderDegraded, MCC2007), so nothing that needs the rendered pool (conflicts between its
//! MachineConfigs, duplicate kernel arguments, the lints, the placement and security checks)
//! would be reported for any of them: a pull request would learn of those only once the
//! invalid one is fixed. Here such a pool's valid MachineConfigs are rendered alone, for the
//! pool checks only: the render is made, checked and dropped here, never added to the
//! [`Analysis`], so no plan, layer or graph can see it, and the pool stays not rendered.
//!
//! Each finding says where it comes from (its message names the pool, and a related label points
//! at the MachineConfig that keeps the pool from rendering). A finding already reported, by the
//! main run or for an earlier pool, is not repeated: same code at the same place (or, without a
//! place, with the same message).

use super::{Context, pool_checks};
use crate::compile;
use crate::diagnostic::{Diagnostic, Label};
use crate::hash::HashSet;
use crate::lints;
use crate::model::Inputs;
use crate::model::pool::MachineConfigPool;
use crate::render::{self, McId, RenderOptions, RenderedPool};
use crate::session::{Analysis, Compilation, PolicyOptions};
use crate::source::Span;

/// What makes two findings one: the code, and the place or else the message.
type Key = (&'static str, Option<Span>, Option<String>);

fn key(d: &Diagnostic) -> Key {
    (d.code.code, d.span, d.span.is_none().then(|| d.message.clone()))
}

/// A finding on an unrendered pool's valid MachineConfigs, not labelled yet.
pub(crate) struct Finding {
    pub diagnostic: Diagnostic,
    pool: String,
    /// The MachineConfig that keeps the pool from rendering.
    invalid: McId,
}

impl Finding {
    /// The diagnostic, saying where it was found: its message names the pool, and a related
    /// label points at the MachineConfig that keeps the pool from rendering.
    pub fn labelled(self, inputs: &Inputs) -> Diagnostic {
        let mut d = self.diagnostic;
        d.message.push_str(&format!(
            " (found among the valid MachineConfigs of pool `{}`, which is not rendered)",
            self.pool
        ));
        d.related.push(Label {
            span: inputs.machine_configs[self.invalid].metadata.name.span,
            message: format!("pool `{}` is not rendered: this MachineConfig has errors", self.pool),
        });
        d
    }
}

/// The findings of the pool checks on each unrendered pool's valid MachineConfigs that the run
/// has not reported yet, in pool order.
pub(crate) fn findings(
    c: &Compilation,
    analysis: &Analysis,
    render_options: &RenderOptions,
    options: &PolicyOptions,
) -> Vec<Finding> {
    // Only an invalid MachineConfig keeps a pool that selects something from rendering: with
    // none, no pool is looked at (each would select its members among every MachineConfig).
    if c.inputs.machine_configs.iter().all(|mc| mc.valid) {
        return Vec::new();
    }
    // What the run reported, made once a pool has findings.
    let mut reported: Option<HashSet<Key>> = None;
    let mut out = Vec::new();
    for pool in &analysis.pools {
        if analysis.rendered.iter().any(|r| r.pool.name() == pool.name()) {
            continue;
        }
        let mut found = Vec::new();
        let Some((rendered, invalid)) = render_valid_members(c, pool, render_options, &mut found) else { continue };
        let graph = lints::analyze_pool(&rendered, &c.inputs, &analysis.policies, options, &mut found);
        compile::lint(&rendered, &graph, &mut found);
        let cx =
            Context { c, analysis, rendered: std::slice::from_ref(&rendered), graphs: std::slice::from_ref(&graph) };
        let mut checked = Vec::new();
        pool_checks(&cx, &mut checked, &found);
        found.append(&mut checked);
        let reported = reported.get_or_insert_with(|| c.diagnostics.iter().map(key).collect());
        for diagnostic in found {
            if reported.insert(key(&diagnostic)) {
                out.push(Finding { diagnostic, pool: pool.name().to_string(), invalid });
            }
        }
    }
    out
}

/// A pool that selects an invalid MachineConfig, rendered from its valid ones alone, and the
/// first invalid one in merge order (the one MCC2007 names). `None` when the pool is not such a
/// pool, or its valid MachineConfigs do not render either (what stops them was reported by the
/// main render, which met them too). What the render finds (a merged config Ignition refuses,
/// MCC2008) goes to `found`.
fn render_valid_members(
    c: &Compilation,
    pool: &MachineConfigPool,
    render_options: &RenderOptions,
    found: &mut Vec<Diagnostic>,
) -> Option<(RenderedPool, McId)> {
    let selector = pool.machine_config_selector.as_ref().filter(|s| !s.is_empty())?;
    let machine_configs = &c.inputs.machine_configs;
    let mut members = render::members(&c.inputs, selector);
    render::merge_order(&mut members, machine_configs);
    let invalid = *members.iter().find(|&&i| !machine_configs[i].valid)?;
    members.retain(|&i| machine_configs[i].valid);
    if members.is_empty() {
        return None;
    }
    let rendered = render::render_pool(&c.inputs, pool, members, render_options, found)?;
    Some((rendered, invalid))
}

#[cfg(test)]
#[path = "unrendered_pools_tests.rs"]
mod tests;
