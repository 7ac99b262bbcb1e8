//! The cluster as a base layer (`--cluster DUMP`): which of a dump's objects join the
//! repository's inputs, as each side of a command sees the cluster.

use crate::hash::HashSet;
use crate::load::reader::Spanned;
use crate::model::machine_config::MachineConfig;
use crate::model::objects::Inputs;
use crate::source::{SourceId, Span};

/// How a side sees the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusterView {
    /// The repository over the cluster: the dump's MCO-generated MachineConfigs, pools,
    /// ControllerConfig and (when the repository has none) MachineConfiguration.
    #[default]
    Base,
    /// What the cluster runs now: every MachineConfig of the dump as it is (`--from cluster`).
    Running,
    /// What a GitOps sync of the repository makes of the cluster: [`ClusterView::Base`] plus the
    /// cluster's own MachineConfigs the repository does not hold, unless they are pruned.
    Synced { prune: bool },
}

/// What the dump holds beyond the objects that joined the inputs.
#[derive(Debug, Clone, Default)]
pub struct ClusterState {
    /// Every object of the dump except its rendered configs: what the cluster renders from.
    pub running: Inputs,
    /// The dump's rendered configs (`rendered-*`).
    pub rendered: Vec<MachineConfig>,
    /// Spans of the dump's objects that did not join the inputs: their diagnostics are noise.
    pub left_out: Vec<Span>,
    /// The cluster's own MachineConfigs that the sync removes (`--prune`), by name.
    pub pruned: Vec<String>,
    /// The dump's files.
    pub sources: HashSet<SourceId>,
}

impl ClusterState {
    /// The rendered config a pool's status names, when the dump holds it.
    pub fn current_rendered(&self, pool: &str) -> Option<(&Spanned<String>, &MachineConfig)> {
        let pool = self.running.pools.iter().find(|p| p.name() == pool)?;
        let name = pool.rollout.status.as_ref()?.configuration.as_ref()?;
        Some((name, self.rendered.iter().find(|mc| mc.name() == name.value)?))
    }
}

/// Adds the dump's objects to the repository's `inputs` as `view` sees the cluster.
pub fn combine(inputs: &mut Inputs, dump: Inputs, view: ClusterView) -> ClusterState {
    let mut state = ClusterState::default();
    let repository: HashSet<String> = inputs.machine_configs.iter().map(|mc| mc.name().to_string()).collect();
    let (rendered, running): (Vec<MachineConfig>, Vec<MachineConfig>) =
        dump.machine_configs.into_iter().partition(|mc| mc.rendered_for.is_some());
    state.left_out.extend(rendered.iter().map(|mc| mc.span));
    state.rendered = rendered;
    for mc in &running {
        let joins = match view {
            ClusterView::Running => true,
            _ if mc.is_generated() => true,
            ClusterView::Base => false,
            ClusterView::Synced { prune } => {
                let kept = !repository.contains(mc.name());
                if kept && prune {
                    state.pruned.push(mc.name().to_string());
                }
                kept && !prune
            }
        };
        // One left out is not the cluster's to add: generated-only, replaced by the
        // repository's version of the same name, or pruned.
        if joins { inputs.machine_configs.push(mc.clone()) } else { state.left_out.push(mc.span) }
    }
    for pool in &dump.pools {
        match inputs.pools.iter_mut().find(|p| p.name() == pool.name()) {
            // The repository's pool is applied over the cluster's: its spec where it sets one.
            Some(own) => {
                own.rollout.applied_over(&pool.rollout);
                state.left_out.push(pool.span);
            }
            None => inputs.pools.push(pool.clone()),
        }
    }
    if inputs.machine_configurations.is_empty() {
        inputs.machine_configurations.extend(dump.machine_configurations.iter().cloned());
    } else {
        state.left_out.extend(dump.machine_configurations.iter().map(|m| m.span));
    }
    inputs.controller_configs.extend(dump.controller_configs.iter().cloned());
    // By name, whatever order the dump lists them in.
    state.pruned.sort();
    state.running = Inputs { machine_configs: running, ..dump };
    state
}
