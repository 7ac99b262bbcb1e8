//! Disruption blocks lowered into [`DisruptionPolicy`] values, with the MCO's rules on the
//! actions and the service names they may name.

use super::{check_absolute, closest, is_absolute, quoted_list, repeated};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::load::reader::Spanned;
use crate::policy::ast::{self, ActionExpr, Target};
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, REGISTRIES_CONF, SshKeyRule, UnitRule};
use crate::policy::ndp;
use crate::source::Span;

/// The verbs of the language, with the API's type names (for suggestions).
const VERBS: [(&str, &str); 7] = [
    ("reboot", "Reboot"),
    ("drain", "Drain"),
    ("reload", "Reload"),
    ("restart", "Restart"),
    ("daemon-reload", "DaemonReload"),
    ("none", "None"),
    ("special", "Special"),
];

/// Lowers one `disruption` block into a policy of its own (to be merged over the earlier ones).
pub fn lower_disruption(
    block: &ast::DisruptionBlock,
    origin: Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> DisruptionPolicy {
    let mut policy = DisruptionPolicy::default();
    let mut paths: HashMap<String, Span> = HashMap::default();
    let mut units: HashMap<String, Span> = HashMap::default();
    let mut sshkey: Option<Span> = None;
    for rule in &block.rules {
        let actions = lower_actions(rule, diagnostics);
        let earlier = match &rule.target {
            Target::Path(path) => {
                check_absolute(path, "disruption path", diagnostics);
                paths.insert(path.value.clone(), rule.span).map(|e| (e, format!("path `{}`", path.value)))
            }
            Target::Unit(name) => {
                service_name_diagnostics(name, "unit", diagnostics);
                units.insert(name.value.clone(), rule.span).map(|e| (e, format!("unit `{}`", name.value)))
            }
            Target::SshKey(_) => sshkey.replace(rule.span).map(|e| (e, "`sshkey`".to_string())),
        };
        if let Some((earlier, what)) = earlier {
            diagnostics.push(repeated(
                earlier,
                rule.span,
                what,
                "within one block the later rule replaces the earlier",
            ));
        }
        if actions.is_empty() {
            continue;
        }
        match &rule.target {
            Target::Path(path) => {
                if !is_absolute(&path.value) {
                    continue;
                }
                policy.put_file(FileRule { path: path.clone(), actions, span: rule.span, origin });
            }
            Target::Unit(name) => {
                policy.put_unit(UnitRule { name: name.clone(), actions, span: rule.span, origin });
            }
            Target::SshKey(_) => policy.sshkey = Some(SshKeyRule { actions, span: rule.span, origin }),
        }
    }
    policy
}

/// Checks a rule's actions and lowers the valid ones.
fn lower_actions(rule: &ast::DisruptionRule, diagnostics: &mut Vec<Diagnostic>) -> Vec<Spanned<Action>> {
    let mut actions = Vec::new();
    for expr in &rule.actions {
        if let Some(action) = lower_action(expr, &rule.target, diagnostics) {
            actions.push(Spanned::new(action, expr.span));
        }
    }
    let count = rule.actions.len();
    if count > ndp::MAX_ACTIONS {
        let extra = rule.actions[ndp::MAX_ACTIONS].span.to(rule.actions[count - 1].span);
        diagnostics.push(
            Diagnostic::new(
                &codes::TOO_MANY_ACTIONS,
                extra,
                format!("Too many: {count}: must have at most {} items", ndp::MAX_ACTIONS),
            )
            .with_label("beyond the tenth action")
            .with_help("the Node Disruption Policy API takes at most 10 actions for one path, unit or sshkey"),
        );
    }
    for (verb, api) in [("reboot", "Reboot"), ("none", "None")] {
        if count > 1
            && let Some(alone) = rule.actions.iter().find(|a| a.verb.value == verb)
        {
            diagnostics.push(
                Diagnostic::new(
                    &codes::ACTION_NOT_STANDALONE,
                    alone.span,
                    format!("{api} action can only be specified standalone, as it will override any other actions"),
                )
                .with_help(if verb == "reboot" {
                    "a reboot applies every change anyway: write `=> reboot` alone"
                } else {
                    "`none` means no action at all: write `=> none` alone, or drop it and keep the other actions"
                }),
            );
        }
    }
    actions
}

fn lower_action(expr: &ActionExpr, target: &Target, diagnostics: &mut Vec<Diagnostic>) -> Option<Action> {
    let verb = expr.verb.value.as_str();
    let takes_service = matches!(verb, "reload" | "restart");
    let Some(&(_, api)) = VERBS.iter().find(|(v, _)| *v == verb) else {
        let words: Vec<&str> = VERBS.iter().map(|(v, _)| *v).collect();
        // The API's spelling (`DaemonReload`) or a near miss (`restrat`).
        let api_match = VERBS.iter().find(|(_, api)| api.eq_ignore_ascii_case(&verb.replace(['-', '_'], "")));
        let suggestion = api_match.map(|(v, _)| *v).or_else(|| closest(verb, &words));
        let mut help = format!("the actions are {}", quoted_list(&words));
        if let Some(best) = suggestion {
            help = format!("did you mean `{best}`? {help}");
        }
        diagnostics.push(
            Diagnostic::new(&codes::UNKNOWN_ACTION, expr.verb.span, format!("unknown action `{verb}`")).with_help(help),
        );
        return None;
    };
    if takes_service {
        let Some(service) = &expr.service else {
            diagnostics.push(
                Diagnostic::new(&codes::ACTION_SERVICE, expr.span, format!("`{verb}` needs the service to {verb}"))
                    .with_help(format!("name the unit, such as `{verb} crio.service`")),
            );
            return None;
        };
        service_name_diagnostics(service, verb, diagnostics);
        return Some(if verb == "reload" {
            Action::Reload(service.value.clone())
        } else {
            Action::Restart(service.value.clone())
        });
    }
    if let Some(service) = &expr.service {
        diagnostics.push(
            Diagnostic::new(&codes::ACTION_SERVICE, service.span, format!("`{verb}` takes no service"))
                .with_label("unexpected service")
                .with_help(format!(
                    "only `reload` and `restart` name a service (the API forbids `reload`/`restart` fields on a {api} action); \
                     separate actions with commas: `{verb}, restart {}`",
                    service.value
                )),
        );
    }
    Some(match verb {
        "reboot" => Action::Reboot,
        "drain" => Action::Drain,
        "daemon-reload" => Action::DaemonReload,
        "none" => Action::None,
        _ => {
            let on_registries = matches!(target, Target::Path(p) if p.value == REGISTRIES_CONF);
            if !on_registries {
                let what = match target {
                    Target::Path(p) => format!("path `{}`", p.value),
                    Target::Unit(u) => format!("unit `{}`", u.value),
                    Target::SshKey(_) => "`sshkey`".to_string(),
                };
                diagnostics.push(
                    Diagnostic::new(
                        &codes::SPECIAL_OUTSIDE_REGISTRIES,
                        expr.span,
                        format!("`special` is only for `{REGISTRIES_CONF}`, not for {what}"),
                    )
                    .with_help(
                        "`special` is the MCO's status-only action for registries.conf (reload crio, and drain unless \
                         the change only adds digest mirrors); elsewhere write the actions, such as `reload crio.service`",
                    ),
                );
                return None;
            }
            Action::Special
        }
    })
}

/// The `NodeDisruptionPolicyServiceName` rules: at most 255 characters, a unit type suffix, and
/// a valid name before it. `what` is `unit`, `reload` or `restart`.
fn service_name_diagnostics(name: &Spanned<String>, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    let length = name.value.chars().count();
    let mut problems = Vec::new();
    if length > ndp::MAX_SERVICE_NAME {
        problems.push(format!("Too long: may not be longer than {}", ndp::MAX_SERVICE_NAME));
    }
    if !ndp::has_unit_type_suffix(&name.value) {
        problems.push(ndp::SERVICE_TYPE_MESSAGE.to_string());
    }
    if !ndp::has_valid_name(&name.value) {
        problems.push(ndp::SERVICE_NAME_MESSAGE.to_string());
    }
    for problem in problems {
        let help = if name.value.contains('.') {
            "write a unit name the API accepts, such as `crio.service`; template instances (`a@b.service`) cannot be named"
                .to_string()
        } else {
            format!("write the full unit name with its type, such as `{}.service`", name.value)
        };
        diagnostics.push(
            Diagnostic::new(
                &codes::SERVICE_NAME_INVALID,
                name.span,
                format!("the {what} name `{}` is one the Node Disruption Policy API refuses: {problem}", name.value),
            )
            .with_help(help),
        );
    }
}
