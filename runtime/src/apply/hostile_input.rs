//! The root-confined resolver against a hostile tree: the entry point of the `resolver` fuzz
//! target in `fuzz/` and of the property test below.
//!
//! One input is a small script, a line a command:
//!
//! - `d PATH`: a directory made beneath the root (setup: `..`, `.` and empty components are
//!   dropped, so the setup itself never leaves the root);
//! - `l PATH TARGET`: a symlink made beneath the root with any target at all (absolute, `..`,
//!   loops, long chains: what a hostile image or an earlier writer can leave on a node);
//! - `r PATH` or `c PATH`: resolve PATH (a plan's path, validated as `mcc apply` validates it)
//!   without, or with, creating the missing directories; `f` instead of `r`/`c` follows a final
//!   symlink too.
//!
//! The root lies a few directories below a private temporary directory. Whatever the script,
//! [`resolve_script`] panics (so a fuzzer reports it) if a resolution hands back a directory that
//! is not beneath the root, or if anything outside the root changed: the two properties that
//! keep `mcc apply` inside ROOT.

use std::collections::BTreeSet;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::resolve::{Root, Walk, validate};

/// The most lines of a script that are run: a fuzzer's input stays small and quick.
const MAX_LINES: usize = 64;

/// Runs one script (see the module doc); returns how many resolutions succeeded.
///
/// # Panics
/// When a resolution escapes the root: that is a defect, which the fuzzer reports.
pub fn resolve_script(script: &[u8]) -> usize {
    let script = String::from_utf8_lossy(script);
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let root = sandbox.path().join("outer/middle/root");
    std::fs::create_dir_all(&root).expect("the root made");
    std::fs::write(sandbox.path().join("outer/sentinel"), b"outside").expect("a file outside the root");
    let outside_before = outside_entries(sandbox.path(), &root);
    let opened = Root::open(&root).expect("the root opened");
    let root_host = std::fs::canonicalize(&root).expect("the root's real path");
    let mut resolved = 0;
    for line in script.lines().take(MAX_LINES) {
        let mut words = line.splitn(3, ' ');
        let (Some(command), Some(path)) = (words.next(), words.next()) else { continue };
        match command {
            "d" => make_dirs(&root, path),
            "l" => {
                let target = words.next().unwrap_or("");
                if let Some(at) = setup_path(&root, path)
                    && !target.is_empty()
                    && !target.contains('\0')
                {
                    // Errors are expected: something already there.
                    let _ = std::os::unix::fs::symlink(target, at);
                }
            }
            "r" | "c" | "f" => {
                if validate(path).is_err() {
                    continue;
                }
                let create = (command == "c").then_some((0o755, (0, 0)));
                if let Ok(walk) = opened.resolve(path, command == "f", create) {
                    if let Walk::Found(found) = walk {
                        let host = fd_path(found.parent.fd.as_raw_fd());
                        assert!(
                            host.starts_with(&root_host),
                            "`{path}` resolved to {}, outside the root {}",
                            host.display(),
                            root_host.display()
                        );
                    }
                    resolved += 1;
                }
            }
            _ => {}
        }
    }
    assert_eq!(outside_entries(sandbox.path(), &root), outside_before, "something changed outside the root");
    resolved
}

/// The plain components of a setup path (`..`, `.` and empty ones dropped).
fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty() && *c != "." && *c != ".." && !c.contains('\0')).collect()
}

/// Where the setup makes `path`: beneath the root, with every directory on the way a real
/// directory (the setup never follows a symlink, which could lead it out of the root); `None`
/// when one is not, or for the root itself.
fn setup_path(root: &Path, path: &str) -> Option<PathBuf> {
    let components = components(path);
    let (last, parents) = components.split_last()?;
    let mut at = root.to_path_buf();
    for component in parents {
        at.push(component);
        if !std::fs::symlink_metadata(&at).ok()?.is_dir() {
            return None;
        }
    }
    Some(at.join(last))
}

/// Makes the directories of `path` beneath the root, one at a time, stopping at anything that
/// is not a real directory.
fn make_dirs(root: &Path, path: &str) {
    let mut at = root.to_path_buf();
    for component in components(path) {
        at.push(component);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return,
            Err(_) => {
                if std::fs::create_dir(&at).is_err() {
                    return;
                }
            }
        }
    }
}

/// Where an open descriptor is on this machine.
fn fd_path(fd: i32) -> PathBuf {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).expect("the descriptor's path")
}

/// Every entry under `sandbox` that is not under `root`, with what it is.
fn outside_entries(sandbox: &Path, root: &Path) -> BTreeSet<(PathBuf, String)> {
    let mut entries = BTreeSet::new();
    let mut pending = vec![sandbox.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else { continue };
        for entry in read.flatten() {
            let path = entry.path();
            if path == root {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).expect("an entry's metadata");
            let what = if meta.is_dir() {
                pending.push(path.clone());
                "dir".to_string()
            } else if meta.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&path).map(|t| t.display().to_string()).unwrap_or_default())
            } else {
                format!("file {}", meta.len())
            };
            entries.insert((path, what));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::resolve_script;

    #[test]
    fn the_classic_ways_out_are_refused_or_kept_inside() {
        let script = "l /up ../../..\nc /up/escaped\nl /abs /../../..\nc /abs/escaped\nl /etc /..\n\
                      c /etc/passwd\nl /loop /loop\nr /loop/x\nd /var/lib\nl /var/lib/x ../../../../outer\n\
                      c /var/lib/x/made\nf /up\nf /abs\nc /var/lib/kept";
        // Every way out is refused (an absolute target starts again at the root, and its `..`
        // would climb above it); only the last path resolves.
        assert_eq!(resolve_script(script.as_bytes()), 1);
    }

    /// A script line from a small alphabet of names and targets, the ones that climb or loop.
    fn script_line() -> impl Strategy<Value = String> {
        const NAMES: [&str; 6] = ["a", "b", "etc", "var", "..", "."];
        const TARGETS: [&str; 8] = ["..", "../..", "/", "/a", "a/../..", "../../../outer", "b/c", "/var/.."];
        let path = proptest::collection::vec(proptest::sample::select(&NAMES[..]), 1..4)
            .prop_map(|names| format!("/{}", names.join("/")));
        (0..4usize, path, proptest::sample::select(&TARGETS[..]), proptest::sample::select(&NAMES[..])).prop_map(
            |(command, path, target, name)| match command {
                0 => format!("d {path}"),
                1 => format!("l {path} {target}"),
                2 => format!("c {path}/{name}"),
                _ => format!("f {path}"),
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Random trees from that alphabet: no resolution leaves the root, nothing outside changes.
        #[test]
        fn random_trees_never_let_a_resolution_out(lines in proptest::collection::vec(script_line(), 1..12)) {
            resolve_script(lines.join("\n").as_bytes());
        }

        /// Arbitrary bytes (any commands, paths and targets, invalid UTF-8): never a panic, never
        /// a resolution out of the root.
        #[test]
        fn arbitrary_scripts_never_panic_or_escape(script in proptest::collection::vec(any::<u8>(), 0..512)) {
            resolve_script(&script);
        }

        /// Arbitrary paths and link targets in well-formed lines, so the resolver, not the script
        /// reader, gets the hostile text.
        #[test]
        fn arbitrary_paths_and_targets_never_escape(
            lines in proptest::collection::vec(("[dlrcf]", "/[a-z./]{0,24}", "[a-z./]{0,24}"), 1..12),
        ) {
            let script: Vec<String> = lines.iter().map(|(c, path, target)| format!("{c} {path} {target}")).collect();
            resolve_script(script.join("\n").as_bytes());
        }
    }
}
