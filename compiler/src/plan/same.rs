//! Span-blind equality of Ignition entries: the cheap test the plan tries before it builds JSON.
//!
//! The plan compares entries as the MCO does, by the JSON of a stored rendered config
//! ([`crate::plan::diff`]). Building that JSON copies every value, data URLs included, and a
//! fleet's plan compares every file of every MachineConfig on both sides, nearly all of them
//! unchanged. The JSON of an entry is a function of the values compared here (spans and decoded
//! contents never reach it), so equal values mean equal JSON, and only entries whose values
//! differ have their JSON built, to find the differences the round trip hides (an omitted field
//! against an empty one, a null inside a raw value).

use crate::ignition::types::{
    Directory, Dropin, File, Group, Ignition, Json, KernelArguments, Link, NodeCommon, Owner, Passwd, Resource,
    Storage, Systemd, Unit, User,
};
use crate::load::reader::Spanned;

/// Equal values, spans ignored. Strictly finer than equal JSON: values that are equal here
/// always have equal JSON; values that differ here may still have equal JSON.
pub trait SameValues {
    fn same_values(&self, other: &Self) -> bool;
}

impl<T: PartialEq> SameValues for Spanned<T> {
    fn same_values(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: SameValues> SameValues for Option<T> {
    fn same_values(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same_values(b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<T: SameValues> SameValues for [T] {
    fn same_values(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same_values(b))
    }
}

/// A rendered pool shares the entries one MachineConfig defines (`Arc`): the same entry is the
/// same values without looking.
impl<T: SameValues> SameValues for std::sync::Arc<T> {
    fn same_values(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(self, other) || (**self).same_values(other)
    }
}

impl<T: SameValues> SameValues for Vec<T> {
    fn same_values(&self, other: &Self) -> bool {
        self.as_slice().same_values(other.as_slice())
    }
}

/// Users' and groups' other fields, in order (the JSON sorts them: an order that differs here
/// is left to the JSON).
fn same_fields(a: &indexmap::IndexMap<String, Spanned<Json>>, b: &indexmap::IndexMap<String, Spanned<Json>>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.same_values(vb))
}

impl SameValues for Owner {
    fn same_values(&self, other: &Self) -> bool {
        self.id.same_values(&other.id) && self.name.same_values(&other.name)
    }
}

impl SameValues for NodeCommon {
    fn same_values(&self, other: &Self) -> bool {
        self.path.same_values(&other.path)
            && self.overwrite.same_values(&other.overwrite)
            && self.user.same_values(&other.user)
            && self.group.same_values(&other.group)
    }
}

impl SameValues for Resource {
    /// The source's text, not its decoded bytes: the JSON holds the text.
    fn same_values(&self, other: &Self) -> bool {
        self.source.as_ref().map(|s| s.value.as_str()) == other.source.as_ref().map(|s| s.value.as_str())
            && self.compression.same_values(&other.compression)
            && self.hash.same_values(&other.hash)
            && self.http_headers.same_values(&other.http_headers)
    }
}

impl SameValues for File {
    fn same_values(&self, other: &Self) -> bool {
        self.node.same_values(&other.node)
            && self.mode.same_values(&other.mode)
            && self.contents.same_values(&other.contents)
            && self.append.same_values(&other.append)
    }
}

impl SameValues for Directory {
    fn same_values(&self, other: &Self) -> bool {
        self.node.same_values(&other.node) && self.mode.same_values(&other.mode)
    }
}

impl SameValues for Link {
    fn same_values(&self, other: &Self) -> bool {
        self.node.same_values(&other.node)
            && self.target.same_values(&other.target)
            && self.hard.same_values(&other.hard)
    }
}

impl SameValues for Dropin {
    fn same_values(&self, other: &Self) -> bool {
        self.name.same_values(&other.name) && self.contents.same_values(&other.contents)
    }
}

impl SameValues for Unit {
    fn same_values(&self, other: &Self) -> bool {
        self.name.same_values(&other.name)
            && self.enabled.same_values(&other.enabled)
            && self.mask.same_values(&other.mask)
            && self.contents.same_values(&other.contents)
            && self.dropins.same_values(&other.dropins)
    }
}

impl SameValues for User {
    fn same_values(&self, other: &Self) -> bool {
        self.name.same_values(&other.name)
            && self.password_hash.same_values(&other.password_hash)
            && self.ssh_authorized_keys.same_values(&other.ssh_authorized_keys)
            && same_fields(&self.other, &other.other)
    }
}

impl SameValues for Group {
    fn same_values(&self, other: &Self) -> bool {
        self.name.same_values(&other.name) && same_fields(&self.other, &other.other)
    }
}

impl SameValues for Passwd {
    fn same_values(&self, other: &Self) -> bool {
        self.users.same_values(&other.users) && self.groups.same_values(&other.groups)
    }
}

impl SameValues for KernelArguments {
    fn same_values(&self, other: &Self) -> bool {
        self.should_exist.same_values(&other.should_exist) && self.should_not_exist.same_values(&other.should_not_exist)
    }
}

impl SameValues for Storage {
    fn same_values(&self, other: &Self) -> bool {
        self.files.same_values(&other.files)
            && self.directories.same_values(&other.directories)
            && self.links.same_values(&other.links)
            && self.disks.same_values(&other.disks)
            && self.raid.same_values(&other.raid)
            && self.filesystems.same_values(&other.filesystems)
            && self.luks.same_values(&other.luks)
    }
}

impl SameValues for Systemd {
    fn same_values(&self, other: &Self) -> bool {
        self.units.same_values(&other.units)
    }
}

impl SameValues for Ignition {
    /// The version is left out: every rendered config is written as 3.5.0 whatever its inputs
    /// said.
    fn same_values(&self, other: &Self) -> bool {
        self.ignition_extra.same_values(&other.ignition_extra)
            && self.kernel_arguments.same_values(&other.kernel_arguments)
            && self.passwd.same_values(&other.passwd)
            && self.storage.same_values(&other.storage)
            && self.systemd.same_values(&other.systemd)
    }
}

/// Equal as the MCO compares them (equal JSON after the round trip): equal values first, the
/// JSON built only when they differ.
pub fn same<T: SameValues + ?Sized>(a: &T, b: &T, json: impl Fn(&T) -> Json) -> bool {
    a.same_values(b) || json(a) == json(b)
}
