//! The house rules a reviewer should not have to count: no source file over 600 lines, tests
//! included (ARCHITECTURE.md lists the others and what keeps each true).

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

/// The directories that hold the workspace's Rust sources; `target/` is never walked.
const SOURCE_DIRS: &[&str] = &["src", "compiler", "contract", "runtime", "tests", "benches", "fuzz"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the sources were not found: {} files", files.len());
    let mut too_long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", file.strip_prefix(root).unwrap().display()))
        })
        .collect();
    too_long.sort();
    assert!(too_long.is_empty(), "split these by responsibility (at most {MAX_LINES} lines each): {too_long:?}");
}
