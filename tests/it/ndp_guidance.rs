//! Node Disruption Policy guidance: the warning when a rule arrives in the same change as what
//! it makes rebootless (MCC4040), and `plan --suggest`, whose patch, once applied, makes the
//! planned change rebootless, in mcc and in the MCO's own code (the oracle).

use std::path::Path;

use serde_json::{Value, json};

use crate::support::mcc;

const MCO_API: &str = "machineconfiguration.openshift.io/v1";

/// A worker MachineConfig writing each `(path, text)`.
fn machine_config(name: &str, files: &[(&str, &str)]) -> Value {
    let files: Vec<Value> = files
        .iter()
        .map(|(path, text)| {
            let source = format!("data:,{}", text.replace(' ', "%20").replace('\n', "%0A"));
            json!({"path": path, "mode": 420, "contents": {"source": source}})
        })
        .collect();
    json!({
        "apiVersion": MCO_API,
        "kind": "MachineConfig",
        "metadata": {"name": name, "labels": {"machineconfiguration.openshift.io/role": "worker"}},
        "spec": {"config": {"ignition": {"version": "3.4.0"}, "storage": {"files": files}}},
    })
}

fn machine_configuration(files: Value) -> Value {
    json!({
        "apiVersion": "operator.openshift.io/v1",
        "kind": "MachineConfiguration",
        "metadata": {"name": "cluster"},
        "spec": {"nodeDisruptionPolicy": {"files": files}},
    })
}

/// The site's rule for another file, which the patch must keep.
fn own_rule() -> Value {
    json!([{"path": "/etc/motd", "actions": [{"type": "None"}]}])
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Two states of a repository: chrony.conf and an sshd drop-in change.
fn states(extra_new_file: Option<(&str, &str)>) -> (tempfile::TempDir, tempfile::TempDir) {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sshd = "/etc/ssh/sshd_config.d/50-hardening.conf";
    write(
        old.path(),
        "mc.json",
        &machine_config("99-worker-node", &[("/etc/chrony.conf", "server a iburst\n"), (sshd, "PermitRootLogin no\n")]),
    );
    let mut files = vec![("/etc/chrony.conf", "server b iburst\n"), (sshd, "PermitRootLogin no\nMaxAuthTries 3\n")];
    files.extend(extra_new_file);
    write(new.path(), "mc.json", &machine_config("99-worker-node", &files));
    for dir in [old.path(), new.path()] {
        write(dir, "machineconfiguration.json", &machine_configuration(own_rule()));
    }
    (old, new)
}

fn plan(old: &Path, new: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--from", old.to_str().unwrap(), "--to", new.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    mcc(&args, None).json()
}

fn worker(plan: &Value) -> Value {
    plan["pools"].as_array().unwrap().iter().find(|p| p["pool"] == "worker").unwrap().clone()
}

#[test]
fn suggest_proposes_rules_from_the_table_as_a_merge_patch_that_keeps_the_sites_own() {
    let (old, new) = states(None);
    let planned = plan(old.path(), new.path(), &["--suggest"]);
    assert_eq!(worker(&planned)["reboot"], true, "without a rule, both changes reboot");
    let rules = planned["suggestions"]["rules"].as_array().unwrap();
    let paths: Vec<&str> = rules.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/etc/chrony.conf", "/etc/ssh/sshd_config.d"]);
    assert_eq!(rules[0]["actions"], json!([{"type": "Restart", "service": "chronyd.service"}]));
    assert_eq!(rules[1]["actions"], json!([{"type": "Reload", "service": "sshd.service"}]));
    assert!(rules.iter().all(|r| !r["why"].as_str().unwrap().is_empty()));
    let files = &planned["suggestions"]["patch"]["spec"]["nodeDisruptionPolicy"]["files"];
    assert_eq!(files[0], own_rule()[0], "a merge patch replaces the list: the site's own rule comes first");
    assert_eq!(files[1]["actions"], json!([{"type": "Restart", "restart": {"serviceName": "chronyd.service"}}]));

    // The human text prints the patch as YAML, ready for `oc patch --type merge`.
    let text =
        mcc(&["plan", "--from", old.path().to_str().unwrap(), "--to", new.path().to_str().unwrap(), "--suggest"], None);
    assert!(text.stdout.contains("oc patch machineconfiguration cluster --type merge"), "{}", text.stdout);
    assert!(text.stdout.contains("serviceName: chronyd.service"), "{}", text.stdout);
}

#[test]
fn the_suggested_patch_applied_makes_the_planned_change_rebootless() {
    let (old, new) = states(None);
    let planned = plan(old.path(), new.path(), &["--suggest"]);
    let patch = planned["suggestions"]["patch"].clone();
    // Applied to the cluster: the MachineConfiguration, patched, is in force on both sides.
    let ndp = tempfile::tempdir().unwrap();
    let patched = machine_configuration(patch["spec"]["nodeDisruptionPolicy"]["files"].clone());
    write(ndp.path(), "cluster.json", &patched);
    for dir in [old.path(), new.path()] {
        std::fs::remove_file(dir.join("machineconfiguration.json")).unwrap();
    }
    let ndp_file = ndp.path().join("cluster.json");
    let again = plan(old.path(), new.path(), &["--ndp", ndp_file.to_str().unwrap(), "--suggest"]);
    let pool = worker(&again);
    assert_eq!((pool["reboot"].as_bool(), pool["drain"].as_bool()), (Some(false), Some(false)), "{pool:#}");
    assert_eq!(pool["rebuild"], false, "the files are now rebootless, so node-side");
    assert_eq!(
        pool["actions"],
        json!([{"type": "Restart", "service": "chronyd.service"}, {"type": "Reload", "service": "sshd.service"}])
    );
    assert_eq!(again["suggestions"]["rules"], json!([]), "nothing left to suggest");
    assert!(again.get("sameChangeRules").is_none(), "{again:#}");
}

#[test]
fn nothing_is_suggested_for_what_the_mco_always_reboots_for_or_the_table_does_not_know() {
    let (old, new) = states(Some(("/etc/app/unknown.conf", "x\n")));
    let mut kargs = machine_config("99-worker-kargs", &[]);
    kargs["spec"]["kernelArguments"] = json!(["nosmt"]);
    write(new.path(), "kargs.json", &kargs);
    let planned = plan(old.path(), new.path(), &["--suggest"]);
    let covered: Vec<&str> = planned["suggestions"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["changes"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()))
        .collect();
    assert!(!covered.contains(&"/etc/app/unknown.conf"), "{covered:?}");
    let text = serde_json::to_string(&planned["suggestions"]).unwrap();
    assert!(!text.contains("kernelArguments") && !text.contains("kargs"), "{text}");
}

#[test]
fn a_rule_arriving_with_its_change_warns_and_shows_the_other_outcome() {
    let (old, new) = states(None);
    // The new side's MachineConfiguration gains the chrony rule in the same change.
    let files = json!([own_rule()[0], {"path": "/etc/chrony.conf", "actions": [{"type": "Restart", "restart": {"serviceName": "chronyd.service"}}]},
        {"path": "/etc/ssh/sshd_config.d", "actions": [{"type": "Reload", "reload": {"serviceName": "sshd.service"}}]}]);
    write(new.path(), "machineconfiguration.json", &machine_configuration(files));
    let (from, to) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let run = mcc(&["plan", "--from", from, "--to", to], None);
    run.expect_code(0);
    assert_eq!(run.stderr.matches("MCC4040").count(), 2, "one warning a rule:\n{}", run.stderr);
    assert!(run.stderr.contains("file /etc/chrony.conf is rebootless only through this MachineConfiguration rule"));
    assert!(run.stdout.contains("worker: 2 rebootless"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "worker: if the MachineConfigs roll out before the MachineConfiguration, nodes WILL drain and reboot"
        ),
        "{}",
        run.stdout
    );
    let planned = plan(old.path(), new.path(), &[]);
    let risk = &planned["sameChangeRules"][0];
    assert_eq!(risk["pool"], "worker");
    assert_eq!(risk["changes"], json!(["file /etc/chrony.conf", "file /etc/ssh/sshd_config.d/50-hardening.conf"]));
    assert_eq!((risk["without"]["reboot"].as_bool(), risk["without"]["drain"].as_bool()), (Some(true), Some(true)));
    // `mcc check --against` says the same.
    let run = mcc(&["check", to, "--against", from, "--format", "short"], None);
    assert_eq!(run.stdout.matches("warning[MCC4040]").count(), 2, "{}", run.stdout);
    // The same rule already in force on the old side: no warning.
    std::fs::copy(new.path().join("machineconfiguration.json"), old.path().join("machineconfiguration.json")).unwrap();
    let run = mcc(&["plan", "--from", from, "--to", to], None);
    assert!(!run.stderr.contains("MCC4040"), "{}", run.stderr);
}

#[test]
fn the_mco_agrees_that_the_suggested_rules_make_the_change_rebootless() {
    let Some(oracle) = crate::oracle::oracle() else { return };
    let (old, new) = states(None);
    let planned = plan(old.path(), new.path(), &["--suggest", "--target", "legacy"]);
    let patch = planned["suggestions"]["patch"].clone();
    let read =
        |dir: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(dir.join("mc.json")).unwrap()).unwrap() };
    let pool = json!({
        "apiVersion": MCO_API, "kind": "MachineConfigPool", "metadata": {"name": "worker"},
        "spec": {"machineConfigSelector": {"matchLabels": {"machineconfiguration.openshift.io/role": "worker"}},
                 "nodeSelector": {"matchLabels": {"node-role.kubernetes.io/worker": ""}}},
    });
    let case = |files: Value| {
        json!({
            "kind": "plan", "pool": pool, "old": [read(old.path())], "new": [read(new.path())],
            "controllerConfig": {"osImageURL": "quay.io/openshift/rhcos@sha256:1", "baseOSExtensionsContainerImage": "quay.io/openshift/ext@sha256:1"},
            "machineConfiguration": machine_configuration(files),
        })
    };
    let before = crate::oracle::process::run(&oracle, &case(own_rule())).unwrap();
    assert_eq!(before["actions"], json!([{"type": "Reboot"}]), "{before:#}");
    let after =
        crate::oracle::process::run(&oracle, &case(patch["spec"]["nodeDisruptionPolicy"]["files"].clone())).unwrap();
    let mut actions: Vec<Value> = after["actions"].as_array().unwrap().clone();
    actions.sort_by_key(|a| a.to_string());
    assert_eq!(
        actions,
        [
            json!({"type": "Reload", "service": "sshd.service"}),
            json!({"type": "Restart", "service": "chronyd.service"})
        ],
        "{after:#}"
    );
    assert_eq!(after["drain"], false, "{after:#}");
}
