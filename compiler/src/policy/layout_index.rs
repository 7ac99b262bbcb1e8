//! The rules of a layout that may match a path, found without testing every rule: a site
//! policy is input (a pull request may bring thousands of `place` lines), and testing each of
//! its rules against each of a pool's entries cost rules × entries (16,000 of each: 2.7 s).
//!
//! A glob matches a path only when the path starts with the pattern's literal prefix (its bytes
//! before the first wildcard; [`crate::glob::glob_matches`] walks them first), or, for
//! `dir/**`, when the path is that prefix without its last `/`. So the rules are kept by the
//! directory part of their literal prefix (up to its last `/`), and a path looks up each of its
//! own directory prefixes, and itself followed by `/`: the rules found are a superset of those
//! that match, tested as before, in rule order. Links likewise, by their `from`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::policy::layout::specificity;

/// Rules (by position) under the directory part of their literal prefix.
#[derive(Debug, Default)]
pub struct PrefixIndex {
    by_directory: HashMap<String, Vec<usize>>,
    /// How many rules it was made of: a list that grew since is not looked up in it.
    rules: usize,
}

impl PrefixIndex {
    pub fn new<'p>(patterns: impl Iterator<Item = &'p str>) -> Self {
        let mut by_directory: HashMap<String, Vec<usize>> = HashMap::new();
        let mut rules = 0;
        for (position, pattern) in patterns.enumerate() {
            let literal = &pattern[..specificity(pattern)];
            let directory = &literal[..literal.rfind('/').map_or(0, |slash| slash + 1)];
            by_directory.entry(directory.to_string()).or_default().push(position);
            rules = position + 1;
        }
        PrefixIndex { by_directory, rules }
    }

    /// The positions of the rules that may match `path`, in order; `None` when the index is
    /// not of a list of `rules` rules.
    pub fn candidates(&self, path: &str, rules: usize) -> Option<Vec<usize>> {
        if rules != self.rules {
            return None;
        }
        let mut found = Vec::new();
        let mut add = |key: &str| {
            if let Some(positions) = self.by_directory.get(key) {
                found.extend_from_slice(positions);
            }
        };
        add("");
        for (at, byte) in path.bytes().enumerate() {
            if byte == b'/' {
                add(&path[..=at]);
            }
        }
        add(&format!("{path}/"));
        found.sort_unstable();
        Some(found)
    }
}

/// Links by their `from`, without a trailing `/`: the links that may hold a path are under its
/// own prefixes that end before a `/`, and under itself.
#[derive(Debug, Default)]
pub struct LinkIndex {
    by_from: HashMap<String, Vec<usize>>,
    links: usize,
}

impl LinkIndex {
    pub fn new<'f>(froms: impl Iterator<Item = &'f str>) -> Self {
        let mut by_from: HashMap<String, Vec<usize>> = HashMap::new();
        let mut links = 0;
        for (position, from) in froms.enumerate() {
            by_from.entry(from.trim_end_matches('/').to_string()).or_default().push(position);
            links = position + 1;
        }
        LinkIndex { by_from, links }
    }

    /// The positions of the links that may be `path` or hold it, in order; `None` when the
    /// index is not of a list of `links` links.
    pub fn candidates(&self, path: &str, links: usize) -> Option<Vec<usize>> {
        if links != self.links {
            return None;
        }
        let mut found = Vec::new();
        let mut add = |key: &str| {
            if let Some(positions) = self.by_from.get(key) {
                found.extend_from_slice(positions);
            }
        };
        for (at, byte) in path.bytes().enumerate() {
            if byte == b'/' {
                add(&path[..at]);
            }
        }
        add(path.trim_end_matches('/'));
        found.sort_unstable();
        found.dedup();
        Some(found)
    }
}

/// A layout's indexes, made the first time a path is placed (a layout is built, then only
/// read). A clone starts without them: it may be changed before it is read.
#[derive(Debug, Default)]
pub struct LazyIndexes {
    /// Over `places` then `rejects`, in that order.
    pub decisions: OnceLock<PrefixIndex>,
    pub relocations: OnceLock<PrefixIndex>,
    pub links: OnceLock<LinkIndex>,
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

    proptest! {
        /// Every rule that matches is a candidate, whatever the patterns and the path.
        #[test]
        fn every_matching_rule_is_a_candidate(
            patterns in proptest::collection::vec("/?[ab/*?]{0,8}", 0..8),
            path in "/?[ab/]{0,8}",
        ) {
            let index = PrefixIndex::new(patterns.iter().map(String::as_str));
            let candidates = index.candidates(&path, patterns.len()).expect("the index is of these rules");
            let matching: Vec<usize> = (0..patterns.len()).filter(|&i| glob_matches(&patterns[i], &path)).collect();
            let kept: Vec<usize> = candidates.iter().copied().filter(|&i| glob_matches(&patterns[i], &path)).collect();
            prop_assert_eq!(kept, matching);
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

    proptest! {
        /// Every link that is the path or holds it is a candidate.
        #[test]
        fn every_link_that_holds_the_path_is_a_candidate(
            froms in proptest::collection::vec("/?[ab/]{0,6}", 0..8),
            path in "/?[ab/]{0,8}",
        ) {
            let index = LinkIndex::new(froms.iter().map(String::as_str));
            let candidates = index.candidates(&path, froms.len()).expect("the index is of these links");
            let holds = |from: &str| path == from || crate::ignition::validate::is_strictly_under(&path, from);
            let holding: Vec<usize> = (0..froms.len()).filter(|&i| holds(&froms[i])).collect();
            let kept: Vec<usize> = candidates.iter().copied().filter(|&i| holds(&froms[i])).collect();
            prop_assert_eq!(kept, holding);
        }
    }

    #[test]
    fn a_grown_list_is_not_looked_up() {
        let index = PrefixIndex::new(["/etc/**"].into_iter());
        assert_eq!(index.candidates("/etc/a", 1), Some(vec![0]));
        assert_eq!(index.candidates("/etc/a", 2), None);
    }
}
