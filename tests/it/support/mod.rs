//! Helpers shared by the integration tests that run the real `mcc` binary.
//!
//! Each test crate uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The root package's directory: the binary runs from here, so relative fixture paths in its
/// output are stable (`tests/fixtures/broken/...`).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of `mcc` produced.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics unless the exit code is `code`, showing everything the run printed.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }

    /// The run's stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs the real `mcc` binary from the package root, without colours, with `stdin` as input
/// (empty when `None`).
pub fn mcc(args: &[&str], stdin: Option<&str>) -> Run {
    mcc_in(root(), args, stdin)
}

/// Like [`mcc`], from another working directory.
pub fn mcc_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mcc binary runs");
    {
        // Dropping the handle closes stdin, so a `-` input sees end of file.
        // mcc may exit (a usage error) without reading it: a broken pipe is fine then.
        let mut input = child.stdin.take().expect("stdin is piped");
        if let Err(error) = input.write_all(stdin.unwrap_or("").as_bytes()) {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing mcc's stdin: {error}");
        }
    }
    let output = child.wait_with_output().expect("mcc finishes");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// 1-based line and column (in characters, as the JSON output documents) of a byte offset,
/// computed here independently of mcc.
pub fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u64, column as u64)
}

/// The byte offset of the `nth` (0-based) occurrence of `needle` in `text`.
#[track_caller]
pub fn nth_offset(text: &str, needle: &str, nth: usize) -> usize {
    text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` occurs fewer than {} times", nth + 1)).0
}

/// The diagnostics of a `check --format json` report.
#[track_caller]
pub fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"].as_array().unwrap_or_else(|| panic!("`diagnostics` is not an array: {report:#}"))
}

/// The diagnostics with `code`.
pub fn with_code<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    diagnostics(report).iter().filter(|d| d["code"] == code).collect()
}

/// The one diagnostic with `code`; panics if there is not exactly one.
#[track_caller]
pub fn only<'a>(report: &'a Value, code: &str) -> &'a Value {
    let found = with_code(report, code);
    assert_eq!(found.len(), 1, "expected exactly one {code} diagnostic in {report:#}");
    found[0]
}

/// A location's `(line, column)`.
#[track_caller]
pub fn start_of(location: &Value) -> (u64, u64) {
    let field =
        |key: &str| location[key].as_u64().unwrap_or_else(|| panic!("location has no numeric `{key}`: {location:#}"));
    (field("line"), field("column"))
}

/// A location's `(end_line, end_column)`.
#[track_caller]
pub fn end_of(location: &Value) -> (u64, u64) {
    let field =
        |key: &str| location[key].as_u64().unwrap_or_else(|| panic!("location has no numeric `{key}`: {location:#}"));
    (field("end_line"), field("end_column"))
}

/// The sorted regular files of a directory.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// `text` with every regex metacharacter escaped, for insta filters.
pub fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(path.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
