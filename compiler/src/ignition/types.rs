//! The Ignition config model, normalized to spec 3.5 as the MCO stores it.
//!
//! Every field keeps its span. Fields that mcc only compares (disks, RAID, LUKS, HTTP headers,
//! user attributes beyond SSH keys and password hash) are kept as JSON values with their span.

use std::sync::Arc;

use indexmap::IndexMap;
use mcc_contract::{Mode, OwnerId};

use crate::load::reader::Spanned;
use crate::source::{SharedStr, Span};

pub type Json = serde_json::Value;

/// Spec versions the MCO parses (`TestIgnitionConverterGetSupportedMinorVersions`).
pub const SUPPORTED_VERSIONS: &str = "2.2, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5";

/// The version every rendered config is written in (`InternalMCOIgnitionVersion`).
pub const RENDERED_VERSION: &str = "3.5.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecVersion {
    pub major: u8,
    pub minor: u8,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ignition {
    /// The version as written, for diagnostics; `None` for an empty config.
    pub version: Option<Spanned<String>>,
    /// `ignition.config`, `timeouts`, `security`, `proxy`: only compared, never applied. Behind
    /// a pointer: a JSON value is most of a hundred bytes, in every MachineConfig's config
    /// whether it has the section or not (few do).
    pub ignition_extra: Option<Arc<Spanned<Json>>>,
    pub kernel_arguments: KernelArguments,
    pub passwd: Passwd,
    pub storage: Storage,
    pub systemd: Systemd,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct KernelArguments {
    pub should_exist: Vec<Spanned<String>>,
    pub should_not_exist: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Passwd {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub name: Spanned<String>,
    pub password_hash: Option<Spanned<String>>,
    pub ssh_authorized_keys: Vec<Spanned<String>>,
    /// Every other field (`uid`, `homeDir`, `shell`, `groups`, …) by its JSON name.
    pub other: IndexMap<String, Spanned<Json>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: Spanned<String>,
    pub other: IndexMap<String, Spanned<Json>>,
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Storage {
    /// Shared (`Arc`): a rendered pool holds the MachineConfig's own file where the merge took
    /// it unchanged, instead of a copy of each entry per pool.
    pub files: Vec<Arc<File>>,
    pub directories: Vec<Arc<Directory>>,
    pub links: Vec<Arc<Link>>,
    pub disks: Vec<Spanned<Json>>,
    pub raid: Vec<Spanned<Json>>,
    pub filesystems: Vec<Spanned<Json>>,
    pub luks: Vec<Spanned<Json>>,
}

/// What files, directories and links share (Ignition's `Node`).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeCommon {
    pub path: Spanned<String>,
    pub overwrite: Option<Spanned<bool>>,
    pub user: Owner,
    pub group: Owner,
    /// The whole entry.
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Owner {
    pub id: Option<Spanned<i64>>,
    pub name: Option<Spanned<String>>,
}

impl Owner {
    pub fn is_set(&self) -> bool {
        self.id.is_some() || self.name.is_some()
    }

    /// The numeric id, when one is set and is a valid id.
    pub fn valid_id(&self) -> Option<OwnerId> {
        self.id.as_ref().and_then(|id| OwnerId::new(id.value))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub node: NodeCommon,
    pub mode: Option<Spanned<i64>>,
    pub contents: Resource,
    pub append: Vec<Resource>,
}

impl File {
    /// The mode a node applies: the one set, or Ignition's default for files.
    pub fn applied_mode(&self) -> Mode {
        Mode::or_default(self.mode.as_ref().map(|m| m.value), Mode::FILE)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Directory {
    pub node: NodeCommon,
    pub mode: Option<Spanned<i64>>,
}

impl Directory {
    /// The mode a node applies: the one set, or Ignition's default for directories.
    pub fn applied_mode(&self) -> Mode {
        Mode::or_default(self.mode.as_ref().map(|m| m.value), Mode::DIRECTORY)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub node: NodeCommon,
    pub target: Option<Spanned<String>>,
    pub hard: Option<Spanned<bool>>,
}

/// File contents or an appended fragment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resource {
    /// Shared with the input's text where it can be (see [`SharedStr`]): the rendered pools
    /// and every later stage clone it without copying.
    pub source: Option<Spanned<SharedStr>>,
    pub compression: Option<Spanned<String>>,
    pub hash: Option<Spanned<String>>,
    pub http_headers: Vec<Spanned<Json>>,
    /// The contents, decoded once by validation and shared by every later stage.
    pub decoded: crate::ignition::content::Decoded,
}

impl Resource {
    pub fn is_empty(&self) -> bool {
        self.source.is_none() && self.compression.is_none() && self.hash.is_none() && self.http_headers.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Systemd {
    /// Shared as [`Storage::files`] are.
    pub units: Vec<Arc<Unit>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: Spanned<String>,
    pub enabled: Option<Spanned<bool>>,
    pub mask: Option<Spanned<bool>>,
    pub contents: Option<Spanned<String>>,
    pub dropins: Vec<Dropin>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dropin {
    pub name: Spanned<String>,
    pub contents: Option<Spanned<String>>,
    pub span: Span,
}

impl Ignition {
    /// True for a config with nothing in it but (maybe) a version: the MCO accepts those as is.
    pub fn is_empty(&self) -> bool {
        self.ignition_extra.is_none()
            && self.kernel_arguments == KernelArguments::default()
            && self.passwd == Passwd::default()
            && self.storage == Storage::default()
            && self.systemd == Systemd::default()
    }
}
