//! Shadowed changes: a MachineConfig changes a file, directory, link, unit (a dropin included),
//! `kernelType` or `osImageURL` that a later MachineConfig in the merge also defines, so the
//! rendered config does not change and no node sees it. The plan lists such a change with the MachineConfig that wins,
//! and never counts it as a change to the nodes.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::hash::HashMap;
use crate::ignition::types::{Directory, File, Link, Unit};
use crate::model::MachineConfig;
use crate::plan::diff::{self, Diff};
use crate::plan::same::same;
use crate::plan::{Change, ChangeKind, Op, PoolState};

/// One MachineConfig's own definition of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnDefinition<'a> {
    pub machine_config: &'a str,
    pub kind: ChangeKind,
    pub entry: Entry<'a>,
}

/// A definition as the MachineConfig wrote it (borrowed from it): its JSON, as the MCO would
/// store it, is built only to compare two definitions whose values differ (most of a fleet's
/// are equal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry<'a> {
    File(&'a Arc<File>),
    Directory(&'a Arc<Directory>),
    Link(&'a Arc<Link>),
    Unit(&'a Arc<Unit>),
    /// `kernelType` or `osImageURL`.
    Field(&'a str),
}

impl Entry<'_> {
    /// The JSON the MCO would store (spans dropped).
    fn json(&self) -> Value {
        match *self {
            Entry::File(file) => diff::file_json(file),
            Entry::Directory(directory) => diff::directory_json(directory),
            Entry::Link(link) => diff::link_json(link),
            Entry::Unit(unit) => diff::unit_json(unit),
            Entry::Field(value) => Value::String(value.to_string()),
        }
    }

    /// Equal JSON, built only for definitions whose values differ.
    fn same(&self, other: &Entry<'_>) -> bool {
        match (*self, *other) {
            (Entry::File(a), Entry::File(b)) => same(a, b, diff::file_json),
            (Entry::Directory(a), Entry::Directory(b)) => same(a, b, diff::directory_json),
            (Entry::Link(a), Entry::Link(b)) => same(a, b, diff::link_json),
            (Entry::Unit(a), Entry::Unit(b)) => same(a, b, diff::unit_json),
            (Entry::Field(a), Entry::Field(b)) => a == b,
            // A path defined as another kind of entry: its JSON may still be equal (a file and
            // a directory with nothing but a path).
            (a, b) => a.json() == b.json(),
        }
    }
}

/// Every MachineConfig's own definition of each path, unit and overriding spec field, in merge
/// order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions<'a> {
    pub paths: IndexMap<&'a str, Vec<OwnDefinition<'a>>>,
    pub units: IndexMap<&'a str, Vec<OwnDefinition<'a>>>,
    /// `kernelType` (only a non-default type overrides) and `osImageURL` (only from a
    /// MachineConfig no controller generated, as the merge takes it).
    pub fields: IndexMap<&'a str, Vec<OwnDefinition<'a>>>,
}

impl<'a> Definitions<'a> {
    /// Adds one MachineConfig, merged after the ones added before.
    pub fn add(&mut self, mc: &'a MachineConfig) {
        let own = |kind, entry| OwnDefinition { machine_config: mc.name(), kind, entry };
        let spec = &mc.spec;
        if let Some(kernel_type) =
            spec.kernel_type.as_ref().filter(|k| matches!(k.value.as_str(), "realtime" | "64k-pages"))
        {
            let entry = own(ChangeKind::KernelType, Entry::Field(&kernel_type.value));
            self.fields.entry(ChangeKind::KernelType.name()).or_default().push(entry);
        }
        if let Some(url) = spec.os_image_url.as_ref().filter(|u| !u.value.is_empty() && !mc.is_generated()) {
            let entry = own(ChangeKind::OsImageUrl, Entry::Field(&url.value));
            self.fields.entry(ChangeKind::OsImageUrl.name()).or_default().push(entry);
        }
        let Some(config) = &spec.config else { return };
        let storage = &config.storage;
        for file in &storage.files {
            let entry = own(ChangeKind::File, Entry::File(file));
            self.paths.entry(&file.node.path.value).or_default().push(entry);
        }
        for directory in &storage.directories {
            let entry = own(ChangeKind::Directory, Entry::Directory(directory));
            self.paths.entry(&directory.node.path.value).or_default().push(entry);
        }
        for link in &storage.links {
            let entry = own(ChangeKind::Link, Entry::Link(link));
            self.paths.entry(&link.node.path.value).or_default().push(entry);
        }
        for unit in &config.systemd.units {
            let entry = own(ChangeKind::Unit, Entry::Unit(unit));
            self.units.entry(&unit.name.value).or_default().push(entry);
        }
    }
}

/// The shadowed changes between two of mcc's renderings: for every entry the rendered configs agree on,
/// each MachineConfig whose own definition of it was added, changed or removed, with the last
/// MachineConfig merged after it (the one that wins). Sorted by entry, then MachineConfig.
pub fn shadowed(old: &PoolState<'_>, new: &PoolState<'_>, d: &Diff) -> Vec<Change> {
    let mut out = Vec::new();
    // Only two renderings say which MachineConfig defined what.
    let (Some(old_definitions), Some(new_definitions)) = (&old.definitions, &new.definitions) else {
        return out;
    };
    let changed_paths: crate::hash::HashSet<&str> = d.files.iter().map(|(p, _, _)| p.as_str()).collect();
    let changed_units: crate::hash::HashSet<&str> = d.units.iter().map(|(u, _)| u.as_str()).collect();
    let changed_fields: crate::hash::HashSet<&str> =
        [(d.kernel_type, ChangeKind::KernelType.name()), (d.os_update, ChangeKind::OsImageUrl.name())]
            .into_iter()
            .filter_map(|(changed, name)| changed.then_some(name))
            .collect();
    let sides = [
        (&old_definitions.paths, &new_definitions.paths, &changed_paths),
        (&old_definitions.units, &new_definitions.units, &changed_units),
        (&old_definitions.fields, &new_definitions.fields, &changed_fields),
    ];
    for (old_entries, new_entries, changed) in sides {
        let mut names: Vec<&str> = old_entries.keys().chain(new_entries.keys()).copied().collect();
        names.sort_unstable();
        names.dedup();
        for name in names.into_iter().filter(|n| !changed.contains(n)) {
            let (before, after) = (definitions(old_entries, name), definitions(new_entries, name));
            out.extend(entry_changes(name, before, after));
        }
    }
    out
}

fn definitions<'s, 'a>(entries: &'s IndexMap<&'a str, Vec<OwnDefinition<'a>>>, name: &str) -> &'s [OwnDefinition<'a>] {
    entries.get(name).map_or(&[], Vec::as_slice)
}

fn first_positions<'a>(defs: &[OwnDefinition<'a>]) -> HashMap<&'a str, usize> {
    let mut at = HashMap::with_capacity_and_hasher(defs.len(), Default::default());
    for (i, d) in defs.iter().enumerate() {
        at.entry(d.machine_config).or_insert(i);
    }
    at
}

fn entry_changes(name: &str, before: &[OwnDefinition<'_>], after: &[OwnDefinition<'_>]) -> Vec<Change> {
    // Each MachineConfig's (first) definition on each side, looked up once: an entry that many
    // MachineConfigs define costs k log k, not k².
    let (was_at, is_at) = (first_positions(before), first_positions(after));
    let mut machine_configs: Vec<&str> = was_at.keys().chain(is_at.keys()).copied().collect();
    machine_configs.sort_unstable();
    machine_configs.dedup();
    let mut out = Vec::new();
    for mc in machine_configs {
        let (was, is) = (was_at.get(mc).copied(), is_at.get(mc).copied());
        let op = match (was, is) {
            (None, Some(_)) => Op::Add,
            (Some(_), None) => Op::Remove,
            (Some(w), Some(i)) if !before[w].entry.same(&after[i].entry) => Op::Change,
            _ => continue,
        };
        // The winner is the last definition merged after this one, on the side it is on.
        let (defs, at) = match is {
            Some(i) => (after, i),
            None => (before, was.unwrap_or_default()),
        };
        let Some(winner) = defs[at + 1..].last() else {
            continue;
        };
        out.push(Change {
            op,
            kind: defs[at].kind,
            name: name.to_string(),
            placement: crate::policy::placement::Placement::Image,
            actions: Vec::new(),
            rule: None,
            sources: vec![mc.to_string()],
            reason: None,
            shadowed_by: Some(winner.machine_config.to_string()),
            contents: None,
            relocation: None,
        });
    }
    out
}
