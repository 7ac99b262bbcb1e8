//! The compiler's hash maps and sets: std's, with foldhash's seeded hasher in place of SipHash.
//!
//! Every stage keys maps by paths, unit names and YAML keys, about a million look-ups for a
//! 10 MB fleet, and SipHash was 7% of a check's instructions (the content dedup of decoded data
//! URLs hashes whole files). foldhash (the hasher of `hashbrown`, already in the build) is several
//! times cheaper on short keys. Its `RandomState` draws a per-process seed, so hostile inputs
//! cannot aim keys at one bucket without knowing it, and nothing may depend on iteration order
//! (as with std's own random seed): outputs are sorted or follow the input's order.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::quality::RandomState>;
