//! `mcc apply`: the real binary against scratch roots.
//!
//! - a symlink in the root that climbs out of it is refused (MCC5102) and nothing lands outside;
//!   an absolute symlink resolves inside the root, never on the host;
//! - `..` in a plan path refuses the whole plan before anything is written (MCC5101);
//! - a run killed after any step (the `MCC_APPLY_CRASH_AFTER=N` test hook aborts after the N-th
//!   step changed the tree, before the journal records it) and run again ends in exactly the
//!   tree of an uninterrupted run, journal included;
//! - a second run of the same plan changes nothing, not even a modification time, and says so;
//! - `--dry-run` changes nothing and lists what would change;
//! - `--run-actions` runs the actions through the `systemctl` found on PATH (a stub here that logs
//!   its arguments); without it they are printed; a failed action fails the apply and is retried
//!   by the next run;
//! - unknown owners, tampered contents and unreadable plans are refused with their codes.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// What one run of `mcc` produced.
struct Run {
    /// `None` when killed by a signal (the crash hook aborts).
    code: Option<i32>,
    stdout: String,
    /// With miette's line wrapping undone: one space for any run of whitespace and `│`.
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

fn mcc(args: &[&str], env: &[(&str, String)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcc"));
    command.args(args).env("NO_COLOR", "1").env_remove("MCC_APPLY_CRASH_AFTER").env_remove("SOURCE_DATE_EPOCH");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the mcc binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr)
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn apply(plan: &Path, root: &Path, extra: &[&str], env: &[(&str, String)]) -> Run {
    let mut args = vec!["apply", plan.to_str().unwrap(), "--root", root.to_str().unwrap()];
    args.extend(extra);
    mcc(&args, env)
}

/// Whether this process may chown files to other users.
fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().expect("a temporary file");
    probe.as_file().metadata().expect("its metadata").uid() == 0
}

/// True when the test can run; otherwise skips it, or fails it in CI.
fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{test} needs root (mcc apply chowns files), and CI is set");
    eprintln!("skipped {test}: it needs root (mcc apply chowns files); with CI set this fails");
    false
}

/// A small RHCOS-like root: the layout's symlinks, the core user, a shadow file.
fn skeleton(root: &Path) {
    for dir in ["etc", "usr/bin", "usr/lib", "var/home", "var/usrlocal", "var/lib", "run"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    symlink("var/home", root.join("home")).unwrap();
    symlink("../var/usrlocal", root.join("usr/local")).unwrap();
    symlink("../run", root.join("var/run")).unwrap();
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash\n",
    )
    .unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\nwheel:x:10:core\ncore:x:1000:\n").unwrap();
    fs::write(root.join("etc/shadow"), "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n").unwrap();
    fs::set_permissions(root.join("etc/shadow"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::create_dir(root.join("var/home/core")).unwrap();
    fs::set_permissions(root.join("var/home/core"), fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(root.join("var/home/core"), Some(1000), Some(1000)).unwrap();
}

/// Every entry of a tree: type, mode, owner, and contents digest or link target; with `times`,
/// also the modification time and inode, to prove nothing was rewritten.
fn snapshot(root: &Path, times: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = format!("/{}", path.strip_prefix(root).unwrap().display());
            let what = if meta.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                format!("dir {:04o}", meta.mode() & 0o7777)
            } else {
                let bytes = fs::read(&path).unwrap();
                format!("file {:04o} {}", meta.mode() & 0o7777, sha256(&bytes))
            };
            let stamp = if times {
                format!(" mtime {}.{} ino {}", meta.mtime(), meta.mtime_nsec(), meta.ino())
            } else {
                String::new()
            };
            out.insert(rel, format!("{what} {}:{}{stamp}", meta.uid(), meta.gid()));
        }
    }
    out
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

const BASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A MachineConfig with one of everything the node writes: files (one through the
/// `/usr/local` → `/var/usrlocal` link, one owned by a user name), a directory, a symlink, a
/// unit with a dropin, enabled, a masked unit, SSH keys and a password hash.
const MACHINE_CONFIG: &str = r#"
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-apply
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    passwd:
      users:
        - name: core
          sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMcc test@example"]
          passwordHash: "$6$salt$hash"
    storage:
      files:
        - path: /etc/app/app.conf
          mode: 384
          contents:
            source: data:,key%3Dvalue%0A
        - path: /usr/local/bin/app-helper
          mode: 493
          contents:
            source: data:;base64,IyEvYmluL3NoCmVjaG8gaGVsbG8K
        - path: /var/lib/app/state
          mode: 416
          user: {name: core}
          group: {id: 1000}
          contents:
            source: data:,x
      directories:
        - path: /var/lib/app/cache
          mode: 488
      links:
        - path: /etc/app/current
          target: /etc/app/app.conf
    systemd:
      units:
        - name: app.service
          enabled: true
          contents: |
            [Unit]
            Description=app
            [Service]
            ExecStart=/usr/local/bin/app-helper
            [Install]
            WantedBy=multi-user.target
          dropins:
            - name: 10-env.conf
              contents: |
                [Service]
                Environment=A=1
        - name: bad.service
          mask: true
"#;

/// `mcc compile` of [`MACHINE_CONFIG`] for the legacy target, where every entry is a node-side
/// step; returns the pool's directory and its number of steps.
fn compiled_plan(dir: &Path) -> (PathBuf, usize) {
    let input = dir.join("mc.yaml");
    fs::write(&input, MACHINE_CONFIG).unwrap();
    let out = dir.join("out");
    compile_legacy(&[input.to_str().unwrap()], &out);
    let plan = out.join("worker");
    let actions: Value = serde_json::from_slice(&fs::read(plan.join("node-actions.json")).unwrap()).unwrap();
    let steps = actions["steps"].as_array().unwrap().len();
    assert!(steps >= 10, "the plan has every kind of step: {actions:#}");
    (plan, steps)
}

/// `mcc compile ARGS --out OUT` of the worker pool for the legacy target, which must succeed.
fn compile_legacy(args: &[&str], out: &Path) {
    let mut all = vec!["compile"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap(), "--pool", "worker", "--target", "legacy", "--base-image", BASE_IMAGE]);
    let run = mcc(&all, &[]);
    assert_eq!(run.code, Some(0), "mcc compile\n{run}");
}

/// A hand-written plan (`mcc.node-actions/v1`), for what compile never writes.
fn hand_plan(dir: &Path, steps: Value) -> PathBuf {
    let plan = dir.join("plan");
    fs::create_dir_all(&plan).unwrap();
    let actions = json!({
        "schema": "mcc.node-actions/v1",
        "pool": "worker",
        "renderedConfig": "rendered-worker-00000000000000000000000000000000",
        "from": null,
        "target": "legacy",
        "varStrategy": "node",
        "rebuild": false,
        "drain": false,
        "reboot": false,
        "steps": steps,
    });
    fs::write(plan.join("node-actions.json"), serde_json::to_vec_pretty(&actions).unwrap()).unwrap();
    plan
}

fn inline(text: &str) -> Value {
    json!({ "size": text.len(), "sha256": sha256(text.as_bytes()), "inline": text })
}

fn write_step(path: &str, text: &str) -> Value {
    json!({ "op": "write", "path": path, "mode": "0644", "content": inline(text), "placement": "etc", "sources": ["test"] })
}

#[test]
fn a_symlink_that_climbs_out_of_the_root_is_refused() {
    if !require_root("a_symlink_that_climbs_out_of_the_root_is_refused") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    skeleton(&root);
    // root/etc/escape → ../../outside: resolved naively, it is tmp/outside.
    symlink("../../outside", root.join("etc/escape")).unwrap();
    let plan = hand_plan(tmp.path(), json!([write_step("/etc/ok", "ok\n"), write_step("/etc/escape/x", "pwned\n")]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5102"), "{run}");
    assert!(run.stderr.contains("`/etc/escape` → `../../outside` climbs above the root"), "{run}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "nothing was written outside the root");
    assert_eq!(fs::read_to_string(root.join("etc/ok")).unwrap(), "ok\n", "the step before is applied");
    // The journal keeps the first step, so a second run resumes at the refused one, and refuses it again.
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("resuming: the journal has 1 of the 2 steps"), "{run}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn an_absolute_symlink_resolves_inside_the_root_never_on_the_host() {
    if !require_root("an_absolute_symlink_resolves_inside_the_root_never_on_the_host") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    let name = format!("mcc-apply-test-{}", std::process::id());
    let host = Path::new("/").join(&name);
    assert!(!host.exists(), "{} must not exist on the host", host.display());
    symlink(format!("/{name}/conf"), root.join("etc/abs")).unwrap();
    // A loop is refused too.
    symlink("loop-b", root.join("etc/loop-a")).unwrap();
    symlink("loop-a", root.join("etc/loop-b")).unwrap();
    let plan = hand_plan(tmp.path(), json!([write_step("/etc/abs/x", "inside\n")]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!host.exists(), "nothing was created on the host at {}", host.display());
    assert_eq!(fs::read_to_string(root.join(&name).join("conf/x")).unwrap(), "inside\n");
    assert!(run.stdout.contains(&format!("/etc/abs/x (→ /{name}/conf/x)")), "{run}");

    let tmp2 = tempfile::tempdir().unwrap();
    let plan = hand_plan(tmp2.path(), json!([write_step("/etc/loop-a/x", "x")]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5102") && run.stderr.contains("a loop"), "{run}");
}

#[test]
fn dot_dot_in_a_plan_path_refuses_the_plan_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    let before = snapshot(&root, true);
    let plan = hand_plan(
        tmp.path(),
        json!([write_step("/etc/ok", "ok\n"), write_step("/etc/../../tmp/x", "x"), write_step("/etc//y", "y")]),
    );
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5101"), "{run}");
    assert!(
        run.stderr.contains("step 2 (write): the path `/etc/../../tmp/x` is refused: it has a `..` component"),
        "{run}"
    );
    assert!(run.stderr.contains("step 3 (write): the path `/etc//y` is refused"), "{run}");
    assert!(run.stderr.contains("nothing was written"), "{run}");
    assert_eq!(snapshot(&root, true), before, "the root is untouched: not even the valid first step, nor a journal");
}

#[test]
fn an_interrupted_apply_resumes_and_ends_in_the_same_tree() {
    if !require_root("an_interrupted_apply_resumes_and_ends_in_the_same_tree") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, steps) = compiled_plan(tmp.path());
    let epoch = [("SOURCE_DATE_EPOCH", "1750000000".to_string())];
    let whole = tmp.path().join("whole");
    skeleton(&whole);
    let run = apply(&plan, &whole, &[], &epoch);
    assert_eq!(run.code, Some(0), "{run}");
    let expected = snapshot(&whole, false);
    assert!(expected.contains_key("/var/lib/mcc/apply-journal.json"), "{expected:#?}");
    for n in 1..=steps {
        let root = tmp.path().join(format!("crash-{n}"));
        skeleton(&root);
        let crashed = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_AFTER", n.to_string()), epoch[0].clone()]);
        assert_eq!(crashed.code, None, "the hook aborts the run after step {n}\n{crashed}");
        let resumed = apply(&plan, &root, &[], &epoch);
        assert_eq!(resumed.code, Some(0), "{resumed}");
        if n > 1 {
            assert!(
                resumed.stdout.contains(&format!("resuming: the journal has {} of the {steps} steps", n - 1)),
                "{resumed}"
            );
        }
        let got = snapshot(&root, false);
        let diff: Vec<_> = expected
            .iter()
            .filter(|(k, v)| got.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}: expected {v}, got {:?}", got.get(k)))
            .chain(got.keys().filter(|k| !expected.contains_key(*k)).map(|k| format!("{k}: unexpected {}", got[k])))
            .collect();
        assert!(diff.is_empty(), "killed after step {n} and run again, the tree differs:\n{}", diff.join("\n"));
    }
}

#[test]
fn a_second_apply_changes_nothing_and_says_so() {
    if !require_root("a_second_apply_changes_nothing_and_says_so") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, steps) = compiled_plan(tmp.path());
    let root = tmp.path().join("root");
    skeleton(&root);
    let first = apply(&plan, &root, &[], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    assert!(
        first.stdout.contains("wrote /usr/local/bin/app-helper (→ /var/usrlocal/bin/app-helper) (0755 0:0, 21 bytes)"),
        "{first}"
    );
    assert!(
        first.stdout.contains(
            "linked /etc/systemd/system/multi-user.target.wants/app.service → /etc/systemd/system/app.service"
        ),
        "{first}"
    );
    assert!(first.stdout.contains("not run: systemctl reboot"), "{first}");
    let state = fs::symlink_metadata(root.join("var/lib/app/state")).unwrap();
    assert_eq!(
        (state.uid(), state.gid(), state.mode() & 0o7777),
        (1000, 1000, 0o640),
        "owner by name, from the root's passwd"
    );
    let shadow = fs::read_to_string(root.join("etc/shadow")).unwrap();
    assert!(shadow.contains("\ncore:$6$salt$hash:"), "{shadow}");
    let keys = root.join("var/home/core/.ssh/authorized_keys.d/ignition");
    assert_eq!(fs::read_to_string(&keys).unwrap(), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMcc test@example\n");
    assert_eq!(fs::symlink_metadata(root.join("var/home/core/.ssh")).unwrap().mode() & 0o7777, 0o700);

    let before = snapshot(&root, true);
    let second = apply(&plan, &root, &[], &[]);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(second.stdout.contains(&format!("nothing to do: {steps} steps already applied")), "{second}");
    assert_eq!(snapshot(&root, true), before, "not even a modification time changed");

    // Without the journal, every step finds the tree as it should be: still nothing is rewritten.
    fs::remove_file(root.join("var/lib/mcc/apply-journal.json")).unwrap();
    let before = snapshot(&root, true);
    let third = apply(&plan, &root, &[], &[]);
    assert_eq!(third.code, Some(0), "{third}");
    assert!(third.stdout.contains(" 0 changed,"), "{third}");
    let after = snapshot(&root, true);
    let changed: Vec<_> = after.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, _)| k.as_str()).collect();
    assert_eq!(changed, ["/var/lib/mcc", "/var/lib/mcc/apply-journal.json"], "only the journal is written again");
}

#[test]
fn a_dry_run_changes_nothing() {
    if !require_root("a_dry_run_changes_nothing") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, steps) = compiled_plan(tmp.path());
    let root = tmp.path().join("root");
    skeleton(&root);
    let before = snapshot(&root, true);
    let run = apply(&plan, &root, &["--dry-run"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(snapshot(&root, true), before, "a dry run writes nothing, not even the journal");
    assert!(run.stdout.contains("would create /etc/app and write /etc/app/app.conf (0600 0:0, 10 bytes)"), "{run}");
    assert!(run.stdout.contains("would print, not run: systemctl reboot"), "{run}");
    assert!(run.stdout.contains(&format!("dry run of {steps} steps")), "{run}");
    // --dry-run and --run-actions do not go together.
    let run = apply(&plan, &root, &["--dry-run", "--run-actions"], &[]);
    assert_eq!(run.code, Some(64), "{run}");
}

/// A directory holding a `systemctl` that appends its arguments to `log` and exits with `code`
/// (only for `verb`, when given).
fn stub_systemctl(dir: &Path, log: &Path, failing_verb: Option<&str>) -> String {
    fs::create_dir_all(dir).unwrap();
    let fail = failing_verb.map_or(String::new(), |verb| {
        format!("case \" $* \" in *\" {verb} \"*) echo \"Failed to {verb}: unit not found\" >&2; exit 5;; esac\n")
    });
    let script = format!("#!/bin/sh\n{fail}echo \"$*\" >> '{}'\n", log.display());
    let path = dir.join("systemctl");
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

fn actions_plan(dir: &Path) -> PathBuf {
    let unit = "[Service]\nExecStart=/usr/bin/true\n[Install]\nWantedBy=multi-user.target\n";
    hand_plan(
        dir,
        json!([
            { "op": "drain" },
            { "op": "write-unit", "name": "x.service", "path": "/etc/systemd/system/x.service", "content": inline(unit), "placement": "etc", "sources": ["test"] },
            { "op": "enable-unit", "name": "x.service", "sources": ["test"] },
            { "op": "daemon-reload" },
            { "op": "restart", "service": "crio.service" },
            { "op": "reload", "service": "x.service" },
            { "op": "reboot" },
        ]),
    )
}

fn log_lines(log: &Path) -> Vec<String> {
    fs::read_to_string(log).unwrap_or_default().lines().map(str::to_string).collect()
}

#[test]
fn run_actions_runs_them_through_systemctl_and_without_it_they_are_printed() {
    if !require_root("run_actions_runs_them_through_systemctl_and_without_it_they_are_printed") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = actions_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let path = stub_systemctl(&tmp.path().join("bin"), &log, None);
    let env = [("PATH", path)];

    // Without --run-actions: printed, never run; the unit is enabled in the tree by mcc itself.
    let root = tmp.path().join("printed");
    skeleton(&root);
    let run = apply(&plan, &root, &[], &env);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(log_lines(&log).is_empty(), "systemctl was not run: {:?}", log_lines(&log));
    for line in [
        "not run: systemctl daemon-reload",
        "not run: systemctl restart crio.service",
        "not run: systemctl reload x.service",
        "not run: systemctl reboot",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{run}");
    }
    assert_eq!(
        fs::read_link(root.join("etc/systemd/system/multi-user.target.wants/x.service")).unwrap(),
        Path::new("/etc/systemd/system/x.service")
    );
    // Run again with --run-actions: the printed actions run now, the files are not touched.
    let run = apply(&plan, &root, &["--run-actions"], &env);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(log_lines(&log), ["daemon-reload", "restart crio.service", "reload x.service", "reboot"]);
    let run = apply(&plan, &root, &["--run-actions"], &env);
    assert!(
        run.stdout.contains("nothing to do: 7 steps already applied"),
        "neither the reboot nor the drain twice\n{run}"
    );
    assert_eq!(log_lines(&log).len(), 4);

    // A fresh root with --run-actions: enable goes through systemctl too, as the MCD runs it.
    fs::remove_file(&log).unwrap();
    let root = tmp.path().join("ran");
    skeleton(&root);
    let run = apply(&plan, &root, &["--run-actions"], &env);
    assert_eq!(run.code, Some(0), "{run}");
    let root_text = root.to_str().unwrap();
    assert_eq!(
        log_lines(&log),
        [
            format!("--root {root_text} enable x.service"),
            "daemon-reload".into(),
            "restart crio.service".into(),
            "reload x.service".into(),
            "reboot".into()
        ]
    );
}

#[test]
fn a_failed_action_fails_the_apply_and_the_next_run_retries_it() {
    if !require_root("a_failed_action_fails_the_apply_and_the_next_run_retries_it") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = actions_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let root = tmp.path().join("root");
    skeleton(&root);
    let failing = [("PATH", stub_systemctl(&tmp.path().join("failing"), &log, Some("reload")))];
    let run = apply(&plan, &root, &["--run-actions"], &failing);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5107") && run.stderr.contains("`systemctl reload x.service` failed"), "{run}");
    assert_eq!(
        log_lines(&log),
        [format!("--root {} enable x.service", root.display()), "daemon-reload".into(), "restart crio.service".into()]
    );
    let working = [("PATH", stub_systemctl(&tmp.path().join("working"), &log, None))];
    let run = apply(&plan, &root, &["--run-actions"], &working);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("resuming: the journal has 5 of the 7 steps"), "{run}");
    assert_eq!(log_lines(&log)[3..], ["reload x.service", "reboot"]);
}

#[test]
fn an_owner_missing_from_the_roots_passwd_is_refused() {
    if !require_root("an_owner_missing_from_the_roots_passwd_is_refused") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    let mut step = write_step("/etc/owned", "x");
    step["user"] = "no-such-user".into();
    let plan = hand_plan(tmp.path(), json!([step]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("MCC5103")
            && run.stderr.contains("the user `no-such-user` is not in the root's /etc/passwd"),
        "{run}"
    );
    assert!(!root.join("etc/owned").exists());
}

#[test]
fn tampered_contents_and_unreadable_plans_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(&root).unwrap();
    let mut step = write_step("/etc/x", "reviewed\n");
    step["content"]["inline"] = "tampered\n".into();
    let plan = hand_plan(tmp.path(), json!([step]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5105"), "{run}");
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "nothing written");

    let mut step = write_step("/etc/x", "x");
    step["content"] = json!({ "size": 1, "sha256": "0".repeat(64), "blob": "blobs/../../etc/shadow" });
    let plan = hand_plan(&tmp.path().join("b"), json!([step]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5101") && run.stderr.contains("is not `blobs/<sha256>`"), "{run}");

    let run = apply(&tmp.path().join("no-such-pool"), &root, &[], &[]);
    assert_eq!(run.code, Some(3), "{run}");
    assert!(run.stderr.contains("MCC5104"), "{run}");
    let run = apply(&plan, &tmp.path().join("no-such-root"), &[], &[]);
    assert_eq!(run.code, Some(64), "{run}");
}

#[test]
fn a_plan_compiled_from_the_old_state_removes_what_the_old_one_wrote() {
    if !require_root("a_plan_compiled_from_the_old_state_removes_what_the_old_one_wrote") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (old_plan, _) = compiled_plan(tmp.path());
    let root = tmp.path().join("root");
    skeleton(&root);
    let run = apply(&old_plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(root.join("etc/systemd/system/multi-user.target.wants/app.service").is_symlink());

    // The new state: app.service and the link are gone, app.conf changed.
    let units_at = MACHINE_CONFIG.find("    systemd:").unwrap();
    let new_config = format!(
        "{}    systemd:\n      units:\n        - name: bad.service\n          mask: true\n",
        &MACHINE_CONFIG[..units_at]
    )
    .replace("key%3Dvalue%0A", "key%3Dvalue2%0A")
    .replace("      links:\n        - path: /etc/app/current\n          target: /etc/app/app.conf\n", "");
    let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
    fs::create_dir_all(&old_dir).unwrap();
    fs::create_dir_all(&new_dir).unwrap();
    fs::write(old_dir.join("mc.yaml"), MACHINE_CONFIG).unwrap();
    fs::write(new_dir.join("mc.yaml"), new_config).unwrap();
    let out = tmp.path().join("out-new");
    compile_legacy(&[new_dir.to_str().unwrap(), "--from", old_dir.to_str().unwrap()], &out);
    let run = apply(&out.join("worker"), &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("the journal is of another plan"), "{run}");
    assert!(
        run.stdout.contains("removed /etc/systemd/system/multi-user.target.wants/app.service"),
        "disabled first\n{run}"
    );
    for gone in ["etc/systemd/system/app.service", "etc/systemd/system/app.service.d/10-env.conf", "etc/app/current"] {
        assert!(fs::symlink_metadata(root.join(gone)).is_err(), "{gone} is removed\n{run}");
    }
    assert_eq!(fs::read_to_string(root.join("etc/app/app.conf")).unwrap(), "key=value2\n");
    assert!(fs::read_link(root.join("etc/systemd/system/bad.service")).is_ok_and(|t| t == Path::new("/dev/null")));
}

#[test]
fn a_hard_link_is_made_once_and_then_left_alone() {
    if !require_root("a_hard_link_is_made_once_and_then_left_alone") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    let link = json!({ "op": "link", "path": "/etc/app/alias", "target": "data", "hard": true, "placement": "etc", "sources": ["test"] });
    let plan = hand_plan(tmp.path(), json!([write_step("/etc/app/data", "shared\n"), link]));
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let (data, alias) =
        (fs::metadata(root.join("etc/app/data")).unwrap(), fs::symlink_metadata(root.join("etc/app/alias")).unwrap());
    assert_eq!((data.ino(), data.nlink()), (alias.ino(), 2), "one inode, two names");
    fs::remove_file(root.join("var/lib/mcc/apply-journal.json")).unwrap();
    let run = apply(&plan, &root, &[], &[]);
    assert!(run.stdout.contains("2/2 link /etc/app/alias → data: unchanged"), "{run}");
}
