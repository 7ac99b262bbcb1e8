//! Class H: lists inside merged entries are merged as Ignition merges them, not replaced.

use serde_json::json;

use crate::testing::load;

/// The rendered worker config of two MachineConfigs (`99-worker-h1`, then `99-worker-h2`).
fn rendered(yaml: &str) -> serde_json::Value {
    let mut loaded = load(&[super::WORKER_POOL, yaml]);
    let pool = loaded.pool("worker");
    crate::plan::diff::config_json(&pool.config)
}

// MCO: pkg/controller/common/helpers.go MergeMachineConfigs → vendored ignition
// config/merge/merge.go mergeStruct: lists are merged by key inside a merged entry (partitions by
// number or label, tang by url, certificate authorities by source; strings by value), and a field
// the later config leaves out keeps the earlier value. The expected config is the mco-oracle's.
#[test]
fn h_lists_inside_merged_entries_merge_by_key() {
    let config = rendered(include_str!("fixtures/nested-lists.yaml"));
    assert_eq!(
        config["ignition"]["proxy"],
        json!({"httpProxy": "http://p:3128", "noProxy": ["a.example", "b.example", "c.example"]})
    );
    let sources: Vec<_> = config["ignition"]["security"]["tls"]["certificateAuthorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ca| (ca["source"].as_str().unwrap(), ca.get("verification").is_some()))
        .collect();
    assert_eq!(sources, [("data:,ca1", true), ("data:,ca2", false), ("data:,ca3", false)]);
    assert_eq!(config["passwd"]["users"][0]["groups"], json!(["wheel", "adm", "video"]));
    let storage = &config["storage"];
    assert_eq!(
        storage["disks"][0]["partitions"],
        json!([
            {"label": "data", "number": 1, "sizeMiB": 200},
            {"label": "logs", "sizeMiB": 60},
            {"label": "new", "sizeMiB": 10}
        ])
    );
    assert_eq!(storage["raid"][0]["devices"], json!(["/dev/vdc", "/dev/vdd", "/dev/vdf"]));
    let tang: Vec<_> = storage["luks"][0]["clevis"]["tang"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["url"].as_str().unwrap(), t["thumbprint"].as_str().unwrap()))
        .collect();
    assert_eq!(tang, [("http://t1", "z"), ("http://t2", "b"), ("http://t3", "c")]);
}

// MCO: vendored ignition config/merge/merge.go: option lists have no key, so a later config's
// options are appended, duplicates included (mountOptions, filesystem, raid and luks options);
// luks openOptions and raid devices are keyed by value.
#[test]
fn h_option_lists_are_concatenated() {
    let config = rendered(include_str!("fixtures/option-lists.yaml"));
    let storage = &config["storage"];
    assert_eq!(storage["filesystems"][0]["options"], json!(["-x", "-y", "-y", "-z"]));
    assert_eq!(storage["raid"][0]["options"], json!(["--a", "--b", "--b", "--c"]));
    assert_eq!(storage["luks"][0]["options"], json!(["--o1", "--o2", "--o2", "--o3"]));
    assert_eq!(storage["luks"][0]["openOptions"], json!(["--p1", "--p2", "--p3"]));
    assert_eq!(storage["raid"][0]["devices"], json!(["/dev/vdc", "/dev/vdd"]));
    let nested = rendered(include_str!("fixtures/nested-lists.yaml"));
    assert_eq!(nested["storage"]["filesystems"][0]["mountOptions"], json!(["noatime", "nodev", "ro", "noatime"]));
}
