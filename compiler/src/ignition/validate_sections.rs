//! Ignition's validation rules for the sections mcc keeps as JSON (`disks`, `raid`,
//! `filesystems`, `luks`, and the `ignition` section's proxy and certificate authorities), with
//! Ignition's own messages. The MCO runs Ignition's validator on every MachineConfig
//! (`ValidateMachineConfig`), so a MachineConfig that breaks one of them stops the pool's render.

use crate::codes::{self, CodeInfo};
use crate::diagnostic::Diagnostic;
use crate::hash::HashSet;
use crate::ignition::types::{Ignition, Json};
use crate::load::reader::{Diagnostics, Spanned};
use crate::source::Span;

/// `validateFormat` (3.4/3.5).
const FORMATS: &[&str] = &["ext4", "btrfs", "xfs", "swap", "vfat", "none"];
/// `Raid.validateLevel`.
const RAID_LEVELS: &[&str] = &[
    "linear", "raid0", "0", "stripe", "raid1", "1", "mirror", "raid4", "4", "raid5", "5", "raid6", "6", "raid10", "10",
];
const NO_SPARES: &[&str] = &["linear", "raid0", "0", "stripe"];
/// `MaxPartitionLabelLength`… as `partition labels may not exceed 36 characters` says.
const MAX_LABEL: usize = 36;

pub fn validate(config: &Ignition, diagnostics: &mut Diagnostics) {
    let mut v = Sections { diagnostics };
    if let Some(ignition) = &config.ignition_extra {
        v.ignition(ignition);
    }
    let s = &config.storage;
    for (i, disk) in s.disks.iter().enumerate() {
        v.disk(disk, &format!("storage.disks[{i}]"));
    }
    for (i, raid) in s.raid.iter().enumerate() {
        v.raid(raid, &format!("storage.raid[{i}]"));
    }
    for (i, filesystem) in s.filesystems.iter().enumerate() {
        v.filesystem(filesystem, &format!("storage.filesystems[{i}]"));
    }
    for (i, luks) in s.luks.iter().enumerate() {
        v.luks(luks, &format!("storage.luks[{i}]"));
    }
}

struct Sections<'d> {
    diagnostics: &'d mut Diagnostics,
}

impl Sections<'_> {
    fn error(&mut self, code: &'static CodeInfo, span: Span, at: &str, message: &str) {
        self.diagnostics.push(
            Diagnostic::new(code, span, format!("{at}: {message}"))
                .with_label("Ignition's validator refuses this")
                .with_help(
                    "the MCO validates every MachineConfig with Ignition's rules: the pool would go RenderDegraded",
                ),
        );
    }

    fn storage(&mut self, item: &Spanned<Json>, at: &str, message: &str) {
        self.error(&codes::STORAGE_ENTRY_INVALID, item.span, at, message);
    }

    /// `validatePath` on a device: required, absolute.
    fn device(&mut self, item: &Spanned<Json>, at: &str, required: &str) {
        match item.value.get("device").and_then(Json::as_str).filter(|d| !d.is_empty()) {
            None => self.storage(item, &format!("{at}.device"), required),
            Some(device) if !device.starts_with('/') => {
                self.storage(item, &format!("{at}.device"), "path not absolute")
            }
            Some(_) => {}
        }
    }

    /// Integer fields decoded into Go ints: anything else fails the whole parse.
    fn integers(&mut self, item: &Spanned<Json>, value: &Json, at: &str, keys: &[&str]) {
        for key in keys {
            if let Some(v) = value.get(*key).filter(|v| !v.is_null() && !v.is_i64()) {
                let message = format!("cannot unmarshal {} into an integer field", json_type(v));
                self.storage(item, &format!("{at}.{key}"), &message);
            }
        }
    }

    fn disk(&mut self, disk: &Spanned<Json>, at: &str) {
        self.device(disk, at, "disk device is required");
        let partitions = disk.value.get("partitions").and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
        let mut numbers = HashSet::default();
        for (i, partition) in partitions.iter().enumerate() {
            let at = format!("{at}.partitions[{i}]");
            self.integers(disk, partition, &at, &["number", "sizeMiB", "startMiB"]);
            if partition.get("label").and_then(Json::as_str).is_some_and(|l| l.chars().count() > MAX_LABEL) {
                self.storage(disk, &format!("{at}.label"), "partition labels may not exceed 36 characters");
            }
            if let Some(number) = partition.get("number").and_then(Json::as_i64).filter(|n| *n != 0)
                && !numbers.insert(number)
            {
                self.storage(disk, &at, "partition numbers collide");
            }
        }
    }

    fn raid(&mut self, raid: &Spanned<Json>, at: &str) {
        self.integers(raid, &raid.value, at, &["spares"]);
        let at = format!("{at}.level");
        match raid.value.get("level").and_then(Json::as_str).filter(|l| !l.is_empty()) {
            None => self.storage(raid, &at, "raid level is required"),
            Some(level) if !RAID_LEVELS.contains(&level) => self.storage(raid, &at, "unrecognized raid level"),
            Some(level)
                if NO_SPARES.contains(&level) && raid.value.get("spares").and_then(Json::as_i64).unwrap_or(0) > 0 =>
            {
                self.storage(raid, &at, "spares unsupported for linear and raid0 arrays")
            }
            Some(_) => {}
        }
    }

    fn filesystem(&mut self, filesystem: &Spanned<Json>, at: &str) {
        let fs = &filesystem.value;
        self.device(filesystem, at, "path not specified");
        match fs.get("format").and_then(Json::as_str).filter(|f| !f.is_empty()) {
            Some(format) if !FORMATS.contains(&format) => {
                self.storage(filesystem, &format!("{at}.format"), "invalid filesystem format")
            }
            Some(_) => {}
            None => {
                let set = |key: &str| match fs.get(key) {
                    None | Some(Json::Null) | Some(Json::Bool(false)) => false,
                    Some(Json::String(s)) => !s.is_empty(),
                    Some(Json::Array(a)) => !a.is_empty(),
                    Some(_) => true,
                };
                if ["path", "label", "uuid", "wipeFilesystem", "options", "mountOptions"].into_iter().any(set) {
                    self.storage(
                        filesystem,
                        &format!("{at}.format"),
                        "format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified",
                    );
                }
            }
        }
        if fs.get("path").and_then(Json::as_str).is_some_and(|p| !p.is_empty() && !p.starts_with('/')) {
            self.storage(filesystem, &format!("{at}.path"), "path not absolute");
        }
    }

    fn luks(&mut self, luks: &Spanned<Json>, at: &str) {
        self.device(luks, at, "disk device is required");
        if luks.value.get("name").and_then(Json::as_str).is_some_and(|n| n.contains('/')) {
            self.storage(luks, &format!("{at}.name"), "device names cannot contain slashes");
        }
        let tang = luks.value.pointer("/clevis/tang").and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
        for (i, server) in tang.iter().enumerate() {
            if !server.get("url").and_then(Json::as_str).is_some_and(is_http) {
                self.storage(luks, &format!("{at}.clevis.tang[{i}].url"), "invalid url scheme");
            }
        }
    }

    fn ignition(&mut self, ignition: &Spanned<Json>) {
        for key in ["httpProxy", "httpsProxy"] {
            if let Some(proxy) = ignition.value.pointer(&format!("/proxy/{key}")).and_then(Json::as_str)
                && !proxy.is_empty()
                && !is_http(proxy)
            {
                let at = format!("ignition.proxy.{key}");
                self.error(&codes::IGNITION_SECTION_INVALID, ignition.span, &at, "proxies must be http(s)");
            }
        }
        let authorities = ignition.value.pointer("/security/tls/certificateAuthorities").and_then(Json::as_array);
        for (i, authority) in authorities.map_or(&[][..], Vec::as_slice).iter().enumerate() {
            if authority.get("compression").and_then(Json::as_str).is_some_and(|c| !matches!(c, "" | "gzip")) {
                let at = format!("ignition.security.tls.certificateAuthorities[{i}].compression");
                self.error(&codes::IGNITION_SECTION_INVALID, ignition.span, &at, "invalid compression method");
            }
        }
    }
}

/// An absolute http or https URL.
fn is_http(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && !rest.is_empty())
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::String(_) => "a string",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a fractional number",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
        Json::Null => "null",
    }
}
