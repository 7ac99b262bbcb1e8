//! `/etc` files the node itself writes after installation (`stdlib/node-written.txt`): a
//! MachineConfig that writes one competes with the node (MCC7004), and relocation never moves one.

use std::sync::LazyLock;

use crate::glob::glob_matches;

const NODE_WRITTEN: &str = include_str!("../../../stdlib/node-written.txt");

/// The list's `(pattern, writer)` lines, read once: every path entry of every pool is looked up
/// (by classification, relocation and MCC7004), hundreds of thousands of times in a fleet.
static LIST: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| super::stdlib::list_entries(NODE_WRITTEN).collect());

/// Who writes `path` on the node, when the list names it.
pub fn writer(path: &str) -> Option<&'static str> {
    // Every pattern of the list is under /etc: most paths are told apart by that alone.
    if !path.starts_with("/etc/") {
        debug_assert!(LIST.iter().all(|(pattern, _)| pattern.starts_with("/etc/")));
        return None;
    }
    LIST.iter().find(|(pattern, _)| glob_matches(pattern, path)).map(|&(_, writer)| writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_is_under_etc() {
        // `writer` answers None for any other path without looking at the list.
        assert!(!LIST.is_empty());
        assert!(LIST.iter().all(|(pattern, _)| pattern.starts_with("/etc/")), "{:?}", *LIST);
    }

    #[test]
    fn writers_are_found_by_pattern() {
        assert!(writer("/etc/machine-id").is_some_and(|w| w.starts_with("systemd")));
        assert!(writer("/etc/lvm/archive/vg0_00001.vg").is_some_and(|w| w.contains("LVM")));
        assert_eq!(writer("/etc/machine-idx"), None);
        assert_eq!(writer("/var/lib/machine-id"), None);
    }
}
