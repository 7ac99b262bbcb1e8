//! A file's contents decoded once, when its MachineConfig is read, and the run's budget for the
//! bytes that decoding may produce.
//!
//! Ignition validation has to decode every data URL anyway (to point at a bad character, to
//! decompress and to check the hash), so it keeps what it decoded in the [`Resource`]: the
//! rendered pools clone resources, not bytes, and the checks, lints, plan and compile read the
//! same shared bytes instead of decoding each URL again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::hash::HashSet;
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

/// [`bytes`], shared rather than borrowed: the same allocation validation made (a plan's and
/// compile's copies of every file were most of their memory traffic).
pub fn shared(resource: &Resource) -> Option<Arc<[u8]>> {
    if resource.source.is_none() {
        return Some(Arc::from(&[][..]));
    }
    match &resource.decoded {
        Decoded::Bytes(bytes) => Some(Arc::clone(bytes)),
        Decoded::Unknown | Decoded::Failed(_) | Decoded::OverBudget => None,
    }
}

/// The default total of decoded and decompressed data-URL bytes one run holds: far beyond any
/// real fleet (the API server caps an object near 1.5 MiB), small enough to fit in memory.
pub const DEFAULT_BUDGET: u64 = 1 << 30;

/// How many more decoded bytes the run may hold, across every data URL of every input, and the
/// distinct contents it holds (shared by the run's budget and every speculative one).
///
/// A budget is either the run's own, counted in input order, or a file's speculative one
/// ([`DecodeBudget::speculative`]): files are modelled on every core ahead of their turn, each
/// decode reserving its bytes from a pool shared by the run (so memory stays bounded by the
/// budget), and noting how much of the run's budget its outcome needs; in input order, a file
/// whose needs the run's budget meets keeps what it read ([`DecodeBudget::accepts`]), any other
/// is read again with the run's budget, so the outcome is that of reading in input order.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    total: u64,
    remaining: u64,
    spent: bool,
    /// Every distinct decoded contents of the run, once: the same file in many MachineConfigs
    /// (one per pool or role, copies in a fleet) is held once and shared, whichever core read it.
    held: Arc<Mutex<HashSet<Arc<[u8]>>>>,
    speculation: Option<Speculation>,
}

/// What a speculative budget tracks for its file.
#[derive(Clone, Debug)]
struct Speculation {
    /// What may still be reserved by every speculative read of the run.
    pool: Arc<AtomicU64>,
    /// The bytes this file decoded (and reserved from the pool).
    taken: u64,
    /// The least the run's budget must hold, before this file, for every decode of it to come out
    /// as it did.
    needs: u64,
    /// A decode met the pool's end: the file must be read again in its turn.
    failed: bool,
}

impl Default for DecodeBudget {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET)
    }
}

impl DecodeBudget {
    pub fn new(total: u64) -> Self {
        DecodeBudget { total, remaining: total, spent: false, speculation: None, held: Arc::default() }
    }

    /// A shared pool for the speculative budgets of a run whose budget is `self`.
    pub fn speculation_pool(&self) -> Arc<AtomicU64> {
        Arc::new(AtomicU64::new(self.remaining))
    }

    /// A budget for reading one file ahead of its turn, reserving from `pool`.
    pub fn speculative(&self, pool: &Arc<AtomicU64>) -> DecodeBudget {
        let speculation = Speculation { pool: Arc::clone(pool), taken: 0, needs: 0, failed: false };
        DecodeBudget {
            total: self.total,
            remaining: u64::MAX,
            spent: false,
            speculation: Some(speculation),
            held: Arc::clone(&self.held),
        }
    }

    /// Whether what `file` (a speculative budget) read is what reading it now, in its turn,
    /// with this budget would read; if so, its bytes are counted here.
    pub fn accepts(&mut self, file: &DecodeBudget) -> bool {
        let Some(speculation) = &file.speculation else {
            return false;
        };
        if speculation.failed || self.spent || self.remaining < speculation.needs {
            // Its reservation is given back: the file is read again, with this budget.
            release(&speculation.pool, speculation.taken);
            return false;
        }
        self.remaining -= speculation.taken;
        true
    }

    /// The budget of the whole run, as it was given.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether a data URL already crossed the budget: no later one is decoded.
    pub fn spent(&self) -> bool {
        self.spent
    }

    /// The most bytes the next data URL may decode to, when a file alone allows `per_file`.
    pub fn limit(&self, per_file: usize) -> usize {
        let remaining = match &self.speculation {
            Some(speculation) => speculation.pool.load(Ordering::Relaxed),
            None => self.remaining,
        };
        per_file.min(usize::try_from(remaining).unwrap_or(usize::MAX))
    }

    /// Counts `len` decoded bytes against the budget.
    pub fn take(&mut self, len: usize) {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        match &mut self.speculation {
            Some(speculation) => {
                speculation.failed |= !reserve(&speculation.pool, len);
                speculation.taken = speculation.taken.saturating_add(len);
                speculation.needs = speculation.needs.max(speculation.taken);
            }
            None => self.remaining = self.remaining.saturating_sub(len),
        }
    }

    /// A decode failed with `limit` bytes allowed: in its turn, it fails alike if at least as
    /// many are allowed.
    pub fn require(&mut self, limit: usize) {
        if let Some(speculation) = &mut self.speculation {
            let limit = u64::try_from(limit).unwrap_or(u64::MAX);
            speculation.needs = speculation.needs.max(speculation.taken.saturating_add(limit));
        }
    }

    /// Decoded contents as the run holds them: shared with an earlier data URL's that are the
    /// same bytes. The budget counts each URL's bytes all the same, so what it allows does not
    /// depend on which contents repeat.
    pub fn hold(&mut self, bytes: Vec<u8>) -> Arc<[u8]> {
        // A poisoned lock only means another reader panicked; the set itself stays whole.
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(same) = held.get(bytes.as_slice()) {
            return Arc::clone(same);
        }
        let bytes: Arc<[u8]> = bytes.into();
        held.insert(Arc::clone(&bytes));
        bytes
    }

    /// The data URL being decoded would cross the budget: it and every later one stay undecoded.
    pub fn exhaust(&mut self) {
        match &mut self.speculation {
            // Perhaps only because other files reserved first: decided in the file's turn.
            Some(speculation) => speculation.failed = true,
            None => {
                self.remaining = 0;
                self.spent = true;
            }
        }
    }
}

/// Takes `len` bytes from `pool` if it holds them.
fn reserve(pool: &AtomicU64, len: u64) -> bool {
    pool.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(len)).is_ok()
}

fn release(pool: &AtomicU64, len: u64) {
    let _ = pool.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| Some(left.saturating_add(len)));
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
        assert_eq!(budget.limit(usize::MAX), 4, "both copies were counted");
    }
}
