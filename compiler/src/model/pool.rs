//! `MachineConfigPool` and Kubernetes label selectors.

use indexmap::IndexMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::model::metadata::Metadata;
use crate::model::pool_state::{self, PoolRollout};
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct MachineConfigPool {
    pub metadata: Metadata,
    /// `None` when absent: such a pool selects nothing.
    pub machine_config_selector: Option<Selector>,
    pub os_image_stream: Option<Spanned<String>>,
    pub span: Span,
    /// One of the stock pools mcc knows without an input.
    pub builtin: bool,
    /// `spec.paused`, `spec.maxUnavailable` and, from a cluster, `status`.
    pub rollout: PoolRollout,
}

impl MachineConfigPool {
    pub fn name(&self) -> &str {
        &self.metadata.name.value
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub match_labels: IndexMap<String, Spanned<String>>,
    pub match_expressions: Vec<Requirement>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub key: Spanned<String>,
    pub operator: Spanned<Operator>,
    pub values: Vec<Spanned<String>>,
}

impl Selector {
    /// The empty selector `{}`: the MCO refuses it ("SelectingAll") and selects nothing.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Kubernetes `LabelSelectorAsSelector` semantics: every matchLabels pair and every
    /// expression must hold. `labels` is `None` for an object without labels.
    pub fn matches(&self, labels: Option<&IndexMap<String, Spanned<String>>>) -> bool {
        if self.is_empty() {
            return false;
        }
        let get = |key: &str| labels.and_then(|l| l.get(key)).map(|v| v.value.as_str());
        self.match_labels.iter().all(|(k, v)| get(k) == Some(v.value.as_str()))
            && self.match_expressions.iter().all(|r| {
                let value = get(&r.key.value);
                let listed = |v: &str| r.values.iter().any(|x| x.value == v);
                match r.operator.value {
                    Operator::In => value.is_some_and(listed),
                    Operator::NotIn => !value.is_some_and(listed),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }
}

pub fn read(root: &Node, entries: &[Entry], metadata: Metadata, diagnostics: &mut Diagnostics) -> MachineConfigPool {
    let spec = field(entries, "spec").map_or(&[][..], |s| reader::mapping(s, diagnostics));
    let machine_config_selector =
        field(spec, "machineConfigSelector").filter(|n| !n.is_null()).and_then(|n| selector(n, diagnostics));
    let os_image_stream = field(spec, "osImageStream")
        .and_then(|s| field(reader::mapping(s, diagnostics), "name"))
        .and_then(|n| reader::string(n, diagnostics))
        .filter(|s| !s.value.is_empty());
    let rollout = pool_state::read(spec, field(entries, "status"), diagnostics);
    MachineConfigPool { metadata, machine_config_selector, os_image_stream, span: root.span, builtin: false, rollout }
}

/// `None` when an expression is invalid: the MCO cannot list the pool's MachineConfigs then,
/// and a selector missing that expression would select more than written.
fn selector(node: &Node, diagnostics: &mut Diagnostics) -> Option<Selector> {
    let entries = reader::mapping(node, diagnostics);
    reader::unknown_keys(
        entries,
        &["matchLabels", "matchExpressions"],
        &codes::UNKNOWN_FIELD,
        "a label selector",
        diagnostics,
    );
    let match_labels = field(entries, "matchLabels")
        .map(|m| {
            reader::mapping(m, diagnostics)
                .iter()
                .filter_map(|e| reader::string(&e.value, diagnostics).map(|v| (e.key.clone(), v)))
                .collect()
        })
        .unwrap_or_default();
    let match_expressions = field(entries, "matchExpressions")
        .map_or(&[][..], |l| reader::list(l, diagnostics))
        .iter()
        .map(|e| requirement(e, diagnostics))
        .collect::<Vec<_>>()
        // Every expression is checked before giving up, so all their problems are reported.
        .into_iter()
        .collect::<Option<Vec<_>>>()?;
    Some(Selector { match_labels, match_expressions, span: Some(node.span) })
}

fn requirement(node: &Node, diagnostics: &mut Diagnostics) -> Option<Requirement> {
    let entries = reader::mapping(node, diagnostics);
    reader::unknown_keys(
        entries,
        &["key", "operator", "values"],
        &codes::UNKNOWN_FIELD,
        "a selector expression",
        diagnostics,
    );
    let key = field(entries, "key").and_then(|n| reader::string(n, diagnostics));
    let operator = field(entries, "operator").and_then(|n| reader::string(n, diagnostics));
    let values = field(entries, "values").map_or_else(Vec::new, |n| reader::string_list(n, diagnostics));
    let (Some(key), Some(operator)) = (key, operator) else {
        diagnostics.push(
            Diagnostic::new(&codes::SELECTOR_INVALID, node.span, "a selector expression needs `key` and `operator`")
                .with_help("for example `{key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}`"),
        );
        return None;
    };
    let op = match operator.value.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        other => {
            diagnostics.push(
                Diagnostic::new(
                    &codes::SELECTOR_INVALID,
                    operator.span,
                    format!("`{other}` is not a selector operator"),
                )
                .with_help("use In, NotIn, Exists or DoesNotExist"),
            );
            return None;
        }
    };
    // Kubernetes' validation: In/NotIn need values, Exists/DoesNotExist must have none.
    let needs_values = matches!(op, Operator::In | Operator::NotIn);
    if needs_values == values.is_empty() {
        let message = if needs_values {
            format!("`{}` needs at least one value", operator.value)
        } else {
            format!("`{}` takes no values", operator.value)
        };
        diagnostics.push(Diagnostic::new(&codes::SELECTOR_INVALID, operator.span, message));
        return None;
    }
    Some(Requirement { key, operator: Spanned::new(op, operator.span), values })
}
