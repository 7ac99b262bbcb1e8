//! Shadowed changes: a MachineConfig's change that a later MachineConfig's definition overrides
//! reaches no node, is named with the winner, and decides nothing.

use super::*;

#[test]
fn a_file_change_a_later_machine_config_overrides_is_shadowed_by_it() {
    let winner = files("99-worker-z", &[("/etc/chrony.conf", "z")]);
    let old = state(&[base(), files("50-worker-a", &[("/etc/chrony.conf", "a1")]), winner.clone()]);
    let new = state(&[base(), files("50-worker-a", &[("/etc/chrony.conf", "a2")]), winner]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.changes.len(), 1, "{:?}", p.changes);
    let change = &p.changes[0];
    assert_eq!((change.op, change.kind, change.name.as_str()), (Op::Change, ChangeKind::File, "/etc/chrony.conf"));
    assert_eq!(change.sources, ["50-worker-a"]);
    assert_eq!(change.shadowed_by.as_deref(), Some("99-worker-z"));
    assert!(change.actions.is_empty() && change.reason.is_none());
    // Nothing reaches the nodes: no rebuild although /etc is baked, no reboot, no action.
    assert!(!p.rebuild && !p.reboot && !p.drain && p.actions.is_empty());
    assert_eq!(p.effective_changes().count(), 0);
}

#[test]
fn a_machine_config_added_or_removed_under_a_later_one_is_shadowed_too() {
    let winner = files("99-worker-z", &[("/etc/x", "z")]);
    let without = state(&[base(), winner.clone()]);
    let with = state(&[base(), files("50-worker-a", &[("/etc/x", "a")]), winner]);
    let added = plan(&without, &with, Target::Bootc);
    assert_eq!(
        added.changes.iter().map(|c| (c.op, c.shadowed_by.as_deref())).collect::<Vec<_>>(),
        [(Op::Add, Some("99-worker-z"))]
    );
    let removed = plan(&with, &without, Target::Bootc);
    assert_eq!(
        removed.changes.iter().map(|c| (c.op, c.shadowed_by.as_deref())).collect::<Vec<_>>(),
        [(Op::Remove, Some("99-worker-z"))]
    );
}

#[test]
fn a_dropin_change_under_a_later_definition_of_the_same_dropin_is_shadowed() {
    let dropin = |name: &str, value: &str| {
        units(
            name,
            &format!(
                "      - name: crio.service\n        dropins:\n        - name: 10-limits.conf\n          contents: \"[Service]\\nLimitNOFILE={value}\\n\"\n"
            ),
        )
    };
    let old = state(&[base(), dropin("50-worker-a", "1024"), dropin("99-worker-z", "65536")]);
    let new = state(&[base(), dropin("50-worker-a", "4096"), dropin("99-worker-z", "65536")]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.changes.len(), 1);
    assert_eq!((p.changes[0].kind, p.changes[0].name.as_str()), (ChangeKind::Unit, "crio.service"));
    assert_eq!(p.changes[0].shadowed_by.as_deref(), Some("99-worker-z"));
    assert!(!p.reboot && p.actions.is_empty());
}

#[test]
fn a_change_that_wins_the_merge_is_not_shadowed() {
    let loser = files("50-worker-a", &[("/etc/x", "a")]);
    let old = state(&[base(), loser.clone(), files("99-worker-z", &[("/etc/x", "z1")])]);
    let new = state(&[base(), loser, files("99-worker-z", &[("/etc/x", "z2")])]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].shadowed_by.as_deref(), p.changes[0].sources.as_slice()),
        (None, &["50-worker-a".to_string(), "99-worker-z".to_string()][..])
    );
    assert!(p.reboot, "a change to /etc/x without a policy reboots");
}

#[test]
fn an_exported_rendered_config_says_nothing_about_shadows() {
    let winner = files("99-worker-z", &[("/etc/x", "z")]);
    let new = state(&[base(), files("50-worker-a", &[("/etc/x", "a")]), winner.clone()]);
    let mut old = state(&[base(), winner]);
    old.definitions = None;
    assert!(plan(&old, &new, Target::Bootc).changes.is_empty());
}

#[test]
fn a_kernel_type_or_os_image_a_later_machine_config_sets_shadows_the_change() {
    const IMAGE: &str = "quay.io/example/os@sha256:0000000000000000000000000000000000000000000000000000000000000001";
    const OTHER: &str = "quay.io/example/os@sha256:0000000000000000000000000000000000000000000000000000000000000002";
    let winner = spec("99-worker-z", &format!("  kernelType: realtime\n  osImageURL: {IMAGE}"));
    let old = state(&[base(), spec("50-worker-a", "  kernelType: 64k-pages"), winner.clone()]);
    let new = state(&[base(), spec("50-worker-a", &format!("  kernelType: realtime\n  osImageURL: {OTHER}")), winner]);
    let p = plan(&old, &new, Target::Bootc);
    let shadowed: Vec<_> =
        p.changes.iter().map(|c| (c.op, c.kind, c.shadowed_by.as_deref(), c.sources.as_slice())).collect();
    let a = ["50-worker-a".to_string()];
    assert_eq!(
        shadowed,
        [
            (Op::Change, ChangeKind::KernelType, Some("99-worker-z"), &a[..]),
            (Op::Add, ChangeKind::OsImageUrl, Some("99-worker-z"), &a[..]),
        ]
    );
    assert!(!p.reboot && !p.rebuild, "neither reaches the nodes");
}
