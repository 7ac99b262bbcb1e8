//! Long lines cut down to windows around what a diagnostic points at, before miette draws them.
//!
//! miette draws every line of a snippet whole. A diagnostic on a minified 70,000-column JSON line
//! would print all of it (and miette panics on a label past column 65,535), and 10,000 findings
//! on one 30 KB line would print 300 MB. So lines longer than [`LONG_LINE`] bytes keep only
//! [`CONTEXT`] bytes around each label (`…` marks what was cut), and the snippet's header still
//! gives the position in the real file.
//!
//! miette also finds a snippet's lines by reading its source from the first byte, for every
//! label: a report is given only the lines around its labels ([`lines_around`]), their line
//! numbers counted from the real file's start, so drawing a report costs its snippet, not its
//! file.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::{Diagnostic, Label, Report};
use crate::source::{SourceFile, Sources, Span};

/// Lines up to this many bytes are drawn whole.
pub const LONG_LINE: usize = 240;
/// Bytes kept on each side of a label on a long line.
const CONTEXT: usize = 40;

/// One piece of an original line kept in the cut text.
#[derive(Debug, Clone, Copy)]
struct Segment {
    cut: usize,
    original: usize,
    len: usize,
}

/// A file's text with its long lines cut, and the way back to original offsets.
#[derive(Debug)]
struct CutText {
    name: String,
    text: String,
    original: Arc<str>,
    segments: Vec<Segment>,
    /// Lines of the original before the first one kept.
    lines_before: usize,
}

impl CutText {
    /// The lines `around` (see [`lines_around`]) of `file`, long ones cut around `spans`.
    fn new(file: &SourceFile, spans: &[Span], around: Lines) -> CutText {
        let original = &*file.text;
        let mut cut = CutText {
            name: file.name.to_string(),
            text: String::new(),
            original: file.text.clone(),
            segments: Vec::new(),
            lines_before: around.lines_before,
        };
        let mut start = around.start;
        while start < around.end {
            let end = original[start..].find('\n').map_or(original.len(), |i| start + i + 1);
            let content_end = if original.as_bytes()[end - 1] == b'\n' { end - 1 } else { end };
            if content_end - start <= LONG_LINE {
                cut.keep(start, end);
            } else {
                let windows = windows(original, start, content_end, spans);
                for (i, &(from, to)) in windows.iter().enumerate() {
                    let gap_before = if i == 0 { from > start } else { true };
                    if gap_before {
                        cut.text.push_str(if i == 0 { "…" } else { " … " });
                    }
                    cut.keep(from, to);
                }
                if windows.last().is_some_and(|&(_, to)| to < content_end) {
                    cut.text.push('…');
                }
                cut.keep(content_end, end);
            }
            start = end;
        }
        cut
    }

    fn keep(&mut self, from: usize, to: usize) {
        if to > from {
            self.segments.push(Segment { cut: self.text.len(), original: from, len: to - from });
            self.text.push_str(&self.original[from..to]);
        }
    }

    /// Where an original offset (a label's end or start, always kept) lies in the cut text.
    fn to_cut(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.original + s.len < offset);
        self.segments.get(i).map_or(self.text.len(), |s| s.cut + offset.saturating_sub(s.original).min(s.len))
    }

    /// Where an offset of the cut text lies in the original.
    fn to_original(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.cut + s.len < offset);
        self.segments.get(i).map_or(self.original.len(), |s| s.original + offset.saturating_sub(s.cut).min(s.len))
    }

    fn span(&self, source: crate::source::SourceId, span: Span) -> Span {
        Span::new(source, self.to_cut(span.start as usize), self.to_cut(span.end as usize))
    }
}

/// The pieces of the line `[start, end)` to keep: around each label's start and end, merged
/// where they touch; the line's beginning when no label is on it.
fn windows(text: &str, start: usize, end: usize, spans: &[Span]) -> Vec<(usize, usize)> {
    let mut around = Vec::new();
    for span in spans {
        let (s, e) = (span.start as usize, span.end as usize);
        if e < start || s > end {
            continue;
        }
        let (s, e) = (s.clamp(start, end), e.clamp(start, end));
        if e - s <= 2 * CONTEXT {
            around.push((s.saturating_sub(CONTEXT), e + CONTEXT));
        } else {
            around.push((s.saturating_sub(CONTEXT), s + CONTEXT));
            around.push((e.saturating_sub(CONTEXT), e + CONTEXT));
        }
    }
    if around.is_empty() {
        around.push((start, start + 2 * CONTEXT));
    }
    around.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (from, to) in around {
        let from = floor_char(text, from.clamp(start, end));
        let to = ceil_char(text, to.clamp(start, end));
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// True when some line of the file is too long to draw whole.
pub fn has_long_lines(file: &SourceFile) -> bool {
    file.text.split('\n').any(|line| line.len() > LONG_LINE)
}

/// A run of whole lines of a file: bytes `start..end`, after `lines_before` lines.
#[derive(Debug, Clone, Copy)]
struct Lines {
    start: usize,
    end: usize,
    lines_before: usize,
}

impl Lines {
    fn whole(file: &SourceFile) -> Lines {
        Lines { start: 0, end: file.text.len(), lines_before: 0 }
    }
}

/// Lines kept on each side of the labels' lines: miette shows one line of context on each side
/// and looks one line further to end a snippet; one more is a margin.
const LINES_AROUND: usize = 3;

/// The lines from [`LINES_AROUND`] before the first of `spans` to as many after the last: all
/// miette reads of a report, with its default of one line of context. Only for a file without
/// `\r`, which miette counts as a line break and `line_col` does not.
fn lines_around(file: &SourceFile, spans: &[Span]) -> Lines {
    let len = file.text.len();
    let first = spans.iter().map(|s| s.start as usize).min().unwrap_or(0).min(len);
    let last = spans.iter().map(|s| s.end as usize).max().unwrap_or(0).min(len);
    // The file's line index, not a scan: the lines of a minified file are long.
    let first_line = file.line_index(first).saturating_sub(LINES_AROUND);
    Lines {
        start: file.line_start(first_line),
        end: file.line_start(file.line_index(last) + LINES_AROUND),
        lines_before: first_line,
    }
}

/// True when the file has a `\r`: its reports are drawn from the whole file.
pub fn has_carriage_returns(file: &SourceFile) -> bool {
    file.text.contains('\r')
}

/// A file as miette reads it for a snippet, without long lines or `\r`. miette's own sources scan
/// the text from its start to find a span's lines, and a window from a report's first label to
/// its last holds every line between (a duplicate's label points back at the first entry), so
/// drawing thousands of reports of one file was quadratic: this one finds each span's lines with
/// the file's line index and hands miette only those, so a snippet costs its context.
#[derive(Debug)]
struct Window(SourceFile);

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let file = &self.0;
        let end = span.offset() + span.len();
        if end > file.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // A line more on each side than miette keeps, so it decides the context as in the file.
        let first = file.line_index(span.offset()).saturating_sub(context_lines_before + 1);
        let from = file.line_start(first);
        let to = file.line_start(file.line_index(end) + context_lines_after + 2);
        let local = SourceSpan::new((span.offset() - from).into(), span.len());
        let contents = file.text.as_bytes()[from..to].read_span(&local, context_lines_before, context_lines_after)?;
        let found = SourceSpan::new((contents.span().offset() + from).into(), contents.span().len());
        Ok(Box::new(
            MietteSpanContents::new_named(
                file.name.to_string(),
                contents.data(),
                found,
                contents.line() + first,
                contents.column(),
                // miette counts the lines from the start of the source to the context's end (and
                // merges two labels' snippets by it), not the context's own lines.
                contents.line_count() + first,
            )
            .with_language("yaml"),
        ))
    }
}

/// A report drawn from the lines around its labels only (a file without long lines).
#[derive(Debug)]
pub struct WindowReport {
    report: Report,
    source: Window,
}

impl WindowReport {
    /// `span` is the diagnostic's.
    pub fn new(diagnostic: &Diagnostic, span: Span, sources: &Sources) -> WindowReport {
        let source = Window(sources.get(span.source).clone());
        WindowReport { report: Report::new(diagnostic, sources), source }
    }
}

/// A report drawn from the cut text, its header giving positions in the original.
#[derive(Debug)]
pub struct CutReport {
    report: Report,
    source: CutText,
}

impl CutReport {
    /// `whole`: the file's every line is given (a file with `\r` line breaks, which
    /// [`lines_around`] does not count as miette does).
    /// `span` is the diagnostic's.
    pub fn new(diagnostic: &Diagnostic, span: Span, sources: &Sources, whole: bool) -> CutReport {
        let file = sources.get(span.source);
        let same_file: Vec<&Label> = diagnostic.related.iter().filter(|r| r.span.source == span.source).collect();
        let spans: Vec<Span> = std::iter::once(span).chain(same_file.iter().map(|r| r.span)).collect();
        let around = if whole { Lines::whole(file) } else { lines_around(file, &spans) };
        let source = CutText::new(file, &spans, around);
        let mut cut_sources = Sources::default();
        let id = cut_sources.add(file.name.clone(), &source.text);
        let mut cut = diagnostic.clone();
        cut.span = Some(source.span(id, span));
        cut.related =
            same_file.iter().map(|r| Label { span: source.span(id, r.span), message: r.message.clone() }).collect();
        CutReport { report: Report::new(&cut, &cut_sources), source }
    }
}

impl SourceCode for CutText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        // A column inside a cut line is counted in the original line (a line's start is its start).
        let column = match contents.column() {
            0 => 0,
            _ => {
                let offset = self.to_original(contents.span().offset());
                offset - self.original[..offset].rfind('\n').map_or(0, |i| i + 1)
            }
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + self.lines_before,
            column,
            contents.line_count() + self.lines_before,
        )))
    }
}

/// A report drawn from its own source: everything but the source is the diagnostic's [`Report`].
macro_rules! drawn_from_its_source {
    ($report:ty) => {
        impl fmt::Display for $report {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.report.fmt(f)
            }
        }

        impl std::error::Error for $report {}

        impl miette::Diagnostic for $report {
            fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                self.report.code()
            }

            fn severity(&self) -> Option<miette::Severity> {
                self.report.severity()
            }

            fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                self.report.help()
            }

            fn source_code(&self) -> Option<&dyn SourceCode> {
                Some(&self.source)
            }

            fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
                self.report.labels()
            }
        }
    };
}

drawn_from_its_source!(CutReport);
drawn_from_its_source!(WindowReport);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_keeps_a_window_around_each_label_and_maps_back() {
        let line = format!("{}FIRST{}SECOND{}", "a".repeat(300), "b".repeat(300), "c".repeat(300));
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", &format!("short\n{line}\n"));
        let first = Span::new(id, 6 + 300, 6 + 305);
        let second = Span::new(id, 6 + 605, 6 + 611);
        let cut = CutText::new(sources.get(id), &[first, second], Lines::whole(sources.get(id)));
        let context = "a".repeat(CONTEXT);
        assert_eq!(
            cut.text,
            format!(
                "short\n…{context}FIRST{} … {}SECOND{}…\n",
                "b".repeat(CONTEXT),
                "b".repeat(CONTEXT),
                "c".repeat(CONTEXT)
            )
        );
        for span in [first, second] {
            let moved = cut.span(id, span);
            assert_eq!(&cut.text[moved.start as usize..moved.end as usize], sources.text(span));
            assert_eq!(cut.to_original(moved.start as usize), span.start as usize);
        }
    }

    /// Draws `report` as the human format does.
    fn drawn(report: &dyn miette::Diagnostic) -> String {
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false);
        let mut text = String::new();
        handler.render_report(&mut text, report).unwrap();
        text
    }

    #[test]
    fn a_report_drawn_from_the_lines_around_its_labels_is_the_report_drawn_from_the_whole_file() {
        let text: String = (1..=40).map(|i| format!("line{i}: {}\n", "v".repeat(i % 7))).collect();
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", &text);
        let at = |line: usize| text.match_indices("line").nth(line - 1).unwrap().0;
        let code = &crate::codes::UNKNOWN_FIELD;
        let cases = [
            Diagnostic::new(code, Span::new(id, 0, 5), "first line"),
            Diagnostic::new(code, Span::new(id, at(2), at(2) + 5), "second line"),
            Diagnostic::new(code, Span::new(id, at(20), at(20) + 6), "middle").with_label("here"),
            Diagnostic::new(code, Span::new(id, at(20), at(23)), "over lines"),
            Diagnostic::new(code, Span::new(id, at(40), text.len()), "last line"),
            Diagnostic::new(code, Span::new(id, text.len(), text.len()), "end of file"),
            Diagnostic::new(code, Span::new(id, at(30), at(30) + 4), "related far before")
                .with_related(Span::new(id, at(3), at(3) + 4), "there")
                .with_related(Span::new(id, at(31), at(31) + 2), "next line"),
        ];
        for diagnostic in &cases {
            let window = WindowReport::new(diagnostic, diagnostic.span.unwrap(), &sources);
            assert_eq!(drawn(&window), drawn(&Report::new(diagnostic, &sources)), "{}", diagnostic.message);
        }
    }

    #[test]
    fn a_cut_report_drawn_from_the_lines_around_its_labels_is_the_one_drawn_from_the_whole_file() {
        // Long lines (cut) between short ones, at the start and the end of the file.
        let long = |i: usize| format!("long{i}: {}", "x".repeat(300 + 40 * i));
        let lines: Vec<String> =
            (0..24).map(|i| if i % 3 == 0 || i == 23 { long(i) } else { format!("short{i}: v") }).collect();
        let text = lines.join("\n") + "\n";
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", &text);
        let at = |line: usize, column: usize| lines[..line].iter().map(|l| l.len() + 1).sum::<usize>() + column;
        let code = &crate::codes::UNKNOWN_FIELD;
        let cases = [
            Diagnostic::new(code, Span::new(id, 0, 4), "first line"),
            Diagnostic::new(code, Span::new(id, at(1, 0), at(1, 5)), "second line"),
            Diagnostic::new(code, Span::new(id, at(3, 200), at(3, 204)), "inside a long line"),
            Diagnostic::new(code, Span::new(id, at(12, 280), at(13, 3)), "over lines"),
            Diagnostic::new(code, Span::new(id, at(10, 0), at(10, 5)), "related far before")
                .with_related(Span::new(id, at(6, 100), at(6, 104)), "there"),
            Diagnostic::new(code, Span::new(id, at(22, 7), at(22, 8)), "before the last line"),
            Diagnostic::new(code, Span::new(id, at(23, 900), at(23, 904)), "last line"),
            Diagnostic::new(code, Span::new(id, text.len() - 1, text.len()), "the final newline"),
            Diagnostic::new(code, Span::new(id, text.len(), text.len()), "end of file"),
        ];
        for diagnostic in &cases {
            let span = diagnostic.span.unwrap();
            let around = CutReport::new(diagnostic, span, &sources, false);
            let whole = CutReport::new(diagnostic, span, &sources, true);
            assert_eq!(drawn(&around), drawn(&whole), "{}", diagnostic.message);
        }
    }
}
