//! §4.3–§4.5 Actions: what the Node Disruption Policy makes of a diff.

use super::*;

#[test]
fn actions_default_policies_of_every_release() {
    let ca = "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt";
    let rows: &[(&str, [Vec<Action>; 4])] = &[
        (
            "/etc/containers/registries.conf",
            [vec![Action::Special], vec![Action::Special], vec![Action::Special], vec![Action::Special]],
        ),
        (
            "/etc/containers/policy.json",
            [
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
            ],
        ),
        (
            "/etc/containers/registries.d/x.yaml",
            [
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
            ],
        ),
        (
            "/var/lib/kubelet/config.json",
            [vec![Action::None], vec![Action::None], vec![Action::None], vec![Action::None]],
        ),
        (
            "/etc/nmstate/openshift/cluster.yml",
            [vec![Action::Reboot], vec![Action::None], vec![Action::None], vec![Action::None]],
        ),
        (
            ca,
            [
                vec![Action::Reboot],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
            ],
        ),
        (
            "/etc/crio/policies/x.json",
            [vec![Action::Reboot], vec![Action::Reboot], vec![reload("crio.service")], vec![reload("crio.service")]],
        ),
        (
            "/etc/kubernetes/credential-providers/ecr.yaml",
            [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![restart("kubelet.service")]],
        ),
        // Not a default path: the legacy flow's None does not carry over to NDP.
        (
            "/etc/kubernetes/kubelet-ca.crt",
            [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot]],
        ),
        ("/etc/chrony.conf", [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot]]),
    ];
    for (path, expected) in rows {
        for (ocp, want) in ["4.16", "4.17", "4.18", "4.22"].iter().zip(expected) {
            assert_eq!(&actions_for(ocp, &[path]), want, "{path} under {ocp}");
        }
    }
    for ocp in ["4.19", "4.20", "4.21"] {
        assert_eq!(actions_for(ocp, &["/etc/crio/policies/x.json"]), [reload("crio.service")], "{ocp} uses 4.18's");
    }
    // The one default unit policy, from 4.22 on.
    let unit = Diff { units: vec![("iri-registry.service".into(), Op::Change)], ..Diff::default() };
    assert_eq!(calculate(&unit, &policies("4.18").disruption).actions, [Action::Reboot]);
    assert_eq!(
        calculate(&unit, &policies("4.22").disruption).actions,
        [Action::DaemonReload, restart("iri-registry.service")]
    );
}

#[test]
fn actions_a_directory_rule_matches_below_it_but_not_a_sibling_prefix() {
    let policy = DisruptionPolicy::new(
        vec![file_rule("/etc/mco/f1", &[reload("a.service")], Origin::MachineConfiguration)],
        Vec::new(),
        None,
    );
    let of = |path: &str| calculate(&files_changed(&[path]), &policy).actions;
    assert_eq!(of("/etc/mco/f1"), [reload("a.service")]);
    assert_eq!(of("/etc/mco/f1/f2/x"), [reload("a.service")]);
    assert_eq!(of("/etc/mco/f1x"), [Action::Reboot]);
    let slash = DisruptionPolicy::new(
        vec![file_rule("/etc/mco/f1/", &[reload("a.service")], Origin::MachineConfiguration)],
        Vec::new(),
        None,
    );
    assert_eq!(
        calculate(&files_changed(&["/etc/mco/f1/x"]), &slash).actions,
        [reload("a.service")],
        "a trailing slash works"
    );
}

#[test]
fn actions_the_longest_policy_path_wins() {
    let policy = DisruptionPolicy::new(
        vec![
            file_rule("/etc/containers", &[Action::Drain], Origin::SitePolicy),
            file_rule("/etc/containers/registries.d", &[reload("crio.service")], Origin::Stdlib),
        ],
        Vec::new(),
        None,
    );
    let calc =
        calculate(&files_changed(&["/etc/containers/registries.d/a.yaml", "/etc/containers/storage.conf"]), &policy);
    assert_eq!(calc.per_file[0].1, [reload("crio.service")]);
    assert_eq!(calc.per_file[1].1, [Action::Drain]);
    assert_eq!(calc.actions, [reload("crio.service"), Action::Drain], "file order, each policy's order kept");
}

#[test]
fn actions_a_user_policy_replaces_a_default_in_place() {
    let mut policy = policies("4.22").disruption;
    let index = policy.files().iter().position(|r| r.path.value == "/etc/containers/policy.json").unwrap();
    policy.merge(DisruptionPolicy::new(
        vec![
            file_rule("/etc/containers/policy.json", &[restart("crio.service")], Origin::MachineConfiguration),
            file_rule("/etc/chrony.conf", &[restart("chronyd.service")], Origin::MachineConfiguration),
        ],
        vec![UnitRule {
            name: Spanned::new("chronyd.service".into(), span()),
            actions: vec![Spanned::new(restart("chronyd.service"), span())],
            span: span(),
            origin: Origin::MachineConfiguration,
        }],
        None,
    ));
    assert_eq!(policy.files()[index].path.value, "/etc/containers/policy.json", "same index");
    assert_eq!(policy.files()[index].origin, Origin::MachineConfiguration);
    assert_eq!(policy.files().last().unwrap().path.value, "/etc/chrony.conf", "others are appended");
    let d = Diff {
        units: vec![("chronyd.service".into(), Op::Change)],
        ..files_changed(&["/etc/chrony.conf", "/etc/containers/policy.json"])
    };
    assert_eq!(
        calculate(&d, &policy).actions,
        [restart("chronyd.service"), restart("crio.service"), restart("chronyd.service")],
        "files by path, then units; no de-duplication"
    );
}

#[test]
fn actions_reboot_wins_alone() {
    assert_eq!(combine(vec![reload("crio.service"), Action::Reboot, Action::None]), [Action::Reboot]);
    // An unmatched file makes the whole result [Reboot] at once.
    let calc =
        calculate(&files_changed(&["/etc/chrony.conf", "/etc/containers/policy.json"]), &policies("4.22").disruption);
    assert_eq!(calc.actions, [Action::Reboot]);
    assert_eq!(calc.reboot_cause.as_deref(), Some("/etc/chrony.conf has no disruption policy"));
    assert_eq!(calc.per_file[1].1, [reload("crio.service")], "each file keeps its own policy");
}

#[test]
fn actions_none_is_dropped_beside_other_actions() {
    assert_eq!(combine(vec![Action::None, reload("crio.service"), Action::None]), [reload("crio.service")]);
    assert_eq!(
        actions_for("4.22", &["/var/lib/kubelet/config.json", "/etc/containers/policy.json"]),
        [reload("crio.service")]
    );
}

#[test]
fn actions_all_none_is_one_none() {
    assert_eq!(combine(vec![Action::None, Action::None]), [Action::None]);
    assert_eq!(actions_for("4.22", &["/var/lib/kubelet/config.json", "/etc/nmstate/openshift/a.yml"]), [Action::None]);
}

#[test]
fn actions_are_not_deduplicated() {
    assert_eq!(
        actions_for("4.22", &["/etc/containers/policy.json", "/etc/containers/registries.d/a.yaml"]),
        [reload("crio.service"), reload("crio.service")]
    );
    assert_eq!(combine(vec![Action::DaemonReload, Action::DaemonReload]), [Action::DaemonReload, Action::DaemonReload]);
}

#[test]
fn actions_order_only_changes_give_an_empty_list() {
    let d = Diff { files_reordered_only: true, units_reordered_only: true, ..Diff::default() };
    assert_eq!(calculate(&d, &policies("4.22").disruption).actions, []);
    assert_eq!(combine(vec![]), []);
}

#[test]
fn actions_nothing_the_policies_cover_changed_gives_none() {
    assert_eq!(calculate(&Diff::default(), &policies("4.22").disruption).actions, [Action::None]);
}

#[test]
fn actions_an_ssh_key_change_follows_the_sshkey_policy_default_none() {
    let user = |keys: &str| {
        ign(
            "99-worker-ssh",
            &format!("    passwd:\n      users:\n      - {{name: core, sshAuthorizedKeys: [{keys}]}}\n"),
        )
    };
    let old = state(&[base(), user("key-1")]);
    let new = state(&[base(), user("key-1, key-2")]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.actions, [Action::None]);
    assert!(!p.reboot && !p.drain && !p.rebuild);
    let change = &p.changes[0];
    assert_eq!(
        (change.kind, change.name.as_str(), change.placement),
        (ChangeKind::Passwd, "core", Placement::Rebootless)
    );
    assert_eq!(change.sources, ["99-worker-ssh"]);

    let mut p22 = policies("4.22");
    p22.disruption.merge(DisruptionPolicy::new(
        Vec::new(),
        Vec::new(),
        Some(SshKeyRule {
            actions: vec![Spanned::new(Action::Drain, span())],
            span: span(),
            origin: Origin::MachineConfiguration,
        }),
    ));
    let p = plan_with(Some(&old), Some(&new), &p22, Target::Bootc, &[]);
    assert_eq!(p.actions, [Action::Drain]);
    assert!(p.drain && !p.reboot);
}

#[test]
fn actions_a_password_hash_only_change_follows_the_sshkey_policy() {
    let user = |hash: &str| {
        ign("99-worker-pw", &format!("    passwd:\n      users:\n      - {{name: core, passwordHash: '{hash}'}}\n"))
    };
    let p = plan(&state(&[base(), user("$6$a")]), &state(&[base(), user("$6$b")]), Target::Legacy);
    assert!(p.reconcilable);
    assert_eq!(p.actions, [Action::None]);
    assert_eq!(p.changes.iter().map(|c| c.kind).collect::<Vec<_>>(), [ChangeKind::Passwd]);
}

#[test]
fn actions_spec_fields_always_reboot_whatever_the_policy() {
    // A file with a rebootless policy changes alongside: the spec field still reboots.
    let registries = |search: &str| {
        text_file(
            "99-worker-reg",
            "/etc/containers/registries.conf",
            &format!("unqualified-search-registries = [{search}]\n"),
        )
    };
    let old = state(&[base(), registries("\"quay.io\"")]);
    for (field, yaml, kind, reason) in [
        (
            "kargs",
            "  kernelArguments: [nosmt]",
            ChangeKind::KernelArguments,
            "kernel arguments changed: the MCO always reboots",
        ),
        (
            "extensions",
            "  extensions: [usbguard]",
            ChangeKind::Extensions,
            "extensions changed: the MCO always reboots",
        ),
        (
            "kernelType",
            "  kernelType: realtime",
            ChangeKind::KernelType,
            "the kernel type changed: the MCO always reboots",
        ),
        (
            "osImageURL",
            "  osImageURL: quay.io/example/os@sha256:1111111111111111111111111111111111111111111111111111111111111111",
            ChangeKind::OsImageUrl,
            "the OS image (osImageURL) changed: the MCO always reboots",
        ),
    ] {
        let new = state(&[base(), registries("\"quay.io\", \"docker.io\""), spec("99-worker-spec", yaml)]);
        let p = plan(&old, &new, Target::Legacy);
        assert_eq!(p.actions, [Action::Reboot], "{field}");
        assert!(p.reboot && p.drain, "{field}");
        let change = p.changes.iter().find(|c| c.kind == kind).unwrap();
        assert_eq!(change.actions, [Action::Reboot]);
        assert_eq!(change.reason.as_deref(), Some(reason));
        assert_eq!(change.sources, ["99-worker-spec"], "{field}");
        assert_eq!(p.reboot_reason, Some(format!("99-worker-spec: {reason}")));
        let reg = p.changes.iter().find(|c| c.name == "/etc/containers/registries.conf").unwrap();
        assert_eq!(reg.actions, [Action::Special], "its own policy is still shown");
        assert_eq!(reg.reason, None);
    }
}

#[test]
fn actions_changes_come_in_order_files_units_passwd_spec() {
    let old = state(&[base()]);
    let new = state(&[
        files(BASE, &[("/etc/base", "2"), ("/etc/a", "a")]),
        units("99-worker-u", "      - {name: z.service, mask: true}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [k]}\n"),
        spec("99-worker-k", "  kernelArguments: [a]\n  kernelType: realtime"),
    ]);
    let p = plan(&old, &new, Target::Legacy);
    let names: Vec<_> = p.changes.iter().map(|c| (c.op, c.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (Op::Add, "/etc/a"),
            (Op::Change, "/etc/base"),
            (Op::Add, "z.service"),
            (Op::Add, "core"),
            (Op::Add, "kernelArguments"),
            (Op::Change, "kernelType"),
        ]
    );
    assert_eq!(
        p.reboot_reason.as_deref(),
        Some("00-worker-base: /etc/a has no disruption policy"),
        "the first culprit"
    );
}

#[test]
fn actions_rule_locations_are_filled_on_request() {
    let (policies, sources) = policies_for(Profile::Rhcos, "4.22");
    let old = state(&[base()]);
    let new =
        state(&[base(), files("99-worker-x", &[("/etc/containers/policy.json", "x"), ("/etc/chrony.conf", "x")])]);
    let mut p = plan_with(Some(&old), Some(&new), &policies, Target::Legacy, &[]);
    assert!(p.changes.iter().all(|c| c.rule.is_none()));
    fill_rules(&mut p, &policies.disruption, &sources);
    let rules: Vec<_> = p.changes.iter().map(|c| c.rule.clone()).collect();
    assert_eq!(rules[0], None, "/etc/chrony.conf has no rule");
    assert!(rules[1].as_deref().is_some_and(|r| r.starts_with("stdlib/disruption/ocp-4.22.mcc:")), "{rules:?}");
}
