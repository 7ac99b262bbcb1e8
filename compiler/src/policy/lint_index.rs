//! The lints that may match an entry, found without testing every lint: a site policy is input
//! (a pull request may bring thousands of `lint` blocks), and testing each of them against each
//! of a pool's entries cost lints × entries (8,000 of each: 1.8 s).
//!
//! A lint whose condition requires a path glob ([`Condition::required_path`]) can match only an
//! entry whose path the glob matches. So those lints are kept by a literal part of their glob
//! (its prefix, its tail or a run between wildcards: [`GlobIndex`]), and an entry's path meets
//! the lints whose key it starts with, ends with or holds: time in the path's length and what
//! is met, whatever the number of lints (the layout's rules are found the same way). An entry
//! without a path meets none of them: a `path` test is false without a path.
//!
//! A lint that requires no path but a name glob (`name G`, or a conjunct of one) is kept by that
//! glob's key likewise, and met by the entry's name; one that requires neither but a `source`
//! glob, by the names of the MachineConfigs that define the entry (met once, however many of
//! them meet it). The other lints (`any`, `not`, tests of kinds, modes…) are offered to every
//! entry of a kind they can match ([`Condition::possible_kinds`]: `when unit and …` is never
//! offered to a file). What is offered is a superset of what matches, in lint order, so testing
//! it gives the scan's findings in the scan's order.

use crate::policy::glob_index::GlobIndex;
use crate::policy::lint::{Condition, EntryFacts, EntryKind};

/// A list of lint conditions, by the glob each requires of the path, or else of the name, or
/// else of a source.
#[derive(Debug)]
pub struct LintIndex {
    /// The lints with a required path, by its glob's key.
    by_path: GlobIndex,
    /// The lints with a required name and no required path, by its glob's key.
    by_name: GlobIndex,
    /// The lints with a required source and neither of the above, by its glob's key.
    by_source: GlobIndex,
    /// The positions of the other lints, ascending, by each kind of entry they can match
    /// (indexed by the kind's number).
    others: Vec<Vec<usize>>,
}

impl LintIndex {
    pub fn new<'c>(conditions: impl Iterator<Item = &'c Condition>) -> Self {
        let (mut paths, mut names, mut sources) = (Vec::new(), Vec::new(), Vec::new());
        let mut others = vec![Vec::new(); EntryKind::ALL.len()];
        for (position, condition) in conditions.enumerate() {
            if let Some(glob) = condition.required_path() {
                paths.push((glob, position));
            } else if let Some(glob) = condition.required_name() {
                names.push((glob, position));
            } else if let Some(glob) = condition.required_source() {
                sources.push((glob, position));
            } else {
                let kinds = condition.possible_kinds();
                for kind in EntryKind::ALL.into_iter().filter(|&kind| kinds.contains(kind)) {
                    others[kind as usize].push(position);
                }
            }
        }
        LintIndex {
            by_path: GlobIndex::new(paths.into_iter()),
            by_name: GlobIndex::new(names.into_iter()),
            by_source: GlobIndex::new(sources.into_iter()),
            others,
        }
    }

    /// The positions of the lints that may match the entry `facts` describes, in list order,
    /// once each.
    pub fn candidates(&self, facts: &EntryFacts) -> Vec<usize> {
        let mut found = self.others[facts.kind as usize].clone();
        if let Some(path) = &facts.path {
            self.by_path.met_by(path.as_bytes(), &mut found);
        }
        if let Some(name) = &facts.name {
            self.by_name.met_by(name.as_bytes(), &mut found);
        }
        for source in &facts.sources {
            self.by_source.met_by(source.as_bytes(), &mut found);
        }
        // Sorting puts them in list order; a lint is met twice only through two sources.
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::lint::{Comparison, KindSet};
    use proptest::prelude::*;

    /// The facts of an entry of `kind` with `path` and `name`, defined by `sources`.
    fn facts(kind: EntryKind, path: Option<&str>, name: Option<&str>, sources: &[&str]) -> EntryFacts {
        EntryFacts {
            path: path.map(str::to_string),
            name: name.map(str::to_string),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            ..EntryFacts::new(kind)
        }
    }

    /// The candidates for an entry with `path` and `name` and no source: a unit if it has a
    /// name, else a file.
    fn candidates(index: &LintIndex, path: Option<&str>, name: Option<&str>) -> Vec<usize> {
        let kind = if name.is_some() { EntryKind::Unit } else { EntryKind::File };
        index.candidates(&facts(kind, path, name, &[]))
    }

    fn kind() -> impl Strategy<Value = EntryKind> {
        prop::sample::select(&EntryKind::ALL[..])
    }

    /// Globs with `*`, `**` and `?` anywhere, literal paths, and `dir/**`.
    fn glob() -> impl Strategy<Value = String> {
        prop_oneof!["/?[ab/*?]{0,6}", "/[ab](/[ab]){0,2}", "/[ab](/[ab])?/\\*\\*"]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        let leaf = prop_oneof![
            3 => glob().prop_map(Condition::Path),
            2 => glob().prop_map(Condition::Name),
            2 => "[ab*?-]{0,5}".prop_map(Condition::Source),
            1 => kind().prop_map(Condition::Kind),
            1 => (0u32..8).prop_map(Condition::ModeHas),
            1 => (0u32..8).prop_map(|mode| Condition::Mode(Comparison::Ge, mode)),
            1 => (0u64..8).prop_map(|size| Condition::Size(Comparison::Le, size)),
            1 => Just(Condition::Relocatable),
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
        let sources = prop::collection::vec("[ab-]{0,4}", 0..3);
        // Only the fields an entry of its kind has, as `facts::of` fills them (its own test
        // checks that): the index offers a lint only to the kinds it can match.
        let numbers = (prop::option::of(0u32..8), prop::option::of(0u64..8), any::<bool>());
        (kind(), text(), text(), numbers, sources).prop_map(|(kind, path, name, (mode, size, relocatable), sources)| {
            let has = |kinds: KindSet| kinds.contains(kind);
            EntryFacts {
                path: path.filter(|_| has(KindSet::WITH_PATH)),
                name: name.filter(|_| has(KindSet::WITH_NAME)),
                mode: mode.filter(|_| has(KindSet::WITH_MODE)),
                size: size.filter(|_| kind == EntryKind::File),
                relocatable: relocatable && has(KindSet::WITH_PATH),
                sources,
                ..EntryFacts::new(kind)
            }
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
                let candidates = index.candidates(facts);
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
        assert_eq!(candidates(&index, Some("/etc/r/1.conf"), None), [0, 1, 2, 4]);
        assert_eq!(candidates(&index, Some("/etc/r"), None), [0, 1, 4], "`/etc/r/**` matches `/etc/r`");
        assert_eq!(candidates(&index, Some("/usr"), None), [0]);
        assert_eq!(candidates(&index, None, None), [0]);
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
        assert_eq!(candidates(&index, None, Some("app1.service")), [0, 1], "only the lint of its name");
        assert_eq!(
            index.candidates(&facts(EntryKind::File, Some("/etc/b"), None, &[])),
            Vec::<usize>::new(),
            "`unit` is not offered to a file"
        );
        assert_eq!(candidates(&index, Some("/etc/a"), Some("x")), [0, 3], "kept by its path, not its name");
    }

    #[test]
    fn a_source_is_required_when_no_path_or_name_is() {
        let source = |s: &str| Condition::Source(s.into());
        let file = || Condition::Kind(EntryKind::File);
        assert_eq!(Condition::All(vec![file(), source("99-*")]).required_source(), Some("99-*"));
        let conditions =
            [file(), source("99-a"), source("99-*"), Condition::All(vec![source("x"), Condition::Name("n".into())])];
        let index = LintIndex::new(conditions.iter());
        assert_eq!(index.candidates(&facts(EntryKind::File, None, None, &["99-a"])), [0, 1, 2]);
        assert_eq!(
            index.candidates(&facts(EntryKind::File, None, None, &["99-a", "99-b"])),
            [0, 1, 2],
            "met once through two sources"
        );
        assert_eq!(
            index.candidates(&facts(EntryKind::Unit, None, Some("n"), &["x"])),
            [3],
            "kept by its name, not its source; `file` is not offered to a unit"
        );
    }

    /// `n` lints, each on the entries of its own MachineConfig, and an entry from each: every
    /// lint was offered to every entry.
    #[test]
    fn lints_on_sources_are_met_linearly() {
        let time = |n: usize| {
            let conditions: Vec<Condition> = (0..n).map(|i| Condition::Source(format!("99-worker-{i}-ssh"))).collect();
            let index = LintIndex::new(conditions.iter());
            let entries: Vec<EntryFacts> = (0..n)
                .map(|i| facts(EntryKind::File, Some("/etc/f"), None, &[&format!("99-worker-{i}-ssh")]))
                .collect();
            let start = std::time::Instant::now();
            for (i, entry) in entries.iter().enumerate() {
                assert_eq!(index.candidates(entry), [i]);
            }
            start.elapsed()
        };
        crate::testing::assert_linear("lints on sources", |scale| time(1_000 * scale));
    }
}
