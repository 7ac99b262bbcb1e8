//! Helpers of the `mcc apply` tests (`apply_confinement.rs`, `apply_runs.rs`): running the real
//! binary, scratch roots, compiled and hand-written node-actions documents.
//!
//! Each test crate uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use mcc_contract::sha256_hex;
use serde_json::{Value, json};

/// What one run of `mcc` produced.
pub struct Run {
    /// `None` when killed by a signal (the crash hook aborts).
    pub code: Option<i32>,
    pub stdout: String,
    /// With miette's line wrapping undone: one space for any run of whitespace and `│`.
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

pub fn mcc(args: &[&str], env: &[(&str, String)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcc"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("MCC_APPLY_CRASH_AFTER")
        .env_remove("MCC_APPLY_CRASH_IN_MKDIR")
        .env_remove("SOURCE_DATE_EPOCH");
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

pub fn apply(plan: &Path, root: &Path, extra: &[&str], env: &[(&str, String)]) -> Run {
    let mut args = vec!["apply", plan.to_str().unwrap(), "--root", root.to_str().unwrap()];
    args.extend(extra);
    mcc(&args, env)
}

/// Whether this process may chown files to other users.
pub fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().expect("a temporary file");
    probe.as_file().metadata().expect("its metadata").uid() == 0
}

/// True when the test can run; otherwise skips it, or fails it in CI.
pub fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{test} needs root (mcc apply chowns files), and CI is set");
    eprintln!("skipped {test}: it needs root (mcc apply chowns files); with CI set this fails");
    false
}

/// A small RHCOS-like root: the layout's symlinks, the core user, a shadow file.
pub fn skeleton(root: &Path) {
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
pub fn snapshot(root: &Path, times: bool) -> BTreeMap<String, String> {
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
                format!("file {:04o} {}", meta.mode() & 0o7777, sha256_hex(&bytes))
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

pub const BASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A MachineConfig with one of everything the node writes: files (one through the
/// `/usr/local` → `/var/usrlocal` link, one owned by a user name), a directory, a symlink, a
/// unit with a dropin, enabled, a masked unit, SSH keys and a password hash.
pub const MACHINE_CONFIG: &str = r#"
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
pub fn compiled_plan(dir: &Path) -> (PathBuf, usize) {
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
pub fn compile_legacy(args: &[&str], out: &Path) {
    let mut all = vec!["compile"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap(), "--pool", "worker", "--target", "legacy", "--base-image", BASE_IMAGE]);
    let run = mcc(&all, &[]);
    assert_eq!(run.code, Some(0), "mcc compile\n{run}");
}

/// A hand-written plan (`mcc.node-actions/v1`), for what compile never writes.
pub fn hand_plan(dir: &Path, steps: Value) -> PathBuf {
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

pub fn inline(text: &str) -> Value {
    json!({ "size": text.len(), "sha256": sha256_hex(text.as_bytes()), "inline": text })
}

pub fn write_step(path: &str, text: &str) -> Value {
    json!({ "op": "write", "path": path, "mode": "0644", "content": inline(text), "placement": "etc", "sources": ["test"] })
}

/// A host root for one test: scratch directories that stand for `/var/lib` and
/// `/etc/systemd/system` in the namespace each run gets.
pub struct HostRoot {
    pub var_lib: PathBuf,
    pub units: PathBuf,
}

impl HostRoot {
    pub fn new(dir: &Path) -> HostRoot {
        let host = HostRoot { var_lib: dir.join("var-lib"), units: dir.join("units") };
        fs::create_dir_all(&host.var_lib).unwrap();
        fs::create_dir_all(&host.units).unwrap();
        host
    }

    /// `mcc apply PLAN --root / EXTRA` in a mount namespace of its own. `/` is locked by every
    /// apply to it (these tests', and other test runs' on this machine): taken in turns, and
    /// waited for.
    pub fn apply(&self, plan: &Path, extra: &[&str], path: &str) -> Run {
        static TURNS: Mutex<()> = Mutex::new(());
        let _turn = TURNS.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..100 {
            let run = self.apply_once(plan, extra, path);
            if !run.stderr.contains("is another `mcc apply` running on it?") {
                return run;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("`/` stayed locked by another mcc apply for 10 s");
    }

    fn apply_once(&self, plan: &Path, extra: &[&str], path: &str) -> Run {
        let mut args = vec![
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            r#"set -e; mount --bind "$1" /var/lib; mount --bind "$2" /etc/systemd/system; shift 2; exec "$@""#,
            "sh",
            self.var_lib.to_str().unwrap(),
            self.units.to_str().unwrap(),
            env!("CARGO_BIN_EXE_mcc"),
            "apply",
            plan.to_str().unwrap(),
            "--root",
            "/",
        ];
        args.extend(extra);
        let output = Command::new("unshare").args(&args).env("NO_COLOR", "1").env("PATH", path).output().unwrap();
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
}

/// Whether a private mount namespace can be made here (root, `unshare`, `/etc/systemd/system`).
pub fn require_namespace(test: &str) -> bool {
    if !require_root(test) {
        return false;
    }
    let works = Path::new("/etc/systemd/system").is_dir()
        && Command::new("unshare")
            .args(["--mount", "--propagation", "private", "mount", "-t", "tmpfs", "none", "/var/lib"])
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(works || std::env::var_os("CI").is_none(), "{test} needs `unshare --mount`, and CI is set");
    if !works {
        eprintln!("skipped {test}: it needs `unshare --mount` and /etc/systemd/system; with CI set this fails");
    }
    works
}
