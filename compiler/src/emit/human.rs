//! `--format human`: miette's graphical reports (repeated findings grouped), then the summary line.

use std::collections::HashMap;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::group::{Item, grouped};
use super::window::{self, CutReport};
use super::{CheckReport, Emitter};
use crate::diagnostic::{Diagnostic, Report};
use crate::source::{SourceId, Sources};

/// Reports for people; `colour` is decided by the caller, for the stream it writes to.
pub struct Human {
    pub colour: bool,
}

impl Emitter for Human {
    /// Repeated findings of one code in one file are grouped (`group.rs`); the summary line
    /// counts them all.
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        let sources = &report.compilation.sources;
        let mut writer = ReportWriter::new(sources, self.colour);
        for item in grouped(&report.compilation.diagnostics, sources) {
            match item {
                Item::Finding(diagnostic) => writer.write(out, diagnostic)?,
                Item::More(more) => writeln!(out, "{}", more.line(&more.file))?,
            }
        }
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
    let mut writer = ReportWriter::new(sources, colour);
    for diagnostic in diagnostics {
        writer.write(out, diagnostic)?;
    }
    Ok(())
}

/// Draws diagnostics as miette reports, remembering which files have lines too long to draw
/// whole (those get a window around the span).
struct ReportWriter<'a> {
    sources: &'a Sources,
    handler: GraphicalReportHandler,
    long_lines: HashMap<SourceId, bool>,
    lone_cr: HashMap<SourceId, bool>,
}

impl<'a> ReportWriter<'a> {
    fn new(sources: &'a Sources, colour: bool) -> Self {
        let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
        ReportWriter { sources, handler, long_lines: HashMap::new(), lone_cr: HashMap::new() }
    }

    fn write(&mut self, out: &mut dyn Write, diagnostic: &Diagnostic) -> io::Result<()> {
        let sources = self.sources;
        let mut text = String::new();
        let cut = diagnostic.span.filter(|span| {
            *self.long_lines.entry(span.source).or_insert_with(|| window::has_long_lines(sources.get(span.source)))
        });
        let rendered = match cut.and_then(|_| CutReport::new(diagnostic, sources)) {
            Some(report) => self.handler.render_report(&mut text, &report),
            None if diagnostic.span.is_some_and(|span| !self.has_lone_cr(span.source)) => {
                self.handler.render_report(&mut text, &Report::indexed(diagnostic, sources))
            }
            None => self.handler.render_report(&mut text, &Report::new(diagnostic, sources)),
        };
        if rendered.is_ok() {
            write!(out, "{text}")?;
            for related in other_file_labels(sources, diagnostic) {
                writeln!(out, "  {related}")?;
            }
        }
        Ok(())
    }
}

impl ReportWriter<'_> {
    /// Whether the file has a `\r` not followed by `\n` (decided once a file): miette counts it
    /// as a line end, the file's line index does not, so such a file is drawn from its whole text.
    fn has_lone_cr(&mut self, id: SourceId) -> bool {
        let sources = self.sources;
        *self.lone_cr.entry(id).or_insert_with(|| {
            let text = sources.get(id).text.as_bytes();
            text.iter().enumerate().any(|(i, &b)| b == b'\r' && text.get(i + 1) != Some(&b'\n'))
        })
    }
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
    use crate::diagnostic::Severity;
    use crate::emit::testing::{emitted, fixture_report, run};

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

    /// A minified JSON MachineConfig with an unknown spec field after 70,000 columns of data.
    fn minified(padding: usize) -> String {
        format!(
            r#"{{"apiVersion":"machineconfiguration.openshift.io/v1","kind":"MachineConfig","metadata":{{"name":"99-worker-long","labels":{{"machineconfiguration.openshift.io/role":"worker"}}}},"spec":{{"config":{{"ignition":{{"version":"3.4.0"}},"storage":{{"files":[{{"path":"/etc/long.conf","mode":420,"contents":{{"source":"data:,{}"}}}}]}}}},"bogusField":1}}}}"#,
            "a".repeat(padding)
        )
    }

    #[test]
    fn a_label_past_column_65535_is_drawn_in_a_window_at_its_real_position() {
        let (compilation, analysis) = run(&minified(70_000));
        let text = emitted(&Human { colour: false }, &compilation, &analysis);
        let [d] = &compilation.diagnostics[..] else { panic!("one warning: {text}") };
        let (line, column) = compilation.sources.get(d.span.unwrap().source).line_col(d.span.unwrap().start as usize);
        assert!(column > 65_535);
        assert!(text.contains(&format!("[clusters/prod/input.yaml:{line}:{column}]")), "{text}");
        assert!(text.contains("…") && text.contains("bogusField"), "{text}");
        assert!(text.len() < 2_000, "{} bytes:\n{text}", text.len());
    }

    #[test]
    fn findings_on_one_long_line_each_print_a_window_not_the_line() {
        let kargs = vec!["nosmt"; 2_000].join(", ");
        let input = format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
        );
        let (compilation, _) = run(&input);
        // Ungrouped, as the other commands report on stderr: every finding is drawn.
        let mut out = Vec::new();
        write_diagnostics(&mut out, &compilation.diagnostics, &compilation.sources, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        let findings = compilation.diagnostics.len();
        assert!(findings >= 1_999, "{findings} diagnostics");
        assert_eq!(text.matches("MCC7008").count(), findings, "each finding is drawn");
        // The line alone is 14 KB: drawn whole, the report would be over 28 MB.
        assert!(text.len() < findings * 1_200, "{} bytes for {findings} diagnostics", text.len());
    }

    #[test]
    fn two_thousand_duplicate_kernel_arguments_print_three_reports_and_one_count() {
        let kargs = vec!["nosmt"; 2_000].join(", ");
        let input = format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
        );
        let (compilation, analysis) = run(&input);
        let duplicates = compilation.diagnostics.iter().filter(|d| d.code.code == "MCC7008").count();
        assert_eq!(duplicates, 1_999);
        let text = emitted(&Human { colour: false }, &compilation, &analysis);
        assert!(text.len() < 6_000, "{} bytes:\n{text}", text.len());
        assert_eq!(text.matches("MCC7008").count(), 4, "three reports and the count:\n{text}");
        assert!(
            text.contains(
                "… and 1996 more warning[MCC7008] in clusters/prod/input.yaml (--format json lists them all)\n"
            ),
            "{text}"
        );
        assert!(text.contains(&format!("0 errors, {} warnings", compilation.count(Severity::Warning))), "{text}");
    }
}
