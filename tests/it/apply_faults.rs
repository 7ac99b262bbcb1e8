//! `mcc apply` on bad plans and hostile files, with the real binary against scratch roots:
//!
//! - a plan with a bad step anywhere (an owner id out of range, a password hash holding `:` or a
//!   newline) is refused whole before the first write (MCC5101), never applied in part;
//! - a FIFO as `node-actions.json` or as a blob, a blob linked to `/dev/zero`, and a FIFO at the
//!   root's `/etc/.pwd.lock` end the run at once with their codes (MCC5104, MCC5109), never hang
//!   and never read without end.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::apply_support::{hand_plan, require_root, skeleton, snapshot, write_step};
use mcc_contract::sha256_hex;
use serde_json::{Value, json};

/// `mcc apply PLAN --root ROOT`, killed when it runs longer than 20 s; returns its exit code
/// (`None` for a hang) and its stderr with whitespace runs collapsed.
fn apply_bounded(plan: &Path, root: &Path) -> (Option<i32>, String) {
    apply_within(plan, root, Duration::from_secs(20))
}

/// `mcc apply PLAN --root ROOT`, killed when it runs longer than `limit`.
fn apply_within(plan: &Path, root: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(["apply", plan.to_str().unwrap(), "--root", root.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr)
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (code, stderr)
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_bad_step_anywhere_refuses_the_whole_plan_before_the_first_write() {
    if !require_root("a_bad_step_anywhere_refuses_the_whole_plan_before_the_first_write") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mkdir = |uid: Value| json!({ "op": "mkdir", "path": "/var/lib/x", "mode": "0755", "uid": uid, "placement": "var", "sources": ["t"] });
    let hash = |hash: &str| json!({ "op": "password-hash", "user": "core", "hash": hash, "sources": ["t"] });
    let bad_steps = [
        (hash("$6$a:b"), "the password hash holds `:`"),
        (hash("$6$a\ncore2::0:0:::::"), "the password hash holds `:`"),
        (mkdir(json!(-1)), "the user id -1 is refused"),
        (mkdir(json!(4_294_967_295_i64)), "the user id 4294967295 is refused"),
        (mkdir(json!(4_294_967_296_i64)), "the user id 4294967296 is refused"),
    ];
    for (n, (bad, message)) in bad_steps.into_iter().enumerate() {
        let dir = tmp.path().join(format!("case-{n}"));
        let root = dir.join("root");
        skeleton(&root);
        let plan = hand_plan(&dir, json!([write_step("/etc/first", "written first\n"), bad]));
        let before = snapshot(&root, true);
        let (code, stderr) = apply_bounded(&plan, &root);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("MCC5101") && stderr.contains(message), "{message}\n{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert_eq!(snapshot(&root, true), before, "case {n}: nothing written, not even the first step");
    }
}

/// A plan writing one file from the blob `blobs/<digest of text>`, whose blob file is made by
/// `make_blob`.
fn blob_plan(dir: &Path, text: &str, make_blob: impl FnOnce(&Path)) -> std::path::PathBuf {
    let digest = sha256_hex(text.as_bytes());
    let content = json!({ "size": text.len(), "sha256": digest, "blob": format!("blobs/{digest}") });
    let step = json!({ "op": "write", "path": "/etc/b", "mode": "0644", "content": content, "placement": "etc", "sources": ["t"] });
    let plan = hand_plan(dir, json!([step]));
    fs::create_dir_all(plan.join("blobs")).unwrap();
    make_blob(&plan.join("blobs").join(digest));
    plan
}

#[test]
fn fifos_and_endless_files_in_the_plan_are_refused_without_hanging() {
    if !require_root("fifos_and_endless_files_in_the_plan_are_refused_without_hanging") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    let before = snapshot(&root, true);

    let fifo_document = tmp.path().join("fifo-document");
    fs::create_dir_all(&fifo_document).unwrap();
    mkfifo(&fifo_document.join("node-actions.json"));
    let fifo_blob = blob_plan(&tmp.path().join("fifo-blob"), "hello\n", mkfifo);
    let zero_blob = blob_plan(&tmp.path().join("zero-blob"), "hello\n", |p| symlink("/dev/zero", p).unwrap());
    let long_blob = blob_plan(&tmp.path().join("long-blob"), "hello\n", |p| fs::write(p, "hello\nand more\n").unwrap());
    for (plan, code) in
        [(&fifo_document, "MCC5104"), (&fifo_blob, "MCC5104"), (&zero_blob, "MCC5104"), (&long_blob, "MCC5105")]
    {
        let (exit, stderr) = apply_bounded(plan, &root);
        assert!(exit.is_some(), "{} hangs", plan.display());
        assert_ne!(exit, Some(0), "{stderr}");
        assert!(stderr.contains(code), "{}: {code}\n{stderr}", plan.display());
    }
    assert_eq!(snapshot(&root, true), before, "nothing written");
}

#[test]
fn a_fifo_as_the_password_lock_is_refused_without_hanging() {
    if !require_root("a_fifo_as_the_password_lock_is_refused_without_hanging") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    mkfifo(&root.join("etc/.pwd.lock"));
    let plan =
        hand_plan(tmp.path(), json!([{ "op": "password-hash", "user": "core", "hash": "$6$s$h", "sources": ["t"] }]));
    let (code, stderr) = apply_bounded(&plan, &root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("MCC5109") && stderr.contains("/etc/.pwd.lock"), "{stderr}");
    assert!(fs::read_to_string(root.join("etc/shadow")).unwrap().contains("core:*:"), "the hash is not set");
}

/// Another process holding the password lock (as `passwd` or `useradd` do, with `lckpwdf`): mcc
/// waits for it as `lckpwdf(3)` does, 15 s, then gives up with MCC5109 instead of waiting forever.
#[test]
fn a_password_lock_held_elsewhere_is_waited_for_15_seconds_then_refused() {
    if !require_root("a_password_lock_held_elsewhere_is_waited_for_15_seconds_then_refused") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    skeleton(&root);
    // A POSIX record lock belongs to this process, so it conflicts with the lock `mcc` takes.
    let held = fs::File::create(root.join("etc/.pwd.lock")).unwrap();
    rustix::fs::fcntl_lock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let plan =
        hand_plan(tmp.path(), json!([{ "op": "password-hash", "user": "core", "hash": "$6$s$h", "sources": ["t"] }]));
    let start = Instant::now();
    let (code, stderr) = apply_within(&plan, &root, Duration::from_secs(90));
    let waited = start.elapsed();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("MCC5109") && stderr.contains("/etc/.pwd.lock"), "{stderr}");
    assert!(waited >= Duration::from_secs(14), "mcc gave up after {waited:?}, before lckpwdf's 15 s");
    assert!(fs::read_to_string(root.join("etc/shadow")).unwrap().contains("core:*:"), "the hash is not set");
    drop(held);
}
