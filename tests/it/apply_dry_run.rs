//! `mcc apply --dry-run` says what the run does, with the real binary against scratch roots:
//!
//! - for every example (compiled for the legacy target, where every entry is a node-side step)
//!   and for hand-made plans that lean on earlier steps (a unit written then enabled, a directory
//!   made once for many files, users' homes, a link followed by a later write, removals, actions),
//!   the dry run's lines of changes are the run's, line for line, "would create" read as
//!   "created" and so on;
//! - the dry run writes nothing (the tree, modification times and inodes included, is as before);
//! - after the run, a dry run finds nothing to change, as a second run does;
//! - with `--run-actions` (at `/`, in a private mount namespace) it says "would run" for each
//!   action the run runs, and runs none.
//!
//! Writing root-owned files needs root: run as another user, these tests are skipped, except in
//! CI (`CI` set), where they fail.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::apply_support::{
    BASE_IMAGE, HostRoot, Run, apply, hand_plan, inline, mcc, require_namespace, require_root, skeleton, snapshot,
    write_step,
};
use serde_json::{Value, json};

/// The dry run's words, each with the run's.
const TENSES: &[(&str, &str)] = &[
    ("would create ", "created "),
    ("would write ", "wrote "),
    ("would link ", "linked "),
    ("would hard-link ", "hard-linked "),
    ("would set ", "set "),
    ("would remove ", "removed "),
    ("would keep ", "kept "),
    ("would print, not run: ", "not run: "),
    ("would run: ", "ran: "),
];

/// The step lines of a run's output (`  N/M op …: what changed`), a dry run's put in the run's
/// words.
fn step_lines(run: &Run, dry: bool) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.trim_start().split_once(' ').is_some_and(|(n, _)| n.contains('/')))
        .map(|line| {
            let mut line = line.to_string();
            if dry {
                for (would, did) in TENSES {
                    line = line.replace(would, did);
                }
            } else {
                assert!(!line.contains("would "), "a run says what it did: {line}");
            }
            line
        })
        .collect()
}

/// Dry-runs `plan` on one root made by `make_root` and runs it on another: the same lines, and
/// the dry run wrote nothing. Then, on the applied root without its journal, a dry run and a run
/// again agree; with `settles` (a plan that does not undo its own steps), neither finds anything
/// to change.
fn dry_run_matches_the_run(plan: &Path, make_root: &dyn Fn(&Path), settles: bool, what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (dry_root, run_root) = (tmp.path().join("dry"), tmp.path().join("run"));
    make_root(&dry_root);
    make_root(&run_root);
    let before = snapshot(&dry_root, true);
    let dry = apply(plan, &dry_root, &["--dry-run"], &[]);
    assert_eq!(dry.code, Some(0), "{what}\n{dry}");
    assert_eq!(snapshot(&dry_root, true), before, "{what}: a dry run writes nothing\n{dry}");
    let run = apply(plan, &run_root, &[], &[]);
    assert_eq!(run.code, Some(0), "{what}\n{run}");
    let (said, done) = (step_lines(&dry, true), step_lines(&run, false));
    assert!(!done.is_empty(), "{what}: {run}");
    assert_eq!(said, done, "{what}: the dry run says what the run does\n--- dry run ---\n{dry}\n--- run ---\n{run}");

    fs::remove_file(run_root.join("var/lib/mcc/apply-journal.json")).unwrap();
    let before = snapshot(&run_root, true);
    let dry = apply(plan, &run_root, &["--dry-run"], &[]);
    assert_eq!(snapshot(&run_root, true), before, "{what}: a dry run writes nothing\n{dry}");
    let again = apply(plan, &run_root, &[], &[]);
    assert_eq!(step_lines(&dry, true), step_lines(&again, false), "{what}: applied\n{dry}\n{again}");
    if settles {
        assert!(dry.stdout.contains(" 0 would change,"), "{what}: nothing left to change\n{dry}");
    }
}

/// `mcc compile` of one example for the legacy target, each of its pools: the pools' directories.
fn compile_example(dir: &Path, inputs: &[&str], extra: &[&str]) -> Vec<std::path::PathBuf> {
    let mut plans = Vec::new();
    for pool in ["worker", "infra"] {
        let out = dir.join(format!("out-{pool}"));
        let mut args = vec!["compile"];
        args.extend(inputs);
        args.extend(extra);
        let out_arg = out.to_str().unwrap();
        args.extend(["--out", out_arg, "--pool", pool, "--target", "legacy", "--base-image", BASE_IMAGE]);
        let run = mcc(&args, &[]);
        if run.code == Some(64) && run.stderr.contains(pool) {
            continue; // the example has no such pool
        }
        assert_eq!(run.code, Some(0), "mcc {args:?}\n{run}");
        plans.push(out.join(pool));
    }
    plans
}

#[test]
fn the_dry_run_of_every_example_says_what_the_run_does() {
    if !require_root("the_dry_run_of_every_example_says_what_the_run_does") {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let tmp = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for example in ["cluster/before", "cluster/after", "cluster-dump/repo", "image-mode", "relocate"] {
        cases.push((example.into(), vec![examples.join(example).display().to_string()], Vec::new()));
    }
    let from = examples.join("cluster/before").display().to_string();
    cases.push((
        "cluster/after --from cluster/before".into(),
        vec![examples.join("cluster/after").display().to_string()],
        vec!["--from".into(), from],
    ));
    let mut compared = 0;
    for (n, (name, inputs, extra)) in cases.iter().enumerate() {
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        for plan in compile_example(&tmp.path().join(format!("case-{n}")), &inputs, &extra) {
            dry_run_matches_the_run(&plan, &skeleton, true, &format!("{name}: {}", plan.display()));
            compared += 1;
        }
    }
    assert!(compared >= 8, "every example's pools were compared: {compared}");
}

fn step(op: &str, fields: Value) -> Value {
    let mut step = json!({ "op": op, "placement": "etc", "sources": ["test"] });
    step.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    step
}

fn mkdir(path: &str, mode: &str) -> Value {
    step("mkdir", json!({ "path": path, "mode": mode }))
}

fn link(path: &str, target: &str, hard: bool) -> Value {
    step("link", json!({ "path": path, "target": target, "hard": hard }))
}

fn remove(path: &str, kind: &str) -> Value {
    json!({ "op": "remove", "path": path, "kind": kind })
}

#[test]
fn the_dry_run_of_files_directories_and_links_sees_the_earlier_steps() {
    if !require_root("the_dry_run_of_files_directories_and_links_sees_the_earlier_steps") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = hand_plan(
        tmp.path(),
        json!([
            write_step("/etc/app/a.conf", "one\n"),
            write_step("/etc/app/a.conf", "two\n"),
            write_step("/etc/app/b.conf", "b\n"),
            mkdir("/etc/app/d", "0700"),
            mkdir("/etc/app/d", "0750"),
            link("/etc/app/current", "/etc/app/a.conf", false),
            link("/etc/app/data", "/var/lib/app-data", false),
            write_step("/etc/app/data/state", "through the link, into a directory made on the way\n"),
            link("/etc/app/hard", "a.conf", true),
            link("/etc/app/hard", "a.conf", true),
            remove("/etc/app/current", "link"),
            remove("/etc/app/current", "link"),
            remove("/etc/app/d", "directory"),
            mkdir("/etc/app/full", "0755"),
            write_step("/etc/app/full/x", "x\n"),
            remove("/etc/app/full", "directory"),
            write_step("/usr/local/bin/tool", "#!/bin/sh\n"),
            write_step("/usr/local/bin/other", "#!/bin/sh\n"),
            remove("/etc/app/b.conf", "file"),
            write_step("/etc/app/b.conf", "b again\n"),
        ]),
    );
    dry_run_matches_the_run(&plan, &skeleton, false, "files, directories and links");
}

/// A root without `/home` (nor its link) whose users have no home yet.
fn homeless(root: &Path) {
    skeleton(root);
    fs::remove_file(root.join("home")).unwrap();
    let passwd = "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000::/var/home/core:/bin/bash\n\
                  alice:x:1001:1001::/home/alice:/bin/bash\nbob:x:1002:1002::/home/bob:/bin/bash\n";
    fs::write(root.join("etc/passwd"), passwd).unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\ncore:x:1000:\nalice:x:1001:\nbob:x:1002:\n").unwrap();
    let shadow =
        "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\nalice:*:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\n";
    fs::write(root.join("etc/shadow"), shadow).unwrap();
    fs::set_permissions(root.join("etc/shadow"), fs::Permissions::from_mode(0o000)).unwrap();
}

fn ssh_keys(user: &str, key: &str) -> Value {
    json!({
        "op": "ssh-keys", "user": user, "path": format!("/home/{user}/.ssh/authorized_keys.d/ignition"),
        "keys": [key], "mode": "0600", "directoryMode": "0700", "sources": ["test"],
    })
}

fn password(user: &str, hash: &str) -> Value {
    json!({ "op": "password-hash", "user": user, "hash": hash, "sources": ["test"] })
}

#[test]
fn the_dry_run_of_users_makes_each_home_once() {
    if !require_root("the_dry_run_of_users_makes_each_home_once") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let owned = step(
        "write",
        json!({ "path": "/home/alice/notes", "mode": "0640", "user": "alice", "group": "alice", "content": inline("n\n") }),
    );
    let plan = hand_plan(
        tmp.path(),
        json!([
            ssh_keys("alice", "ssh-ed25519 AAAA alice@a"),
            ssh_keys("bob", "ssh-ed25519 BBBB bob@b"),
            ssh_keys("alice", "ssh-ed25519 AAAA alice@a"),
            ssh_keys("core", "ssh-ed25519 CCCC core@c"),
            password("alice", "$6$a$one"),
            password("bob", "$6$b$two"),
            password("alice", "$6$a$one"),
            owned,
        ]),
    );
    let tree = tmp.path().join("probe");
    homeless(&tree);
    let dry = apply(&plan, &tree, &["--dry-run"], &[]);
    assert_eq!(dry.stdout.matches("would create /home;").count(), 1, "/home is made once\n{dry}");
    dry_run_matches_the_run(&plan, &homeless, true, "users and homes");
}

fn unit(name: &str, install: &str) -> Value {
    let text = format!("[Unit]\nDescription={name}\n[Service]\nExecStart=/usr/bin/true\n[Install]\n{install}");
    step("write-unit", json!({ "name": name, "path": format!("/etc/systemd/system/{name}"), "content": inline(&text) }))
}

fn units_plan(dir: &Path) -> std::path::PathBuf {
    let named = |op: &str, name: &str| json!({ "op": op, "name": name, "sources": ["test"] });
    let dropin = step(
        "write-dropin",
        json!({ "unit": "a.service", "name": "10-x.conf", "path": "/etc/systemd/system/a.service.d/10-x.conf", "content": inline("[Service]\nEnvironment=X=1\n") }),
    );
    hand_plan(
        dir,
        json!([
            { "op": "drain" },
            unit("a.service", "WantedBy=multi-user.target\nAlias=a-alias.service\nAlso=b.service\n"),
            unit("b.service", "RequiredBy=default.target\n"),
            dropin,
            named("enable-unit", "a.service"),
            named("enable-unit", "missing.service"),
            named("mask-unit", "c.service"),
            named("enable-unit", "c.service"),
            named("disable-unit", "b.service"),
            named("enable-unit", "b.service"),
            named("disable-unit", "a.service"),
            named("enable-unit", "a.service"),
            { "op": "remove", "path": "/etc/systemd/system/a.service", "kind": "unit", "unit": "a.service" },
            { "op": "daemon-reload" },
            { "op": "restart", "service": "crio.service" },
            { "op": "reload", "service": "b.service" },
            { "op": "reboot" },
        ]),
    )
}

#[test]
fn the_dry_run_of_units_enables_what_earlier_steps_wrote() {
    if !require_root("the_dry_run_of_units_enables_what_earlier_steps_wrote") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = units_plan(tmp.path());
    let tree = tmp.path().join("probe");
    skeleton(&tree);
    let dry = apply(&plan, &tree, &["--dry-run"], &[]);
    assert!(
        dry.stdout.contains(
            "5/17 enable-unit a.service: would create /etc/systemd/system/multi-user.target.wants; would link \
             /etc/systemd/system/multi-user.target.wants/a.service → /etc/systemd/system/a.service"
        ),
        "the unit written by step 2 is enabled\n{dry}"
    );
    assert!(!dry.stdout.contains("a.service in the root: left as it is"), "{dry}");
    dry_run_matches_the_run(&plan, &skeleton, false, "units and actions");
}

#[test]
fn the_dry_run_with_run_actions_says_what_would_run_and_runs_nothing() {
    if !require_namespace("the_dry_run_with_run_actions_says_what_would_run_and_runs_nothing") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = units_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let bin = tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(bin.join("systemctl"), format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display())).unwrap();
    fs::set_permissions(bin.join("systemctl"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());

    let dry_host = HostRoot::new(&tmp.path().join("dry"));
    let dry = dry_host.apply(&plan, &["--dry-run", "--run-actions"], &path);
    assert_eq!(dry.code, Some(0), "{dry}");
    assert!(!log.exists(), "a dry run runs nothing: {:?}", fs::read_to_string(&log));
    assert!(fs::read_dir(&dry_host.var_lib).unwrap().next().is_none(), "no journal written\n{dry}");
    assert!(dry.stdout.contains("would run: systemctl enable a.service"), "{dry}");
    assert!(!dry.stdout.contains("not run: systemctl"), "with --run-actions, nothing is only printed\n{dry}");
    let run = HostRoot::new(&tmp.path().join("run")).apply(&plan, &["--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(step_lines(&dry, true), step_lines(&run, false), "--- dry run ---\n{dry}\n--- run ---\n{run}");
}
