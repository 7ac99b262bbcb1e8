//! Directory inputs as a hostile pull request commits them: symlinks out of the tree, a FIFO,
//! a device, a file of gigabytes, and mcc's own outputs. Each test is the regression fixture of
//! a defect in issue 11.

use std::fs;
use std::time::Duration;

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::load::InputPath;

const MACHINE_CONFIG: &str = include_str!("../../examples/cluster/after/99-worker-chrony.yaml");

fn repository() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::try_from(dir.path().to_path_buf()).unwrap();
    fs::create_dir(root.join("repo")).unwrap();
    fs::write(root.join("repo/99-worker-chrony.yaml"), MACHINE_CONFIG).unwrap();
    (dir, root)
}

/// The names of the files read, and every diagnostic as `CODE subject` (but MCC0011, "no
/// MachineConfig found", which a run that reads nothing also says).
fn check(path: &Utf8Path) -> (Vec<String>, Vec<String>) {
    let c = mcc_compiler::load(&[InputPath::Path(path.to_path_buf())], &[], &mut || Ok(String::new()));
    let read = c.sources.iter().map(|(_, f)| f.name.file_name().unwrap().to_string()).collect();
    let diagnostics = c
        .diagnostics
        .iter()
        .filter(|d| d.code.code != "MCC0011")
        .map(|d| format!("{} {}", d.code.code, d.subject.as_deref().map_or("", |s| s.rsplit('/').next().unwrap())))
        .collect();
    (read, diagnostics)
}

/// Runs `check` on a thread and fails if it does not return soon: the defects were hangs.
fn check_soon(path: &Utf8Path) -> (Vec<String>, Vec<String>) {
    let path = path.to_path_buf();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(check(&path)));
    receive.recv_timeout(Duration::from_secs(20)).expect("reading the inputs hangs")
}

#[test]
fn a_symlink_to_a_file_outside_the_directory_is_not_read() {
    let (_dir, root) = repository();
    fs::write(root.join("secret.yaml"), "kind: Secret\ndata: {token: hunter2}\n").unwrap();
    std::os::unix::fs::symlink(root.join("secret.yaml"), root.join("repo/innocent.yaml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", root.join("repo/environ.yaml")).unwrap();
    let (read, diagnostics) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml"]);
    assert_eq!(diagnostics, ["MCC0016 environ.yaml", "MCC0016 innocent.yaml"]);
}

#[test]
fn a_symlink_to_a_file_inside_the_directory_is_read() {
    let (_dir, root) = repository();
    std::os::unix::fs::symlink("99-worker-chrony.yaml", root.join("repo/link.yaml")).unwrap();
    let (read, _) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml", "link.yaml"]);
}

#[test]
fn a_symlink_to_dev_zero_is_not_read() {
    let (_dir, root) = repository();
    std::os::unix::fs::symlink("/dev/zero", root.join("repo/zero.yaml")).unwrap();
    let (read, diagnostics) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml"]);
    assert_eq!(diagnostics, ["MCC0016 zero.yaml"]);
}

#[test]
fn a_fifo_in_a_directory_is_refused_without_blocking() {
    let (_dir, root) = repository();
    let made = std::process::Command::new("mkfifo").arg(root.join("repo/x.yaml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let (read, diagnostics) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml"]);
    assert_eq!(diagnostics, ["MCC0017 x.yaml"]);
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let (_dir, root) = repository();
    let huge = fs::File::create(root.join("repo/huge.yaml")).unwrap();
    huge.set_len(mcc_compiler::load::file::MAX_INPUT_SIZE + 1).unwrap();
    let (read, diagnostics) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml"]);
    assert_eq!(diagnostics, ["MCC0018 huge.yaml"]);
    let (_, named) = check_soon(&root.join("repo/huge.yaml"));
    assert_eq!(named, ["MCC0018 huge.yaml"]);
}

#[test]
fn a_named_device_is_read_only_up_to_the_limit() {
    let (_, diagnostics) = check_soon(Utf8Path::new("/dev/zero"));
    assert_eq!(diagnostics, ["MCC0018 zero"]);
}

#[test]
fn the_documents_mcc_compile_writes_are_not_read_back() {
    let (_dir, root) = repository();
    fs::create_dir_all(root.join("repo/build/worker")).unwrap();
    let plan = "{\n  \"schema\": \"mcc.layer-plan/v1\",\n  \"pool\": \"worker\"\n}\n";
    fs::write(root.join("repo/build/worker/layer-plan.json"), plan).unwrap();
    let actions = "{\"schema\":\"mcc.node-actions/v1\",\"pool\":\"worker\",\"steps\":[]}";
    fs::write(root.join("repo/build/worker/node-actions.json"), actions).unwrap();
    let (read, diagnostics) = check_soon(&root.join("repo"));
    assert_eq!(read, ["99-worker-chrony.yaml"]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

/// `.mcc/*.mcc` is part of its directory input: a policy file's syntax error prints its text,
/// so a committed symlink to a secret must not be followed, nor a FIFO opened.
#[test]
fn site_policy_files_follow_the_rules_of_their_directory_input() {
    let (_dir, root) = repository();
    fs::create_dir(root.join("repo/.mcc")).unwrap();
    fs::write(root.join("secret"), "token hunter2\n").unwrap();
    fs::write(root.join("repo/.mcc/kept.mcc"), "lint SITE0001 off\n").unwrap();
    std::os::unix::fs::symlink("kept.mcc", root.join("repo/.mcc/link.mcc")).unwrap();
    std::os::unix::fs::symlink(root.join("secret"), root.join("repo/.mcc/a-secret.mcc")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", root.join("repo/.mcc/environ.mcc")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("repo/.mcc/zero.mcc")).unwrap();
    let huge = fs::File::create(root.join("repo/.mcc/huge.mcc")).unwrap();
    huge.set_len(mcc_compiler::load::file::MAX_INPUT_SIZE + 1).unwrap();
    let made = std::process::Command::new("mkfifo").arg(root.join("repo/.mcc/fifo.mcc")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let repo = root.join("repo");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut diagnostics = Vec::new();
        let site = mcc_compiler::load::site::read(&[InputPath::Path(repo)], &[], &mut diagnostics);
        send.send((site, diagnostics))
    });
    let (site, diagnostics) = receive.recv_timeout(Duration::from_secs(20)).expect("reading the policies hangs");
    let read: Vec<&str> = site.files.iter().map(|f| f.path.file_name().unwrap()).collect();
    assert_eq!(read, ["kept.mcc", "link.mcc"]);
    let diagnostics: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.code, d.subject.as_deref().map_or("", |s| s.rsplit('/').next().unwrap())))
        .collect();
    assert_eq!(
        diagnostics,
        ["MCC0016 a-secret.mcc", "MCC0016 environ.mcc", "MCC0017 fifo.mcc", "MCC0018 huge.mcc", "MCC0016 zero.mcc"]
    );
    assert!(!site.unreadable, "refused files are reported, not unreadable");
}
