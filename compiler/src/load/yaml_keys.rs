//! A mapping's entries as the builder takes them in, with Kubernetes' duplicate keys found in
//! time linear in the mapping's size.
//!
//! A key is looked up among the entries before it. Scanning them is quickest for the small
//! mappings of real objects, but a hostile mapping of n keys made it O(n²) (a 1 MB `labels:`
//! of 80,000 keys took 8 s, a 64 MiB input hours): from [`INDEXED_FROM`] entries on, keys are
//! looked up in a hash map (std's, whose random keys a hostile input cannot collide). An entry a
//! later duplicate replaces is marked, not removed (a removal shifts every entry after it), and
//! the marked entries are dropped once, when the mapping ends.

use crate::hash::HashMap;
use crate::load::node::Entry;

/// From this many entries on (marked ones included), keys are looked up in a hash map.
const INDEXED_FROM: usize = 16;

#[derive(Default)]
pub(super) struct MapEntries {
    entries: Vec<Entry>,
    /// Where each key's live entry is, once the mapping has [`INDEXED_FROM`] entries.
    index: Option<HashMap<String, usize>>,
    /// The positions of entries a later duplicate replaced.
    replaced: Vec<usize>,
}

impl MapEntries {
    /// Appends an entry. When its key is already there, the earlier entry is dropped (the later
    /// value is kept, as Kubernetes' decoders would if they accepted the document) and returned,
    /// for the duplicate-key diagnostic.
    pub(super) fn push(&mut self, entry: Entry) -> Option<&Entry> {
        let earlier = self.position(&entry.key);
        let at = self.entries.len();
        if let Some(earlier) = earlier {
            self.replaced.push(earlier);
        }
        if let Some(index) = &mut self.index {
            index.insert(entry.key.clone(), at);
        }
        self.entries.push(entry);
        if self.index.is_none() && self.entries.len() >= INDEXED_FROM {
            self.index = Some(self.live().map(|(i, e)| (e.key.clone(), i)).collect());
        }
        earlier.map(|i| &self.entries[i])
    }

    /// The entries in order, without those a later duplicate replaced.
    pub(super) fn finish(self) -> Vec<Entry> {
        if self.replaced.is_empty() {
            return self.entries;
        }
        let mut keep = vec![true; self.entries.len()];
        for &i in &self.replaced {
            keep[i] = false;
        }
        self.entries.into_iter().zip(keep).filter_map(|(entry, keep)| keep.then_some(entry)).collect()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.live().find(|(_, e)| e.key == key).map(|(i, _)| i),
        }
    }

    /// The entries no later duplicate replaced, with their positions.
    fn live(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries.iter().enumerate().filter(|(i, _)| !self.replaced.contains(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node::{Node, Value};
    use crate::source::{Sources, Span};

    fn entry(key: &str, at: usize) -> Entry {
        let span = Span::new(Sources::default().add("keys.yaml", ""), at, at + 1);
        Entry { key: key.to_string(), key_span: span, value: Node { span, value: Value::Str(at.to_string()) } }
    }

    /// What the builder did before: remove the earlier entry, append the later one.
    fn by_removal(keys: &[&str]) -> (Vec<(String, String)>, Vec<usize>) {
        let mut entries: Vec<Entry> = Vec::new();
        let mut duplicates = Vec::new();
        for (at, key) in keys.iter().enumerate() {
            if let Some(earlier) = entries.iter().position(|e| e.key == *key) {
                duplicates.push(entries.remove(earlier).key_span.start as usize);
            }
            entries.push(entry(key, at));
        }
        (entries.iter().map(|e| (e.key.clone(), e.value_text())).collect(), duplicates)
    }

    impl Entry {
        fn value_text(&self) -> String {
            self.value.as_str().unwrap_or_default().to_string()
        }
    }

    fn indexed(keys: &[&str]) -> (Vec<(String, String)>, Vec<usize>) {
        let mut map = MapEntries::default();
        let duplicates = keys
            .iter()
            .enumerate()
            .filter_map(|(at, key)| map.push(entry(key, at)).map(|first| first.key_span.start as usize))
            .collect();
        (map.finish().into_iter().map(|e| (e.key.clone(), e.value_text())).collect(), duplicates)
    }

    #[test]
    fn duplicates_keep_the_later_value_at_its_place_below_and_above_the_index() {
        let cases: Vec<Vec<String>> = vec![
            vec!["a", "b", "a", "c", "a"].into_iter().map(String::from).collect(),
            (0..40).map(|i| format!("k{}", i % 7)).collect(),
            (0..40).map(|i| format!("k{}", (i * 13) % 23)).collect(),
            (0..100).map(|i| format!("k{i}")).chain((0..100).rev().map(|i| format!("k{}", i % 30))).collect(),
            std::iter::repeat_n("same".to_string(), 50).collect(),
        ];
        for keys in cases {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            assert_eq!(indexed(&keys), by_removal(&keys), "{keys:?}");
        }
    }
}
