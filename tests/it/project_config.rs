//! `.mcc/config.toml`: the defaults a team shares, found at the inputs' root or the git root;
//! check, plan and compile read the same file, flags win, and its problems are diagnostics.

use std::path::Path;

use crate::support::{mcc_in, only, root, start_of};

const AFTER: &str = "examples/cluster/after";
const IMAGE: &str = "quay.io/openshift/rhcos@sha256:0000000000000000000000000000000000000000000000000000000000000001";
const FLAG_IMAGE: &str =
    "quay.io/openshift/rhcos@sha256:0000000000000000000000000000000000000000000000000000000000000002";

/// A repository (a `.git` directory) with the example's new state in `cluster/` and `config` as
/// its `.mcc/config.toml`.
fn repository(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join(".mcc")).unwrap();
    std::fs::create_dir_all(repo.join("cluster")).unwrap();
    for entry in std::fs::read_dir(root().join(AFTER)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), repo.join("cluster").join(entry.file_name())).unwrap();
    }
    std::fs::write(repo.join(".mcc/config.toml"), config).unwrap();
    dir
}

fn header(repo: &Path, extra: &[&str]) -> String {
    let mut args = vec!["plan", "--from", "none", "--to", "cluster"];
    args.extend(extra);
    let run = mcc_in(repo, &args, None);
    run.stdout.lines().next().unwrap_or_default().to_string()
}

#[test]
fn plan_takes_its_defaults_from_the_file_and_flags_win() {
    let dir = repository("target = \"legacy\"\nocp-version = \"4.16\"\nprofile = \"fcos\"\n");
    let repo = dir.path();
    assert_eq!(header(repo, &[]), "mcc plan: none -> cluster (target legacy, profile fcos, OpenShift 4.16)");
    assert_eq!(
        header(repo, &["--target", "bootc", "--ocp-version", "4.18"]),
        "mcc plan: none -> cluster (target bootc, profile fcos, OpenShift 4.18)"
    );
    // Run from a subdirectory of the repository: the git root's file still applies.
    std::fs::create_dir_all(repo.join("cluster/sub")).unwrap();
    let run = mcc_in(&repo.join("cluster/sub"), &["plan", "--to", "..", "--format", "json"], None);
    assert_eq!(run.json()["target"], "legacy");
}

#[test]
fn compile_takes_the_base_image_from_the_file_and_the_flag_wins() {
    let dir = repository(&format!("base-image = \"{IMAGE}\"\n"));
    let repo = dir.path();
    mcc_in(repo, &["compile", "cluster", "--out", "out"], None).expect_code(0);
    let plan = std::fs::read_to_string(repo.join("out/worker/layer-plan.json")).unwrap();
    assert!(plan.contains(IMAGE), "{plan}");
    mcc_in(repo, &["compile", "cluster", "--out", "out2", "--base-image", FLAG_IMAGE], None).expect_code(0);
    let plan = std::fs::read_to_string(repo.join("out2/worker/layer-plan.json")).unwrap();
    assert!(plan.contains(FLAG_IMAGE) && !plan.contains(IMAGE), "{plan}");
}

#[test]
fn check_ignores_the_files_codes_and_excludes_its_globs() {
    let dir = repository("ignore = [\"MCC0006\"]\nexclude = [\"scratch/**\"]\n");
    let repo = dir.path();
    let octal = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-octal\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n        - path: /etc/octal.conf\n          mode: 0644\n          contents:\n            source: data:,x\n";
    std::fs::write(repo.join("cluster/99-worker-octal.yaml"), octal).unwrap();
    std::fs::create_dir_all(repo.join("cluster/scratch")).unwrap();
    std::fs::write(repo.join("cluster/scratch/broken.yaml"), "kind: [").unwrap();
    let run = mcc_in(repo, &["check", "cluster", "--format", "json"], None);
    run.expect_code(0);
    let report = run.json();
    assert!(crate::support::with_code(&report, "MCC0006").is_empty(), "{report:#}");
    assert!(crate::support::with_code(&report, "MCC0002").is_empty(), "the excluded file was read: {report:#}");
    // Without the file, both are reported.
    std::fs::remove_file(repo.join(".mcc/config.toml")).unwrap();
    let report = mcc_in(repo, &["check", "cluster", "--format", "json"], None).json();
    assert_eq!(crate::support::with_code(&report, "MCC0006").len(), 1);
    assert_eq!(crate::support::with_code(&report, "MCC0002").len(), 1);
}

#[test]
fn unknown_keys_and_bad_values_are_diagnostics_at_their_place() {
    let dir = repository("profile = \"rhcos\"\nocp_version = \"4.18\"\ntarget = \"ostree\"\n");
    let repo = dir.path();
    let run = mcc_in(repo, &["check", "cluster", "--format", "json"], None);
    run.expect_code(1);
    let report = run.json();
    let unknown = only(&report, "MCC0040");
    assert_eq!(unknown["severity"], "warning");
    assert!(unknown["location"]["file"].as_str().unwrap().ends_with(".mcc/config.toml"), "{unknown:#}");
    assert_eq!(start_of(&unknown["location"]), (2, 1));
    let invalid = only(&report, "MCC0041");
    assert_eq!(invalid["severity"], "error");
    assert_eq!(start_of(&invalid["location"]), (3, 10));
    assert!(invalid["message"].as_str().unwrap().contains("`ostree` is not a target"), "{invalid:#}");
    // plan reports them once, for the new side.
    let run = mcc_in(repo, &["plan", "--from", "cluster", "--to", "cluster"], None);
    assert_eq!(run.stderr.matches("MCC0040").count(), 1, "{}", run.stderr);
}

#[test]
fn plan_takes_the_cluster_dump_from_the_file_relative_to_the_repository() {
    let dir = repository("cluster = \"dump/cluster.yaml\"\n");
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("dump")).unwrap();
    std::fs::copy(root().join("examples/cluster-dump/cluster.yaml"), repo.join("dump/cluster.yaml")).unwrap();
    // From a subdirectory: the path is the repository's, not the working directory's.
    std::fs::create_dir_all(repo.join("cluster/sub")).unwrap();
    let run = mcc_in(&repo.join("cluster/sub"), &["plan", "--from", "cluster", "--to", "..", "--format", "json"], None);
    let json = run.json();
    let worker = json["pools"].as_array().unwrap().iter().find(|p| p["pool"] == "worker").unwrap();
    assert_eq!(worker["rollout"]["nodes"], 12, "{json:#}");
    assert_eq!(worker["from"].as_str().map(|f| f.starts_with("rendered-worker-")), Some(true), "{json:#}");
}

/// A worker MachineConfig `name` writing `/etc/PATH.conf`.
fn writes(name: &str, path: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n        - path: /etc/{path}.conf\n          mode: 420\n          contents:\n            source: data:,{path}\n"
    )
}

#[test]
fn a_git_side_reads_the_mcc_directory_of_its_own_revision() {
    // A real repository whose committed `.mcc/` differs from the work tree's: the committed
    // config (at the root) leaves 60-worker-b out and the committed policy (at the root of the
    // input, `cluster/.mcc/`) has an error lint; the work tree's have neither.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git").current_dir(repo).args(args).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.email", "test@example.com"]);
    git(&["config", "user.name", "test"]);
    std::fs::create_dir_all(repo.join("cluster/.mcc")).unwrap();
    std::fs::create_dir_all(repo.join(".mcc")).unwrap();
    std::fs::write(repo.join("cluster/50-worker-a.yaml"), writes("50-worker-a", "a")).unwrap();
    std::fs::write(repo.join("cluster/60-worker-b.yaml"), writes("60-worker-b", "b")).unwrap();
    let policy = |code: &str, level: &str| {
        format!("lint {code} {level} \"the policy of this revision\" {{\n  when source 50-*\n  help \"none\"\n}}\n")
    };
    std::fs::write(repo.join(".mcc/config.toml"), "exclude = [\"60-worker-b.yaml\"]\n").unwrap();
    std::fs::write(repo.join("cluster/.mcc/site.mcc"), policy("SITE0001", "error")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "before"]);
    std::fs::write(repo.join(".mcc/config.toml"), "").unwrap();
    std::fs::write(repo.join("cluster/.mcc/site.mcc"), policy("SITE0002", "warning")).unwrap();

    let run =
        mcc_in(repo, &["plan", "--from", "git:HEAD", "--to", "cluster", "--format", "json", "--diagnostics"], None);
    // Each side's lint, from its own policy file (the old side's findings are shown with
    // `--diagnostics`).
    let (old, new) = run.stderr.split_once("in the --from state:").map_or(("", ""), |(_, rest)| {
        let at = rest.find("SITE0002").unwrap_or(rest.len());
        rest.split_at(at)
    });
    assert!(old.contains("SITE0001") && !old.contains("SITE0002"), "{run}");
    assert!(new.contains("SITE0002") && !new.contains("SITE0001"), "{run}");
    // The old side left 60-worker-b out, as its own config says: the plan adds /etc/b.conf.
    let json = run.json();
    let changes: Vec<&str> = json["pools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["changes"].as_array().unwrap())
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(changes, ["/etc/b.conf"], "{json:#}");
}

/// A committed `.mcc/config.toml` that is a symlink out of the repository is not read: its syntax
/// error would print the target's text (a secret) into CI logs (issue 11).
#[test]
fn a_config_file_linked_out_of_the_repository_is_not_read() {
    let dir = repository("");
    let repo = dir.path();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "token hunter2\n").unwrap();
    std::fs::remove_file(repo.join(".mcc/config.toml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), repo.join(".mcc/config.toml")).unwrap();
    let run = mcc_in(repo, &["check", "cluster"], None);
    run.expect_code(3);
    assert!(run.stderr.contains("MCC0016") && run.stderr.contains("leads outside"), "{run}");
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"), "{run}");
    // A link that stays inside the repository is read as the file itself.
    std::fs::write(repo.join(".mcc/shared.toml"), "profile = \"rhcos\"\n").unwrap();
    std::fs::remove_file(repo.join(".mcc/config.toml")).unwrap();
    std::os::unix::fs::symlink("shared.toml", repo.join(".mcc/config.toml")).unwrap();
    mcc_in(repo, &["check", "cluster"], None).expect_code(0);
}
