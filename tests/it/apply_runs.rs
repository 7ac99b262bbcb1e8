//! `mcc apply` runs that are interrupted, repeated or carry actions, with the real binary against
//! scratch roots:
//!
//! - a run killed after any step (the `MCC_APPLY_CRASH_AFTER=N` test hook aborts after the N-th
//!   step changed the tree, before the journal records it) and run again ends in exactly the
//!   tree of an uninterrupted run, journal included;
//! - a second run of the same plan changes nothing, not even a modification time, and says so;
//! - `--dry-run` changes nothing and lists what would change;
//! - (the actions, run and printed, are `apply_actions.rs`'s);
//! - a plan compiled from the old state removes what the old one wrote; a hard link is made once.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::apply_support::{
    MACHINE_CONFIG, apply, compile_legacy, compiled_plan, hand_plan, require_root, skeleton, snapshot, write_step,
};
use serde_json::json;

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
            // File writes are journaled a batch at a time (after their directories are synced), so
            // a kill inside a batch loses the records of its finished writes: they run again.
            let journaled: usize = resumed
                .stdout
                .split_once("resuming: the journal has ")
                .and_then(|(_, rest)| rest.split_once(' '))
                .and_then(|(k, _)| k.parse().ok())
                .unwrap_or_else(|| panic!("a resumed run says so\n{resumed}"));
            assert!((1..n).contains(&journaled), "at most the {} steps before the kill\n{resumed}", n - 1);
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
    assert!(run.stdout.contains("would create /etc/app; would write /etc/app/app.conf (0600 0:0, 10 bytes)"), "{run}");
    assert!(run.stdout.contains("would print, not run: systemctl reboot"), "{run}");
    assert!(run.stdout.contains(&format!("dry run of {steps} steps")), "{run}");
    // --dry-run and --run-actions do not go together.
    let run = apply(&plan, &root, &["--dry-run", "--run-actions"], &[]);
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

#[test]
fn a_kill_between_a_directory_and_its_owner_and_mode_leaves_nothing_half_made() {
    if !require_root("a_kill_between_a_directory_and_its_owner_and_mode_leaves_nothing_half_made") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (plan, _) = compiled_plan(tmp.path());
    let epoch = ("SOURCE_DATE_EPOCH", "1750000000".to_string());
    // Without the user's home, which the ssh-keys step creates owned by the user.
    let skeleton_without_home = |root: &Path| {
        skeleton(root);
        fs::remove_dir(root.join("var/home/core")).unwrap();
    };
    let whole = tmp.path().join("whole");
    skeleton_without_home(&whole);
    let run = apply(&plan, &whole, &[], std::slice::from_ref(&epoch));
    assert_eq!(run.code, Some(0), "{run}");
    let expected = snapshot(&whole, false);
    assert!(expected["/var/home/core"].starts_with("dir 0700 1000:1000"), "{expected:#?}");
    let mut killed = 0;
    for n in 1.. {
        let root = tmp.path().join(format!("crash-{n}"));
        skeleton_without_home(&root);
        let crashed = apply(&plan, &root, &[], &[("MCC_APPLY_CRASH_IN_MKDIR", n.to_string()), epoch.clone()]);
        if crashed.code == Some(0) {
            break; // fewer than n directories are created
        }
        assert_eq!(crashed.code, None, "the hook aborts the run at directory {n}\n{crashed}");
        killed += 1;
        let resumed = apply(&plan, &root, &[], std::slice::from_ref(&epoch));
        assert_eq!(resumed.code, Some(0), "{resumed}");
        let got = snapshot(&root, false);
        let diff: Vec<_> = expected
            .iter()
            .filter(|(k, v)| got.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}: expected {v}, got {:?}", got.get(k)))
            .chain(got.keys().filter(|k| !expected.contains_key(*k)).map(|k| format!("{k}: unexpected {}", got[k])))
            .collect();
        assert!(diff.is_empty(), "killed at directory {n} and run again, the tree differs:\n{}", diff.join("\n"));
        let again = apply(&plan, &root, &[], std::slice::from_ref(&epoch));
        assert!(again.stdout.contains("nothing to do"), "{again}");
    }
    assert!(killed >= 4, "the plan creates directories: /etc/app, /var/lib/app, the home, …; killed {killed} times");
}
