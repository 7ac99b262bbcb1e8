//! How a plan rolls out over a pool's nodes: the node controller updates at most
//! `maxUnavailable` nodes at a time, so a change that drains and reboots takes
//! `ceil(nodes / maxUnavailable)` waves. Known only for a pool with a status (from `--cluster`).

use crate::model::pool::MachineConfigPool;
use crate::plan::Rollout;

/// The rollout of `pool`, from its spec and status; `None` without a status.
pub fn rollout(pool: &MachineConfigPool) -> Option<Rollout> {
    let status = pool.rollout.status.as_ref()?;
    let nodes = status.machine_count;
    let max_unavailable = pool.rollout.scaled_max_unavailable(pool.name(), nodes);
    Some(Rollout {
        nodes,
        max_unavailable,
        waves: nodes.div_ceil(max_unavailable),
        paused: pool.rollout.paused(),
        degraded: pool.rollout.degraded(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Inputs;
    use crate::model::read_objects;

    fn pool(spec: &str, machine_count: u64) -> MachineConfigPool {
        let text = format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: worker\nspec:\n{spec}\nstatus:\n  machineCount: {machine_count}\n  degradedMachineCount: 0\n"
        );
        let mut sources = crate::source::Sources::default();
        let id = sources.add("pool.yaml", &text);
        let mut diagnostics = Vec::new();
        let documents = crate::load::yaml::parse_documents(id, &text, &mut diagnostics);
        let mut inputs = Inputs::default();
        read_objects(&documents, &sources, &mut inputs, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        inputs.pools.remove(0)
    }

    fn waves(spec: &str, nodes: u64) -> (u64, u64) {
        let r = rollout(&pool(spec, nodes)).unwrap();
        (r.max_unavailable, r.waves)
    }

    #[test]
    fn an_integer_max_unavailable_is_taken_as_is() {
        assert_eq!(waves("  maxUnavailable: 2", 12), (2, 6));
        assert_eq!(waves("  maxUnavailable: 5", 12), (5, 3), "the last wave is partial");
        assert_eq!(waves("  maxUnavailable: 20", 12), (20, 1));
    }

    #[test]
    fn the_default_is_one_node_at_a_time() {
        assert_eq!(waves("  paused: false", 3), (1, 3));
    }

    #[test]
    fn a_percentage_is_rounded_down_as_the_node_controller_rounds_it() {
        // GetScaledValueFromIntOrPercent(…, roundUp=false): floor(50% of 5) = 2.
        assert_eq!(waves("  maxUnavailable: 50%", 5), (2, 3));
        assert_eq!(waves("  maxUnavailable: \"25%\"", 12), (3, 4));
        assert_eq!(waves("  maxUnavailable: 33%", 10), (3, 4));
    }

    #[test]
    fn zero_becomes_one() {
        // floor(10% of 5) = 0, and an explicit 0: the controller updates one node at a time.
        assert_eq!(waves("  maxUnavailable: 10%", 5), (1, 5));
        assert_eq!(waves("  maxUnavailable: 0", 4), (1, 4));
    }

    #[test]
    fn a_pool_without_nodes_has_no_waves() {
        assert_eq!(waves("  maxUnavailable: 2", 0), (2, 0));
    }

    #[test]
    fn paused_and_degraded_pools_say_so() {
        let mut p = pool("  paused: true", 3);
        assert!(rollout(&p).unwrap().paused);
        p.rollout.status.as_mut().unwrap().degraded_machine_count = 1;
        assert!(rollout(&p).unwrap().degraded);
    }

    #[test]
    fn a_pool_without_status_has_no_rollout() {
        let mut p = pool("  maxUnavailable: 2", 3);
        p.rollout.status = None;
        assert_eq!(rollout(&p), None);
    }

    #[test]
    fn a_string_that_is_not_a_percentage_is_refused() {
        let text = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: w\nspec:\n  maxUnavailable: two\n";
        let mut sources = crate::source::Sources::default();
        let id = sources.add("pool.yaml", text);
        let mut diagnostics = Vec::new();
        let documents = crate::load::yaml::parse_documents(id, text, &mut diagnostics);
        read_objects(&documents, &sources, &mut Inputs::default(), &mut diagnostics);
        assert_eq!(diagnostics.iter().map(|d| d.code.code).collect::<Vec<_>>(), ["MCC2009"]);
        let span = diagnostics[0].span.unwrap();
        assert_eq!(&text[span.start as usize..span.end as usize], "two");
    }
}
