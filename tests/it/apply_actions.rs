//! `mcc apply --run-actions`, with the real binary:
//!
//! - it is refused unless the root is `/` (the actions act on the machine running mcc, whatever
//!   the root): a usage error, nothing written, nothing run;
//! - at `/`, it runs the actions through the `systemctl` found on PATH (a stub here that logs its
//!   arguments); without it they are printed; a failed action fails the apply and is retried by
//!   the next run.
//!
//! The runs at `/` happen in a private mount namespace (`unshare --mount`) where scratch
//! directories are bound over `/var/lib` (the journal) and `/etc/systemd/system` (the units), so
//! the host is never written. Both need root: without it, or without `unshare`, these tests are
//! skipped, except in CI (`CI` set), where they fail.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use crate::apply_support::{
    HostRoot, apply, hand_plan, inline, mcc, require_namespace, require_root, skeleton, snapshot,
};
use serde_json::json;

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
fn run_actions_is_refused_unless_the_root_is_slash() {
    if !require_root("run_actions_is_refused_unless_the_root_is_slash") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = actions_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let env = [("PATH", stub_systemctl(&tmp.path().join("bin"), &log, None))];
    let root = tmp.path().join("root");
    skeleton(&root);
    // A symlink to the root is the same root: it is resolved before it is compared with `/`.
    symlink(&root, tmp.path().join("alias")).unwrap();
    let before = snapshot(&root, true);
    for given in [root.clone(), tmp.path().join("alias")] {
        let run = apply(&plan, &given, &["--run-actions"], &env);
        assert_eq!(run.code, Some(64), "a usage error\n{run}");
        assert!(run.stderr.contains("--run-actions needs --root /"), "{run}");
        assert!(run.stderr.contains("act on the machine running mcc"), "{run}");
    }
    assert!(log_lines(&log).is_empty(), "nothing ran: {:?}", log_lines(&log));
    assert_eq!(snapshot(&root, true), before, "nothing written, not even the journal");
    let run = mcc(&["explain", "MCC5108"], &[]);
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn run_actions_runs_them_through_systemctl_and_without_it_they_are_printed() {
    if !require_namespace("run_actions_runs_them_through_systemctl_and_without_it_they_are_printed") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = actions_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let path = stub_systemctl(&tmp.path().join("bin"), &log, None);

    // Without --run-actions: printed, never run; the unit is enabled in the tree by mcc itself.
    let host = HostRoot::new(&tmp.path().join("printed"));
    let run = host.apply(&plan, &[], &path);
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
        fs::read_link(host.units.join("multi-user.target.wants/x.service")).unwrap(),
        Path::new("/etc/systemd/system/x.service")
    );
    assert!(host.var_lib.join("mcc/apply-journal.json").is_file(), "the journal is in the bound /var/lib");
    // Run again with --run-actions: the printed actions run now, the files are not touched.
    let run = host.apply(&plan, &["--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(log_lines(&log), ["daemon-reload", "restart crio.service", "reload x.service", "reboot"]);
    let run = host.apply(&plan, &["--run-actions"], &path);
    assert!(
        run.stdout.contains("nothing to do: 7 steps already applied"),
        "neither the reboot nor the drain twice\n{run}"
    );
    assert_eq!(log_lines(&log).len(), 4);

    // A fresh root with --run-actions: enable goes through systemctl too, as the MCD runs it.
    fs::remove_file(&log).unwrap();
    let host = HostRoot::new(&tmp.path().join("ran"));
    let run = host.apply(&plan, &["--run-actions"], &path);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        log_lines(&log),
        ["enable x.service", "daemon-reload", "restart crio.service", "reload x.service", "reboot"]
    );
}

#[test]
fn a_failed_action_fails_the_apply_and_the_next_run_retries_it() {
    if !require_namespace("a_failed_action_fails_the_apply_and_the_next_run_retries_it") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = actions_plan(tmp.path());
    let log = tmp.path().join("systemctl.log");
    let host = HostRoot::new(&tmp.path().join("root"));
    let failing = stub_systemctl(&tmp.path().join("failing"), &log, Some("reload"));
    let run = host.apply(&plan, &["--run-actions"], &failing);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("MCC5107") && run.stderr.contains("`systemctl reload x.service` failed"), "{run}");
    assert_eq!(log_lines(&log), ["enable x.service", "daemon-reload", "restart crio.service"]);
    let working = stub_systemctl(&tmp.path().join("working"), &log, None);
    let run = host.apply(&plan, &["--run-actions"], &working);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("resuming: the journal has 5 of the 7 steps"), "{run}");
    assert_eq!(log_lines(&log)[3..], ["reload x.service", "reboot"]);
}
