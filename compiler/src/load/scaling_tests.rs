//! Parsing must grow linearly with the shapes a hostile file can take, timed on an input and on
//! one four times its size in the same run: a mapping of n keys (its duplicate keys were found
//! by scanning the keys before each: 80,000 keys took 7.9 s), with half of them duplicates
//! (each removal shifted the entries after it), and n anchors then n aliases to them (each
//! alias scanned the anchors).

use std::time::{Duration, Instant};

use crate::load::yaml::parse_documents;
use crate::source::Sources;

fn parse_time(text: &str) -> Duration {
    let id = Sources::default().add("scaling.yaml", text);
    let start = Instant::now();
    let mut diagnostics = Vec::new();
    std::hint::black_box(parse_documents(id, text, &mut diagnostics));
    start.elapsed()
}

fn wide_mapping(keys: usize, distinct: usize) -> String {
    (0..keys).map(|i| format!("k{}: v\n", i % distinct)).collect()
}

fn anchors_and_aliases(count: usize) -> String {
    let anchors: String = (0..count).map(|i| format!("- &a{i} v{i}\n")).collect();
    let aliases: String = (0..count).map(|i| format!("- *a{i}\n")).collect();
    anchors + &aliases
}

/// One test for every measurement, so that two measurements never run at once.
#[test]
fn wide_mappings_duplicate_keys_and_aliases_parse_in_linear_time() {
    let mappings = [wide_mapping(2_000, 2_000), wide_mapping(8_000, 8_000)];
    crate::testing::assert_linear("a mapping of n keys", |scale| parse_time(&mappings[usize::from(scale == 4)]));
    let duplicates = [wide_mapping(2_000, 1_000), wide_mapping(8_000, 4_000)];
    crate::testing::assert_linear("a mapping of n keys, half duplicates", |scale| {
        parse_time(&duplicates[usize::from(scale == 4)])
    });
    let aliases = [anchors_and_aliases(2_000), anchors_and_aliases(8_000)];
    crate::testing::assert_linear("n anchors and n aliases", |scale| parse_time(&aliases[usize::from(scale == 4)]));
}
