//! Source files and byte spans into them.
//!
//! Every value mcc reads keeps the span it came from, so a diagnostic, a plan line or an
//! `mcc explain` answer can always point back at the exact bytes of the input.

use std::sync::Arc;

use camino::Utf8PathBuf;

/// Index of a file in a [`Sources`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(u32);

impl SourceId {
    fn of_index(index: usize) -> SourceId {
        SourceId(u32::try_from(index).expect("fewer than 2^32 source files are held in memory"))
    }
}

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// Offsets past 4 GiB (no file mcc reads is that large) are kept at 4 GiB.
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        Span { source, start: offset(start), end: offset(end.max(start)) }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// A sub-range, in bytes relative to this span's start, clamped to this span.
    pub fn sub(&self, offset: usize, len: usize) -> Span {
        let start = (self.start as usize + offset).min(self.end as usize);
        let end = (start + len).min(self.end as usize);
        Span::new(self.source, start, end)
    }

    /// True when `inner` lies entirely inside `self` (same file).
    pub fn contains(&self, inner: Span) -> bool {
        inner.source == self.source && inner.start >= self.start && inner.end <= self.end
    }

    /// The span covering both `self` and `other` (same file).
    pub fn to(&self, other: Span) -> Span {
        Span { source: self.source, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// One input file's text, exactly as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users: the path as given on the command line, or `<stdin>`.
    pub name: Utf8PathBuf,
    pub text: Arc<str>,
    /// The byte offset of each line's start, the first 0: a line is a binary search away, not
    /// a scan of the file (every diagnostic asks, and there may be thousands). Offsets are
    /// `u32`, as in a [`Span`]: half the memory of `usize` for the same answers.
    line_starts: Arc<[u32]>,
}

impl SourceFile {
    pub(crate) fn new(name: Utf8PathBuf, text: &str) -> Self {
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        // memchr's iterator: a fleet's files are short lines, where `match_indices` paid a
        // searcher's setup at every one.
        let line_starts =
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| offset(i + 1))).collect();
        SourceFile { name, text: Arc::from(text), line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start as usize <= offset);
        let line_start = self.line_starts[line - 1] as usize;
        let before = &self.text[..offset];
        // A byte-order mark is not a column.
        let col = before[line_start..].trim_start_matches('\u{feff}').chars().count() + 1;
        (line, col)
    }

    /// The 0-based line holding byte `offset` (the last line past the end).
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start as usize <= offset).saturating_sub(1)
    }

    /// The byte offset where 0-based line `line` starts; the end of the text past the last line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).map_or(self.text.len(), |&start| start as usize)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A string whose bytes are shared, not copied, when it is cloned: a slice of a source file's
/// text when the input holds the value verbatim (a plain or quoted scalar without escapes), else
/// a string of its own. A data URL is most of a MachineConfig's bytes; kept this way it costs
/// nothing beyond the input it came from, however many rendered pools hold it.
#[derive(Clone)]
pub struct SharedStr {
    text: Arc<str>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// `value`, read from the text at `span`: a slice of that text when it holds the value's
    /// bytes in one piece (a plain scalar, a quoted one without escapes, a one-line block
    /// scalar), else a copy of `value`.
    pub fn from_source(sources: &Sources, span: Span, value: &str) -> SharedStr {
        let file = sources.get(span.source);
        let start = span.start as usize;
        let raw = file.text.get(start..span.end as usize).unwrap_or("");
        // The value stands at the span's start (a plain scalar) or one byte in (after a quote)
        // almost always: a comparison there is a memcmp, where `find`'s substring search costs
        // several passes over a data URL (8% of a fleet check's instructions). Either way the
        // first place the value stands is taken.
        let at = [0, 1].into_iter().find(|&at| raw.get(at..).is_some_and(|rest| rest.starts_with(value)));
        let found = at.or_else(|| raw.find(value)).map(|at| start + at);
        match found.and_then(|at| Some((u32::try_from(at).ok()?, u32::try_from(at + value.len()).ok()?))) {
            Some((start, end)) => SharedStr { text: Arc::clone(&file.text), start, end },
            None => SharedStr::from(value),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text[self.start as usize..self.end as usize]
    }
}

impl From<&str> for SharedStr {
    fn from(value: &str) -> Self {
        let end = u32::try_from(value.len()).expect("a string under 4 GiB");
        SharedStr { text: Arc::from(value), start: 0, end }
    }
}

impl From<String> for SharedStr {
    fn from(value: String) -> Self {
        SharedStr::from(value.as_str())
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::from("")
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl std::fmt::Display for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// All the files of one run, indexed by [`SourceId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<Utf8PathBuf>, text: &str) -> SourceId {
        // A UTF-8 BOM stays in the text, so spans are byte offsets into the file as it is; the
        // YAML parser skips it.
        self.push(SourceFile::new(name.into(), text))
    }

    /// Adds a file made beforehand (on another thread: its line index is a pass over its text).
    pub(crate) fn push(&mut self, file: SourceFile) -> SourceId {
        self.files.push(file);
        SourceId::of_index(self.files.len() - 1)
    }

    /// Names a file anew, its text unchanged: a file that two states of the inputs hold alike is
    /// read once and shown under each state's own name (`mcc plan`).
    pub fn rename(&mut self, id: SourceId, name: impl Into<Utf8PathBuf>) {
        self.files[id.0 as usize].name = name.into();
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn text(&self, span: Span) -> &str {
        let file = self.get(span.source);
        file.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (SourceId::of_index(i), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Which of a set of non-overlapping spans (the objects of the inputs) holds a given span, in
/// O(log n) a question: built once, asked for every diagnostic.
#[derive(Debug, Default)]
pub struct SpanIndex<T> {
    /// By file, then start.
    spans: Vec<(Span, T)>,
}

impl<T: Copy> SpanIndex<T> {
    pub fn new(spans: impl IntoIterator<Item = (Span, T)>) -> Self {
        let mut spans: Vec<(Span, T)> = spans.into_iter().collect();
        spans.sort_by_key(|(span, _)| (span.source, span.start));
        SpanIndex { spans }
    }

    /// The value of the span that contains `inner`, if one does.
    pub fn find(&self, inner: Span) -> Option<T> {
        let after = self.spans.partition_point(|(span, _)| (span.source, span.start) <= (inner.source, inner.start));
        let (span, value) = self.spans[..after].last()?;
        span.contains(inner).then_some(*value)
    }
}

#[cfg(test)]
mod span_index_tests {
    use super::*;

    #[test]
    fn finds_the_span_holding_another() {
        let mut sources = Sources::default();
        let (a, b) = (sources.add("a", "0123456789"), sources.add("b", "0123456789"));
        let index = SpanIndex::new([(Span::new(b, 0, 4), 'x'), (Span::new(a, 5, 9), 'y'), (Span::new(a, 0, 4), 'z')]);
        assert_eq!(index.find(Span::new(a, 1, 3)), Some('z'));
        assert_eq!(index.find(Span::new(a, 5, 9)), Some('y'));
        assert_eq!(index.find(Span::new(a, 3, 6)), None, "across two objects");
        assert_eq!(index.find(Span::new(b, 2, 2)), Some('x'));
        assert_eq!(index.find(Span::new(b, 5, 6)), None);
    }
}

#[cfg(test)]
mod shared_str_tests {
    use super::*;

    #[test]
    fn a_value_spelled_verbatim_shares_the_source_text() {
        let mut sources = Sources::default();
        let id = sources
            .add("a", "source: data:,x\nquoted: \"data:,y\"\nescaped: \"data:,\\u0041\"\nfolded: >-\n  data:,z\n");
        let plain = SharedStr::from_source(&sources, Span::new(id, 8, 15), "data:,x");
        assert_eq!(plain, "data:,x");
        assert!(Arc::ptr_eq(&plain.text, &sources.get(id).text), "a plain scalar is a slice of the file");
        let quoted = SharedStr::from_source(&sources, Span::new(id, 24, 33), "data:,y");
        assert_eq!(quoted, "data:,y");
        assert!(Arc::ptr_eq(&quoted.text, &sources.get(id).text), "so is a quoted one without escapes");
        let escaped = SharedStr::from_source(&sources, Span::new(id, 43, 57), "data:,A");
        assert_eq!(escaped, "data:,A");
        assert!(!Arc::ptr_eq(&escaped.text, &sources.get(id).text), "an escaped one is a copy of the value");
        let folded = SharedStr::from_source(&sources, Span::new(id, 66, 79), "data:,z");
        assert_eq!(folded, "data:,z");
        assert!(Arc::ptr_eq(&folded.text, &sources.get(id).text), "so is a one-line block scalar");
        let two_lines = SharedStr::from_source(&sources, Span::new(id, 66, 79), "data:, z");
        assert_eq!(two_lines, "data:, z", "a value the text does not spell in one piece is a copy");
    }

    #[test]
    fn clones_compare_and_hash_as_their_text() {
        use std::hash::BuildHasher;
        let a = SharedStr::from("data:,x");
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.text, &b.text), "a clone copies no bytes");
        assert_eq!(a, SharedStr::from(String::from("data:,x")));
        let hasher = std::collections::hash_map::RandomState::new();
        assert_eq!(hasher.hash_one(&a), hasher.hash_one("data:,x"));
        assert_eq!(format!("{a} {a:?}"), "data:,x \"data:,x\"");
        assert!(SharedStr::default().is_empty());
    }
}
