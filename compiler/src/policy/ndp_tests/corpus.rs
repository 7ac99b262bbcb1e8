//! The real-world corpus of `MachineConfiguration` objects.

use super::*;

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
        assert_eq!(policy.disruption.files().len(), *file_rules, "{file}");
        assert_eq!(policy.disruption.units().len(), *unit_rules, "{file}");
    }
}

#[test]
fn the_corpus_policies_lower_to_the_expected_actions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/real");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let (_, telco) = run(&[&read(
        "openshift-kni__telco-reference__telco-core__configuration__reference-crs__optional__networking__firewall__node-disruption-policy.yaml",
    )]);
    assert_eq!(telco.disruption.files()[0].path.value, "/etc/sysconfig/nftables.conf");
    assert_eq!(actions(&telco.disruption.files()[0].actions), [restart("nftables.service")]);
    assert_eq!(actions(&telco.disruption.units()[0].actions), [reload("nftables.service")]);
    let (_, root) = run(&[&read(
        "noseka1__ansible-base__roles__openshift_cluster_postinstall__templates__root-password__cluster-machineconfiguration.yaml",
    )]);
    assert_eq!(
        actions(&root.disruption.units()[0].actions),
        [Action::DaemonReload, restart("set-root-user-password.service")]
    );
    let (_, origin) = run(&[&read(
        "openshift__origin__test__extended__testdata__machine_config__machineconfigurations__nodedisruptionpolicy-rebootless-path.yaml",
    )]);
    assert_eq!(origin.disruption.match_file("/home/core/test").map(|r| actions(&r.actions)), Some(vec![Action::None]));
}
