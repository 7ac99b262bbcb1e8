//! MCC7012: a site disruption policy reloads or restarts a unit that no MachineConfig and no
//! known base unit provides.
//!
//! The MCD runs `systemctl reload UNIT` or `systemctl restart UNIT` after writing the change, and
//! a unit the node does not have fails the update ("Unit fake.service not found", `spec/mco.md`
//! §4.3): the node goes Degraded, and the rebootless update the rule promised becomes a stuck
//! one. A unit exists when a MachineConfig of some pool defines it (contents, or a unit file) or
//! when every node has it (`stdlib/base-units.txt`). Every action of every site rule (the
//! `MachineConfiguration`'s and site policy files') is checked; the stdlib's defaults are not, and
//! nothing is said when no pool is rendered.

use std::collections::BTreeSet;

use super::{Context, defined_units, unit_is_known};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::reader::Spanned;
use crate::policy::disruption::{Action, Origin};
use crate::source::{Sources, Span};

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Without a rendered pool there is nothing to compare with: a policy checked on its own
    // (its MachineConfigs elsewhere) would have every unit of its own reported.
    if cx.analysis.rendered.is_empty() {
        return;
    }
    let defined: BTreeSet<String> = cx.analysis.rendered.iter().flat_map(defined_units).collect();
    let policy = &cx.analysis.policies.disruption;
    let rules = policy
        .files()
        .iter()
        .map(|r| (r.origin, &r.actions))
        .chain(policy.units().iter().map(|r| (r.origin, &r.actions)))
        .chain(policy.sshkey.iter().map(|r| (r.origin, &r.actions)));
    for (origin, actions) in rules {
        if origin == Origin::Stdlib {
            continue;
        }
        for action in actions {
            check_action(&cx.c.sources, action, &defined, out);
        }
    }
}

fn check_action(sources: &Sources, action: &Spanned<Action>, defined: &BTreeSet<String>, out: &mut Vec<Diagnostic>) {
    let Some(service) = action.value.service() else { return };
    if unit_is_known(service, defined) {
        return;
    }
    let verb = if matches!(action.value, Action::Reload(_)) { "reload" } else { "restart" };
    out.push(
        Diagnostic::new(
            &codes::NDP_UNKNOWN_SERVICE,
            name_in(sources, action.span, service),
            format!("the policy would {verb} `{service}`, which no MachineConfig and no known base unit provides"),
        )
        .with_help(format!(
            "`systemctl {verb}` of a unit the node does not have fails the update and degrades the node; check the name, or define the unit in a MachineConfig"
        )),
    );
}

/// The unit's name inside the action (`serviceName: x.service`, `restart x.service`) when it
/// occurs there once; else the whole action.
fn name_in(sources: &Sources, action: Span, name: &str) -> Span {
    let text = sources.text(action);
    let mut found = text.match_indices(name);
    match (found.next(), found.next()) {
        (Some((offset, _)), None) => action.sub(offset, name.len()),
        _ => action,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::NDP_UNKNOWN_SERVICE;

    #[test]
    fn unknown_units_are_reported_and_defined_or_base_units_are_not() {
        let ndp = "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\nspec:\n  nodeDisruptionPolicy:\n    files:\n    - path: /etc/app.conf\n      actions:\n      - {type: Restart, restart: {serviceName: app.service}}\n      - {type: Reload, reload: {serviceName: crio.service}}\n      - {type: Restart, restart: {serviceName: ap.service}}\n    units:\n    - name: app.service\n      actions: [{type: Reload, reload: {serviceName: nginx.service}}]\n";
        let mc = worker(
            "99-worker-app",
            "    storage:\n      files:\n      - {path: /etc/app.conf, contents: {source: 'data:,'}}\n    systemd:\n      units:\n      - name: app.service\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"",
        );
        let found = with_code(&check(&[ndp, &mc]), &NDP_UNKNOWN_SERVICE);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the policy would restart `ap.service`, which no MachineConfig and no known base unit provides",
                "the policy would reload `nginx.service`, which no MachineConfig and no known base unit provides",
            ]
        );
        assert!(with_code(&check(&[ndp]), &NDP_UNKNOWN_SERVICE).is_empty(), "nothing without a rendered pool");
    }
}
