//! Class J: fields newer than a MachineConfig's own Ignition version are dropped.

use crate::testing::load;

use super::ign;

fn read(version: &str, body: &str) -> (crate::ignition::types::Ignition, Vec<&'static str>) {
    let loaded = load(&[&ign("99-worker-j", version, body)]);
    (*loaded.inputs.machine_configs[0].spec.config.clone().unwrap(), loaded.codes())
}

// MCO: pkg/controller/common/helpers.go IgnParseWrapper → vendored ignition config/v3_5
// ParseCompatibleVersion, which parses a 3.x config with that version's own types and then
// translates it: `mountOptions` and `ignition.proxy` (3.1) and `partitions[].resize` (3.2) are
// not fields of 3.0, so they are gone from the rendered config.
#[test]
fn j_fields_newer_than_the_config_are_dropped() {
    let (config, codes) = read(
        "3.0.0",
        "    storage:\n      disks:\n      - {device: /dev/vdb, partitions: [{label: data, number: 1, resize: true}]}\n      filesystems:\n      - {device: /dev/vdb1, format: xfs, path: /var/data, mountOptions: [noatime]}\n",
    );
    assert_eq!(codes, ["MCC1004", "MCC1004"]);
    assert_eq!(config.storage.disks[0].value["partitions"][0], serde_json::json!({"label": "data", "number": 1}));
    assert!(config.storage.filesystems[0].value.get("mountOptions").is_none());
    let proxy = "  config:\n    ignition: {version: 3.0.0, proxy: {httpProxy: 'http://p:3128'}}\n";
    let loaded = load(&[&crate::testing::mc("99-worker-j", Some("worker"), proxy)]);
    assert_eq!(loaded.codes(), ["MCC1004"]);
    let config = loaded.inputs.machine_configs[0].spec.config.clone().unwrap();
    assert!(config.ignition_extra.is_none());
}

// MCO: the same parse for luks: `discard`, `openOptions` and `clevis.tang[].advertisement` arrived
// in 3.4, `cex` in 3.5; in a 3.4 config `cex` is dropped and the others kept.
#[test]
fn j_luks_fields_are_kept_from_their_own_version_on() {
    let body = "    storage:\n      luks:\n      - name: root\n        device: /dev/vda4\n        discard: true\n        openOptions: [--perf-no_read_workqueue]\n        cex: {enabled: true}\n        clevis: {tang: [{url: 'http://t', thumbprint: x, advertisement: '{}'}]}\n";
    let (config, codes) = read("3.3.0", body);
    assert_eq!(codes, ["MCC1004"; 4]);
    assert_eq!(
        config.storage.luks[0].value,
        serde_json::json!({"name": "root", "device": "/dev/vda4", "clevis": {"tang": [{"url": "http://t", "thumbprint": "x"}]}})
    );
    let (config, codes) = read("3.4.0", body);
    assert_eq!(codes, ["MCC1004"]);
    let luks = &config.storage.luks[0].value;
    assert!(luks.get("cex").is_none() && luks.get("discard").is_some());
    assert!(luks["clevis"]["tang"][0].get("advertisement").is_some());
}
