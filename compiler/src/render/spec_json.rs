//! A rendered spec's JSON written straight from the pool, for its hash (`emit::spec_sha256`):
//! the bytes of serialising `emit::spec`'s `Value` (a test compares the two on the corpus and
//! the examples), without first copying every file's contents into a `Value` tree. That copy,
//! its map inserts and its drop were nearly half the cost of hashing a pool, paid for both
//! states by `mcc plan`. Only storage and its files, nearly all of a config's bytes, are written
//! here field by field; every other part is the `Value` `emit` builds, so their omissions and
//! key order are emit's by construction.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::RenderedPool;
use super::emit;
use crate::ignition::types::{File, Ignition, Json, Resource, Storage};
use crate::load::reader::Spanned;

/// A pool's rendered spec, as `emit::spec` writes it.
pub(super) struct SpecJson<'a>(pub &'a RenderedPool);

impl Serialize for SpecJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pool = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("osImageURL", &pool.os_image_url.url)?;
        if !pool.base_os_extensions_container_image.url.is_empty() {
            map.serialize_entry("baseOSExtensionsContainerImage", &pool.base_os_extensions_container_image.url)?;
        }
        map.serialize_entry("config", &IgnitionJson(&pool.config))?;
        map.serialize_entry("kernelArguments", &emit::sourced_strings(&pool.kernel_arguments))?;
        map.serialize_entry("extensions", &emit::sourced_strings(&pool.extensions))?;
        map.serialize_entry("fips", &!pool.fips.is_empty())?;
        map.serialize_entry("kernelType", pool.kernel_type_name())?;
        map.end()
    }
}

/// Writes the entry unless `omitempty` would leave it out, as `emit`'s `put` does.
fn entry_unless_empty<M: SerializeMap>(map: &mut M, key: &str, value: &Value) -> Result<(), M::Error> {
    if emit::is_empty(value) { Ok(()) } else { map.serialize_entry(key, value) }
}

/// `emit::ignition`.
struct IgnitionJson<'a>(&'a Ignition);

impl Serialize for IgnitionJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let config = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("ignition", &emit::ignition_meta(config))?;
        entry_unless_empty(&mut map, "kernelArguments", &emit::kernel_arguments(config))?;
        entry_unless_empty(&mut map, "passwd", &emit::passwd(config))?;
        let s = &config.storage;
        let lists = [s.directories.len(), s.disks.len(), s.files.len(), s.filesystems.len(), s.links.len()];
        if lists.into_iter().chain([s.luks.len(), s.raid.len()]).any(|n| n > 0) {
            map.serialize_entry("storage", &StorageJson(s))?;
        }
        entry_unless_empty(&mut map, "systemd", &emit::systemd(config))?;
        map.end()
    }
}

/// The `storage` section, never empty (its caller leaves an empty one out).
struct StorageJson<'a>(&'a Storage);

impl Serialize for StorageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut map = serializer.serialize_map(None)?;
        entry_unless_empty(&mut map, "directories", &emit::directories(s))?;
        raw_entry(&mut map, "disks", &s.disks)?;
        if !s.files.is_empty() {
            map.serialize_entry("files", &Files(&s.files))?;
        }
        raw_entry(&mut map, "filesystems", &s.filesystems)?;
        entry_unless_empty(&mut map, "links", &emit::links(s))?;
        raw_entry(&mut map, "luks", &s.luks)?;
        raw_entry(&mut map, "raid", &s.raid)?;
        map.end()
    }
}

/// A list of raw JSON entries, borrowed, unless it is empty.
fn raw_entry<M: SerializeMap>(map: &mut M, key: &str, items: &[Spanned<Json>]) -> Result<(), M::Error> {
    if items.is_empty() { Ok(()) } else { map.serialize_entry(key, &Raw(items)) }
}

struct Raw<'a>(&'a [Spanned<Json>]);

impl Serialize for Raw<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|s| &s.value))
    }
}

struct Files<'a>(&'a [Arc<File>]);

impl Serialize for Files<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| FileJson(f)))
    }
}

/// `emit::file`.
struct FileJson<'a>(&'a File);

impl Serialize for FileJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (file, node) = (self.0, &self.0.node);
        let mut map = serializer.serialize_map(None)?;
        entry_unless_empty(&mut map, "group", &emit::owner(&node.group))?;
        if let Some(overwrite) = &node.overwrite {
            map.serialize_entry("overwrite", &overwrite.value)?;
        }
        map.serialize_entry("path", &node.path.value)?;
        entry_unless_empty(&mut map, "user", &emit::owner(&node.user))?;
        if !file.append.is_empty() {
            map.serialize_entry("append", &Appended(&file.append))?;
        }
        if !file.contents.is_empty() {
            map.serialize_entry("contents", &ResourceJson(&file.contents))?;
        }
        if let Some(mode) = &file.mode {
            map.serialize_entry("mode", &mode.value)?;
        }
        map.end()
    }
}

struct Appended<'a>(&'a [Resource]);

impl Serialize for Appended<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ResourceJson))
    }
}

/// `emit::resource`: the source, a file's bytes, is written from the pool's own string.
struct ResourceJson<'a>(&'a Resource);

impl Serialize for ResourceJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let resource = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(compression) = &resource.compression {
            map.serialize_entry("compression", &compression.value)?;
        }
        raw_entry(&mut map, "httpHeaders", &resource.http_headers)?;
        if let Some(source) = &resource.source {
            map.serialize_entry("source", source.value.as_str())?;
        }
        if let Some(hash) = &resource.hash {
            map.serialize_entry("verification", &serde_json::json!({ "hash": hash.value }))?;
        }
        map.end()
    }
}

#[cfg(test)]
#[path = "spec_json_tests.rs"]
mod tests;
