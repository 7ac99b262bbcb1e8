//! Proof with systemd's own tools that relocation (`--relocate`) changes where files live, not
//! what a node reads.
//!
//! For every comparable configuration — each file of the real corpus (`../shared/corpus/real`)
//! that compiles, and `tests/fixtures/relocate`, which exercises every stdlib `relocate` rule —
//! both trees of each pool are built as a node would hold them: the image layer
//! (`context/layer.tar`) extracted onto a small root, then the node-side steps applied with
//! `mcc apply --root`. One tree is compiled with `--relocate none`, the other with `all` (and
//! `mco` for the fixture). Then, against each root:
//!
//! - `systemd-analyze --root=ROOT cat-config FAMILY` for every drop-in family a rule covers, and
//!   for every relocated file by its own name (`sysctl.d/40-x.conf`, `systemd/network/x.link`);
//! - `systemd-analyze --root=ROOT cat-config systemd/system/UNIT` (the unit file and all its
//!   dropins, in systemd's order) and `systemctl --root=ROOT is-enabled UNIT` for every unit;
//! - the units each `.wants`/`.requires` directory pulls in, over /etc and /usr/lib.
//!
//! The outputs must be the same once the header lines (`# /ROOT/usr/lib/sysctl.d/40-x.conf`) are
//! reduced to the file's name below its family's directory; any other difference fails. One
//! difference is expected and asserted exactly: `systemctl is-enabled` reports `enabled` only for
//! links in /etc or /run, so a unit an image enables from /usr/lib reads `disabled` while it is
//! pulled in at boot exactly as before (docs/relocation.md says so).
//!
//! Needs root (`mcc apply` chowns files), `systemd-analyze`, `systemctl` and `tar`; skipped
//! without them, except in CI (`CI` set), where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::apply_support::{BASE_IMAGE, apply, is_root, skeleton};
use crate::support::{files_in, mcc, root};

/// The families compared in every tree, as `systemd-analyze cat-config` names them.
const FAMILIES: &[&str] = &[
    "sysctl.d",
    "modprobe.d",
    "modules-load.d",
    "tmpfiles.d",
    "sysusers.d",
    "binfmt.d",
    "udev/rules.d",
    "NetworkManager/conf.d",
    "systemd/system.conf",
    "systemd/journald.conf",
    "systemd/logind.conf",
];

/// Unit suffixes with a unit file.
const UNIT_SUFFIXES: &[&str] =
    &[".service", ".socket", ".timer", ".path", ".target", ".slice", ".mount", ".automount", ".swap"];

fn can_run(test: &str) -> bool {
    let missing: Vec<&str> = ["systemd-analyze", "systemctl", "tar"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("--version").output().is_err())
        .collect();
    let problem = match (missing.is_empty(), is_root()) {
        (true, true) => return true,
        (false, _) => format!("it needs {} (the Debian package systemd, and tar)", missing.join(", ")),
        (true, false) => "it needs root (mcc apply chowns files)".to_string(),
    };
    assert!(std::env::var_os("CI").is_none(), "{test}: {problem}, and CI is set");
    eprintln!("skipped {test}: {problem}; with CI set this fails");
    false
}

/// One pool's tree, as a node holds it.
struct Tree {
    root: PathBuf,
    /// Every relocated layer entry: `(from, to)`.
    relocated: Vec<(String, String)>,
    /// Layer entries under /etc (files and links), for the before/after figures.
    etc_entries: usize,
}

/// Compiles `inputs` with `--relocate MODE` and builds each pool's tree under `work/MODE`;
/// `None` when compile refuses the inputs, compiles no pool, or `mcc apply` refuses a step.
fn build(inputs: &[&str], mode: &str, work: &Path) -> Option<BTreeMap<String, Tree>> {
    let out = work.join(format!("out-{mode}"));
    let mut args = vec!["compile"];
    args.extend_from_slice(inputs);
    args.extend(["--out", out.to_str().unwrap(), "--base-image", BASE_IMAGE, "--relocate", mode]);
    let run = mcc(&args, None);
    if run.code != Some(0) {
        return None;
    }
    let mut trees = BTreeMap::new();
    // Nothing to compare when no pool was compiled (the inputs select none).
    let Ok(pools) = std::fs::read_dir(&out) else { return None };
    for entry in pools {
        let pool_dir = entry.unwrap().path();
        let pool = pool_dir.file_name().unwrap().to_str().unwrap().to_string();
        let tree_root = work.join(format!("root-{mode}-{pool}"));
        std::fs::create_dir_all(&tree_root).unwrap();
        skeleton(&tree_root);
        let tar = Command::new("tar")
            .arg("-xf")
            .arg(pool_dir.join("context/layer.tar"))
            .arg("-C")
            .arg(&tree_root)
            .output()
            .unwrap();
        assert!(tar.status.success(), "tar -xf {pool_dir:?}: {}", String::from_utf8_lossy(&tar.stderr));
        // A node-side step no RHCOS root can take (a file at /home/core, which is a directory)
        // fails on a node as well: such a configuration is not comparable.
        if apply(&pool_dir, &tree_root, &[], &[]).code != Some(0) {
            return None;
        }
        let plan: Value = serde_json::from_slice(&std::fs::read(pool_dir.join("layer-plan.json")).unwrap()).unwrap();
        let entries = plan["entries"].as_array().unwrap();
        let relocated = entries
            .iter()
            .filter_map(|e| Some((e["relocatedFrom"].as_str()?.to_string(), e["path"].as_str()?.to_string())))
            .collect();
        let etc_entries = entries
            .iter()
            .filter(|e| e["type"] != "directory" && e["path"].as_str().is_some_and(|p| p.starts_with("/etc/")))
            .count();
        trees.insert(pool, Tree { root: tree_root, relocated, etc_entries });
    }
    Some(trees)
}

/// `(exit code, stdout)` of a command, its header lines reduced to the name below the family's
/// directory so that /etc and /usr/lib copies compare equal.
fn normalized(program: &str, args: &[&str], root: &Path) -> (Option<i32>, String) {
    let output = Command::new(program).arg(format!("--root={}", root.display())).args(args).output().unwrap();
    let prefix = format!("# {}/", root.display());
    let text = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| match line.strip_prefix(&prefix) {
            Some(path) => format!("# {}", family_relative(path)),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (output.status.code(), text)
}

/// `usr/lib/sysctl.d/40-x.conf` and `etc/sysctl.d/40-x.conf` → `sysctl.d/40-x.conf`.
fn family_relative(path: &str) -> &str {
    ["etc/", "run/", "usr/local/lib/", "usr/lib/", "lib/"].iter().find_map(|p| path.strip_prefix(p)).unwrap_or(path)
}

/// The unit names in either tree's unit directories, and the ones their links name.
fn units(roots: &[&Path]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for root in roots {
        for dir in ["etc/systemd/system", "usr/lib/systemd/system"] {
            let Ok(read) = std::fs::read_dir(root.join(dir)) else { continue };
            for entry in read {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                    names.insert(name);
                }
            }
        }
    }
    names
}

/// For every `X.wants`/`X.requires` directory, the units it pulls in (its links' names, over
/// /etc and /usr/lib): what the unit manager adds to the boot transaction.
fn dependencies(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for dir in ["etc/systemd/system", "usr/lib/systemd/system"] {
        let Ok(read) = std::fs::read_dir(root.join(dir)) else { continue };
        for entry in read {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && (name.ends_with(".wants") || name.ends_with(".requires")) {
                let links =
                    std::fs::read_dir(&path).unwrap().map(|l| l.unwrap().file_name().to_string_lossy().into_owned());
                out.entry(name).or_default().extend(links);
            }
        }
    }
    out
}

/// What one configuration's comparison counted.
#[derive(Default)]
struct Counts {
    relocated: usize,
    cat_configs: usize,
    units: usize,
    etc_before: usize,
    etc_after: usize,
}

/// Compares two trees of one pool; every difference is a line of `problems`.
fn compare(what: &str, plain: &Tree, moved: &Tree, counts: &mut Counts, problems: &mut Vec<String>) {
    let mut queries: BTreeSet<String> = FAMILIES.iter().map(|f| f.to_string()).collect();
    for (from, _) in &moved.relocated {
        queries.insert(from.trim_start_matches("/etc/").to_string());
    }
    let unit_names = units(&[&plain.root, &moved.root]);
    for unit in &unit_names {
        queries.insert(format!("systemd/system/{unit}"));
    }
    for query in &queries {
        let (a, b) = (
            normalized("systemd-analyze", &["cat-config", query], &plain.root),
            normalized("systemd-analyze", &["cat-config", query], &moved.root),
        );
        if a != b {
            problems.push(format!("{what}: cat-config {query} differs:\n--- without ---\n{a:?}\n--- with ---\n{b:?}"));
        }
        counts.cat_configs += 1;
    }
    let relocated_units: BTreeSet<&str> =
        moved.relocated.iter().filter_map(|(from, _)| from.strip_prefix("/etc/systemd/system/")).collect();
    for unit in &unit_names {
        let a = normalized("systemctl", &["is-enabled", unit], &plain.root);
        let b = normalized("systemctl", &["is-enabled", unit], &moved.root);
        // systemd counts only /etc and /run links as `enabled`: a unit enabled from /usr/lib
        // reads `disabled` (exit 1) while the boot transaction pulls it in as before.
        let expected = if relocated_units.contains(unit.as_str()) && a.1 == "enabled" {
            (Some(1), "disabled".to_string())
        } else {
            a.clone()
        };
        if b != expected {
            problems.push(format!("{what}: is-enabled {unit}: {a:?} without relocation, {b:?} with"));
        }
        counts.units += 1;
    }
    let (a, b) = (dependencies(&plain.root), dependencies(&moved.root));
    if a != b {
        problems.push(format!("{what}: the units .wants/.requires pull in differ:\n{a:?}\n{b:?}"));
    }
    counts.relocated += moved.relocated.len();
    counts.etc_before += plain.etc_entries;
    counts.etc_after += moved.etc_entries;
}

/// Builds and compares the trees of one configuration; false when it is not comparable (compile
/// or apply refuses it), which must then hold for every mode.
fn prove(what: &str, inputs: &[&str], modes: &[&str], counts: &mut Counts, problems: &mut Vec<String>) -> bool {
    let work = tempfile::tempdir().unwrap();
    let Some(plain) = build(inputs, "none", work.path()) else {
        for mode in modes {
            if build(inputs, mode, work.path()).is_some() {
                problems.push(format!("{what}: builds with --relocate {mode} but not without"));
            }
        }
        return false;
    };
    for mode in modes {
        let Some(moved) = build(inputs, mode, work.path()) else {
            problems.push(format!("{what}: builds without relocation but not with --relocate {mode}"));
            continue;
        };
        for (pool, tree) in &plain {
            match moved.get(pool) {
                Some(other) => compare(&format!("{what} [{pool}, --relocate {mode}]"), tree, other, counts, problems),
                None => problems.push(format!("{what}: pool {pool} is missing with --relocate {mode}")),
            }
        }
    }
    true
}

#[test]
fn relocation_changes_no_effective_configuration_of_the_fixture() {
    if !can_run("relocation_changes_no_effective_configuration_of_the_fixture") {
        return;
    }
    let fixture = root().join("tests/fixtures/relocate");
    let (mut counts, mut problems) = (Counts::default(), Vec::new());
    assert!(prove(
        "tests/fixtures/relocate",
        &[fixture.to_str().unwrap()],
        &["mco", "all"],
        &mut counts,
        &mut problems
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // Every stdlib rule has a file in the fixture. `all` moves 35 entries: 00-worker's 17 files
    // and 13 units and dropins, and the user's sysctl and udev files, unit, and two dropins (not
    // its rebootless modules-load.d file, nor registries.conf.d, nor the mask). `mco` moves the
    // 29 the MCO's generated MachineConfig alone defines: not the sysctl file 99-worker-override
    // overrides (a user's dropin on an MCO unit leaves the unit the MCO's).
    assert_eq!(counts.relocated, 29 + 35, "relocated entries over both modes");
    eprintln!(
        "relocation proof, fixture: {} relocated entries, {} cat-config and {} is-enabled comparisons; files and links in the image's /etc: {} -> {}",
        counts.relocated, counts.cat_configs, counts.units, counts.etc_before, counts.etc_after
    );
}

#[test]
fn relocation_changes_no_effective_configuration_of_the_real_corpus() {
    if !can_run("relocation_changes_no_effective_configuration_of_the_real_corpus") {
        return;
    }
    let corpus = root().join("../shared/corpus/real");
    let files: Vec<PathBuf> =
        files_in(&corpus).into_iter().filter(|p| p.file_name().is_some_and(|n| n != "MANIFEST.tsv")).collect();
    assert!(!files.is_empty(), "no corpus in {}", corpus.display());
    let (mut counts, mut problems, mut compared) = (Counts::default(), Vec::new(), 0);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        compared += usize::from(prove(&name, &[file.to_str().unwrap()], &["all"], &mut counts, &mut problems));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(compared > 0 && counts.relocated > 0, "the corpus must give comparable configurations with relocations");
    eprintln!(
        "relocation proof, real corpus: {compared} of {} configurations compared, {} relocated entries, {} cat-config and {} is-enabled comparisons; files and links in the image's /etc: {} -> {}",
        files.len(),
        counts.relocated,
        counts.cat_configs,
        counts.units,
        counts.etc_before,
        counts.etc_after
    );
}

/// The figures `examples/relocate/README.md` gives: files and links baked into the image's /etc,
/// and entries relocated into /usr, for each `--relocate` mode.
#[test]
fn the_example_pool_shrinks_the_images_etc_as_its_readme_says() {
    let work = tempfile::tempdir().unwrap();
    let mut figures = Vec::new();
    for mode in ["none", "mco", "all"] {
        let out = work.path().join(mode);
        let args = ["compile", "examples/relocate", "--out", out.to_str().unwrap(), "--base-image", BASE_IMAGE];
        let run = mcc(&[&args[..], &["--relocate", mode]].concat(), None);
        assert_eq!(run.code, Some(0), "{run}");
        let plan: Value = serde_json::from_slice(&std::fs::read(out.join("worker/layer-plan.json")).unwrap()).unwrap();
        let entries: Vec<&Value> =
            plan["entries"].as_array().unwrap().iter().filter(|e| e["type"] != "directory").collect();
        let in_etc = entries.iter().filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("/etc/"))).count();
        let relocated = entries.iter().filter(|e| e.get("relocatedFrom").is_some()).count();
        figures.push((mode, in_etc, relocated));
    }
    assert_eq!(figures, [("none", 19, 0), ("mco", 6, 11), ("all", 4, 13)]);
}

#[test]
fn relocation_changes_no_effective_configuration_of_the_example() {
    if !can_run("relocation_changes_no_effective_configuration_of_the_example") {
        return;
    }
    let (mut counts, mut problems) = (Counts::default(), Vec::new());
    assert!(prove("examples/relocate", &["examples/relocate"], &["mco", "all"], &mut counts, &mut problems));
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert_eq!(counts.relocated, 11 + 13);
}
