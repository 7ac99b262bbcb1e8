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
//!    counterpart of Ignition's marker, with the previous contents it keeps for a rollback
//!    (`/var/lib/mcc/backup/`): removed from trees B and C.
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

mod summary;
mod tools;
mod tree;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use summary::{Outcome, Summary, check, print_summary};
use tools::{mcc, missing_requirements, run, say, text};
use tree::{Tree, diff, overlay, remove_mapped, skeleton, snapshot};

const IGNITION: &str = "/usr/lib/dracut/modules.d/30ignition/ignition";
const BASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000000";
const EXTENSIONS_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1111111111111111111111111111111111111111111111111111111111111111";
/// The version Ignition 2.14 gets the rendered 3.5.0 config as.
const ORACLE_VERSION: &str = "3.4.0-experimental";

const PRESET: &str = "/etc/systemd/system-preset/20-ignition.preset";
const IGNITION_RESULT: &str = "/etc/.ignition-result.json";
const APPLY_JOURNAL: &str = "/var/lib/mcc/apply-journal.json";
const APPLY_BACKUPS: &str = "/var/lib/mcc/backup";
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
        // The contents the journal keeps for a rollback first: removing the journal removes the
        // directories it leaves empty.
        let backups = root.join(APPLY_BACKUPS.trim_start_matches('/'));
        for entry in fs::read_dir(&backups).into_iter().flatten() {
            let name = entry.unwrap().file_name();
            remove_mapped(root, &format!("{APPLY_BACKUPS}/{}", name.to_string_lossy()), skeleton);
        }
        remove_mapped(root, APPLY_JOURNAL, skeleton);
        summary.map("3. mcc's apply journal (and the contents it keeps for a rollback) removed");
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
#[expect(clippy::too_many_lines, reason = "one end-to-end scenario: both sides built, then compared")]
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
