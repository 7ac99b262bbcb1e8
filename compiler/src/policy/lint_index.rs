//! The lints that may match an entry, found without testing every lint: a site policy is input
//! (a pull request may bring thousands of `lint` blocks), and testing each of them against each
//! of a pool's entries cost lints × entries (8,000 of each: 1.8 s).
//!
//! A lint whose condition requires a path glob ([`Condition::required_path`]) can match only an
//! entry whose path the glob matches. So those lints are kept by a literal part of their glob
//! (its prefix, its tail or a run between wildcards: [`GlobIndex`]), and an entry's path meets
//! the lints whose key it starts with, ends with or holds: time in the path's length and what
//! is met, whatever the number of lints (the layout's rules are found the same way). An entry without a path meets none of them: a
//! `path` test is false without a path.
//!
//! A lint that requires no path but a name glob (`name G`, or a conjunct of one) is kept by that
//! glob's key likewise, and met by the entry's name. The other lints (`any`, `not`,
//! tests of kinds, modes…) may match any entry and are always offered. What is offered is a superset of what matches, in lint order, so testing it
//! gives the scan's findings in the scan's order.

use crate::policy::glob_index::GlobIndex;
use crate::policy::lint::Condition;

/// A list of lint conditions, by the glob each requires of the path, or else of the name.
#[derive(Debug)]
pub struct LintIndex {
    /// The lints with a required path, by its glob's key.
    by_path: GlobIndex,
    /// The lints with a required name and no required path, by its glob's key.
    by_name: GlobIndex,
    /// The positions of the other lints, ascending.
    others: Vec<usize>,
}

impl LintIndex {
    pub fn new<'c>(conditions: impl Iterator<Item = &'c Condition>) -> Self {
        let (mut paths, mut names, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for (position, condition) in conditions.enumerate() {
            if let Some(glob) = condition.required_path() {
                paths.push((glob, position));
            } else if let Some(glob) = condition.required_name() {
                names.push((glob, position));
            } else {
                others.push(position);
            }
        }
        LintIndex { by_path: GlobIndex::new(paths.into_iter()), by_name: GlobIndex::new(names.into_iter()), others }
    }

    /// The positions of the lints that may match an entry with `path` and `name` (either may be
    /// missing), in list order, once each.
    pub fn candidates(&self, path: Option<&str>, name: Option<&str>) -> Vec<usize> {
        let mut found = self.others.clone();
        if let Some(path) = path {
            self.by_path.met_by(path.as_bytes(), &mut found);
        }
        if let Some(name) = name {
            self.by_name.met_by(name.as_bytes(), &mut found);
        }
        // Each lint is at one place, met once: sorting puts them in list order.
        found.sort_unstable();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::lint::{Comparison, EntryFacts, EntryKind};
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = EntryKind> {
        prop::sample::select(&[EntryKind::File, EntryKind::Directory, EntryKind::Unit, EntryKind::KernelArgument][..])
    }

    /// Globs with `*`, `**` and `?` anywhere, literal paths, and `dir/**`.
    fn glob() -> impl Strategy<Value = String> {
        prop_oneof!["/?[ab/*?]{0,6}", "/[ab](/[ab]){0,2}", "/[ab](/[ab])?/\\*\\*"]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        let leaf = prop_oneof![
            3 => glob().prop_map(Condition::Path),
            2 => glob().prop_map(Condition::Name),
            1 => kind().prop_map(Condition::Kind),
            1 => (0u32..8).prop_map(Condition::ModeHas),
            1 => (0u32..8).prop_map(|mode| Condition::Mode(Comparison::Ge, mode)),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
                inner.prop_map(|c| Condition::Not(Box::new(c))),
            ]
        })
    }

    fn entry() -> impl Strategy<Value = EntryFacts> {
        let text = || prop::option::of(prop_oneof!["/?[ab/]{0,6}", "/[ab](/[ab]){0,2}"]);
        (kind(), text(), text(), prop::option::of(0u32..8)).prop_map(|(kind, path, name, mode)| EntryFacts {
            path,
            name,
            mode,
            ..EntryFacts::new(kind)
        })
    }

    proptest! {
        /// The (entry, lint) pairs the indexed run finds are the scan's, in the scan's order.
        #[test]
        fn the_index_finds_what_the_scan_finds(
            conditions in prop::collection::vec(condition(), 0..10),
            entries in prop::collection::vec(entry(), 0..10),
        ) {
            let index = LintIndex::new(conditions.iter());
            let (mut indexed, mut scanned) = (Vec::new(), Vec::new());
            for (e, facts) in entries.iter().enumerate() {
                let candidates = index.candidates(facts.path.as_deref(), facts.name.as_deref());
                prop_assert!(candidates.windows(2).all(|w| w[0] < w[1]), "in lint order, once each");
                indexed.extend(candidates.into_iter().filter(|&l| conditions[l].matches(facts)).map(|l| (e, l)));
                scanned.extend((0..conditions.len()).filter(|&l| conditions[l].matches(facts)).map(|l| (e, l)));
            }
            prop_assert_eq!(indexed, scanned);
        }
    }

    #[test]
    fn a_required_path_is_a_path_test_or_a_conjunct_of_one() {
        let path = || Condition::Path("/etc/r/**".into());
        let file = || Condition::Kind(EntryKind::File);
        assert_eq!(path().required_path(), Some("/etc/r/**"));
        assert_eq!(Condition::All(vec![file(), Condition::All(vec![path()])]).required_path(), Some("/etc/r/**"));
        assert_eq!(Condition::Any(vec![path(), path()]).required_path(), None, "may hold without a path");
        assert_eq!(Condition::Not(Box::new(path())).required_path(), None);
        // Only the lints a path can match are offered: the literal prefix starts the path, or
        // is the path and a `/`; the other lints on the same directory are not.
        let literal = |p: &str| Condition::Path(p.into());
        let conditions = [file(), path(), literal("/etc/r/1.conf"), literal("/etc/r/10.conf"), literal("/etc/r/*")];
        let index = LintIndex::new(conditions.iter());
        assert_eq!(index.candidates(Some("/etc/r/1.conf"), None), [0, 1, 2, 4]);
        assert_eq!(index.candidates(Some("/etc/r"), None), [0, 1, 4], "`/etc/r/**` matches `/etc/r`");
        assert_eq!(index.candidates(Some("/usr"), None), [0]);
        assert_eq!(index.candidates(None, None), [0]);
    }

    #[test]
    fn a_name_is_required_when_no_path_is() {
        let name = |n: &str| Condition::Name(n.into());
        let unit = || Condition::Kind(EntryKind::Unit);
        assert_eq!(Condition::All(vec![unit(), name("app*.service")]).required_name(), Some("app*.service"));
        assert_eq!(Condition::Any(vec![name("a"), name("b")]).required_name(), None);
        let both = Condition::All(vec![name("a.service"), Condition::Path("/etc/a".into())]);
        let conditions = [unit(), name("app1.service"), name("app2.service"), both];
        let index = LintIndex::new(conditions.iter());
        assert_eq!(index.candidates(None, Some("app1.service")), [0, 1], "only the lint of its name");
        assert_eq!(index.candidates(Some("/etc/a"), Some("x")), [0, 3], "kept by its path, not its name");
    }
}
