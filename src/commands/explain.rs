//! `mcc explain CODE`: a code's documentation page; `mcc explain PATHS --entry ENTRY`: where an
//! entry goes, the rule that decided, and what a change to it costs.

use mcc_compiler::codes;
use mcc_compiler::diagnostic::Diagnostic;
use mcc_compiler::{Explanation, explain};

use crate::args::{CheckFormat, ExplainArgs, Inputs};
use crate::error::{CliError, Outcome};
use crate::session::Analyzed;
use crate::streams;

pub fn run(args: ExplainArgs) -> Result<Outcome, CliError> {
    if args.list {
        streams::print(&code_list())?;
        return Ok(Outcome::Clean);
    }
    match args.entry {
        None if args.args.len() == 1 => explain_code(&args.args[0]),
        None => Err(CliError::Usage("give one code (`mcc explain MCC1005`), or paths with `--entry`".to_string())),
        Some(entry) => {
            let inputs = Inputs { paths: args.args, settings: args.settings.relocating(args.relocate) };
            explain_entry(&inputs, &entry, args.pool.as_deref(), args.format)
        }
    }
}

/// `mcc explain --list`: one line a code, `CODE  severity  summary`, mcc's codes then the
/// stdlib's lints, each in code order.
fn code_list() -> String {
    let mut rows: Vec<(String, String, String)> =
        codes::ALL.iter().map(|c| (c.code.to_string(), c.severity.to_string(), c.summary.to_string())).collect();
    rows.sort();
    rows.extend(
        mcc_compiler::stdlib_lints().into_iter().map(|(code, level, message)| (code, level.to_string(), message)),
    );
    let width = rows.iter().map(|(_, severity, _)| severity.len()).max().unwrap_or(0);
    rows.iter().map(|(code, severity, summary)| format!("{code}  {severity:<width$}  {summary}\n")).collect()
}

fn explain_code(code: &str) -> Result<Outcome, CliError> {
    if let Some(info) = codes::find(code) {
        streams::print(info.doc)?;
        return Ok(Outcome::Clean);
    }
    // Not one of mcc's own codes: perhaps a lint of the stdlib (MCC6xxx).
    match mcc_compiler::lint_page(code) {
        Some(page) => {
            streams::print(&page)?;
            Ok(Outcome::Clean)
        }
        None => Err(CliError::Usage(format!("`{code}` is not an mcc diagnostic code; codes look like MCC1005"))),
    }
}

fn explain_entry(inputs: &Inputs, entry: &str, pool: Option<&str>, format: CheckFormat) -> Result<Outcome, CliError> {
    let Analyzed { compilation, analysis } = inputs.analyze(pool);
    // Every problem is said, as `check` says it: an explanation drawn from inputs or policies
    // that did not load is silently wrong otherwise.
    streams::report(&compilation.diagnostics, &compilation.sources)?;
    let outcome = Outcome::of(&compilation, false);
    let explanations = explain(&compilation, &analysis, entry);
    if explanations.is_empty() {
        let not_found = Diagnostic::general(
            &codes::ENTRY_NOT_FOUND,
            format!("no rendered pool has an entry `{entry}`"),
        )
        .with_help(match pool {
            Some(pool) => format!("check the spelling, or whether pool `{pool}` is rendered (`mcc check`)"),
            None => "check the spelling, or whether the pools defining it are rendered (`mcc check`)".to_string(),
        });
        streams::report(&[not_found], &compilation.sources)?;
        return Ok(if outcome == Outcome::Clean { Outcome::Problems } else { outcome });
    }
    let text = match format {
        CheckFormat::Human => explanations_text(&explanations),
        CheckFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({"schema": "mcc.explain/v1", "entries": explanations}))
                .unwrap_or_default()
                + "\n"
        }
    };
    streams::print(&text)?;
    Ok(outcome)
}

/// `mcc explain --entry` for people.
fn explanations_text(explanations: &[Explanation]) -> String {
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
        if let Some(from) = &e.relocated_from {
            out.push_str(&format!("  relocated: {from} -> {}\n", e.resolved_path.as_deref().unwrap_or_default()));
        } else if let Some(path) = e.resolved_path.as_ref().filter(|p| **p != e.entry) {
            out.push_str(&format!("  resolves to: {path}\n"));
        }
        if let Some(rule) = &e.rule {
            out.push_str(&format!("  placed by: {}  {}\n", rule.at, rule.text));
        }
        for rule in &e.shadowed {
            out.push_str(&format!("  shadowed: {}  {}\n", rule.at, rule.text));
        }
        if let Some(rule) = &e.relocated_by {
            out.push_str(&format!("  relocated by: {}  {}\n", rule.at, rule.text));
        }
        if let Some(note) = &e.relocation_note {
            out.push_str(&format!("  not relocated: {note}\n"));
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
