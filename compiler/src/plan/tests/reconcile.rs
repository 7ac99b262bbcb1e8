//! §3 Reconcilability: the updates the MCO refuses, checked in its order.

use super::*;

#[test]
fn reconcile_passwd_groups_change_is_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-groups", "    passwd:\n      groups:\n      - {name: admins}\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4001"]);
    assert_eq!(messages(&errors), ["invalid passwd change(s): ignition Passwd Groups section contains changes"]);
}

#[test]
fn reconcile_passwd_non_core_user_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-admin",
            "    passwd:\n      users:\n      - {name: admin, sshAuthorizedKeys: [ssh-ed25519 AAAA]}\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4002"]);
    assert_eq!(
        messages(&errors),
        ["invalid passwd change(s): ignition passwd user section contains unsupported changes: non-core user"]
    );
}

#[test]
fn reconcile_passwd_core_user_with_extra_fields_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-ssh",
            "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [ssh-ed25519 AAAA], shell: /bin/zsh}\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4003"]);
    assert_eq!(messages(&errors), ["invalid passwd change(s): SSH keys and password hash are not reconcilable"]);
}

#[test]
fn reconcile_passwd_core_user_without_keys_or_hash_is_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-core", "    passwd:\n      users:\n      - {name: core}\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4004"]);
    assert_eq!(
        messages(&errors),
        [
            "invalid passwd change(s): ignition passwd user section contains unsupported changes: user must be core and have 1 or more sshKeys"
        ]
    );
}

#[test]
fn reconcile_passwd_ssh_keys_and_password_hash_of_core_are_allowed() {
    // TestReconcilableSSH: adding keys, changing them, setting a password hash.
    let old = state(&[
        base(),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1]}\n"),
    ]);
    for new in [
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1, key-2]}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-2]}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, passwordHash: '$6$x'}\n"),
    ] {
        assert_eq!(reconcile(&old, &state(&[base(), new.clone()]), &[]), [], "{new}");
    }
}

#[test]
fn reconcile_passwd_an_empty_new_user_list_is_allowed() {
    let old = state(&[
        base(),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1]}\n"),
    ]);
    let new = state(&[base()]);
    assert_eq!(reconcile(&old, &new, &[]), []);
}

#[test]
fn reconcile_ignition_kernel_arguments_are_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-kargs", "    kernelArguments:\n      shouldExist: [nosmt]\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4005"]);
    assert_eq!(messages(&errors), ["ignition kargs section contains changes"]);
}

#[test]
fn reconcile_disks_are_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-disk", DISK)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4006"]);
    assert_eq!(messages(&errors), ["ignition disks section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["Disks".into()]), []);
    assert_eq!(codes(&reconcile(&old, &new, &["Raid".into(), "FileSystems".into()])), ["MCC4006"]);
}

#[test]
fn reconcile_filesystems_are_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-fs", FILESYSTEM)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4007"]);
    assert_eq!(messages(&errors), ["ignition filesystems section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["FileSystems".into()]), []);
    assert_eq!(codes(&reconcile(&old, &new, &["Filesystems".into()])), ["MCC4007"], "spelled as in the API");
}

#[test]
fn reconcile_raid_is_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-raid", RAID)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4008"]);
    assert_eq!(messages(&errors), ["ignition raid section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["Raid".into()]), []);
}

#[test]
fn reconcile_directories_are_refused_added_or_removed() {
    let with = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/myapp, mode: 493}\n"),
    ]);
    let without = state(&[base()]);
    for (old, new) in [(&without, &with), (&with, &without)] {
        let errors = reconcile(old, new, &[]);
        assert_eq!(codes(&errors), ["MCC4009"]);
        assert_eq!(messages(&errors), ["ignition directories section contains changes"]);
    }
    let other_mode = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/myapp, mode: 448}\n"),
    ]);
    assert_eq!(codes(&reconcile(&with, &other_mode, &[])), ["MCC4009"]);
}

#[test]
fn reconcile_links_are_refused_unless_all_are_removed() {
    let link = |target: &str| {
        ign(
            "99-worker-link",
            &format!("    storage:\n      links:\n      - {{path: /etc/localtime, target: {target}}}\n"),
        )
    };
    let without = state(&[base()]);
    let paris = state(&[base(), link("../usr/share/zoneinfo/Europe/Paris")]);
    let tokyo = state(&[base(), link("../usr/share/zoneinfo/Asia/Tokyo")]);
    let errors = reconcile(&without, &paris, &[]);
    assert_eq!(codes(&errors), ["MCC4010"]);
    assert_eq!(messages(&errors), ["ignition links section contains changes"]);
    assert_eq!(codes(&reconcile(&paris, &tokyo, &[])), ["MCC4010"]);
    assert_eq!(reconcile(&paris, &without, &[]), [], "removing every link is allowed");
}

#[test]
fn reconcile_removing_all_links_acts_like_no_policy_change() {
    // The links are not in the changed-file set, and nothing the policies cover changed: [None].
    let old = state(&[
        base(),
        ign(
            "99-worker-link",
            "    storage:\n      links:\n      - {path: /etc/localtime, target: ../usr/share/zoneinfo/UTC}\n",
        ),
    ]);
    let new = state(&[base()]);
    let p = plan(&old, &new, Target::Legacy);
    assert!(p.reconcilable);
    assert_eq!(p.actions, [Action::None]);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].op, p.changes[0].kind, p.changes[0].actions.clone()),
        (Op::Remove, ChangeKind::Link, vec![])
    );
    assert_eq!(p.changes[0].sources, ["99-worker-link"], "a removal names the old side's MachineConfig");
}

#[test]
fn reconcile_file_append_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-hosts",
            "    storage:\n      files:\n      - path: /etc/hosts\n        overwrite: false\n        append: [{source: 'data:,x'}]\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4011"]);
    assert_eq!(messages(&errors), ["ignition file /etc/hosts includes append"]);
}

#[test]
fn reconcile_the_force_file_cannot_be_written() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-force", &[("/run/machine-config-daemon-force", "")])]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4012"]);
    assert_eq!(messages(&errors), ["cannot create /run/machine-config-daemon-force via Ignition"]);
}

#[test]
fn reconcile_fips_cannot_change() {
    // TestGenerateMachineConfigValidation: turning FIPS on in one MC fails.
    let old = state(&[base()]);
    let new = state(&[base(), spec("99-worker-fips", "  fips: true")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4013"]);
    assert_eq!(messages(&errors), ["detected change to FIPS flag; refusing to modify FIPS on a running cluster"]);
    assert_eq!(codes(&reconcile(&new, &old, &[])), ["MCC4013"], "nor be turned off");
}

#[test]
fn reconcile_reports_every_failing_check_in_the_mco_order() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        spec("99-worker-fips", "  fips: true"),
        ign(
            "99-worker-many",
            "    passwd:\n      groups:\n      - {name: admins}\n    storage:\n      directories:\n      - {path: /etc/d}\n      disks:\n      - {device: /dev/sdb, wipeTable: true}\n",
        ),
    ]);
    assert_eq!(codes(&reconcile(&old, &new, &[])), ["MCC4001", "MCC4006", "MCC4009", "MCC4013"]);
}

#[test]
fn reconcile_allows_files_units_os_image_and_luks() {
    // TestReconcilableDiff: adding a file, removing all files, an osImageURL change.
    let old = state(&[base()]);
    let empty = state(&[ign("00-worker-base", "")]);
    for new in [
        vec![base(), files("99-worker-x", &[("/etc/x", "x")])],
        vec![files(BASE, &[("/etc/base", "changed")])],
        vec![
            base(),
            units(
                "99-worker-u",
                "      - {name: x.service, enabled: true, contents: \"[Unit]\\n[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n\"}\n",
            ),
        ],
        vec![
            base(),
            spec(
                "99-worker-os",
                "  osImageURL: quay.io/example/os@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ],
        vec![
            base(),
            spec("99-worker-kargs", "  kernelArguments: [nosmt]\n  extensions: [usbguard]\n  kernelType: realtime"),
        ],
    ] {
        assert_eq!(reconcile(&old, &state(&new), &[]), [], "{new:?}");
    }
    assert_eq!(reconcile(&old, &empty, &[]), [], "removing all files");
    // LuksClevisTang: removing a LUKS device with a Tang clevis is reconcilable.
    let luks = state(&[
        base(),
        ign(
            "99-worker-luks",
            "    storage:\n      luks:\n      - name: data\n        device: /dev/sdb\n        clevis: {tang: [{url: 'http://tang.example.com', thumbprint: abc}]}\n",
        ),
    ]);
    assert_eq!(reconcile(&luks, &old, &[]), []);
}

#[test]
fn reconcile_an_irreconcilable_plan_has_errors_and_no_actions() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-x", &[("/etc/x", "x")]), ign("99-worker-disk", DISK)]);
    let p = plan(&old, &new, Target::Bootc);
    assert!(!p.reconcilable);
    assert_eq!(codes(&p.errors), ["MCC4006"]);
    assert!(p.actions.is_empty() && !p.reboot && !p.drain && !p.rebuild && p.reboot_reason.is_none());
    assert_eq!(p.changes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["/etc/x"], "the diff is still shown");
    let with_override = plan_with(Some(&old), Some(&new), &policies("4.22"), Target::Legacy, &["Disks".into()]);
    assert!(with_override.reconcilable);
    assert_eq!(with_override.actions, [Action::Reboot], "/etc/x has no policy");
}
