//! Reading an Ignition 2.x config (2.0–2.2, read as 2.2) and converting it to the 3.x model,
//! as the MCO does: duplicates removed first (`removeIgnDuplicateFilesUnitsUsers`), then the
//! 2.2 → 3.x translation with the filesystem `root` mapped to `/`.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::spec_reader::SpecReader;
use crate::ignition::types::*;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::source::SharedStr;

const ROOT: &[&str] = &["ignition", "networkd", "passwd", "storage", "systemd"];
const IGNITION: &[&str] = &["version", "config", "timeouts", "security"];
const STORAGE: &[&str] = &["disks", "raid", "filesystems", "files", "directories", "links"];
const FILE: &[&str] = &["filesystem", "path", "user", "group", "overwrite", "append", "contents", "mode"];
const DIRECTORY: &[&str] = &["filesystem", "path", "user", "group", "overwrite", "mode"];
const LINK: &[&str] = &["filesystem", "path", "user", "group", "overwrite", "target", "hard"];
const OWNER: &[&str] = &["id", "name"];
const CONTENTS: &[&str] = &["source", "compression", "verification"];
const VERIFICATION: &[&str] = &["hash"];
const SYSTEMD: &[&str] = &["units"];
const UNIT: &[&str] = &["name", "enabled", "enable", "mask", "contents", "dropins"];
const DROPIN: &[&str] = &["name", "contents"];
const PASSWD: &[&str] = &["users", "groups"];
const USER: &[&str] = &[
    "name",
    "passwordHash",
    "sshAuthorizedKeys",
    "uid",
    "gecos",
    "homeDir",
    "noCreateHome",
    "primaryGroup",
    "groups",
    "noUserGroup",
    "noLogInit",
    "shell",
    "system",
    "create",
];
const GROUP: &[&str] = &["name", "gid", "passwordHash", "system"];

pub fn read(root: &Node, version: Spanned<String>, diagnostics: &mut Diagnostics) -> Ignition {
    let mut r = Reader { diagnostics };
    let entries = r.object(root, ROOT, "the Ignition config");
    let mut config = Ignition { version: Some(version), ..Ignition::default() };
    config.ignition_extra = field(entries, "ignition").and_then(|node| r.ignition_extra(node));
    if let Some(node) = field(entries, "networkd") {
        let units = field(r.object(node, &["units"], "the `networkd` section"), "units");
        if units.is_some_and(|u| !reader::list(u, r.diagnostics).is_empty()) {
            r.diagnostics.push(
                Diagnostic::new(
                    &codes::V2_NOT_CONVERTIBLE,
                    node.span,
                    "spec 3 has no `networkd` section, so this config cannot be converted",
                )
                .with_help("write the networkd units as files under /etc/systemd/network/ instead"),
            );
        }
    }
    if let Some(node) = field(entries, "storage") {
        let e = r.object(node, STORAGE, "the `storage` section");
        let raw = |r: &mut Reader, key: &str| -> Vec<Spanned<Json>> {
            r.items(field(e, key)).iter().map(|n| Spanned::new(n.to_json(), n.span)).collect()
        };
        config.storage.disks = raw(&mut r, "disks");
        config.storage.raid = raw(&mut r, "raid");
        config.storage.filesystems = raw(&mut r, "filesystems").into_iter().map(filesystem_to_v3).collect();
        let files: Vec<File> = r.items(field(e, "files")).iter().map(|n| r.file(n)).collect();
        config.storage.files = last_wins(files, |f| f.node.path.value.clone()).into_iter().map(Arc::new).collect();
        config.storage.directories =
            r.items(field(e, "directories")).iter().map(|n| Arc::new(r.directory(n))).collect();
        config.storage.links = r.items(field(e, "links")).iter().map(|n| Arc::new(r.link(n))).collect();
    }
    if let Some(node) = field(entries, "systemd") {
        let e = r.object(node, SYSTEMD, "the `systemd` section");
        let units: Vec<Unit> = r.items(field(e, "units")).iter().map(|n| r.unit(n)).collect();
        config.systemd.units = merge_duplicate_units(units);
    }
    if let Some(node) = field(entries, "passwd") {
        let e = r.object(node, PASSWD, "the `passwd` section");
        let users: Vec<User> = r.items(field(e, "users")).iter().map(|n| r.user(n)).collect();
        config.passwd.users = r.merge_core_users(users);
        config.passwd.groups = r.items(field(e, "groups")).iter().map(|n| r.group(n)).collect();
    }
    config
}

/// A 2.x filesystem `{name, mount: {device, format, …}, path}` in spec 3's flat shape
/// `{device, format, …, path}` (the name is gone: spec 3 entries name no filesystem).
fn filesystem_to_v3(filesystem: Spanned<Json>) -> Spanned<Json> {
    let Json::Object(mut old) = filesystem.value else { return filesystem };
    let mut new = serde_json::Map::new();
    if let Some(Json::Object(mount)) = old.remove("mount") {
        for (key, value) in mount {
            // 2.x `create` became spec 3's `wipeFilesystem` (its `force`) and is otherwise dropped.
            match key.as_str() {
                "create" => {
                    if let Some(force) = value.get("force") {
                        new.insert("wipeFilesystem".into(), force.clone());
                    }
                }
                _ => {
                    new.insert(key, value);
                }
            }
        }
    }
    if let Some(path) = old.remove("path") {
        new.insert("path".into(), path);
    }
    Spanned::new(Json::Object(new), filesystem.span)
}

/// For files with the same path the last one wins (`removeIgnDuplicateFilesUnitsUsers`). The
/// MCO walks the list from its end, so the result comes out in reverse order.
fn last_wins<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut by_key: IndexMap<String, T> = IndexMap::new();
    for item in items.into_iter().rev() {
        by_key.entry(key(&item)).or_insert(item);
    }
    by_key.into_values().collect()
}

/// For units with the same name the last one wins, and dropins of earlier duplicates are added
/// when their names are new; walked from the end, as files are, so in reverse order.
fn merge_duplicate_units(units: Vec<Unit>) -> Vec<Arc<Unit>> {
    let mut by_name: IndexMap<String, Unit> = IndexMap::new();
    for unit in units.into_iter().rev() {
        match by_name.get_mut(&unit.name.value) {
            Some(later) => {
                for dropin in unit.dropins {
                    if !later.dropins.iter().any(|d| d.name.value == dropin.name.value) {
                        later.dropins.push(dropin);
                    }
                }
            }
            None => drop(by_name.insert(unit.name.value.clone(), unit)),
        }
    }
    by_name.into_values().map(Arc::new).collect()
}

struct Reader<'d> {
    diagnostics: &'d mut Diagnostics,
}

impl SpecReader for Reader<'_> {
    type Keys = [&'static str];
    const IGNITION: &'static [&'static str] = IGNITION;
    const DIRECTORY: &'static [&'static str] = DIRECTORY;
    const LINK: &'static [&'static str] = LINK;

    fn diagnostics(&mut self) -> &mut Diagnostics {
        self.diagnostics
    }

    fn object<'n>(&mut self, node: &'n Node, known: &[&'static str], what: &str) -> &'n [Entry] {
        let entries = reader::mapping(node, self.diagnostics);
        reader::unknown_keys(entries, known, &codes::IGNITION_UNUSED_KEY, what, self.diagnostics);
        entries
    }

    /// 2.x names a filesystem per entry; the MCO's converter maps only `root`, to `/`.
    fn node_common(&mut self, node: &Node, e: &[Entry]) -> NodeCommon {
        let filesystem = self.string(field(e, "filesystem"));
        match &filesystem {
            Some(fs) if fs.value == "root" => {}
            Some(fs) => self.diagnostics.push(
                Diagnostic::new(
                    &codes::FILESYSTEM_NOT_ROOT_V2,
                    fs.span,
                    format!("filesystem `{}` is not `root`", fs.value),
                )
                .with_label("the MCO maps only `root` (to `/`) when converting to spec 3")
                .with_help("use `filesystem: root` with the full path, or write the config in spec 3"),
            ),
            None => self.diagnostics.push(
                Diagnostic::new(
                    &codes::FILESYSTEM_NOT_ROOT_V2,
                    node.span,
                    "a spec 2.x storage entry names no filesystem",
                )
                .with_help("add `filesystem: root`"),
            ),
        }
        NodeCommon {
            path: self.string(field(e, "path")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            overwrite: self.boolean(field(e, "overwrite")),
            user: field(e, "user").map(|n| self.owner(n)).unwrap_or_default(),
            group: field(e, "group").map(|n| self.owner(n)).unwrap_or_default(),
            span: node.span,
        }
    }

    /// ign-converter's `translateLinks`: `hard: false` is not set (`util.BoolP`).
    fn link(&mut self, node: &Node) -> Link {
        let e = self.object(node, LINK, "a link entry");
        Link {
            node: self.node_common(node, e),
            target: self.string(field(e, "target")),
            hard: self.boolean(field(e, "hard")).filter(|h| h.value),
        }
    }
}

impl Reader<'_> {
    fn owner(&mut self, node: &Node) -> Owner {
        let e = self.object(node, OWNER, "an owner");
        Owner { id: self.integer(field(e, "id")), name: self.string(field(e, "name")) }
    }

    /// ign-converter's `v22tov30` `translateFiles`: a 2.x file overwrites unless it says
    /// otherwise, always has a source (`""` when it gave none), and `append: true` becomes an
    /// appended fragment with `overwrite: false`.
    fn file(&mut self, node: &Node) -> File {
        let e = self.object(node, FILE, "a file entry");
        let mut contents = field(e, "contents").map(|n| self.contents(n)).unwrap_or_default();
        contents.source.get_or_insert_with(|| Spanned::new(SharedStr::default(), node.span));
        let append = self.boolean(field(e, "append")).filter(|a| a.value);
        let mut common = self.node_common(node, e);
        common.overwrite = match &append {
            Some(append) => Some(Spanned::new(false, append.span)),
            None => common.overwrite.or(Some(Spanned::new(true, node.span))),
        };
        let (contents, append) =
            if append.is_some() { (Resource::default(), vec![contents]) } else { (contents, Vec::new()) };
        File { node: common, mode: self.integer(field(e, "mode")), contents, append }
    }

    fn contents(&mut self, node: &Node) -> Resource {
        let e = self.object(node, CONTENTS, "file contents");
        let hash = field(e, "verification").and_then(|v| {
            let v = self.object(v, VERIFICATION, "`verification`");
            self.string(field(v, "hash"))
        });
        Resource {
            source: self.string(field(e, "source")).map(|s| Spanned::new(SharedStr::from(s.value), s.span)),
            // `util.StrP`: an empty string is not set.
            compression: self.string(field(e, "compression")).filter(|c| !c.value.is_empty()),
            hash,
            http_headers: Vec::new(),
            decoded: Default::default(),
        }
    }

    fn unit(&mut self, node: &Node) -> Unit {
        let e = self.object(node, UNIT, "a systemd unit");
        // `enable` is 2.x's deprecated spelling of `enabled`: it can only turn a unit on, and an
        // explicit `enabled: false` wins (`translateUnits`).
        let enabled =
            self.boolean(field(e, "enabled")).or_else(|| self.boolean(field(e, "enable")).filter(|on| on.value));
        let dropins = self
            .items(field(e, "dropins"))
            .iter()
            .map(|d| {
                let de = self.object(d, DROPIN, "a systemd dropin");
                Dropin {
                    name: self.string(field(de, "name")).unwrap_or_else(|| Spanned::new(String::new(), d.span)),
                    contents: self.string(field(de, "contents")).filter(|c| !c.value.is_empty()),
                    span: d.span,
                }
            })
            .collect();
        Unit {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            enabled,
            mask: self.boolean(field(e, "mask")).filter(|m| m.value),
            contents: self.string(field(e, "contents")).filter(|c| !c.value.is_empty()),
            dropins,
            span: node.span,
        }
    }

    fn user(&mut self, node: &Node) -> User {
        let e = self.object(node, USER, "a user");
        if let Some(create) = field(e, "create").filter(|c| !c.is_null()) {
            self.diagnostics.push(
                Diagnostic::new(
                    &codes::V2_NOT_CONVERTIBLE,
                    create.span,
                    "spec 3 has no `create` for users, so this config cannot be converted",
                )
                .with_help("move the fields of `create` up into the user"),
            );
        }
        User {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            password_hash: self.string(field(e, "passwordHash")),
            ssh_authorized_keys: field(e, "sshAuthorizedKeys")
                .map_or_else(Vec::new, |n| reader::string_list(n, self.diagnostics)),
            other: e
                .iter()
                .filter(|x| !["name", "passwordHash", "sshAuthorizedKeys", "create"].contains(&x.key.as_str()))
                .filter(|x| USER.contains(&x.key.as_str()) && !x.value.is_null())
                .filter(|x| reader::json_of_type(&x.value, super::v3::attribute_type(&x.key), self.diagnostics))
                .map(|x| (x.key.clone(), Spanned::new(x.value.to_json(), x.value.span)))
                .collect(),
            span: node.span,
        }
    }

    fn group(&mut self, node: &Node) -> Group {
        let e = self.object(node, GROUP, "a group");
        Group {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            other: e
                .iter()
                .filter(|x| x.key != "name" && GROUP.contains(&x.key.as_str()) && !x.value.is_null())
                .filter(|x| reader::json_of_type(&x.value, super::v3::attribute_type(&x.key), self.diagnostics))
                .map(|x| (x.key.clone(), Spanned::new(x.value.to_json(), x.value.span)))
                .collect(),
            span: node.span,
        }
    }

    /// 2.x users must all be `core` ("Only core user is supported"). The last one is kept whole,
    /// and the SSH keys of the others, from the last to the first, are added after its own, then
    /// de-duplicated (`removeIgnDuplicateFilesUnitsUsers`, `dedupePasswdUserSSHKeys`).
    fn merge_core_users(&mut self, users: Vec<User>) -> Vec<User> {
        let mut merged: Option<User> = None;
        for user in users.into_iter().rev() {
            if user.name.value != "core" {
                self.diagnostics.push(
                    Diagnostic::new(
                        &codes::NON_CORE_USER_V2,
                        user.name.span,
                        format!("unexpected user with name `{}`", user.name.value),
                    )
                    .with_label("only core user is supported")
                    .with_help("the MCO manages only the `core` user's SSH keys and password hash"),
                );
                continue;
            }
            match &mut merged {
                None => merged = Some(user),
                Some(core) => core.ssh_authorized_keys.extend(user.ssh_authorized_keys),
            }
        }
        if let Some(core) = &mut merged {
            let mut seen = crate::hash::HashSet::default();
            core.ssh_authorized_keys.retain(|k| seen.insert(k.value.clone()));
        }
        merged.into_iter().collect()
    }
}
