//! Globs found by the literal part that tells them apart, for the layout's rules and the lints:
//! the globs a path meets are a superset of those that match it, each then tested as before.
//!
//! A glob matches a path only when the path starts with the glob's literal prefix (its bytes
//! before the first wildcard; or, for `dir/**`, is that prefix without its last `/`), and only
//! when the path ends with its literal tail (its bytes after the last wildcard; see
//! [`crate::glob::glob_matches`]). Either is a key a path can look up in the time of its length
//! ([`PrefixSet`]). Keyed by their prefixes alone, thousands of `/etc/r/*-<i>.conf` globs were
//! one key that every file of `/etc/r` met (8,000 lints over as many files: 1.9 s): so each glob
//! is kept by its tail where fewer globs share that tail than its prefix, and by its prefix
//! otherwise (or when it has no tail). Which globs share a key is counted on the keys' bytes,
//! never on their hashes, so where a glob is kept does not depend on the process.
//!
//! Globs whose prefix and tail are both shared by many (`/etc/r/*-<i>-*`) still meet every path
//! that starts with that prefix: the key that tells them apart is in their middle.

use crate::hash::HashMap;
use crate::policy::prefix_set::PrefixSet;

/// A glob's literal prefix, its literal tail if it has one, and its position.
type Keys<'g> = (&'g [u8], Option<&'g [u8]>, usize);

/// Positions of globs, by their literal prefix or their literal tail.
#[derive(Debug, Clone, Default)]
pub struct GlobIndex {
    prefixes: PrefixSet,
    /// Read backwards: [`PrefixSet::ending`].
    tails: PrefixSet,
}

impl GlobIndex {
    /// Each glob (with its position) by its less shared key.
    pub fn new<'g>(globs: impl Iterator<Item = (&'g str, usize)>) -> Self {
        let globs: Vec<Keys<'g>> =
            globs.map(|(glob, position)| (literal_prefix(glob), literal_tail(glob), position)).collect();
        let mut sharing_prefix: HashMap<&[u8], usize> = HashMap::default();
        let mut sharing_tail: HashMap<&[u8], usize> = HashMap::default();
        for &(prefix, tail, _) in &globs {
            *sharing_prefix.entry(prefix).or_default() += 1;
            if let Some(tail) = tail {
                *sharing_tail.entry(tail).or_default() += 1;
            }
        }
        let mut index = GlobIndex::default();
        for (prefix, tail, position) in globs {
            match tail.filter(|tail| sharing_tail[tail] < sharing_prefix[prefix]) {
                Some(tail) => index.tails.insert_reversed(tail, position),
                None => index.prefixes.insert(prefix, position),
            }
        }
        index
    }

    /// Keys that are prefixes only (a link's `from`): met by the paths they start, and by the
    /// path they are with a `/` added.
    pub fn of_prefixes<'k>(prefixes: impl Iterator<Item = (&'k [u8], usize)>) -> Self {
        let mut index = GlobIndex::default();
        for (prefix, position) in prefixes {
            index.prefixes.insert(prefix, position);
        }
        index
    }

    /// Adds the positions of the globs whose key `path` meets: a prefix that starts it (or is
    /// it and a `/`), or a tail that ends it. A glob is kept under one key, so it is met once.
    pub fn met_by(&self, path: &[u8], found: &mut Vec<usize>) {
        self.prefixes.met_by(path, found);
        self.tails.ending(path, found);
    }
}

/// The glob's bytes before its first wildcard.
fn literal_prefix(glob: &str) -> &[u8] {
    &glob.as_bytes()[..glob.find(['*', '?']).unwrap_or(glob.len())]
}

/// The glob's bytes after its last wildcard, if it has a wildcard and they are not empty.
fn literal_tail(glob: &str) -> Option<&[u8]> {
    glob.rfind(['*', '?']).map(|last| &glob.as_bytes()[last + 1..]).filter(|tail| !tail.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::glob_matches;
    use proptest::prelude::*;

    fn candidates(index: &GlobIndex, path: &str) -> Vec<usize> {
        let mut found = Vec::new();
        index.met_by(path.as_bytes(), &mut found);
        found.sort_unstable();
        found
    }

    proptest! {
        /// Every glob that matches the path is met, once.
        #[test]
        fn every_matching_glob_is_met_once(
            globs in proptest::collection::vec(prop_oneof!["/?[ab/*?]{0,8}", "/[ab]/\\*[ab]{1,3}"], 0..12),
            path in "/?[ab/]{0,8}",
        ) {
            let index = GlobIndex::new(globs.iter().enumerate().map(|(i, g)| (g.as_str(), i)));
            let met = candidates(&index, &path);
            prop_assert!(met.windows(2).all(|w| w[0] < w[1]), "once each");
            for (i, glob) in globs.iter().enumerate() {
                if glob_matches(glob, &path) {
                    prop_assert!(met.contains(&i), "{glob} matches {path} and is not met");
                }
            }
        }
    }

    #[test]
    fn a_glob_is_kept_by_the_key_fewer_globs_share() {
        let globs = ["/etc/r/*-1.conf", "/etc/r/*-2.conf", "/etc/r/**", "/etc/*.conf", "/usr/*.conf"];
        let index = GlobIndex::new(globs.iter().enumerate().map(|(i, g)| (*g, i)));
        // The first two by their tails (their prefix is shared by three), `/etc/r/**` by its
        // prefix (no tail), the last two by their prefixes (their tail is shared by two).
        assert_eq!(candidates(&index, "/etc/r/a-1.conf"), [0, 2, 3]);
        assert_eq!(candidates(&index, "/etc/r/a-3.conf"), [2, 3]);
        assert_eq!(candidates(&index, "/etc/r"), [2, 3], "`/etc/r/**` matches the directory itself");
        assert_eq!(candidates(&index, "/usr/x.conf"), [4]);
    }

    /// `n` globs that share their prefix and differ after a wildcard, and `n` paths each
    /// matching one: keyed by prefix alone, every path met every glob.
    #[test]
    fn globs_that_differ_after_a_wildcard_are_met_linearly() {
        let time = |n: usize| {
            let globs: Vec<String> = (0..n).map(|i| format!("/etc/r/*-{i}.conf")).collect();
            let index = GlobIndex::new(globs.iter().enumerate().map(|(i, g)| (g.as_str(), i)));
            let paths: Vec<String> = (0..n).map(|i| format!("/etc/r/a-{i}.conf")).collect();
            let start = std::time::Instant::now();
            for (i, path) in paths.iter().enumerate() {
                assert_eq!(candidates(&index, path), [i], "only its own glob: {path}");
            }
            start.elapsed()
        };
        crate::testing::assert_linear("globs that differ after a wildcard", |scale| time(1_000 * scale));
    }
}
