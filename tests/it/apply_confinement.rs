//! `mcc apply` never leaves its root and refuses what it must not apply, with the real binary
//! against scratch roots:
//!
//! - a symlink in the root that climbs out of it is refused (MCC5102) and nothing lands outside;
//!   an absolute symlink resolves inside the root, never on the host;
//! - `..` in a plan path refuses the whole plan before anything is written (MCC5101);
//! - unknown owners, tampered contents and unreadable plans are refused with their codes.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::apply_support::{apply, hand_plan, require_root, skeleton, snapshot, write_step};
use serde_json::json;

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
