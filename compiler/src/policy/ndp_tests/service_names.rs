//! `NodeDisruptionPolicyServiceName`: length, unit type suffix and name, for services and units.

use super::*;

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
    assert_eq!(actions(&policy.disruption.files()[0].actions)[1], reload(r"a:b_c-d\.e.swap"));
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
