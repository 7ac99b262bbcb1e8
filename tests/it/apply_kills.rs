//! `mcc apply` killed with SIGKILL at random instants (a deterministic sequence of delays within
//! the time of an uninterrupted run), with the real binary against scratch roots. The plan has
//! more file writes than a batch holds (`runtime/src/apply/batch.rs`), half of them replacing
//! files, besides directories with their own mode and owner, users' homes made by `ssh-keys`, a
//! password, links and units, so kills land inside batches, between a directory's creation and
//! its mode, and before a home's owner is set:
//!
//! - resumed after one to three kills, the apply ends in exactly the uninterrupted tree (modes,
//!   owners, contents, links, and its journal), no temporary file is left anywhere, and a further
//!   run has nothing to do;
//! - rolled back after such kills (itself killed once at random), the tree is the one from
//!   before the apply, again without a temporary file.
//!
//! (The deterministic kills, after every step and in every directory creation, are in
//! `apply_runs.rs` and `apply_rollback.rs`.) Writing root-owned files needs root: run as another
//! user, these tests are skipped, except in CI (`CI` set), where they fail.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::apply_rollback::differences;
use crate::apply_support::{apply, hand_plan, inline, require_root, skeleton, snapshot, write_step};
use serde_json::{Value, json};

/// Consecutive file writes: more than one batch.
const FIRST_WRITES: usize = 560;
const LATER_WRITES: usize = 60;

/// A root with two users without a home yet, and half the first files already there with other
/// contents (so they are kept for a rollback and replaced).
fn lived_in(root: &Path) {
    skeleton(root);
    let mut passwd = fs::read_to_string(root.join("etc/passwd")).unwrap();
    passwd.push_str("alice:x:1001:1001::/home/alice:/bin/bash\nbob:x:1002:1002::/home/bob:/bin/bash\n");
    fs::write(root.join("etc/passwd"), passwd).unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\nwheel:x:10:core\ncore:x:1000:\nalice:x:1001:\nbob:x:1002:\n")
        .unwrap();
    let shadow =
        "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\nalice:*:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\n";
    fs::write(root.join("etc/shadow"), shadow).unwrap();
    fs::set_permissions(root.join("etc/shadow"), fs::Permissions::from_mode(0o000)).unwrap();
    for dir in ["a", "b", "c"] {
        fs::create_dir_all(root.join("etc/kills").join(dir)).unwrap();
    }
    for i in (0..FIRST_WRITES).step_by(2) {
        fs::write(root.join(first_path(i).trim_start_matches('/')), format!("old {i}\n")).unwrap();
    }
}

fn first_path(i: usize) -> String {
    format!("/etc/kills/{}/f{i:03}.conf", ["a", "b", "c"][i % 3])
}

fn kills_plan(dir: &Path) -> PathBuf {
    let mut steps: Vec<Value> = vec![json!({ "op": "drain" })];
    steps.extend((0..FIRST_WRITES).map(|i| write_step(&first_path(i), &format!("contents {i}\n").repeat(1 + i % 7))));
    let unit = "[Service]\nExecStart=/usr/bin/true\n[Install]\nWantedBy=multi-user.target\n";
    steps.extend([
        json!({ "op": "mkdir", "path": "/var/lib/kills/cache/deep", "mode": "0750", "uid": 1001, "gid": 1001, "placement": "var", "sources": ["t"] }),
        json!({ "op": "mkdir", "path": "/etc/kills/a", "mode": "0700", "placement": "etc", "sources": ["t"] }),
        json!({ "op": "link", "path": "/etc/kills/current", "target": "/etc/kills/a/f000.conf", "hard": false, "placement": "etc", "sources": ["t"] }),
        json!({ "op": "ssh-keys", "user": "alice", "path": "/home/alice/.ssh/authorized_keys.d/ignition", "keys": ["ssh-ed25519 AAAA alice"], "mode": "0600", "directoryMode": "0700", "sources": ["t"] }),
        json!({ "op": "ssh-keys", "user": "bob", "path": "/home/bob/.ssh/authorized_keys.d/ignition", "keys": ["ssh-ed25519 BBBB bob"], "mode": "0600", "directoryMode": "0700", "sources": ["t"] }),
        json!({ "op": "password-hash", "user": "alice", "hash": "$6$salt$alice", "sources": ["t"] }),
        json!({ "op": "write-unit", "name": "k.service", "path": "/etc/systemd/system/k.service", "content": inline(unit), "placement": "etc", "sources": ["t"] }),
        json!({ "op": "enable-unit", "name": "k.service", "sources": ["t"] }),
        json!({ "op": "mask-unit", "name": "x.service", "sources": ["t"] }),
    ]);
    steps.extend(
        (0..LATER_WRITES).map(|i| write_step(&format!("/var/lib/kills/data/{}/g{i:02}", i % 4), &format!("{i}\n"))),
    );
    steps.push(json!({ "op": "reboot" }));
    hand_plan(dir, Value::Array(steps))
}

/// A deterministic sequence of numbers (a linear congruential generator, seeded).
struct Delays(u64);

impl Delays {
    /// A delay in `[0, within)`.
    fn next(&mut self, within: Duration) -> Duration {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        within.mul_f64((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// Random instants within a run: a delay in `[0, within)`, `within` shrunk whenever a run
/// finished before its kill (runs get faster or slower with the machine's load).
struct Kills {
    delays: Delays,
    within: Duration,
    landed: usize,
}

impl Kills {
    fn new(seed: u64, within: Duration) -> Kills {
        Kills { delays: Delays(seed), within, landed: 0 }
    }

    /// `mcc apply PLAN --root ROOT EXTRA` killed at the next instant.
    fn apply(&mut self, plan: &Path, root: &Path, extra: &[&str]) {
        let delay = self.delays.next(self.within);
        if apply_killed_after(plan, root, extra, delay) {
            self.landed += 1;
        } else {
            self.within = self.within.mul_f64(0.7);
        }
    }
}

/// `mcc apply PLAN --root ROOT EXTRA`, sent SIGKILL after `delay`: whether it was killed (rather
/// than finished first).
fn apply_killed_after(plan: &Path, root: &Path, extra: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(["apply", plan.to_str().unwrap(), "--root", root.to_str().unwrap()])
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1750000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    !finished && status.code().is_none()
}

/// The entries of a tree whose names are mcc's temporary names.
fn temporaries(root: &Path) -> Vec<String> {
    snapshot(root, false).into_keys().filter(|path| path.contains(".mcc-tmp")).collect()
}

const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1750000000");

/// The uninterrupted apply: its tree, and how long it took.
fn uninterrupted(plan: &Path, root: &Path) -> (BTreeMap<String, String>, Duration) {
    lived_in(root);
    let start = Instant::now();
    let run = apply(plan, root, &[], &[(EPOCH.0, EPOCH.1.to_string())]);
    let took = start.elapsed();
    assert_eq!(run.code, Some(0), "{run}");
    (snapshot(root, false), took)
}

#[test]
fn killed_at_random_instants_an_apply_resumes_to_the_uninterrupted_tree() {
    if !require_root("killed_at_random_instants_an_apply_resumes_to_the_uninterrupted_tree") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = kills_plan(tmp.path());
    let (expected, took) = uninterrupted(&plan, &tmp.path().join("whole"));
    let mut kills = Kills::new(20_261_207, took);
    for n in 0..8 {
        let root = tmp.path().join(format!("killed-{n}"));
        lived_in(&root);
        for _ in 0..=n % 3 {
            kills.apply(&plan, &root, &[]);
        }
        let resumed = apply(&plan, &root, &[], &[(EPOCH.0, EPOCH.1.to_string())]);
        assert_eq!(resumed.code, Some(0), "{resumed}");
        let diff = differences(&expected, &snapshot(&root, false));
        assert!(diff.is_empty(), "root {n}: killed and resumed, the tree differs:\n{}", diff.join("\n"));
        assert_eq!(temporaries(&root), Vec::<String>::new(), "root {n}: no temporary file is left");
        let again = apply(&plan, &root, &[], &[(EPOCH.0, EPOCH.1.to_string())]);
        assert!(again.stdout.contains("nothing to do"), "root {n}\n{again}");
    }
    assert!(kills.landed >= 8, "the kills landed during the runs ({} of 16 did; the run took {took:?})", kills.landed);
}

#[test]
fn killed_at_random_instants_an_apply_rolls_back_to_the_tree_from_before() {
    if !require_root("killed_at_random_instants_an_apply_rolls_back_to_the_tree_from_before") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = kills_plan(tmp.path());
    let (_, took) = uninterrupted(&plan, &tmp.path().join("whole"));
    let outside_mcc = |root: &Path| -> BTreeMap<String, String> {
        snapshot(root, false).into_iter().filter(|(k, _)| !k.starts_with("/var/lib/mcc")).collect()
    };
    let mut kills = Kills::new(7, took);
    for n in 0..6 {
        let root = tmp.path().join(format!("killed-{n}"));
        lived_in(&root);
        let before = outside_mcc(&root);
        for _ in 0..=n % 2 {
            kills.apply(&plan, &root, &[]);
        }
        let changed = !differences(&before, &outside_mcc(&root)).is_empty();
        // A rollback killed at a random instant too (it takes about as long as the apply).
        kills.apply(&plan, &root, &["--rollback"]);
        let run = apply(&plan, &root, &["--rollback"], &[]);
        if changed {
            assert_eq!(run.code, Some(0), "root {n}\n{run}");
        } else {
            // Killed before its first change: there may be nothing to roll back (MCC5110).
            assert!(run.code == Some(0) || run.stderr.contains("MCC5110"), "root {n}\n{run}");
        }
        let diff = differences(&before, &outside_mcc(&root));
        assert!(diff.is_empty(), "root {n}: killed, then rolled back, the tree differs:\n{}", diff.join("\n"));
        assert_eq!(temporaries(&root), Vec::<String>::new(), "root {n}: no temporary file is left");
    }
    assert!(kills.landed >= 6, "the kills landed during the runs ({} of 15 did; the run took {took:?})", kills.landed);
}
