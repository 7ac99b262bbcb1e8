//! One index of a rendered config's entries, by path and by unit name, made while merging and
//! kept in the [`RenderedPool`](super::RenderedPool), so every later stage finds an entry in
//! constant time instead of scanning the pool's lists.

use std::sync::Arc;

use crate::hash::HashMap;
use crate::ignition::types::{File, Ignition, NodeCommon, Unit};

/// Positions in the config's lists: `storage.files`, `.directories`, `.links` by path (one key
/// space: a path names one entry of one kind), `systemd.units` by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryIndex {
    /// Paths are shared with the provenance's keys.
    files: HashMap<Arc<str>, usize>,
    directories: HashMap<Arc<str>, usize>,
    links: HashMap<Arc<str>, usize>,
    units: HashMap<String, usize>,
}

impl EntryIndex {
    /// The index of a config as it stands.
    pub fn of(config: &Ignition) -> Self {
        let s = &config.storage;
        let paths =
            |paths: Vec<&String>| paths.into_iter().enumerate().map(|(i, p)| (Arc::from(p.as_str()), i)).collect();
        EntryIndex {
            files: paths(s.files.iter().map(|f| &f.node.path.value).collect()),
            directories: paths(s.directories.iter().map(|d| &d.node.path.value).collect()),
            links: paths(s.links.iter().map(|l| &l.node.path.value).collect()),
            units: config.systemd.units.iter().enumerate().map(|(i, u)| (u.name.value.clone(), i)).collect(),
        }
    }

    pub fn file_position(&self, path: &str) -> Option<usize> {
        self.files.get(path).copied()
    }

    pub fn directory_position(&self, path: &str) -> Option<usize> {
        self.directories.get(path).copied()
    }

    pub fn link_position(&self, path: &str) -> Option<usize> {
        self.links.get(path).copied()
    }

    pub fn unit_position(&self, name: &str) -> Option<usize> {
        self.units.get(name).copied()
    }

    /// Records an entry just appended to its list.
    pub fn appended_file(&mut self, path: &Arc<str>, position: usize) {
        self.files.insert(Arc::clone(path), position);
    }

    pub fn appended_directory(&mut self, path: &Arc<str>, position: usize) {
        self.directories.insert(Arc::clone(path), position);
    }

    pub fn appended_link(&mut self, path: &Arc<str>, position: usize) {
        self.links.insert(Arc::clone(path), position);
    }

    pub fn appended_unit(&mut self, name: &str, position: usize) {
        self.units.insert(name.to_string(), position);
    }

    /// Forgets the file at `path` (replaced by an entry of another kind), returning its position.
    pub fn remove_file(&mut self, path: &str) -> Option<usize> {
        self.files.remove(path)
    }

    pub fn remove_directory(&mut self, path: &str) -> Option<usize> {
        self.directories.remove(path)
    }

    pub fn remove_link(&mut self, path: &str) -> Option<usize> {
        self.links.remove(path)
    }

    /// The file at `path`, if the config has one.
    pub fn file<'c>(&self, config: &'c Ignition, path: &str) -> Option<&'c File> {
        self.file_position(path).map(|i| &*config.storage.files[i])
    }

    /// The file, directory or link at `path`.
    pub fn storage_node<'c>(&self, config: &'c Ignition, path: &str) -> Option<&'c NodeCommon> {
        let s = &config.storage;
        self.file_position(path)
            .map(|i| &s.files[i].node)
            .or_else(|| self.directory_position(path).map(|i| &s.directories[i].node))
            .or_else(|| self.link_position(path).map(|i| &s.links[i].node))
    }

    pub fn unit<'c>(&self, config: &'c Ignition, name: &str) -> Option<&'c Unit> {
        self.unit_position(name).map(|i| &*config.systemd.units[i])
    }
}
