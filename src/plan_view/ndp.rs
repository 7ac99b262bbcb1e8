//! Node Disruption Policy guidance under a plan: the other outcome when a rule arrives in the
//! same change as what it makes rebootless (MCC4040), and `--suggest`'s rules and patch.

use mcc_compiler::{OrderRisk, Suggestions};
use serde_json::{Value, json};

use super::{Paint, action_json};

/// How the plan is read when a rule arrives late: `worker: if the MachineConfigs roll out
/// before the MachineConfiguration, nodes WILL drain and reboot (…)`.
fn risk_line(risk: &OrderRisk) -> String {
    let why = risk.without.reboot_reason.as_ref().map_or(String::new(), |r| format!(" ({r})"));
    format!(
        "{}: if the MachineConfigs roll out before the MachineConfiguration, {}{why}",
        risk.pool,
        mcc_compiler::order_outcome(&risk.without)
    )
}

/// The human text: each pool's other outcome, then the suggestions.
pub fn human(risks: &[OrderRisk], suggestions: Option<&Suggestions>, paint: &Paint) -> String {
    let mut out = String::new();
    for risk in risks {
        out.push_str(&format!("{}\n", paint.yellow(&risk_line(risk))));
    }
    if let Some(suggestions) = suggestions {
        out.push_str(&suggestions_text(suggestions));
    }
    out
}

fn suggestions_text(suggestions: &Suggestions) -> String {
    let Some(patch) = &suggestions.patch else {
        return "\nNo suggestion: no change reboots only for want of a rule the stdlib's table knows.\n".to_string();
    };
    let mut out =
        String::from("\nSuggested Node Disruption Policy rules (changes that reboot only because no rule matches):\n");
    for s in &suggestions.rules {
        let actions: Vec<String> = s.rule.actions.iter().map(ToString::to_string).collect();
        let covered: Vec<String> = s.changes.iter().map(|(pool, path)| format!("{pool} {path}")).collect();
        out.push_str(&format!("  {} => {}  ({})\n", s.rule.path, actions.join(", "), covered.join(", ")));
        out.push_str(&format!("      {}\n", s.rule.why));
    }
    out.push_str(
        "\nApply with `oc patch machineconfiguration cluster --type merge --patch-file PATCH.yaml`, PATCH.yaml being\n\
         (the MachineConfiguration's own file rules are kept: a merge patch replaces the list):\n\n",
    );
    out.push_str(&yaml(patch));
    out
}

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_default()
}

/// `sameChangeRules` and, with `--suggest`, `suggestions` beside the pools.
pub fn extend_json(document: &mut Value, risks: &[OrderRisk], suggestions: Option<&Suggestions>) {
    if !risks.is_empty() {
        document["sameChangeRules"] = risks
            .iter()
            .map(|r| {
                json!({
                    "pool": r.pool,
                    "changes": r.changes,
                    "without": {
                        "reboot": r.without.reboot,
                        "drain": r.without.drain,
                        "actions": r.without.actions.iter().map(action_json).collect::<Vec<_>>(),
                        "reason": r.without.reboot_reason,
                    },
                })
            })
            .collect();
    }
    if let Some(suggestions) = suggestions {
        document["suggestions"] = json!({
            "rules": suggestions.rules.iter().map(|s| json!({
                "path": s.rule.path,
                "actions": s.rule.actions.iter().map(action_json).collect::<Vec<_>>(),
                "why": s.rule.why,
                "changes": s.changes.iter().map(|(pool, path)| json!({"pool": pool, "name": path})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "patch": suggestions.patch,
        });
    }
}

/// The Markdown: a warning a pool at risk, and the suggested patch in a collapsed block.
pub fn markdown(risks: &[OrderRisk], suggestions: Option<&Suggestions>) -> String {
    let mut out = String::new();
    for risk in risks {
        out.push_str(&format!("\n> [!WARNING]\n> {}\n", super::markdown::inline(&risk_line(risk))));
    }
    if let Some(suggestions) = suggestions {
        out.push_str("\n<details><summary>suggested Node Disruption Policy</summary>\n\n");
        out.push_str(&format!("```\n{}```\n", suggestions_text(suggestions).trim_start()));
        out.push_str("\n</details>\n");
    }
    out
}
