//! The rendered config's storage entries and units by path or name, and the owners mcc can
//! resolve to numbers when it builds the image.

use std::collections::HashMap;

use mcc_contract::OwnerId;

use crate::ignition::types::{Directory, File, Ignition, Link, Owner as IgnOwner, Unit};

/// A numeric owner, when mcc knows it at build time: an id, `root`, or unset (root).
pub fn resolve_owner(owner: &IgnOwner) -> Option<u32> {
    match (&owner.id, &owner.name) {
        (Some(_), _) => owner.valid_id().map(OwnerId::get),
        (None, Some(name)) => matches!(name.value.as_str(), "root" | "").then_some(0),
        (None, None) => Some(0),
    }
}

/// The rendered config's storage entries by path (the last one wins, as in Ignition).
pub(super) struct Storage<'a> {
    pub(super) files: HashMap<&'a str, &'a File>,
    pub(super) directories: HashMap<&'a str, &'a Directory>,
    pub(super) links: HashMap<&'a str, &'a Link>,
    pub(super) units: HashMap<&'a str, &'a Unit>,
}

impl<'a> Storage<'a> {
    pub(super) fn of(config: &'a Ignition) -> Self {
        let s = &config.storage;
        Storage {
            files: s.files.iter().map(|f| (f.node.path.value.as_str(), f)).collect(),
            directories: s.directories.iter().map(|d| (d.node.path.value.as_str(), d)).collect(),
            links: s.links.iter().map(|l| (l.node.path.value.as_str(), l)).collect(),
            units: config.systemd.units.iter().map(|u| (u.name.value.as_str(), u)).collect(),
        }
    }

    pub(super) fn owners(&self, path: &str) -> Option<(&'a IgnOwner, &'a IgnOwner)> {
        let node = self
            .files
            .get(path)
            .map(|f| &f.node)
            .or_else(|| self.directories.get(path).map(|d| &d.node))
            .or_else(|| self.links.get(path).map(|l| &l.node))?;
        Some((&node.user, &node.group))
    }
}
