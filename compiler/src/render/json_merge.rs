//! Ignition's merge (`config/merge/merge.go` `mergeStruct`) over the sections mcc keeps as JSON
//! (`ignition`, `disks`, `filesystems`, `raid`, `luks`, a user's other fields): objects merge
//! field by field, a field the child leaves out (or sets to null) keeps the parent's value, and
//! lists merge by key: an item whose key the parent has is merged into it, the others are
//! appended. Strings are their own key, except in option lists, which are concatenated; structs
//! are keyed as Ignition's `Key()` methods say.

use crate::ignition::types::Json;

/// Merges `child` into `parent`; `path` is the dotted path of `parent` from the config's root
/// (`storage.disks`, `ignition.security.tls`…), which decides how its lists are keyed.
pub fn merge(parent: &mut Json, child: &Json, path: &str) {
    match (parent, child) {
        (_, Json::Null) => {}
        (Json::Object(parent), Json::Object(child)) => {
            for (key, value) in child {
                match parent.get_mut(key) {
                    Some(existing) if !existing.is_null() => merge(existing, value, &format!("{path}.{key}")),
                    _ => drop(parent.insert(key.clone(), value.clone())),
                }
            }
        }
        (Json::Array(parent), Json::Array(child)) => {
            for item in child {
                let id = key(item, path);
                match parent.iter_mut().find(|p| id.is_some() && key(p, path) == id) {
                    Some(existing) => merge(existing, item, path),
                    None => parent.push(item.clone()),
                }
            }
        }
        (parent, child) => *parent = child.clone(),
    }
}

/// An item's key in the list at `path` (`Key()` in Ignition's types); `None` when it has none.
fn key(item: &Json, path: &str) -> Option<String> {
    let field = |name: &str| item.get(name).map(|v| v.to_string());
    let list = path.rsplit('.').next().unwrap_or(path);
    // Option lists may repeat a value (mkfs, mdadm and cryptsetup take repeated flags): Ignition
    // gives them no key, so a child's are appended, duplicates and all.
    if matches!(list, "options" | "mountOptions") {
        return None;
    }
    match item {
        Json::Object(_) => match list {
            // Partition.Key: the number when it is set, else the label.
            "partitions" => match item.get("number").and_then(Json::as_i64).filter(|n| *n != 0) {
                Some(number) => Some(format!("number:{number}")),
                None => field("label").map(|l| format!("label:{l}")),
            },
            "tang" => field("url"),
            "certificateAuthorities" | "merge" => field("source"),
            "disks" | "filesystems" => field("device"),
            "raid" | "luks" | "users" | "groups" => field("name"),
            _ => Some(item.to_string()),
        },
        _ => Some(item.to_string()),
    }
}
