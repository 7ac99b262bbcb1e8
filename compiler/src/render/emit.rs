//! Rendered MachineConfigs as the JSON the MCO stores: fields in the order of the Go structs,
//! empty values omitted (clarketm/json's `omitempty`, which also drops empty structs).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::ignition::types::*;
use crate::load::reader::Spanned;
use crate::model::machine_config::ROLE_LABEL;
use crate::render::RenderedPool;

/// Annotation naming the MachineConfigs a rendered config was merged from, in merge order.
pub const RENDERED_FROM_ANNOTATION: &str = "mcc.openshift.io/rendered-from";

/// A `MachineConfig` object for a rendered pool.
pub fn rendered_machine_config(pool: &RenderedPool, names: &dyn Fn(usize) -> String) -> Value {
    let mut labels = Map::new();
    labels.insert(ROLE_LABEL.into(), pool.pool.name().into());
    let mut annotations = Map::new();
    let from: Vec<String> = pool.machine_configs.iter().map(|&i| names(i)).collect();
    annotations.insert(RENDERED_FROM_ANNOTATION.into(), from.join(",").into());
    if pool.os_image_url.overridden_by.is_some() {
        annotations.insert("machineconfiguration.openshift.io/os-image-url-overridden".into(), "true".into());
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), pool.name().into());
    metadata.insert("labels".into(), labels.into());
    metadata.insert("annotations".into(), annotations.into());
    let mut object = Map::new();
    object.insert("apiVersion".into(), crate::model::objects::MCO_GROUP.into());
    object.insert("kind".into(), "MachineConfig".into());
    object.insert("metadata".into(), metadata.into());
    object.insert("spec".into(), spec(pool));
    object.into()
}

/// The rendered spec, in `MachineConfigSpec` field order. kernelArguments and extensions are
/// empty lists rather than null, and kernelType is always explicit, as the MCO writes them.
pub fn spec(pool: &RenderedPool) -> Value {
    let mut spec = Map::new();
    spec.insert("osImageURL".into(), pool.os_image_url.url.clone().into());
    if !pool.base_os_extensions_container_image.url.is_empty() {
        spec.insert(
            "baseOSExtensionsContainerImage".into(),
            pool.base_os_extensions_container_image.url.clone().into(),
        );
    }
    spec.insert("config".into(), ignition(&pool.config));
    spec.insert("kernelArguments".into(), sourced_strings(&pool.kernel_arguments));
    spec.insert("extensions".into(), sourced_strings(&pool.extensions));
    spec.insert("fips".into(), (!pool.fips.is_empty()).into());
    spec.insert("kernelType".into(), pool.kernel_type_name().into());
    spec.into()
}

pub(super) fn sourced_strings(items: &[super::Sourced<String>]) -> Value {
    items.iter().map(|s| Value::from(s.value.value.clone())).collect()
}

/// The hex SHA-256 of the canonical JSON spec. Its first 32 digits are mcc's own stable name
/// hash (the MCO's MD5 over Go's YAML is not reproduced; `spec/mco.md` §2.5); the whole of it is
/// the source digest `mcc compile` labels the image with.
pub fn spec_sha256(pool: &RenderedPool) -> String {
    // Streamed into the digest from the pool itself (`spec_json`): a pool's JSON (much of the
    // input's size) is never one buffer, nor its file contents copied into a `Value` tree.
    let mut digest = Sha256::new();
    serde_json::to_writer(&mut digest, &super::spec_json::SpecJson(pool))
        .expect("JSON values serialize, and a digest takes any bytes");
    hex::encode(digest.finalize())
}

/// An Ignition config as 3.5.0 JSON.
pub fn ignition(config: &Ignition) -> Value {
    let mut root = Map::new();
    root.insert("ignition".into(), ignition_meta(config));
    put(&mut root, "kernelArguments", kernel_arguments(config));
    put(&mut root, "passwd", passwd(config));
    let s = &config.storage;
    let mut storage = Map::new();
    put(&mut storage, "directories", directories(s));
    put(&mut storage, "disks", raw(&s.disks));
    put(&mut storage, "files", s.files.iter().map(|f| file(f)).collect());
    put(&mut storage, "filesystems", raw(&s.filesystems));
    put(&mut storage, "links", links(s));
    put(&mut storage, "luks", raw(&s.luks));
    put(&mut storage, "raid", raw(&s.raid));
    put(&mut root, "storage", storage.into());
    put(&mut root, "systemd", systemd(config));
    root.into()
}

// The parts of an Ignition config that `spec_json` writes from these same values: only files,
// nearly all of a config's bytes, it streams.

/// The `ignition` section: the inputs' extra fields, version set to the rendered one.
pub(super) fn ignition_meta(config: &Ignition) -> Value {
    let mut meta = match config.ignition_extra.as_ref().map(|e| e.value.clone()) {
        Some(Value::Object(extra)) => extra,
        _ => Map::new(),
    };
    meta.insert("version".into(), RENDERED_VERSION.into());
    meta.into()
}

pub(super) fn kernel_arguments(config: &Ignition) -> Value {
    let mut kargs = Map::new();
    put(&mut kargs, "shouldExist", strings(&config.kernel_arguments.should_exist));
    put(&mut kargs, "shouldNotExist", strings(&config.kernel_arguments.should_not_exist));
    kargs.into()
}

pub(super) fn passwd(config: &Ignition) -> Value {
    let mut passwd = Map::new();
    put(&mut passwd, "groups", config.passwd.groups.iter().map(group).collect());
    put(&mut passwd, "users", config.passwd.users.iter().map(user).collect());
    passwd.into()
}

pub(super) fn directories(storage: &Storage) -> Value {
    storage.directories.iter().map(|d| directory(d)).collect()
}

pub(super) fn links(storage: &Storage) -> Value {
    storage.links.iter().map(|l| link(l)).collect()
}

pub(super) fn systemd(config: &Ignition) -> Value {
    let mut systemd = Map::new();
    put(&mut systemd, "units", config.systemd.units.iter().map(|u| unit(u)).collect());
    systemd.into()
}

/// Inserts unless the value is empty (null, [], {}), as `omitempty` does.
fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !is_empty(&value) {
        map.insert(key.into(), value);
    }
}

/// What `omitempty` leaves out: null, an empty list, an empty object.
pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn opt<T: Clone + Into<Value>>(value: &Option<Spanned<T>>) -> Value {
    value.as_ref().map_or(Value::Null, |v| v.value.clone().into())
}

pub(super) fn strings(items: &[Spanned<String>]) -> Value {
    items.iter().map(|s| Value::from(s.value.clone())).collect()
}

fn raw(items: &[Spanned<Json>]) -> Value {
    items.iter().map(|s| s.value.clone()).collect()
}

fn node_fields(map: &mut Map<String, Value>, node: &NodeCommon) {
    put(map, "group", owner(&node.group));
    put(map, "overwrite", opt(&node.overwrite));
    map.insert("path".into(), node.path.value.clone().into());
    put(map, "user", owner(&node.user));
}

pub(super) fn owner(owner: &Owner) -> Value {
    let mut map = Map::new();
    put(&mut map, "id", opt(&owner.id));
    put(&mut map, "name", opt(&owner.name));
    map.into()
}

fn file(file: &File) -> Value {
    let mut map = Map::new();
    node_fields(&mut map, &file.node);
    put(&mut map, "append", file.append.iter().map(resource).collect());
    put(&mut map, "contents", resource(&file.contents));
    put(&mut map, "mode", opt(&file.mode));
    map.into()
}

fn resource(resource: &Resource) -> Value {
    let mut map = Map::new();
    put(&mut map, "compression", opt(&resource.compression));
    put(&mut map, "httpHeaders", raw(&resource.http_headers));
    put(&mut map, "source", resource.source.as_ref().map_or(Value::Null, |s| Value::from(s.value.as_str())));
    if let Some(hash) = &resource.hash {
        map.insert("verification".into(), serde_json::json!({ "hash": hash.value }));
    }
    map.into()
}

fn directory(directory: &Directory) -> Value {
    let mut map = Map::new();
    node_fields(&mut map, &directory.node);
    put(&mut map, "mode", opt(&directory.mode));
    map.into()
}

fn link(link: &Link) -> Value {
    let mut map = Map::new();
    node_fields(&mut map, &link.node);
    put(&mut map, "hard", opt(&link.hard));
    put(&mut map, "target", opt(&link.target));
    map.into()
}

fn unit(unit: &Unit) -> Value {
    let mut map = Map::new();
    put(&mut map, "contents", opt(&unit.contents));
    let dropins: Value = unit
        .dropins
        .iter()
        .map(|d| {
            let mut m = Map::new();
            put(&mut m, "contents", opt(&d.contents));
            m.insert("name".into(), d.name.value.clone().into());
            Value::from(m)
        })
        .collect();
    put(&mut map, "dropins", dropins);
    put(&mut map, "enabled", opt(&unit.enabled));
    put(&mut map, "mask", opt(&unit.mask));
    map.insert("name".into(), unit.name.value.clone().into());
    map.into()
}

/// User fields in the Go struct's (alphabetical) order.
fn user(user: &User) -> Value {
    let mut fields: Vec<(String, Value)> = user.other.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect();
    fields.push(("name".into(), user.name.value.clone().into()));
    if let Some(hash) = &user.password_hash {
        fields.push(("passwordHash".into(), hash.value.clone().into()));
    }
    fields.push(("sshAuthorizedKeys".into(), strings(&user.ssh_authorized_keys)));
    fields.sort_by_key(|(k, _)| k.to_lowercase());
    let mut map = Map::new();
    for (k, v) in fields {
        if k == "name" {
            map.insert(k, v);
        } else {
            put(&mut map, &k, v);
        }
    }
    map.into()
}

fn group(group: &Group) -> Value {
    let mut fields: Vec<(String, Value)> = group.other.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect();
    fields.push(("name".into(), group.name.value.clone().into()));
    fields.sort_by_key(|(k, _)| k.to_lowercase());
    let mut map = Map::new();
    for (k, v) in fields {
        map.insert(k, v);
    }
    map.into()
}
