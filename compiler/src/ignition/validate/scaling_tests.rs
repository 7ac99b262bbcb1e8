//! Validating one config must grow linearly with its entries: links, the entries written through
//! them, hard links to directories and a disk's partitions were each checked against every other
//! entry of their kind (`chainlinks` and `links` shapes: 20,000 links spent a third of `mcc check`
//! here). Timed on a config and on one four times its size in the same run.

use std::time::{Duration, Instant};

use crate::codes;
use crate::ignition::content::DecodeBudget;
use crate::ignition::types::Ignition;
use crate::load::yaml::parse_documents;
use crate::source::Sources;

/// A config of `count` directories, a hard link to each, a file through each link, and a disk of
/// `count` partitions whose numbers repeat once.
fn config(count: usize) -> String {
    let mut text = String::from("ignition: {version: 3.4.0}\nstorage:\n  directories:\n");
    text.extend((0..count).map(|i| format!("  - {{path: /etc/d{i}}}\n")));
    text.push_str("  links:\n");
    text.extend((0..count).map(|i| format!("  - {{path: /etc/l{i}, target: /etc/d{i}, hard: true}}\n")));
    text.push_str("  files:\n");
    text.extend((0..count).map(|i| format!("  - {{path: /etc/l{i}/f}}\n")));
    text.push_str("  disks:\n  - device: /dev/vda\n    partitions:\n");
    text.extend((0..count).map(|i| format!("    - {{number: {}}}\n", i % (count / 2) + 1)));
    text
}

/// The config as read, with the sources its spans point into.
fn read(text: &str) -> (Ignition, Sources) {
    let mut sources = Sources::default();
    let id = sources.add("config.yaml", text);
    let mut diagnostics = Vec::new();
    let documents = parse_documents(id, text, &mut diagnostics);
    let config = crate::ignition::read_config(&documents[0].root, &mut diagnostics).expect("a config");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    (config, sources)
}

/// One validation of a copy of `config`, with its diagnostics.
fn validate(config: &Ignition, sources: &Sources) -> (Duration, Vec<&'static str>) {
    let mut config = config.clone();
    let mut diagnostics = Vec::new();
    let start = Instant::now();
    super::validate(&mut config, sources, &mut DecodeBudget::default(), &mut diagnostics);
    (start.elapsed(), diagnostics.iter().map(|d| d.code.code).collect())
}

#[test]
fn links_and_partitions_are_validated_in_linear_time() {
    let configs = [read(&config(400)), read(&config(1_600))];
    let (_, found) = validate(&configs[1].0, &configs[1].1);
    let count = |code: &codes::CodeInfo| found.iter().filter(|&&c| c == code.code).count();
    assert_eq!(count(&codes::PATH_THROUGH_LINK), 1_600, "each file lies under its link");
    assert_eq!(count(&codes::HARD_LINK_TO_DIRECTORY), 1_600, "each link is a hard link to a directory");
    assert_eq!(count(&codes::STORAGE_ENTRY_INVALID), 800, "half the partition numbers collide");
    assert_eq!(found.len(), 4_000, "{found:?}");
    crate::testing::assert_linear("links and partitions validated", |scale| {
        let (config, sources) = &configs[usize::from(scale == 4)];
        validate(config, sources).0
    });
}
