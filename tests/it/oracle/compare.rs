//! Comparing mcc's answer with the MCO's. Only representation is normalised (JSON key order,
//! and `Special`, which mcc reports resolved as the `crio.service` reload the daemon performs);
//! every difference that could change what a user sees or does is a divergence.

use mcc_compiler::{Action, PoolPlan, PoolStatus};
use serde_json::{Value, json};

use crate::oracle::mcc::{Planned, Rendered};

/// One disagreement: a short class (for the tally) and the details.
#[derive(Debug, Clone)]
pub struct Divergence {
    pub class: String,
    pub detail: String,
}

fn divergence(class: impl Into<String>, detail: impl Into<String>) -> Divergence {
    Divergence { class: class.into(), detail: detail.into() }
}

/// A render: the verdict (renders or not), then the rendered spec field by field. The rendered
/// name is not compared: mcc's name hash is its own (docs/rendering.md, "Rendered names").
pub fn render(side: &str, oracle: &Value, mcc: &Rendered) -> Option<Divergence> {
    verdict(side, oracle, mcc).or_else(|| {
        let spec = mcc.spec.as_ref()?;
        let mut differences = Vec::new();
        json_diff(&oracle["rendered"]["spec"], spec, "spec", &mut differences);
        (!differences.is_empty()).then(|| {
            let first = differences[0].split(':').next().unwrap_or_default().to_string();
            divergence(format!("{side}: rendered {}", generic(&first)), differences.join("\n"))
        })
    })
}

/// Whether each side renders the pool at all.
fn verdict(side: &str, oracle: &Value, mcc: &Rendered) -> Option<Divergence> {
    match (oracle["error"].as_str(), &mcc.spec) {
        (Some(error), Some(_)) => {
            Some(divergence(format!("{side}: the MCO refuses to render, mcc renders"), format!("MCO: {error}")))
        }
        (None, None) => Some(divergence(
            format!("{side}: mcc refuses to render, the MCO renders"),
            format!("mcc: {}", mcc.errors.join("; ")),
        )),
        _ => None,
    }
}

/// A JSON path with its list indices blanked, so the tally groups like differences together.
fn generic(path: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every path where two JSON values differ, as `path: MCO … mcc …`.
pub fn json_diff(oracle: &Value, mcc: &Value, path: &str, out: &mut Vec<String>) {
    match (oracle, mcc) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                json_diff(value, b.get(key).unwrap_or(&Value::Null), &format!("{path}.{key}"), out);
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                json_diff(&Value::Null, value, &format!("{path}.{key}"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: MCO {a} / mcc {b}")),
        _ => {}
    }
}

/// A plan: both renderings, whether an update runs at all, reconcilability, the actions (mcc's
/// list must be one the daemon can produce), the drain and its registries.conf verdict.
pub fn plan(oracle: &Value, mcc: &Planned) -> Option<Divergence> {
    // The verdicts only: the rendered specs are the render kind's business, and a difference
    // there must not hide what the plan makes of it.
    if let Some(d) = verdict("old", &oracle["old"], &mcc.old).or_else(|| verdict("new", &oracle["new"], &mcc.new)) {
        return Some(d);
    }
    let plan = mcc.plan.as_ref()?;
    if oracle["new"]["error"].is_string() {
        // The render controller cannot render the new state: the pool is RenderDegraded and
        // nothing rolls out, which the plan must say (never "no changes").
        let degraded = plan.state == PoolStatus::RenderDegraded && plan.actions.is_empty();
        return (!degraded).then(|| {
            divergence("the MCO cannot render the new state, mcc's plan does not say render-degraded", {
                format!("mcc: state {:?}, actions {:?}", plan.state, plan.actions)
            })
        });
    }
    if oracle["old"]["error"].is_string() {
        // A current state the MCO never rendered: no cluster is in it, so no plan starts there.
        return None;
    }
    let same = oracle["sameRendered"].as_bool() == Some(true);
    if same != (plan.from == plan.to) {
        return Some(divergence(
            "an update runs on one side only",
            format!("MCO sameRendered {same}; mcc from {:?} to {:?}", plan.from, plan.to),
        ));
    }
    // Reconcilability first: a current config the MCO cannot parse keeps the pool degraded
    // even when nothing changes.
    let reconcile_error = oracle["reconcileError"].as_str().or(oracle["controllerError"].as_str());
    if reconcile_error.is_some() == plan.reconcilable {
        return Some(divergence(
            if plan.reconcilable { "mcc reconcilable, the MCO refuses" } else { "mcc refuses, the MCO reconciles" },
            format!("MCO: {reconcile_error:?}; mcc: {:?}", plan.errors),
        ));
    }
    if reconcile_error.is_some() {
        return None;
    }
    if same {
        return (!plan.actions.is_empty())
            .then(|| divergence("mcc plans actions for an unchanged config", format!("{:?}", plan.actions)));
    }
    // A failed registries.conf check fails the update before any action runs: mcc then lists
    // none (docs/rendering.md), so the verdict is compared, not the moot list.
    if oracle["drainError"].is_string() {
        drain(oracle, plan)
    } else {
        actions(oracle, plan).or_else(|| drain(oracle, plan))
    }
}

fn actions(oracle: &Value, plan: &PoolPlan) -> Option<Divergence> {
    if let Some(error) = oracle["actionsError"].as_str() {
        return Some(divergence("the MCO fails to compute the actions", error.to_string()));
    }
    let ours: Vec<Value> = plan.actions.iter().map(action_json).collect();
    let possible: Vec<Vec<Value>> = oracle["actionsPossible"]
        .as_array()
        .map(|lists| lists.iter().map(|l| l.as_array().into_iter().flatten().map(resolve_special).collect()).collect())
        .unwrap_or_default();
    if possible.contains(&ours) {
        return None;
    }
    let mco_reboots = possible.iter().any(|l| l.contains(&json!({"type": "Reboot"})));
    let class = match (mco_reboots, plan.reboot) {
        (true, false) => "actions: mcc rebootless, the MCO reboots",
        (false, true) => "actions: mcc reboots, the MCO does not",
        _ if possible.iter().any(|l| sorted(l) == sorted(&ours)) => {
            "actions: the same, in an order the daemon never uses"
        }
        _ => "actions: a different list",
    };
    Some(divergence(
        class,
        format!(
            "MCO (any of): {}\nmcc: {}",
            Value::from(possible.into_iter().map(Value::from).collect::<Vec<_>>()),
            Value::from(ours)
        ),
    ))
}

fn sorted(list: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = list.iter().map(Value::to_string).collect();
    keys.sort();
    keys
}

fn drain(oracle: &Value, plan: &PoolPlan) -> Option<Divergence> {
    if let Some(error) = oracle["drainError"].as_str() {
        return plan
            .errors
            .is_empty()
            .then(|| divergence("drain: the MCO fails the update (registries.conf), mcc does not", error.to_string()));
    }
    if !plan.errors.is_empty() {
        return Some(divergence("drain: mcc fails the update, the MCO does not", format!("{:?}", plan.errors)));
    }
    let mco = oracle["drain"].as_bool();
    (mco != Some(plan.drain)).then(|| {
        divergence(
            if plan.drain { "drain: mcc drains, the MCO does not" } else { "drain: mcc skips a drain the MCO does" },
            format!("MCO drain {mco:?}, registriesSafe {}; mcc drain {}", oracle["registriesSafe"], plan.drain),
        )
    })
}

/// The oracle prints `Special`; mcc prints what the daemon does for it, a reload of CRI-O.
fn resolve_special(action: &Value) -> Value {
    if action["type"] == "Special" { json!({"type": "Reload", "service": "crio.service"}) } else { action.clone() }
}

fn action_json(action: &Action) -> Value {
    match action {
        Action::Reload(service) | Action::Restart(service) => json!({"type": action.type_name(), "service": service}),
        Action::Special => json!({"type": "Reload", "service": "crio.service"}),
        _ => json!({"type": action.type_name()}),
    }
}

/// The image-mode property: under `bootc` a plan never disrupts less than under `legacy`.
pub fn image_mode(legacy: &PoolPlan, bootc: &PoolPlan) -> Option<Divergence> {
    let weaker = [
        (legacy.reboot && !bootc.reboot, "bootc does not reboot where legacy reboots"),
        (legacy.drain && !bootc.drain, "bootc does not drain where legacy drains"),
        (legacy.reconcilable != bootc.reconcilable, "bootc and legacy differ on reconcilability"),
    ];
    weaker.into_iter().find(|(found, _)| *found).map(|(_, class)| {
        divergence(
            class,
            format!(
                "legacy: reboot {} drain {} actions {:?}\nbootc: reboot {} drain {} actions {:?}",
                legacy.reboot, legacy.drain, legacy.actions, bootc.reboot, bootc.drain, bootc.actions
            ),
        )
    })
}

/// What the MCO decided for a case, to show which outcomes a run covered.
pub fn outcome(oracle: &Value) -> &'static str {
    let possible = oracle["actionsPossible"].as_array().into_iter().flatten();
    if oracle.get("sameRendered").is_none() {
        if oracle["error"].is_string() { "refused to render" } else { "renders" }
    } else if oracle["old"]["error"].is_string() || oracle["new"]["error"].is_string() {
        "render-degraded"
    } else if oracle["reconcileError"].is_string() || oracle["controllerError"].is_string() {
        "irreconcilable"
    } else if oracle["sameRendered"] == true {
        "unchanged"
    } else if oracle["drainError"].is_string() {
        "registries.conf failure"
    } else if possible.flat_map(|l| l.as_array().into_iter().flatten()).any(|a| a["type"] == "Reboot") {
        "reboot"
    } else if oracle["drain"] == true {
        "drain without reboot"
    } else {
        "rebootless, no drain"
    }
}
