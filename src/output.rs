//! How results and diagnostics look: miette reports for people, JSON for machines.

use std::io::{IsTerminal, Write};

use mcc_compiler::Compilation;
use mcc_compiler::diagnostic::{Diagnostic, Report, Severity};
use mcc_compiler::render::{RenderedPool, emit};
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

pub fn print_human(compilation: &Compilation, pools: usize, out: &mut dyn Write) {
    print_diagnostics(compilation, out);
    let _ = writeln!(out, "{}", summary(compilation, pools));
}

/// `3 errors, 2 warnings in 41 files (17 MachineConfigs, 3 pools)`.
fn summary(compilation: &Compilation, pools: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
    };
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

/// The stable JSON form of the diagnostics (`mcc.diagnostics/v1`, see docs/formats.md).
pub fn print_json(compilation: &Compilation) {
    let diagnostics: Vec<Value> = compilation.diagnostics.iter().map(|d| diagnostic_json(compilation, d)).collect();
    let value = json!({
        "schema": "mcc.diagnostics/v1",
        "diagnostics": diagnostics,
        "summary": {
            "errors": compilation.count(Severity::Error),
            "warnings": compilation.count(Severity::Warning),
            "infos": compilation.count(Severity::Info),
        },
    });
    emit(&(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"));
}

fn location(compilation: &Compilation, span: mcc_compiler::source::Span) -> Value {
    let file = compilation.sources.get(span.source);
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    json!({
        "file": file.name,
        "start": span.start, "end": span.end,
        "line": line, "column": column, "end_line": end_line, "end_column": end_column,
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
    let items: Vec<Value> = rendered.iter().map(|p| emit::rendered_machine_config(p, &names)).collect();
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

pub use mcc_compiler::explain::explain as explanations;

/// `mcc explain --entry` for people.
pub fn explanations_text(explanations: &[mcc_compiler::explain::Explanation]) -> String {
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
