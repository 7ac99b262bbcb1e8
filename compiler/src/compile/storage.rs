//! The rendered config's storage entries and units by path or name, and the owners mcc can
//! resolve to numbers when it builds the image.

use mcc_contract::OwnerId;

use crate::ignition::types::{Directory, File, Ignition, Link, Owner as IgnOwner, Unit};
use crate::render::RenderedPool;
use crate::render::index::EntryIndex;

/// A numeric owner, when mcc knows it at build time: an id, `root`, or unset (root).
pub fn resolve_owner(owner: &IgnOwner) -> Option<u32> {
    match (&owner.id, &owner.name) {
        (Some(_), _) => owner.valid_id().map(OwnerId::get),
        (None, Some(name)) => matches!(name.value.as_str(), "root" | "").then_some(0),
        (None, None) => Some(0),
    }
}

/// The rendered config's storage entries and units, looked up through the pool's entry index
/// (made once when the pool was rendered), so compile never scans or re-indexes the lists.
pub(super) struct Storage<'a> {
    config: &'a Ignition,
    index: &'a EntryIndex,
}

impl<'a> Storage<'a> {
    pub(super) fn of(pool: &'a RenderedPool) -> Self {
        Storage { config: &pool.config, index: &pool.index }
    }

    pub(super) fn file(&self, path: &str) -> Option<&'a File> {
        self.index.file_position(path).map(|i| &*self.config.storage.files[i])
    }

    pub(super) fn directory(&self, path: &str) -> Option<&'a Directory> {
        self.index.directory_position(path).map(|i| &*self.config.storage.directories[i])
    }

    pub(super) fn link(&self, path: &str) -> Option<&'a Link> {
        self.index.link_position(path).map(|i| &*self.config.storage.links[i])
    }

    pub(super) fn unit(&self, name: &str) -> Option<&'a Unit> {
        self.index.unit_position(name).map(|i| &*self.config.systemd.units[i])
    }

    pub(super) fn owners(&self, path: &str) -> Option<(&'a IgnOwner, &'a IgnOwner)> {
        let node = self
            .file(path)
            .map(|f| &f.node)
            .or_else(|| self.directory(path).map(|d| &d.node))
            .or_else(|| self.link(path).map(|l| &l.node))?;
        Some((&node.user, &node.group))
    }
}
