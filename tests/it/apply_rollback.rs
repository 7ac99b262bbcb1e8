//! `mcc apply --rollback`, with the real binary against scratch roots:
//!
//! - it puts back every path the apply changed: contents, modes, owners, links, directories, and
//!   the absence of what the apply created, ending in the tree from before the apply;
//! - killed after any restored path and run again, it ends in the tree of an uninterrupted one;
//! - after an apply killed after any step, it restores the tree from before that apply (what a
//!   step replaces is kept before the step changes it), also when the run resuming it was killed
//!   as it started its journal log afresh (which then lost no record of the first);
//! - a second rollback of the same plan is a no-op that says so, and the plan can be applied
//!   again afterwards;
//! - it refuses, changing nothing, when nothing of that plan was applied (MCC5110) or when a path
//!   the apply changed has changed since (MCC5111);
//! - `mcc plan --from NEW --to OLD` shows what the rollback of a change costs the nodes.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::Path;

use crate::apply_support::{apply, compiled_plan, mcc, require_root, skeleton, snapshot};
use serde_json::Value;

/// The skeleton, with what the plan replaces already there in another form: a file with other
/// contents, mode and owner, a directory with another mode and owner.
fn lived_in(root: &Path) {
    skeleton(root);
    fs::create_dir_all(root.join("etc/app")).unwrap();
    fs::write(root.join("etc/app/app.conf"), "key=old\n").unwrap();
    fs::set_permissions(root.join("etc/app/app.conf"), fs::Permissions::from_mode(0o664)).unwrap();
    chown(root.join("etc/app/app.conf"), Some(1000), Some(10)).unwrap();
    fs::create_dir_all(root.join("var/lib/app/cache")).unwrap();
    fs::set_permissions(root.join("var/lib/app/cache"), fs::Permissions::from_mode(0o700)).unwrap();
    chown(root.join("var/lib/app/cache"), Some(1000), Some(1000)).unwrap();
}

/// The tree without mcc's own state (`/var/lib/mcc`).
fn tree(root: &Path) -> BTreeMap<String, String> {
    snapshot(root, false).into_iter().filter(|(k, _)| !k.starts_with("/var/lib/mcc")).collect()
}

/// What differs between two trees, one line a path (also `apply_kills.rs`'s comparison).
pub(crate) fn differences(expected: &BTreeMap<String, String>, got: &BTreeMap<String, String>) -> Vec<String> {
    expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: expected {v}, got {:?}", got.get(k)))
        .chain(got.keys().filter(|k| !expected.contains_key(*k)).map(|k| format!("{k}: unexpected {}", got[k])))
        .collect()
}

fn rollback(plan: &Path, root: &Path, env: &[(&str, String)]) -> crate::apply_support::Run {
    apply(plan, root, &["--rollback"], env)
}

#[test]
fn rollback_puts_back_contents_modes_owners_and_absence() {
    if !require_root("rollback_puts_back_contents_modes_owners_and_absence") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, _) = compiled_plan(tmp.path());
    let root = tmp.path().join("root");
    lived_in(&root);
    let before = tree(&root);
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    let applied = tree(&root);
    assert!(!differences(&before, &applied).is_empty(), "the apply changed the tree");
    let journal: Value =
        serde_json::from_slice(&fs::read(root.join("var/lib/mcc/apply-journal.json")).unwrap()).unwrap();
    let replaced = journal["replaced"].as_array().unwrap();
    let conf = replaced.iter().find(|r| r["path"] == "/etc/app/app.conf").expect("the journal keeps app.conf");
    assert_eq!(conf["was"]["mode"], "0664");
    assert_eq!((conf["was"]["uid"].as_u64(), conf["was"]["gid"].as_u64()), (Some(1000), Some(10)));
    assert_eq!(conf["left"]["mode"], "0600");
    let helper = replaced.iter().find(|r| r["path"] == "/var/usrlocal/bin").expect("a created directory is kept");
    assert_eq!(helper["was"]["type"], "absent", "{helper}");

    // A dry run lists what it would put back and changes nothing.
    let settled = snapshot(&root, true);
    let run = apply(&plan, &root, &["--rollback", "--dry-run"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("would write /etc/app/app.conf (0664 1000:10, 8 bytes)"), "{run}");
    assert!(run.stdout.contains("dry run of a rollback of"), "{run}");
    assert_eq!(snapshot(&root, true), settled, "a dry run writes nothing");

    let run = rollback(&plan, &root, &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("rolled back"), "{run}");
    let diff = differences(&before, &tree(&root));
    assert!(diff.is_empty(), "the rollback ends in the tree from before the apply:\n{}", diff.join("\n"));
    assert_eq!(fs::read_to_string(root.join("etc/app/app.conf")).unwrap(), "key=old\n");
    assert!(!root.join("var/usrlocal/bin").exists() && !root.join("etc/app/current").exists(), "created, so removed");
    assert!(root.join("var/lib/mcc/rollback.json").is_file());
    assert!(!root.join("var/lib/mcc/apply-journal.json").exists(), "the journal goes with the rollback");
    assert!(fs::read_dir(root.join("var/lib/mcc/backup")).map_or(true, |mut d| d.next().is_none()), "backups removed");

    // A second rollback is a no-op that says so.
    let settled = snapshot(&root, true);
    let run = rollback(&plan, &root, &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("nothing to roll back: this plan's apply was already rolled back"), "{run}");
    assert_eq!(snapshot(&root, true), settled, "not even a modification time changed");
    // The plan applies again from its first step, and rolls back again.
    let run = apply(&plan, &root, &[], &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(differences(&applied, &tree(&root)).is_empty(), "applied again as the first time");
    let run = rollback(&plan, &root, &[]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(differences(&before, &tree(&root)).is_empty());
}

#[test]
fn a_killed_rollback_resumes_to_the_same_tree() {
    if !require_root("a_killed_rollback_resumes_to_the_same_tree") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, _) = compiled_plan(tmp.path());
    let whole = tmp.path().join("whole");
    lived_in(&whole);
    assert_eq!(apply(&plan, &whole, &[], &[]).code, Some(0));
    let journal: Value =
        serde_json::from_slice(&fs::read(whole.join("var/lib/mcc/apply-journal.json")).unwrap()).unwrap();
    let paths = journal["replaced"].as_array().unwrap().len();
    assert!(paths >= 10, "{journal:#}");
    assert_eq!(rollback(&plan, &whole, &[]).code, Some(0));
    let expected = snapshot(&whole, false);
    for n in 1..=paths {
        let root = tmp.path().join(format!("crash-{n}"));
        lived_in(&root);
        assert_eq!(apply(&plan, &root, &[], &[]).code, Some(0));
        let crashed = rollback(&plan, &root, &[("MCC_APPLY_CRASH_AFTER", n.to_string())]);
        assert_eq!(crashed.code, None, "the hook aborts the rollback after path {n}\n{crashed}");
        let resumed = rollback(&plan, &root, &[]);
        assert_eq!(resumed.code, Some(0), "{resumed}");
        if n > 1 {
            assert!(resumed.stdout.contains(&format!("resuming: {} of the {paths} paths", n - 1)), "{resumed}");
        }
        let diff = differences(&expected, &snapshot(&root, false));
        assert!(diff.is_empty(), "killed after path {n} and run again, the tree differs:\n{}", diff.join("\n"));
    }
}

#[test]
fn a_rollback_after_a_killed_apply_restores_the_tree_from_before() {
    if !require_root("a_rollback_after_a_killed_apply_restores_the_tree_from_before") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, steps) = compiled_plan(tmp.path());
    for n in 1..=steps {
        let root = tmp.path().join(format!("crash-{n}"));
        lived_in(&root);
        let before = tree(&root);
        let crashed = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_AFTER", n.to_string())]);
        assert_eq!(crashed.code, None, "the hook aborts the apply after step {n}\n{crashed}");
        let changed_nothing = differences(&before, &tree(&root)).is_empty();
        let run = rollback(&plan, &root, &[]);
        if changed_nothing {
            // Killed before its first change (after the drain, which only prints): no journal.
            assert!(run.code == Some(0) || run.stderr.contains("MCC5110"), "{run}");
        } else {
            assert_eq!(run.code, Some(0), "{run}");
        }
        let diff = differences(&before, &tree(&root));
        assert!(diff.is_empty(), "killed after step {n}, then rolled back:\n{}", diff.join("\n"));
    }
}

/// An apply killed in any directory it creates, between the directory's creation under its
/// temporary name and its rename into place (`MCC_APPLY_CRASH_IN_MKDIR`), then rolled back: the
/// tree is the one from before, and no temporary is left anywhere, mcc's own state included. A
/// kill as the apply made the directory of the kept contents (`/var/lib/mcc/backup`), before its
/// first record, left `.backup.mcc-tmp` behind (and one as it made `/var/lib/mcc`, left
/// `/var/lib/.mcc.mcc-tmp`): the rollback found nothing to roll back and tidied nothing.
#[test]
fn a_rollback_after_a_kill_in_a_directory_creation_leaves_no_temporary() {
    if !require_root("a_rollback_after_a_kill_in_a_directory_creation_leaves_no_temporary") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, _) = compiled_plan(tmp.path());
    let mut killed = 0;
    for n in 1.. {
        let root = tmp.path().join(format!("crash-{n}"));
        lived_in(&root);
        let before = tree(&root);
        let crashed = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_IN_MKDIR", n.to_string())]);
        if crashed.code == Some(0) {
            break; // fewer than n directories are created
        }
        assert_eq!(crashed.code, None, "the hook aborts the apply at directory {n}\n{crashed}");
        killed += 1;
        let run = rollback(&plan, &root, &[]);
        assert!(run.code == Some(0) || run.stderr.contains("MCC5110"), "{run}");
        let diff = differences(&before, &tree(&root));
        assert!(diff.is_empty(), "killed at directory {n}, then rolled back:\n{}", diff.join("\n"));
        let temporaries: Vec<String> =
            snapshot(&root, false).into_keys().filter(|path| path.contains(".mcc-tmp")).collect();
        assert_eq!(temporaries, Vec::<String>::new(), "killed at directory {n}, then rolled back");
    }
    assert!(killed >= 3, "the apply creates /var/lib/mcc, its backups, /var/lib/app, …; killed {killed} times");
    // A kill as a kept content was written, before its record: only the temporary goes, not
    // the kept contents (they may be another plan's journal's).
    let root = tmp.path().join("kept");
    lived_in(&root);
    let backups = root.join("var/lib/mcc/backup");
    fs::create_dir_all(&backups).unwrap();
    fs::write(backups.join(".0123abcd.mcc-tmp"), "half").unwrap();
    fs::write(backups.join("0123abcd"), "another plan's\n").unwrap();
    let run = rollback(&plan, &root, &[]);
    assert!(run.stderr.contains("MCC5110"), "{run}");
    let left: Vec<String> =
        fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(left, ["0123abcd"]);
}

/// A kill right after a resumed run starts its journal log afresh (the
/// `MCC_APPLY_CRASH_IN_LOG_RESTART` hook aborts there, before a record is written): the log of the
/// interrupted run before it survives, so the next run resumes from it and ends in the
/// uninterrupted tree, journal included, without a temporary file; a further run has nothing to
/// do, and a rollback restores the tree from before. Truncating the old log in place lost its
/// records at that instant: the next run started over and kept the files the first run had
/// already replaced as what was there before, so the journal differed and a rollback restored
/// them wrong.
#[test]
fn a_kill_as_a_resumed_run_restarts_the_journal_log_loses_no_record() {
    if !require_root("a_kill_as_a_resumed_run_restarts_the_journal_log_loses_no_record") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, steps) = compiled_plan(tmp.path());
    let epoch = ("SOURCE_DATE_EPOCH", "1750000000".to_string());
    let whole = tmp.path().join("whole");
    lived_in(&whole);
    assert_eq!(apply(&plan, &whole, &[], std::slice::from_ref(&epoch)).code, Some(0));
    let expected = snapshot(&whole, false);
    for n in 1..=steps {
        let root = tmp.path().join(format!("crash-{n}"));
        lived_in(&root);
        let before = tree(&root);
        let crashed = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_AFTER", n.to_string()), epoch.clone()]);
        assert_eq!(crashed.code, None, "the hook aborts the apply after step {n}\n{crashed}");
        let restarted = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_IN_LOG_RESTART", "1".into()), epoch.clone()]);
        assert_eq!(restarted.code, None, "the hook aborts the resumed run as its log restarts\n{restarted}");
        let resumed = apply(&plan, &root, &[], std::slice::from_ref(&epoch));
        assert_eq!(resumed.code, Some(0), "{resumed}");
        let diff = differences(&expected, &snapshot(&root, false));
        assert!(diff.is_empty(), "killed after step {n}, then as its log restarted:\n{}", diff.join("\n"));
        let temporaries: Vec<_> = snapshot(&root, false).into_keys().filter(|k| k.contains(".mcc-tmp")).collect();
        assert_eq!(temporaries, Vec::<String>::new(), "killed after step {n}: no temporary file is left");
        let again = apply(&plan, &root, &[], std::slice::from_ref(&epoch));
        assert!(again.code == Some(0) && again.stdout.contains("nothing to do"), "{again}");
        let rolled_back = rollback(&plan, &root, &[]);
        assert_eq!(rolled_back.code, Some(0), "{rolled_back}");
        let diff = differences(&before, &tree(&root));
        assert!(diff.is_empty(), "killed after step {n}, resumed, rolled back:\n{}", diff.join("\n"));

        // Rolled back straight after the kill: the log's temporary (the fresh log the killed run
        // never renamed into place) goes with the journal (CI's random kills left it behind).
        let root = tmp.path().join(format!("crash-rollback-{n}"));
        lived_in(&root);
        let before = tree(&root);
        apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_AFTER", n.to_string()), epoch.clone()]);
        apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_IN_LOG_RESTART", "1".into()), epoch.clone()]);
        let changed = !differences(&before, &tree(&root)).is_empty();
        let rolled_back = rollback(&plan, &root, &[]);
        // Killed before its first change was recorded, there is nothing to roll back (MCC5110).
        let refused = !changed && rolled_back.code == Some(1) && rolled_back.stderr.contains("MCC5110");
        assert!(rolled_back.code == Some(0) || refused, "{rolled_back}");
        let diff = differences(&before, &tree(&root));
        assert!(diff.is_empty(), "killed after step {n}, then as its log restarted, rolled back:\n{}", diff.join("\n"));
        let temporaries: Vec<_> = snapshot(&root, false).into_keys().filter(|k| k.contains(".mcc-tmp")).collect();
        assert_eq!(temporaries, Vec::<String>::new(), "killed after step {n}, rolled back: no temporary file is left");
    }
}

#[test]
fn rollback_refuses_when_nothing_was_applied_or_the_tree_changed_since() {
    if !require_root("rollback_refuses_when_nothing_was_applied_or_the_tree_changed_since") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, _) = compiled_plan(tmp.path());
    let root = tmp.path().join("root");
    lived_in(&root);
    let untouched = snapshot(&root, true);
    let run = rollback(&plan, &root, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5110") && run.stderr.contains("has no journal of an apply"), "{run}");
    assert_eq!(snapshot(&root, true), untouched, "nothing written");

    assert_eq!(apply(&plan, &root, &[], &[]).code, Some(0));
    fs::write(root.join("etc/app/app.conf"), "key=edited by hand\n").unwrap();
    let edited = snapshot(&root, true);
    let run = rollback(&plan, &root, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5111") && run.stderr.contains("/etc/app/app.conf is a file 0600"), "{run}");
    assert_eq!(snapshot(&root, true), edited, "nothing rolled back");

    // Another plan's directory: its journal is not of it.
    let other = tmp.path().join("other");
    fs::create_dir_all(&other).unwrap();
    let mut actions: Value = serde_json::from_slice(&fs::read(plan.join("node-actions.json")).unwrap()).unwrap();
    actions["steps"].as_array_mut().unwrap().truncate(1);
    fs::write(other.join("node-actions.json"), serde_json::to_vec_pretty(&actions).unwrap()).unwrap();
    let run = rollback(&other, &root, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5110") && run.stderr.contains("is of another plan"), "{run}");

    // A journal edited to name a path out of the root, or a digest that is a path, is refused
    // whole before anything is restored (before the tree is even compared).
    let journal_path = root.join("var/lib/mcc/apply-journal.json");
    let pristine = fs::read(&journal_path).unwrap();
    for (field, value) in [("path", "/etc/../../outside"), ("sha256", "../../../etc/shadow")] {
        let mut journal: Value = serde_json::from_slice(&pristine).unwrap();
        let record =
            journal["replaced"].as_array_mut().unwrap().iter_mut().find(|r| r["was"]["type"] == "file").unwrap();
        if field == "path" {
            record["path"] = value.into();
        } else {
            record["was"]["sha256"] = value.into();
        }
        fs::write(&journal_path, serde_json::to_vec(&journal).unwrap()).unwrap();
        let edited = snapshot(&root, true);
        let run = rollback(&plan, &root, &[]);
        assert_eq!(run.code, Some(1), "{run}");
        assert!(run.stderr.contains("MCC5101") && run.stderr.contains("nothing is rolled back"), "{run}");
        assert_eq!(snapshot(&root, true), edited, "nothing restored");
    }
    assert!(!tmp.path().join("outside").exists());
    let run = mcc(&["explain", "MCC5111"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn plan_from_new_to_old_shows_what_a_rollback_costs() {
    let worker = |from: &str, to: &str| {
        let run = mcc(&["plan", "--from", from, "--to", to, "--format", "json", "--pool", "worker"], &[]);
        assert_eq!(run.code, Some(0), "{run}");
        let plans: Value = serde_json::from_str(&run.stdout).unwrap();
        plans["pools"][0].clone()
    };
    // Forward, the new Node Disruption Policy makes the chrony change a restart of chronyd; the
    // rollback returns to a state without that policy, so going back drains and reboots.
    let forward = worker("examples/cluster/before", "examples/cluster/after");
    assert_eq!((forward["drain"].as_bool(), forward["reboot"].as_bool()), (Some(false), Some(false)), "{forward:#}");
    let back = worker("examples/cluster/after", "examples/cluster/before");
    assert_eq!((back["drain"].as_bool(), back["reboot"].as_bool()), (Some(true), Some(true)), "{back:#}");
    assert_eq!(back["actions"], serde_json::json!([{ "type": "Reboot" }]), "{back:#}");
    let removed: Vec<&str> = back["changes"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(removed.contains(&"/etc/containers/registries.d/mirror-sigstore.yaml"), "{back:#}");
}
