//! `--format human`: miette's graphical reports, then the summary line.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::window::{self, CutReport};
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
    let mut long_lines = std::collections::HashMap::new();
    for diagnostic in diagnostics {
        let mut text = String::new();
        let cut = diagnostic.span.filter(|span| {
            *long_lines.entry(span.source).or_insert_with(|| window::has_long_lines(sources.get(span.source)))
        });
        let rendered = match cut.and_then(|_| CutReport::new(diagnostic, sources)) {
            Some(report) => handler.render_report(&mut text, &report),
            None => handler.render_report(&mut text, &Report::new(diagnostic, sources)),
        };
        if rendered.is_ok() {
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
        let (compilation, analysis) = run(&input);
        let text = emitted(&Human { colour: false }, &compilation, &analysis);
        let findings = compilation.diagnostics.len();
        assert!(findings >= 1_999, "{findings} diagnostics");
        // The line alone is 14 KB: drawn whole, the report would be over 28 MB.
        assert!(text.len() < findings * 1_200, "{} bytes for {findings} diagnostics", text.len());
    }
}
