//! A Node Disruption Policy's rules by path and by unit name, kept beside the rules inside
//! [`DisruptionPolicy`], so that matching a change and merging a rule are look-ups: a scan of
//! every rule for every change made a plan of n changed files under a policy of n rules cost n²
//! (32,000 of each: 1.88 s, where `mcc check` of the same input takes 0.63 s), and so did
//! merging a `MachineConfiguration` of n rules.
//!
//! The answer is the scan's own: the rules that can match a path are looked up, then tested by
//! the same predicate in list order with the same longest-wins, first-on-a-tie choice
//! (`disruption::closest_file_rule`). A rule with a clean path matches a clean path only when it
//! is that path or a prefix of it ending before a `/` (see `disruption::rule_matches`), so those
//! are found by the prefixes of the path ([`PrefixSet`]: walked once, however deep the path); a
//! rule whose path is not clean may match through cleaning, so it is
//! always tested; a path that is not clean (Ignition refuses those, so hardly ever) is decided by
//! the scan.
//!
//! The index holds positions into the policy's lists, so it is private to the policy, which
//! keeps the two in step: rules are only appended or replaced by a rule of the same path or
//! name, so a position never moves.

use crate::hash::HashMap;
use crate::ignition::validate::is_clean_absolute;
use crate::policy::prefix_set::PrefixSet;

#[derive(Debug, Clone, Default)]
pub(super) struct RuleIndex {
    /// The first file rule of each path as written.
    first_files: HashMap<Box<str>, usize>,
    /// The file rules with a clean path, by it.
    clean_files: PrefixSet,
    /// The positions of the file rules whose path is not clean, in list order.
    unclean_files: Vec<usize>,
    /// The first unit rule of each name.
    units: HashMap<Box<str>, usize>,
}

/// The index is made from the rules, so it never tells two policies apart.
impl PartialEq for RuleIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl RuleIndex {
    /// Records the file rule of `path` appended at `position`.
    pub(super) fn add_file(&mut self, path: &str, position: usize) {
        if is_clean_absolute(path) {
            self.clean_files.insert(path.as_bytes(), position);
        } else {
            self.unclean_files.push(position);
        }
        self.first_files.entry(path.into()).or_insert(position);
    }

    /// Records the unit rule of `name` appended at `position`.
    pub(super) fn add_unit(&mut self, name: &str, position: usize) {
        self.units.entry(name.into()).or_insert(position);
    }

    /// The first file rule written with exactly `path`.
    pub(super) fn first_file(&self, path: &str) -> Option<usize> {
        self.first_files.get(path).copied()
    }

    /// The first unit rule of `name`.
    pub(super) fn first_unit(&self, name: &str) -> Option<usize> {
        self.units.get(name).copied()
    }

    /// The positions, in list order, of every file rule that can match the clean absolute
    /// `path` (a superset: those written as a byte prefix of it, and those not clean).
    pub(super) fn file_candidates(&self, path: &str) -> Vec<usize> {
        debug_assert!(is_clean_absolute(path));
        let mut candidates = self.unclean_files.clone();
        self.clean_files.met_by(path.as_bytes(), &mut candidates);
        // Each rule is at one place, met once: sorting puts them in list order.
        candidates.sort_unstable();
        candidates
    }
}

#[cfg(test)]
mod tests {
    use crate::load::reader::Spanned;
    use crate::policy::disruption::{DisruptionPolicy, FileRule, Origin, UnitRule, closest_file_rule};
    use crate::source::{Sources, Span};
    use proptest::prelude::*;

    fn span() -> Span {
        Span::new(Sources::default().add("ndp.yaml", ""), 0, 0)
    }

    fn file(path: &str, tag: usize) -> FileRule {
        FileRule {
            path: Spanned::new(path.to_string(), span()),
            actions: Vec::new(),
            span: Span::new(span().source, tag, tag),
            origin: Origin::Stdlib,
        }
    }

    fn unit(name: &str, tag: usize) -> UnitRule {
        UnitRule {
            name: Spanned::new(name.to_string(), span()),
            actions: Vec::new(),
            span: Span::new(span().source, tag, tag),
            origin: Origin::Stdlib,
        }
    }

    /// The MCO's scan over the rules in list order, the reference the index must agree with.
    fn scanned<'p>(policy: &'p DisruptionPolicy, path: &str) -> Option<&'p FileRule> {
        closest_file_rule(policy.files().iter(), path, crate::ignition::validate::is_clean_absolute(path))
    }

    proptest! {
        /// The same rule as the scan (the same one, not an equal one), clean paths or not, in a
        /// policy built by appends (duplicates kept, as a `MachineConfiguration` is read) and by
        /// merges (a rule of the same path or name replaced in place).
        #[test]
        fn the_index_picks_the_rule_the_scan_picks(
            appended in proptest::collection::vec("/?[ab/.]{0,6}", 0..10),
            merged in proptest::collection::vec("/?[ab/.]{0,6}", 0..10),
            appended_units in proptest::collection::vec("[ab]{1,2}", 0..6),
            merged_units in proptest::collection::vec("[ab]{1,2}", 0..6),
            path in "/?[ab/.]{0,8}",
            name in "[ab]{1,2}",
        ) {
            let mut policy = DisruptionPolicy::default();
            let mut expected_files: Vec<FileRule> = Vec::new();
            for (tag, path) in appended.iter().enumerate() {
                policy.push_file(file(path, tag));
                expected_files.push(file(path, tag));
            }
            let mut expected_units: Vec<UnitRule> = Vec::new();
            for (tag, name) in appended_units.iter().enumerate() {
                policy.push_unit(unit(name, tag));
                expected_units.push(unit(name, tag));
            }
            let overrides = DisruptionPolicy::new(
                merged.iter().enumerate().map(|(tag, path)| file(path, 100 + tag)).collect(),
                merged_units.iter().enumerate().map(|(tag, name)| unit(name, 100 + tag)).collect(),
                None,
            );
            // `MergeClusterPolicies`, as a scan: the first rule of the same path is replaced.
            for rule in overrides.files().iter().cloned() {
                match expected_files.iter_mut().find(|r| r.path.value == rule.path.value) {
                    Some(existing) => *existing = rule,
                    None => expected_files.push(rule),
                }
            }
            for rule in overrides.units().iter().cloned() {
                match expected_units.iter_mut().find(|r| r.name.value == rule.name.value) {
                    Some(existing) => *existing = rule,
                    None => expected_units.push(rule),
                }
            }
            policy.merge(overrides);
            prop_assert_eq!(policy.files(), &expected_files[..]);
            prop_assert_eq!(policy.units(), &expected_units[..]);
            prop_assert!(std::ptr::eq(
                policy.match_file(&path).map_or(std::ptr::null(), |r| r as *const FileRule),
                scanned(&policy, &path).map_or(std::ptr::null(), |r| r as *const FileRule),
            ));
            prop_assert!(std::ptr::eq(
                policy.match_unit(&name).map_or(std::ptr::null(), |r| r as *const UnitRule),
                policy.units().iter().find(|r| r.name.value == name).map_or(std::ptr::null(), |r| r as *const UnitRule),
            ));
        }
    }
}
