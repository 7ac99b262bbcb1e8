//! One test per rule of the `MachineConfiguration` CRD (`spec/mco.md` §5), named after the
//! rule. The YAML is the API's own validation tests
//! (api:`operator/v1/tests/machineconfigurations.operator.openshift.io/NodeDisruptionPolicy.yaml`)
//! where they have a case, with `metadata.name: cluster` added.

use super::*;
use crate::testing::{Loaded, load};

/// The objects read, the site policy, and every diagnostic (loader and policy).
fn run(files: &[&str]) -> (Loaded, SitePolicy) {
    let mut loaded = load(files);
    let policy = site_policy(&loaded.inputs, &mut loaded.diagnostics);
    (loaded, policy)
}

/// A `MachineConfiguration` named `name` whose `spec` is `spec`, written at column 0.
fn object(name: &str, spec: &str) -> String {
    let spec: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: {name}\nspec:\n{spec}"
    )
}

/// The `cluster` object with `spec.nodeDisruptionPolicy` set to `ndp`, written at column 0.
fn cluster(ndp: &str) -> String {
    let ndp: String = ndp.lines().map(|l| format!("  {l}\n")).collect();
    object(CLUSTER, &format!("nodeDisruptionPolicy:\n{ndp}"))
}

/// `(code, text under the caret)` of every diagnostic, in order.
fn found(loaded: &Loaded) -> Vec<(&'static str, &str)> {
    loaded.diagnostics.iter().map(|d| (d.code.code, d.span.map_or("", |s| loaded.sources.text(s)))).collect()
}

fn messages(loaded: &Loaded) -> Vec<&str> {
    loaded.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

/// Asserts the object is refused with exactly `expected`, and contributes nothing.
fn refused(files: &[&str], expected: &[(&str, &str)]) -> Loaded {
    let (loaded, policy) = run(files);
    assert_eq!(found(&loaded), expected, "{:#?}", loaded.diagnostics);
    assert_eq!(policy, SitePolicy::default(), "a refused object contributes nothing");
    loaded
}

fn actions(rule: &[Spanned<Action>]) -> Vec<Action> {
    rule.iter().map(|a| a.value.clone()).collect()
}

fn reload(s: &str) -> Action {
    Action::Reload(s.into())
}

fn restart(s: &str) -> Action {
    Action::Restart(s.into())
}

// --- Accepted objects and lowering ---

#[test]
fn a_valid_policy_is_lowered_in_order_with_spans() {
    // "Should be able to create a valid node disruption policy".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: my.service
units:
  - name: "my.service"
    actions:
      - type: Restart
        restart:
          serviceName: my-other.service
sshkey:
  actions:
    - type: None"#,
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let ndp = &policy.disruption;
    assert_eq!(ndp.files.len(), 1);
    let file = &ndp.files[0];
    assert_eq!(file.path.value, "/etc/my-file");
    assert_eq!(loaded.sources.text(file.path.span), "\"/etc/my-file\"");
    assert_eq!(file.origin, Origin::MachineConfiguration);
    assert_eq!(actions(&file.actions), [Action::DaemonReload, reload("my.service")]);
    assert!(loaded.sources.text(file.actions[1].span).starts_with("type: Reload"));
    assert_eq!(ndp.units[0].name.value, "my.service");
    assert_eq!(actions(&ndp.units[0].actions), [restart("my-other.service")]);
    let sshkey = ndp.sshkey.as_ref().unwrap();
    assert_eq!(actions(&sshkey.actions), [Action::None]);
    assert!(loaded.sources.text(sshkey.span).starts_with("sshkey:"));
    assert_eq!(policy.source, Some(loaded.inputs.machine_configurations[0].span));
}

#[test]
fn several_entries_of_one_list_keep_their_order() {
    // "Should be able to define a node disruption policy with multiple entries of the same type".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: my.service
  - path: "/etc/my-other-file"
    actions:
      - type: Drain
      - type: Restart
        restart:
          serviceName: my.service"#,
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let files: Vec<_> = policy.disruption.files.iter().map(|f| (f.path.value.as_str(), actions(&f.actions))).collect();
    assert_eq!(
        files,
        [
            ("/etc/my-file", vec![Action::DaemonReload, reload("my.service")]),
            ("/etc/my-other-file", vec![Action::Drain, restart("my.service")]),
        ]
    );
}

#[test]
fn an_object_without_a_node_disruption_policy_is_fine() {
    // The MCO's own `manifests/operator-config.yaml`: `spec:` is null.
    let text = "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\n  annotations:\n    release.openshift.io/create-only: \"true\"\nspec:\n";
    let (loaded, policy) = run(&[text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption, DisruptionPolicy::default());
    assert!(policy.source.is_some());
    let (loaded, policy) = run(&[&object(CLUSTER, "managementState: Managed\nlogLevel: Normal")]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption, DisruptionPolicy::default());
}

#[test]
fn the_status_section_is_ignored() {
    let text = format!(
        "{}status:\n  nodeDisruptionPolicyStatus:\n    clusterPolicies:\n      files:\n        - path: /etc/containers/registries.conf\n          actions: [{{type: Special}}]\n",
        cluster("sshkey:\n  actions: [{type: Drain}]")
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(policy.disruption.files.is_empty());
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::Drain]);
}

// --- The object must be named cluster ---

#[test]
fn the_object_must_be_named_cluster() {
    let other = object("iminvalid", "nodeDisruptionPolicy:\n  sshkey:\n    actions: [{type: Drain}]");
    let (loaded, policy) = run(&[&other]);
    assert_eq!(found(&loaded), [("MCC3101", "iminvalid")]);
    assert_eq!(messages(&loaded), [NOT_CLUSTER_MESSAGE]);
    assert_eq!(policy, SitePolicy::default());
    // Next to a `cluster` object, only `cluster` is honoured.
    let (loaded, policy) = run(&[&other, &cluster("sshkey:\n  actions: [{type: None}]")]);
    assert_eq!(found(&loaded), [("MCC3101", "iminvalid")]);
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::None]);
}

#[test]
fn a_misnamed_object_is_still_checked() {
    let other = object("my-ndp", "nodeDisruptionPolicy:\n  sshkey:\n    actions: [{type: Special}]");
    let (loaded, _) = run(&[&other]);
    assert_eq!(found(&loaded), [("MCC3108", "Special"), ("MCC3101", "my-ndp")]);
}

#[test]
fn only_one_object_may_be_named_cluster() {
    let first = cluster("sshkey:\n  actions: [{type: None}]");
    let second = cluster("sshkey:\n  actions: [{type: Drain}]");
    let (loaded, policy) = run(&[&first, &second]);
    assert_eq!(found(&loaded), [("MCC3102", "cluster")]);
    let diagnostic = &loaded.diagnostics[0];
    assert_eq!(diagnostic.span.unwrap().source, loaded.inputs.machine_configurations[1].span.source);
    assert_eq!(diagnostic.related[0].span.source, loaded.inputs.machine_configurations[0].span.source);
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::None], "the first one is used");
}

// --- files / units: MaxItems and list-map keys ---

fn many_files(count: usize) -> String {
    let entries: String = (0..count).map(|i| format!("  - path: /etc/f{i}\n    actions: [{{type: None}}]\n")).collect();
    cluster(&format!("files:\n{entries}"))
}

fn many_units(count: usize) -> String {
    let entries: String =
        (0..count).map(|i| format!("  - name: u{i}.service\n    actions: [{{type: None}}]\n")).collect();
    cluster(&format!("units:\n{entries}"))
}

#[test]
fn files_max_items_50() {
    let (loaded, policy) = run(&[&many_files(50)]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption.files.len(), 50);
    let loaded = refused(&[&many_files(51)], &[("MCC3103", "files")]);
    assert_eq!(messages(&loaded), ["spec.nodeDisruptionPolicy.files: Too many: 51: must have at most 50 items"]);
}

#[test]
fn units_max_items_50() {
    let (loaded, policy) = run(&[&many_units(50)]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption.units.len(), 50);
    let loaded = refused(&[&many_units(51)], &[("MCC3103", "units")]);
    assert_eq!(messages(&loaded), ["spec.nodeDisruptionPolicy.units: Too many: 51: must have at most 50 items"]);
}

#[test]
fn files_list_map_key_path_is_unique() {
    // "Node disruption policies with duplicate file entries should fail".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: my.service
  - path: "/etc/my-file"
    actions:
      - type: Drain
      - type: Reload
        reload:
          serviceName: my.service"#,
    );
    let loaded = refused(&[&text], &[("MCC3104", "\"/etc/my-file\"")]);
    assert_eq!(
        messages(&loaded),
        [r#"spec.nodeDisruptionPolicy.files[1]: Duplicate value: map[string]interface {}{"path":"/etc/my-file"}"#]
    );
    assert_eq!(loaded.sources.text(loaded.diagnostics[0].related[0].span), "\"/etc/my-file\"");
    // Keys compare as written: a trailing slash is another key.
    let text = cluster(
        "files:\n  - path: /etc/a\n    actions: [{type: None}]\n  - path: /etc/a/\n    actions: [{type: None}]",
    );
    assert!(run(&[&text]).0.diagnostics.is_empty());
}

#[test]
fn units_list_map_key_name_is_unique() {
    let text = cluster(
        "units:\n  - name: my.service\n    actions: [{type: None}]\n  - name: my.service\n    actions: [{type: Drain}]",
    );
    let loaded = refused(&[&text], &[("MCC3104", "my.service")]);
    assert_eq!(
        messages(&loaded),
        [r#"spec.nodeDisruptionPolicy.units[1]: Duplicate value: map[string]interface {}{"name":"my.service"}"#]
    );
}

// --- Required fields ---

#[test]
fn actions_are_required() {
    let text = cluster("files:\n  - path: /etc/a\nunits:\n  - name: a.service\n    actions:\nsshkey: {}");
    let loaded = refused(&[&text], &[("MCC3105", "path"), ("MCC3105", "name"), ("MCC3105", "sshkey")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.files[0].actions: Required value",
            "spec.nodeDisruptionPolicy.units[0].actions: Required value",
            "spec.nodeDisruptionPolicy.sshkey.actions: Required value",
        ]
    );
    // An empty list is present: the API takes it.
    let (loaded, policy) = run(&[&cluster("files:\n  - path: /etc/a\n    actions: []")]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(policy.disruption.files[0].actions.is_empty());
}

#[test]
fn path_and_name_are_required() {
    let text = cluster("files:\n  - actions: [{type: None}]\nunits:\n  - actions: [{type: None}]");
    let loaded = refused(&[&text], &[("MCC3105", "actions"), ("MCC3105", "actions")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.files[0].path: Required value",
            "spec.nodeDisruptionPolicy.units[0].name: Required value"
        ]
    );
}

#[test]
fn action_type_is_required() {
    let text = cluster("sshkey:\n  actions:\n    - reload:\n        serviceName: a.service");
    let loaded = refused(&[&text], &[("MCC3105", "reload")]);
    assert_eq!(messages(&loaded), ["spec.nodeDisruptionPolicy.sshkey.actions[0].type: Required value"]);
}

#[test]
fn service_name_is_required() {
    let text = cluster("sshkey:\n  actions:\n    - type: Restart\n      restart: {}");
    let loaded = refused(&[&text], &[("MCC3105", "restart")]);
    assert_eq!(messages(&loaded), ["spec.nodeDisruptionPolicy.sshkey.actions[0].restart.serviceName: Required value"]);
}

// --- actions: MaxItems and the two standalone CEL rules ---

#[test]
fn actions_max_items_10() {
    let list = |n: usize| -> String {
        let items: String =
            (0..n).map(|i| format!("    - {{type: Restart, restart: {{serviceName: s{i}.service}}}}\n")).collect();
        cluster(&format!("sshkey:\n  actions:\n{items}"))
    };
    let (loaded, policy) = run(&[&list(10)]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption.sshkey.unwrap().actions.len(), 10);
    let loaded = refused(&[&list(11)], &[("MCC3106", "actions")]);
    assert_eq!(
        messages(&loaded),
        ["spec.nodeDisruptionPolicy.sshkey.actions: Too many: 11: must have at most 10 items"]
    );
}

#[test]
fn reboot_action_is_standalone() {
    // "Node disruption policies that specify a reboot action should not allow other actions in the list".
    let text =
        cluster("files:\n  - path: \"/etc/my-file\"\n    actions:\n      - type: Reboot\n      - type: DaemonReload");
    let loaded = refused(&[&text], &[("MCC3107", "Reboot")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.files[0].actions: Reboot action can only be specified standalone, as it will override any other actions"
        ]
    );
    let (loaded, policy) = run(&[&cluster("files:\n  - path: /etc/a\n    actions:\n      - type: Reboot")]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(actions(&policy.disruption.files[0].actions), [Action::Reboot]);
}

#[test]
fn none_action_is_standalone() {
    let text = cluster("units:\n  - name: a.service\n    actions:\n      - type: Drain\n      - type: None");
    let loaded = refused(&[&text], &[("MCC3107", "None")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.units[0].actions: None action can only be specified standalone, as it will override any other actions"
        ]
    );
    // Both rules fail at once on `[Reboot, None]`.
    let text = cluster("sshkey:\n  actions: [{type: Reboot}, {type: None}]");
    refused(&[&text], &[("MCC3107", "Reboot"), ("MCC3107", "None")]);
}

// --- type enum and the reload/restart unions ---

#[test]
fn action_type_enum_refuses_special_and_unknown_types() {
    let text = cluster(
        "files:\n  - path: /etc/containers/registries.conf\n    actions:\n      - type: Special\n  - path: /etc/b\n    actions:\n      - type: reboot\n  - path: /etc/c\n    actions:\n      - type: Kexec",
    );
    let loaded = refused(&[&text], &[("MCC3108", "Special"), ("MCC3108", "reboot"), ("MCC3108", "Kexec")]);
    assert_eq!(
        messages(&loaded)[0],
        r#"spec.nodeDisruptionPolicy.files[0].actions[0].type: Unsupported value: "Special": supported values: "Reboot", "Drain", "Reload", "Restart", "DaemonReload", "None""#
    );
    assert!(loaded.diagnostics[0].help.as_ref().unwrap().contains("status"));
    assert_eq!(loaded.diagnostics[1].help.as_deref(), Some("types are case-sensitive: did you mean `Reboot`?"));
    // A wrong YAML type is the generic wrong-type error.
    refused(&[&cluster("sshkey:\n  actions:\n    - type: [Reboot]")], &[("MCC0009", "[Reboot]")]);
}

#[test]
fn reload_is_required_when_type_is_reload_and_forbidden_otherwise() {
    // "Node disruption policies that specify a reload action should fail if you don't specify the reload field".
    let text =
        cluster("files:\n  - path: \"/etc/my-file\"\n    actions:\n      - type: DaemonReload\n      - type: Reload");
    let loaded = refused(&[&text], &[("MCC3109", "Reload")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.files[0].actions[1]: reload is required when type is Reload, and forbidden otherwise"
        ]
    );
    let text = cluster("sshkey:\n  actions:\n    - type: Drain\n      reload:\n        serviceName: crio.service");
    let loaded = refused(&[&text], &[("MCC3109", "reload")]);
    assert_eq!(loaded.sources.text(loaded.diagnostics[0].related[0].span), "Drain");
    // `reload: null` is pruned by the API server: absent.
    refused(&[&cluster("sshkey:\n  actions:\n    - type: Reload\n      reload:")], &[("MCC3109", "Reload")]);
}

#[test]
fn restart_is_required_when_type_is_restart_and_forbidden_otherwise() {
    let text = cluster("sshkey:\n  actions:\n    - type: Restart");
    let loaded = refused(&[&text], &[("MCC3109", "Restart")]);
    assert_eq!(
        messages(&loaded),
        [
            "spec.nodeDisruptionPolicy.sshkey.actions[0]: restart is required when type is Restart, and forbidden otherwise"
        ]
    );
    let text = cluster(
        "sshkey:\n  actions:\n    - type: Reload\n      reload: {serviceName: a.service}\n      restart: {serviceName: a.service}",
    );
    refused(&[&text], &[("MCC3109", "restart")]);
}

// --- NodeDisruptionPolicyServiceName ---

fn reload_of(service: &str) -> String {
    cluster(&format!(
        "files:\n  - path: \"/etc/my-file\"\n    actions:\n      - type: DaemonReload\n      - type: Reload\n        reload:\n          serviceName: {service}"
    ))
}

#[test]
fn service_name_max_length_255() {
    let name = |n: usize| format!("{}.service", "a".repeat(n - ".service".len()));
    let (loaded, _) = run(&[&reload_of(&name(255))]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let long = name(256);
    let loaded = refused(&[&reload_of(&long)], &[("MCC3110", long.as_str())]);
    assert_eq!(
        messages(&loaded),
        ["spec.nodeDisruptionPolicy.files[0].actions[1].reload.serviceName: Too long: may not be longer than 255"]
    );
}

#[test]
fn service_name_suffix_is_a_unit_type() {
    // "Node disruption policies should use service name(s) which have a valid name suffix" (twice).
    let loaded = refused(&[&reload_of("serv.ice")], &[("MCC3111", "serv.ice")]);
    assert_eq!(
        messages(&loaded),
        [format!("spec.nodeDisruptionPolicy.files[0].actions[1].reload.serviceName: {SERVICE_TYPE_MESSAGE}")]
    );
    // Without any dot the name rule fails too; the API server reports both.
    refused(&[&reload_of("service")], &[("MCC3111", "service"), ("MCC3112", "service")]);
    assert!(SERVICE_TYPE_MESSAGE.contains(r#"".timer",".snapshot""#), "the API's message, verbatim");
    for kind in UNIT_TYPES {
        assert!(has_unit_type_suffix(&format!("a.{kind}")), "{kind}");
    }
    assert!(!has_unit_type_suffix("a.service.d"));
    assert!(!has_unit_type_suffix("a.Service"));
    assert!(has_unit_type_suffix(".service"), "the suffix rule alone accepts an empty name");
}

#[test]
fn service_name_prefix_is_a_valid_name() {
    // "Node disruption policies should use service name(s) which have a valid name prefix".
    let loaded = refused(&[&reload_of(".service")], &[("MCC3112", ".service")]);
    assert_eq!(
        messages(&loaded),
        [format!("spec.nodeDisruptionPolicy.files[0].actions[1].reload.serviceName: {SERVICE_NAME_MESSAGE}")]
    );
    assert!(SERVICE_NAME_MESSAGE.ends_with(r#"and "\""#), "the API's message, verbatim");
    // "Should be able to define a node disruption policy that has a service name which has
    // multiple permitted special characters".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: a:b_c-d\.e.swap
  - path: "/etc/my-other-file"
    actions:
      - type: Drain
      - type: Restart
        restart:
          serviceName: a.b.c.d.e.snapshot"#,
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(actions(&policy.disruption.files[0].actions)[1], reload(r"a:b_c-d\.e.swap"));
    // The rule, read as RE2 would.
    for ok in ["a.service", "a..service", "a:b.mount", r"a\x2db.service", "..a.service"] {
        assert!(has_valid_name(ok), "{ok}");
    }
    for bad in [".service", "getty@tty1.service", "a b.service", "a", "a.", "@a.service", "é.service"] {
        assert!(!has_valid_name(bad), "{bad}");
    }
    // Both CEL rules fail at once, as the API server reports every rule.
    refused(&[&reload_of("\"@x\"")], &[("MCC3111", "\"@x\""), ("MCC3112", "\"@x\"")]);
}

#[test]
fn unit_name_uses_the_service_name_rules() {
    let text = cluster(
        "units:\n  - name: crio\n    actions: [{type: None}]\n  - name: getty@tty1.service\n    actions: [{type: None}]",
    );
    let loaded = refused(&[&text], &[("MCC3111", "crio"), ("MCC3112", "crio"), ("MCC3112", "getty@tty1.service")]);
    assert!(messages(&loaded)[0].starts_with("spec.nodeDisruptionPolicy.units[0].name: Invalid ${SERVICETYPE}"));
}

#[test]
fn a_wrong_yaml_type_is_reported_once() {
    // Not also as missing `path`, `actions` or `serviceName`.
    let text = cluster(
        "files:\n  - /etc/a\nsshkey: None\nunits:\n  - name: a.service\n    actions:\n      - type: Reload\n        reload: crio.service",
    );
    refused(&[&text], &[("MCC0009", "/etc/a"), ("MCC0009", "crio.service"), ("MCC0009", "None")]);
}

// --- Warnings: accepted, but said ---

#[test]
fn unknown_keys_are_warnings() {
    let text = object(
        CLUSTER,
        "component: machineconfigdaemon\nnodeDisruptionPolicy:\n  sshKey: {}\n  files:\n    - path: /etc/a\n      action: []\n      actions:\n        - type: Restart\n          restart:\n            service: a.service\n            serviceName: a.service",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(
        found(&loaded),
        [("MCC3115", "component"), ("MCC3115", "sshKey"), ("MCC3115", "action"), ("MCC3115", "service")]
    );
    assert!(loaded.diagnostics.iter().all(|d| d.severity() == Severity::Warning));
    assert_eq!(loaded.diagnostics[1].help.as_deref(), Some("did you mean `sshkey`?"));
    assert_eq!(
        actions(&policy.disruption.files[0].actions),
        [restart("a.service")],
        "warnings do not refuse the object"
    );
}

#[test]
fn a_relative_path_is_accepted_but_can_never_match() {
    let text = cluster(
        "files:\n  - path: etc/chrony.conf\n    actions: [{type: None}]\n  - path: \"\"\n    actions: [{type: None}]",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(found(&loaded), [("MCC3113", "etc/chrony.conf"), ("MCC3113", "\"\"")]);
    assert_eq!(loaded.diagnostics[0].help.as_deref(), Some("Ignition paths are absolute: write `/etc/chrony.conf`"));
    assert_eq!(policy.disruption.files.len(), 2, "the API accepts it");
    assert!(policy.disruption.match_file("/etc/chrony.conf").is_none());
}

// --- irreconcilableValidationOverrides ---

#[test]
fn irreconcilable_overrides_storage_is_a_set_of_disks_filesystems_raid() {
    // api:`…/IrreconcilableMachineConfig.yaml`.
    let (loaded, policy) = run(&[&object(
        CLUSTER,
        "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - FileSystems\n    - Raid",
    )]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let values: Vec<_> = policy.irreconcilable_overrides.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["Disks", "FileSystems", "Raid"]);
    let loaded = refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - invalid")],
        &[("MCC3114", "invalid")],
    );
    assert_eq!(
        messages(&loaded),
        [
            r#"spec.irreconcilableValidationOverrides.storage[1]: Unsupported value: "invalid": supported values: "Disks", "FileSystems", "Raid", <nil>"#
        ]
    );
    let loaded = refused(
        &[&object(
            CLUSTER,
            "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - FileSystems\n    - Disks",
        )],
        &[("MCC3114", "Disks")],
    );
    assert_eq!(messages(&loaded), [r#"spec.irreconcilableValidationOverrides.storage[2]: Duplicate value: "Disks""#]);
}

#[test]
fn irreconcilable_overrides_min_properties_1_and_storage_1_to_3_items() {
    refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides: {}")],
        &[("MCC3114", "irreconcilableValidationOverrides")],
    );
    refused(&[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage: []")], &[("MCC3114", "storage")]);
    refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage: [Disks, Raid, FileSystems, Raid]")],
        &[("MCC3114", "storage"), ("MCC3114", "Raid")],
    );
}

// --- The object is refused whole ---

#[test]
fn one_error_refuses_the_whole_object() {
    let text = cluster(
        "files:\n  - path: /etc/a\n    actions: [{type: None}]\n  - path: /etc/b\n    actions: [{type: Reload}]",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(found(&loaded), [("MCC3109", "Reload")]);
    assert!(policy.disruption.files.is_empty(), "the API server refuses the object: the previous policy stays");
    assert_eq!(policy.source, None);
}

// --- Merging with the defaults (`MergeClusterPolicies`) ---

/// A tiny stand-in for the stdlib defaults: two files, one unit, no sshkey rule.
fn defaults(loaded: &Loaded) -> DisruptionPolicy {
    let span = loaded.inputs.machine_configurations[0].span;
    let rule = |path: &str, action: Action| FileRule {
        path: Spanned::new(path.into(), span),
        actions: vec![Spanned::new(action, span)],
        span,
        origin: Origin::Stdlib,
    };
    DisruptionPolicy {
        files: vec![
            rule("/var/lib/kubelet/config.json", Action::None),
            rule("/etc/containers/policy.json", reload("crio.service")),
        ],
        units: vec![UnitRule {
            name: Spanned::new("iri-registry.service".into(), span),
            actions: vec![Spanned::new(Action::DaemonReload, span)],
            span,
            origin: Origin::Stdlib,
        }],
        sshkey: None,
    }
}

#[test]
fn a_user_entry_with_an_equal_path_replaces_the_default_in_place() {
    let text = cluster(
        "files:\n  - path: /etc/chrony.conf\n    actions: [{type: Restart, restart: {serviceName: chronyd.service}}]\n  - path: /var/lib/kubelet/config.json\n    actions: [{type: Drain}]\nunits:\n  - name: nftables.service\n    actions: [{type: None}]\n  - name: iri-registry.service\n    actions: [{type: Reboot}]",
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let mut merged = defaults(&loaded);
    merged.merge(policy.disruption);
    let files: Vec<_> = merged.files.iter().map(|f| (f.path.value.as_str(), f.origin, actions(&f.actions))).collect();
    assert_eq!(
        files,
        [
            ("/var/lib/kubelet/config.json", Origin::MachineConfiguration, vec![Action::Drain]),
            ("/etc/containers/policy.json", Origin::Stdlib, vec![reload("crio.service")]),
            ("/etc/chrony.conf", Origin::MachineConfiguration, vec![restart("chronyd.service")]),
        ]
    );
    let units: Vec<_> = merged.units.iter().map(|u| (u.name.value.as_str(), actions(&u.actions))).collect();
    assert_eq!(units, [("iri-registry.service", vec![Action::Reboot]), ("nftables.service", vec![Action::None])]);
    assert_eq!(loaded.sources.text(merged.files[0].path.span), "/var/lib/kubelet/config.json", "spans into the YAML");
}

#[test]
fn a_user_sshkey_policy_overrides_the_default() {
    let text = cluster(
        "sshkey:\n  actions:\n    - type: Drain\n    - type: Restart\n      restart:\n        serviceName: sshd.service",
    );
    let (loaded, policy) = run(&[&text]);
    let mut merged = defaults(&loaded);
    merged.merge(policy.disruption);
    let sshkey = merged.sshkey.unwrap();
    assert_eq!(actions(&sshkey.actions), [Action::Drain, restart("sshd.service")]);
    assert_eq!(sshkey.origin, Origin::MachineConfiguration);
    // An empty list keeps the default (None).
    let (loaded, policy) = run(&[&cluster("sshkey:\n  actions: []")]);
    let mut merged = defaults(&loaded);
    merged.merge(policy.disruption);
    assert_eq!(merged.sshkey, None);
}

// --- The real-world corpus ---

/// A corpus file, the `(code, text)` of each diagnostic, and how many file and unit rules it lowers to.
type CorpusCase = (&'static str, &'static [(&'static str, &'static str)], usize, usize);

#[test]
fn the_corpus_machine_configurations_load() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/real");
    let manifest = std::fs::read_to_string(format!("{dir}/MANIFEST.tsv")).expect("the corpus manifest");
    let files: Vec<&str> = manifest
        .lines()
        .filter(|l| l.split('\t').nth(4) == Some("MachineConfiguration"))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    // Every file and what mcc finds in it; each one not clean is explained.
    let expected: &[CorpusCase] = &[
        (
            "noseka1__ansible-base__roles__openshift_cluster_postinstall__templates__ntp__cluster-machineconfiguration.yaml",
            &[],
            1,
            0,
        ),
        (
            "noseka1__ansible-base__roles__openshift_cluster_postinstall__templates__root-password__cluster-machineconfiguration.yaml",
            &[],
            0,
            1,
        ),
        (
            "openshift-kni__telco-reference__telco-core__configuration__reference-crs__optional__networking__firewall__node-disruption-policy.yaml",
            &[],
            1,
            1,
        ),
        // An early MCO design of per-component objects: the name is refused today, and
        // `component`/`mode` are not fields of the API.
        (
            "openshift__machine-config-operator__manifests__machineconfigdaemon.machineconfiguration.yaml",
            &[("MCC3115", "component"), ("MCC3115", "mode"), ("MCC3101", "machineconfigdaemon")],
            0,
            0,
        ),
        ("openshift__machine-config-operator__manifests__operator-config.yaml", &[], 0, 0),
        // A Hive SelectorSyncSet patch entry (`applyMode`, `patch`, `patchType`), not an object:
        // the loader reports it (no `metadata.name`, unknown top-level keys); the policy stage
        // skips it.
        (
            "openshift__managed-cluster-config__deploy__osd-machine-configuration-ami__disable-updated-boot-images.MachineConfiguration.yaml",
            &[
                ("MCC0008", "applyMode"),
                ("MCC0008", "name"),
                ("MCC0008", "namespace"),
                ("MCC0008", "patch"),
                ("MCC0008", "patchType"),
                ("MCC0010", "apiVersion"),
            ],
            0,
            0,
        ),
        (
            "openshift__origin__test__extended__testdata__machine_config__machineconfigurations__nodedisruptionpolicy-rebootless-path.yaml",
            &[],
            1,
            0,
        ),
    ];
    let listed: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(files, listed, "the corpus's MachineConfiguration files changed");
    for (file, diagnostics, file_rules, unit_rules) in expected {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("corpus files are UTF-8");
        let (loaded, policy) = run(&[&text]);
        assert_eq!(&found(&loaded), diagnostics, "{file}: {:#?}", loaded.diagnostics);
        assert_eq!(policy.disruption.files.len(), *file_rules, "{file}");
        assert_eq!(policy.disruption.units.len(), *unit_rules, "{file}");
    }
}

#[test]
fn the_corpus_policies_lower_to_the_expected_actions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/real");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let (_, telco) = run(&[&read(
        "openshift-kni__telco-reference__telco-core__configuration__reference-crs__optional__networking__firewall__node-disruption-policy.yaml",
    )]);
    assert_eq!(telco.disruption.files[0].path.value, "/etc/sysconfig/nftables.conf");
    assert_eq!(actions(&telco.disruption.files[0].actions), [restart("nftables.service")]);
    assert_eq!(actions(&telco.disruption.units[0].actions), [reload("nftables.service")]);
    let (_, root) = run(&[&read(
        "noseka1__ansible-base__roles__openshift_cluster_postinstall__templates__root-password__cluster-machineconfiguration.yaml",
    )]);
    assert_eq!(
        actions(&root.disruption.units[0].actions),
        [Action::DaemonReload, restart("set-root-user-password.service")]
    );
    let (_, origin) = run(&[&read(
        "openshift__origin__test__extended__testdata__machine_config__machineconfigurations__nodedisruptionpolicy-rebootless-path.yaml",
    )]);
    assert_eq!(origin.disruption.match_file("/home/core/test").map(|r| actions(&r.actions)), Some(vec![Action::None]));
}
