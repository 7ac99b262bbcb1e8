//! The indexes that keep Ignition's keyed-list merge linear: a later entry finds the earlier
//! entry with its key by a hash look-up, where a scan of the list made merging n entries cost n².

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::ignition::types::Storage;
use crate::load::reader::Spanned;

/// The position of the first entry with each key in one list (a list taken whole from one
/// MachineConfig may repeat a key; the merge finds the first, as a scan from the start does).
#[derive(Debug)]
pub struct FirstPositions<K>(HashMap<K, usize>);

impl<K: Hash + Eq> FirstPositions<K> {
    /// The index of a list whose keys are `keys`, in order.
    pub fn of(keys: impl Iterator<Item = K>) -> Self {
        let mut positions = HashMap::new();
        for (i, key) in keys.enumerate() {
            positions.entry(key).or_insert(i);
        }
        FirstPositions(positions)
    }

    /// The position of the entry with `key`; or, when there is none, `None` after recording
    /// that the caller appends it at `next` (the list's length).
    pub fn get_or_append(&mut self, key: K, next: usize) -> Option<usize> {
        match self.0.entry(key) {
            std::collections::hash_map::Entry::Occupied(entry) => Some(*entry.get()),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(next);
                None
            }
        }
    }
}

/// A string list keyed by value: earlier entries keep their order, new ones are appended.
/// `seen` holds the values of `parent` and is kept so.
pub fn union(parent: &mut Vec<Spanned<String>>, seen: &mut HashSet<String>, child: &[Spanned<String>]) {
    for item in child {
        if !seen.contains(&item.value) {
            seen.insert(item.value.clone());
            parent.push(item.clone());
        }
    }
}

/// Positions of storage entries removed from the merged config, dropped from their lists in one
/// pass at the end of the merge.
#[derive(Debug, Default)]
pub struct Removed {
    pub files: HashSet<usize>,
    pub directories: HashSet<usize>,
    pub links: HashSet<usize>,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.directories.is_empty() && self.links.is_empty()
    }

    /// Drops the removed entries, the others keeping their order.
    pub fn apply(&self, storage: &mut Storage) {
        drop_positions(&mut storage.files, &self.files);
        drop_positions(&mut storage.directories, &self.directories);
        drop_positions(&mut storage.links, &self.links);
    }
}

fn drop_positions<T>(list: &mut Vec<T>, removed: &HashSet<usize>) {
    let mut position = 0;
    list.retain(|_| {
        let keep = !removed.contains(&position);
        position += 1;
        keep
    });
}
