//! `mcc check --format github`: GitHub Actions workflow commands and a step summary.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, so the first
//! 10 of each kind become annotations (`::error file=…,line=…::message`) and the rest are printed
//! as plain lines. Repeated findings of one code in one file are grouped (`group.rs`): the first
//! three are shown, the rest counted on one line. When `$GITHUB_STEP_SUMMARY` names a file, a
//! Markdown summary is appended to it.

use std::io::{self, Write};

use super::group::{Item, grouped};
use super::{CheckReport, Emitter, Place, place, short_line};
use crate::diagnostic::{Diagnostic, Severity};

/// GitHub's limit of annotations of one kind per step.
const ANNOTATIONS_PER_KIND: usize = 10;
/// GitHub's limit on a step summary (1 MiB), with room for the closing note.
const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

/// Escapes a command's message: `%`, CR and LF, as the runner unescapes them.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property's value: as data, and `:` and `,`, which end a property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The workflow command that annotates one diagnostic. Columns are given only when the span
/// starts and ends on one line, the only case in which GitHub uses them.
fn annotation(report: &CheckReport, d: &Diagnostic) -> String {
    let mut properties = Vec::new();
    if let Some(Place { file, region }) = place(report.compilation, d) {
        properties.push(format!("file={}", escape_property(&report.repo_path(&file))));
        if let Some(r) = region {
            properties.push(format!("line={}", r.line));
            properties.push(format!("endLine={}", r.end_line));
            if r.line == r.end_line {
                properties.push(format!("col={}", r.column));
                properties.push(format!("endColumn={}", r.end_column));
            }
        }
    }
    properties.push(format!("title={}", escape_property(d.code.code)));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!("::{} {}::{}", command(d.severity()), properties.join(","), escape_data(&message))
}

/// A diagnostic that is not annotated, as a log line that the runner cannot take for a command.
fn plain_line(report: &CheckReport, d: &Diagnostic) -> String {
    let line = short_line(report.compilation, d);
    if line.starts_with("::") { format!("./{line}") } else { line }
}

/// The workflow log: every diagnostic (repeated findings grouped), the first 10 of each kind as
/// annotations, the rest as plain lines, then the summary line.
pub struct Github;

impl Emitter for Github {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        let mut annotated = [0usize; 3];
        let mut plain = 0;
        for shown in grouped(&report.compilation.diagnostics, &report.compilation.sources) {
            let d = match shown {
                Item::Finding(d) => d,
                Item::More(more) => {
                    writeln!(out, "{}", more.line(&report.repo_path(&more.file)))?;
                    continue;
                }
            };
            let kind = &mut annotated[d.severity() as usize];
            if *kind < ANNOTATIONS_PER_KIND {
                *kind += 1;
                writeln!(out, "{}", annotation(report, d))?;
            } else {
                plain += 1;
                writeln!(out, "{}", plain_line(report, d))?;
            }
        }
        writeln!(out, "{}", report.summary())?;
        if plain > 0 {
            writeln!(
                out,
                "{plain} more diagnostics are only in the log above: GitHub shows at most {ANNOTATIONS_PER_KIND} annotations of each kind per step"
            )?;
        }
        Ok(())
    }
}

/// Text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\r', '\n'], "<br>")
}

/// The Markdown step summary, appended to `$GITHUB_STEP_SUMMARY` by the caller: a table of
/// counts, then one row a diagnostic (repeated findings grouped; cut short, with a note, before
/// GitHub's 1 MiB limit).
pub struct GithubSummary;

impl Emitter for GithubSummary {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        out.write_all(step_summary(report).as_bytes())
    }
}

fn step_summary(report: &CheckReport) -> String {
    let mut text = format!(
        "### mcc check\n\n{}\n\n| errors | warnings | infos | suppressed | ignored |\n| ---: | ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} | {} |\n\n",
        cell(&report.summary()),
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
        report.suppressed,
        report.ignored,
    );
    let diagnostics = &report.compilation.diagnostics;
    if diagnostics.is_empty() {
        text.push_str("No problems found.\n");
        return text;
    }
    text.push_str("| severity | code | where | message |\n| --- | --- | --- | --- |\n");
    // How many diagnostics the rows so far stand for (a count stands for several).
    let mut listed = 0;
    for shown in grouped(diagnostics, &report.compilation.sources) {
        let d = match shown {
            Item::Finding(d) => d,
            Item::More(more) => {
                let file = report.repo_path(&more.file);
                let row = format!(
                    "| {} | {} | {} | {} |\n",
                    more.code.severity,
                    more.code.code,
                    cell(&file),
                    cell(&more.line(&file))
                );
                if text.len() + row.len() > SUMMARY_LIMIT {
                    text.push_str(&too_long(diagnostics.len() - listed));
                    break;
                }
                text.push_str(&row);
                listed += more.count;
                continue;
            }
        };
        let code = match report.help_uri(d.code.code) {
            Some(uri) => format!("[{}]({uri})", d.code.code),
            None => d.code.code.to_string(),
        };
        let place = match place(report.compilation, d) {
            Some(Place { file, region: Some(r) }) => format!("{}:{}:{}", report.repo_path(&file), r.line, r.column),
            Some(Place { file, region: None }) => report.repo_path(&file),
            None => String::new(),
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let row = format!("| {} | {code} | {} | {} |\n", d.severity(), cell(&place), cell(&message));
        if text.len() + row.len() > SUMMARY_LIMIT {
            text.push_str(&too_long(diagnostics.len() - listed));
            break;
        }
        text.push_str(&row);
        listed += 1;
    }
    text
}

/// The note that ends a step summary cut short.
fn too_long(left: usize) -> String {
    format!("\n{left} more diagnostics are not listed here (GitHub's 1 MiB summary limit): see the log.\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};

    #[test]
    fn github() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Github, &compilation, &analysis));
    }

    #[test]
    fn github_summary() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&GithubSummary, &compilation, &analysis));
    }

    #[test]
    fn data_escapes_percent_first_then_line_ends() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc <d> &"), "a\\|b<br>c &lt;d&gt; &amp;");
    }
}
