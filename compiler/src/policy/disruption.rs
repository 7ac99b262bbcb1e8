//! Node Disruption Policy: what a change to a file, a unit or the SSH keys costs a node.
//!
//! One model for every source of policy: the stdlib's cluster defaults per OpenShift release,
//! a site's `MachineConfiguration` (lowered into this form), and site policy files. Its
//! matching is exactly the MCO's (`spec/mco.md` §4.3): files by exact path or directory prefix
//! with the longest policy path winning and the first in list order breaking ties, units by exact
//! name, `sshkey` for every passwd change.

use std::fmt;

use crate::ignition::validate::is_clean_absolute;
use crate::load::reader::Spanned;
use crate::policy::disruption_index::RuleIndex;
use crate::source::Span;

/// registries.conf: the only path whose changes the MCO handles with the status-only `Special`
/// action, and whose content it checks before an update.
pub const REGISTRIES_CONF: &str = "/etc/containers/registries.conf";

/// An action after a config change, in the MCO's status vocabulary (`Special` is status-only:
/// the registries.conf rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Reboot,
    Drain,
    Reload(String),
    Restart(String),
    DaemonReload,
    None,
    Special,
}

impl Action {
    /// The API's `type` value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Action::Reboot => "Reboot",
            Action::Drain => "Drain",
            Action::Reload(_) => "Reload",
            Action::Restart(_) => "Restart",
            Action::DaemonReload => "DaemonReload",
            Action::None => "None",
            Action::Special => "Special",
        }
    }

    pub fn service(&self) -> Option<&str> {
        match self {
            Action::Reload(s) | Action::Restart(s) => Some(s),
            _ => None,
        }
    }
}

/// The policy language's spelling: `reboot`, `reload crio.service`, `daemon-reload`, …
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Reboot => f.write_str("reboot"),
            Action::Drain => f.write_str("drain"),
            Action::Reload(s) => write!(f, "reload {s}"),
            Action::Restart(s) => write!(f, "restart {s}"),
            Action::DaemonReload => f.write_str("daemon-reload"),
            Action::None => f.write_str("none"),
            Action::Special => f.write_str("special"),
        }
    }
}

/// Where a rule came from, for precedence and for `mcc explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// The stdlib's cluster defaults for the chosen OpenShift release.
    Stdlib,
    /// The site's `MachineConfiguration` named `cluster`.
    MachineConfiguration,
    /// A site policy file (`--policy`, `.mcc/`).
    SitePolicy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileRule {
    /// As written: matched as an exact path or a directory prefix.
    pub path: Spanned<String>,
    pub actions: Vec<Spanned<Action>>,
    /// The whole rule.
    pub span: Span,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRule {
    pub name: Spanned<String>,
    pub actions: Vec<Spanned<Action>>,
    pub span: Span,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SshKeyRule {
    pub actions: Vec<Spanned<Action>>,
    pub span: Span,
    pub origin: Origin,
}

/// A merged policy, in list order (order matters: it breaks ties between equal-length paths).
///
/// The rules are private so that the index beside them stays in step: they are only appended
/// ([`DisruptionPolicy::push_file`], as a `MachineConfiguration` lists them) or merged (a rule
/// replacing the one of the same path or name in place).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DisruptionPolicy {
    files: Vec<FileRule>,
    units: Vec<UnitRule>,
    /// `None` means the MCO's default: `[None]`.
    pub sshkey: Option<SshKeyRule>,
    index: RuleIndex,
}

impl DisruptionPolicy {
    /// A policy of these rules as listed (duplicates kept).
    pub fn new(files: Vec<FileRule>, units: Vec<UnitRule>, sshkey: Option<SshKeyRule>) -> Self {
        let mut policy = DisruptionPolicy { sshkey, ..Default::default() };
        files.into_iter().for_each(|rule| policy.push_file(rule));
        units.into_iter().for_each(|rule| policy.push_unit(rule));
        policy
    }

    pub fn files(&self) -> &[FileRule] {
        &self.files
    }

    pub fn units(&self) -> &[UnitRule] {
        &self.units
    }

    /// Appends a file rule, even one of a path already listed (the API accepts those).
    pub fn push_file(&mut self, rule: FileRule) {
        self.index.add_file(&rule.path.value, self.files.len());
        self.files.push(rule);
    }

    /// Appends a unit rule, even one of a name already listed.
    pub fn push_unit(&mut self, rule: UnitRule) {
        self.index.add_unit(&rule.name.value, self.units.len());
        self.units.push(rule);
    }

    /// `MergeClusterPolicies` for one file rule: it replaces the first rule of exactly the same
    /// path in place, keeping its index, or is appended.
    pub fn put_file(&mut self, rule: FileRule) {
        match self.index.first_file(&rule.path.value) {
            Some(position) => self.files[position] = rule,
            None => self.push_file(rule),
        }
    }

    /// `MergeClusterPolicies` for one unit rule, likewise by name.
    pub fn put_unit(&mut self, rule: UnitRule) {
        match self.index.first_unit(&rule.name.value) {
            Some(position) => self.units[position] = rule,
            None => self.push_unit(rule),
        }
    }

    /// `FindClosestFilePolicyPathMatch`: a rule matches when its path equals `path` or `path`
    /// lies under it as a directory (`/etc/mco/f1` matches `/etc/mco/f1/f2` but not
    /// `/etc/mco/f1x`); the longest rule path wins, the first in list order on a tie.
    pub fn match_file(&self, path: &str) -> Option<&FileRule> {
        if !is_clean_absolute(path) {
            return closest_file_rule(self.files.iter(), path, false);
        }
        let candidates = self.index.file_candidates(path);
        closest_file_rule(candidates.into_iter().map(|position| &self.files[position]), path, true)
    }

    /// Exact name equality (no wildcards, no suffix inference); the first rule of the name.
    pub fn match_unit(&self, name: &str) -> Option<&UnitRule> {
        self.index.first_unit(name).map(|position| &self.units[position])
    }

    /// Merges `overrides` into `self` as the MCO's `MergeClusterPolicies` does: an override with
    /// exactly the same path (or unit name) replaces the rule in place, keeping its index; the
    /// others are appended in order; an `sshkey` rule with actions replaces the default.
    pub fn merge(&mut self, overrides: DisruptionPolicy) {
        overrides.files.into_iter().for_each(|rule| self.put_file(rule));
        overrides.units.into_iter().for_each(|rule| self.put_unit(rule));
        if let Some(sshkey) = overrides.sshkey.filter(|s| !s.actions.is_empty()) {
            self.sshkey = Some(sshkey);
        }
    }
}

/// `FindClosestFilePolicyPathMatch`'s test: the policy path as written equals the path, or
/// `IsSubdirectory`: the cleaned path starts with the cleaned policy path plus `/`. The policy
/// path is never cleaned for the exact test, so `/etc/chrony.conf/` or `/etc//chrony.conf`
/// never matches `/etc/chrony.conf`, and `/` (whose prefix becomes `//`) matches nothing.
pub fn file_rule_matches(rule_path: &str, path: &str) -> bool {
    rule_matches(rule_path, path, is_clean_absolute(path))
}

/// Of `rules` (in list order), the one `FindClosestFilePolicyPathMatch` picks for `path`: the
/// longest matching path, the first on a tie.
pub(super) fn closest_file_rule<'p>(
    rules: impl Iterator<Item = &'p FileRule>,
    path: &str,
    path_is_clean: bool,
) -> Option<&'p FileRule> {
    let mut best: Option<&FileRule> = None;
    for rule in rules {
        if rule_matches(&rule.path.value, path, path_is_clean)
            && best.is_none_or(|b| rule.path.value.len() > b.path.value.len())
        {
            best = Some(rule);
        }
    }
    best
}

/// [`file_rule_matches`], told whether `path` is clean: every file meets every rule here, so
/// the file's cleanliness is decided once, not once a rule.
fn rule_matches(rule_path: &str, path: &str, path_is_clean: bool) -> bool {
    use crate::ignition::validate::clean;
    if path == rule_path {
        return true;
    }
    // Paths already clean (nearly all of them) are compared in place, without cleaning copies
    // of both first.
    if path_is_clean {
        // A non-empty byte prefix of a clean path that ends before one of its `/` is a clean
        // path itself, so this is the answer the cleaned comparison gives.
        if !rule_path.is_empty() && path.starts_with(rule_path) && path.as_bytes().get(rule_path.len()) == Some(&b'/') {
            return true;
        }
        if is_clean_absolute(rule_path) {
            return false;
        }
    }
    clean(path).starts_with(&format!("{}/", clean(rule_path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceId, Sources};

    fn span() -> Span {
        let mut sources = Sources::default();
        let id: SourceId = sources.add("t", "x");
        Span::new(id, 0, 1)
    }

    fn rule(path: &str, action: Action) -> FileRule {
        FileRule {
            path: Spanned::new(path.to_string(), span()),
            actions: vec![Spanned::new(action, span())],
            span: span(),
            origin: Origin::Stdlib,
        }
    }

    #[test]
    fn clean_paths_match_in_place_exactly_as_cleaned_copies_do() {
        use crate::ignition::validate::clean;
        let paths = [
            "/",
            "//",
            "/etc",
            "/etc/",
            "/etc/a",
            "/etc/a/",
            "/etc//a",
            "/etc/./a",
            "/etc/a/..",
            "/etc/a/../b",
            "/etc/ab",
            "/etc/a/b/c",
            "etc/a",
            "a",
            ".",
            "..",
            "/..",
            "/etc/.a",
            "/etc/..a",
            "",
        ];
        for rule in paths {
            for path in paths {
                let cleaned = path == rule || clean(path).starts_with(&format!("{}/", clean(rule)));
                assert_eq!(file_rule_matches(rule, path), cleaned, "rule `{rule}`, path `{path}`");
                assert_eq!(is_clean_absolute(path), path.starts_with('/') && clean(path) == path, "`{path}`");
            }
        }
    }

    proptest::proptest! {
        /// Random spellings over `/`, `.` and a name byte: the in-place comparison agrees with
        /// the MCO's cleaned one, for a path's cleanliness decided once (`match_file`) or not.
        #[test]
        fn matching_in_place_agrees_with_cleaning(rule in "[/.a]{0,9}", path in "[/.a]{0,9}") {
            use crate::ignition::validate::clean;
            let cleaned = path == rule || clean(&path).starts_with(&format!("{}/", clean(&rule)));
            proptest::prop_assert_eq!(file_rule_matches(&rule, &path), cleaned);
            proptest::prop_assert_eq!(is_clean_absolute(&path), path.starts_with('/') && clean(&path) == path);
        }
    }

    #[test]
    fn a_directory_rule_matches_below_it_but_not_a_sibling_prefix() {
        let policy = DisruptionPolicy::new(vec![rule("/etc/mco/f1", Action::None)], Vec::new(), None);
        assert!(policy.match_file("/etc/mco/f1").is_some());
        assert!(policy.match_file("/etc/mco/f1/f2/x").is_some());
        assert!(policy.match_file("/etc/mco/f1x").is_none());
    }

    #[test]
    fn the_longest_rule_path_wins_and_the_first_breaks_ties() {
        // The MCO compares the policy path strings as written: a trailing slash makes one longer.
        let policy = DisruptionPolicy::new(
            vec![
                rule("/etc/containers", Action::Reboot),
                rule("/etc/containers/registries.d", Action::Reload("crio.service".into())),
                rule("/etc/containers/registries.d/", Action::DaemonReload),
                rule("/etc/containers//registries.d", Action::Drain),
            ],
            Vec::new(),
            None,
        );
        let best = policy.match_file("/etc/containers/registries.d/a.conf").unwrap();
        assert_eq!(
            best.actions[0].value,
            Action::DaemonReload,
            "the longest string wins; the equal-length later one loses"
        );
        assert_eq!(policy.match_file("/etc/containers/policy.json").unwrap().actions[0].value, Action::Reboot);
    }

    #[test]
    fn a_user_rule_with_an_equal_path_replaces_the_default_in_place() {
        let mut policy =
            DisruptionPolicy::new(vec![rule("/a", Action::None), rule("/b", Action::None)], Vec::new(), None);
        let mut user = rule("/a", Action::Restart("x.service".into()));
        user.origin = Origin::MachineConfiguration;
        policy.merge(DisruptionPolicy::new(vec![user, rule("/c", Action::Drain)], Vec::new(), None));
        let paths: Vec<_> =
            policy.files().iter().map(|r| (r.path.value.as_str(), r.actions[0].value.clone())).collect();
        assert_eq!(paths, [("/a", Action::Restart("x.service".into())), ("/b", Action::None), ("/c", Action::Drain)]);
    }
}
