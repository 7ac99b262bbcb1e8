//! Running mcc and the tools, and what the test needs of the machine.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::ignition_equivalence::IGNITION;

pub(crate) fn run(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

pub(crate) fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub(crate) fn mcc(args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_mcc")).args(args).env("NO_COLOR", "1").env_remove("MCC_APPLY_CRASH_AFTER"))
}

pub(crate) fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(tool).is_file()))
}

pub(crate) fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().expect("a temporary file");
    probe.as_file().metadata().expect("its metadata").uid() == 0
}

/// What is missing to run the test.
pub(crate) fn missing_requirements() -> Vec<String> {
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
pub(crate) fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}
