//! `/etc` files the node itself writes after installation (`stdlib/node-written.txt`): a
//! MachineConfig that writes one competes with the node (MCC7004), and relocation never moves one.

use crate::glob::glob_matches;

const NODE_WRITTEN: &str = include_str!("../../../stdlib/node-written.txt");

/// Who writes `path` on the node, when the list names it.
pub fn writer(path: &str) -> Option<&'static str> {
    NODE_WRITTEN
        .lines()
        .filter_map(|line| {
            let line = line.split_once('#').map_or(line, |(before, _)| before).trim();
            (!line.is_empty()).then(|| line.split_once(char::is_whitespace).map_or((line, ""), |(p, w)| (p, w.trim())))
        })
        .find(|(pattern, _)| glob_matches(pattern, path))
        .map(|(_, writer)| writer)
}
