//! `mcc compile`, run as the real binary: what it writes for each pool, that its documents match
//! their JSON Schemas, that the layer is exactly the plan, that the same inputs give the same bytes
//! in any order, and that a pool with an error gets nothing written.

use std::io::Read;
use std::path::Path;

use crate::support::{Run, mcc, root};
use serde_json::Value;

const BASE: &str = "quay.io/example/rhcos@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const FIXTURE: &str = "tests/fixtures/compile/worker";

fn fixture_files() -> Vec<String> {
    crate::support::files_in(&root().join(FIXTURE))
        .iter()
        .map(|p| format!("{FIXTURE}/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect()
}

/// Runs `mcc compile ARGS... --out OUT --base-image BASE`.
fn compile(args: &[&str], out: &Path) -> Run {
    let out = out.to_str().unwrap();
    let mut all: Vec<&str> = vec!["compile"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out, "--base-image", BASE]);
    mcc(&all, None)
}

/// Runs `mcc` with extra environment variables.
fn mcc_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the mcc binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validate(schema: &str, instance: &Value, what: &str) {
    let schema = json(&root().join("docs/schemas").join(schema));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}", errors.join("\n"));
}

#[test]
fn compile_writes_each_pools_plan_layer_containerfile_and_node_actions() {
    let out = tempfile::tempdir().unwrap();
    let run = compile(&["examples/cluster/after"], out.path());
    run.expect_code(0);
    for pool in ["worker", "infra"] {
        let dir = out.path().join(pool);
        for file in ["layer-plan.json", "node-actions.json", "Containerfile", "context/layer.tar"] {
            assert!(dir.join(file).is_file(), "{pool}/{file} missing\n{run}");
        }
        assert!(run.stdout.contains(&format!("{}: ", dir.display())), "{run}");
    }
    let infra = json(&out.path().join("infra/layer-plan.json"));
    assert_eq!(infra["schema"], "mcc.layer-plan/v1");
    assert_eq!(infra["baseImage"], BASE);
    assert_eq!(infra["kernelArguments"]["args"], serde_json::json!(["audit=0", "mitigations=auto,nosmt"]));
    let dropin = infra["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/etc/systemd/system/crio.service.d/10-infra-nofile.conf")
        .expect("the dropin is baked");
    assert_eq!(dropin["sources"], serde_json::json!(["99-infra-tuning"]));
    // The NDP makes chrony.conf rebootless: it stays on the node. A first install boots the OS
    // image, so it reboots.
    let actions = json(&out.path().join("worker/node-actions.json"));
    let steps = actions["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| s["op"] == "write" && s["path"] == "/etc/chrony.conf"), "{actions:#}");
    assert!(steps.iter().any(|s| s["op"] == "ssh-keys" && s["path"] == "/home/core/.ssh/authorized_keys.d/ignition"));
    assert_eq!(steps.last().unwrap()["op"], "reboot", "{actions:#}");
    // From the earlier state, the plan's rebootless actions follow the writes.
    let update = tempfile::tempdir().unwrap();
    compile(&["examples/cluster/after", "--from", "examples/cluster/before"], update.path()).expect_code(0);
    let actions = json(&update.path().join("worker/node-actions.json"));
    let ops: Vec<(&str, &str)> = actions["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["op"].as_str().unwrap(), s["service"].as_str().or(s["path"].as_str()).unwrap_or("")))
        .collect();
    assert_eq!(ops.last(), Some(&("reload", "crio.service")), "{actions:#}");
    assert!(
        ops.contains(&("restart", "chronyd.service")) && !ops.iter().any(|(op, _)| *op == "reboot" || *op == "drain"),
        "{actions:#}"
    );
    assert!(actions["from"].as_str().unwrap().starts_with("rendered-worker-"));
    let containerfile = std::fs::read_to_string(out.path().join("infra/Containerfile")).unwrap();
    assert!(containerfile.contains(&format!("\nFROM {BASE}\nADD layer.tar /\n")), "{containerfile}");
    assert!(containerfile.ends_with("RUN bootc container lint\n"), "{containerfile}");
}

#[test]
fn the_documents_match_their_json_schemas() {
    let variants: &[&[&str]] = &[
        &[],
        &["--var-strategy", "tmpfiles"],
        &["--target", "rpm-ostree"],
        &["--target", "legacy"],
        &["--from", "examples/cluster/before"],
    ];
    for variant in variants {
        let out = tempfile::tempdir().unwrap();
        for input in [FIXTURE, "examples/cluster/after"] {
            let mut args = vec![input];
            args.extend_from_slice(variant);
            let run = compile(&args, out.path());
            if variant.contains(&"--from") && input == FIXTURE {
                continue; // the example's old state is another cluster
            }
            run.expect_code(0);
            for pool in std::fs::read_dir(out.path()).unwrap() {
                let dir = pool.unwrap().path();
                let what = format!("{} ({input} {variant:?})", dir.display());
                validate(
                    "layer-plan.schema.json",
                    &json(&dir.join("layer-plan.json")),
                    &format!("layer-plan.json of {what}"),
                );
                validate(
                    "node-actions.schema.json",
                    &json(&dir.join("node-actions.json")),
                    &format!("node-actions.json of {what}"),
                );
            }
        }
    }
}

#[test]
fn the_layer_is_exactly_the_plan() {
    let out = tempfile::tempdir().unwrap();
    let run = mcc(
        &[
            "compile",
            FIXTURE,
            "--out",
            out.path().to_str().unwrap(),
            "--base-image",
            BASE,
            "--var-strategy",
            "tmpfiles",
        ],
        None,
    );
    run.expect_code(0);
    let dir = out.path().join("worker");
    let plan = json(&dir.join("layer-plan.json"));
    let tar_bytes = std::fs::read(dir.join("context/layer.tar")).unwrap();
    assert_eq!(plan["diffId"], mcc_runtime::layer::digest(&tar_bytes));
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let entries: Vec<&Value> = plan["entries"].as_array().unwrap().iter().collect();
    let mut count = 0;
    for (entry, expected) in archive.entries().unwrap().zip(&entries) {
        let mut entry = entry.unwrap();
        count += 1;
        let header = entry.header().clone();
        let path = String::from_utf8(entry.path_bytes().to_vec()).unwrap();
        let kind = expected["type"].as_str().unwrap();
        let want = expected["path"].as_str().unwrap().trim_start_matches('/').to_string();
        assert_eq!(path, if kind == "directory" { format!("{want}/") } else { want.clone() });
        assert_eq!(format!("{:04o}", header.mode().unwrap()), expected["mode"].as_str().unwrap(), "{want}");
        assert_eq!(header.uid().unwrap(), expected["uid"].as_u64().unwrap(), "{want}");
        assert_eq!(header.gid().unwrap(), expected["gid"].as_u64().unwrap(), "{want}");
        assert_eq!(header.mtime().unwrap(), 0);
        assert!(header.username_bytes().is_none_or(<[u8]>::is_empty), "numeric owners only");
        match kind {
            "file" => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                assert_eq!(data.len() as u64, expected["size"].as_u64().unwrap());
                assert_eq!(mcc_contract::sha256_hex(&data), expected["sha256"].as_str().unwrap(), "{want}");
            }
            "symlink" => {
                let target = entry.link_name_bytes().unwrap().to_vec();
                assert_eq!(String::from_utf8(target).unwrap(), expected["target"].as_str().unwrap());
            }
            _ => assert_eq!(header.entry_type(), tar::EntryType::Directory),
        }
    }
    assert_eq!(count, entries.len(), "one tar entry per plan entry");
    // The layer's files are in the tar alone; blobs/ holds what the node-side steps name.
    let actions = json(&dir.join("node-actions.json"));
    let named: std::collections::BTreeSet<String> = actions["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|step| [&step["content"]].into_iter().chain(step["append"].as_array().into_iter().flatten()))
        .filter_map(|content| content["blob"].as_str()?.strip_prefix("blobs/").map(str::to_string))
        .collect();
    let written: std::collections::BTreeSet<String> = crate::support::files_in(&dir.join("blobs"))
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(written, named, "blobs/ holds exactly the contents the node-side steps name");

    // What the fixture asks for, where it goes.
    let by_path = |p: &str| entries.iter().find(|e| e["path"] == p).copied();
    assert_eq!(by_path("/etc/app/app.conf").unwrap()["mode"], "0600");
    assert_eq!(by_path("/etc/app/app.conf").unwrap()["uid"], 1000);
    assert_eq!(
        by_path("/etc/systemd/system/multi-user.target.wants/app.service").unwrap()["target"],
        "/etc/systemd/system/app.service"
    );
    assert_eq!(by_path("/etc/systemd/system/rpcbind.service").unwrap()["target"], "/dev/null");
    assert!(by_path("/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml").is_some());
    assert!(by_path("/etc/app/secret.conf").is_none(), "owned by a name: written on the node");
    assert!(by_path("/var/lib/app/state").is_none(), "a /var file is a tmpfiles line, not image content");
    assert_eq!(plan["tmpfiles"][0]["line"], "f+ /var/lib/app/state 0640 0 0 - 50%% done\\n");
    assert!(run.stderr.contains("MCC5006"), "{run}");
}

#[test]
fn same_inputs_give_the_same_bytes_in_any_order() {
    let files = fixture_files();
    let mut reversed = files.clone();
    reversed.reverse();
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args: Vec<&str> = files.iter().map(String::as_str).chain(["examples/cluster/after"]).collect();
    compile(&args, a.path()).expect_code(0);
    compile(&args, b.path()).expect_code(0);
    let mut shuffled = vec!["examples/cluster/after"];
    shuffled.extend(reversed.iter().map(String::as_str));
    compile(&shuffled, c.path()).expect_code(0);
    let (ta, tb, tc) = (crate::support::tree(a.path()), crate::support::tree(b.path()), crate::support::tree(c.path()));
    assert!(ta.len() >= 8, "two pools, four documents each: {:?}", ta.keys());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tc.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(tb[path] == *bytes, "{} differs between two runs", path.display());
        assert!(tc[path] == *bytes, "{} differs with the inputs shuffled", path.display());
    }
}

#[test]
fn source_date_epoch_sets_every_mtime() {
    let out = tempfile::tempdir().unwrap();
    let run = mcc_env(
        &["compile", FIXTURE, "--out", out.path().to_str().unwrap(), "--base-image", BASE],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    run.expect_code(0);
    let dir = out.path().join("worker");
    assert_eq!(json(&dir.join("layer-plan.json"))["mtime"], 1_700_000_000);
    let tar_bytes = std::fs::read(dir.join("context/layer.tar")).unwrap();
    for entry in tar::Archive::new(tar_bytes.as_slice()).entries().unwrap() {
        assert_eq!(entry.unwrap().header().mtime().unwrap(), 1_700_000_000);
    }
    let bad = mcc_env(&["compile", FIXTURE, "--out", out.path().to_str().unwrap()], &[("SOURCE_DATE_EPOCH", "soon")]);
    bad.expect_code(64);
}

#[test]
fn a_pool_with_an_error_gets_nothing_written() {
    let out = tempfile::tempdir().unwrap();
    // A first, good compile of the worker pool.
    compile(&[FIXTURE], out.path()).expect_code(0);
    let before = crate::support::tree(out.path());
    let run = compile(&[FIXTURE, "tests/fixtures/compile/remote.yaml"], out.path());
    run.expect_code(1);
    assert!(run.stderr.contains("MCC5001"), "{run}");
    assert!(run.stderr.contains("remote source"), "{run}");
    assert_eq!(crate::support::tree(out.path()), before, "the earlier output is left as it was");
    let leftovers: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["worker"], "no temporary directory left behind");

    // No base image: nothing at all.
    let empty = tempfile::tempdir().unwrap();
    let run = mcc(&["compile", FIXTURE, "--out", empty.path().to_str().unwrap()], None);
    run.expect_code(1);
    assert!(run.stderr.contains("MCC5004"), "{run}");
    assert!(
        crate::support::files_in(empty.path()).is_empty() && std::fs::read_dir(empty.path()).unwrap().next().is_none()
    );
}

#[test]
fn check_says_when_an_owner_keeps_an_entry_on_the_node() {
    let run = mcc(&["check", "--format", "json", "tests/fixtures/compile/worker/40-worker-owner.yaml"], None);
    run.expect_code(0);
    let report = run.json();
    let d = crate::support::only(&report, "MCC5006");
    assert_eq!(d["severity"], "warning");
    assert!(d["message"].as_str().unwrap().contains("`/etc/app/secret.conf` is owned by user `app`"), "{d:#}");
}

#[test]
fn the_explain_pages_of_the_compile_codes_exist() {
    for code in ["MCC5001", "MCC5002", "MCC5003", "MCC5004", "MCC5005", "MCC5006", "MCC5007"] {
        let run = mcc(&["explain", code], None);
        run.expect_code(0);
        assert!(run.stdout.starts_with(&format!("# {code}: ")), "{run}");
    }
}

#[test]
fn compile_pool_is_decided_by_that_pools_problems_only() {
    let dir = tempfile::tempdir().unwrap();
    let broken_master = dir.path().join("99-master-broken.yaml");
    std::fs::write(
        &broken_master,
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-master-broken\n  labels:\n    machineconfiguration.openshift.io/role: master\nspec:\n  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: etc/relative.conf, contents: {source: 'data:,x'}}\n",
    )
    .unwrap();
    let broken_master = broken_master.to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = compile(&[FIXTURE, broken_master, "--pool", "worker"], out.path());
    run.expect_code(0);
    assert!(!run.stderr.contains("MCC1005"), "the master pool's error is not the worker pool's: {run}");
    assert!(out.path().join("worker/layer-plan.json").is_file(), "{run}");
    let run = compile(&[FIXTURE, broken_master, "--pool", "master"], out.path());
    run.expect_code(1);
    assert!(run.stderr.contains("MCC1005"), "{run}");
    compile(&[FIXTURE, broken_master], out.path()).expect_code(1);
}
