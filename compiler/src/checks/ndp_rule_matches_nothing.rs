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
use crate::ignition::validate::is_clean_absolute;
use crate::policy::disruption::{Origin, file_rule_matches};
use crate::policy::prefix_set::PrefixSet;
use crate::source::Span;

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
    let rules: Vec<(&str, String, Span)> = cx
        .analysis
        .policies
        .disruption
        .files()
        .iter()
        .filter(|rule| rule.origin != Origin::Stdlib && rule.path.value.starts_with('/'))
        .map(|rule| (rule.path.value.as_str(), crate::ignition::validate::clean(&rule.path.value), rule.path.span))
        .collect();
    // Each rule as written, then cleaned: whether any file matches either.
    let queries: Vec<&str> = rules.iter().flat_map(|(path, clean, _)| [*path, clean.as_str()]).collect();
    let matched = matching(&queries, &files);
    for (at, (path, clean, span)) in rules.iter().enumerate() {
        if matched[2 * at] {
            continue;
        }
        // The MCO compares a policy path to a file's path as the same string, so another
        // spelling of a file never matches it, and `/` (prefix `//`) matches nothing at all.
        let help = if clean == "/" {
            "a policy on `/` matches no file in the MCO (its directory prefix becomes `//`): name the directories"
                .to_string()
        } else if clean != path && matched[2 * at + 1] {
            format!("the MCO matches a file policy only as written, never cleaned: write `{clean}`")
        } else {
            "the MCO applies a file policy only to files MachineConfigs write; check the path for a typo, or drop the rule"
                .to_string()
        };
        out.push(
            Diagnostic::new(
                &codes::NDP_RULE_MATCHES_NOTHING,
                *span,
                format!("the disruption policy for `{path}` matches no file of any pool"),
            )
            .with_label("no MachineConfig writes this path or below it")
            .with_help(help),
        );
    }
}

/// For each rule path, whether one of the pools' files matches it, as [`file_rule_matches`]
/// decides, without testing every rule against every file (n rules over n files was n²): a
/// clean rule matches a clean file only when it is the file's path or one of its directories
/// (see `disruption::rule_matches`), so each file meets the clean rules that start it
/// ([`PrefixSet`], its path walked once), which are then tested; a rule or a file that is not
/// clean (Ignition refuses such files, so hardly ever) is tested one by one.
fn matching(rules: &[&str], files: &[&str]) -> Vec<bool> {
    let mut matched = vec![false; rules.len()];
    let (mut clean_rules, mut clean) = (PrefixSet::default(), Vec::new());
    for (at, rule) in rules.iter().enumerate() {
        if is_clean_absolute(rule) {
            clean_rules.insert(rule.as_bytes(), at);
            clean.push(at);
        } else {
            matched[at] = files.iter().any(|file| file_rule_matches(rule, file));
        }
    }
    let mut met = Vec::new();
    for file in files {
        met.clear();
        if is_clean_absolute(file) {
            clean_rules.met_by(file.as_bytes(), &mut met);
        } else {
            met.extend_from_slice(&clean);
        }
        for &at in &met {
            matched[at] = matched[at] || file_rule_matches(rules[at], file);
        }
    }
    matched
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

    proptest::proptest! {
        /// The set finds a match exactly when testing every file would.
        #[test]
        fn the_set_agrees_with_testing_every_file(
            files in proptest::collection::vec("/?[ab/.]{0,6}", 0..8),
            rule in "/?[ab/.]{0,6}",
        ) {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            let scanned = files.iter().any(|file| super::file_rule_matches(&rule, file));
            proptest::prop_assert_eq!(super::matching(&[rule.as_str()], &files), [scanned]);
        }
    }

    /// n site rules (a site policy file: the `MachineConfiguration` holds 50 at most), each over
    /// its own file of n: every rule was tested against the files until one matched, n² in all.
    #[test]
    fn rules_over_as_many_files_are_checked_in_linear_time() {
        use crate::load::site::PolicyText;
        use crate::render::RenderOptions;
        use crate::session::PolicyOptions;
        use std::time::Instant;
        let analysed = |n: usize| {
            let mut site = String::from("disruption site {\n");
            let mut files = String::from("    storage:\n      files:\n");
            for i in (0..n).rev() {
                site.push_str(&format!("  path /etc/r/{i}.conf => none\n"));
            }
            for i in 0..n {
                files.push_str(&format!("      - {{path: /etc/r/{i}.conf, contents: {{source: 'data:,'}}}}\n"));
            }
            site.push_str("}\n");
            let mut compilation = crate::testing::compilation(&[&worker("99-worker-app", &files)]);
            compilation.site_policies.push(PolicyText { path: "site.mcc".into(), text: site });
            let analysis =
                crate::driver::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
            assert_eq!(analysis.policies.disruption.files().len(), 13 + n, "the stdlib's rules, then the site's");
            (compilation, analysis)
        };
        let inputs = [analysed(2_000), analysed(8_000)];
        crate::testing::assert_linear("site rules matched to files", |scale| {
            let (c, analysis) = &inputs[usize::from(scale == 4)];
            let cx = super::super::Context { c, analysis, rendered: &analysis.rendered, graphs: &analysis.graphs };
            let mut found = Vec::new();
            let start = Instant::now();
            super::check(&cx, &mut found);
            let elapsed = start.elapsed();
            assert!(found.is_empty(), "every rule matches its file: {found:#?}");
            elapsed
        });
    }
}
