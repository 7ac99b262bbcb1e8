//! `mcc plan --suggest`: for each changed file that reboots only because no Node Disruption
//! Policy rule matches it, the `MachineConfiguration` rule that would make it rebootless, from
//! the stdlib's table of well-known files (`stdlib/ndp-suggestions.txt`), as a merge patch for
//! `oc patch machineconfiguration cluster --type merge`.
//!
//! Only files are proposed: kernel arguments, extensions, the kernel type, FIPS and the OS image
//! always reboot whatever any policy says, and units are not in the table.

use serde_json::{Value, json};

use crate::plan::sides::Side;
use crate::plan::{ChangeKind, PoolPlan};
use crate::policy::disruption::{Action, file_rule_matches};
use crate::policy::stdlib::NDP_SUGGESTIONS;

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    pub path: String,
    pub actions: Vec<Action>,
    pub why: String,
}

/// A proposed rule and the planned changes it makes rebootless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub rule: TableEntry,
    /// `(pool, path)` of each change the rule covers.
    pub changes: Vec<(String, String)>,
}

/// What `--suggest` proposes: the rules, and the merge patch that adds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suggestions {
    pub rules: Vec<Suggestion>,
    /// `{"spec": {"nodeDisruptionPolicy": {"files": [...]}}}`: the `MachineConfiguration`'s
    /// own file rules first (a merge patch replaces a list whole), then the proposed ones.
    /// `None` when nothing is proposed.
    pub patch: Option<Value>,
}

/// The table, parsed. A malformed line is a bug of the stdlib (its test parses every line).
pub fn table() -> Vec<TableEntry> {
    NDP_SUGGESTIONS.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<TableEntry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (path, rest) = line.split_once("=>")?;
    let (actions, why) = rest.split_once('|')?;
    let actions = actions.split(',').map(|a| parse_action(a.trim())).collect::<Option<Vec<_>>>()?;
    Some(TableEntry { path: path.trim().to_string(), actions, why: why.trim().to_string() })
}

fn parse_action(text: &str) -> Option<Action> {
    match text.split_once(' ') {
        Some(("restart", unit)) => Some(Action::Restart(unit.trim().to_string())),
        Some(("reload", unit)) => Some(Action::Reload(unit.trim().to_string())),
        None if text == "daemon-reload" => Some(Action::DaemonReload),
        None if text == "none" => Some(Action::None),
        _ => None,
    }
}

/// The rules that would make the plans' unmatched file changes rebootless, and the patch.
pub fn suggest(new: &Side<'_>, plans: &[PoolPlan]) -> Suggestions {
    let table = table();
    let mut rules: Vec<Suggestion> = Vec::new();
    for plan in plans {
        // A change with no matching rule: its own policy is the MCO's default, a reboot.
        for change in plan.changes.iter().filter(|c| c.kind == ChangeKind::File && c.rule.is_none()) {
            // The most specific table entry, as the MCO picks the most specific rule.
            let Some(entry) =
                table.iter().filter(|e| file_rule_matches(&e.path, &change.name)).max_by_key(|e| e.path.len())
            else {
                continue;
            };
            let covered = (plan.pool.clone(), change.name.clone());
            match rules.iter_mut().find(|s| s.rule.path == entry.path) {
                Some(s) => s.changes.push(covered),
                None => rules.push(Suggestion { rule: entry.clone(), changes: vec![covered] }),
            }
        }
    }
    rules.sort_by(|a, b| a.rule.path.cmp(&b.rule.path));
    if rules.is_empty() {
        return Suggestions::default();
    }
    let mut files = existing_file_rules(new);
    files.extend(
        rules.iter().map(
            |s| json!({"path": s.rule.path, "actions": s.rule.actions.iter().map(action_json).collect::<Vec<_>>()}),
        ),
    );
    let patch = json!({"spec": {"nodeDisruptionPolicy": {"files": files}}});
    Suggestions { rules, patch: Some(patch) }
}

/// The file rules of the new side's `MachineConfiguration` named `cluster`, as written.
fn existing_file_rules(new: &Side<'_>) -> Vec<Value> {
    let Some(honoured) = new.analysis.site.source else { return Vec::new() };
    let inputs = &new.compilation.inputs;
    let Some(object) = inputs.machine_configurations.iter().find(|m| m.span == honoured) else { return Vec::new() };
    let files = object.spec.as_ref().and_then(|s| s.get("nodeDisruptionPolicy")).and_then(|p| p.get("files"));
    match files.map(crate::load::node::Node::to_json) {
        Some(Value::Array(files)) => files,
        _ => Vec::new(),
    }
}

/// An action as the `MachineConfiguration` API spells it.
fn action_json(action: &Action) -> Value {
    match action {
        Action::Restart(unit) => json!({"type": "Restart", "restart": {"serviceName": unit}}),
        Action::Reload(unit) => json!({"type": "Reload", "reload": {"serviceName": unit}}),
        other => json!({"type": other.type_name()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_table_parses_and_names_its_source() {
        let lines = NDP_SUGGESTIONS.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        for line in lines {
            let entry = parse_line(line).unwrap_or_else(|| panic!("malformed line: {line}"));
            assert!(entry.path.starts_with("/etc/"), "{line}");
            assert!(!entry.why.is_empty(), "{line}");
            assert!(!entry.actions.contains(&Action::Reboot) && !entry.actions.contains(&Action::Drain), "{line}");
            for action in &entry.actions {
                if let Some(unit) = action.service() {
                    assert!(unit.ends_with(".service"), "{line}");
                }
            }
        }
        assert!(table().len() >= 10);
    }

    #[test]
    fn the_most_specific_entry_wins() {
        let table = table();
        let pick = |path: &str| {
            table
                .iter()
                .filter(|e| file_rule_matches(&e.path, path))
                .max_by_key(|e| e.path.len())
                .map(|e| e.path.clone())
        };
        assert_eq!(pick("/etc/ssh/sshd_config.d/99-x.conf").as_deref(), Some("/etc/ssh/sshd_config.d"));
        assert_eq!(pick("/etc/chrony.conf").as_deref(), Some("/etc/chrony.conf"));
        assert_eq!(pick("/etc/kubernetes/kubelet.conf"), None);
    }

    #[test]
    fn actions_are_spelt_as_the_api_spells_them() {
        assert_eq!(
            action_json(&Action::Restart("chronyd.service".into())),
            json!({"type": "Restart", "restart": {"serviceName": "chronyd.service"}})
        );
        assert_eq!(action_json(&Action::None), json!({"type": "None"}));
    }
}
