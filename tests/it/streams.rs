//! stdout and stderr: each is coloured only when it is itself a terminal, a write error on
//! stdout exits 3 with a message, a closed pipe (`mcc … | head`) ends the run quietly, and a
//! failed run prints no result.

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

/// An error (MCC1005): `render` reports it on stderr and prints an empty list on stdout.
const BROKEN: &str = "tests/fixtures/broken/relative-path.yaml";

/// A pseudo-terminal: the master to read what was written, and the terminal end to hand out.
fn pty() -> (File, File) {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = File::options().read(true).write(true).open(name.to_str().expect("a UTF-8 name")).expect("pts");
    (File::from(master), terminal)
}

/// `mcc` with colour allowed (no `NO_COLOR`), its streams as given.
fn spawn(args: &[&str], stdout: Stdio, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(args)
        .current_dir(crate::support::root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("the mcc binary runs")
}

/// Everything written to a pseudo-terminal whose other end is closed.
fn drain(mut master: File) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    // Linux reports the closed end as EIO, not as end of file.
    while let Ok(n) = master.read(&mut buffer) {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn diagnostics_on_stderr_are_not_coloured_because_stdout_is_a_terminal() {
    let (master, terminal) = pty();
    let child = spawn(&["render", BROKEN], Stdio::from(terminal), Stdio::piped());
    let output = child.wait_with_output().expect("mcc finishes");
    drop(master);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("MCC1005"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "stderr is a pipe, yet coloured:\n{stderr}");
}

#[test]
fn diagnostics_on_a_terminal_stderr_are_coloured_whatever_stdout_is() {
    let (master, terminal) = pty();
    let child = spawn(&["render", BROKEN], Stdio::piped(), Stdio::from(terminal));
    let output = child.wait_with_output().expect("mcc finishes");
    let stderr = drain(master);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("MCC1005"), "{stderr}");
    assert!(stderr.contains('\x1b'), "stderr is a terminal, yet not coloured:\n{stderr}");
}

#[test]
fn a_full_disk_on_stdout_exits_3_with_a_message() {
    let Ok(full) = File::options().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full");
        return;
    };
    for args in [&["render", "examples/cluster/before"][..], &["check", "--format", "json", "examples/cluster/before"]]
    {
        let stdout = Stdio::from(full.try_clone().expect("a second handle"));
        let output = spawn(args, stdout, Stdio::piped()).wait_with_output().expect("mcc finishes");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "mcc {args:?}: {stderr}");
        assert!(stderr.starts_with("error: cannot write the output: No space left on device"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // 400 relative paths: far more diagnostics than a pipe holds, so mcc is still writing when
    // the reader goes away.
    let files: String = (0..400).map(|i| format!("        - path: etc/relative-{i}.conf\n")).collect();
    let input = format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-many\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n{files}"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(["check", "--format", "json", "-"])
        .current_dir(crate::support::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mcc binary runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("mcc reads its input");
    // `| head -c1`: one byte, then the pipe is closed.
    let mut stdout = child.stdout.take().expect("stdout");
    stdout.read_exact(&mut [0u8; 1]).expect("a first byte");
    drop(stdout);
    let output = child.wait_with_output().expect("mcc finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_failed_render_prints_no_list() {
    let run = crate::support::mcc(&["render", BROKEN], None);
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("MCC1005"), "{run}");
    let run = crate::support::mcc(&["render", "--format", "json", "tests/fixtures/no-such-file.yaml"], None);
    run.expect_code(3);
    assert!(run.stdout.is_empty(), "{run}");
}
