//! Which files the commands read: the same rule for a directory on disk and at a git revision,
//! and never mcc's own outputs. Regression fixtures of issue 11.

use std::path::Path;
use std::process::Command;

use crate::support::{mcc_in, root};

const AFTER: &str = "examples/cluster/after";

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git").current_dir(repo).args(args).status().unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A scratch repository with the example cluster committed in `cluster/`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir(repo.join("cluster")).unwrap();
    for entry in std::fs::read_dir(root().join(AFTER)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), repo.join("cluster").join(entry.file_name())).unwrap();
    }
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["config", "user.email", "test@example.com"]);
    git(repo, &["config", "user.name", "test"]);
    dir
}

fn commit(repo: &Path) {
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "state"]);
}

/// The changes of every pool in a JSON plan.
fn changes(repo: &Path, from: &str) -> Vec<serde_json::Value> {
    let run = mcc_in(repo, &["plan", "--from", from, "--to", "cluster", "--format", "json"], None);
    run.expect_code(0);
    run.json()["pools"].as_array().unwrap().iter().flat_map(|p| p["changes"].as_array().unwrap().clone()).collect()
}

#[test]
fn a_git_side_skips_hidden_directories_as_the_filesystem_side_does() {
    let dir = repository();
    let repo = dir.path();
    let hidden = repo.join("cluster/.archive");
    std::fs::create_dir(&hidden).unwrap();
    let chrony = std::fs::read_to_string(repo.join("cluster/99-worker-chrony.yaml")).unwrap();
    let archived = chrony
        .replace("name: 99-worker-chrony", "name: 98-archived-chrony")
        .replace("/etc/chrony.conf", "/etc/old-chrony.conf");
    std::fs::write(hidden.join("98-archived-chrony.yaml"), archived).unwrap();
    commit(repo);
    assert_eq!(changes(repo, "git:HEAD"), Vec::<serde_json::Value>::new(), "both sides read the same files");
    assert_eq!(changes(repo, "git:HEAD:cluster"), Vec::<serde_json::Value>::new());
}

#[test]
fn check_after_compile_reads_the_same_files() {
    let dir = repository();
    let repo = dir.path();
    let before = mcc_in(repo, &["check", ".", "--format", "json"], None);
    let base = "quay.io/example/rhcos@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    mcc_in(repo, &["compile", "cluster", "--out", "build", "--base-image", base], None).expect_code(0);
    assert!(repo.join("build/worker/layer-plan.json").is_file());
    let after = mcc_in(repo, &["check", ".", "--format", "json"], None);
    assert_eq!(after.stdout, before.stdout);
}

#[test]
fn exclude_leaves_out_matching_entries_on_both_sides() {
    let dir = repository();
    let repo = dir.path();
    std::fs::create_dir(repo.join("cluster/drafts")).unwrap();
    std::fs::write(repo.join("cluster/drafts/99-draft.yaml"), "kind: MachineConfig\nmetadata: {name: 99-draft}\n")
        .unwrap();
    commit(repo);
    let errors = |args: &[&str]| mcc_in(repo, args, None).json()["summary"]["errors"].as_u64().unwrap();
    assert!(errors(&["check", "cluster", "--format", "json"]) > 0, "the draft is read without --exclude");
    assert_eq!(errors(&["check", "cluster", "--format", "json", "--exclude", "drafts/**"]), 0);
    assert_eq!(errors(&["check", "cluster", "--format", "json", "--exclude", "99-draft.yaml"]), 0);
    let run = mcc_in(
        repo,
        &["plan", "--from", "git:HEAD", "--to", "cluster", "--format", "json", "--exclude", "drafts/**"],
        None,
    );
    run.expect_code(0);
}
