//! `--cluster DUMP`: the MCO-generated MachineConfigs in the merge, shadowed changes, `--from
//! cluster` and `--prune`, rollout waves, a stale rendered config, and the two dump layouts.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{mcc, root};

const DUMP: &str = "examples/cluster-dump/cluster.yaml";
const REPO: &str = "examples/cluster-dump/repo";

fn plan(extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--cluster", DUMP, "--format", "json"];
    args.extend(extra);
    let run = mcc(&args, None);
    run.expect_code(0);
    let plan = run.json();
    let text = std::fs::read_to_string(root().join("docs/schemas/plan.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let errors: Vec<String> = schema.iter_errors(&plan).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not mcc.plan/v2:\n{}", errors.join("\n"));
    plan
}

fn pool<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["pools"].as_array().unwrap().iter().find(|p| p["pool"] == name).unwrap()
}

fn change<'a>(pool: &'a Value, name: &str) -> Option<&'a Value> {
    pool["changes"].as_array().unwrap().iter().find(|c| c["name"] == name)
}

/// The items of the dump's `List` as separate YAML texts with their kinds (the dump is written
/// with every item at `- ` in column 0, two spaces in, and nothing after the items).
fn dump_items() -> Vec<(String, String, String)> {
    items_of(&std::fs::read_to_string(root().join(DUMP)).unwrap())
}

fn items_of(text: &str) -> Vec<(String, String, String)> {
    let body = &text[text.find("\nitems:\n").unwrap() + 8..];
    let mut items: Vec<String> = Vec::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("- ") {
            items.push(format!("{rest}\n"));
        } else if let Some(rest) = line.strip_prefix("  ") {
            items.last_mut().unwrap().push_str(&format!("{rest}\n"));
        } else if line.is_empty() {
            // A blank line inside a block scalar.
            items.last_mut().unwrap().push('\n');
        } else {
            break;
        }
    }
    let field = |item: &str, key: &str| {
        item.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().to_string()).unwrap_or_default()
    };
    items
        .into_iter()
        .map(|item| {
            let name = item.lines().skip_while(|l| *l != "metadata:").find_map(|l| l.strip_prefix("  name: "));
            let name = name.unwrap().to_string();
            (field(&item, "kind: "), name, item)
        })
        .collect()
}

#[test]
fn the_generated_machine_configs_join_the_render_in_the_mcos_merge_order() {
    let run = mcc(&["render", "--cluster", DUMP, REPO, "--format", "json", "--pool", "worker"], None);
    run.expect_code(0);
    let rendered = &run.json()["items"][0];
    let from = rendered["metadata"]["annotations"]["mcc.openshift.io/rendered-from"].as_str().unwrap();
    // Every worker MachineConfig sorted by name, generated or not; the cluster's own user
    // MachineConfigs (99-worker-ssh, 99-worker-motd) are not the repository's.
    assert_eq!(
        from.split(',').collect::<Vec<_>>(),
        [
            "00-worker",
            "01-worker-container-runtime",
            "01-worker-kubelet",
            "50-worker-ssh",
            "90-worker-registries",
            "97-worker-generated-kubelet",
            "98-worker-generated-kubelet",
            "99-worker-chrony",
            "99-worker-generated-registries",
        ]
    );
    // The base OS image is the ControllerConfig's.
    let os = rendered["spec"]["osImageURL"].as_str().unwrap();
    assert!(os.starts_with("quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1b7a"), "{os}");
}

#[test]
fn the_render_with_generated_machine_configs_is_the_mcos() {
    let Some(oracle) = crate::oracle::oracle() else { return };
    if !has_pyyaml() {
        assert!(std::env::var_os("CI").is_none(), "CI needs python3 with PyYAML (python3-yaml)");
        eprintln!("skipping the oracle's render with generated MachineConfigs: no python3 with PyYAML");
        return;
    }
    // A generated MachineConfig that sets osImageURL, which the merge must ignore.
    let text = std::fs::read_to_string(root().join(DUMP)).unwrap();
    let at = text.find("    name: 00-worker\n").unwrap();
    let at = at + text[at..].find("\n  spec:\n").unwrap() + "\n  spec:\n".len();
    let ignored =
        "quay.io/example/generated-os@sha256:0000000000000000000000000000000000000000000000000000000000000009";
    let text = format!("{}    osImageURL: {ignored}\n{}", &text[..at], &text[at..]);
    let items = items_of(&text);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    std::fs::write(&dump, &text).unwrap();
    // mcc's rendering of the worker pool and the MachineConfigs it merged, in its order.
    let run = mcc(&["render", "--cluster", dump.to_str().unwrap(), REPO, "--format", "json", "--pool", "worker"], None);
    let worker = run.json()["items"][0].clone();
    let names: Vec<&str> =
        worker["metadata"]["annotations"]["mcc.openshift.io/rendered-from"].as_str().unwrap().split(',').collect();
    let mut configs = Vec::new();
    for name in &names {
        // The repository's version of a MachineConfig replaces the cluster's.
        let text = std::fs::read_to_string(root().join(REPO).join(format!("{name}.yaml"))).unwrap_or_else(|_| {
            items.iter().find(|(kind, n, _)| kind == "MachineConfig" && n == name).unwrap().2.clone()
        });
        configs.push(yaml_to_json(&text));
    }
    let pool = items.iter().find(|(kind, n, _)| kind == "MachineConfigPool" && n == "worker").unwrap();
    let input = json!({
        "kind": "render",
        "pool": yaml_to_json(&pool.2),
        "controllerConfig": {
            "osImageURL": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1b7a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "baseOSExtensionsContainerImage": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:2c8b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0",
        },
        "configs": configs,
    });
    let answer = crate::oracle::process::run(&oracle, &input).unwrap();
    assert!(answer["error"].is_null(), "{answer:#}");
    let selected: Vec<&str> = answer["selected"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(selected, names, "the MCO's merge order");
    assert_ne!(worker["spec"]["osImageURL"], ignored);
    let mut differences = Vec::new();
    crate::oracle::compare::json_diff(&answer["rendered"]["spec"], &worker["spec"], "spec", &mut differences);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

fn has_pyyaml() -> bool {
    std::process::Command::new("python3").args(["-c", "import yaml"]).output().is_ok_and(|o| o.status.success())
}

/// A YAML object as the JSON the API server holds, which the oracle reads (PyYAML: `.ci/run`
/// installs python3-yaml).
fn yaml_to_json(text: &str) -> Value {
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .args(["-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with PyYAML");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_user_change_that_a_generated_machine_config_overrides_is_shadowed_and_has_no_effect() {
    let plan = plan(&["--from", "cluster", "--to", REPO]);
    let worker = pool(&plan, "worker");
    let registries = change(worker, "/etc/containers/registries.conf").unwrap();
    assert_eq!(registries["op"], "add");
    assert_eq!(registries["sources"], json!(["90-worker-registries"]));
    assert_eq!(registries["shadowedBy"], "99-worker-generated-registries");
    assert_eq!(registries["actions"], json!([]));
    // Only chrony reaches the nodes: no CRI-O reload, no drain, no reboot.
    assert_eq!(worker["actions"], json!([{"type": "Restart", "service": "chronyd.service"}]));
    assert_eq!((worker["drain"].as_bool(), worker["reboot"].as_bool()), (Some(false), Some(false)));
    let chrony = change(worker, "/etc/chrony.conf").unwrap();
    assert_eq!(chrony["shadowedBy"], Value::Null);

    let human = mcc(&["plan", "--cluster", DUMP, "--from", "cluster", "--to", REPO], None);
    assert!(
        human.stdout.contains(
            "worker: 1 rebootless (restart chronyd.service), 1 shadowed (no effect); nodes will not drain or reboot\n"
        ),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(
            "      shadowed: 99-worker-generated-registries merges later and wins, so this change reaches no node\n"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn only_shadowed_changes_are_no_changes_to_the_nodes() {
    // The cluster plus only the shadowed MachineConfig: the rendered configs stay the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(REPO).join("90-worker-registries.yaml"), dir.path().join("90-worker-registries.yaml"))
        .unwrap();
    let to = dir.path().to_str().unwrap();
    let run = mcc(&["plan", "--cluster", DUMP, "--from", "cluster", "--to", to, "--detailed-exitcode"], None);
    run.expect_code(0);
    assert!(run.stdout.contains("worker: no changes (1 shadowed by later MachineConfigs)\n"), "{}", run.stdout);
}

#[test]
fn from_cluster_keeps_the_clusters_own_machine_configs_and_prune_removes_them() {
    let kept = plan(&["--from", "cluster", "--to", REPO]);
    assert!(change(pool(&kept, "worker"), "/etc/motd").is_none());
    assert!(change(pool(&kept, "worker"), "core").is_none());
    let pruned = plan(&["--from", "cluster", "--to", REPO, "--prune"]);
    let worker = pool(&pruned, "worker");
    let motd = change(worker, "/etc/motd").unwrap();
    assert_eq!((motd["op"].as_str(), &motd["sources"]), (Some("remove"), &json!(["99-worker-motd"])));
    // The installer's SSH key goes too: pruning removes what the repository does not hold.
    assert_eq!(change(worker, "core").unwrap()["op"], "change");
    let run = mcc(&["plan", "--cluster", DUMP, "--from", "cluster", "--to", REPO, "--prune"], None);
    assert!(
        run.stderr.contains(
            "--prune removes 3 MachineConfigs of the cluster that the new state does not hold: 99-master-ssh, 99-worker-motd, 99-worker-ssh\n"
        ),
        "{}",
        run.stderr
    );
    let prune_alone = mcc(&["plan", "--cluster", DUMP, "--from", "none", "--to", REPO, "--prune"], None);
    prune_alone.expect_code(64);
    let from_cluster_alone = mcc(&["plan", "--from", "cluster", "--to", REPO], None);
    from_cluster_alone.expect_code(64);
}

#[test]
fn the_rollout_of_each_pool_comes_from_its_spec_and_status() {
    let plan = plan(&["--from", "cluster", "--to", REPO]);
    let rollout = |name: &str| pool(&plan, name)["rollout"].clone();
    assert_eq!(
        rollout("worker"),
        json!({"nodes": 12, "maxUnavailable": 2, "waves": 6, "paused": false, "degraded": false})
    );
    // 50% of 5 rounds down to 2; the repository's pool leaves `paused` to the cluster's.
    assert_eq!(
        rollout("infra"),
        json!({"nodes": 5, "maxUnavailable": 2, "waves": 3, "paused": true, "degraded": false})
    );
    assert_eq!(
        rollout("master"),
        json!({"nodes": 3, "maxUnavailable": 1, "waves": 3, "paused": false, "degraded": false})
    );
    let human = mcc(&["plan", "--cluster", DUMP, "--from", "cluster", "--to", REPO], None).stdout;
    assert!(human.contains("worker: 12 nodes, maxUnavailable 2: 6 waves, each updates 2 nodes\n"), "{human}");
    assert!(
        human.contains("infra: 5 nodes, maxUnavailable 2: 3 waves, each drains and reboots 2 nodes; the pool is paused: nothing rolls out until it is unpaused\n"),
        "{human}"
    );
    // Without a dump, no status: no rollout.
    let run =
        mcc(&["plan", "--from", "examples/cluster/before", "--to", "examples/cluster/after", "--format", "json"], None);
    assert!(run.json()["pools"].as_array().unwrap().iter().all(|p| p["rollout"].is_null()));
}

#[test]
fn a_must_gather_directory_reads_like_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let gather = dir.path().join("must-gather.local.1234/quay-io-openshift-release-dev-sha256-abc");
    let resource = |kind: &str| match kind {
        "MachineConfig" => "machineconfiguration.openshift.io/machineconfigs",
        "MachineConfigPool" => "machineconfiguration.openshift.io/machineconfigpools",
        "ControllerConfig" => "machineconfiguration.openshift.io/controllerconfigs",
        "MachineConfiguration" => "operator.openshift.io/machineconfigurations",
        other => panic!("{other}"),
    };
    for (kind, name, text) in dump_items() {
        let dir = gather.join("cluster-scoped-resources").join(resource(&kind));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{name}.yaml")),
            format!("apiVersion: {}", text.trim_start_matches("apiVersion: ")),
        )
        .unwrap();
    }
    // Something must-gather also holds that mcc does not read.
    let other = gather.join("cluster-scoped-resources/core/nodes");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("node-1.yaml"), "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n").unwrap();
    let dump = dir.path().to_str().unwrap();
    let run = |dump: &str| {
        let run = mcc(&["plan", "--cluster", dump, "--from", "cluster", "--to", REPO, "--format", "json"], None);
        run.expect_code(0);
        assert!(!run.stderr.contains("Node"), "{}", run.stderr);
        // The rules' locations name the files they are in, which differ.
        let mut plan = run.json();
        for pool in plan["pools"].as_array_mut().unwrap() {
            for change in pool["changes"].as_array_mut().unwrap() {
                change["rule"] = Value::Null;
            }
        }
        plan
    };
    assert_eq!(run(dump), run(DUMP));
}

#[test]
fn a_rendered_config_the_dump_would_not_render_is_reported_stale() {
    let text = std::fs::read_to_string(root().join(DUMP)).unwrap();
    check_clean(&text);
    // The motd changed in the cluster after the pool's rendered config was made.
    let motd = "Managed%20by%20the%20platform%20team.";
    assert!(text.contains(motd));
    let stale = text.replacen(motd, "Managed%20by%20the%20ops%20team.", 1);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    std::fs::write(&dump, &stale).unwrap();
    let run = mcc(&["check", "--cluster", dump.to_str().unwrap(), REPO, "--format", "json"], None);
    let report = run.json();
    let stale = crate::support::with_code(&report, "MCC2010");
    assert_eq!(stale.len(), 2, "the worker and infra pools run the motd: {report:#}");
    let message = stale[0]["message"].as_str().unwrap();
    assert!(
        message.contains("differs from what mcc renders for pool") && message.contains("file /etc/motd"),
        "{message}"
    );
}

fn check_clean(dump: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, dump).unwrap();
    let run = mcc(&["check", "--cluster", path.to_str().unwrap(), REPO, "--format", "json"], None);
    assert!(crate::support::with_code(&run.json(), "MCC2010").is_empty(), "the shipped dump is current");
}

#[test]
fn an_exported_rendered_config_planned_over_the_dump_gives_no_false_changes() {
    // The first try: `--from` the worker's rendered config exported from the cluster,
    // `--to` the repository. With the dump, the MCO's own files and the base image are on both
    // sides: no `- file /etc/kubernetes/kubelet.conf`, no `~ osImageURL`.
    let (_, _, rendered) = dump_items()
        .into_iter()
        .find(|(kind, name, _)| kind == "MachineConfig" && name.starts_with("rendered-worker-"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("rendered-worker.yaml");
    std::fs::write(&from, &rendered).unwrap();
    let plan = plan(&["--from", from.to_str().unwrap(), "--to", REPO, "--pool", "worker"]);
    let worker = pool(&plan, "worker");
    let names: Vec<&str> = worker["changes"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    // 99-worker-motd and 99-worker-ssh are the cluster's own, not the repository's: gone.
    assert_eq!(names, ["/etc/chrony.conf", "/etc/motd", "core"], "{worker:#}");
    assert!(!Path::new(&from).with_extension("json").exists());
}

#[test]
fn a_degraded_pool_says_so() {
    let text = std::fs::read_to_string(root().join(DUMP)).unwrap();
    // The worker pool's status: one of its machines is degraded.
    let at = text
        .find("degradedMachineCount: 0\n    observedGeneration: 3\n    configuration:\n      name: rendered-worker-")
        .unwrap();
    let degraded = format!("{}degradedMachineCount: 1{}", &text[..at], &text[at + "degradedMachineCount: 0".len()..]);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    std::fs::write(&dump, degraded).unwrap();
    let dump = dump.to_str().unwrap();
    let run = mcc(&["plan", "--cluster", dump, "--from", "cluster", "--to", REPO], None);
    assert!(
        run.stdout.contains("worker: 12 nodes, maxUnavailable 2: 6 waves, each updates 2 nodes; the pool is degraded: the rollout may stall until its degraded nodes are fixed\n"),
        "{}",
        run.stdout
    );
    let json = mcc(&["plan", "--cluster", dump, "--from", "cluster", "--to", REPO, "--format", "json"], None).json();
    assert_eq!(pool(&json, "worker")["rollout"]["degraded"], true);
    assert_eq!(pool(&json, "master")["rollout"]["degraded"], false);
}

#[test]
fn warnings_wholly_inside_the_dump_are_left_out_and_the_repositorys_stay() {
    let run = mcc(&["check", "--cluster", DUMP, REPO, "--format", "json"], None);
    run.expect_code(0);
    let report = run.json();
    let found: Vec<(String, String)> = crate::support::diagnostics(&report)
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["message"].as_str().unwrap().to_string()))
        .collect();
    // Both conflicts involve the repository's 90-worker-registries; the generated MachineConfigs'
    // own disagreements (01-worker-kubelet and 98-worker-generated-kubelet, …) and the cluster
    // policy's rule for /etc/motd, which only the cluster's own MachineConfig writes, are not
    // the repository's to fix.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found.iter().all(|(code, message)| code == "MCC7001" && message.contains("90-worker-registries")),
        "{found:#?}"
    );
}

#[test]
fn a_must_gather_directory_leading_out_of_the_dump_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("secret.yaml"),
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: from-elsewhere\n  \
         labels:\n    machineconfiguration.openshift.io/role: worker\nspec: {}\n",
    )
    .unwrap();
    let resources = dir.path().join("dump/cluster-scoped-resources/machineconfiguration.openshift.io");
    std::fs::create_dir_all(&resources).unwrap();
    std::os::unix::fs::symlink(&elsewhere, resources.join("machineconfigs")).unwrap();
    let dump = dir.path().join("dump");
    let run = mcc(&["render", "--cluster", dump.to_str().unwrap(), REPO, "--pool", "worker"], None);
    assert!(run.stderr.contains("MCC0016") && run.stderr.contains("leads outside it"), "{}", run.stderr);
    assert!(!run.stdout.contains("from-elsewhere") && !run.stderr.contains("from-elsewhere"), "{}", run.stdout);
    // The whole must-gather root as a link out of the dump: nothing of it is read either.
    std::fs::remove_dir_all(dir.path().join("dump/cluster-scoped-resources")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("dump/cluster-scoped-resources")).unwrap();
    let run = mcc(&["render", "--cluster", dump.to_str().unwrap(), REPO, "--pool", "worker"], None);
    assert!(run.stderr.contains("MCC0016"), "{}", run.stderr);
    assert!(!run.stdout.contains("from-elsewhere"), "{}", run.stdout);
}
