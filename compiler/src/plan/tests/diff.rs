//! §4.2 The diff: what changed between two rendered configs.

use super::*;

#[test]
fn diff_changed_file_set_has_added_removed_and_changed_paths_sorted() {
    let old = state(&[files(BASE, &[("/etc/b", "b"), ("/etc/same", "s"), ("/etc/gone", "g")])]);
    let new = state(&[files(BASE, &[("/etc/b", "b2"), ("/etc/same", "s"), ("/etc/a", "a")])]);
    let d = diff(&old, &new);
    assert_eq!(
        d.files,
        [
            ("/etc/a".to_string(), Op::Add, ChangeKind::File),
            ("/etc/b".to_string(), Op::Change, ChangeKind::File),
            ("/etc/gone".to_string(), Op::Remove, ChangeKind::File),
        ]
    );
    assert!(!d.files_reordered_only && d.units.is_empty() && !d.passwd);
}

#[test]
fn diff_a_mode_or_owner_change_changes_the_file() {
    let old = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 420, contents: {source: 'data:,x'}}\n",
    )]);
    let mode = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 384, contents: {source: 'data:,x'}}\n",
    )]);
    let owner = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 420, user: {name: core}, contents: {source: 'data:,x'}}\n",
    )]);
    for new in [&mode, &owner] {
        assert_eq!(diff(&old, new).files, [("/etc/x".to_string(), Op::Change, ChangeKind::File)]);
    }
}

#[test]
fn diff_a_dropin_change_counts_under_its_unit() {
    let dropin = |text: &str| {
        units(
            "99-worker-crio",
            &format!(
                "      - name: crio.service\n        dropins:\n        - {{name: 10-x.conf, contents: \"[Service]\\nEnvironment=X={text}\\n\"}}\n"
            ),
        )
    };
    let old = state(&[base(), dropin("1")]);
    let new = state(&[base(), dropin("2")]);
    let d = diff(&old, &new);
    assert_eq!(d.units, [("crio.service".to_string(), Op::Change)]);
    // crio.service has no unit policy: the dropin change reboots.
    let p = plan(&old, &new, Target::Legacy);
    assert_eq!(p.actions, [Action::Reboot]);
    assert_eq!(p.reboot_reason.as_deref(), Some("99-worker-crio: crio.service has no disruption policy"));
}

#[test]
fn diff_enabled_and_mask_changes_count_as_unit_changes() {
    let unit = |extra: &str| units("99-worker-u", &format!("      - {{name: x.service{extra}}}\n"));
    let plain = state(&[base(), unit("")]);
    for changed in [", enabled: true", ", enabled: false", ", mask: true"] {
        let new = state(&[base(), unit(changed)]);
        assert_eq!(diff(&plain, &new).units, [("x.service".to_string(), Op::Change)], "{changed}");
    }
    let none = state(&[base()]);
    assert_eq!(diff(&none, &plain).units, [("x.service".to_string(), Op::Add)]);
    assert_eq!(diff(&plain, &none).units, [("x.service".to_string(), Op::Remove)]);
}

#[test]
fn diff_password_hash_changes_are_recognized() {
    // TestMachineConfigDiff "PasswordHash changes recognized".
    let user = |hash: &str| {
        ign("99-worker-pw", &format!("    passwd:\n      users:\n      - {{name: core, passwordHash: '{hash}'}}\n"))
    };
    let d = diff(&state(&[user("a")]), &state(&[user("b")]));
    assert!(d.passwd);
    assert!(d.files.is_empty() && d.units.is_empty());
}

#[test]
fn diff_kernel_arguments_and_extensions_compare_as_ordered_lists() {
    let old = state(&[spec("99-worker-k", "  kernelArguments: [a, b]\n  extensions: [usbguard, kerberos]")]);
    let reordered = state(&[spec("99-worker-k", "  kernelArguments: [b, a]\n  extensions: [kerberos, usbguard]")]);
    let d = diff(&old, &reordered);
    assert!(d.kargs && d.extensions, "a reorder is a change");
    let none = state(&[base()]);
    let empty = state(&[base(), spec("99-worker-k", "  kernelArguments: []\n  extensions: []")]);
    let d = diff(&none, &empty);
    assert!(!d.kargs && !d.extensions, "nil and empty are equal");
}

#[test]
fn diff_kernel_type_compares_canonically() {
    let none = state(&[base()]);
    let explicit = state(&[base(), spec("99-worker-k", "  kernelType: default")]);
    assert!(!diff(&none, &explicit).kernel_type, "\"\" and default are equal");
    let rt = state(&[base(), spec("99-worker-k", "  kernelType: realtime")]);
    assert!(diff(&none, &rt).kernel_type);
}

#[test]
fn diff_files_or_units_differing_only_by_order_give_no_actions() {
    // `spec/mco.md` §4.3, edge case: the sets are empty, no action is collected.
    let old = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/a, contents: {source: 'data:,a'}}\n      - {path: /etc/b, contents: {source: 'data:,b'}}\n    systemd:\n      units:\n      - {name: a.service, mask: true}\n      - {name: b.service, mask: true}\n",
    )]);
    let mut new = old.clone();
    new.config.to_mut().storage.files.reverse();
    new.config.to_mut().systemd.units.reverse();
    let d = diff(&old, &new);
    assert!(d.files.is_empty() && d.units.is_empty());
    assert!(d.files_reordered_only && d.units_reordered_only);
    let calc = calculate(&d, &policies("4.22").disruption);
    assert_eq!(calc.actions, []);
    let p = plan(&old, &new, Target::Bootc);
    assert!(p.reconcilable && p.changes.is_empty() && p.actions.is_empty() && !p.reboot && !p.drain);
}

#[test]
fn diff_directories_and_links_are_listed_with_their_kind() {
    let d = diff(
        &state(&[base()]),
        &state(&[
            base(),
            ign(
                "99-worker-x",
                "    storage:\n      directories:\n      - {path: /etc/d}\n      links:\n      - {path: /etc/l, target: /etc/base}\n",
            ),
        ]),
    );
    assert_eq!(
        d.files,
        [("/etc/d".to_string(), Op::Add, ChangeKind::Directory), ("/etc/l".to_string(), Op::Add, ChangeKind::Link)]
    );
    assert!(!d.files_differ(), "storage.files did not change: the MCO's `files` flag is false");
}
