//! `--format human`: miette's graphical reports, then the summary line.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{CheckReport, Emitter};
use crate::diagnostic::{Diagnostic, Report};
use crate::source::Sources;

/// Reports for people; `colour` is decided by the caller, for the stream it writes to.
pub struct Human {
    pub colour: bool,
}

impl Emitter for Human {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        write_diagnostics(out, &report.compilation.diagnostics, &report.compilation.sources, self.colour)?;
        writeln!(out, "{}", report.summary())
    }
}

/// Every diagnostic as a miette report, with the related places in other files as notes (the
/// snippet shows only the diagnostic's own file). The commands that print a result on stdout
/// use this alone, on stderr.
pub fn write_diagnostics(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
) -> io::Result<()> {
    let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    for diagnostic in diagnostics {
        let mut text = String::new();
        if handler.render_report(&mut text, &Report::new(diagnostic, sources)).is_ok() {
            write!(out, "{text}")?;
            for related in other_file_labels(sources, diagnostic) {
                writeln!(out, "  {related}")?;
            }
        }
    }
    Ok(())
}

/// Related places in another file than the diagnostic's, which the snippet cannot show.
fn other_file_labels(sources: &Sources, diagnostic: &Diagnostic) -> Vec<String> {
    let Some(span) = diagnostic.span else {
        return Vec::new();
    };
    diagnostic
        .related
        .iter()
        .filter(|r| r.span.source != span.source)
        .map(|r| {
            let file = sources.get(r.span.source);
            let (line, col) = file.line_col(r.span.start as usize);
            format!("note: {} at {}:{line}:{col}", r.message, file.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};

    #[test]
    fn human_without_colour() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Human { colour: false }, &compilation, &analysis));
    }

    #[test]
    fn human_colours_only_when_asked() {
        let (compilation, analysis) = fixture_report();
        assert!(emitted(&Human { colour: true }, &compilation, &analysis).contains('\x1b'));
        assert!(!emitted(&Human { colour: false }, &compilation, &analysis).contains('\x1b'));
    }
}
