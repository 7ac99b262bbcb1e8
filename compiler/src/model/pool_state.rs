//! What a `MachineConfigPool` from a cluster says about its rollout: `spec.paused`,
//! `spec.maxUnavailable`, and the status the node controller keeps (machine counts, conditions,
//! the current rendered config).

use crate::load::node::{Node, Value};
use crate::load::reader::{self, Diagnostics, Spanned, field};

/// `spec.maxUnavailable`: Kubernetes' `IntOrString`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUnavailable {
    Count(i64),
    /// `"25%"`.
    Percent(i64),
}

/// A pool's rollout settings and, from a cluster, its status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolRollout {
    /// `None` when unset (a pool applied without it keeps the cluster's value).
    pub paused: Option<bool>,
    pub max_unavailable: Option<Spanned<MaxUnavailable>>,
    /// `None` for a pool without `status` (one written in a repository).
    pub status: Option<PoolStatusFields>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStatusFields {
    pub machine_count: u64,
    pub degraded_machine_count: u64,
    /// A `Degraded`, `NodeDegraded` or `RenderDegraded` condition with status `True`.
    pub degraded_condition: bool,
    /// `status.configuration.name`: the rendered config the pool's nodes are moving to.
    pub configuration: Option<Spanned<String>>,
}

/// Reads `spec.paused`, `spec.maxUnavailable` and `status`. A value of the wrong type is reported
/// by the readers; a string `maxUnavailable` that is not a percentage is reported as the MCO's
/// node controller fails on it.
pub fn read(spec: &[crate::load::node::Entry], status: Option<&Node>, diagnostics: &mut Diagnostics) -> PoolRollout {
    let paused = field(spec, "paused").and_then(|n| reader::boolean(n, diagnostics)).map(|b| b.value);
    let max_unavailable = field(spec, "maxUnavailable").and_then(|n| max_unavailable(n, diagnostics));
    let status = status.filter(|s| !s.is_null()).map(|s| {
        let entries = reader::mapping(s, diagnostics);
        let count = |key: &str, diagnostics: &mut Diagnostics| {
            field(entries, key)
                .and_then(|n| reader::integer(n, diagnostics))
                .map_or(0, |n| u64::try_from(n.value).unwrap_or(0))
        };
        let degraded_condition = field(entries, "conditions").is_some_and(|c| {
            reader::list(c, diagnostics).iter().any(|condition| {
                let kind = condition.get("type").and_then(Node::as_str);
                let on = condition.get("status").and_then(Node::as_str) == Some("True");
                on && matches!(kind, Some("Degraded" | "NodeDegraded" | "RenderDegraded"))
            })
        });
        let configuration = field(entries, "configuration")
            .and_then(|c| c.get("name"))
            .and_then(|n| reader::string(n, diagnostics))
            .filter(|n| !n.value.is_empty());
        PoolStatusFields {
            machine_count: count("machineCount", diagnostics),
            degraded_machine_count: count("degradedMachineCount", diagnostics),
            degraded_condition,
            configuration,
        }
    });
    PoolRollout { paused, max_unavailable, status }
}

fn max_unavailable(node: &Node, diagnostics: &mut Diagnostics) -> Option<Spanned<MaxUnavailable>> {
    let value = match &node.value {
        Value::Null => return None,
        Value::Int(_) => MaxUnavailable::Count(reader::integer(node, diagnostics)?.value),
        Value::Str(text) => match text.strip_suffix('%').and_then(|n| n.parse::<i64>().ok()) {
            Some(percent) => MaxUnavailable::Percent(percent),
            None => {
                diagnostics.push(
                    crate::diagnostic::Diagnostic::new(
                        &crate::codes::MAX_UNAVAILABLE_INVALID,
                        node.span,
                        format!("`{text}` is not a number of nodes or a percentage"),
                    )
                    .with_help("write an integer (`2`) or a percentage (`25%`); the MCO's node controller fails on anything else and updates no node"),
                );
                return None;
            }
        },
        _ => {
            diagnostics.push(reader::wrong_type(node, "an integer or a percentage"));
            return None;
        }
    };
    Some(Spanned::new(value, node.span))
}

impl PoolRollout {
    /// `maxUnavailable` as the MCO's node controller computes it (`getMaxUnavailable`):
    /// `GetScaledValueFromIntOrPercent(maxUnavailable or 1, nodes, roundUp=false)`, then 0
    /// becomes 1. The arbiter pool always updates one node at a time.
    pub fn scaled_max_unavailable(&self, pool: &str, nodes: u64) -> u64 {
        if pool == "arbiter" {
            return 1;
        }
        let scaled = match self.max_unavailable.as_ref().map_or(MaxUnavailable::Count(1), |m| m.value) {
            // A negative value (which the API server refuses) counts as 0.
            MaxUnavailable::Count(n) => u64::try_from(n).unwrap_or(0),
            // Go: int(math.Floor(float64(value) * float64(total) / 100)), exact for these sizes.
            MaxUnavailable::Percent(p) => u64::try_from(p).unwrap_or(0).saturating_mul(nodes) / 100,
        };
        scaled.max(1)
    }

    pub fn paused(&self) -> bool {
        self.paused == Some(true)
    }

    /// What `kubectl apply` of this pool leaves in the cluster whose pool is `cluster`: the
    /// fields this pool sets, the cluster's for the others, and the cluster's status.
    pub fn applied_over(&mut self, cluster: &PoolRollout) {
        self.paused = self.paused.or(cluster.paused);
        self.max_unavailable = self.max_unavailable.take().or_else(|| cluster.max_unavailable.clone());
        self.status = self.status.take().or_else(|| cluster.status.clone());
    }

    pub fn degraded(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.degraded_machine_count > 0 || s.degraded_condition)
    }
}
