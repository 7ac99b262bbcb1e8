//! Merging with the defaults (`MergeClusterPolicies`).

use super::*;

/// A tiny stand-in for the stdlib defaults: two files, one unit, no sshkey rule.
fn defaults(loaded: &Loaded) -> DisruptionPolicy {
    let span = loaded.inputs.machine_configurations[0].span;
    let rule = |path: &str, action: Action| FileRule {
        path: Spanned::new(path.into(), span),
        actions: vec![Spanned::new(action, span)],
        span,
        origin: Origin::Stdlib,
    };
    DisruptionPolicy::new(
        vec![
            rule("/var/lib/kubelet/config.json", Action::None),
            rule("/etc/containers/policy.json", reload("crio.service")),
        ],
        vec![UnitRule {
            name: Spanned::new("iri-registry.service".into(), span),
            actions: vec![Spanned::new(Action::DaemonReload, span)],
            span,
            origin: Origin::Stdlib,
        }],
        None,
    )
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
    let files: Vec<_> = merged.files().iter().map(|f| (f.path.value.as_str(), f.origin, actions(&f.actions))).collect();
    assert_eq!(
        files,
        [
            ("/var/lib/kubelet/config.json", Origin::MachineConfiguration, vec![Action::Drain]),
            ("/etc/containers/policy.json", Origin::Stdlib, vec![reload("crio.service")]),
            ("/etc/chrony.conf", Origin::MachineConfiguration, vec![restart("chronyd.service")]),
        ]
    );
    let units: Vec<_> = merged.units().iter().map(|u| (u.name.value.as_str(), actions(&u.actions))).collect();
    assert_eq!(units, [("iri-registry.service", vec![Action::Reboot]), ("nftables.service", vec![Action::None])]);
    assert_eq!(loaded.sources.text(merged.files()[0].path.span), "/var/lib/kubelet/config.json", "spans into the YAML");
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
