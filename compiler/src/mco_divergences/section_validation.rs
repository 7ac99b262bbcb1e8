//! Class I: Ignition's validation of disks, RAID, filesystems, LUKS and the ignition section,
//! which the MCO applies to every MachineConfig.

use crate::testing::load;

use super::ign;

// MCO: pkg/controller/common/helpers.go ValidateMachineConfig → ValidateIgnition → the vendored
// ignition config/v3_5/types Validate methods (Disk, Partition, Raid, Filesystem, Luks, Tang,
// Proxy, Resource). Every error the mco-oracle reports for this MachineConfig, in its order.
#[test]
fn i_every_error_ignition_reports_for_these_sections() {
    let loaded = load(&[super::WORKER_POOL, include_str!("fixtures/invalid-sections.yaml")]);
    let messages: Vec<&str> =
        loaded.diagnostics.iter().filter(|d| d.code.code.starts_with("MCC103")).map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "ignition.proxy.httpProxy: proxies must be http(s)",
            "ignition.proxy.httpsProxy: proxies must be http(s)",
            "ignition.security.tls.certificateAuthorities[0].compression: invalid compression method",
            "storage.disks[0].device: path not absolute",
            "storage.disks[0].partitions[0].label: partition labels may not exceed 36 characters",
            "storage.disks[0].partitions[1]: partition numbers collide",
            "storage.disks[1].device: disk device is required",
            "storage.raid[0].level: raid level is required",
            "storage.raid[1].level: unrecognized raid level",
            "storage.raid[2].level: spares unsupported for linear and raid0 arrays",
            "storage.filesystems[0].format: format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified",
            "storage.filesystems[1].format: invalid filesystem format",
            "storage.filesystems[2].device: path not specified",
            "storage.filesystems[3].path: path not absolute",
            "storage.filesystems[4].format: format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified",
            "storage.luks[0].device: disk device is required",
            "storage.luks[1].name: device names cannot contain slashes",
            "storage.luks[1].clevis.tang[0].url: invalid url scheme",
        ]
    );
}

// MCO: Ignition decodes `sizeMiB` into a Go int, so a string fails the parse of the whole config;
// a valid disk, RAID array, filesystem and LUKS device pass.
#[test]
fn i_a_partition_size_given_as_a_string_is_refused_and_valid_sections_pass() {
    let bad = ign(
        "99-worker-disk",
        "3.4.0",
        "    storage:\n      disks:\n      - device: /dev/vdb\n        partitions: [{label: data, sizeMiB: '100'}]\n",
    );
    assert_eq!(load(&[&bad]).codes(), ["MCC1032"]);
    let good = ign(
        "99-worker-disk",
        "3.4.0",
        "    storage:\n      disks:\n      - device: /dev/vdb\n        partitions: [{label: data, number: 1, sizeMiB: 100}]\n      raid:\n      - {name: md0, level: raid1, devices: [/dev/vdc, /dev/vdd], spares: 1}\n      filesystems:\n      - {device: /dev/disk/by-partlabel/data, format: xfs, path: /var/data, mountOptions: [noatime]}\n      luks:\n      - {name: enc, device: /dev/vde, clevis: {tang: [{url: 'https://tang', thumbprint: x}]}}\n",
    );
    assert!(load(&[&good]).codes().is_empty(), "{:?}", load(&[&good]).codes());
}
