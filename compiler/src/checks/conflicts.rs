//! MCC7001: two MachineConfigs of one pool define the same path, unit or dropin with different
//! contents or attributes.
//!
//! The MCO merges a pool's MachineConfigs with Ignition's merge, field by field, in its own
//! order (worker-role MachineConfigs first, then the others, each group by name), and keeps the
//! later value of every field without a word (`spec/mco.md` §2.1–§2.2). Whoever renames a
//! MachineConfig, or adds one, can so silently replace another team's file. The finding names the
//! fields that differ, says which definition wins, and points at both.
//!
//! Only fields both definitions set are compared: a later MachineConfig that leaves a field out
//! keeps the earlier value, which is no conflict. Contents are compared as the node gets them
//! (decoded and decompressed). A file replacing a directory (or a link) at the same path is a
//! conflict of kind: the earlier entry is dropped whole.
//!
//! Each definition's entry is found through its MachineConfig's [`Entries`], built once per
//! MachineConfig: scanning the MachineConfig's lists for each of its entries cost O(n²) in the
//! entries of one MachineConfig.

use std::collections::hash_map;

use indexmap::IndexMap;

use super::{Context, and_list, decoded, pools_phrase};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::ignition::types::{Directory, Dropin, File, Ignition, Link, NodeCommon, Unit};
use crate::render::{Definition, EntryKey, McId};
use crate::source::Span;

/// A field of an entry that two definitions can disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Field {
    Kind,
    Contents,
    Mode,
    Overwrite,
    User,
    Group,
    Target,
    Hard,
    Enabled,
    Mask,
}

/// How many fields there are (`Mask` is the last): the size of an array indexed by field.
const FIELDS: usize = Field::Mask as usize + 1;

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Contents => "contents",
            Field::Mode => "mode",
            Field::Overwrite => "overwrite",
            Field::User => "user",
            Field::Group => "group",
            Field::Target => "target",
            Field::Hard => "hard",
            Field::Enabled => "enabled",
            Field::Mask => "mask",
        }
    }
}

/// One definition's value of a field, comparable.
type Value = Vec<u8>;

/// A winning definition against a losing one, in every pool where they meet.
struct Finding {
    entry: String,
    winner: McId,
    loser: McId,
    fields: Vec<Field>,
    pools: Vec<String>,
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut found: IndexMap<(Span, Span), Finding> = IndexMap::new();
    // Each MachineConfig's entries, built when one of its definitions is first compared; boxed,
    // so a MachineConfig whose entries are never compared costs a pointer, not five maps.
    let mut entries: Vec<Option<Box<Entries<'_>>>> = Vec::new();
    entries.resize_with(cx.c.inputs.machine_configs.len(), || None);
    for (pool, _) in cx.pools() {
        for (key, definitions) in &pool.provenance {
            let values: Vec<Option<Vec<(Field, Value)>>> =
                definitions.iter().map(|d| fields_of(cx, &mut entries, key, d)).collect();
            // The last definition that set each field, and its value, by field: an array, not a
            // map, as every entry of every pool makes one.
            let mut last: [Option<(usize, &Value)>; FIELDS] = [None; FIELDS];
            for (i, current) in values.iter().enumerate() {
                let Some(current) = current else { continue };
                let mut conflicts: Vec<(usize, Field)> = Vec::new();
                let kind = current.iter().find(|(f, _)| *f == Field::Kind);
                if let (Some((_, new)), Some((j, old))) = (kind, last[Field::Kind as usize])
                    && old != new
                {
                    // Another kind at the same path: the earlier entry is removed, every field with it.
                    conflicts.push((j, Field::Kind));
                    last = [None; FIELDS];
                }
                for (field, value) in current {
                    let slot = &mut last[*field as usize];
                    if let Some((j, old)) = *slot
                        && old != value
                        && definitions[j].machine_config != definitions[i].machine_config
                    {
                        conflicts.push((j, *field));
                    }
                    *slot = Some((i, value));
                }
                for (j, field) in conflicts {
                    let (winner, loser) = (&definitions[i], &definitions[j]);
                    let finding = found.entry((winner.span, loser.span)).or_insert_with(|| Finding {
                        entry: describe(key),
                        winner: winner.machine_config,
                        loser: loser.machine_config,
                        fields: Vec::new(),
                        pools: Vec::new(),
                    });
                    if !finding.fields.contains(&field) {
                        finding.fields.push(field);
                    }
                    let name = pool.pool.name();
                    if !finding.pools.iter().any(|p| p == name) {
                        finding.pools.push(name.to_string());
                    }
                }
            }
        }
    }
    for ((winner_span, loser_span), mut finding) in found {
        finding.fields.sort();
        let fields: Vec<&str> = finding.fields.iter().map(|f| f.name()).collect();
        let fields = and_list(&fields);
        let (winner, loser) = (cx.mc_name(finding.winner), cx.mc_name(finding.loser));
        out.push(
            Diagnostic::new(
                &codes::CONFLICTING_DEFINITIONS,
                winner_span,
                format!("`{}` is defined differently by `{loser}` and `{winner}` ({fields}): `{winner}` wins", finding.entry),
            )
            .with_label(format!("wins: merged after `{loser}`"))
            .with_related(loser_span, format!("overridden by `{winner}` ({fields})"))
            .with_help(format!(
                "in {}, the MCO merges worker-role MachineConfigs first, then the others, each group by name, and keeps the later value of each field without a word; define `{}` in one MachineConfig, or make both agree",
                pools_phrase(&finding.pools),
                finding.entry
            )),
        );
    }
}

/// How the entry is named in messages.
fn describe(key: &EntryKey) -> String {
    match key {
        EntryKey::Path(p) => p.to_string(),
        EntryKey::Unit(u) => u.clone(),
        EntryKey::Dropin { unit, name } => format!("{unit}.d/{name}"),
        EntryKey::User(u) | EntryKey::Group(u) => u.clone(),
    }
}

/// One MachineConfig's files, directories, links, units and dropins by path or name. A name
/// given twice in one MachineConfig (a duplicate, which validation reports) finds the first, as a
/// scan of the list did.
struct Entries<'a> {
    files: HashMap<&'a str, &'a File>,
    directories: HashMap<&'a str, &'a Directory>,
    links: HashMap<&'a str, &'a Link>,
    units: HashMap<&'a str, &'a Unit>,
    /// The dropins of the first unit of each name, by unit and dropin name.
    dropins: HashMap<(&'a str, &'a str), &'a Dropin>,
}

impl<'a> Entries<'a> {
    fn of(config: &'a Ignition) -> Self {
        let (storage, units) = (&config.storage, &config.systemd.units);
        // Sized at once: most MachineConfigs have a few entries, and rehashing would double the cost.
        let mut entries = Entries {
            files: HashMap::with_capacity_and_hasher(storage.files.len(), Default::default()),
            directories: HashMap::with_capacity_and_hasher(storage.directories.len(), Default::default()),
            links: HashMap::with_capacity_and_hasher(storage.links.len(), Default::default()),
            units: HashMap::with_capacity_and_hasher(units.len(), Default::default()),
            dropins: HashMap::with_capacity_and_hasher(units.iter().map(|u| u.dropins.len()).sum(), Default::default()),
        };
        for file in &storage.files {
            entries.files.entry(file.node.path.value.as_str()).or_insert(file);
        }
        for directory in &storage.directories {
            entries.directories.entry(directory.node.path.value.as_str()).or_insert(directory);
        }
        for link in &storage.links {
            entries.links.entry(link.node.path.value.as_str()).or_insert(link);
        }
        for unit in units {
            let name = unit.name.value.as_str();
            // A later unit of the same name is never looked at, nor are its dropins.
            if let hash_map::Entry::Vacant(vacant) = entries.units.entry(name) {
                vacant.insert(unit);
                for dropin in &unit.dropins {
                    entries.dropins.entry((name, dropin.name.value.as_str())).or_insert(dropin);
                }
            }
        }
        entries
    }
}

/// The fields one definition sets, with their values; `None` when there is nothing to compare.
/// `entries` holds each MachineConfig's [`Entries`] once built.
fn fields_of<'a>(
    cx: &Context<'a>,
    entries: &mut [Option<Box<Entries<'a>>>],
    key: &EntryKey,
    definition: &Definition,
) -> Option<Vec<(Field, Value)>> {
    let config: &'a Ignition = cx.c.inputs.machine_configs[definition.machine_config].spec.config.as_ref()?;
    let entries = entries[definition.machine_config].get_or_insert_with(|| Box::new(Entries::of(config)));
    let mut fields = Vec::new();
    let mut set = |field: Field, value: Option<Value>| {
        if let Some(value) = value {
            fields.push((field, value));
        }
    };
    match key {
        EntryKey::Path(path) => {
            let path: &str = path;
            if let Some(file) = entries.files.get(path) {
                set(Field::Kind, Some(b"file".to_vec()));
                node_fields(&file.node, &mut set);
                set(Field::Mode, file.mode.as_ref().map(|m| m.value.to_string().into_bytes()));
                if let Some(source) = &file.contents.source {
                    // Bytes as the node gets them; the URL itself when they cannot be known.
                    let bytes =
                        decoded(&file.contents).map_or_else(|| source.value.as_bytes().to_vec(), <[u8]>::to_vec);
                    set(Field::Contents, Some(bytes));
                }
            } else if let Some(directory) = entries.directories.get(path) {
                set(Field::Kind, Some(b"directory".to_vec()));
                node_fields(&directory.node, &mut set);
                set(Field::Mode, directory.mode.as_ref().map(|m| m.value.to_string().into_bytes()));
            } else if let Some(link) = entries.links.get(path) {
                set(Field::Kind, Some(b"link".to_vec()));
                node_fields(&link.node, &mut set);
                set(Field::Target, link.target.as_ref().map(|t| t.value.clone().into_bytes()));
                set(Field::Hard, link.hard.as_ref().map(|h| vec![u8::from(h.value)]));
            }
        }
        EntryKey::Unit(name) => {
            let unit = entries.units.get(name.as_str())?;
            set(Field::Contents, unit.contents.as_ref().map(|c| c.value.clone().into_bytes()));
            set(Field::Enabled, unit.enabled.as_ref().map(|e| vec![u8::from(e.value)]));
            set(Field::Mask, unit.mask.as_ref().map(|m| vec![u8::from(m.value)]));
        }
        EntryKey::Dropin { unit, name } => {
            let dropin = entries.dropins.get(&(unit.as_str(), name.as_str()))?;
            set(Field::Contents, dropin.contents.as_ref().map(|c| c.value.clone().into_bytes()));
        }
        // SSH keys are a union; users and groups are not entries a node writes as files.
        EntryKey::User(_) | EntryKey::Group(_) => return None,
    }
    Some(fields)
}

/// `overwrite`, `user` and `group`; owners compare as written (`id` and `name` both).
fn node_fields(node: &NodeCommon, set: &mut impl FnMut(Field, Option<Value>)) {
    set(Field::Overwrite, node.overwrite.as_ref().map(|o| vec![u8::from(o.value)]));
    let owner = |o: &crate::ignition::types::Owner| {
        o.is_set().then(|| {
            format!("{:?}/{:?}", o.id.as_ref().map(|i| i.value), o.name.as_ref().map(|n| n.value.clone())).into_bytes()
        })
    };
    set(Field::User, owner(&node.user));
    set(Field::Group, owner(&node.group));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::CONFLICTING_DEFINITIONS;

    fn file(name: &str, path: &str, attributes: &str) -> String {
        worker(name, &format!("    storage:\n      files:\n      - {{path: {path}, {attributes}}}"))
    }

    #[test]
    fn different_contents_and_modes_name_the_winner_and_both_definitions() {
        let a = file("99-worker-a", "/etc/app.conf", "mode: 384, contents: {source: 'data:,a'}");
        let b = file("99-worker-b", "/etc/app.conf", "mode: 420, contents: {source: 'data:,b'}");
        let found = with_code(&check(&[&a, &b]), &CONFLICTING_DEFINITIONS);
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(
            d.message,
            "`/etc/app.conf` is defined differently by `99-worker-a` and `99-worker-b` (contents and mode): `99-worker-b` wins"
        );
        assert_eq!(d.related.len(), 1);
        assert!(d.help.as_deref().unwrap().contains("pool `worker`"));
    }

    #[test]
    fn equal_values_and_fields_set_by_one_side_only_are_no_conflict() {
        // Same bytes in two encodings, and a mode only the first sets.
        let a = file("99-worker-a", "/etc/app.conf", "mode: 384, contents: {source: 'data:,hi'}");
        let b = file("99-worker-b", "/etc/app.conf", "contents: {source: 'data:;base64,aGk='}");
        assert!(with_code(&check(&[&a, &b]), &CONFLICTING_DEFINITIONS).is_empty());
    }

    #[test]
    fn the_merge_order_decides_the_winner_not_the_input_order() {
        // An infra-role MachineConfig merges after every worker one, whatever the names.
        let infra_pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: infra\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}\n";
        let a = crate::testing::mc(
            "00-infra-a",
            Some("infra"),
            "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/x, contents: {source: 'data:,infra'}}",
        );
        let b = file("99-worker-b", "/etc/x", "contents: {source: 'data:,worker'}");
        let found = with_code(&check(&[infra_pool, &a, &b]), &CONFLICTING_DEFINITIONS);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.ends_with("`00-infra-a` wins"), "{}", found[0].message);
    }

    #[test]
    fn a_file_replacing_a_directory_is_a_conflict_of_kind() {
        let a = worker("99-worker-a", "    storage:\n      directories:\n      - {path: /etc/app}");
        let b = file("99-worker-b", "/etc/app", "contents: {source: 'data:,x'}");
        let found = with_code(&check(&[&a, &b]), &CONFLICTING_DEFINITIONS);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("(kind)"), "{}", found[0].message);
    }

    #[test]
    fn units_and_dropins_conflict_on_their_own_fields() {
        let a = worker(
            "99-worker-a",
            "    systemd:\n      units:\n      - name: app.service\n        enabled: true\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\nNice=1\\n\"}]",
        );
        let b = worker(
            "99-worker-b",
            "    systemd:\n      units:\n      - name: app.service\n        enabled: false\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\nNice=2\\n\"}]",
        );
        let found = with_code(&check(&[&a, &b]), &CONFLICTING_DEFINITIONS);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(found.len(), 2, "{messages:#?}");
        assert!(messages.iter().any(|m| m.starts_with("`app.service` ") && m.contains("(enabled)")));
        assert!(messages.iter().any(|m| m.starts_with("`app.service.d/10-a.conf` ") && m.contains("(contents)")));
    }

    #[test]
    fn a_pool_inheriting_the_worker_configs_does_not_repeat_the_finding() {
        let infra_pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: infra\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}\n";
        let a = file("99-worker-a", "/etc/x", "contents: {source: 'data:,a'}");
        let b = file("99-worker-b", "/etc/x", "contents: {source: 'data:,b'}");
        let found = with_code(&check(&[infra_pool, &a, &b]), &CONFLICTING_DEFINITIONS);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].help.as_deref().unwrap().contains("pools `worker` and `infra`"));
    }
}

#[cfg(test)]
#[path = "conflicts_scaling_tests.rs"]
mod scaling_tests;
