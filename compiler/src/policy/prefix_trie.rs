//! Positions by the literal prefix of a glob (its bytes before the first wildcard), for finding
//! the rules or lints whose glob may match a path without testing them all.
//!
//! A glob matches a path only when the path starts with its literal prefix, or, for `dir/**`,
//! when the path is that prefix without its last `/` ([`crate::glob::glob_matches`] walks the
//! literal part first). A path walks the trie byte by byte, meeting every prefix that starts it,
//! then the one that is the path and a `/`: time in the path's length and what it meets, however
//! many globs share a directory (keying them by their directory made a site's thousands of
//! `place /etc/r/<i>.conf` rules one key, tested against every file of `/etc/r`).

use crate::hash::HashMap;

/// Positions by a byte string, a trie: node 0 is the empty string.
#[derive(Debug)]
pub struct PrefixTrie {
    /// Each node's child by the next byte.
    children: HashMap<(usize, u8), usize>,
    /// The positions inserted at each node.
    positions: Vec<Vec<usize>>,
}

impl Default for PrefixTrie {
    fn default() -> Self {
        PrefixTrie { children: HashMap::default(), positions: vec![Vec::new()] }
    }
}

impl PrefixTrie {
    pub fn insert(&mut self, key: &[u8], position: usize) {
        let mut node = 0;
        for &byte in key {
            let next = self.positions.len();
            node = *self.children.entry((node, byte)).or_insert(next);
            if node == next {
                self.positions.push(Vec::new());
            }
        }
        self.positions[node].push(position);
    }

    /// Adds the positions of every key that starts `path`, and of `path` followed by `/`.
    pub fn met_by(&self, path: &[u8], found: &mut Vec<usize>) {
        let mut node = 0;
        found.extend_from_slice(&self.positions[node]);
        for &byte in path {
            match self.children.get(&(node, byte)) {
                Some(&child) => node = child,
                None => return,
            }
            found.extend_from_slice(&self.positions[node]);
        }
        if let Some(&slash) = self.children.get(&(node, b'/')) {
            found.extend_from_slice(&self.positions[slash]);
        }
    }
}
