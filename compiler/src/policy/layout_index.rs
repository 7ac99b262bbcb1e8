//! The rules of a layout that may match a path, found without testing every rule: a site
//! policy is input (a pull request may bring thousands of `place` lines), and testing each of
//! its rules against each of a pool's entries cost rules × entries (16,000 of each: 2.7 s).
//!
//! The rules are kept by a literal part of their pattern ([`GlobIndex`]), and
//! the rules a path meets there are a superset of those that match, tested as before, in rule
//! order. Links by their `from`, a prefix of every path they hold: each looked-up key is hashed
//! as the path is walked once, so a long path costs its length, not its length times its depth
//! (as a look-up of each of its directories did).

use std::sync::OnceLock;

use crate::policy::glob_index::GlobIndex;

/// Rules (by position) by a key of each (a literal part of a pattern, or a link's
/// `from`), and how many there were: a list that grew since is not looked up in it.
#[derive(Debug, Default)]
pub struct PatternIndex {
    keys: GlobIndex,
    len: usize,
}

impl PatternIndex {
    /// Rules by a literal part of their pattern ([`GlobIndex`]).
    pub fn new<'p>(patterns: impl Iterator<Item = &'p str>) -> Self {
        let mut len = 0;
        let keys = GlobIndex::new(patterns.enumerate().map(|(position, pattern)| {
            len = position + 1;
            (pattern, position)
        }));
        PatternIndex { keys, len }
    }

    /// Links by their `from` without a trailing `/`: a link that is a path or holds it has a
    /// `from` that starts the path.
    pub fn of_links<'f>(froms: impl Iterator<Item = &'f str>) -> Self {
        let mut len = 0;
        let keys = GlobIndex::of_prefixes(froms.enumerate().map(|(position, from)| {
            len = position + 1;
            (from.trim_end_matches('/').as_bytes(), position)
        }));
        PatternIndex { keys, len }
    }

    /// The positions of the rules that may match `path` (whose key it meets), in order; all of
    /// them when the index is not of a list of `rules` rules.
    pub fn candidates(&self, path: &str, rules: usize) -> Vec<usize> {
        if rules != self.len {
            return (0..rules).collect();
        }
        let mut found = Vec::new();
        self.keys.met_by(path.as_bytes(), &mut found);
        // Each rule is at one place, met once: sorting puts them in rule order.
        found.sort_unstable();
        found
    }
}

/// A layout's indexes, made the first time a path is placed (a layout is built, then only
/// read). A clone starts without them: it may be changed before it is read.
#[derive(Debug, Default)]
pub struct LazyIndexes {
    /// Over `places` then `rejects`, in that order.
    pub decisions: OnceLock<PatternIndex>,
    pub relocations: OnceLock<PatternIndex>,
    pub links: OnceLock<PatternIndex>,
}

impl Clone for LazyIndexes {
    fn clone(&self) -> Self {
        LazyIndexes::default()
    }
}

/// Indexes are made from the rules, so they never tell two layouts apart.
impl PartialEq for LazyIndexes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::glob_matches;
    use proptest::prelude::*;

    /// The candidates that apply, and every position of the list that applies: the same when
    /// the candidates are a superset of what applies.
    fn kept_and_all(candidates: &[usize], len: usize, applies: impl Fn(usize) -> bool) -> (Vec<usize>, Vec<usize>) {
        (candidates.iter().copied().filter(|&i| applies(i)).collect(), (0..len).filter(|&i| applies(i)).collect())
    }

    proptest! {
        /// Every rule that matches is a candidate, whatever the patterns and the path.
        #[test]
        fn every_matching_rule_is_a_candidate(
            patterns in proptest::collection::vec("/?[ab/*?]{0,8}", 0..8),
            path in "/?[ab/]{0,8}",
        ) {
            let index = PatternIndex::new(patterns.iter().map(String::as_str));
            let candidates = index.candidates(&path, patterns.len());
            let (kept, all) = kept_and_all(&candidates, patterns.len(), |i| glob_matches(&patterns[i], &path));
            prop_assert_eq!(kept, all);
            prop_assert!(candidates.windows(2).all(|w| w[0] < w[1]), "in rule order, once each");
        }
    }

    /// A layout of `n` links, `n` place and `n` relocate rules, and `n` paths none of them
    /// matches: each path was tested against every rule and link (2.7 s for 16,000 place rules
    /// and as many files through `mcc check`).
    fn placing_time(n: usize) -> std::time::Duration {
        use crate::load::reader::Spanned;
        use crate::policy::disruption::Origin;
        use crate::policy::layout::{Layout, LinkRule, Place, PlaceRule, RelocateRule};
        let span = crate::source::Span::new(crate::source::Sources::default().add("site.mcc", ""), 0, 0);
        let spanned = |v: String| Spanned::new(v, span);
        let mut layout = Layout::default();
        for i in 0..n {
            let pattern = spanned(format!("/etc/a{i}/**"));
            layout.places.push(PlaceRule { pattern: pattern.clone(), place: Place::Var, span, origin: Origin::Stdlib });
            let to = spanned(format!("/usr/lib/a{i}/"));
            layout.relocations.push(RelocateRule { pattern, to, when: None, span, origin: Origin::Stdlib });
            let (from, to) = (spanned(format!("/etc/l{i}")), spanned(format!("/var/l{i}")));
            layout.links.push(LinkRule { from, to, span, origin: Origin::Stdlib });
        }
        let paths: Vec<String> = (0..n).map(|i| format!("/etc/b{i}/f.conf")).collect();
        let start = std::time::Instant::now();
        for path in &paths {
            std::hint::black_box((layout.place(path), layout.relocations_for(path)));
        }
        start.elapsed()
    }

    #[test]
    fn placing_grows_linearly_with_the_rules_and_the_paths() {
        crate::testing::assert_linear("placing n paths under n rules", |scale| placing_time(500 * scale));
    }

    /// `n` place rules on as many files of one directory, and those files: keyed by their
    /// directory, every rule met every file (16,000: 4.5 s through `mcc check`).
    #[test]
    fn rules_on_the_files_of_one_directory_are_looked_up_linearly() {
        let time = |n: usize| {
            let patterns: Vec<String> = (0..n).map(|i| format!("/etc/r/{i}.conf")).collect();
            let index = PatternIndex::new(patterns.iter().map(String::as_str));
            let start = std::time::Instant::now();
            for path in &patterns {
                assert_eq!(index.candidates(path, n).len(), 1, "only its own rule: {path}");
            }
            start.elapsed()
        };
        crate::testing::assert_linear("rules on the files of one directory", |scale| time(1_000 * scale));
    }

    proptest! {
        /// Every link that is the path or holds it is a candidate.
        #[test]
        fn every_link_that_holds_the_path_is_a_candidate(
            froms in proptest::collection::vec("/?[ab/]{0,6}", 0..8),
            path in "/?[ab/]{0,8}",
        ) {
            let index = PatternIndex::of_links(froms.iter().map(String::as_str));
            let candidates = index.candidates(&path, froms.len());
            let holds = |i: usize| path == froms[i] || crate::ignition::validate::is_strictly_under(&path, &froms[i]);
            let (kept, all) = kept_and_all(&candidates, froms.len(), holds);
            prop_assert_eq!(kept, all);
        }
    }

    #[test]
    fn a_grown_list_is_not_looked_up() {
        let index = PatternIndex::new(["/etc/**"].into_iter());
        assert_eq!(index.candidates("/etc/a", 1), [0]);
        assert_eq!(index.candidates("/x", 1), Vec::<usize>::new());
        assert_eq!(index.candidates("/x", 2), [0, 1], "every rule of a grown list is tested");
    }
}
