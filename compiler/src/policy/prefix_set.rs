//! Positions by the literal prefix of a glob (its bytes before the first wildcard), for finding
//! the rules or lints whose glob may match a path without testing them all; or by a literal
//! tail, read backwards ([`PrefixSet::insert_reversed`], [`PrefixSet::ending`]).
//!
//! A glob matches a path only when the path starts with its literal prefix, or, for `dir/**`,
//! when the path is that prefix without its last `/` ([`crate::glob::glob_matches`] walks the
//! literal part first). So a path meets the prefixes that start it, and the one that is the path
//! and a `/`: those are found by the hash of each of the path's prefixes, of the lengths some
//! prefix has, computed as the path is walked once. Time is in the path's length and what it
//! meets, however many globs share a directory (keying them by their directory made a site's
//! thousands of `place /etc/r/<i>.conf` rules one key, tested against every file of `/etc/r`),
//! and room in the number of globs, however long their prefixes (a trie took a node a byte: a
//! policy file of long literal paths held tens of times its size).
//!
//! A hash is a position's key and is never compared with the text: two prefixes of one length
//! and one hash (a polynomial hash modulo 2⁶¹ − 1 with a base drawn per process, so inputs
//! cannot aim at one) only make a rule a candidate it is not; every candidate is still tested
//! by its glob, so what matches, and in which order, never depends on the hash.

use std::collections::BTreeSet;
use std::hash::BuildHasher;

use crate::hash::HashMap;

/// The modulus of the prefix hashes: a Mersenne prime, so a product reduces with shifts.
const MODULUS: u64 = (1 << 61) - 1;

/// Positions by the length and hash of their prefix.
#[derive(Debug, Clone)]
pub struct PrefixSet {
    /// The positions of each prefix, in the order they were inserted.
    by_prefix: HashMap<(usize, u64), Vec<usize>>,
    /// The lengths some prefix has.
    lengths: BTreeSet<usize>,
    /// The polynomial hash's base.
    base: u64,
}

impl Default for PrefixSet {
    fn default() -> Self {
        // Any value in 2..MODULUS works; a per-process one keeps crafted collisions out of reach.
        let seed = crate::hash::HashSet::<u8>::default().hasher().hash_one(0u64);
        PrefixSet { by_prefix: HashMap::default(), lengths: BTreeSet::new(), base: 2 + seed % (MODULUS - 2) }
    }
}

impl PrefixSet {
    pub fn insert(&mut self, prefix: &[u8], position: usize) {
        let hash = prefix.iter().fold(0, |hash, &byte| self.step(hash, byte));
        self.by_prefix.entry((prefix.len(), hash)).or_default().push(position);
        self.lengths.insert(prefix.len());
    }

    /// Adds the positions of every prefix that starts `path`, and of `path` followed by `/`.
    pub fn met_by(&self, path: &[u8], found: &mut Vec<usize>) {
        let mut add = |length: usize, hash: u64| {
            if let Some(positions) = self.by_prefix.get(&(length, hash)) {
                found.extend_from_slice(positions);
            }
        };
        let mut hash = 0;
        let mut walked = 0;
        for &length in self.lengths.range(..=path.len() + 1) {
            while walked < length.min(path.len()) {
                hash = self.step(hash, path[walked]);
                walked += 1;
            }
            if length <= path.len() {
                add(length, hash);
            } else {
                add(length, self.step(hash, b'/'));
            }
        }
    }

    /// Adds `key` read from its last byte to its first: a key of [`PrefixSet::ending`]. A set
    /// holds keys of one direction only.
    pub fn insert_reversed(&mut self, key: &[u8], position: usize) {
        let hash = key.iter().rev().fold(0, |hash, &byte| self.step(hash, byte));
        self.by_prefix.entry((key.len(), hash)).or_default().push(position);
        self.lengths.insert(key.len());
    }

    /// Adds the positions of every key (inserted with [`PrefixSet::insert_reversed`]) that ends
    /// `path`: the path walked once from its end.
    pub fn ending(&self, path: &[u8], found: &mut Vec<usize>) {
        let mut hash = 0;
        let mut walked = 0;
        for &length in self.lengths.range(..=path.len()) {
            while walked < length {
                hash = self.step(hash, path[path.len() - 1 - walked]);
                walked += 1;
            }
            if let Some(positions) = self.by_prefix.get(&(length, hash)) {
                found.extend_from_slice(positions);
            }
        }
    }

    /// The hash of a prefix one byte longer.
    fn step(&self, hash: u64, byte: u8) -> u64 {
        // Below 2¹²² + 2⁹; folding 2⁶¹ ≡ 1 twice leaves at most the modulus itself.
        let product = u128::from(hash) * u128::from(self.base) + u128::from(byte) + 1;
        let folded = (product & u128::from(MODULUS)) + (product >> 61);
        let folded = u64::try_from(folded).expect("below 2⁶²");
        let folded = (folded & MODULUS) + (folded >> 61);
        if folded >= MODULUS { folded - MODULUS } else { folded }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Exactly the prefixes that start the path, and the path and a `/`, are met (a
        /// collision of the hash is possible in principle, not with these sizes).
        #[test]
        fn the_prefixes_of_the_path_are_met(
            prefixes in proptest::collection::vec("[ab/]{0,6}", 0..12),
            path in "[ab/]{0,8}",
        ) {
            let mut set = PrefixSet::default();
            for (position, prefix) in prefixes.iter().enumerate() {
                set.insert(prefix.as_bytes(), position);
            }
            let mut found = Vec::new();
            set.met_by(path.as_bytes(), &mut found);
            found.sort_unstable();
            let slashed = format!("{path}/");
            let expected: Vec<usize> = (0..prefixes.len())
                .filter(|&i| path.starts_with(prefixes[i].as_str()) || prefixes[i] == slashed)
                .collect();
            prop_assert_eq!(found, expected);
        }
    }

    proptest! {
        /// Exactly the keys that end the path are met.
        #[test]
        fn the_keys_that_end_the_path_are_met(
            keys in proptest::collection::vec("[ab/]{0,6}", 0..12),
            path in "[ab/]{0,8}",
        ) {
            let mut set = PrefixSet::default();
            for (position, key) in keys.iter().enumerate() {
                set.insert_reversed(key.as_bytes(), position);
            }
            let mut found = Vec::new();
            set.ending(path.as_bytes(), &mut found);
            found.sort_unstable();
            let expected: Vec<usize> = (0..keys.len()).filter(|&i| path.ends_with(keys[i].as_str())).collect();
            prop_assert_eq!(found, expected);
        }
    }

    #[test]
    fn the_hash_reduces_modulo_the_prime() {
        let set = PrefixSet { base: MODULUS - 1, ..PrefixSet::default() };
        let mut hash = MODULUS - 1;
        for byte in [0, 255, 7, b'/'] {
            let expected = u64::try_from(
                (u128::from(hash) * u128::from(MODULUS - 1) + u128::from(byte) + 1) % u128::from(MODULUS),
            )
            .unwrap();
            hash = set.step(hash, byte);
            assert_eq!(hash, expected);
        }
    }
}
