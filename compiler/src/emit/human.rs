//! `--format human`: miette's graphical reports (repeated findings grouped), then the summary line.
//!
//! Drawing a report costs far more than deciding it, and each report depends only on its
//! diagnostic and its file, so reports are drawn on every core, a bounded chunk at a time, and
//! written in the report's order: the output does not depend on the thread count.

use std::io::{self, Write};

use rayon::prelude::*;

use super::group::{Item, grouped};
use super::window::{self, CutReport, WindowReport};
use super::wrap::Drawer;
use super::{CheckReport, Emitter};
use crate::diagnostic::{Diagnostic, Report};
use crate::hash::HashMap;
use crate::source::{SourceId, Sources};

/// How many reports are drawn before they are written: enough to keep every core busy, few
/// enough that the drawn text of a huge run is never all in memory.
const CHUNK: usize = 512;

/// Reports for people; `colour` is decided by the caller, for the stream it writes to.
pub struct Human {
    pub colour: bool,
}

impl Emitter for Human {
    /// Repeated findings of one code in one file are grouped (`group.rs`); the summary line
    /// counts them all.
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        let compilation = &report.compilation;
        write_grouped(out, &compilation.diagnostics, &compilation.sources, self.colour, "--format json")?;
        writeln!(out, "{}", report.summary())
    }
}

/// The diagnostics as miette reports, with the related places in other files as notes (the
/// snippet shows only the diagnostic's own file), repeated findings grouped as in `mcc check`'s
/// report (`group.rs`: 10,000 duplicate kernel arguments are three reports and a count, not
/// megabytes of stderr). The commands that print a result on stdout use this alone, on stderr;
/// they have no `--format`, so the count points at `mcc check --format json`.
pub fn write_diagnostics(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
) -> io::Result<()> {
    write_grouped(out, diagnostics, sources, colour, "mcc check --format json")
}

/// The reports of `diagnostics`, grouped, each group's count naming `lister` as what lists
/// them all.
fn write_grouped(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
    lister: &str,
) -> io::Result<()> {
    let items = grouped(diagnostics, sources);
    let shown = items.iter().filter_map(|item| if let Item::Finding(d) = item { Some(*d) } else { None });
    let writer = ReportWriter::new(sources, colour, shown);
    for chunk in items.chunks(CHUNK) {
        let drawn: Vec<String> = chunk
            .par_iter()
            .map(|item| match item {
                Item::Finding(diagnostic) => writer.draw(diagnostic),
                Item::More(more) => format!("{}\n", more.line_listed_by(&more.file, lister)),
            })
            .collect();
        drawn.iter().try_for_each(|text| out.write_all(text.as_bytes()))?;
    }
    Ok(())
}

/// Draws diagnostics as miette reports, knowing the shape of each file (see `window.rs`) and
/// the wrapped lines of each help (see `wrap.rs`).
struct ReportWriter<'a> {
    sources: &'a Sources,
    drawer: Drawer<'a>,
    shapes: HashMap<SourceId, Shape>,
}

/// What decides how a file's reports are drawn.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// Lines too long to draw whole: they get a window around the span.
    long_lines: bool,
    /// `\r` line breaks: miette is given the whole file, not the lines around the labels.
    carriage_returns: bool,
}

impl<'a> ReportWriter<'a> {
    /// Ready to draw `diagnostics`: each of their files is looked at once for its shape, each of
    /// their helps wrapped once.
    fn new(sources: &'a Sources, colour: bool, diagnostics: impl Iterator<Item = &'a Diagnostic>) -> Self {
        let diagnostics: Vec<&Diagnostic> = diagnostics.collect();
        let mut files: Vec<SourceId> = diagnostics.iter().filter_map(|d| d.span.map(|span| span.source)).collect();
        files.sort_unstable();
        files.dedup();
        let shapes = files
            .into_par_iter()
            .map(|source| {
                let file = sources.get(source);
                let shape = Shape {
                    long_lines: window::has_long_lines(file),
                    carriage_returns: window::has_carriage_returns(file),
                };
                (source, shape)
            })
            .collect();
        let drawer = Drawer::new(colour, diagnostics.iter().filter_map(|d| d.help.as_deref()));
        ReportWriter { sources, drawer, shapes }
    }

    /// The report of one diagnostic, its notes included; empty if miette cannot draw it.
    fn draw(&self, diagnostic: &Diagnostic) -> String {
        let sources = self.sources;
        let mut text = String::new();
        let shape = diagnostic.span.map(|span| (span, self.shapes.get(&span.source).copied().unwrap_or_default()));
        let rendered = match shape {
            Some((span, Shape { long_lines: true, carriage_returns })) => {
                self.drawer.render(&mut text, &CutReport::new(diagnostic, span, sources, carriage_returns))
            }
            Some((span, Shape { long_lines: false, carriage_returns: false })) => {
                self.drawer.render(&mut text, &WindowReport::new(diagnostic, span, sources))
            }
            _ => self.drawer.render(&mut text, &Report::new(diagnostic, sources)),
        };
        if rendered.is_err() {
            return String::new();
        }
        for related in other_file_labels(sources, diagnostic) {
            text.push_str(&format!("  {related}\n"));
        }
        text
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

    /// One MachineConfig with 2,000 copies of one kernel argument on one 14 KB line.
    fn two_thousand_kargs() -> String {
        let kargs = vec!["nosmt"; 2_000].join(", ");
        format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
        )
    }

    #[test]
    fn findings_on_one_long_line_each_print_a_window_not_the_line() {
        let (compilation, _) = run(&two_thousand_kargs());
        let diagnostics = &compilation.diagnostics;
        assert!(diagnostics.len() >= 1_999, "{} diagnostics", diagnostics.len());
        let writer = ReportWriter::new(&compilation.sources, false, diagnostics.iter());
        let text: String = diagnostics.iter().map(|d| writer.draw(d)).collect();
        assert_eq!(text.matches("MCC7008").count(), diagnostics.len(), "each finding is drawn");
        // The line alone is 14 KB: drawn whole, the reports would be over 28 MB.
        assert!(text.len() < diagnostics.len() * 1_200, "{} bytes for {} diagnostics", text.len(), diagnostics.len());
    }

    #[test]
    fn the_other_commands_group_repeated_findings_on_stderr_too() {
        // Issue 11: `mcc render` and `mcc compile` drew all 10,000 duplicates (7.8 MB of stderr).
        let (compilation, _) = run(&two_thousand_kargs());
        let mut out = Vec::new();
        write_diagnostics(&mut out, &compilation.diagnostics, &compilation.sources, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("MCC7008").count(), 4, "three reports and the count:\n{text}");
        assert!(text.len() < 6_000, "{} bytes:\n{text}", text.len());
        assert!(
            text.ends_with(
                "… and 1996 more warning[MCC7008] in clusters/prod/input.yaml (mcc check --format json lists them all)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn two_thousand_duplicate_kernel_arguments_print_three_reports_and_one_count() {
        let (compilation, analysis) = run(&two_thousand_kargs());
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
