//! `mcc plan` on the shipped GitOps example, its JSON contract, git sides, and the corpus.

use std::process::Command;

use crate::support::{mcc, root};

const BEFORE: &str = "examples/cluster/before";
const AFTER: &str = "examples/cluster/after";
const CORPUS: &str = "../shared/corpus/real";

fn schema() -> jsonschema::Validator {
    schema_file("plan.schema.json")
}

fn schema_file(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/schemas").join(name)).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

#[test]
fn the_plan_is_v2_and_the_v1_schema_is_kept_for_the_previous_contract() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json"], None);
    let plan = run.json();
    assert_eq!(plan["schema"], "mcc.plan/v2");
    assert_valid(&plan);
    // v2 is not v1: the v1 schema refuses it (its `schema` constant and closed objects).
    assert!(!schema_file("plan.v1.schema.json").is_valid(&plan));
    // A change shadowed by a later MachineConfig, with a file's digests, and a pool's rollout
    // are all part of the v2 contract.
    let mut full = plan.clone();
    let change = &mut full["pools"][0]["changes"][0];
    change["shadowedBy"] = serde_json::json!("99-worker-generated-registries");
    change["contents"] = serde_json::json!({"old": null, "new": {"sha256": "a".repeat(64), "size": 3}});
    full["pools"][0]["rollout"] =
        serde_json::json!({"nodes": 12, "maxUnavailable": 2, "waves": 6, "paused": false, "degraded": false});
    assert_valid(&full);
    full["pools"][0]["rollout"]["maxUnavailable"] = serde_json::json!(0);
    assert!(!schema().is_valid(&full), "maxUnavailable is at least 1");
}

#[track_caller]
fn assert_valid(plan: &serde_json::Value) {
    let errors: Vec<String> = schema().iter_errors(plan).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "the plan does not follow docs/schemas/plan.schema.json:\n{}", errors.join("\n"));
}

#[test]
fn the_example_plan_reads_like_terraform() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER], None);
    run.expect_code(0);
    insta::assert_snapshot!("plan_example_human", run.stdout);
}

#[test]
fn the_example_plan_as_json_follows_the_schema_and_says_what_the_mco_would_do() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json"], None);
    run.expect_code(0);
    let plan = run.json();
    assert_valid(&plan);
    let pool = |name: &str| plan["pools"].as_array().unwrap().iter().find(|p| p["pool"] == name).unwrap().clone();
    // worker: chrony restarts (the site's MachineConfiguration), registries.conf is a safe
    // `special` change and registries.d reloads CRI-O: no drain, no reboot.
    let worker = pool("worker");
    assert_eq!((worker["reboot"].as_bool(), worker["drain"].as_bool()), (Some(false), Some(false)));
    assert_eq!(
        worker["actions"],
        serde_json::json!([
            {"type": "Restart", "service": "chronyd.service"},
            {"type": "Reload", "service": "crio.service"},
            {"type": "Reload", "service": "crio.service"}
        ])
    );
    // infra: a kernel argument changes, which always reboots and rebuilds the image.
    let infra = pool("infra");
    assert_eq!(
        (infra["reboot"].as_bool(), infra["drain"].as_bool(), infra["rebuild"].as_bool()),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(infra["actions"], serde_json::json!([{"type": "Reboot"}]));
    insta::assert_json_snapshot!("plan_example_json", plan);
}

#[test]
fn the_ndp_file_given_with_ndp_decides_the_new_side() {
    // The example's `after` state without its MachineConfiguration, which comes with --ndp
    // instead: chrony.conf must still restart chronyd rather than reboot the worker pool.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join(AFTER)).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "machineconfiguration.yaml" {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let to = dir.path().to_str().unwrap();
    let ndp = format!("{AFTER}/machineconfiguration.yaml");
    let run = mcc(&["plan", "--from", BEFORE, "--to", to, "--ndp", &ndp, "--format", "json"], None);
    run.expect_code(0);
    let plan = run.json();
    let worker = plan["pools"].as_array().unwrap().iter().find(|p| p["pool"] == "worker").unwrap();
    assert_eq!(worker["reboot"].as_bool(), Some(false), "{worker:#}");
    assert_eq!(worker["actions"][0], serde_json::json!({"type": "Restart", "service": "chronyd.service"}));
}

#[test]
fn detailed_exit_codes() {
    mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--detailed-exitcode"], None).expect_code(2);
    mcc(&["plan", "--from", AFTER, "--to", AFTER, "--detailed-exitcode"], None).expect_code(0);
    mcc(&["plan", "--from", BEFORE, "--to", AFTER], None).expect_code(0);
}

#[test]
fn a_first_install_adds_everything() {
    for from in [&["--from", "none"][..], &[]] {
        let mut args = vec!["plan", "--format", "json"];
        args.extend_from_slice(from);
        args.extend(["--to", AFTER]);
        let run = mcc(&args, None);
        run.expect_code(0);
        let plan = run.json();
        assert_valid(&plan);
        for pool in plan["pools"].as_array().unwrap() {
            assert!(pool["from"].is_null());
            assert!(pool["changes"].as_array().unwrap().iter().all(|c| c["op"] == "add"), "{pool:#}");
        }
    }
}

#[test]
fn an_irreconcilable_change_fails_the_pool_and_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("99-worker-dir.yaml");
    std::fs::write(
        &new,
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-dir\n  labels: {machineconfiguration.openshift.io/role: worker}\nspec:\n  config:\n    ignition: {version: 3.4.0}\n    storage:\n      directories:\n      - {path: /etc/new-dir, mode: 493}\n",
    )
    .unwrap();
    let run = mcc(
        &["plan", "--from", BEFORE, "--to", BEFORE, new.to_str().unwrap(), "--format", "json", "--detailed-exitcode"],
        None,
    );
    run.expect_code(1);
    let plan = run.json();
    assert_valid(&plan);
    let worker = plan["pools"].as_array().unwrap().iter().find(|p| p["pool"] == "worker").unwrap();
    assert_eq!(worker["reconcilable"], false);
    assert_eq!(worker["errors"][0]["code"], "MCC4009");
    assert_eq!(worker["actions"], serde_json::json!([]));
}

#[test]
fn a_git_revision_is_read_as_the_same_paths() {
    // A scratch repository: commit the before state, then put the after state in the work tree.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| {
        let status = Command::new("git").current_dir(repo).args(args).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    let copy = |from: &str| {
        let target = repo.join("cluster");
        let _ = std::fs::remove_dir_all(&target);
        std::fs::create_dir_all(&target).unwrap();
        for entry in std::fs::read_dir(root().join(from)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
        }
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.email", "test@example.com"]);
    git(&["config", "user.name", "test"]);
    copy(BEFORE);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "before"]);
    copy(AFTER);
    let cluster = repo.join("cluster");
    let run =
        crate::support::mcc_in(repo, &["plan", "--from", "git:HEAD", "--to", "cluster", "--format", "json"], None);
    run.expect_code(0);
    let from_git = run.json();
    assert_valid(&from_git);
    assert!(cluster.is_dir());
    let direct = crate::support::mcc_in(
        repo,
        &["plan", "--from", "git:HEAD:cluster", "--to", "cluster", "--format", "json"],
        None,
    );
    direct.expect_code(0);
    assert_eq!(from_git["pools"], direct.json()["pools"], "git:REF and git:REF:DIR read the same files");
    // Rule locations name the files as given; everything else matches a plan of the two directories.
    let without_rules = |plan: &serde_json::Value| {
        let mut plan = plan.clone();
        for pool in plan["pools"].as_array_mut().unwrap() {
            for change in pool["changes"].as_array_mut().unwrap() {
                change["rule"] = serde_json::Value::Null;
            }
        }
        plan["pools"].clone()
    };
    let expected = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json"], None).json();
    assert_eq!(without_rules(&from_git), without_rules(&expected), "the committed state is the before state");
}

#[test]
fn a_rendered_config_exported_from_a_cluster_can_be_the_old_side() {
    let dir = tempfile::tempdir().unwrap();
    let rendered = mcc(&["render", BEFORE, "--pool", "worker", "--format", "json"], None);
    rendered.expect_code(0);
    // What `oc get mc rendered-worker-… -o yaml` gives: the rendered object, owned by its pool.
    let mut export = rendered.json()["items"][0].clone();
    export["metadata"]["ownerReferences"] = serde_json::json!([{"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfigPool", "name": "worker", "uid": "1"}]);
    let path = dir.path().join("rendered-worker.json");
    std::fs::write(&path, serde_json::to_string(&export).unwrap()).unwrap();
    let run =
        mcc(&["plan", "--from", path.to_str().unwrap(), "--to", AFTER, "--pool", "worker", "--format", "json"], None);
    run.expect_code(0);
    let from_export = run.json();
    let from_repo =
        mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--pool", "worker", "--format", "json"], None).json();
    let changes = |plan: &serde_json::Value| {
        plan["pools"][0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["op"].clone(), c["name"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(changes(&from_export), changes(&from_repo));
    assert_eq!(from_export["pools"][0]["actions"], from_repo["pools"][0]["actions"]);
}

#[test]
fn the_whole_corpus_plans_against_nothing_and_against_itself() {
    let first = mcc(&["plan", "--to", CORPUS, "--format", "json"], None);
    assert!(matches!(first.code, Some(0 | 1)), "{first}");
    assert!(!first.stderr.contains("panicked"), "{first}");
    assert_valid(&first.json());
    let again = mcc(&["plan", "--to", CORPUS, "--format", "json"], None);
    assert_eq!(first.stdout, again.stdout, "the same inputs give the same plan");
    let itself = mcc(&["plan", "--from", CORPUS, "--to", CORPUS, "--format", "json"], None);
    assert!(!itself.stderr.contains("panicked"), "{itself}");
    let plan = itself.json();
    assert_valid(&plan);
    for pool in plan["pools"].as_array().unwrap() {
        assert_eq!(
            pool["changes"],
            serde_json::json!([]),
            "planning the corpus against itself changes nothing: {pool:#}"
        );
        assert_eq!(pool["actions"], serde_json::json!([]));
    }
}

#[test]
fn check_against_a_previous_state_says_up_front_which_pools_reboot() {
    let run = mcc(&["check", AFTER, "--against", BEFORE], None);
    run.expect_code(0);
    assert!(run.stdout.contains("worker: no drain, no reboot"), "{run}");
    assert!(run.stdout.contains("infra: this change drains and reboots every node of the pool"), "{run}");
    // An irreconcilable change is an error of `check` too.
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("99-worker-dir.yaml");
    std::fs::write(
        &new,
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-dir\n  labels: {machineconfiguration.openshift.io/role: worker}\nspec:\n  config:\n    ignition: {version: 3.4.0}\n    storage:\n      directories:\n      - {path: /etc/new-dir, mode: 493}\n",
    )
    .unwrap();
    let run = mcc(&["check", BEFORE, new.to_str().unwrap(), "--against", BEFORE, "--format", "json"], None);
    run.expect_code(1);
    let codes: Vec<String> =
        run.json()["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    assert!(codes.contains(&"MCC4009".to_string()), "{codes:?}");
}
