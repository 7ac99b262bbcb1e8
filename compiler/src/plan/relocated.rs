//! The changes whose entry a `relocate` rule baked into `/usr` (`--relocate`): the plan shows
//! their final placement and both paths, read off the new side's graph.

use crate::classify::Subject;
use crate::graph::PoolGraph;
use crate::plan::{ChangeKind, PoolPlan, Relocated};

/// Marks the plan's file and unit changes whose entry the new side relocated.
pub fn fill(plan: &mut PoolPlan, graphs: &[PoolGraph]) {
    let Some(graph) = graphs.iter().find(|g| g.pool == plan.pool) else { return };
    for change in &mut plan.changes {
        let subject = match change.kind {
            ChangeKind::File => Subject::Path(change.name.clone()),
            ChangeKind::Unit => Subject::Unit(change.name.clone()),
            _ => continue,
        };
        let Some(entry) = graph.entry(&subject) else { continue };
        if let (Some(relocation), Some(to)) = (&entry.relocation, &entry.resolved_path) {
            change.placement = entry.placement;
            change.relocation = Some(Relocated { from: relocation.from.clone(), to: to.clone() });
        }
    }
}
