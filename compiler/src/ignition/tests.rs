//! Ignition version handling, the 2.x conversion and validation rules (`spec/mco.md` §2.2,
//! §2.4; `spec/image-mode.md` §5), one test per rule.

use crate::testing::{load, mc};

fn config(version: &str, body: &str) -> String {
    mc("99-test", Some("worker"), &format!("  config:\n    ignition: {{version: {version}}}\n{body}"))
}

fn codes(text: &str) -> Vec<&'static str> {
    load(&[text]).codes()
}

#[test]
fn every_version_the_mco_accepts_reads() {
    for version in ["2.0.0", "2.1.0", "2.2.0", "3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0"] {
        let loaded = load(&[&config(version, "")]);
        assert_eq!(loaded.inputs.machine_configs.len(), 1, "{version}");
        assert!(loaded.codes().is_empty(), "{version}: {:?}", loaded.codes());
    }
}

#[test]
fn patch_versions_are_unknown_versions() {
    // ParseCompatibleVersion compares the whole version (checked with mco-oracle); the converter's
    // TestIgnitionConverterGetSupportedMinorVersion (3.5.2 → 3.5) is about another lookup.
    assert_eq!(codes(&config("3.5.2", "")), ["MCC1001"]);
}

#[test]
fn an_unknown_version_is_an_error_naming_the_supported_list() {
    let loaded = load(&[&config("4.0.0", "")]);
    assert_eq!(loaded.codes(), ["MCC1001"]);
    assert!(loaded.diagnostics[0].help.as_ref().unwrap().contains("2.2, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5"));
    let mc = &loaded.inputs.machine_configs[0];
    assert!(!mc.valid && mc.spec.config.is_none(), "kept without a config, and invalid: its pools do not render");
    assert_eq!(codes(&config("2.3.0", "")), ["MCC1001"]);
    assert_eq!(codes(&config("3.6.0", "")), ["MCC1001"]);
    assert_eq!(codes(&config("3.4.0-experimental", "")), ["MCC1001"]);
}

#[test]
fn a_malformed_version_is_an_error() {
    assert_eq!(codes(&config("'3.2'", "")), ["MCC1002"]);
    assert_eq!(codes(&config("badversion", "")), ["MCC1002"]);
}

#[test]
fn an_empty_config_is_valid_but_content_without_a_version_is_not() {
    assert!(codes(&mc("a", Some("worker"), "  config: {}")).is_empty());
    assert!(codes(&mc("a", Some("worker"), "  config: null")).is_empty());
    let no_version = mc("a", Some("worker"), "  config:\n    storage:\n      files:\n      - {path: /etc/a}");
    assert_eq!(codes(&no_version), ["MCC1003"]);
}

#[test]
fn go_nulls_for_empty_lists_are_accepted() {
    let text = mc(
        "a",
        Some("worker"),
        "  kernelArguments: null\n  extensions: null\n  kernelType: ''\n  config:\n    ignition: {version: 3.2.0}\n    systemd: {}\n    passwd: {}\n    storage: {files: null}",
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
}

#[test]
fn a_field_from_a_later_spec_version_is_an_unused_key() {
    let loaded = load(&[&config("3.2.0", "    kernelArguments: {shouldExist: [nosmt]}")]);
    assert_eq!(loaded.codes(), ["MCC1004"]);
    assert!(loaded.diagnostics[0].help.as_ref().unwrap().contains("3.3.0"));
    assert!(codes(&config("3.3.0", "    kernelArguments: {shouldExist: [nosmt]}")).is_empty());
}

#[test]
fn v2_duplicate_files_keep_the_last() {
    // removeIgnDuplicateFilesUnitsUsers, TestRemoveIgnDuplicateFilesAndUnits.
    let text = config(
        "2.2.0",
        "    storage:\n      files:\n      - {filesystem: root, path: /etc/a, contents: {source: 'data:,first'}}\n      - {filesystem: root, path: /etc/a, contents: {source: 'data:,last'}}",
    );
    let loaded = load(&[&text]);
    let files = &loaded.inputs.machine_configs[0].spec.config.as_ref().unwrap().storage.files;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].contents.source.as_ref().unwrap().value, "data:,last");
    assert!(loaded.codes().is_empty(), "de-duplicated before validation: {:?}", loaded.codes());
}

#[test]
fn v2_duplicate_units_keep_the_last_and_add_new_dropins() {
    let text = config(
        "2.2.0",
        "    systemd:\n      units:\n      - name: a.service\n        dropins: [{name: 1.conf, contents: \"[Unit]\\n\"}, {name: 2.conf, contents: \"[Unit]\\n\"}]\n      - name: a.service\n        enabled: true\n        dropins: [{name: 2.conf, contents: \"[Service]\\n\"}]",
    );
    let loaded = load(&[&text]);
    let units = &loaded.inputs.machine_configs[0].spec.config.as_ref().unwrap().systemd.units;
    assert_eq!(units.len(), 1);
    let dropins: Vec<_> =
        units[0].dropins.iter().map(|d| (d.name.value.as_str(), d.contents.as_ref().unwrap().value.as_str())).collect();
    assert_eq!(dropins, [("2.conf", "[Service]\n"), ("1.conf", "[Unit]\n")]);
}

#[test]
fn v2_users_must_be_core_and_their_keys_are_concatenated() {
    let text = config(
        "2.2.0",
        "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [k1]}\n      - {name: core, sshAuthorizedKeys: [k2, k1]}\n      - {name: admin}",
    );
    let loaded = load(&[&text]);
    assert_eq!(loaded.codes(), ["MCC1025"]);
    let users = &loaded.inputs.machine_configs[0].spec.config.as_ref().unwrap().passwd.users;
    let keys: Vec<_> = users[0].ssh_authorized_keys.iter().map(|k| k.value.as_str()).collect();
    // The last core user's keys come first (removeIgnDuplicateFilesUnitsUsers walks from the end).
    assert_eq!((users.len(), keys), (1, vec!["k2", "k1"]));
}

#[test]
fn v2_filesystem_root_maps_to_slash_and_others_are_refused() {
    assert!(codes(&config("2.2.0", "    storage:\n      files:\n      - {filesystem: root, path: /etc/a}")).is_empty());
    assert_eq!(
        codes(&config("2.2.0", "    storage:\n      files:\n      - {filesystem: data, path: /etc/a}")),
        ["MCC1026"]
    );
}

#[test]
fn v2_append_true_becomes_an_append_fragment() {
    let text = config(
        "2.2.0",
        "    storage:\n      files:\n      - {filesystem: root, path: /etc/a, append: true, contents: {source: 'data:,more'}}",
    );
    let loaded = load(&[&text]);
    let file = &loaded.inputs.machine_configs[0].spec.config.as_ref().unwrap().storage.files[0];
    assert!(file.contents.source.is_none());
    assert_eq!(file.append[0].source.as_ref().unwrap().value, "data:,more");
}

#[test]
fn paths_must_be_absolute_and_clean() {
    let files = |path: &str| config("3.2.0", &format!("    storage:\n      files:\n      - {{path: '{path}'}}"));
    assert_eq!(codes(&files("etc/a")), ["MCC1005"]);
    assert_eq!(codes(&files("/etc/./a")), ["MCC1005"]);
    assert_eq!(codes(&files("/etc/a/")), ["MCC1005"]);
    assert_eq!(codes(&files("")), ["MCC1005"]);
    assert!(codes(&files("/etc/a")).is_empty());
}

#[test]
fn files_directories_and_links_share_one_path_namespace_within_a_config() {
    let text = config(
        "3.2.0",
        "    storage:\n      files:\n      - {path: /etc/a}\n      directories:\n      - {path: /etc/a}",
    );
    assert_eq!(codes(&text), ["MCC1006"]);
}

#[test]
fn modes_above_0777_are_refused_by_the_mco() {
    let mode = |m: &str| config("3.2.0", &format!("    storage:\n      files:\n      - {{path: /etc/a, mode: {m}}}"));
    assert_eq!(codes(&mode("2541")), ["MCC1008"], "04755: setuid");
    assert_eq!(codes(&mode("8000")), ["MCC1007"]);
    assert!(codes(&mode("511")).is_empty(), "0777 is the limit");
}

#[test]
fn unit_and_dropin_names_and_contents_are_checked() {
    let unit = |u: &str| config("3.2.0", &format!("    systemd:\n      units:\n      - {u}"));
    assert_eq!(codes(&unit("{name: foo.servic}")), ["MCC1009"]);
    assert_eq!(codes(&unit("{name: foo.service, dropins: [{name: x.cfg}]}")), ["MCC1010"]);
    assert_eq!(codes(&unit("{name: foo.service, contents: \"[Service\"}")), ["MCC1011"]);
    assert_eq!(
        codes(&unit("{name: foo.service, enabled: true, contents: \"[Service]\\nExecStart=/bin/true\\n\"}")),
        ["MCC1012"]
    );
}

#[test]
fn data_urls_decode_and_hashes_match_the_decompressed_bytes() {
    let file = |source: &str, extra: &str| {
        config(
            "3.2.0",
            &format!("    storage:\n      files:\n      - {{path: /etc/a, contents: {{source: '{source}'{extra}}}}}"),
        )
    };
    assert_eq!(codes(&file("data:,a b", "")), ["MCC1015"]);
    assert_eq!(codes(&file("https://example.com/a", "")), ["MCC1019"]);
    assert_eq!(codes(&file("ftp://example.com/a", "")), ["MCC1020"]);
    assert_eq!(codes(&file("data:,a", ", compression: xz")), ["MCC1016"]);
    let sha_of_a = "sha512-1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75";
    assert!(codes(&file("data:,a", &format!(", verification: {{hash: {sha_of_a}}}"))).is_empty());
    assert_eq!(codes(&file("data:,b", &format!(", verification: {{hash: {sha_of_a}}}"))), ["MCC1018"]);
}

#[test]
fn a_data_url_error_points_at_the_offending_character() {
    let text = config("3.2.0", "    storage:\n      files:\n      - {path: /etc/a, contents: {source: \"data:,a b\"}}");
    let loaded = load(&[&text]);
    let span = loaded.diagnostics[0].span.unwrap();
    assert_eq!(loaded.sources.text(span), " ");
}

#[test]
fn the_extension_allowlist_is_checked_only_with_an_ignition_config() {
    // Quirk of ValidateMachineConfig, kept: TestMergeMachineConfigs merges `testExtensions`.
    assert!(codes(&mc("a", Some("worker"), "  extensions: [testExtensions]")).is_empty());
    assert_eq!(
        codes(&mc("a", Some("worker"), "  config: {ignition: {version: 3.2.0}}\n  extensions: [wasm]")),
        ["MCC1502"]
    );
}

#[test]
fn kernel_types_outside_the_mco_list_are_refused() {
    assert_eq!(codes(&mc("a", Some("worker"), "  kernelType: rt")), ["MCC1501"]);
    assert!(codes(&mc("a", Some("worker"), "  kernelType: 64k-pages")).is_empty());
}

#[test]
fn user_and_group_attributes_are_type_checked_as_go_decodes_them() {
    let users = |attr: &str| config("3.2.0", &format!("    passwd:\n      users:\n      - {{name: core, {attr}}}"));
    assert_eq!(codes(&users("uid: '1000'")), ["MCC0009"]);
    assert_eq!(codes(&users("groups: [wheel, 1]")), ["MCC0009"]);
    assert!(codes(&users("uid: 1000, groups: [wheel], shell: /bin/bash")).is_empty());
}

#[test]
fn an_empty_source_is_an_empty_file_and_an_empty_link_target_is_no_target() {
    let empty_source = config("3.2.0", "    storage:\n      files:\n      - {path: /etc/a, contents: {source: ''}}");
    assert!(codes(&empty_source).is_empty());
    let empty_target = config("3.3.0", "    storage:\n      links:\n      - {path: /etc/a, target: ''}");
    assert_eq!(codes(&empty_target), ["MCC1013"]);
}

#[test]
fn http_headers_need_a_name_a_non_empty_value_and_each_name_once() {
    let headers = |h: &str| {
        config(
            "3.2.0",
            &format!(
                "    storage:\n      files:\n      - {{path: /etc/a, contents: {{source: 'https://h/a', httpHeaders: [{h}]}}}}"
            ),
        )
    };
    let errors = |h: &str| codes(&headers(h)).into_iter().filter(|c| *c != "MCC1019").collect::<Vec<_>>();
    assert_eq!(errors("{name: '', value: x}"), ["MCC1030"]);
    assert_eq!(errors("{name: A, value: ''}"), ["MCC1030"]);
    assert_eq!(errors("{name: A, value: x}, {name: A, value: y}"), ["MCC1030"]);
    assert!(errors("{name: A, value: x}, {name: B}").is_empty());
}

#[test]
fn ids_outside_32_bits_and_hashes_that_break_shadow_are_refused() {
    let owner = |id: &str| {
        config(
            "3.2.0",
            &format!("    storage:\n      files:\n      - {{path: /etc/a, user: {{id: {id}}}, group: {{id: 0}}}}"),
        )
    };
    assert_eq!(codes(&owner("-1")), ["MCC1034"]);
    assert_eq!(codes(&owner("4294967296")), ["MCC1034"]);
    assert_eq!(codes(&owner("18446744073709551615")), ["MCC0009"], "past Go's int: a type error already");
    assert!(codes(&owner("4294967295")).is_empty());
    assert!(codes(&owner("0")).is_empty());
    let users = |attr: &str| config("3.2.0", &format!("    passwd:\n      users:\n      - {{name: core, {attr}}}"));
    assert_eq!(codes(&users("uid: -5")), ["MCC1034"]);
    assert_eq!(codes(&users("passwordHash: '$6$x$y:0:99999'")), ["MCC1035"]);
    assert_eq!(codes(&users("passwordHash: \"$6$x$y\\nroot::0:0::/root:/bin/sh\"")), ["MCC1035"]);
    assert!(codes(&users("uid: 1000, passwordHash: '$6$x$y'")).is_empty());
    let groups = |attr: &str| config("3.2.0", &format!("    passwd:\n      groups:\n      - {{name: ops, {attr}}}"));
    assert_eq!(codes(&groups("gid: 4294967296")), ["MCC1034"]);
    assert_eq!(codes(&groups("passwordHash: 'a:b'")), ["MCC1035"]);
}

#[test]
fn an_entry_through_links_names_the_first_link_of_the_config_it_lies_under() {
    let labels = |links: &[&str], path: &str| {
        let links: String = links.iter().map(|l| format!("      - {{path: '{l}', target: /t}}\n")).collect();
        let text =
            config("3.4.0", &format!("    storage:\n      links:\n{links}      files:\n      - {{path: '{path}'}}"));
        let loaded = load(&[&text]);
        // The file's, not those of links under links.
        let through = loaded.diagnostics.iter().filter(|d| d.code.code == crate::codes::PATH_THROUGH_LINK.code);
        let through = through.filter(|d| d.message.starts_with("file"));
        through.map(|d| format!("{}: {}", d.message, d.label.clone().unwrap_or_default())).collect::<Vec<_>>()
    };
    let file = |link: &str| format!("file path includes link in config: `{link}` is a link of this config");
    // In the links' order, not the nearest ancestor; `/a/` (trailing `/`) counts as `/a`.
    assert_eq!(labels(&["/a/b", "/a/", "/a"], "/a/b/c"), [file("/a/b")]);
    assert_eq!(labels(&["/x", "/a/", "/a/b"], "/a/b/c"), [file("/a/")]);
    assert_eq!(labels(&["/", "/a"], "/a/b"), [file("/")]);
    // A link's own path, a sibling sharing its prefix, and a path ending in `/` are not under it.
    assert!(labels(&["/a/b"], "/a/b").is_empty());
    assert!(labels(&["/a/b"], "/a/bc/d").is_empty());
    assert_eq!(labels(&["/a"], "/a/"), Vec::<String>::new());
    assert_eq!(labels(&["/a"], "/a//"), [file("/a")]);
}
