//! Diagnostics: every problem mcc finds, with a stable code, a span and help.
//!
//! The compiler only collects them; the CLI decides how to show them. A [`Report`] pairs a
//! diagnostic with its source text so that any miette handler can render it.

use std::fmt;

use miette::{LabeledSpan, NamedSource, SourceSpan};

use crate::codes::CodeInfo;
pub use crate::codes::Severity;
use crate::source::{Sources, Span};

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

/// Sorts and de-duplicates diagnostics into their canonical order (a stable sort by
/// [`Diagnostic::sort_key`]).
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>, sources: &Sources) {
    // The keys are sorted with their positions, then each diagnostic is moved into place once:
    // a diagnostic is some 150 bytes that a sort would move log n times, and its key was made
    // afresh at each comparison (a run of 40,000 small MachineConfigs spent a quarter of its
    // instructions here). Ties keep their order through the positions.
    let mut keyed: Vec<_> = diagnostics.iter().enumerate().map(|(at, d)| (d.sort_key(sources), at)).collect();
    keyed.sort_unstable();
    let order: Vec<usize> = keyed.into_iter().map(|(_, at)| at).collect();
    permute(diagnostics, order);
    diagnostics.dedup();
}

/// Puts `items[order[k]]` at `k` for every `k`, in place, following each cycle of the
/// permutation once (a second list of diagnostics would set a fleet's peak memory).
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        // A position whose item is in place holds its own index in `order`.
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// A diagnostic together with the source it points into, ready for any miette handler.
#[derive(Debug)]
pub struct Report {
    diagnostic: Diagnostic,
    source: Option<NamedSource<std::sync::Arc<str>>>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    pub fn new(diagnostic: &Diagnostic, sources: &Sources) -> Self {
        let source = diagnostic.span.map(|span| {
            let file = sources.get(span.source);
            NamedSource::new(file.name.as_str(), file.text.clone()).with_language("yaml")
        });
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
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codes;

    proptest! {
        /// The canonical order is a stable sort by the key, then duplicates dropped, whatever
        /// the diagnostics: spans in two files, ties, path-only diagnostics and exact copies.
        #[test]
        fn diagnostics_sort_as_a_stable_sort_by_their_key(
            drawn in prop::collection::vec((0usize..3, 0usize..4, 0usize..3, "[ab]{0,2}"), 0..40),
        ) {
            let mut sources = Sources::default();
            let files = [sources.add("b.yaml", "0123456789"), sources.add("a.yaml", "0123456789")];
            let diagnostics: Vec<Diagnostic> = drawn
                .into_iter()
                .map(|(file, start, code, message)| match files.get(file) {
                    Some(&id) => Diagnostic::new(codes::ALL[code], Span::new(id, start, start + 1), message),
                    None => Diagnostic::about_path(codes::ALL[code], "a.yaml", message),
                })
                .collect();
            let mut expected = diagnostics.clone();
            expected.sort_by(|a, b| a.sort_key(&sources).cmp(&b.sort_key(&sources)));
            expected.dedup();
            let mut sorted = diagnostics;
            sort_diagnostics(&mut sorted, &sources);
            prop_assert_eq!(sorted, expected);
        }
    }
}
