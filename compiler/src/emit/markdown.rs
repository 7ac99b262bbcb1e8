//! `mcc check --format markdown`: a report for a pull request comment or
//! `$GITHUB_STEP_SUMMARY`. The summary comes first (the counts, then one row a code), and the
//! diagnostics follow in a collapsed `<details>` block a severity (repeated findings of one code
//! in one file grouped, `group.rs`), cut short with a note before
//! GitHub's 1 MiB limit on a step summary (a comment's limit is lower still: 65,536 characters,
//! which the collapsed blocks make easy to stay under by trimming inputs, not by mcc guessing).

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::group::{Item, grouped};
use super::{CheckReport, Emitter, Place, place};
use crate::diagnostic::{Diagnostic, Severity};

/// GitHub's limit on a step summary (1 MiB), with room for the closing note.
const LIMIT: usize = 1024 * 1024 - 4096;

pub struct Markdown;

impl Emitter for Markdown {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        out.write_all(document(report).as_bytes())
    }
}

fn document(report: &CheckReport) -> String {
    let diagnostics = &report.compilation.diagnostics;
    let verdict = match (report.count(Severity::Error), report.count(Severity::Warning)) {
        (0, 0) => "✅",
        (0, _) => "⚠️",
        _ => "❌",
    };
    let mut text = format!("### mcc check\n\n{verdict} {}\n", inline(&report.summary()));
    if diagnostics.is_empty() {
        text.push_str("\nNo problems found.\n");
        return text;
    }
    text.push_str("\n| code | severity | count | what |\n| --- | --- | ---: | --- |\n");
    // Errors first, then warnings, then infos; each by code.
    let mut by_code: BTreeMap<(Reverse<Severity>, &str), (usize, &str)> = BTreeMap::new();
    for d in diagnostics {
        by_code.entry((Reverse(d.severity()), d.code.code)).or_insert((0, d.code.summary)).0 += 1;
    }
    for ((Reverse(severity), code), (count, summary)) in &by_code {
        text.push_str(&format!("| {} | {severity} | {count} | {} |\n", linked(report, code), cell(summary)));
    }
    let items = grouped(diagnostics, &report.compilation.sources);
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let of_severity = diagnostics.iter().filter(|d| d.severity() == severity).count();
        if of_severity == 0 {
            continue;
        }
        let title = format!("{of_severity} {severity}{}", if of_severity == 1 { "" } else { "s" });
        text.push_str(&format!("\n<details><summary>{title}</summary>\n\n"));
        // How many diagnostics the items so far stand for (a count stands for several).
        let mut listed = 0;
        for shown in items.iter().filter(|i| i.severity() == severity) {
            let (item, stands_for) = match shown {
                Item::Finding(d) => (item(report, d), 1),
                Item::More(more) => (format!("- {}\n", inline(&more.line(&report.repo_path(&more.file)))), more.count),
            };
            if text.len() + item.len() > LIMIT {
                text.push_str(&format!(
                    "\n{} more are not listed here (GitHub's 1 MiB limit): run `mcc check` to see them all.\n",
                    of_severity - listed
                ));
                break;
            }
            text.push_str(&item);
            listed += stands_for;
        }
        text.push_str("\n</details>\n");
    }
    text
}

/// One diagnostic as a list item: code, place, message, then the help on its own line.
fn item(report: &CheckReport, d: &Diagnostic) -> String {
    let place = match place(report.compilation, d) {
        Some(Place { file, region: Some(r) }) => format!(" `{}:{}:{}`", report.repo_path(&file), r.line, r.column),
        Some(Place { file, region: None }) => format!(" `{}`", report.repo_path(&file)),
        None => String::new(),
    };
    let mut item = format!("- {}{place}: {}\n", linked(report, d.code.code), inline(&d.message));
    if let Some(help) = &d.help {
        item.push_str(&format!("  <br>help: {}\n", inline(help)));
    }
    item
}

/// The code, linked to its published page when it has one.
fn linked(report: &CheckReport, code: &str) -> String {
    match report.help_uri(code) {
        Some(uri) => format!("[{code}]({uri})"),
        None => code.to_string(),
    }
}

/// Text on one Markdown line: HTML neutralised, line breaks as `<br>`.
fn inline(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "<br>")
        .replace(['\r', '\n'], "<br>")
}

/// Text for a table cell: as [`inline`], with pipes escaped.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report, run};

    #[test]
    fn markdown() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Markdown, &compilation, &analysis));
    }

    #[test]
    fn markdown_without_problems() {
        let (compilation, analysis) = run("apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-kargs
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  kernelArguments: [nosmt]
");
        let text = emitted(&Markdown, &compilation, &analysis);
        assert!(text.starts_with("### mcc check\n\n✅ 0 errors, 0 warnings"), "{text}");
        assert!(text.ends_with("No problems found.\n"), "{text}");
    }

    #[test]
    fn inputs_cannot_open_tags_or_break_the_table() {
        assert_eq!(cell("a|b\n<script> &"), "a\\|b<br>&lt;script&gt; &amp;");
    }
}
