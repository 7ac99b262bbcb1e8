//! The dry run's picture of the tree: what the earlier steps would have made, changed or removed,
//! held in memory and consulted before the real tree, so that each step of a dry run finds the
//! tree the real run would give it (a unit file written by step 3 is there for step 7's enable; a
//! directory made once is not made again). Nothing here writes.
//!
//! Paths are in-root and resolved (the parent directories walked, symlinks followed), as
//! [`Resolved::path`](super::resolve::Resolved::path) gives them in a real run.

use std::collections::BTreeMap;

/// What an earlier step of the dry run left at a path.
#[derive(Debug, Clone)]
pub(super) enum Entry {
    /// Removed.
    Absent,
    /// Written, or hard-linked: `identity` tells hard links to one file apart from copies.
    File {
        bytes: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
        identity: Identity,
    },
    /// Created (`made`: the real tree has nothing beneath it) or given a new mode or owner.
    Dir {
        mode: u32,
        uid: u32,
        gid: u32,
        made: bool,
    },
    Link {
        target: String,
        uid: u32,
        gid: u32,
    },
}

/// Which file a regular file is, as `(st_dev, st_ino)` tells it: a file of the real tree, or one
/// the dry run wrote (numbered in the order written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Identity {
    Real(u64, u64),
    Written(u64),
}

/// What is at a path, whichever tree holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    File {
        mode: u32,
        uid: u32,
        gid: u32,
        size: u64,
    },
    Dir {
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Link {
        target: String,
        uid: u32,
        gid: u32,
    },
    /// A FIFO, socket or device.
    Special {
        mode: u32,
    },
}

impl Entry {
    /// The node this entry shows; `None` when removed.
    pub(super) fn node(&self) -> Option<Node> {
        match self {
            Entry::Absent => None,
            Entry::File { bytes, mode, uid, gid, .. } => {
                Some(Node::File { mode: *mode, uid: *uid, gid: *gid, size: bytes.len() as u64 })
            }
            Entry::Dir { mode, uid, gid, .. } => Some(Node::Dir { mode: *mode, uid: *uid, gid: *gid }),
            Entry::Link { target, uid, gid } => Some(Node::Link { target: target.clone(), uid: *uid, gid: *gid }),
        }
    }
}

/// The changes of a dry run so far, by path.
#[derive(Debug, Default)]
pub(super) struct Overlay {
    entries: BTreeMap<String, Entry>,
    written: u64,
}

/// The prefix every path beneath the directory `dir` starts with.
fn beneath(dir: &str) -> String {
    if dir == "/" { "/".to_string() } else { format!("{dir}/") }
}

impl Overlay {
    pub(super) fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// Records what a step leaves at `path`. A removal or a new directory hides whatever the
    /// overlay held beneath that path before.
    pub(super) fn put(&mut self, path: &str, entry: Entry) {
        if matches!(entry, Entry::Absent | Entry::Dir { made: true, .. }) {
            let prefix = beneath(path);
            let stale: Vec<String> = self
                .entries
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, _)| p.clone())
                .collect();
            for path in stale {
                self.entries.remove(&path);
            }
        }
        self.entries.insert(path.to_string(), entry);
    }

    /// A new identity for a file the dry run writes.
    pub(super) fn new_identity(&mut self) -> Identity {
        self.written += 1;
        Identity::Written(self.written)
    }

    /// Whether the real tree's entry at `path` is out of sight: an ancestor was removed, made by
    /// the dry run, or replaced by something that is not a directory.
    pub(super) fn hides(&self, path: &str) -> bool {
        let mut end = 0;
        while let Some(next) = path[end + 1..].find('/') {
            end += next + 1;
            match self.entries.get(&path[..end]) {
                None | Some(Entry::Dir { made: false, .. }) => {}
                Some(_) => return true,
            }
        }
        false
    }

    /// Whether the real tree's entries in the directory `dir` are out of sight (`dir` removed or
    /// made by the dry run, or an ancestor so).
    pub(super) fn hides_entries_of(&self, dir: &str) -> bool {
        self.hides(&format!("{}x", beneath(dir)))
    }

    /// The entries the overlay holds directly in the directory `dir`, by name.
    pub(super) fn children(&self, dir: &str) -> Vec<(String, &Entry)> {
        let prefix = beneath(dir);
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, e)| {
                let name = &p[prefix.len()..];
                (!name.contains('/')).then(|| (name.to_string(), e))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(made: bool) -> Entry {
        Entry::Dir { mode: 0o755, uid: 0, gid: 0, made }
    }

    #[test]
    fn removed_and_made_directories_hide_what_was_beneath() {
        let mut overlay = Overlay::default();
        overlay.put("/etc/app", dir(false));
        assert!(!overlay.hides("/etc/app/x"), "a directory given a new mode keeps its real entries");
        overlay.put("/etc/app/x", Entry::Link { target: "y".into(), uid: 0, gid: 0 });
        overlay.put("/etc/app-b", dir(true));
        assert_eq!(overlay.children("/etc").iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["app", "app-b"]);
        overlay.put("/etc/app", Entry::Absent);
        assert!(overlay.hides("/etc/app/x"));
        assert!(overlay.get("/etc/app/x").is_none(), "what the overlay held beneath is gone");
        overlay.put("/etc/app", dir(true));
        assert!(overlay.hides("/etc/app/x") && overlay.children("/etc/app").is_empty());
        assert!(overlay.get("/etc/app-b").is_some(), "a sibling sharing the prefix is kept");
    }
}
