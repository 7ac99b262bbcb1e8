//! `mcc plan --diff`: each changed file's contents under its table line, as a unified diff for
//! text, or as sizes and digests for binary contents and contents a line diff would not fit.

use mcc_compiler::{Blob, Change, ContentDiff, Op};

use super::Paint;

/// The diff of a changed file's two sides; `None` for anything but a file.
pub fn of(change: &Change) -> Option<ContentDiff> {
    let contents = change.contents.as_ref()?;
    Some(contents.diff(&change.name, change.op == Op::Add, change.op == Op::Remove))
}

/// The block printed under a file's line, indented under the entry; empty for other changes.
pub fn human(change: &Change, paint: &Paint) -> String {
    let (Some(diff), Some(contents)) = (of(change), change.contents.as_ref()) else {
        return String::new();
    };
    const INDENT: &str = "      ";
    let sides = || format!("{} -> {}", side(contents.old.as_ref()), side(contents.new.as_ref()));
    let mut out = String::new();
    match diff {
        ContentDiff::Text(text) => {
            for line in text.lines() {
                let painted = match line.as_bytes().first() {
                    _ if line.starts_with("+++") || line.starts_with("---") => paint.bold(line),
                    Some(b'+') => paint.green(line),
                    Some(b'-') => paint.red(line),
                    Some(b'@') => paint.yellow(line),
                    _ => line.to_string(),
                };
                out.push_str(&format!("{INDENT}{painted}\n"));
            }
        }
        ContentDiff::Binary => out.push_str(&format!("{INDENT}binary contents: {}\n", sides())),
        ContentDiff::TooLarge => out.push_str(&format!("{INDENT}too large to diff line by line: {}\n", sides())),
        ContentDiff::Unknown => {
            out.push_str(&format!("{INDENT}contents not known offline (a remote source): {}\n", sides()))
        }
    }
    out
}

/// `1234 bytes sha256:…`, or `none` for a side without (known) contents.
fn side(blob: Option<&Blob>) -> String {
    blob.map_or_else(|| "none".to_string(), |b| format!("{} bytes sha256:{}", b.size, b.sha256))
}
