//! `mcc explain --entry` and `mcc graph` on the shipped example repository.

use crate::support::mcc;

const EXAMPLE: &str = "examples/cluster/before";

#[test]
fn explain_of_a_plain_etc_file_shows_its_rule_and_its_source() {
    let run = mcc(&["explain", EXAMPLE, "--entry", "/etc/chrony.conf", "--pool", "worker"], None);
    run.expect_code(0);
    insta::assert_snapshot!("explain_chrony", run.stdout);
}

#[test]
fn explain_of_registries_conf_shows_the_special_rule() {
    let run = mcc(
        &["explain", EXAMPLE, "--entry", "/etc/containers/registries.conf", "--pool", "worker", "--format", "json"],
        None,
    );
    run.expect_code(0);
    let json = run.json();
    let entry = &json["entries"][0];
    assert_eq!(entry["placement"], "rebootless");
    assert_eq!(entry["actions"], serde_json::json!(["special"]));
    assert!(entry["disruption_rule"]["at"].as_str().unwrap().starts_with("stdlib/disruption/ocp-4.22.mcc:"));
    assert_eq!(entry["machine_configs"][0]["name"], "99-worker-registries");
    insta::assert_json_snapshot!("explain_registries_json", json);
}

#[test]
fn explain_shows_an_entry_in_every_pool_that_has_it() {
    // infra inherits the worker MachineConfigs: both pools have the SSH key.
    let run = mcc(&["explain", EXAMPLE, "--entry", "sshkey"], None);
    run.expect_code(0);
    assert!(
        run.stdout.contains("sshkey:core in pool worker") && run.stdout.contains("sshkey:core in pool infra"),
        "{run}"
    );
}

#[test]
fn explain_of_a_dropin_and_of_kernel_arguments() {
    let run = mcc(&["explain", EXAMPLE, "--entry", "crio.service.d/10-infra-nofile.conf"], None);
    run.expect_code(0);
    insta::assert_snapshot!("explain_dropin", run.stdout);
    let run = mcc(&["explain", EXAMPLE, "--entry", "kargs", "--pool", "infra", "--target", "rpm-ostree"], None);
    run.expect_code(0);
    assert!(run.stdout.contains("applied on the node"), "rpm-ostree applies kernel arguments on the node: {run}");
}

#[test]
fn explain_of_an_unknown_entry_fails() {
    let run = mcc(&["explain", EXAMPLE, "--entry", "/etc/nope"], None);
    run.expect_code(1);
    assert!(run.stderr.contains("no rendered pool has an entry `/etc/nope`"), "{run}");
    assert!(run.stderr.contains("MCC3202"), "the unknown entry has a code: {run}");
}

#[test]
fn explain_says_the_policy_problems_and_exits_as_check_does() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mcc");
    let run = mcc(&["explain", EXAMPLE, "--entry", "/etc/chrony.conf", "--policy", missing.to_str().unwrap()], None);
    run.expect_code(3);
    assert!(run.stderr.contains("MCC0001") && run.stderr.contains("missing.mcc"), "{run}");
    let broken = dir.path().join("broken.mcc");
    std::fs::write(&broken, "lint oops {\n").unwrap();
    let run = mcc(&["explain", EXAMPLE, "--entry", "/etc/chrony.conf", "--policy", broken.to_str().unwrap()], None);
    run.expect_code(1);
    assert!(run.stderr.contains("MCC3001"), "{run}");
}

#[test]
fn explain_without_entry_and_several_arguments_is_a_usage_error() {
    mcc(&["explain", EXAMPLE, "x"], None).expect_code(64);
}

#[test]
fn graph_as_json_links_machine_configs_entries_rules_and_actions() {
    let run = mcc(&["graph", EXAMPLE, "--pool", "worker", "--format", "json"], None);
    run.expect_code(0);
    let json = run.json();
    assert_eq!(json["schema"], "mcc.graph/v1");
    let graph = &json["graphs"][0];
    assert_eq!(graph["pool"], "worker");
    let nodes = graph["nodes"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> = nodes.iter().map(|n| n["node"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["action", "disruptionRule", "entry", "layoutRule", "machineConfig"].into_iter().collect());
    insta::assert_json_snapshot!("graph_worker_json", json);
}

#[test]
fn graph_as_dot_is_a_digraph_per_pool() {
    let run = mcc(&["graph", EXAMPLE], None);
    run.expect_code(0);
    assert_eq!(run.stdout.matches("digraph ").count(), 2, "worker and infra");
    insta::assert_snapshot!("graph_dot", run.stdout);
}

#[test]
fn graph_output_does_not_depend_on_input_order() {
    let files = [
        "99-worker-chrony.yaml",
        "99-worker-registries.yaml",
        "50-worker-ssh.yaml",
        "infra-pool.yaml",
        "99-infra-tuning.yaml",
    ];
    let forward: Vec<String> = files.iter().map(|f| format!("{EXAMPLE}/{f}")).collect();
    let mut reversed = forward.clone();
    reversed.reverse();
    let run = |paths: &[String]| {
        let mut args = vec!["graph", "--format", "json"];
        args.extend(paths.iter().map(String::as_str));
        mcc(&args, None).stdout
    };
    assert_eq!(run(&forward), run(&reversed));
}
