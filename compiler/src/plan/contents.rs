//! What a changed file holds on each side of a plan, so a change can be reviewed: the bytes a
//! node gets (data URL decoded, decompressed, appends added), their sha256 and size, and a
//! unified diff of the two when both are text.

use std::sync::Arc;

use crate::hash::HashMap;
use crate::ignition::content;
use crate::ignition::types::{File, Ignition};

/// The contents of one side of a changed file, as the node gets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
    /// Shared with the decoded contents when the file has no appends: not a copy of every file.
    pub bytes: Arc<[u8]>,
}

impl Blob {
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Blob {
        let bytes = bytes.into();
        Blob { sha256: mcc_contract::sha256_hex(&bytes), size: bytes.len() as u64, bytes }
    }

    /// Text as git decides it: no NUL byte in the first 8000 bytes, and valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        if self.bytes.iter().take(8000).any(|b| *b == 0) {
            return None;
        }
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// A changed file's two sides. A side is `None` when the file is absent there, or when its
/// contents cannot be known offline (a remote source, or contents that do not decode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contents {
    pub old: Option<Blob>,
    pub new: Option<Blob>,
}

/// Every file of a config by path (the last entry of a path wins, as the MCO's map does), built
/// once a plan so each changed file is found in constant time.
pub struct FileIndex<'a> {
    files: HashMap<&'a str, &'a File>,
}

impl<'a> FileIndex<'a> {
    pub fn new(config: &'a Ignition) -> FileIndex<'a> {
        FileIndex { files: config.storage.files.iter().map(|f| (f.node.path.value.as_str(), &**f)).collect() }
    }

    /// The contents a node gets at `path`: the source, then each append.
    pub fn blob(&self, path: &str) -> Option<Blob> {
        let file = self.files.get(path)?;
        if file.append.is_empty() {
            return Some(Blob::new(content::shared(&file.contents)?));
        }
        let mut bytes = content::decoded(&file.contents)?;
        for append in &file.append {
            bytes.extend(content::decoded(append)?);
        }
        Some(Blob::new(bytes))
    }
}

/// How `--diff` shows one changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentDiff {
    /// A unified diff (`--- a/PATH`, `+++ b/PATH`, hunks), for two text sides.
    Text(String),
    /// Either side is binary: the sizes and digests say what changed.
    Binary,
    /// Too large to diff within mcc's budget (`MAX_DIFF_LINES`, `MAX_DIFF_WORK`): the sizes
    /// and digests say what changed.
    TooLarge,
    /// A side's contents are unknown offline (a remote source).
    Unknown,
}

/// The most lines (both sides together) mcc diffs line by line; beyond, sizes and digests only,
/// so a plan's cost stays bounded whatever the inputs.
pub const MAX_DIFF_LINES: usize = 10_000;

/// The most work a line diff may do, in lines times changed lines (Myers' cost grows with the
/// size of the sides times the number of changed lines): about a second for two unrelated files
/// of 2,000 lines each in an unoptimized build. Deterministic, unlike a time limit.
pub const MAX_DIFF_WORK: usize = 16_000_000;

/// A lower bound of the lines a diff adds or removes, in linear time: the lines one side has
/// more often than the other (a moved line is not counted, so the bound is only a bound).
fn changed_lines_at_least(old: &str, new: &str) -> usize {
    let mut counts: HashMap<&str, isize> = HashMap::default();
    for line in old.lines() {
        *counts.entry(line).or_default() += 1;
    }
    for line in new.lines() {
        *counts.entry(line).or_default() -= 1;
    }
    counts.values().map(|n| n.unsigned_abs()).sum()
}

impl Contents {
    /// The unified diff of the two sides (an absent side is empty, as in `git diff` of an added
    /// or deleted file), with three lines of context.
    pub fn diff(&self, path: &str, added: bool, removed: bool) -> ContentDiff {
        let empty = Blob::new(Vec::new());
        let old = if added { Some(&empty) } else { self.old.as_ref() };
        let new = if removed { Some(&empty) } else { self.new.as_ref() };
        let (Some(old), Some(new)) = (old, new) else { return ContentDiff::Unknown };
        let (Some(old_text), Some(new_text)) = (old.text(), new.text()) else { return ContentDiff::Binary };
        let lines = old_text.lines().count() + new_text.lines().count();
        if lines > MAX_DIFF_LINES || lines * changed_lines_at_least(old_text, new_text) > MAX_DIFF_WORK {
            return ContentDiff::TooLarge;
        }
        let relative = path.trim_start_matches('/');
        let (a, b) = (
            if added { "/dev/null".to_string() } else { format!("a/{relative}") },
            if removed { "/dev/null".to_string() } else { format!("b/{relative}") },
        );
        let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_lines(old_text, new_text);
        let text = diff.unified_diff().context_radius(3).header(&a, &b).to_string();
        ContentDiff::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(old: &[u8], new: &[u8]) -> Contents {
        Contents { old: Some(Blob::new(old.to_vec())), new: Some(Blob::new(new.to_vec())) }
    }

    #[test]
    fn text_is_utf8_without_a_nul_in_the_first_8000_bytes() {
        assert_eq!(Blob::new(b"server a iburst\n".to_vec()).text(), Some("server a iburst\n"));
        assert_eq!(Blob::new(b"a\0b".to_vec()).text(), None);
        assert_eq!(Blob::new(vec![0xff, 0xfe]).text(), None);
        // A NUL past the first 8000 bytes does not make a file binary (git's rule), but it is
        // still valid UTF-8 text.
        let mut late_nul = vec![b'a'; 8000];
        late_nul.push(0);
        assert!(Blob::new(late_nul).text().is_some());
    }

    #[test]
    fn digests_and_sizes_are_of_the_bytes_a_node_gets() {
        let blob = Blob::new(b"abc".to_vec());
        assert_eq!(blob.size, 3);
        assert_eq!(blob.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_text_change_is_a_unified_diff_with_git_like_headers() {
        let diff = contents(b"pool a iburst\nmakestep 1 3\n", b"pool b iburst\nmakestep 1 3\n").diff(
            "/etc/chrony.conf",
            false,
            false,
        );
        assert_eq!(
            diff,
            ContentDiff::Text(
                "--- a/etc/chrony.conf\n+++ b/etc/chrony.conf\n@@ -1,2 +1,2 @@\n-pool a iburst\n+pool b iburst\n makestep 1 3\n"
                    .to_string()
            )
        );
    }

    #[test]
    fn an_added_file_diffs_against_dev_null() {
        let added = Contents { old: None, new: Some(Blob::new(b"x\n".to_vec())) };
        let ContentDiff::Text(text) = added.diff("/etc/x", true, false) else { panic!("not text") };
        assert!(text.starts_with("--- /dev/null\n+++ b/etc/x\n@@ -0,0 +1 @@\n+x\n"), "{text}");
    }

    #[test]
    fn moved_lines_are_not_counted_as_changed() {
        assert_eq!(changed_lines_at_least("a\nb\n", "b\na\n"), 0);
        assert_eq!(changed_lines_at_least("a\nb\n", "a\nc\nd\n"), 3);
    }

    #[test]
    fn binary_remote_and_huge_files_are_not_diffed_line_by_line() {
        assert_eq!(contents(b"\0\x01", b"\0\x02").diff("/x", false, false), ContentDiff::Binary);
        let remote = Contents { old: None, new: Some(Blob::new(b"x".to_vec())) };
        assert_eq!(remote.diff("/x", false, false), ContentDiff::Unknown);
        let huge = "line\n".repeat(MAX_DIFF_LINES);
        assert_eq!(contents(huge.as_bytes(), b"x\n").diff("/x", false, false), ContentDiff::TooLarge);
        // Two unrelated files under the line limit, whose line diff would cost too much.
        let unrelated = |tag: &str| (0..2100).map(|i| format!("{tag}{i}\n")).collect::<String>();
        let (a, b) = (unrelated("a"), unrelated("b"));
        assert_eq!(contents(a.as_bytes(), b.as_bytes()).diff("/x", false, false), ContentDiff::TooLarge);
        // The same size with one line changed is diffed.
        let changed = a.replacen("a7\n", "z7\n", 1);
        assert!(matches!(contents(a.as_bytes(), changed.as_bytes()).diff("/x", false, false), ContentDiff::Text(_)));
    }
}
