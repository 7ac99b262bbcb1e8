//! The MCO's rendering rules (`spec/mco.md` §1–§2), one test per rule, named after it.

use crate::render::RenderOptions;
use crate::testing::{load, mc};

const FILE_A: &str = "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/a, mode: 384, contents: {source: 'data:,a'}}\n";

fn file<'p>(pool: &'p crate::render::RenderedPool, path: &str) -> &'p crate::ignition::types::File {
    pool.config.storage.files.iter().find(|f| f.node.path.value == path).unwrap()
}

#[test]
fn merge_order_puts_worker_role_first_then_others_each_by_name() {
    // TestMergeMachineConfigs: "ccc" with role infra beats "ddd" with role worker.
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: infra}\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}\n";
    let ddd = mc(
        "ddd",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/x, contents: {source: 'data:,worker'}}",
    );
    let ccc = mc(
        "ccc",
        Some("infra"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/x, contents: {source: 'data:,infra'}}",
    );
    let aaa = mc("aaa", Some("worker"), "  kernelArguments: [a]");
    let mut loaded = load(&[pool, &ddd, &ccc, &aaa]);
    let infra = loaded.pool("infra");
    assert_eq!(loaded.merge_order(&infra), ["aaa", "ddd", "ccc"]);
    assert_eq!(file(&infra, "/etc/x").contents.source.as_ref().unwrap().value, "data:,infra");
}

#[test]
fn names_sort_byte_wise_like_go_strings() {
    let upper = mc("99-B", Some("worker"), "  kernelArguments: [upper]");
    let lower = mc("99-a", Some("worker"), "  kernelArguments: [lower]");
    let mut loaded = load(&[&lower, &upper]);
    let worker = loaded.pool("worker");
    assert_eq!(loaded.merge_order(&worker), ["99-B", "99-a"], "'B' (0x42) sorts before 'a' (0x61)");
}

#[test]
fn a_later_config_overrides_only_the_fields_it_sets() {
    // `spec/mco.md` §2.2: mode 0600 from A survives B's contents-only redefinition.
    let a = mc("a", Some("worker"), FILE_A);
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/a, contents: {source: 'data:,b'}}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    let merged = file(&worker, "/etc/a");
    assert_eq!(merged.mode.as_ref().unwrap().value, 0o600);
    assert_eq!(merged.contents.source.as_ref().unwrap().value, "data:,b");
    let history = &worker.provenance[&crate::render::EntryKey::Path("/etc/a".into())];
    assert_eq!(history.len(), 2, "both definitions are kept, in override order");
    assert!(history[0].fields.contains(&"mode") && !history[1].fields.contains(&"mode"));
}

#[test]
fn files_directories_and_links_share_one_key_space() {
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/thing, contents: {source: 'data:,'}}",
    );
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      directories:\n      - {path: /etc/thing, mode: 493}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    assert!(worker.config.storage.files.is_empty(), "the directory replaced the file");
    assert_eq!(worker.config.storage.directories.len(), 1);
}

#[test]
fn the_index_kept_while_merging_is_the_index_of_the_rendered_config() {
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/thing, contents: {source: 'data:,'}}\n      - {path: /etc/kept, contents: {source: 'data:,'}}\n    systemd:\n      units:\n      - {name: a.service, enabled: true}",
    );
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      directories:\n      - {path: /etc/thing, mode: 493}\n      links:\n      - {path: /etc/link, target: /etc/kept}\n      files:\n      - {path: /etc/later, contents: {source: 'data:,'}}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    assert_eq!(worker.index, crate::render::index::EntryIndex::of(&worker.config), "a path changed kind on the way");
    assert_eq!(worker.index.file_position("/etc/later"), Some(1));
}

#[test]
fn an_uncompressed_override_clears_an_earlier_gzip() {
    // ignitionMergeSetFilesDefaultCompression, TestIgnitionMergeCompressed.
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/z, contents: {source: 'data:;base64,H4sIAAAAAAAC/6vKLChITeECAKwAOscHAAAA', compression: gzip}}",
    );
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/z, contents: {source: 'data:,plain'}}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    assert_eq!(file(&worker, "/etc/z").contents.compression, None);
}

#[test]
fn overwrite_defaults_to_true_and_an_explicit_false_is_kept() {
    // TestSetDefaultFileOverwrite.
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/default, contents: {source: 'data:,'}}\n      - {path: /etc/keep, overwrite: false}",
    );
    let mut loaded = load(&[&a]);
    let worker = loaded.pool("worker");
    assert!(file(&worker, "/etc/default").node.overwrite.as_ref().unwrap().value);
    assert!(!file(&worker, "/etc/keep").node.overwrite.as_ref().unwrap().value);
}

#[test]
fn units_merge_by_name_and_dropins_by_name_within_a_unit() {
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    systemd:\n      units:\n      - name: crio.service\n        dropins:\n        - {name: 10-a.conf, contents: \"[Service]\\nA=1\\n\"}",
    );
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    systemd:\n      units:\n      - name: crio.service\n        enabled: true\n        dropins:\n        - {name: 10-a.conf, contents: \"[Service]\\nA=2\\n\"}\n        - {name: 20-b.conf, contents: \"[Service]\\nB=1\\n\"}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    let units = &worker.config.systemd.units;
    assert_eq!(units.len(), 1);
    assert!(units[0].enabled.as_ref().unwrap().value);
    let dropins: Vec<_> =
        units[0].dropins.iter().map(|d| (d.name.value.as_str(), d.contents.as_ref().unwrap().value.as_str())).collect();
    assert_eq!(dropins, [("10-a.conf", "[Service]\nA=2\n"), ("20-b.conf", "[Service]\nB=1\n")]);
}

#[test]
fn ssh_keys_are_a_union_and_the_password_hash_is_taken_from_later_configs() {
    // TestMergeMachineConfigs: keys ["5678", "1234"] and passwordHash "testpass".
    let ssh1 = mc(
        "ssh",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: ['5678']}",
    );
    let ssh2 = mc(
        "ssh2",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: ['1234', '5678']}",
    );
    let passwd = mc(
        "passwd",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    passwd:\n      users:\n      - {name: core, passwordHash: testpass}",
    );
    let mut loaded = load(&[&ssh1, &ssh2, &passwd]);
    let worker = loaded.pool("worker");
    let core = &worker.config.passwd.users[0];
    let keys: Vec<_> = core.ssh_authorized_keys.iter().map(|k| k.value.as_str()).collect();
    assert_eq!(keys, ["5678", "1234"]);
    assert_eq!(core.password_hash.as_ref().unwrap().value, "testpass");
}

#[test]
fn kernel_arguments_and_extensions_are_concatenated_without_deduplication() {
    let a = mc("a", Some("worker"), "  kernelArguments: [nosmt, 'a=1']\n  extensions: [usbguard]");
    let b = mc("b", Some("worker"), "  kernelArguments: [nosmt]\n  extensions: [usbguard]");
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    let kargs: Vec<_> = worker.kernel_arguments.iter().map(|k| k.value.value.as_str()).collect();
    assert_eq!(kargs, ["nosmt", "a=1", "nosmt"]);
    assert_eq!(worker.extensions.len(), 2);
}

#[test]
fn the_last_non_default_kernel_type_wins_and_default_never_overrides() {
    let a = mc("a", Some("worker"), "  kernelType: realtime");
    let b = mc("b", Some("worker"), "  kernelType: default");
    let mut loaded = load(&[&a, &b]);
    assert_eq!(loaded.pool("worker").kernel_type_name(), "realtime");
    let c = mc("c", Some("worker"), "  kernelType: 64k-pages");
    let mut loaded = load(&[&a, &b, &c]);
    assert_eq!(loaded.pool("worker").kernel_type_name(), "64k-pages");
    let mut loaded = load(&[&b]);
    assert_eq!(loaded.pool("worker").kernel_type_name(), "default");
}

#[test]
fn fips_is_an_or() {
    let on = mc("a", Some("worker"), "  fips: true");
    let off = mc("b", Some("worker"), "  fips: false");
    let mut loaded = load(&[&on, &off]);
    assert_eq!(loaded.pool("worker").fips.len(), 1);
}

#[test]
fn os_image_url_is_the_last_non_empty_from_non_generated_configs_else_the_default() {
    // TestGenerateMachineConfigOverrideOSImageURL.
    let first = mc("00-test-cluster-master", Some("master"), "  osImageURL: dummy-test-1");
    let second = mc("00-test-cluster-master-0", Some("master"), "  osImageURL: dummy-change");
    let empty = mc("00-test-cluster-master-00", Some("master"), "  osImageURL: ''");
    let generated = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-zz-generated\n  labels: {machineconfiguration.openshift.io/role: master}\n  annotations: {machineconfiguration.openshift.io/generated-by-controller-version: v4}\nspec:\n  osImageURL: from-controller\n";
    let mut loaded = load(&[&first, &second, &empty, generated]);
    let master = loaded.pool("master");
    assert_eq!(master.os_image_url.url, "dummy-change");
    let mut loaded = load(&[&empty]);
    let options = RenderOptions { base_image: Some("quay.io/base@sha256:1".into()), base_extensions_image: None };
    let master = loaded.render(&options).pop().unwrap();
    assert_eq!(master.os_image_url.url, "quay.io/base@sha256:1");
    assert_eq!(master.os_image_url.overridden_by, None);
}

#[test]
fn kernel_devel_with_a_non_default_kernel_fails_the_pool() {
    let a = mc(
        "a",
        Some("worker"),
        "  config: {ignition: {version: 3.2.0}}\n  extensions: [kernel-devel]\n  kernelType: realtime",
    );
    let mut loaded = load(&[&a]);
    assert!(loaded.render(&RenderOptions::default()).is_empty());
    assert!(loaded.codes().contains(&"MCC1503"));
}

#[test]
fn an_empty_selector_selects_nothing_and_says_so() {
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: all}\nspec:\n  machineConfigSelector: {}\n";
    let a = mc("a", Some("worker"), "  kernelArguments: [x]");
    let mut loaded = load(&[pool, &a]);
    let rendered = loaded.render(&RenderOptions::default());
    assert!(rendered.iter().all(|p| p.pool.name() != "all"));
    assert!(loaded.codes().contains(&"MCC2002"));
}

#[test]
fn selector_expressions_follow_kubernetes_semantics() {
    let pool = |expr: &str| {
        format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {{name: p}}\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {expr}\n"
        )
    };
    let labelled = mc("labelled", Some("gpu"), "  kernelArguments: [x]");
    let other = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: other\n  labels: {team: a}\nspec:\n  kernelArguments: [other]\n";
    let selected = |expr: &str| {
        let p = pool(expr);
        let mut loaded = load(&[&p, &labelled, other]);
        let rendered = loaded.render(&RenderOptions::default());
        rendered.iter().find(|r| r.pool.name() == "p").map(|r| loaded.merge_order(r)).unwrap_or_default()
    };
    let role = "machineconfiguration.openshift.io/role";
    assert_eq!(selected(&format!("{{key: {role}, operator: In, values: [gpu]}}")), ["labelled"]);
    assert_eq!(selected(&format!("{{key: {role}, operator: NotIn, values: [gpu]}}")), ["other"]);
    assert_eq!(selected(&format!("{{key: {role}, operator: Exists}}")), ["labelled"]);
    assert_eq!(selected(&format!("{{key: {role}, operator: DoesNotExist}}")), ["other"]);
}

#[test]
fn a_machine_config_no_pool_selects_is_reported() {
    let orphan = mc("orphan", Some("gpu"), "  kernelArguments: [x]");
    let mut loaded = load(&[&orphan]);
    loaded.render(&RenderOptions::default());
    assert_eq!(loaded.codes(), ["MCC2001"]);
}

#[test]
fn a_selected_machine_config_without_labels_fails_the_merge() {
    // MergeMachineConfigs: "cannot find label in MachineConfig".
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: p}\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {key: machineconfiguration.openshift.io/role, operator: DoesNotExist}\n";
    let unlabelled = mc("unlabelled", None, "  kernelArguments: [x]");
    let mut loaded = load(&[pool, &unlabelled]);
    assert!(loaded.render(&RenderOptions::default()).is_empty());
    assert!(loaded.codes().contains(&"MCC2004"));
}

#[test]
fn an_input_pool_replaces_the_stock_pool_of_the_same_name() {
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: worker}\nspec:\n  machineConfigSelector:\n    matchLabels: {team: a}\n";
    let team = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: team-a\n  labels: {team: a}\nspec:\n  kernelArguments: [other]\n";
    let role = mc("role-worker", Some("worker"), "  kernelArguments: [x]");
    let mut loaded = load(&[pool, team, &role]);
    let worker = loaded.pool("worker");
    assert_eq!(loaded.merge_order(&worker), ["team-a"]);
}

#[test]
fn os_image_stream_and_an_os_image_override_cannot_coexist() {
    // TestGenerateMachineConfigCannotOverrideOSImageURLWhenOSImageStreamSet.
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: worker}\nspec:\n  osImageStream: {name: rhel-10}\n  machineConfigSelector:\n    matchLabels: {machineconfiguration.openshift.io/role: worker}\n";
    let a = mc("a", Some("worker"), "  osImageURL: quay.io/custom@sha256:1");
    let mut loaded = load(&[pool, &a]);
    assert!(loaded.render(&RenderOptions::default()).is_empty());
    assert!(loaded.codes().contains(&"MCC2006"));
}

#[test]
fn a_custom_pool_with_the_worker_configs_hashes_like_worker_but_is_named_for_itself() {
    // docs/custom-pools.md: rendered-infra-<h> and rendered-worker-<h> share the hash.
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: infra}\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - {key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}\n";
    let a = mc("a", Some("worker"), FILE_A);
    let mut loaded = load(&[pool, &a]);
    let rendered = loaded.render(&RenderOptions::default());
    let names: Vec<_> = rendered.iter().map(|p| p.name()).collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0].strip_prefix("rendered-worker-"), names[1].strip_prefix("rendered-infra-"));
}

#[test]
fn a_pool_with_an_invalid_machine_config_is_not_rendered() {
    // The render controller validates every selected MachineConfig first (RenderDegraded).
    let good = mc("good", Some("worker"), "  kernelArguments: [nosmt]");
    let bad = mc(
        "bad",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: etc/relative}",
    );
    let mut loaded = load(&[&good, &bad]);
    assert!(loaded.render(&RenderOptions::default()).is_empty());
    assert_eq!(loaded.codes(), ["MCC1005", "MCC2007"]);
}

#[test]
fn an_unquoted_yaml_1_1_boolean_is_not_a_string() {
    // Kubernetes reads `y` as true, so the API server would refuse this list of strings.
    let text = mc("a", Some("worker"), "  kernelArguments: [y]");
    let loaded = load(&[&text]);
    assert_eq!(loaded.codes(), ["MCC0009"]);
    assert!(loaded.diagnostics[0].help.as_ref().unwrap().contains("quote the value"));
}

#[test]
fn a_rendered_config_from_a_cluster_is_not_merged() {
    let rendered = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: rendered-worker-1\n  labels: {machineconfiguration.openshift.io/role: worker}\n  ownerReferences:\n  - {apiVersion: machineconfiguration.openshift.io/v1, kind: MachineConfigPool, name: worker}\nspec:\n  kernelArguments: [from-render]\n";
    let a = mc("a", Some("worker"), "  kernelArguments: [nosmt]");
    let mut loaded = load(&[rendered, &a]);
    let worker = loaded.pool("worker");
    assert_eq!(loaded.merge_order(&worker), ["a"]);
    assert_eq!(loaded.codes(), ["MCC0015"]);
}

#[test]
fn a_rendered_data_url_is_the_input_text_itself_and_equal_contents_are_held_once() {
    // Peak memory at fleet scale (README, Performance): a data URL is most of a MachineConfig's
    // bytes, so neither the model nor a rendered pool holds a copy of it, and the same contents
    // decoded twice are held once.
    let spec = "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - path: /etc/PATH\n        contents:\n          source: >-\n            data:;base64,aGVsbG8=\n";
    let a = mc("a", Some("worker"), &spec.replace("PATH", "a"));
    let b = mc("b", Some("worker"), &spec.replace("PATH", "b"));
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    let files = &worker.config.storage.files;
    for file in files {
        let source = file.contents.source.as_ref().unwrap();
        let text = loaded.sources.get(source.span.source).text.as_bytes().as_ptr_range();
        assert!(text.contains(&source.value.as_ptr()), "{} is a slice of its input file", file.node.path.value);
    }
    let bytes = |i: usize| match &files[i].contents.decoded {
        crate::ignition::content::Decoded::Bytes(bytes) => bytes.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(&*bytes(0), b"hello");
    assert!(std::sync::Arc::ptr_eq(&bytes(0), &bytes(1)), "two files, one copy of their contents");
}

#[test]
fn an_entry_one_machine_config_defines_is_shared_and_a_merged_one_copied() {
    // Memory at fleet scale: the rendered pool holds the MachineConfig's own file and unit
    // where the merge takes them unchanged; an entry the merge changes is a copy, so the
    // MachineConfigs themselves stay as read.
    let a = mc(
        "a",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/kept, overwrite: true, contents: {source: 'data:,k'}}\n      - {path: /etc/a, mode: 384, overwrite: true, contents: {source: 'data:,a'}}\n      - {path: /etc/default, contents: {source: 'data:,d'}}\n    systemd:\n      units:\n      - {name: a.service, enabled: true, contents: '[Unit]'}",
    );
    let b = mc(
        "b",
        Some("worker"),
        "  config:\n    ignition: {version: 3.2.0}\n    storage:\n      files:\n      - {path: /etc/a, contents: {source: 'data:,b'}}",
    );
    let mut loaded = load(&[&a, &b]);
    let worker = loaded.pool("worker");
    let own = |mc: usize, path: &str| {
        let config = loaded.inputs.machine_configs[mc].spec.config.as_ref().unwrap();
        std::sync::Arc::clone(config.storage.files.iter().find(|f| f.node.path.value == path).unwrap())
    };
    let rendered = |path: &str| worker.config.storage.files.iter().find(|f| f.node.path.value == path).unwrap();
    assert!(std::sync::Arc::ptr_eq(rendered("/etc/kept"), &own(0, "/etc/kept")));
    let a_units = &loaded.inputs.machine_configs[0].spec.config.as_ref().unwrap().systemd.units;
    assert!(std::sync::Arc::ptr_eq(&worker.config.systemd.units[0], &a_units[0]));
    // Merged: a copy with b's contents over a's mode; a's own file keeps its contents.
    assert!(!std::sync::Arc::ptr_eq(rendered("/etc/a"), &own(0, "/etc/a")));
    assert_eq!(rendered("/etc/a").contents.source.as_ref().unwrap().value, "data:,b");
    assert_eq!(own(0, "/etc/a").contents.source.as_ref().unwrap().value, "data:,a");
    // The merge's default `overwrite: true` is the rendered copy's, not the MachineConfig's.
    assert!(rendered("/etc/default").node.overwrite.as_ref().unwrap().value);
    assert!(own(0, "/etc/default").node.overwrite.is_none());
}

#[test]
fn a_check_never_hashes_the_rendered_spec_and_the_name_is_made_when_asked_for() {
    // Serialising and hashing every pool's spec cost a sixth of a fleet check's instructions,
    // for a name `mcc check` never shows.
    let mut c = crate::testing::compilation(&[&mc("a", Some("worker"), FILE_A)]);
    let analysis = crate::driver::analyze(&mut c, &RenderOptions::default(), &Default::default(), None);
    let pool = analysis.rendered.iter().find(|p| p.pool.name() == "worker").expect("worker renders");
    assert!(pool.identity.get().is_none(), "the check hashed the spec");
    assert_eq!(pool.spec_sha256(), crate::render::emit::spec_sha256(pool));
    assert_eq!(pool.name(), format!("rendered-worker-{}", &pool.spec_sha256()[..32]));
}
