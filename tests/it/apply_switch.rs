//! The switch to the pool's image (`mcc compile --image`, `mcc apply --run-actions`) and its
//! rollback, with stub `bootc`, `rpm-ostree` and `systemctl` binaries placed first on PATH that
//! record their arguments (the real ones need a booted image-mode host):
//!
//! - compile puts the switch after the node-side writes and right before the reboot, refuses a
//!   tag (MCC5021), reads `--image @image.json`, and says what image the node needs without it;
//! - `apply --run-actions` runs `bootc switch --transport registry REF` (or `rpm-ostree rebase
//!   ostree-unverified-registry:REF`) once the files are written, then reboots;
//! - `apply --rollback --run-actions` restores the files, then runs `bootc rollback` (or
//!   `rpm-ostree rollback`) and reboots; a rollback without `--run-actions` prints them, and a
//!   second rollback with it runs what was printed, once.
//!
//! The runs at `/` happen in a private mount namespace, as in `apply_actions.rs`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::apply_support::{BASE_IMAGE, HostRoot, apply, mcc, require_namespace, require_root, skeleton};
use serde_json::Value;

const IMAGE: &str =
    "registry.example.com:5000/acme/worker@sha256:4444444444444444444444444444444444444444444444444444444444444444";

const MACHINE_CONFIG: &str = r#"
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-state
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: /var/lib/app/state
          mode: 420
          contents:
            source: data:,ready
"#;

/// `mcc compile` of [`MACHINE_CONFIG`] for `target`, with `extra` arguments.
fn compile(dir: &Path, target: &str, extra: &[&str]) -> (crate::apply_support::Run, PathBuf) {
    let input = dir.join("mc.yaml");
    fs::write(&input, MACHINE_CONFIG).unwrap();
    let out = dir.join("out");
    let mut args = vec!["compile", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend(["--pool", "worker", "--target", target, "--base-image", BASE_IMAGE]);
    args.extend(extra);
    (mcc(&args, &[]), out.join("worker"))
}

fn ops(plan: &Path) -> Vec<String> {
    let actions: Value = serde_json::from_slice(&fs::read(plan.join("node-actions.json")).unwrap()).unwrap();
    actions["steps"].as_array().unwrap().iter().map(|s| s["op"].as_str().unwrap().to_string()).collect()
}

/// Stub `bootc`, `rpm-ostree` and `systemctl` appending `NAME ARGS` to `log`; `bootc` and
/// `rpm-ostree` also note whether the plan's file is already written when they run.
fn stubs(dir: &Path, log: &Path) -> String {
    fs::create_dir_all(dir).unwrap();
    for name in ["bootc", "rpm-ostree", "systemctl"] {
        let saw = if name == "systemctl" {
            String::new()
        } else {
            format!("[ -f /var/lib/app/state ] && echo '{name} saw /var/lib/app/state' >> '{}'\n", log.display())
        };
        let script = format!("#!/bin/sh\necho \"{name} $*\" >> '{}'\n{saw}exit 0\n", log.display());
        fs::write(dir.join(name), script).unwrap();
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

fn log_lines(log: &Path) -> Vec<String> {
    fs::read_to_string(log).unwrap_or_default().lines().map(str::to_string).collect()
}

#[test]
fn compile_places_the_switch_before_the_reboot_and_refuses_a_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let (run, plan) = compile(tmp.path(), "bootc", &["--image", IMAGE]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains(&format!("the node switches to {IMAGE}")), "{run}");
    let steps = ops(&plan);
    assert_eq!(steps.first().map(String::as_str), Some("drain"), "{steps:?}");
    assert_eq!(steps[steps.len() - 3..], ["write", "switch", "reboot"], "{steps:?}");

    // From the image.json `mcc build --push` writes.
    let image_json = tmp.path().join("image.json");
    let record = |pool: &str| {
        serde_json::json!({
            "schema": "mcc.image/v1", "pool": pool, "renderedConfig": "rendered-worker-0", "reference": IMAGE,
            "tag": "registry.example.com:5000/acme/worker:latest", "digest": IMAGE.split_once('@').unwrap().1,
            "platform": "linux/amd64",
        })
    };
    fs::write(&image_json, serde_json::to_vec(&record("worker")).unwrap()).unwrap();
    let at = format!("@{}", image_json.display());
    let (run, plan) = compile(tmp.path(), "rpm-ostree", &["--image", &at]);
    assert_eq!(run.code, Some(0), "{run}");
    let actions: Value = serde_json::from_slice(&fs::read(plan.join("node-actions.json")).unwrap()).unwrap();
    let switch = actions["steps"].as_array().unwrap().iter().find(|s| s["op"] == "switch").unwrap();
    assert_eq!((switch["image"].as_str(), switch["signed"].as_bool()), (Some(IMAGE), Some(false)));

    // The record inside the pool's directory, as `mcc build --push` leaves it: compiling again
    // with it keeps it while the layer is the same, and drops it, stale, when the layer changes.
    let (run, plan) = compile(tmp.path(), "bootc", &[]);
    assert_eq!(run.code, Some(0), "{run}");
    fs::write(plan.join("image.json"), serde_json::to_vec(&record("worker")).unwrap()).unwrap();
    let inside = format!("@{}", plan.join("image.json").display());
    let (run, plan) = compile(tmp.path(), "bootc", &["--image", &inside]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(ops(&plan).contains(&"switch".to_string()));
    assert!(plan.join("image.json").is_file(), "kept: the same layer");
    let (run, plan) = compile(tmp.path(), "bootc", &["--var-strategy", "tmpfiles"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!plan.join("image.json").exists(), "dropped: another layer");

    let (run, _) = compile(tmp.path(), "bootc", &["--image", "registry.example.com:5000/acme/worker:latest"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5021") && run.stderr.contains("named by a tag, not a digest"), "{run}");

    // Without --image: what the node needs, and that it is not known yet.
    let (run, plan) = compile(tmp.path(), "bootc", &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains("the node needs the image built from this layer") && run.stdout.contains("not known yet"),
        "{run}"
    );
    assert!(!ops(&plan).contains(&"switch".to_string()));
    let actions: Value = serde_json::from_slice(&fs::read(plan.join("node-actions.json")).unwrap()).unwrap();
    assert_eq!(actions["image"]["reference"], Value::Null, "{actions:#}");
    assert!(actions["image"]["sourceDigest"].as_str().unwrap().starts_with("sha256:"));

    let infra_json = tmp.path().join("infra-image.json");
    fs::write(&infra_json, serde_json::to_vec(&record("infra")).unwrap()).unwrap();
    let infra = format!("@{}", infra_json.display());
    for (args, message) in [
        (vec!["--pool", "worker", "--image", &infra], "it is the image of pool `infra`, not of `worker`"),
        (
            vec!["--pool", "worker", "--image", IMAGE, "--target", "legacy"],
            "--image needs --target bootc or rpm-ostree",
        ),
        (vec!["--image", IMAGE], "--pool"),
    ] {
        let input = tmp.path().join("mc.yaml");
        let out = tmp.path().join("out2");
        let mut all = vec!["compile", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
        all.extend(args);
        let run = mcc(&all, &[]);
        assert_eq!(run.code, Some(64), "{run}");
        assert!(run.stderr.contains(message), "{message}\n{run}");
    }
}

#[test]
fn without_run_actions_the_switch_is_printed_after_the_writes() {
    if !require_root("without_run_actions_the_switch_is_printed_after_the_writes") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (run, plan) = compile(tmp.path(), "bootc", &["--image", IMAGE]);
    assert_eq!(run.code, Some(0), "{run}");
    let root = tmp.path().join("root");
    skeleton(&root);
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let wrote = run.stdout.find("wrote /var/lib/app/state").expect("the file is written");
    let switch = run.stdout.find(&format!("not run: bootc switch --transport registry {IMAGE}")).expect("printed");
    let reboot = run.stdout.find("not run: systemctl reboot").expect("printed");
    assert!(wrote < switch && switch < reboot, "{run}");

    // Compiled without --image: the apply says the node needs an image it does not switch to.
    let (run, plan) = compile(tmp.path(), "bootc", &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let root = tmp.path().join("root-unknown");
    skeleton(&root);
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("the node needs the image built from source digest sha256:"), "{run}");
    assert!(run.stdout.contains("not known yet: this plan does not switch to it"), "{run}");
    assert!(!run.stdout.contains("bootc switch"), "{run}");
}

#[test]
fn bootc_switch_runs_after_the_writes_and_rollback_runs_bootc_rollback() {
    if !require_namespace("bootc_switch_runs_after_the_writes_and_rollback_runs_bootc_rollback") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (run, plan) = compile(tmp.path(), "bootc", &["--image", IMAGE]);
    assert_eq!(run.code, Some(0), "{run}");
    let log = tmp.path().join("tools.log");
    let path = stubs(&tmp.path().join("bin"), &log);
    let host = HostRoot::new(&tmp.path().join("host"));
    let run = host.apply(&plan, &["--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        log_lines(&log),
        [
            format!("bootc switch --transport registry {IMAGE}"),
            "bootc saw /var/lib/app/state".into(),
            "systemctl reboot".into()
        ]
    );
    assert!(host.var_lib.join("app/state").is_file());

    let run = host.apply(&plan, &["--rollback", "--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(log_lines(&log)[3..], ["bootc rollback", "systemctl reboot"]);
    assert!(!host.var_lib.join("app").exists(), "the apply created /var/lib/app: the rollback removes it");
    let run = host.apply(&plan, &["--rollback", "--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("already rolled back"), "{run}");
    assert_eq!(log_lines(&log).len(), 5, "bootc rollback is never run twice: it would switch back");
}

#[test]
fn rpm_ostree_rebases_and_a_printed_rollback_runs_later_once() {
    if !require_namespace("rpm_ostree_rebases_and_a_printed_rollback_runs_later_once") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (run, plan) = compile(tmp.path(), "rpm-ostree", &["--image", IMAGE]);
    assert_eq!(run.code, Some(0), "{run}");
    let log = tmp.path().join("tools.log");
    let path = stubs(&tmp.path().join("bin"), &log);
    let host = HostRoot::new(&tmp.path().join("host"));
    let run = host.apply(&plan, &["--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        log_lines(&log),
        [
            format!("rpm-ostree rebase ostree-unverified-registry:{IMAGE}"),
            "rpm-ostree saw /var/lib/app/state".into(),
            "systemctl reboot".into()
        ]
    );
    let run = host.apply(&plan, &["--rollback"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("not run: rpm-ostree rollback"), "{run}");
    assert_eq!(log_lines(&log).len(), 3, "printed, not run");
    let run = host.apply(&plan, &["--rollback", "--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(log_lines(&log)[3..], ["rpm-ostree rollback", "systemctl reboot"]);
    let run = host.apply(&plan, &["--rollback", "--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(log_lines(&log).len(), 5, "run once");
}
