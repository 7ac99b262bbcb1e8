//! The CRD's schema: list sizes and keys, required fields, the actions' CEL rules, and the
//! action type unions.

use super::*;

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
    assert_eq!(policy.disruption.files().len(), 50);
    let loaded = refused(&[&many_files(51)], &[("MCC3103", "files")]);
    assert_eq!(messages(&loaded), ["spec.nodeDisruptionPolicy.files: Too many: 51: must have at most 50 items"]);
}

#[test]
fn units_max_items_50() {
    let (loaded, policy) = run(&[&many_units(50)]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption.units().len(), 50);
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
    assert!(policy.disruption.files()[0].actions.is_empty());
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
    assert_eq!(actions(&policy.disruption.files()[0].actions), [Action::Reboot]);
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
