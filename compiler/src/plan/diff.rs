//! The MCO's diff of two rendered configs (`spec/mco.md` §4.2, `newMachineConfigDiff`,
//! `CalculateConfigFileDiffs` and the changed-unit set).
//!
//! Values are compared as the MCO compares them: Go's `reflect.DeepEqual` over configs that went
//! through the JSON of a stored rendered MachineConfig, so spans never count, an omitted field
//! equals an empty one, and lists compare in order.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::ignition::types::{Directory, File, Ignition, Link, Passwd, Storage, Systemd, Unit};
use crate::plan::same::{SameValues, same};
use crate::plan::{ChangeKind, Op, PoolState};
use crate::render::emit;

/// What differs between two rendered configs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// `osImageURL` differs.
    pub os_update: bool,
    /// `kernelArguments` differ as ordered lists (nil and empty are equal).
    pub kargs: bool,
    /// `extensions` differ as ordered lists (nil and empty are equal).
    pub extensions: bool,
    pub fips: bool,
    /// The canonical kernel types differ.
    pub kernel_type: bool,
    /// The whole Ignition `passwd` differs (SSH keys, password hash, anything).
    pub passwd: bool,
    /// The changed-file set (`CalculateConfigFileDiffs`), with the directories and links that
    /// changed too, sorted by path (then kind). Only the `File` entries are what the MCO acts on.
    pub files: Vec<(String, Op, ChangeKind)>,
    /// The changed-unit set: units added, removed, or changed in anything (contents, `enabled`,
    /// `mask`, a dropin), sorted by name.
    pub units: Vec<(String, Op)>,
    /// `storage.files` differ, but only by order: no path is in the changed-file set.
    pub files_reordered_only: bool,
    /// `systemd.units` differ, but only by order.
    pub units_reordered_only: bool,
}

impl Diff {
    /// The MCO's `files` flag: `storage.files` differ at all.
    pub fn files_differ(&self) -> bool {
        self.files_reordered_only || self.files.iter().any(|(_, _, kind)| *kind == ChangeKind::File)
    }

    /// The MCO's `units` flag: `systemd.units` differ at all.
    pub fn units_differ(&self) -> bool {
        self.units_reordered_only || !self.units.is_empty()
    }
}

/// `newMachineConfigDiff` plus the changed-file and changed-unit sets.
pub fn diff(old: &PoolState, new: &PoolState) -> Diff {
    let lists_differ = |a: &[String], b: &[String]| !(a.is_empty() && b.is_empty()) && a != b;
    let (o, n): (&Ignition, &Ignition) = (&old.config, &new.config);
    let mut files = Vec::new();
    let (file_set, files_reordered_only) =
        keyed(&o.storage.files, &n.storage.files, |f| f.node.path.value.as_str(), file_json);
    files.extend(file_set.into_iter().map(|(p, op)| (p, op, ChangeKind::File)));
    let (dirs, _) =
        keyed(&o.storage.directories, &n.storage.directories, |d| d.node.path.value.as_str(), directory_json);
    files.extend(dirs.into_iter().map(|(p, op)| (p, op, ChangeKind::Directory)));
    let (links, _) = keyed(&o.storage.links, &n.storage.links, |l| l.node.path.value.as_str(), link_json);
    files.extend(links.into_iter().map(|(p, op)| (p, op, ChangeKind::Link)));
    files.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    let (units, units_reordered_only) = keyed(&o.systemd.units, &n.systemd.units, |u| u.name.value.as_str(), unit_json);
    Diff {
        os_update: old.os_image_url != new.os_image_url,
        kargs: lists_differ(&old.kernel_arguments, &new.kernel_arguments),
        extensions: lists_differ(&old.extensions, &new.extensions),
        fips: old.fips != new.fips,
        kernel_type: canonical_kernel_type(&old.kernel_type) != canonical_kernel_type(&new.kernel_type),
        passwd: !same(&o.passwd, &n.passwd, passwd_json),
        files,
        units,
        files_reordered_only,
        units_reordered_only,
    }
}

/// `CanonicalizeKernelType`: anything but `realtime` and `64k-pages` is `default`.
pub fn canonical_kernel_type(kernel_type: &str) -> &str {
    match kernel_type {
        "realtime" | "64k-pages" => kernel_type,
        _ => "default",
    }
}

/// The changed keys of two keyed lists (removed, added, or different), sorted by key; and
/// whether the lists differ only by order.
fn keyed<T: SameValues>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> &str,
    json: impl Fn(&T) -> Value + Copy,
) -> (Vec<(String, Op)>, bool) {
    // Later entries win on a repeated key, as in the MCO's map.
    // Entries by key, their JSON built only for the keys whose entries' values differ.
    let old_map: IndexMap<&str, &T> = old.iter().map(|i| (key(i), i)).collect();
    let new_map: IndexMap<&str, &T> = new.iter().map(|i| (key(i), i)).collect();
    let mut changed: Vec<(String, Op)> = Vec::new();
    for k in old_map.keys() {
        if !new_map.contains_key(k) {
            changed.push(((*k).to_string(), Op::Remove));
        }
    }
    for (k, v) in &new_map {
        match old_map.get(k) {
            None => changed.push(((*k).to_string(), Op::Add)),
            Some(old) if !same(*old, *v, json) => changed.push(((*k).to_string(), Op::Change)),
            Some(_) => {}
        }
    }
    changed.sort();
    let lists_differ = old.len() != new.len() || old.iter().zip(new).any(|(a, b)| !same(a, b, json));
    let reordered_only = changed.is_empty() && lists_differ;
    (changed, reordered_only)
}

/// The JSON the MCO stores for a config, with every empty value dropped (Go's `omitempty`
/// round trip): equal JSON is `reflect.DeepEqual` after the round trip.
pub fn config_json(config: &Ignition) -> Value {
    normalize(emit::ignition(config))
}

/// The JSON of one entry: a config holding only it, then the entry picked out.
fn one(push: impl FnOnce(&mut Ignition), pick: &[&str]) -> Value {
    let mut config = Ignition::default();
    push(&mut config);
    let mut value = config_json(&config);
    for key in pick {
        // Taken out, not cloned: the rest of the config is dropped.
        value = value.get_mut(*key).map_or(Value::Null, Value::take);
    }
    value
}

pub fn file_json(file: &Arc<File>) -> Value {
    one(|c| c.storage.files.push(Arc::clone(file)), &["storage", "files"])
}

pub fn directory_json(directory: &Arc<Directory>) -> Value {
    one(|c| c.storage.directories.push(Arc::clone(directory)), &["storage", "directories"])
}

pub fn link_json(link: &Arc<Link>) -> Value {
    one(|c| c.storage.links.push(Arc::clone(link)), &["storage", "links"])
}

pub fn unit_json(unit: &Arc<Unit>) -> Value {
    one(|c| c.systemd.units.push(Arc::clone(unit)), &["systemd", "units"])
}

pub fn passwd_json(passwd: &Passwd) -> Value {
    one(|c| c.passwd = passwd.clone(), &["passwd"])
}

/// Drops nulls, empty lists and empty objects from objects, recursively.
pub fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).filter(|(_, v)| !is_empty(v)).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Two configs as the MCO compares them (equal JSON). The keyed lists, most of a config, are
/// compared entry by entry, each entry's JSON built only where its values differ; the rest of
/// the config (passwd, disks, kernel arguments: small) by its JSON.
pub fn same_config(a: &Ignition, b: &Ignition) -> bool {
    // JSON lists are equal when they are as long and equal item by item (an item's JSON is the
    // list item the whole config's JSON holds).
    fn each<T: SameValues>(a: &[T], b: &[T], json: impl Fn(&T) -> Value + Copy) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, json))
    }
    let rest = |c: &Ignition| Ignition {
        version: None,
        ignition_extra: c.ignition_extra.clone(),
        kernel_arguments: c.kernel_arguments.clone(),
        passwd: c.passwd.clone(),
        storage: Storage {
            disks: c.storage.disks.clone(),
            raid: c.storage.raid.clone(),
            filesystems: c.storage.filesystems.clone(),
            luks: c.storage.luks.clone(),
            ..Storage::default()
        },
        systemd: Systemd::default(),
    };
    a.same_values(b)
        || (each(&a.storage.files, &b.storage.files, file_json)
            && each(&a.storage.directories, &b.storage.directories, directory_json)
            && each(&a.storage.links, &b.storage.links, link_json)
            && each(&a.systemd.units, &b.systemd.units, unit_json)
            && config_json(&rest(a)) == config_json(&rest(b)))
}

/// The two states are the same rendered config: same Ignition content, same spec fields.
pub fn same_content(old: &PoolState<'_>, new: &PoolState<'_>) -> bool {
    same_config(&old.config, &new.config)
        && old.kernel_arguments == new.kernel_arguments
        && old.extensions == new.extensions
        && canonical_kernel_type(&old.kernel_type) == canonical_kernel_type(&new.kernel_type)
        && old.fips == new.fips
        && old.os_image_url == new.os_image_url
}
