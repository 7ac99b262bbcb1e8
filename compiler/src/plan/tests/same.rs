//! Span-blind equality (`plan::same`): the plan's cheap test before it builds JSON must never
//! call two entries equal whose JSON differs, and must leave to the JSON the values that differ
//! only where the MCO's round trip drops them.

use super::*;
use crate::plan::diff::{config_json, file_json, same_config, unit_json};
use crate::plan::same::{SameValues, same};

/// One MachineConfig's entries, spelled as a flow mapping or as a block one.
fn entries(name: &str, block: bool) -> String {
    let body = if block {
        "    storage:\n      files:\n      - path: /etc/x\n        mode: 420\n        overwrite: true\n        user:\n          name: root\n        contents:\n          source: 'data:,x'\n    systemd:\n      units:\n      - name: a.service\n        enabled: true\n        contents: \"[Unit]\\n\"\n        dropins:\n        - name: 10.conf\n          contents: \"[Service]\\n\"\n"
    } else {
        "    storage:\n      files:\n      - {path: /etc/x, mode: 420, overwrite: true, user: {name: root}, contents: {source: 'data:,x'}}\n    systemd:\n      units:\n      - {name: a.service, enabled: true, contents: \"[Unit]\\n\", dropins: [{name: 10.conf, contents: \"[Service]\\n\"}]}\n"
    };
    ign(name, body)
}

#[test]
fn entries_written_elsewhere_with_equal_values_are_the_same_with_the_same_json() {
    let flow = state(&[base(), entries("50-worker-a", false)]);
    let block = state(&[base(), files("10-worker-first", &[("/etc/y", "y")]), entries("50-worker-a", true)]);
    let file = |s: &PoolState| s.config.storage.files.iter().find(|f| f.node.path.value == "/etc/x").cloned().unwrap();
    let (a, b) = (file(&flow), file(&block));
    assert_ne!(a, b, "the spans differ");
    assert!(a.same_values(&b));
    assert_eq!(file_json(&a), file_json(&b));
    let (a, b) = (&flow.config.systemd.units[0], &block.config.systemd.units[0]);
    assert!(a.same_values(b));
    assert_eq!(unit_json(a), unit_json(b));
    let p = plan(&flow, &block, Target::Bootc);
    assert_eq!(
        p.changes.iter().map(|c| (c.op, c.name.as_str())).collect::<Vec<_>>(),
        [(Op::Add, "/etc/y")],
        "only the new file changes"
    );
}

#[test]
fn every_value_of_an_entry_counts() {
    let file = |s: &PoolState| s.config.storage.files.iter().find(|f| f.node.path.value == "/etc/x").cloned().unwrap();
    let original = file(&state(&[base(), entries("50-worker-a", false)]));
    let spelled = entries("50-worker-a", false);
    for (from, to) in [
        ("mode: 420", "mode: 384"),
        ("overwrite: true", "overwrite: false"),
        ("user: {name: root}", "user: {id: 0}"),
        ("'data:,x'", "'data:,y'"),
    ] {
        let changed = file(&state(&[base(), spelled.replace(from, to)]));
        assert!(!original.same_values(&changed), "{from} -> {to}");
        assert!(!same(&original, &changed, file_json), "{from} -> {to}");
    }
}

#[test]
fn values_the_json_round_trip_drops_are_left_to_the_json() {
    // A null inside a raw value (the `ignition` section's own fields) is dropped from the JSON
    // the MCO stores: the values differ, the configs do not.
    let with_null =
        ign("50-worker-a", "    storage:\n      files:\n      - {path: /etc/x, contents: {source: 'data:,x'}}\n")
            .replace("ignition: {version: 3.3.0}", "ignition: {version: 3.3.0, timeouts: {httpTotal: null}}");
    let (a, b) = (state(&[base(), with_null]), state(&[base(), files("50-worker-a", &[("/etc/x", "x")])]));
    assert!(a.config.ignition_extra.is_some() && b.config.ignition_extra.is_none());
    assert!(!a.config.same_values(&b.config));
    assert!(same(&*a.config, &*b.config, config_json));
    assert!(plan(&a, &b, Target::Bootc).changes.is_empty());
}

#[test]
fn whole_configs_are_the_same_exactly_when_their_json_is() {
    let two = |first: (&str, &str), second: (&str, &str)| files("50-worker-a", &[first, second]);
    let x = ("/etc/x", "x");
    let config = state(&[base(), two(x, ("/etc/y", "y"))]);
    let with_null = two(x, ("/etc/y", "y"))
        .replace("ignition: {version: 3.3.0}", "ignition: {version: 3.3.0, timeouts: {httpTotal: null}}");
    let others = [
        state(&[base(), spec("10-worker-first", "  kernelArguments: [quiet]"), two(x, ("/etc/y", "y"))]),
        state(&[base(), with_null]),
        state(&[base(), two(("/etc/y", "y"), x)]),
        state(&[base(), two(x, ("/etc/y", "z"))]),
        state(&[base(), files("50-worker-a", &[x])]),
        state(&[base(), two(x, ("/etc/y", "y")), ign("60-worker-disk", DISK)]),
        state(&[
            base(),
            two(x, ("/etc/y", "y")),
            units("60-worker-unit", "      - {name: a.service, enabled: true}\n"),
        ]),
    ];
    let verdicts: Vec<(bool, bool)> = others
        .iter()
        .map(|other| {
            (same_config(&config.config, &other.config), config_json(&config.config) == config_json(&other.config))
        })
        .collect();
    assert!(verdicts.iter().all(|(fast, json)| fast == json), "{verdicts:?}");
    assert_eq!(
        verdicts.iter().filter(|(_, json)| *json).count(),
        2,
        "written elsewhere, and a dropped null: {verdicts:?}"
    );
}
