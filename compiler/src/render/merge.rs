//! Ignition's config merge (`config/merge/merge.go`) as the MCO applies it between
//! MachineConfigs, recording which MachineConfig set which field of every entry.
//!
//! The rules: list entries are keyed (files, directories and links by path in one key space;
//! units and dropins by name; users and groups by name; SSH keys and other string lists by
//! value). A later entry with the same key in the same list is merged into the earlier one field
//! by field, a field the later one leaves out keeping its earlier value; with the same key in
//! another list (a file replacing a directory) the earlier entry is removed and the later one
//! appended. New keys are appended in order.

use std::sync::Arc;

use indexmap::IndexMap;

use super::index::EntryIndex;
use super::keyed::{FirstPositions, RawPositions, Removed, union};
use crate::hash::{HashMap, HashSet};
use crate::ignition::types::*;
use crate::load::reader::Spanned;
use crate::render::json_merge;
use crate::source::{SharedStr, Span};

/// Index of a MachineConfig in `Inputs::machine_configs`.
pub type McId = usize;

/// An entry of the rendered config, for provenance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKey {
    /// A file, directory or link. Shared with the pool's [`EntryIndex`].
    Path(Arc<str>),
    Unit(String),
    Dropin {
        unit: String,
        name: String,
    },
    User(String),
    Group(String),
}

/// One MachineConfig's definition of an entry: which fields it set, where.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub machine_config: McId,
    /// Shared with the pool graph's `Defines` edge of this definition.
    pub fields: Arc<[&'static str]>,
    /// The entry's path or name in that MachineConfig.
    pub span: Span,
}

/// Every definition of an entry, in merge (override) order; the last one to set a field wins it.
pub type Provenance = IndexMap<EntryKey, Vec<Definition>>;

pub struct Merger {
    pub config: Ignition,
    pub provenance: Provenance,
    /// Where each path and unit of `config` sits, so merging stays linear in the entries.
    index: EntryIndex,
    /// The positions of `config`'s users and groups by name, for the same reason.
    users: FirstPositions<String>,
    groups: FirstPositions<String>,
    /// The values in `config`'s kernel argument lists, so a union costs its new items only.
    should_exist: HashSet<String>,
    should_not_exist: HashSet<String>,
    /// The lists inside one entry, indexed the first time a later definition merges into that
    /// entry (most entries are defined once and never need it): SSH keys by user position,
    /// dropins by unit position (users and units are never removed), appended fragments by the
    /// file's path (dropped with the file when a path changes kind).
    ssh_keys: HashMap<usize, HashSet<String>>,
    dropins: HashMap<usize, FirstPositions<String>>,
    appends: HashMap<Arc<str>, FirstPositions<Option<SharedStr>>>,
    /// The JSON-kept storage lists by their key (`device` or `name`), kept as they grow.
    disks: RawPositions,
    filesystems: RawPositions,
    raid: RawPositions,
    luks: RawPositions,
    /// A file's HTTP headers by name, indexed like its appended fragments.
    http_headers: HashMap<Arc<str>, RawPositions>,
    /// Entries a same-path entry of another kind replaced: left in their lists (so positions in
    /// `index` stay right) until `finish` drops them all in one pass.
    removed: Removed,
}

impl Merger {
    pub fn new() -> Self {
        Merger {
            config: Ignition::default(),
            provenance: Provenance::new(),
            index: EntryIndex::default(),
            users: FirstPositions::default(),
            groups: FirstPositions::default(),
            should_exist: HashSet::default(),
            should_not_exist: HashSet::default(),
            ssh_keys: HashMap::default(),
            dropins: HashMap::default(),
            appends: HashMap::default(),
            disks: RawPositions::default(),
            filesystems: RawPositions::default(),
            raid: RawPositions::default(),
            luks: RawPositions::default(),
            http_headers: HashMap::default(),
            removed: Removed::default(),
        }
    }

    fn record(&mut self, key: EntryKey, mc: McId, fields: Vec<&'static str>, span: Span) {
        // Sized exactly (a pool holds a record for every entry, most of them defined once) and
        // shared with the pool graph's edge of the definition.
        let definition = Definition { machine_config: mc, fields: fields.into(), span };
        match self.provenance.entry(key) {
            indexmap::map::Entry::Occupied(entry) => entry.into_mut().push(definition),
            indexmap::map::Entry::Vacant(entry) => drop(entry.insert(vec![definition])),
        }
    }

    /// Merges one MachineConfig's config into the running result.
    pub fn merge(&mut self, mc: McId, child: &Ignition) {
        if child.version.is_some() {
            self.config.version = child.version.clone();
        }
        if let Some(extra) = &child.ignition_extra {
            let parent = self.config.ignition_extra.take().map(Arc::unwrap_or_clone);
            self.config.ignition_extra = Some(Arc::new(merge_json_object(parent, extra, "ignition")));
        }
        let kargs = &mut self.config.kernel_arguments;
        union(&mut kargs.should_exist, &mut self.should_exist, &child.kernel_arguments.should_exist);
        union(&mut kargs.should_not_exist, &mut self.should_not_exist, &child.kernel_arguments.should_not_exist);
        for file in &child.storage.files {
            self.merge_file(mc, file);
        }
        for directory in &child.storage.directories {
            self.merge_directory(mc, directory);
        }
        for link in &child.storage.links {
            self.merge_link(mc, link);
        }
        let storage = &mut self.config.storage;
        merge_raw(&mut storage.disks, &mut self.disks, &child.storage.disks, "device", "storage.disks");
        let filesystems = &child.storage.filesystems;
        merge_raw(&mut storage.filesystems, &mut self.filesystems, filesystems, "device", "storage.filesystems");
        merge_raw(&mut storage.raid, &mut self.raid, &child.storage.raid, "name", "storage.raid");
        merge_raw(&mut storage.luks, &mut self.luks, &child.storage.luks, "name", "storage.luks");
        for unit in &child.systemd.units {
            self.merge_unit(mc, unit);
        }
        for user in &child.passwd.users {
            self.merge_user(mc, user);
        }
        for group in &child.passwd.groups {
            self.merge_group(mc, group);
        }
    }

    /// Removes a same-path entry of another kind (a file replacing a directory, …): out of the
    /// index now, out of its list at `finish`. A list holds one live entry a path (a later
    /// entry at an indexed path merges into it), so that entry is all there is to remove.
    fn take_other_kinds(&mut self, path: &str, keep: NodeKind) {
        if keep != NodeKind::File
            && let Some(position) = self.index.remove_file(path)
        {
            self.removed.files.insert(position);
            self.appends.remove(path);
            self.http_headers.remove(path);
        }
        if keep != NodeKind::Directory
            && let Some(position) = self.index.remove_directory(path)
        {
            self.removed.directories.insert(position);
        }
        if keep != NodeKind::Link
            && let Some(position) = self.index.remove_link(path)
        {
            self.removed.links.insert(position);
        }
    }

    fn merge_file(&mut self, mc: McId, child: &Arc<File>) {
        let path: Arc<str> = Arc::from(child.node.path.value.as_str());
        self.take_other_kinds(&path, NodeKind::File);
        let mut fields = node_fields(&child.node);
        set(&mut fields, "mode", child.mode.is_some());
        set(&mut fields, "contents.source", child.contents.source.is_some());
        set(&mut fields, "contents.verification", child.contents.hash.is_some());
        set(&mut fields, "contents.httpHeaders", !child.contents.http_headers.is_empty());
        set(&mut fields, "append", !child.append.is_empty());
        // The MCO's compression reset (`ignitionMergeSetFilesDefaultCompression`): an incoming
        // file without `compression` clears an earlier `gzip`, so it counts as set.
        fields.push("contents.compression");
        let files = &mut self.config.storage.files;
        // A path that one MachineConfig alone defines keeps that MachineConfig's entry, shared;
        // the first change to a shared entry copies it (`make_mut`).
        match self.index.file_position(&path).map(|i| Arc::make_mut(&mut files[i])) {
            Some(parent) => {
                merge_node(&mut parent.node, &child.node);
                over(&mut parent.mode, &child.mode);
                over(&mut parent.contents.source, &child.contents.source);
                parent.contents.compression = child.contents.compression.clone();
                over(&mut parent.contents.hash, &child.contents.hash);
                if !child.contents.http_headers.is_empty() {
                    let headers = &mut parent.contents.http_headers;
                    let positions =
                        self.http_headers.entry(Arc::clone(&path)).or_insert_with(|| RawPositions::of(headers, "name"));
                    merge_raw(headers, positions, &child.contents.http_headers, "name", "httpHeaders");
                }
                if !child.append.is_empty() {
                    // Fragments are keyed by source (an absent source is a key too): the first
                    // fragment with the key is replaced, a new key appended.
                    let source = |a: &Resource| a.source.as_ref().map(|s| s.value.clone());
                    let positions = self
                        .appends
                        .entry(Arc::clone(&path))
                        .or_insert_with(|| FirstPositions::of(parent.append.iter().map(source)));
                    for fragment in &child.append {
                        match positions.get_or_append(source(fragment), parent.append.len()) {
                            Some(i) => parent.append[i] = fragment.clone(),
                            None => parent.append.push(fragment.clone()),
                        }
                    }
                }
            }
            None => {
                self.index.appended_file(&path, files.len());
                files.push(Arc::clone(child));
            }
        }
        self.record(EntryKey::Path(path), mc, fields, child.node.path.span);
    }

    fn merge_directory(&mut self, mc: McId, child: &Arc<Directory>) {
        let path: Arc<str> = Arc::from(child.node.path.value.as_str());
        self.take_other_kinds(&path, NodeKind::Directory);
        let mut fields = node_fields(&child.node);
        set(&mut fields, "mode", child.mode.is_some());
        let dirs = &mut self.config.storage.directories;
        match self.index.directory_position(&path).map(|i| Arc::make_mut(&mut dirs[i])) {
            Some(parent) => {
                merge_node(&mut parent.node, &child.node);
                over(&mut parent.mode, &child.mode);
            }
            None => {
                self.index.appended_directory(&path, dirs.len());
                dirs.push(Arc::clone(child));
            }
        }
        self.record(EntryKey::Path(path), mc, fields, child.node.path.span);
    }

    fn merge_link(&mut self, mc: McId, child: &Arc<Link>) {
        let path: Arc<str> = Arc::from(child.node.path.value.as_str());
        self.take_other_kinds(&path, NodeKind::Link);
        let mut fields = node_fields(&child.node);
        set(&mut fields, "target", child.target.is_some());
        set(&mut fields, "hard", child.hard.is_some());
        let links = &mut self.config.storage.links;
        match self.index.link_position(&path).map(|i| Arc::make_mut(&mut links[i])) {
            Some(parent) => {
                merge_node(&mut parent.node, &child.node);
                over(&mut parent.target, &child.target);
                over(&mut parent.hard, &child.hard);
            }
            None => {
                self.index.appended_link(&path, links.len());
                links.push(Arc::clone(child));
            }
        }
        self.record(EntryKey::Path(path), mc, fields, child.node.path.span);
    }

    fn merge_unit(&mut self, mc: McId, child: &Arc<Unit>) {
        let mut fields = Vec::new();
        set(&mut fields, "enabled", child.enabled.is_some());
        set(&mut fields, "mask", child.mask.is_some());
        set(&mut fields, "contents", child.contents.is_some());
        set(&mut fields, "dropins", !child.dropins.is_empty());
        let name = child.name.value.clone();
        let units = &mut self.config.systemd.units;
        match self.index.unit_position(&name) {
            Some(position) => {
                let parent = Arc::make_mut(&mut units[position]);
                over(&mut parent.enabled, &child.enabled);
                over(&mut parent.mask, &child.mask);
                over(&mut parent.contents, &child.contents);
                if !child.dropins.is_empty() {
                    // Dropins are keyed by name: the first with the name is merged into.
                    let positions = self
                        .dropins
                        .entry(position)
                        .or_insert_with(|| FirstPositions::of(parent.dropins.iter().map(|d| d.name.value.clone())));
                    for dropin in &child.dropins {
                        match positions.get_or_append(dropin.name.value.clone(), parent.dropins.len()) {
                            Some(i) => over(&mut parent.dropins[i].contents, &dropin.contents),
                            None => parent.dropins.push(dropin.clone()),
                        }
                    }
                }
            }
            None => {
                self.index.appended_unit(&name, units.len());
                units.push(Arc::clone(child));
            }
        }
        for dropin in &child.dropins {
            let key = EntryKey::Dropin { unit: name.clone(), name: dropin.name.value.clone() };
            let fields = if dropin.contents.is_some() { vec!["contents"] } else { Vec::new() };
            self.record(key, mc, fields, dropin.name.span);
        }
        self.record(EntryKey::Unit(name), mc, fields, child.name.span);
    }

    fn merge_user(&mut self, mc: McId, child: &User) {
        let mut fields = Vec::new();
        set(&mut fields, "passwordHash", child.password_hash.is_some());
        set(&mut fields, "sshAuthorizedKeys", !child.ssh_authorized_keys.is_empty());
        let name = child.name.value.clone();
        let users = &mut self.config.passwd.users;
        match self.users.get_or_append(name.clone(), users.len()) {
            Some(position) => {
                let parent = &mut users[position];
                over(&mut parent.password_hash, &child.password_hash);
                // SSH keys are a keyed string list: the union, earlier keys first.
                let keys = self
                    .ssh_keys
                    .entry(position)
                    .or_insert_with(|| parent.ssh_authorized_keys.iter().map(|k| k.value.clone()).collect());
                union(&mut parent.ssh_authorized_keys, keys, &child.ssh_authorized_keys);
                merge_fields(&mut parent.other, &child.other);
            }
            None => users.push(child.clone()),
        }
        self.record(EntryKey::User(name), mc, fields, child.name.span);
    }

    fn merge_group(&mut self, mc: McId, child: &Group) {
        let name = child.name.value.clone();
        let groups = &mut self.config.passwd.groups;
        match self.groups.get_or_append(name.clone(), groups.len()) {
            Some(position) => merge_fields(&mut groups[position].other, &child.other),
            None => groups.push(child.clone()),
        }
        self.record(EntryKey::Group(name), mc, Vec::new(), child.name.span);
    }

    /// The MCO's post-merge defaults: every file without `overwrite` gets `overwrite: true`
    /// (`MergeMachineConfigs`, `TestSetDefaultFileOverwrite`); an empty `compression` is unset.
    /// The rendered config, its provenance, and the index of its entries (kept up to date
    /// while merging, so it is not built again).
    pub fn finish(mut self) -> (Ignition, Provenance, EntryIndex) {
        if !self.removed.is_empty() {
            self.removed.apply(&mut self.config.storage);
            // Positions after a removed entry moved.
            self.index = EntryIndex::of(&self.config);
        }
        for file in &mut self.config.storage.files {
            let unset_overwrite = file.node.overwrite.is_none();
            let empty_compression = file.contents.compression.as_ref().is_some_and(|c| c.value.is_empty());
            // Only a file these defaults change is copied out of its MachineConfig.
            if unset_overwrite || empty_compression {
                let file = Arc::make_mut(file);
                if unset_overwrite {
                    file.node.overwrite = Some(Spanned::new(true, file.node.span));
                }
                if empty_compression {
                    file.contents.compression = None;
                }
            }
        }
        // The rendered config is always written as 3.5.0 (`InternalMCOIgnitionVersion`).
        self.config.version = None;
        // Every pool is kept to the end of the run: free what growing by doubling left over.
        let storage = &mut self.config.storage;
        storage.files.shrink_to_fit();
        storage.directories.shrink_to_fit();
        storage.links.shrink_to_fit();
        self.config.systemd.units.shrink_to_fit();
        self.config.passwd.users.shrink_to_fit();
        self.config.passwd.groups.shrink_to_fit();
        self.provenance.shrink_to_fit();
        (self.config, self.provenance, self.index)
    }
}

impl Default for Merger {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    File,
    Directory,
    Link,
}

fn set(fields: &mut Vec<&'static str>, name: &'static str, present: bool) {
    if present {
        fields.push(name);
    }
}

fn node_fields(node: &NodeCommon) -> Vec<&'static str> {
    let mut fields = Vec::new();
    set(&mut fields, "overwrite", node.overwrite.is_some());
    set(&mut fields, "user", node.user.is_set());
    set(&mut fields, "group", node.group.is_set());
    fields
}

/// A pointer field: the child's value when it sets one.
fn over<T: Clone>(parent: &mut Option<T>, child: &Option<T>) {
    if child.is_some() {
        parent.clone_from(child);
    }
}

fn merge_node(parent: &mut NodeCommon, child: &NodeCommon) {
    over(&mut parent.overwrite, &child.overwrite);
    // `user` and `group` are structs: merged field by field too, so an earlier `name` survives a
    // later `id` (and the result may then set both).
    over(&mut parent.user.id, &child.user.id);
    over(&mut parent.user.name, &child.user.name);
    over(&mut parent.group.id, &child.group.id);
    over(&mut parent.group.name, &child.group.name);
    parent.span = child.span;
    parent.path = child.path.clone();
}

/// A user's or group's other fields, merged as Ignition merges them (`groups` is a union).
fn merge_fields(parent: &mut IndexMap<String, Spanned<Json>>, child: &IndexMap<String, Spanned<Json>>) {
    for (key, value) in child {
        match parent.get_mut(key) {
            Some(existing) => {
                json_merge::merge(&mut existing.value, &value.value, &format!("passwd.users.{key}"));
                existing.span = value.span;
            }
            None => drop(parent.insert(key.clone(), value.clone())),
        }
    }
}

/// Sections mcc keeps as JSON (disks, RAID, …): keyed by `key`, merged as Ignition merges them.
/// `positions` indexes `parent` by `key` and is kept so.
fn merge_raw(
    parent: &mut Vec<Spanned<Json>>,
    positions: &mut RawPositions,
    child: &[Spanned<Json>],
    key: &str,
    path: &str,
) {
    for item in child {
        match positions.find_or_append(parent, key, item.value.get(key), parent.len()) {
            Some(i) => parent[i] = merge_json_object(Some(parent[i].clone()), item, path),
            None => parent.push(item.clone()),
        }
    }
}

fn merge_json_object(parent: Option<Spanned<Json>>, child: &Spanned<Json>, path: &str) -> Spanned<Json> {
    match parent {
        Some(mut parent) => {
            json_merge::merge(&mut parent.value, &child.value, path);
            Spanned::new(parent.value, child.span)
        }
        None => child.clone(),
    }
}
