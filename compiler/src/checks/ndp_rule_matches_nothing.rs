//! MCC7011: a file rule of the site's Node Disruption Policy matches no file of any pool.
//!
//! The MCO applies a file policy only to files in its diff of two rendered configs, so only to
//! files some MachineConfig writes (`spec/mco.md` §4.2–§4.3). A site rule (from the
//! `MachineConfiguration` or a site policy file) whose path matches no file of any rendered pool
//! — neither exactly nor as a directory above it — never takes effect: usually a typo in the
//! path, a file another mechanism writes, or a rule left behind when its MachineConfig went.
//! The stdlib's defaults are not checked (they cover files clusters may or may not have), nor
//! relative paths (MCC3113 reports them), and nothing is said when no pool is rendered.

use super::Context;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::disruption::{Origin, file_rule_matches};

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.rendered.is_empty() {
        return;
    }
    let files: Vec<&str> = cx
        .analysis
        .rendered
        .iter()
        .flat_map(|pool| pool.config.storage.files.iter().map(|f| f.node.path.value.as_str()))
        .collect();
    for rule in &cx.analysis.policies.disruption.files {
        let path = &rule.path.value;
        if rule.origin == Origin::Stdlib || !path.starts_with('/') {
            continue;
        }
        if files.iter().any(|file| file_rule_matches(path, file)) {
            continue;
        }
        let clean = crate::ignition::validate::clean(path);
        // The MCO compares a policy path to a file's path as the same string, so another
        // spelling of a file never matches it, and `/` (prefix `//`) matches nothing at all.
        let help = if clean == "/" {
            "a policy on `/` matches no file in the MCO (its directory prefix becomes `//`): name the directories"
                .to_string()
        } else if clean != *path && files.iter().any(|file| file_rule_matches(&clean, file)) {
            format!("the MCO matches a file policy only as written, never cleaned: write `{clean}`")
        } else {
            "the MCO applies a file policy only to files MachineConfigs write; check the path for a typo, or drop the rule"
                .to_string()
        };
        out.push(
            Diagnostic::new(
                &codes::NDP_RULE_MATCHES_NOTHING,
                rule.path.span,
                format!("the disruption policy for `{path}` matches no file of any pool"),
            )
            .with_label("no MachineConfig writes this path or below it")
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::NDP_RULE_MATCHES_NOTHING;

    const NDP: &str = "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\nspec:\n  nodeDisruptionPolicy:\n    files:\n    - path: /etc/app\n      actions: [{type: None}]\n    - path: /etc/app.conf\n      actions: [{type: None}]\n    - path: /etc/chrony.d/typo.conf\n      actions: [{type: None}]\n";

    #[test]
    fn a_rule_is_matched_exactly_or_as_a_directory() {
        let mc = worker(
            "99-worker-app",
            "    storage:\n      files:\n      - {path: /etc/app/a.conf, contents: {source: 'data:,'}}\n      - {path: /etc/app.conf, contents: {source: 'data:,'}}",
        );
        let found = with_code(&check(&[NDP, &mc]), &NDP_RULE_MATCHES_NOTHING);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].message, "the disruption policy for `/etc/chrony.d/typo.conf` matches no file of any pool");
    }

    #[test]
    fn nothing_is_said_without_a_rendered_pool() {
        assert!(with_code(&check(&[NDP]), &NDP_RULE_MATCHES_NOTHING).is_empty());
    }
}
