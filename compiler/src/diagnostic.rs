//! Diagnostics: every problem mcc finds, with a stable code, a span and help.
//!
//! The compiler only collects them; the CLI decides how to show them. A [`Report`] pairs a
//! diagnostic with its source text so that any miette handler can render it.

use std::fmt;

use miette::{LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};

use crate::codes::CodeInfo;
pub use crate::codes::Severity;
use crate::source::{SourceFile, Sources, Span};

/// A secondary location, such as the earlier definition a duplicate clashes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static CodeInfo,
    pub message: String,
    /// Where the problem is; `None` only for problems with no text to point at (an unreadable path).
    pub span: Option<Span>,
    /// Text under the primary caret; the message is used when empty.
    pub label: Option<String>,
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// The path the problem concerns when there is no span (an unreadable file or directory).
    pub subject: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static CodeInfo, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: Some(span),
            label: None,
            related: Vec::new(),
            help: None,
            subject: None,
        }
    }

    /// A problem with a path that has no text of its own (it could not be read).
    pub fn about_path(code: &'static CodeInfo, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
            subject: Some(path.into()),
        }
    }

    /// A problem with the run as a whole, with no file to point at (no inputs at all).
    pub fn general(code: &'static CodeInfo, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
            subject: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label { span, message: message.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The order in which diagnostics are shown: by file name, position, then code and message,
    /// so the output never depends on the order in which stages ran or inputs were given.
    pub fn sort_key<'a>(&'a self, sources: &'a Sources) -> impl Ord + 'a {
        let file = match (self.span, &self.subject) {
            (Some(span), _) => sources.get(span.source).name.as_str(),
            (None, Some(subject)) => subject.as_str(),
            (None, None) => "",
        };
        let (start, end) = self.span.map_or((0, 0), |s| (s.start, s.end));
        (file, start, end, self.code.code, self.message.as_str())
    }
}

/// Sorts and de-duplicates diagnostics into their canonical order.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>, sources: &Sources) {
    diagnostics.sort_by(|a, b| a.sort_key(sources).cmp(&b.sort_key(sources)));
    diagnostics.dedup();
}

/// A diagnostic together with the source it points into, ready for any miette handler.
#[derive(Debug)]
pub struct Report {
    diagnostic: Diagnostic,
    source: Option<Source>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    pub fn new(diagnostic: &Diagnostic, sources: &Sources) -> Self {
        let source = diagnostic.span.map(|span| {
            let file = sources.get(span.source);
            Source::Whole(NamedSource::new(file.name.as_str(), file.text.clone()).with_language("yaml"))
        });
        Self::with_source(diagnostic, source)
    }

    /// The same report, drawn from the file's line index: what a caller
    /// drawing many diagnostics of one file uses, when the file has no lone `\r`, which miette
    /// counts as a line end and the index does not.
    pub fn indexed(diagnostic: &Diagnostic, sources: &Sources) -> Self {
        let source = diagnostic.span.map(|span| Source::Indexed(IndexedSource(sources.get(span.source).clone())));
        Self::with_source(diagnostic, source)
    }

    fn with_source(diagnostic: &Diagnostic, source: Option<Source>) -> Self {
        let mut labels = Vec::new();
        if let Some(span) = diagnostic.span {
            // Without a label of its own the caret stands alone: the message is already above it.
            labels.push(LabeledSpan::new_primary_with_span(diagnostic.label.clone(), source_span(span)));
        }
        // Related spans in the same file are shown in the snippet; others are named in the help.
        for related in &diagnostic.related {
            if Some(related.span.source) == diagnostic.span.map(|s| s.source) {
                labels.push(LabeledSpan::new_with_span(Some(related.message.clone()), source_span(related.span)));
            }
        }
        Report { diagnostic: diagnostic.clone(), source, labels }
    }
}

/// The text a report's snippet is drawn from.
#[derive(Debug)]
enum Source {
    Whole(NamedSource<std::sync::Arc<str>>),
    Indexed(IndexedSource),
}

/// A file as miette reads it for a snippet. miette's own sources scan the text from its start to
/// find a span's lines, so drawing thousands of diagnostics of one file was quadratic (8,000
/// duplicate entries took minutes); this one finds them with the file's line index and hands
/// miette only those lines, so a snippet costs its context, and is drawn the same.
#[derive(Debug)]
struct IndexedSource(SourceFile);

impl SourceCode for IndexedSource {
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
        let inner = SourceSpan::new((span.offset() - from).into(), span.len());
        let contents = file.text[from..to].read_span(&inner, context_lines_before, context_lines_after)?;
        let at = SourceSpan::new((contents.span().offset() + from).into(), contents.span().len());
        Ok(Box::new(
            MietteSpanContents::new_named(
                file.name.to_string(),
                contents.data(),
                at,
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

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.diagnostic.subject {
            Some(subject) if self.diagnostic.span.is_none() => {
                write!(f, "{}: {}", subject, self.diagnostic.message)
            }
            _ => f.write_str(&self.diagnostic.message),
        }
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|source| match source {
            Source::Whole(text) => text as &dyn SourceCode,
            Source::Indexed(indexed) => indexed as &dyn SourceCode,
        })
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
}
