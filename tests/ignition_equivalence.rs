//! The proof that image mode writes what Ignition writes.
//!
//! For every pool of every MachineConfig file in the real-world corpus (`../shared/corpus/real`)
//! whose rendered config Debian's Ignition 2.14 accepts, two trees are built from the same
//! skeleton root and compared:
//!
//! - **tree A**: what Ignition's `fetch-offline` and `files` stages write into the skeleton, from
//!   the rendered config (`mcc render --format json`) given with `-platform file`;
//! - **tree B**: the image `mcc build` makes of the pool (`mcc compile` then `mcc build`),
//!   unpacked with umoci and laid over the skeleton as a container runtime applies a layer, then
//!   `mcc apply` of the pool's node-side steps;
//! - **tree C**, for good measure: the same pool compiled for `--target legacy`, where every
//!   entry is a node-side step, so that `mcc apply` alone writes all of it on the bare skeleton.
//!
//! B and C must each equal A in paths, types, modes, numeric owners, contents (SHA-256) and link
//! targets. Only these documented, deliberate differences are mapped before comparing, each with
//! its reason:
//!
//! 1. **Ignition's preset file versus enablement symlinks.** Ignition enables and disables units
//!    by writing `/etc/systemd/system-preset/20-ignition.preset`, which systemd applies at first
//!    boot; mcc creates the symlinks `systemctl enable` creates (in the image, or on the node),
//!    because a preset only ever applies at first boot and so could never carry an update. Tree A
//!    gets its preset applied as systemd applies it: `systemctl --root A preset UNIT` for each
//!    unit it names, then the preset file is removed.
//! 2. **Ignition's `/etc/.ignition-result.json` marker**, which records when and how Ignition ran
//!    (a boot ID and a date): removed from tree A.
//! 3. **mcc's apply journal** `/var/lib/mcc/apply-journal.json`, mcc's record of the run and the
//!    counterpart of Ignition's marker: removed from trees B and C.
//! 4. **The bootc kernel-arguments file** `/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml`:
//!    kernel arguments are not part of the Ignition config (`spec.kernelArguments` is a
//!    MachineConfig field), so Ignition never writes it; under bootc mcc always ships it, even
//!    empty, so that bootc removes what an earlier image added. Removed from tree B (the legacy
//!    target has no such file: its kernel arguments are an `rpm-ostree kargs` action).
//! 5. **shadow-utils' backup files** (`/etc/passwd-`, `/etc/shadow-`, `/etc/group-`,
//!    `/etc/gshadow-`), compared only when the config has no `passwd.users`: Ignition runs
//!    `usermod` twice for a password hash (once to modify the user, once to set the password),
//!    and usermod copies the file it changes to its backup first, so Ignition's backup already
//!    holds the new hash; mcc, like a single `usermod -p` of the MCD, changes `/etc/shadow` once,
//!    atomically, and keeps no backup.
//!
//! A file or directory that a removal above leaves empty is removed too when the skeleton does
//! not have it. Configs on which mcc deliberately behaves as the MCD does on day 2 rather than as
//! Ignition does at first boot are listed in [`KNOWN_DIFFERENCES`] with the reason; the test
//! fails if one of them stops differing, so the list cannot go stale.
//!
//! The skeleton is the RHCOS layout (`spec/image-mode.md` §1.3: `/home → var/home`,
//! `/usr/local → ../var/usrlocal`, `/bin → usr/bin`, …, with their targets), an
//! `/etc/selinux/config` with `SELINUX=disabled`, the users `root` and `core` in `/etc/passwd`,
//! `/etc/group` and `/etc/shadow` (with shadow-utils' backups and lock file, as on any installed
//! system), and core's home. Ignition 2.14 relabels the files it wrote with `setfiles` whenever
//! the root has an `/etc/selinux/config`, even with SELinux disabled; a stub `setfiles` that
//! labels nothing is put first on its PATH (SELinux labels are not compared: they are xattrs).
//!
//! Versions: the rendered config is 3.5.0; Ignition 2.14 knows 3.0.0–3.3.0 and 3.4.0 as
//! `3.4.0-experimental`, so it is given as `3.4.0-experimental` unless it uses a 3.5-only field
//! (LUKS `cex`), in which case it is skipped. A config Ignition refuses is skipped with its
//! message; so is a file with errors (`mcc render` fails: the differential test compares those
//! verdicts with ignition-validate's) and a pool compile refuses for a reason Ignition does not
//! share (remote contents, MCC5001; an entry placed in reject, MCC5002). The number of configs
//! compared and every reason for a skip are printed.
//!
//! The pool is compiled for `--target bootc` with placeholder base and extensions images (only
//! the layer matters; `mcc build` is given no base). The image is unpacked with `umoci unpack`
//! as root, which restores numeric owners exactly (`--rootless` would record the owners that are
//! not root only in a `user.rootlesscontainers` xattr).
//!
//! Needs: the Ignition binary of Debian's `ignition` package, `umoci`, `systemctl` and `usermod`,
//! and root (Ignition and mcc apply chown). Without them the test is skipped with a message,
//! unless `CI` is set, where it fails.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::Digest;

const IGNITION: &str = "/usr/lib/dracut/modules.d/30ignition/ignition";
const BASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000";
const EXTENSIONS_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1111111111111111111111111111111111111111111111111111111111111111";
/// The version Ignition 2.14 gets the rendered 3.5.0 config as.
const ORACLE_VERSION: &str = "3.4.0-experimental";

const PRESET: &str = "/etc/systemd/system-preset/20-ignition.preset";
const IGNITION_RESULT: &str = "/etc/.ignition-result.json";
const APPLY_JOURNAL: &str = "/var/lib/mcc/apply-journal.json";
const KARGS_FILE: &str = "/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml";
const SHADOW_BACKUPS: &[&str] = &["/etc/passwd-", "/etc/shadow-", "/etc/group-", "/etc/gshadow-"];

/// Configs where mcc, on purpose, does what the MCD does on day 2 rather than what Ignition does
/// at first boot: `(corpus file, pool, reason)`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "openshift__origin__test__extended__testdata__machine_config__machineconfig__1-worker-invalid-mc.yaml",
    "worker",
    "the config writes a file at /home/core, where core's home directory is: Ignition (overwrite: true) \
     deletes the directory and writes the file; the MCD refuses to replace a directory with a file, and so \
     does mcc apply (MCC5106) — this MachineConfig is the MCO's own test of a pool that degrades",
)];

/// One entry of a tree, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: &'static str,
    /// Not for symlinks (always 0777 on Linux).
    mode: Option<u32>,
    uid: u32,
    gid: u32,
    /// Files: SHA-256 of the contents; symlinks: the target.
    data: String,
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.mode {
            Some(mode) => write!(f, "{} {mode:04o} {}:{} {}", self.kind, self.uid, self.gid, self.data),
            None => write!(f, "{} {}:{} → {}", self.kind, self.uid, self.gid, self.data),
        }
    }
}

type Tree = BTreeMap<String, Entry>;

fn snapshot(root: &Path) -> Tree {
    let mut out = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = format!("/{}", path.strip_prefix(root).unwrap().display());
            let ft = meta.file_type();
            let (kind, mode, data) = if ft.is_symlink() {
                ("symlink", None, fs::read_link(&path).unwrap().display().to_string())
            } else if ft.is_dir() {
                stack.push(path.clone());
                ("directory", Some(meta.mode() & 0o7777), String::new())
            } else if ft.is_file() {
                ("file", Some(meta.mode() & 0o7777), hex::encode(sha2::Sha256::digest(fs::read(&path).unwrap())))
            } else {
                ("special", Some(meta.mode() & 0o7777), String::new())
            };
            out.insert(rel, Entry { kind, mode, uid: meta.uid(), gid: meta.gid(), data });
        }
    }
    out
}

/// The skeleton root both trees start from.
fn skeleton(root: &Path) {
    let dir = |path: &str, mode: u32| {
        let p = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    let file = |path: &str, mode: u32, text: &str| {
        let p = root.join(path.trim_start_matches('/'));
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    let link = |path: &str, target: &str| symlink(target, root.join(path.trim_start_matches('/'))).unwrap();
    dir("/", 0o755);
    for d in ["/etc", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/var", "/run", "/sysroot", "/boot"] {
        dir(d, 0o755);
    }
    for d in ["/dev", "/proc", "/sys"] {
        dir(d, 0o555);
    }
    dir("/tmp", 0o1777);
    // spec/image-mode.md §1.3: the compatibility symlinks of FCOS and RHCOS, and their targets.
    for (path, target) in [
        ("/home", "var/home"),
        ("/root", "var/roothome"),
        ("/opt", "var/opt"),
        ("/srv", "var/srv"),
        ("/mnt", "var/mnt"),
        ("/media", "run/media"),
        ("/usr/local", "../var/usrlocal"),
        ("/ostree", "sysroot/ostree"),
        ("/bin", "usr/bin"),
        ("/sbin", "usr/sbin"),
        ("/lib", "usr/lib"),
        ("/lib64", "usr/lib64"),
        ("/var/run", "../run"),
    ] {
        link(path, target);
    }
    for d in ["/var/home", "/var/opt", "/var/srv", "/var/mnt", "/var/usrlocal", "/var/lib", "/run/media"] {
        dir(d, 0o755);
    }
    dir("/var/roothome", 0o700);
    dir("/etc/selinux", 0o755);
    file("/etc/selinux/config", 0o644, "SELINUX=disabled\nSELINUXTYPE=targeted\n");
    let passwd = "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash\n";
    let shadow = "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n";
    file("/etc/passwd", 0o644, passwd);
    file("/etc/passwd-", 0o644, passwd);
    file("/etc/group", 0o644, "root:x:0:\nwheel:x:10:core\ncore:x:1000:\n");
    file("/etc/shadow", 0o000, shadow);
    file("/etc/shadow-", 0o000, shadow);
    file("/etc/.pwd.lock", 0o600, "");
    dir("/var/home/core", 0o700);
    std::os::unix::fs::chown(root.join("var/home/core"), Some(1000), Some(1000)).unwrap();
}

/// Lays the unpacked image over the skeleton, as a runtime applies a layer: directories merge
/// (the layer's mode and owner win), anything else replaces what is there.
fn overlay(layer: &Path, root: &Path) {
    let mut stack = vec![layer.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for src in entries {
            let rel = src.strip_prefix(layer).unwrap();
            assert!(!rel.to_string_lossy().contains(".wh."), "a whiteout in an mcc layer: {}", rel.display());
            let dst = root.join(rel);
            let meta = fs::symlink_metadata(&src).unwrap();
            let existing = fs::symlink_metadata(&dst).ok();
            if meta.is_dir() {
                if existing.as_ref().is_some_and(|m| !m.is_dir()) {
                    fs::remove_file(&dst).unwrap();
                }
                if !dst.exists() {
                    fs::create_dir(&dst).unwrap();
                }
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
                fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777)).unwrap();
                stack.push(src);
                continue;
            }
            match existing {
                Some(m) if m.is_dir() => fs::remove_dir_all(&dst).unwrap(),
                Some(_) => fs::remove_file(&dst).unwrap(),
                None => {}
            }
            if meta.file_type().is_symlink() {
                symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
            } else {
                fs::copy(&src, &dst).unwrap();
                // The owner first: chown clears setuid and setgid.
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
                fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777)).unwrap();
            }
        }
    }
}

/// Removes `path` from a tree on disk, then the directories that leaves empty and the skeleton
/// does not have.
fn remove_mapped(root: &Path, path: &str, skeleton: &Tree) {
    let full = root.join(path.trim_start_matches('/'));
    if fs::symlink_metadata(&full).is_err() {
        return;
    }
    fs::remove_file(&full).unwrap_or_else(|e| panic!("removing {}: {e}", full.display()));
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir.filter(|d| *d != Path::new("/")) {
        let on_disk = root.join(d.strip_prefix("/").unwrap());
        let empty = fs::read_dir(&on_disk).is_ok_and(|mut e| e.next().is_none());
        if !empty || skeleton.contains_key(d.to_str().unwrap()) {
            break;
        }
        fs::remove_dir(&on_disk).unwrap();
        dir = d.parent();
    }
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn mcc(args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_mcc")).args(args).env("NO_COLOR", "1").env_remove("MCC_APPLY_CRASH_AFTER"))
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(tool).is_file()))
}

fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().expect("a temporary file");
    probe.as_file().metadata().expect("its metadata").uid() == 0
}

/// What is missing to run the test.
fn missing_requirements() -> Vec<String> {
    let mut missing = Vec::new();
    if !Path::new(IGNITION).is_file() {
        missing.push(format!("the Ignition binary {IGNITION} (Debian package `ignition`)"));
    }
    for (tool, package) in [("umoci", "umoci"), ("systemctl", "systemd"), ("usermod", "passwd")] {
        if !on_path(tool) {
            missing.push(format!("`{tool}` on PATH (Debian package `{package}`)"));
        }
    }
    if !is_root() {
        missing.push("root (Ignition and mcc apply chown what they write)".into());
    }
    missing
}

/// Writes to stderr directly, so that the line shows even when the test harness captures output.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

struct Outcome {
    file: String,
    pool: String,
    /// `bootc` (tree B: the image and mcc apply) or `legacy` (tree C: mcc apply alone).
    target: &'static str,
    /// Differences after mapping, or why a tree could not be built.
    differences: Vec<String>,
}

#[derive(Default)]
struct Summary {
    outcomes: Vec<Outcome>,
    skipped: BTreeMap<String, Vec<String>>,
    mapped: BTreeMap<&'static str, usize>,
}

impl Summary {
    fn skip(&mut self, reason: impl Into<String>, what: String) {
        self.skipped.entry(reason.into()).or_default().push(what);
    }

    fn map(&mut self, mapping: &'static str) {
        *self.mapped.entry(mapping).or_default() += 1;
    }
}

/// `mcc apply` of a pool's directory onto `root`, mapped (3, 4 and 5) and read.
fn applied_tree(
    pool_dir: &Path,
    root: &Path,
    skeleton: &Tree,
    has_users: bool,
    summary: &mut Summary,
) -> Result<Tree, String> {
    let applied = mcc(&["apply", pool_dir.to_str().unwrap(), "--root", root.to_str().unwrap()]);
    if !applied.status.success() {
        return Err(format!("mcc apply failed:\n{}", text(&applied)));
    }
    if fs::symlink_metadata(root.join(APPLY_JOURNAL.trim_start_matches('/'))).is_ok() {
        remove_mapped(root, APPLY_JOURNAL, skeleton);
        summary.map("3. mcc's apply journal removed");
    }
    if fs::symlink_metadata(root.join(KARGS_FILE.trim_start_matches('/'))).is_ok() {
        remove_mapped(root, KARGS_FILE, skeleton);
        summary.map("4. the bootc kargs.d file removed");
    }
    let mut tree = snapshot(root);
    if has_users {
        for backup in SHADOW_BACKUPS {
            tree.remove(*backup);
        }
    }
    Ok(tree)
}

#[test]
fn the_image_plus_mcc_apply_writes_what_ignition_writes() {
    let missing = missing_requirements();
    if !missing.is_empty() {
        let list = missing.join(", ");
        if std::env::var_os("CI").is_some() {
            panic!("the Ignition equivalence test needs {list}");
        }
        say(&format!("skipped: the Ignition equivalence test needs {list}; with CI set this fails"));
        return;
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let stub = tmp.path().join("stub-bin");
    fs::create_dir(&stub).unwrap();
    fs::write(stub.join("setfiles"), "#!/bin/sh\n# SELinux labels are not compared: label nothing.\ncat > /dev/null\n")
        .unwrap();
    fs::set_permissions(stub.join("setfiles"), fs::Permissions::from_mode(0o755)).unwrap();
    let ignition_path = format!("{}:{}", stub.display(), std::env::var("PATH").unwrap_or_default());
    let skeleton_root = tmp.path().join("skeleton");
    skeleton(&skeleton_root);
    let skeleton_tree = snapshot(&skeleton_root);

    let mut files: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", corpus.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "json")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", corpus.display());

    let mut summary = Summary::default();
    let mut n = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let input = file.to_str().unwrap();
        let images = ["--base-image", BASE_IMAGE, "--base-extensions-image", EXTENSIONS_IMAGE];
        let mut args = vec!["render", input, "--format", "json"];
        args.extend(images);
        let rendered = mcc(&args);
        if !rendered.status.success() {
            summary.skip(
                "mcc reports errors in the file (the differential test compares those with ignition-validate)",
                name,
            );
            continue;
        }
        let list: Value = serde_json::from_slice(&rendered.stdout).expect("render prints JSON");
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            summary.skip("no MachineConfig that mcc renders into a pool", name);
            continue;
        }
        for item in items {
            let rendered_name = item["metadata"]["name"].as_str().unwrap().to_string();
            let pool = rendered_name
                .strip_prefix("rendered-")
                .and_then(|r| r.rsplit_once('-'))
                .map(|(pool, _)| pool.to_string())
                .expect("a rendered name is rendered-<pool>-<hash>");
            let what = format!("{name} (pool {pool})");
            n += 1;
            let work = tmp.path().join(n.to_string());
            fs::create_dir(&work).unwrap();
            let mut config = item["spec"]["config"].clone();
            let uses_cex = config
                .pointer("/storage/luks")
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|l| l.get("cex").is_some_and(|c| !c.is_null())));
            if uses_cex {
                summary.skip("spec 3.5.0 LUKS `cex`, which Ignition 2.14 has no spec for", what);
                continue;
            }
            config["ignition"]["version"] = ORACLE_VERSION.into();
            let has_users = config.pointer("/passwd/users").and_then(Value::as_array).is_some_and(|u| !u.is_empty());
            let config_file = work.join("config.ign");
            fs::write(&config_file, serde_json::to_vec(&config).unwrap()).unwrap();

            // Compile for both targets (a pool compile refuses is skipped before Ignition runs).
            let compile = |target: &str| {
                let out = work.join(format!("out-{target}"));
                let mut args =
                    vec!["compile", input, "--out", out.to_str().unwrap(), "--pool", &pool, "--target", target];
                args.extend(images);
                (mcc(&args), out.join(&pool))
            };
            let (compiled, pool_dir) = compile("bootc");
            if !compiled.status.success() {
                let log = text(&compiled);
                if log.contains("MCC5001") || log.contains("MCC5002") {
                    summary.skip("mcc compile refuses remote contents (MCC5001) or a rejected entry (MCC5002)", what);
                } else {
                    let differences = vec![format!("mcc compile failed:\n{log}")];
                    summary.outcomes.push(Outcome { file: name.clone(), pool, target: "bootc", differences });
                }
                continue;
            }
            let image = work.join("image");
            let built = mcc(&["build", pool_dir.to_str().unwrap(), "--out", &format!("oci:{}", image.display())]);
            assert!(built.status.success(), "mcc build of {what}: {}", text(&built));
            let (compiled_legacy, legacy_dir) = compile("legacy");
            assert!(
                compiled_legacy.status.success(),
                "mcc compile --target legacy of {what}: {}",
                text(&compiled_legacy)
            );

            // Tree A: Ignition.
            let tree_a = work.join("a");
            skeleton(&tree_a);
            let state = work.join("ignition-run");
            fs::create_dir(&state).unwrap();
            let ignition = |stage: &str| {
                run(Command::new(IGNITION)
                    .args(["-platform", "file", "-stage", stage, "-root", tree_a.to_str().unwrap(), "-log-to-stdout"])
                    .arg("-config-cache")
                    .arg(state.join("config.json"))
                    .arg("-state-file")
                    .arg(state.join("state"))
                    .arg("-neednet")
                    .arg(state.join("neednet"))
                    .env("IGNITION_CONFIG_FILE", &config_file)
                    .env("PATH", &ignition_path))
            };
            let fetched = ignition("fetch-offline");
            if !fetched.status.success() {
                let log = text(&fetched);
                let reason = log
                    .lines()
                    .find(|l| l.starts_with("CRITICAL") && l.contains("error at"))
                    .or_else(|| log.lines().find(|l| l.starts_with("CRITICAL")))
                    .unwrap_or("no message")
                    .trim_start_matches("CRITICAL : ")
                    .to_string();
                summary.skip(format!("Ignition 2.14 refuses the rendered config: {reason}"), what);
                continue;
            }
            let files_stage = ignition("files");
            if !files_stage.status.success() {
                let differences = vec![format!("Ignition's files stage failed:\n{}", text(&files_stage))];
                summary.outcomes.push(Outcome { file: name.clone(), pool, target: "bootc", differences });
                continue;
            }
            // Mappings 1 and 2.
            let preset = tree_a.join(PRESET.trim_start_matches('/'));
            if let Ok(lines) = fs::read_to_string(&preset) {
                for line in lines.lines() {
                    if let Some(unit) = line.strip_prefix("enable ").or_else(|| line.strip_prefix("disable ")) {
                        // A unit with no file in the root (one of the base image's) cannot be
                        // preset here; the MCD skips it too.
                        let _ = run(Command::new("systemctl")
                            .arg(format!("--root={}", tree_a.display()))
                            .args(["preset", unit.trim()]));
                    }
                }
                remove_mapped(&tree_a, PRESET, &skeleton_tree);
                summary.map("1. the preset file applied with `systemctl --root A preset`");
            }
            if fs::symlink_metadata(tree_a.join(IGNITION_RESULT.trim_start_matches('/'))).is_ok() {
                remove_mapped(&tree_a, IGNITION_RESULT, &skeleton_tree);
                summary.map("2. /etc/.ignition-result.json removed");
            }
            let mut a = snapshot(&tree_a);
            if has_users {
                for backup in SHADOW_BACKUPS {
                    a.remove(*backup);
                }
                summary.map("5. shadow-utils backups not compared (passwd.users)");
            }

            // Tree B: the image over the skeleton, then mcc apply of the node-side steps.
            let bundle = work.join("bundle");
            let unpacked = run(Command::new("umoci")
                .args(["unpack", "--image"])
                .arg(format!("{}:latest", image.display()))
                .arg(&bundle));
            assert!(unpacked.status.success(), "umoci unpack of {what}: {}", text(&unpacked));
            let tree_b = work.join("b");
            skeleton(&tree_b);
            overlay(&bundle.join("rootfs"), &tree_b);
            let differences = match applied_tree(&pool_dir, &tree_b, &skeleton_tree, has_users, &mut summary) {
                Ok(b) => diff(&a, &b),
                Err(failure) => vec![failure],
            };
            summary.outcomes.push(Outcome { file: name.clone(), pool: pool.clone(), target: "bootc", differences });

            // Tree C: the legacy target, where every entry is a node-side step, all written by
            // mcc apply on the bare skeleton.
            let tree_c = work.join("c");
            skeleton(&tree_c);
            let differences = match applied_tree(&legacy_dir, &tree_c, &skeleton_tree, has_users, &mut summary) {
                Ok(c) => diff(&a, &c),
                Err(failure) => vec![failure],
            };
            summary.outcomes.push(Outcome { file: name.clone(), pool, target: "legacy", differences });
        }
    }

    let failures = check(&summary);
    print_summary(&summary);
    assert!(summary.outcomes.iter().any(|o| o.differences.is_empty()), "no corpus config was compared equal");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn diff(a: &Tree, b: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for (path, entry) in a {
        match b.get(path) {
            None => out.push(format!("{path}: Ignition wrote {entry}; mcc did not")),
            Some(other) if other != entry => out.push(format!("{path}: Ignition wrote {entry}; mcc wrote {other}")),
            Some(_) => {}
        }
    }
    for (path, entry) in b {
        if !a.contains_key(path) {
            out.push(format!("{path}: mcc wrote {entry}; Ignition did not"));
        }
    }
    out
}

fn known(outcome: &Outcome) -> Option<&'static str> {
    KNOWN_DIFFERENCES.iter().find(|(f, p, _)| *f == outcome.file && *p == outcome.pool).map(|(_, _, reason)| *reason)
}

/// Every failure: a difference not in `KNOWN_DIFFERENCES`, and a known difference that did not
/// occur.
fn check(summary: &Summary) -> Vec<String> {
    let mut failures = Vec::new();
    for outcome in summary.outcomes.iter().filter(|o| !o.differences.is_empty()) {
        if known(outcome).is_none() {
            failures.push(format!(
                "{} (pool {}, target {}): the trees differ\n  {}\n  (if deliberate, list it in KNOWN_DIFFERENCES with its reason)",
                outcome.file,
                outcome.pool,
                outcome.target,
                outcome.differences.join("\n  ")
            ));
        }
    }
    for (file, pool, reason) in KNOWN_DIFFERENCES {
        match summary.outcomes.iter().find(|o| o.file == *file && o.pool == *pool) {
            None => failures
                .push(format!("stale KNOWN_DIFFERENCES entry: {file} (pool {pool}) was not compared ({reason})")),
            Some(o) if o.differences.is_empty() => failures
                .push(format!("stale KNOWN_DIFFERENCES entry: {file} (pool {pool}) no longer differs ({reason})")),
            Some(_) => {}
        }
    }
    failures
}

fn print_summary(summary: &Summary) {
    let configs: std::collections::BTreeSet<(&str, &str)> =
        summary.outcomes.iter().map(|o| (o.file.as_str(), o.pool.as_str())).collect();
    let equal =
        |target: &str| summary.outcomes.iter().filter(|o| o.target == target && o.differences.is_empty()).count();
    let known_count = summary.outcomes.iter().filter(|o| !o.differences.is_empty() && known(o).is_some()).count();
    let unexpected = summary.outcomes.iter().filter(|o| !o.differences.is_empty() && known(o).is_none()).count();
    let skipped: usize = summary.skipped.values().map(Vec::len).sum();
    let mut headline = format!(
        "ignition equivalence against {IGNITION}: {} configs compared; Ignition's tree equals the bootc image plus \
         mcc apply for {}, and mcc apply alone (--target legacy) for {}; {known_count} known differences, \
         {unexpected} unexpected; {skipped} skipped",
        configs.len(),
        equal("bootc"),
        equal("legacy"),
    );
    for (mapping, count) in &summary.mapped {
        let _ = write!(headline, "\n  mapped: {mapping} ({count} trees)");
    }
    for (reason, configs) in &summary.skipped {
        let _ = write!(headline, "\n  skipped {}: {reason}", configs.len());
    }
    let mut details = String::from("ignition equivalence, details:");
    for (reason, configs) in &summary.skipped {
        let _ = write!(details, "\n  skipped ({reason}):");
        for config in configs {
            let _ = write!(details, "\n    {config}");
        }
    }
    for outcome in &summary.outcomes {
        let verdict = if outcome.differences.is_empty() {
            "equal".to_string()
        } else {
            format!("differs ({})", known(outcome).unwrap_or("UNEXPECTED"))
        };
        let _ = write!(details, "\n  {} (pool {}, target {}): {verdict}", outcome.file, outcome.pool, outcome.target);
    }
    say(&headline);
    eprintln!("{details}");
}
