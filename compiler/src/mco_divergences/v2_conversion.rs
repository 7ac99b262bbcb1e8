//! Class G: an Ignition 2.x config converted to spec 3 exactly as the MCO converts it.

use crate::ignition::types::Ignition;
use crate::testing::load;

use super::ign;

/// The converted config of one spec 2.2 MachineConfig whose Ignition body is `body`.
fn converted(body: &str) -> Ignition {
    let loaded = load(&[&ign("99-worker-v2", "2.2.0", body)]);
    *loaded.inputs.machine_configs[0].spec.config.clone().expect("a config")
}

fn paths(config: &Ignition) -> Vec<&str> {
    config.storage.files.iter().map(|f| f.node.path.value.as_str()).collect()
}

// MCO: pkg/controller/common/helpers.go removeIgnDuplicateFilesUnitsUsers walks files and units
// from the end, keeping the first it meets: the last duplicate wins and the list comes out
// reversed.
#[test]
fn g_files_and_units_come_out_in_reverse_order() {
    let config = converted(
        "    storage:\n      files:\n      - {filesystem: root, path: /etc/a, contents: {source: 'data:,first'}}\n      - {filesystem: root, path: /etc/b, contents: {source: 'data:,b'}}\n      - {filesystem: root, path: /etc/a, contents: {source: 'data:,last'}}\n    systemd:\n      units:\n      - {name: x.service, dropins: [{name: 1.conf, contents: \"[Unit]\\n\"}]}\n      - {name: y.service, mask: true}\n      - {name: x.service, dropins: [{name: 2.conf, contents: \"[Unit]\\n\"}]}\n",
    );
    assert_eq!(paths(&config), ["/etc/a", "/etc/b"]);
    assert_eq!(config.storage.files[0].contents.source.as_ref().unwrap().value, "data:,last");
    let units: Vec<_> = config.systemd.units.iter().map(|u| u.name.value.as_str()).collect();
    assert_eq!(units, ["x.service", "y.service"]);
    let dropins: Vec<_> = config.systemd.units[0].dropins.iter().map(|d| d.name.value.as_str()).collect();
    assert_eq!(dropins, ["2.conf", "1.conf"], "the last unit's dropins, then the earlier ones' new dropins");
}

// MCO: vendored github.com/coreos/ign-converter translate/v22tov30 translateFiles: "2.x files are
// overwrite by default", `append: true` becomes `overwrite: false`, and the source is always set
// (`util.StrPStrict`), "" for a file that gave none; an empty compression is unset (`util.StrP`).
#[test]
fn g_spec_2_files_overwrite_unless_they_append_and_always_have_a_source() {
    let config = converted(
        "    storage:\n      files:\n      - {filesystem: root, path: /etc/empty, mode: 420}\n      - {filesystem: root, path: /etc/kept, overwrite: false, contents: {source: 'data:,k', compression: ''}}\n      - {filesystem: root, path: /etc/log, append: true, contents: {source: 'data:,x'}}\n",
    );
    let files = &config.storage.files;
    let overwrite: Vec<_> = files.iter().map(|f| f.node.overwrite.as_ref().map(|o| o.value)).collect();
    assert_eq!(paths(&config), ["/etc/log", "/etc/kept", "/etc/empty"]);
    assert_eq!(overwrite, [Some(false), Some(false), Some(true)]);
    assert_eq!(files[2].contents.source.as_ref().unwrap().value, "", "a source, empty");
    assert_eq!(files[0].append[0].source.as_ref().unwrap().value, "data:,x");
    assert!(files[0].contents.source.is_none());
    assert!(files[1].contents.compression.is_none());
}

// MCO: removeIgnDuplicateFilesUnitsUsers keeps the last core user whole (its password hash and
// only its) and appends the SSH keys of the earlier ones from the last to the first;
// dedupePasswdUserSSHKeys then drops repeats, keeping the first.
#[test]
fn g_several_core_users_become_the_last_one_with_every_key() {
    let config = converted(
        "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [k1, k3], passwordHash: h1}\n      - {name: core, sshAuthorizedKeys: [k4]}\n      - {name: core, sshAuthorizedKeys: [k2, k1]}\n",
    );
    let users = &config.passwd.users;
    let keys: Vec<_> = users[0].ssh_authorized_keys.iter().map(|k| k.value.as_str()).collect();
    assert_eq!((users.len(), keys), (1, vec!["k2", "k1", "k4", "k3"]));
    assert!(users[0].password_hash.is_none(), "the last user set no hash");
}

// MCO: ign-converter v22tov30 translateUnits and translateLinks: the deprecated `enable` only
// turns a unit on, `enabled: false` wins, and false or empty values are unset (`util.BoolP`,
// `util.StrP`).
#[test]
fn g_false_and_empty_spec_2_values_are_unset() {
    let config = converted(
        "    systemd:\n      units:\n      - {name: a.service, enable: false, mask: false, contents: ''}\n      - {name: b.service, enable: true, enabled: false}\n",
    );
    let a = &config.systemd.units[1];
    assert_eq!(a.name.value, "a.service");
    assert!(a.enabled.is_none() && a.mask.is_none() && a.contents.is_none());
    assert_eq!(config.systemd.units[0].enabled.as_ref().map(|e| e.value), Some(false));
}
