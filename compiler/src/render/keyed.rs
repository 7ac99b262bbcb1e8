//! The indexes that keep Ignition's keyed-list merge linear: a later entry finds the earlier
//! entry with its key by a hash look-up, where a scan of the list made merging n entries cost n².

use std::hash::Hash;

use crate::hash::{HashMap, HashSet};
use crate::ignition::types::{Json, Storage};
use crate::load::reader::Spanned;

/// The position of the first entry with each key in one list (a list taken whole from one
/// MachineConfig may repeat a key; the merge finds the first, as a scan from the start does).
#[derive(Debug)]
pub struct FirstPositions<K>(HashMap<K, usize>);

impl<K> Default for FirstPositions<K> {
    fn default() -> Self {
        FirstPositions(HashMap::default())
    }
}

impl<K: Hash + Eq> FirstPositions<K> {
    /// The index of a list whose keys are `keys`, in order.
    pub fn of(keys: impl Iterator<Item = K>) -> Self {
        let mut positions = HashMap::default();
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

/// The entries of a list Ignition keeps as JSON (disks and filesystems by `device`, RAID and
/// LUKS by `name`, a file's HTTP headers by `name`) by the value of their key field. A string
/// value is found by a hash look-up; any other value (which Ignition's validation refuses, but
/// the merge still meets) by comparing it with the entries whose value is not a string, as the
/// scan of the whole list did: JSON objects are equal whatever their keys' order, so they are
/// not hashed. An entry without the key field never matches.
#[derive(Debug, Default)]
pub struct RawPositions {
    strings: FirstPositions<String>,
    others: Vec<usize>,
}

impl RawPositions {
    /// The index of `list`, keyed by its entries' `key` field.
    pub fn of(list: &[Spanned<Json>], key: &str) -> Self {
        let mut positions = RawPositions::default();
        for (i, entry) in list.iter().enumerate() {
            positions.find_or_append(list, key, entry.value.get(key), i);
        }
        positions
    }

    /// The position of the first entry of `list` whose `key` field is `id`; or, when there is
    /// none, `None` after recording that the caller appends it at `next`.
    pub fn find_or_append(
        &mut self,
        list: &[Spanned<Json>],
        key: &str,
        id: Option<&Json>,
        next: usize,
    ) -> Option<usize> {
        match id? {
            Json::String(value) => self.strings.get_or_append(value.clone(), next),
            other => {
                let found = self.others.iter().copied().find(|&i| list[i].value.get(key) == Some(other));
                if found.is_none() {
                    self.others.push(next);
                }
                found
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
