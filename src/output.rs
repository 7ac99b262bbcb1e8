//! How results and diagnostics look: miette reports for people, one line a diagnostic for
//! editors, JSON for machines (SARIF and GitHub's workflow commands live in their own modules).

use std::io::{IsTerminal, Write};

use mcc_compiler::diagnostic::{Diagnostic, Report, Severity};
use mcc_compiler::source::Span;
use mcc_compiler::{Analysis, Compilation, RenderedPool, codes, rendered_machine_config};
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde_json::{Value, json};

/// Colour only for a terminal, and never when `NO_COLOR` is set (https://no-color.org).
fn theme() -> GraphicalTheme {
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal();
    if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() }
}

pub fn print_diagnostics(compilation: &Compilation, out: &mut dyn Write) {
    let handler = GraphicalReportHandler::new_themed(theme()).with_width(100).with_links(false);
    for diagnostic in &compilation.diagnostics {
        let mut text = String::new();
        let report = Report::new(diagnostic, &compilation.sources);
        if handler.render_report(&mut text, &report).is_ok() {
            let _ = write!(out, "{text}");
            for related in other_file_labels(compilation, diagnostic) {
                let _ = writeln!(out, "  {related}");
            }
        }
    }
}

/// Related places in another file than the diagnostic's, which the snippet cannot show.
fn other_file_labels(compilation: &Compilation, diagnostic: &Diagnostic) -> Vec<String> {
    let Some(span) = diagnostic.span else {
        return Vec::new();
    };
    diagnostic
        .related
        .iter()
        .filter(|r| r.span.source != span.source)
        .map(|r| {
            let file = compilation.sources.get(r.span.source);
            let (line, col) = file.line_col(r.span.start as usize);
            format!("note: {} at {}:{line}:{col}", r.message, file.name)
        })
        .collect()
}

/// What `mcc check` found, as every output format needs it.
pub struct CheckReport<'a> {
    /// Its `diagnostics` are those still reported: ignored and suppressed ones are taken out.
    pub compilation: &'a Compilation,
    pub analysis: &'a Analysis,
    /// How many diagnostics an `mcc.openshift.io/ignore` annotation suppressed.
    pub suppressed: usize,
    /// How many diagnostics `--ignore` took out.
    pub ignored: usize,
    /// The input paths as given, where a diagnostic with no file of its own is placed (SARIF).
    pub inputs: &'a [String],
    /// Where each code's page is published: `{base}{CODE}.md`.
    pub help_uri_base: &'a str,
}

impl CheckReport<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.compilation.count(severity)
    }

    /// The published page of a code of mcc's registry (lint codes have none).
    pub fn help_uri(&self, code: &str) -> Option<String> {
        codes::find(code).map(|info| format!("{}{}.md", self.help_uri_base, info.code))
    }

    /// The documentation page of a code: its page in docs/codes, or a lint's generated page.
    pub fn doc_page(&self, d: &Diagnostic) -> String {
        match codes::find(d.code.code) {
            Some(info) => info.doc.to_string(),
            None => self
                .analysis
                .policies
                .lint_page(d.code.code, &self.compilation.sources)
                .unwrap_or_else(|| format!("# {}: {}\n", d.code.code, d.code.summary)),
        }
    }

    /// `3 errors, 2 warnings in 41 files (17 MachineConfigs, 3 pools rendered)`, then what was
    /// suppressed or ignored, if anything.
    pub fn summary(&self) -> String {
        let mut text = summary(self.compilation, self.analysis.rendered.len());
        let hidden: Vec<String> = [(self.suppressed, "suppressed"), (self.ignored, "ignored")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if !hidden.is_empty() {
            text.push_str(&format!("; {}", hidden.join(", ")));
        }
        text
    }
}

pub fn print_human(report: &CheckReport, out: &mut dyn Write) {
    print_diagnostics(report.compilation, out);
    let _ = writeln!(out, "{}", report.summary());
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// `3 errors, 2 warnings in 41 files (17 MachineConfigs, 3 pools rendered)`.
fn summary(compilation: &Compilation, pools: usize) -> String {
    let files = compilation.input_files;
    format!(
        "{}, {} in {} ({}, {} rendered)",
        plural(compilation.count(Severity::Error), "error"),
        plural(compilation.count(Severity::Warning), "warning"),
        plural(files, "file"),
        plural(compilation.inputs.machine_configs.len(), "MachineConfig"),
        plural(pools, "pool"),
    )
}

/// Where a diagnostic points: its file as given, and the span in it when it has one.
pub struct Place {
    pub file: String,
    pub region: Option<Region>,
}

/// A span with its 1-based line and column (in characters) at both ends; `end_*` is the
/// position just after the span.
#[derive(Clone, Copy)]
pub struct Region {
    pub start: u32,
    pub end: u32,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn region(compilation: &Compilation, span: Span) -> (String, Region) {
    let file = compilation.sources.get(span.source);
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    (file.name.to_string(), Region { start: span.start, end: span.end, line, column, end_line, end_column })
}

/// `None` for a problem of the run as a whole (no inputs at all).
pub fn place(compilation: &Compilation, d: &Diagnostic) -> Option<Place> {
    match (d.span, &d.subject) {
        (Some(span), _) => {
            let (file, region) = region(compilation, span);
            Some(Place { file, region: Some(region) })
        }
        (None, Some(subject)) => Some(Place { file: subject.clone(), region: None }),
        (None, None) => None,
    }
}

/// A path as a repository-relative one, as CI systems want it: relative to the current
/// directory when it lies below it, without `./`, with forward slashes.
pub fn repo_path(name: &str) -> String {
    let mut path = name.replace('\\', "/");
    if path.starts_with('/')
        && let Ok(cwd) = std::env::current_dir()
        && let Some(cwd) = cwd.to_str()
    {
        let cwd = cwd.replace('\\', "/");
        let cwd = cwd.trim_end_matches('/');
        if let Some(rest) = path.strip_prefix(cwd).and_then(|r| r.strip_prefix('/')) {
            path = rest.to_string();
        }
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/').to_string();
    }
    path
}

/// One diagnostic on one line: `path:line:col: severity[CODE] message` (`path: …` without a
/// position, `severity[CODE] message` without a file). Line breaks in the message become spaces.
pub fn short_line(compilation: &Compilation, d: &Diagnostic) -> String {
    let message = d.message.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let what = format!("{}[{}] {message}", d.severity(), d.code.code);
    match place(compilation, d) {
        Some(Place { file, region: Some(r) }) => format!("{file}:{}:{}: {what}", r.line, r.column),
        Some(Place { file, region: None }) => format!("{file}: {what}"),
        None => what,
    }
}

/// `--format short`: one line a diagnostic, nothing else.
pub fn print_short(report: &CheckReport, out: &mut dyn Write) {
    for d in &report.compilation.diagnostics {
        let _ = writeln!(out, "{}", short_line(report.compilation, d));
    }
}

/// The stable JSON form of the diagnostics (`mcc.diagnostics/v1`, see docs/formats.md).
pub fn print_json(report: &CheckReport) {
    let compilation = report.compilation;
    let diagnostics: Vec<Value> = compilation.diagnostics.iter().map(|d| diagnostic_json(compilation, d)).collect();
    let value = json!({
        "schema": "mcc.diagnostics/v1",
        "diagnostics": diagnostics,
        "summary": {
            "errors": compilation.count(Severity::Error),
            "warnings": compilation.count(Severity::Warning),
            "infos": compilation.count(Severity::Info),
            "suppressed": report.suppressed,
            "ignored": report.ignored,
        },
    });
    emit(&(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"));
}

fn location(compilation: &Compilation, span: Span) -> Value {
    let (file, r) = region(compilation, span);
    json!({
        "file": file,
        "start": r.start, "end": r.end,
        "line": r.line, "column": r.column, "end_line": r.end_line, "end_column": r.end_column,
    })
}

fn diagnostic_json(compilation: &Compilation, d: &Diagnostic) -> Value {
    let place = match (d.span, &d.subject) {
        (Some(span), _) => location(compilation, span),
        (None, Some(subject)) => json!({ "file": subject }),
        (None, None) => Value::Null,
    };
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|r| {
            let mut loc = location(compilation, r.span);
            loc["message"] = r.message.clone().into();
            loc
        })
        .collect();
    json!({
        "code": d.code.code,
        "severity": d.severity(),
        "message": d.message,
        "location": place,
        "label": d.label,
        "help": d.help,
        "related": related,
    })
}

/// A Kubernetes `List` of the rendered MachineConfigs, one item per pool.
pub fn rendered_list(compilation: &Compilation, rendered: &[RenderedPool]) -> Value {
    let names = |i: usize| compilation.inputs.machine_configs[i].name().to_string();
    let items: Vec<Value> = rendered.iter().map(|p| rendered_machine_config(p, &names)).collect();
    json!({ "apiVersion": "v1", "kind": "List", "items": items })
}

/// Writes a result to stdout. A closed pipe (`mcc … | head`) is not an error worth a panic:
/// whatever could not be written was not wanted.
pub fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn to_yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_default()
}

pub use mcc_compiler::explain as explanations;

/// `mcc explain --entry` for people.
pub fn explanations_text(explanations: &[mcc_compiler::Explanation]) -> String {
    let mut out = String::new();
    for e in explanations {
        let placement = match e.placement {
            "image" => "image: baked into the derived image",
            "etc" => "etc: baked into the image's /etc (3-way merged on update)",
            "var" => "var: written on the node (never updated from an image)",
            "rebootless" => "rebootless: written on the node, with its disruption actions",
            _ => "reject: no node can hold it",
        };
        out.push_str(&format!("{} in pool {} (target {}, profile {})\n", e.entry, e.pool, e.target, e.profile));
        out.push_str(&format!("  placement: {placement}{}\n", if e.node_side { "; applied on the node" } else { "" }));
        if let Some(path) = e.resolved_path.as_ref().filter(|p| **p != e.entry) {
            out.push_str(&format!("  resolves to: {path}\n"));
        }
        if let Some(rule) = &e.rule {
            out.push_str(&format!("  placed by: {}  {}\n", rule.at, rule.text));
        }
        for rule in &e.shadowed {
            out.push_str(&format!("  shadowed: {}  {}\n", rule.at, rule.text));
        }
        out.push_str(&format!("  on change: {} — {}\n", e.actions.join(", "), e.disruption));
        if let Some(rule) = &e.disruption_rule {
            out.push_str(&format!("  disruption rule: {}  {}\n", rule.at, rule.text));
        }
        if let Some(note) = &e.note {
            out.push_str(&format!("  note: {note}\n"));
        }
        out.push_str("  defined by, in override order:\n");
        for (i, d) in e.machine_configs.iter().enumerate() {
            out.push_str(&format!("    {}. {} ({}): {}\n", i + 1, d.name, d.at, d.fields.join(", ")));
        }
    }
    out
}
