//! Image mode: the rebuilds, and the pool as a whole.

use super::*;

#[test]
fn image_an_etc_file_rebuilds_under_bootc_but_not_under_legacy() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-chrony", &[("/etc/chrony.conf", "server%20x")])]);
    let bootc = plan(&old, &new, Target::Bootc);
    assert!(bootc.rebuild && bootc.reboot && bootc.drain);
    assert_eq!(bootc.actions, [Action::Reboot]);
    assert_eq!(bootc.changes[0].placement, Placement::Etc);
    assert_eq!(bootc.reboot_reason.as_deref(), Some("99-worker-chrony: /etc/chrony.conf has no disruption policy"));
    let rpm = plan(&old, &new, Target::RpmOstree);
    assert!(rpm.rebuild);
    let legacy = plan(&old, &new, Target::Legacy);
    assert!(!legacy.rebuild && legacy.reboot && legacy.drain);
    assert_eq!(legacy.actions, [Action::Reboot]);
}

#[test]
fn image_node_side_changes_do_not_rebuild() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-kubelet", &[("/var/lib/kubelet/config.json", "%7B%7D")])]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.changes[0].placement, Placement::Var);
    assert!(!p.rebuild && !p.reboot && !p.drain);
    assert_eq!(p.actions, [Action::None]);
}

#[test]
fn image_a_rebootless_policy_overridden_by_image_mode_says_so() {
    let (policies, _) = policies_for(Profile::FedoraBootc, "4.22");
    let path = "/usr/local/bin/load-registry-image.sh";
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-iri", &[(path, "x")])]);
    let bootc = plan_with(Some(&old), Some(&new), &policies, Target::Bootc, &[]);
    let change = &bootc.changes[0];
    assert_eq!(change.placement, Placement::Image);
    assert_eq!(change.actions, [restart("iri-registry.service")], "its own policy");
    let reason = format!(
        "image mode bakes {path} into the image: a change rebuilds and reboots, although its policy is restart iri-registry.service"
    );
    assert_eq!(change.reason.as_deref(), Some(reason.as_str()));
    assert!(bootc.rebuild && bootc.reboot);
    assert_eq!(bootc.actions, [Action::Reboot], "a new image is an OS update");
    assert_eq!(bootc.reboot_reason, Some(format!("99-worker-iri: {reason}")));
    let legacy = plan_with(Some(&old), Some(&new), &policies, Target::Legacy, &[]);
    assert!(!legacy.rebuild && !legacy.reboot);
    assert_eq!(legacy.actions, [restart("iri-registry.service")]);
    assert_eq!(legacy.changes[0].reason, None);
}

#[test]
fn image_spec_fields_rebuild_and_kernel_arguments_only_under_bootc() {
    let old = state(&[base()]);
    let kargs = state(&[base(), spec("99-worker-k", "  kernelArguments: [nosmt]")]);
    assert!(plan(&old, &kargs, Target::Bootc).rebuild);
    let rpm = plan(&old, &kargs, Target::RpmOstree);
    assert!(!rpm.rebuild && rpm.reboot, "rpm-ostree applies kernel arguments on the node, and reboots");
    for yaml in ["  extensions: [usbguard]", "  kernelType: realtime"] {
        let new = state(&[base(), spec("99-worker-k", yaml)]);
        assert!(plan(&old, &new, Target::RpmOstree).rebuild, "{yaml}");
        assert!(!plan(&old, &new, Target::Legacy).rebuild, "{yaml}");
    }
}

#[test]
fn pool_an_unchanged_pool_has_no_changes_and_no_actions() {
    let old = state(&[base(), files("99-worker-x", &[("/etc/x", "x")])]);
    let new = state(&[base(), files("99-worker-x", &[("/etc/x", "x")])]);
    let p = plan(&old, &new, Target::Bootc);
    assert!(p.reconcilable && p.errors.is_empty() && p.changes.is_empty() && p.actions.is_empty());
    assert!(!p.rebuild && !p.reboot && !p.drain && p.reboot_reason.is_none());
    assert_eq!(p.from, p.to);
}

#[test]
fn pool_a_first_install_adds_everything_and_skips_reconcilability() {
    let mut new = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/d}\n"),
        ign("99-worker-disk", DISK),
    ]);
    // The cluster's default image (`--base-image`), which the tests' renderings leave empty.
    new.os_image_url =
        "quay.io/openshift/os@sha256:2222222222222222222222222222222222222222222222222222222222222222".into();
    let p = plan_with(None, Some(&new), &policies("4.22"), Target::Legacy, &[]);
    assert!(p.reconcilable && p.errors.is_empty());
    assert_eq!(p.from, None);
    assert!(p.changes.iter().all(|c| c.op == Op::Add));
    assert_eq!(p.changes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["/etc/base", "/etc/d", "osImageURL"]);
    assert_eq!(p.actions, [Action::Reboot]);
    assert_eq!(p.reboot_reason.as_deref(), Some("00-worker-base: /etc/base has no disruption policy"));
    assert!(plan_with(None, Some(&new), &policies("4.22"), Target::Bootc, &[]).rebuild);
}

#[test]
fn pool_a_removed_pool_has_an_empty_plan() {
    let old = state(&[base()]);
    let p = plan_with(Some(&old), None, &policies("4.22"), Target::Bootc, &[]);
    assert_eq!((p.from.is_some(), p.to.is_none()), (true, true));
    assert!(p.changes.is_empty() && p.actions.is_empty() && p.reconcilable);
}

#[test]
fn pool_a_cluster_export_has_no_sources() {
    let mut old = state(&[base()]);
    let mut new = state(&[base(), files("99-worker-chrony", &[("/etc/chrony.conf", "x")])]);
    old.sources.clear();
    new.sources.clear();
    let p = plan(&old, &new, Target::Legacy);
    assert!(p.changes[0].sources.is_empty());
    assert_eq!(p.reboot_reason.as_deref(), Some("/etc/chrony.conf has no disruption policy"));
}
