//! Reading an Ignition 3.0–3.5 config into the 3.5 model (`ParseCompatibleVersion`: a 3.x config
//! is a 3.5 config without the fields later versions added).

use std::sync::Arc;

use indexmap::IndexMap;

use crate::codes;
use crate::ignition::newer_fields;
use crate::ignition::spec_reader::SpecReader;
use crate::ignition::types::*;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::source::SharedStr;

/// A key, and the first 3.x minor version that has it.
type Key = (&'static str, u8);

const ROOT: &[Key] = &[("ignition", 0), ("kernelArguments", 3), ("passwd", 0), ("storage", 0), ("systemd", 0)];
const IGNITION: &[Key] = &[("version", 0), ("config", 0), ("timeouts", 0), ("security", 0), ("proxy", 1)];
const STORAGE: &[Key] =
    &[("disks", 0), ("raid", 0), ("filesystems", 0), ("files", 0), ("directories", 0), ("links", 0), ("luks", 2)];
const FILE: &[Key] =
    &[("path", 0), ("overwrite", 0), ("user", 0), ("group", 0), ("mode", 0), ("contents", 0), ("append", 0)];
const DIRECTORY: &[Key] = &[("path", 0), ("overwrite", 0), ("user", 0), ("group", 0), ("mode", 0)];
const LINK: &[Key] = &[("path", 0), ("overwrite", 0), ("user", 0), ("group", 0), ("target", 0), ("hard", 0)];
const OWNER: &[Key] = &[("id", 0), ("name", 0)];
const RESOURCE: &[Key] = &[("source", 0), ("compression", 0), ("verification", 0), ("httpHeaders", 1)];
const VERIFICATION: &[Key] = &[("hash", 0)];
const SYSTEMD: &[Key] = &[("units", 0)];
const UNIT: &[Key] = &[("name", 0), ("enabled", 0), ("mask", 0), ("contents", 0), ("dropins", 0)];
const DROPIN: &[Key] = &[("name", 0), ("contents", 0)];
const PASSWD: &[Key] = &[("users", 0), ("groups", 0)];
const USER: &[Key] = &[
    ("name", 0),
    ("passwordHash", 0),
    ("sshAuthorizedKeys", 0),
    ("uid", 0),
    ("gecos", 0),
    ("homeDir", 0),
    ("noCreateHome", 0),
    ("primaryGroup", 0),
    ("groups", 0),
    ("noUserGroup", 0),
    ("noLogInit", 0),
    ("shell", 0),
    ("system", 0),
    ("shouldExist", 2),
];
const GROUP: &[Key] = &[("name", 0), ("gid", 0), ("passwordHash", 0), ("system", 0), ("shouldExist", 2)];
const KERNEL_ARGUMENTS: &[Key] = &[("shouldExist", 0), ("shouldNotExist", 0)];

/// The JSON type of a user or group attribute that mcc keeps as JSON, as Go would decode it.
pub fn attribute_type(key: &str) -> reader::JsonType {
    match key {
        "uid" | "gid" => reader::JsonType::Integer,
        "noCreateHome" | "noUserGroup" | "noLogInit" | "system" | "shouldExist" => reader::JsonType::Boolean,
        "groups" => reader::JsonType::StringList,
        _ => reader::JsonType::String,
    }
}

/// Reads a config whose version was already checked to be 3.`minor`.
pub fn read(root: &Node, version: Option<Spanned<String>>, minor: u8, diagnostics: &mut Diagnostics) -> Ignition {
    let r = Reader { minor, diagnostics };
    r.config(root, version)
}

struct Reader<'d> {
    minor: u8,
    diagnostics: &'d mut Diagnostics,
}

impl Reader<'_> {
    fn config(mut self, root: &Node, version: Option<Spanned<String>>) -> Ignition {
        let entries = self.object(root, ROOT, "the Ignition config");
        let mut config = Ignition { version, ..Ignition::default() };
        config.ignition_extra = field(entries, "ignition").and_then(|node| self.ignition_extra(node));
        if let Some(node) = field(entries, "kernelArguments").filter(|_| self.minor >= 3) {
            let e = self.object(node, KERNEL_ARGUMENTS, "`kernelArguments`");
            config.kernel_arguments.should_exist = self.strings(field(e, "shouldExist"));
            config.kernel_arguments.should_not_exist = self.strings(field(e, "shouldNotExist"));
        }
        if let Some(node) = field(entries, "passwd") {
            let e = self.object(node, PASSWD, "the `passwd` section");
            config.passwd.users = self.items(field(e, "users")).iter().map(|u| self.user(u)).collect();
            config.passwd.groups = self.items(field(e, "groups")).iter().map(|g| self.group(g)).collect();
        }
        if let Some(node) = field(entries, "storage") {
            config.storage = self.storage(node);
        }
        if let Some(node) = field(entries, "systemd") {
            let e = self.object(node, SYSTEMD, "the `systemd` section");
            config.systemd.units = self.items(field(e, "units")).iter().map(|u| Arc::new(self.unit(u))).collect();
        }
        config
    }

    fn storage(&mut self, node: &Node) -> Storage {
        let e = self.object(node, STORAGE, "the `storage` section");
        let raw = |r: &mut Self, key: &str| -> Vec<Spanned<Json>> {
            let items = r.items(field(e, key));
            items
                .iter()
                .map(|n| {
                    let mut json = n.to_json();
                    newer_fields::drop_newer(key, n, &mut json, r.minor, r.diagnostics);
                    Spanned::new(json, n.span)
                })
                .collect()
        };
        Storage {
            disks: raw(self, "disks"),
            raid: raw(self, "raid"),
            filesystems: raw(self, "filesystems"),
            luks: if self.minor >= 2 { raw(self, "luks") } else { Vec::new() },
            files: self.items(field(e, "files")).iter().map(|n| Arc::new(self.file(n))).collect(),
            directories: self.items(field(e, "directories")).iter().map(|n| Arc::new(self.directory(n))).collect(),
            links: self.items(field(e, "links")).iter().map(|n| Arc::new(self.link(n))).collect(),
        }
    }

    fn file(&mut self, node: &Node) -> File {
        let e = self.object(node, FILE, "a file entry");
        File {
            node: self.node_common(node, e),
            mode: self.integer(field(e, "mode")),
            contents: field(e, "contents").map(|n| self.resource(n)).unwrap_or_default(),
            append: self.items(field(e, "append")).iter().map(|n| self.resource(n)).collect(),
        }
    }

    fn owner(&mut self, node: &Node, what: &str) -> Owner {
        let e = self.object(node, OWNER, what);
        Owner { id: self.integer(field(e, "id")), name: self.string(field(e, "name")) }
    }

    fn resource(&mut self, node: &Node) -> Resource {
        let e = self.object(node, RESOURCE, "file contents");
        let hash = field(e, "verification").and_then(|v| {
            let v = self.object(v, VERIFICATION, "`verification`");
            self.string(field(v, "hash"))
        });
        let headers = if self.minor >= 1 { self.items(field(e, "httpHeaders")) } else { &[] };
        Resource {
            source: self.string(field(e, "source")).map(|s| Spanned::new(SharedStr::from(s.value), s.span)),
            compression: self.string(field(e, "compression")),
            hash,
            http_headers: headers.iter().map(|n| Spanned::new(n.to_json(), n.span)).collect(),
            decoded: Default::default(),
        }
    }

    fn unit(&mut self, node: &Node) -> Unit {
        let e = self.object(node, UNIT, "a systemd unit");
        Unit {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            enabled: self.boolean(field(e, "enabled")),
            mask: self.boolean(field(e, "mask")),
            contents: self.string(field(e, "contents")),
            dropins: self.items(field(e, "dropins")).iter().map(|n| self.dropin(n)).collect(),
            span: node.span,
        }
    }

    fn dropin(&mut self, node: &Node) -> Dropin {
        let e = self.object(node, DROPIN, "a systemd dropin");
        Dropin {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            contents: self.string(field(e, "contents")),
            span: node.span,
        }
    }

    fn user(&mut self, node: &Node) -> User {
        let e = self.object(node, USER, "a user");
        User {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            password_hash: self.string(field(e, "passwordHash")),
            ssh_authorized_keys: self.strings(field(e, "sshAuthorizedKeys")),
            other: self.others(e, USER, &["name", "passwordHash", "sshAuthorizedKeys"]),
            span: node.span,
        }
    }

    fn group(&mut self, node: &Node) -> Group {
        let e = self.object(node, GROUP, "a group");
        Group {
            name: self.string(field(e, "name")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            other: self.others(e, GROUP, &["name"]),
            span: node.span,
        }
    }

    /// Known fields other than `read`, kept as JSON for comparison; `null` counts as unset.
    fn others(&mut self, e: &[Entry], keys: &[Key], read: &[&str]) -> IndexMap<String, Spanned<Json>> {
        let known: Vec<&str> = self.known(keys).collect();
        e.iter()
            .filter(|x| !read.contains(&x.key.as_str()) && known.contains(&x.key.as_str()) && !x.value.is_null())
            .filter(|x| reader::json_of_type(&x.value, attribute_type(&x.key), self.diagnostics))
            .map(|x| (x.key.clone(), Spanned::new(x.value.to_json(), x.value.span)))
            .collect()
    }

    fn known<'k>(&self, keys: &'k [Key]) -> impl Iterator<Item = &'k str> {
        let minor = self.minor;
        keys.iter().filter(move |(_, since)| *since <= minor).map(|(k, _)| *k)
    }

    fn strings(&mut self, node: Option<&Node>) -> Vec<Spanned<String>> {
        node.map_or_else(Vec::new, |n| reader::string_list(n, self.diagnostics))
    }
}

impl SpecReader for Reader<'_> {
    type Keys = [Key];
    const IGNITION: &'static [Key] = IGNITION;
    const DIRECTORY: &'static [Key] = DIRECTORY;
    const LINK: &'static [Key] = LINK;

    fn diagnostics(&mut self) -> &mut Diagnostics {
        self.diagnostics
    }

    fn object<'n>(&mut self, node: &'n Node, keys: &[Key], what: &str) -> &'n [Entry] {
        let entries = reader::mapping(node, self.diagnostics);
        let known: Vec<&str> = self.known(keys).collect();
        let before = self.diagnostics.len();
        reader::unknown_keys(entries, &known, &codes::IGNITION_UNUSED_KEY, what, self.diagnostics);
        // A key from a later spec version deserves a better hint than "did you mean".
        for diagnostic in &mut self.diagnostics[before..] {
            let key = diagnostic.message.split('`').nth(1).unwrap_or_default();
            if let Some((_, since)) = keys.iter().find(|(k, _)| *k == key) {
                diagnostic.help =
                    Some(format!("`{key}` arrived in Ignition spec 3.{since}.0; raise `ignition.version` to use it"));
            }
        }
        entries
    }

    /// As the shared reading, but a key this version does not have (`proxy` before 3.1) is
    /// dropped, as the MCO's version-specific parser drops it (it was reported by `object`).
    fn ignition_extra(&mut self, node: &Node) -> Option<Arc<Spanned<Json>>> {
        let meta = self.object(node, IGNITION, "the `ignition` section");
        let known: Vec<&str> = self.known(IGNITION).collect();
        let extra: serde_json::Map<_, _> = meta
            .iter()
            .filter(|e| e.key != "version" && known.contains(&e.key.as_str()))
            .map(|e| (e.key.clone(), e.value.to_json()))
            .collect();
        (!extra.is_empty()).then(|| Arc::new(Spanned::new(extra.into(), node.span)))
    }

    fn node_common(&mut self, node: &Node, e: &[Entry]) -> NodeCommon {
        NodeCommon {
            // A missing path reads as empty at the entry's span: validation says "path not specified".
            path: self.string(field(e, "path")).unwrap_or_else(|| Spanned::new(String::new(), node.span)),
            overwrite: self.boolean(field(e, "overwrite")),
            user: field(e, "user").map(|n| self.owner(n, "`user`")).unwrap_or_default(),
            group: field(e, "group").map(|n| self.owner(n, "`group`")).unwrap_or_default(),
            span: node.span,
        }
    }
}
