//! Globs found by the literal part that tells them apart, for the layout's rules and the lints:
//! the globs a path meets are a superset of those that match it, each then tested as before.
//!
//! A glob's literal bytes must all be in a path it matches: it matches only when the path
//! starts with its literal prefix (its bytes before the first wildcard; or, for `dir/**`, is
//! that prefix without its last `/`), ends with its literal tail (its bytes after the last
//! wildcard; see [`crate::glob::glob_matches`]), and holds each literal run between two
//! wildcards somewhere. Each of these is a key a path can look up in the time of its length:
//! the prefixes and tails in a [`PrefixSet`], the runs between wildcards with Aho-Corasick.
//! Keyed by their prefixes alone, thousands of `/etc/r/*-<i>.conf` globs were one key that
//! every file of `/etc/r` met (8,000 lints over as many files: 1.9 s), and `/etc/**/d<i>/*`
//! one key every file of `/etc` met (10.8 s): so each glob is kept by the one of its keys
//! that the fewest globs share (on a tie, the prefix, then the tail, then the inner run: the
//! anchored keys are met by fewer paths). Which globs share a key is counted on the keys'
//! bytes, never on their hashes, so where a glob is kept does not depend on the process.
//!
//! Globs without a literal byte after their leading `/` (`/**`, `/*/*`) are kept by that `/`,
//! and every path meets them.

use aho_corasick::AhoCorasick;

use crate::hash::HashMap;
use crate::policy::prefix_set::PrefixSet;

/// Positions of globs, by their literal prefix, tail or inner run.
#[derive(Debug, Clone, Default)]
pub struct GlobIndex {
    prefixes: PrefixSet,
    /// Read backwards: [`PrefixSet::ending`].
    tails: PrefixSet,
    /// The inner runs a path holds, and the positions under each (by the automaton's pattern
    /// number); `None` when no glob is kept by one.
    inner: Option<(AhoCorasick, Vec<Vec<usize>>)>,
}

/// Where a glob is kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'g> {
    Prefix(&'g [u8]),
    Tail(&'g [u8]),
    Inner(&'g [u8]),
}

impl GlobIndex {
    /// Each glob (with its position) by its least shared key.
    pub fn new<'g>(globs: impl Iterator<Item = (&'g str, usize)>) -> Self {
        let globs: Vec<(Vec<Key<'g>>, usize)> = globs.map(|(glob, position)| (keys(glob), position)).collect();
        let mut sharing: HashMap<Key<'g>, usize> = HashMap::default();
        for key in globs.iter().flat_map(|(keys, _)| keys) {
            *sharing.entry(*key).or_default() += 1;
        }
        let mut index = GlobIndex::default();
        let (mut runs, mut kept_by_run) = (Vec::new(), Vec::new());
        for (keys, position) in globs {
            // The first key of the fewest sharers: `keys` lists the prefix, the tail, the run.
            match keys.iter().copied().min_by_key(|key| sharing[key]).expect("a glob has a prefix") {
                Key::Prefix(prefix) => index.prefixes.insert(prefix, position),
                Key::Tail(tail) => index.tails.insert_reversed(tail, position),
                Key::Inner(run) => {
                    runs.push(run);
                    kept_by_run.push((keys, position));
                }
            }
        }
        index.keep_by_runs(&runs, kept_by_run);
        index
    }

    /// Keeps the globs of `kept` (their keys and position) by their inner runs (`runs`, in the
    /// same order), or by their prefixes if the automaton cannot be built: its ids would run
    /// out (past 2³¹ states, far beyond what policy files hold), and a glob kept by its prefix
    /// is still met by every path it matches.
    fn keep_by_runs(&mut self, runs: &[&[u8]], kept: Vec<(Vec<Key<'_>>, usize)>) {
        if runs.is_empty() {
            return;
        }
        let mut numbers: HashMap<&[u8], usize> = HashMap::default();
        let mut distinct = Vec::new();
        let mut positions: Vec<Vec<usize>> = Vec::new();
        for (&run, (_, position)) in runs.iter().zip(&kept) {
            let number = *numbers.entry(run).or_insert_with(|| {
                distinct.push(run);
                positions.push(Vec::new());
                distinct.len() - 1
            });
            positions[number].push(*position);
        }
        match AhoCorasick::new(&distinct) {
            Ok(automaton) => self.inner = Some((automaton, positions)),
            Err(_) => {
                for (keys, position) in kept {
                    if let Some(Key::Prefix(prefix)) = keys.first() {
                        self.prefixes.insert(prefix, position);
                    }
                }
            }
        }
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
    /// it and a `/`), a tail that ends it, or an inner run it holds. A glob is kept under one
    /// key, and a run held twice is met once, so each glob is met once.
    pub fn met_by(&self, path: &[u8], found: &mut Vec<usize>) {
        self.prefixes.met_by(path, found);
        self.tails.ending(path, found);
        if let Some((automaton, positions)) = &self.inner {
            let mut held: Vec<usize> = automaton.find_overlapping_iter(path).map(|m| m.pattern().as_usize()).collect();
            held.sort_unstable();
            held.dedup();
            for number in held {
                found.extend_from_slice(&positions[number]);
            }
        }
    }
}

/// A glob's keys: its literal prefix; then, if it has a wildcard, its literal tail and its
/// longest inner run (the first of the longest), where they are not empty.
fn keys(glob: &str) -> Vec<Key<'_>> {
    let mut runs = glob.as_bytes().split(|&b| matches!(b, b'*' | b'?'));
    let prefix = runs.next().unwrap_or_default();
    let mut keys = vec![Key::Prefix(prefix)];
    let Some(tail) = runs.next_back() else { return keys };
    if !tail.is_empty() {
        keys.push(Key::Tail(tail));
    }
    let longest = runs.fold(&[][..], |longest: &[u8], run| if run.len() > longest.len() { run } else { longest });
    if !longest.is_empty() {
        keys.push(Key::Inner(longest));
    }
    keys
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
            globs in proptest::collection::vec(
                prop_oneof!["/?[ab/*?]{0,8}", "/[ab]/\\*[ab]{1,3}", "/[ab]/\\*\\*/[ab]{1,3}/\\*"],
                0..12,
            ),
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

    #[test]
    fn a_glob_is_kept_by_its_inner_run_where_fewer_globs_share_it() {
        let globs = ["/etc/**/d1/*", "/etc/**/d2/*", "/etc/**/d3/*", "/etc/*"];
        let index = GlobIndex::new(globs.iter().enumerate().map(|(i, g)| (*g, i)));
        // `/d1/` is in the path once and `/d1` twice: the glob is met once.
        assert_eq!(candidates(&index, "/etc/x/d1/d1/f"), [0, 3]);
        assert_eq!(candidates(&index, "/etc/x/d4/f"), [3]);
        assert_eq!(candidates(&index, "/usr/d2/f"), [1], "an inner run is met anywhere in the path");
    }

    /// `n` globs that share their prefix and differ after a wildcard, and `n` paths each
    /// matching one: keyed by prefix alone, every path met every glob.
    #[test]
    fn globs_that_differ_after_a_wildcard_are_met_linearly() {
        assert_each_path_meets_its_glob_linearly("after a wildcard", |i| {
            (format!("/etc/r/*-{i}.conf"), format!("/etc/r/a-{i}.conf"))
        });
    }

    /// Likewise globs that differ between two wildcards (8,000 lints: 10.8 s).
    #[test]
    fn globs_that_differ_between_wildcards_are_met_linearly() {
        assert_each_path_meets_its_glob_linearly("between wildcards", |i| {
            (format!("/etc/**/d{i}/*"), format!("/etc/x/d{i}/f"))
        });
    }

    /// `n` globs and paths, `shape(i)` the `i`th of each: each path meets its own glob alone,
    /// in time linear in `n`.
    fn assert_each_path_meets_its_glob_linearly(differing: &str, shape: fn(usize) -> (String, String)) {
        let time = |n: usize| {
            let (globs, paths): (Vec<String>, Vec<String>) = (0..n).map(shape).unzip();
            let index = GlobIndex::new(globs.iter().enumerate().map(|(i, g)| (g.as_str(), i)));
            let start = std::time::Instant::now();
            for (i, path) in paths.iter().enumerate() {
                assert_eq!(candidates(&index, path), [i], "only its own glob: {path}");
            }
            start.elapsed()
        };
        crate::testing::assert_linear(&format!("globs that differ {differing}"), |scale| time(1_000 * scale));
    }
}
