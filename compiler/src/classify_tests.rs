//! Placement cases (`spec/image-mode.md` §1.3, §10), one test per case, against the stdlib.

use proptest::prelude::*;

use crate::classify::{Subject, classify};
use crate::policy::placement::{Placement, Target};
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::source::Sources;

fn policies(profile: Profile) -> Policies {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let policies = stdlib::load(profile, OcpVersion::default(), &mut sources, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    policies
}

fn placement_of(profile: Profile, path: &str) -> (Placement, String) {
    let p = policies(profile);
    let c = classify(&Subject::Path(path.into()), &p.layout, &p.disruption, Target::Bootc);
    (c.placement, c.resolved_path.unwrap_or_default())
}

#[test]
fn rhcos_compatibility_symlinks_lead_into_var() {
    for (path, resolved) in [
        ("/home/core/.bashrc", "/var/home/core/.bashrc"),
        ("/root/.ssh/config", "/var/roothome/.ssh/config"),
        ("/opt/tool/bin/x", "/var/opt/tool/bin/x"),
        ("/srv/www/index.html", "/var/srv/www/index.html"),
        ("/mnt/data/x", "/var/mnt/data/x"),
        ("/usr/local/bin/tool.sh", "/var/usrlocal/bin/tool.sh"),
    ] {
        assert_eq!(placement_of(Profile::Rhcos, path), (Placement::Var, resolved.to_string()), "{path}");
    }
}

#[test]
fn opt_cni_is_the_exception_that_lives_in_the_image() {
    assert_eq!(
        placement_of(Profile::Rhcos, "/opt/cni/bin/macvlan"),
        (Placement::Image, "/usr/lib/opt/cni/bin/macvlan".to_string())
    );
}

#[test]
fn media_resolves_into_run_and_is_rejected() {
    assert_eq!(placement_of(Profile::Rhcos, "/media/usb/x"), (Placement::Reject, "/run/media/usb/x".to_string()));
}

#[test]
fn fedora_bootc_keeps_a_real_opt_and_usr_local_in_the_image() {
    assert_eq!(
        placement_of(Profile::FedoraBootc, "/opt/tool/bin/x"),
        (Placement::Image, "/opt/tool/bin/x".to_string())
    );
    assert_eq!(
        placement_of(Profile::FedoraBootc, "/usr/local/bin/tool.sh"),
        (Placement::Image, "/usr/local/bin/tool.sh".to_string())
    );
    assert_eq!(placement_of(Profile::FedoraBootc, "/home/core/x").0, Placement::Var, "/home still links into /var");
}

#[test]
fn fcos_places_like_rhcos() {
    for path in ["/usr/local/bin/x", "/etc/chrony.conf", "/usr/lib/x", "/opt/x", "/boot/x"] {
        assert_eq!(placement_of(Profile::Fcos, path), placement_of(Profile::Rhcos, path), "{path}");
    }
    // The /opt/cni link is RHCOS's own (openshift/os tmpfiles), not Fedora CoreOS's.
    assert_eq!(placement_of(Profile::Fcos, "/opt/cni/bin/x").0, Placement::Var);
}

#[test]
fn the_reject_list_refuses_paths_no_node_can_hold() {
    for path in [
        "/usr/etc/chrony.conf",
        "/boot/loader/entries/x.conf",
        "/sysroot/x",
        "/ostree/repo/x",
        "/proc/sys/x",
        "/sys/kernel/x",
        "/dev/x",
        "/run/x",
        "/tmp/x",
        "/var/run/x",
    ] {
        assert_eq!(placement_of(Profile::Rhcos, path).0, Placement::Reject, "{path}");
    }
}

#[test]
fn usr_goes_to_the_image_etc_to_etc_and_var_to_var() {
    assert_eq!(placement_of(Profile::Rhcos, "/usr/lib/systemd/system/x.service").0, Placement::Image);
    assert_eq!(placement_of(Profile::Rhcos, "/etc/chrony.conf").0, Placement::Etc);
    assert_eq!(placement_of(Profile::Rhcos, "/var/lib/x").0, Placement::Var);
}

#[test]
fn an_etc_file_with_a_rebootless_policy_stays_on_the_node() {
    // 4.22 defaults: registries.conf is `special`, policy.json reloads crio.
    assert_eq!(placement_of(Profile::Rhcos, "/etc/containers/registries.conf").0, Placement::Rebootless);
    assert_eq!(placement_of(Profile::Rhcos, "/etc/containers/policy.json").0, Placement::Rebootless);
    assert_eq!(placement_of(Profile::Rhcos, "/etc/containers/registries.d/mirror.yaml").0, Placement::Rebootless);
}

#[test]
fn a_rebootless_policy_on_a_read_only_path_goes_to_the_image_with_a_note() {
    // 4.22 defaults restart iri-registry for /usr/local/bin/load-registry-image.sh; on
    // fedora-bootc /usr/local is part of the read-only image.
    let p = policies(Profile::FedoraBootc);
    let c = classify(
        &Subject::Path("/usr/local/bin/load-registry-image.sh".into()),
        &p.layout,
        &p.disruption,
        Target::Bootc,
    );
    assert_eq!(c.placement, Placement::Image);
    assert!(c.note.unwrap().contains("read-only"));
}

#[test]
fn units_and_dropins_are_written_under_etc_systemd_system() {
    let p = policies(Profile::Rhcos);
    let unit = classify(&Subject::Unit("chronyd.service".into()), &p.layout, &p.disruption, Target::Bootc);
    assert_eq!(
        (unit.placement, unit.resolved_path.as_deref()),
        (Placement::Etc, Some("/etc/systemd/system/chronyd.service"))
    );
    // The 4.22 defaults have a unit rule for iri-registry.service: rebootless.
    let iri = classify(&Subject::Unit("iri-registry.service".into()), &p.layout, &p.disruption, Target::Bootc);
    assert_eq!(iri.placement, Placement::Rebootless);
    let dropin = Subject::Dropin { unit: "iri-registry.service".into(), name: "10-x.conf".into() };
    assert_eq!(
        classify(&dropin, &p.layout, &p.disruption, Target::Bootc).placement,
        Placement::Rebootless,
        "a dropin counts under its unit"
    );
}

#[test]
fn kernel_arguments_are_baked_under_bootc_and_node_side_under_rpm_ostree() {
    let p = policies(Profile::Rhcos);
    let bootc = classify(&Subject::KernelArguments, &p.layout, &p.disruption, Target::Bootc);
    assert_eq!((bootc.placement, bootc.node_side), (Placement::Image, false));
    let rpm = classify(&Subject::KernelArguments, &p.layout, &p.disruption, Target::RpmOstree);
    assert_eq!((rpm.placement, rpm.node_side), (Placement::Image, true));
}

#[test]
fn ssh_keys_are_always_node_side() {
    let p = policies(Profile::Rhcos);
    let c = classify(&Subject::Passwd("core".into()), &p.layout, &p.disruption, Target::Bootc);
    assert_eq!((c.placement, c.node_side), (Placement::Rebootless, true));
}

#[test]
fn under_legacy_everything_is_node_side_but_placement_is_still_computed() {
    let p = policies(Profile::Rhcos);
    let c = classify(&Subject::Path("/etc/chrony.conf".into()), &p.layout, &p.disruption, Target::Legacy);
    assert_eq!((c.placement, c.node_side), (Placement::Etc, true));
}

fn path_strategy() -> impl Strategy<Value = String> {
    let tops = prop::sample::select(vec![
        "etc",
        "usr",
        "var",
        "opt",
        "home",
        "root",
        "srv",
        "mnt",
        "media",
        "boot",
        "run",
        "tmp",
        "sysroot",
        "usr/local",
        "opt/cni",
        "usr/etc",
        "etc/containers",
        "proc",
        "afs",
    ]);
    (tops, prop::collection::vec("[a-z0-9._-]{1,8}", 0..4)).prop_map(|(top, rest)| {
        let mut path = format!("/{top}");
        for part in rest {
            path.push('/');
            path.push_str(&part);
        }
        path
    })
}

/// Loads MachineConfigs (one YAML text each) in the given order and returns, per pool, every
/// entry's placement.
fn placements(texts: &[String]) -> Vec<(String, Vec<(String, Placement)>)> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut loaded = crate::testing::load(&refs);
    let rendered = loaded.render(&crate::render::RenderOptions::default());
    let p = policies(Profile::Rhcos);
    rendered
        .iter()
        .map(|pool| {
            let g = crate::graph::build(
                pool,
                &loaded.inputs,
                &p.layout,
                &p.disruption,
                Target::Bootc,
                &mut loaded.diagnostics,
            );
            let mut entries: Vec<(String, Placement)> = g
                .entries
                .keys()
                .map(|s| (crate::graph::describe(s), g.entry(s).map(|e| e.placement).unwrap_or(Placement::Reject)))
                .collect();
            entries.sort();
            (pool.pool.name().to_string(), entries)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For random MachineConfigs, every rendered entry gets exactly one placement, and the result
    /// does not depend on the order of the inputs.
    #[test]
    fn every_entry_gets_one_placement_whatever_the_input_order(
        configs in prop::collection::vec(prop::collection::vec(path_strategy(), 1..5), 1..6),
        seed in any::<u64>(),
    ) {
        let texts: Vec<String> = configs
            .iter()
            .enumerate()
            .map(|(i, paths)| {
                let files: String = paths.iter().map(|p| format!("      - {{path: '{p}', contents: {{source: 'data:,{i}'}}}}\n")).collect();
                crate::testing::mc(&format!("99-worker-{i}"), Some("worker"), &format!("  config:\n    ignition: {{version: 3.4.0}}\n    storage:\n      files:\n{files}"))
            })
            .collect();
        let forward = placements(&texts);
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (i as u64 + 1).wrapping_mul(seed | 1).rotate_left(23));
        let shuffled: Vec<String> = order.iter().map(|&i| texts[i].clone()).collect();
        prop_assert_eq!(&forward, &placements(&shuffled));
        for (_, entries) in &forward {
            let mut names: Vec<&String> = entries.iter().map(|(n, _)| n).collect();
            let total = names.len();
            names.dedup();
            prop_assert_eq!(names.len(), total, "an entry appears once, with one placement");
        }
    }
}
