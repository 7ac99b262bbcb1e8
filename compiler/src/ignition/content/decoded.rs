//! A file's contents decoded once, when its MachineConfig is read, and the run's budget for the
//! bytes that decoding may produce.
//!
//! Ignition validation has to decode every data URL anyway (to point at a bad character, to
//! decompress and to check the hash), so it keeps what it decoded in the [`Resource`]: the
//! rendered pools clone resources, not bytes, and the checks, lints, plan and compile read the
//! same shared bytes instead of decoding each URL again.

use std::collections::HashSet;
use std::sync::Arc;

use crate::ignition::types::Resource;

/// What a `contents.source` (or an `append` fragment) holds once decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Decoded {
    /// Nothing was decoded: no source, a source that is not a data URL, or a resource that was
    /// never validated.
    #[default]
    Unknown,
    /// The data URL decoded (and decompressed): the bytes the node writes.
    Bytes(Arc<[u8]>),
    /// The data URL does not decode or decompress: why, as compile reports it.
    Failed(Arc<str>),
    /// Not decoded: the run's data-URL budget was spent before this one (MCC0019).
    OverBudget,
}

/// A file's contents as the node gets them: empty without a source; `None` for a remote source,
/// contents that do not decode, or contents left undecoded by the budget.
pub fn bytes(resource: &Resource) -> Option<&[u8]> {
    if resource.source.is_none() {
        return Some(&[]);
    }
    match &resource.decoded {
        Decoded::Bytes(bytes) => Some(bytes),
        Decoded::Unknown | Decoded::Failed(_) | Decoded::OverBudget => None,
    }
}

/// The default total of decoded and decompressed data-URL bytes one run holds: far beyond any
/// real fleet (the API server caps an object near 1.5 MiB), small enough to fit in memory.
pub const DEFAULT_BUDGET: u64 = 1 << 30;

/// How many more decoded bytes the run may hold, across every data URL of every input, and the
/// distinct contents it holds.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    total: u64,
    remaining: u64,
    spent: bool,
    /// Every distinct decoded contents of the run, once: the same file in many MachineConfigs
    /// (one per pool or role, copies in a fleet) is held once and shared.
    held: HashSet<Arc<[u8]>>,
}

impl Default for DecodeBudget {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET)
    }
}

impl DecodeBudget {
    pub fn new(total: u64) -> Self {
        DecodeBudget { total, remaining: total, spent: false, held: HashSet::new() }
    }

    /// The budget of the whole run, as it was given.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether a data URL already crossed the budget: no later one is decoded.
    pub fn spent(&self) -> bool {
        self.spent
    }

    /// The most bytes the next data URL may decode to.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Counts `len` decoded bytes against the budget.
    pub fn take(&mut self, len: usize) {
        self.remaining = self.remaining.saturating_sub(u64::try_from(len).unwrap_or(u64::MAX));
    }

    /// Decoded contents as the run holds them: shared with an earlier data URL's that are the
    /// same bytes. The budget counts each URL's bytes all the same, so what it allows does not
    /// depend on which contents repeat.
    pub fn hold(&mut self, bytes: Vec<u8>) -> Arc<[u8]> {
        if let Some(held) = self.held.get(bytes.as_slice()) {
            return Arc::clone(held);
        }
        let bytes: Arc<[u8]> = bytes.into();
        self.held.insert(Arc::clone(&bytes));
        bytes
    }

    /// The data URL being decoded would cross the budget: it and every later one stay undecoded.
    pub fn exhaust(&mut self) {
        self.remaining = 0;
        self.spent = true;
    }
}

/// A budget as people write it: `1 GiB`, `64 MiB`, `4 KiB`, or a number of bytes.
pub fn budget_size(bytes: u64) -> String {
    match bytes {
        0 => "0 bytes".to_string(),
        b if b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_contents_are_held_once_and_each_still_counts_against_the_budget() {
        let mut budget = DecodeBudget::new(10);
        let first = budget.hold(b"abc".to_vec());
        budget.take(first.len());
        let again = budget.hold(b"abc".to_vec());
        budget.take(again.len());
        let other = budget.hold(b"abd".to_vec());
        assert!(Arc::ptr_eq(&first, &again), "equal bytes are shared");
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!((&*again, &*other), (&b"abc"[..], &b"abd"[..]));
        assert_eq!(budget.remaining(), 4, "both copies were counted");
    }
}
