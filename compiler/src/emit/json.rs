//! `--format json`: the stable `mcc.diagnostics/v1` document (docs/formats.md).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{CheckReport, Emitter, region};
use crate::diagnostic::{Diagnostic, Severity};
use crate::session::Compilation;
use crate::source::Span;

pub struct Json;

impl Emitter for Json {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        let compilation = report.compilation;
        let diagnostics: Vec<Value> = compilation.diagnostics.iter().map(|d| diagnostic(compilation, d)).collect();
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
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)
    }
}

fn location(compilation: &Compilation, span: Span) -> Value {
    let (file, r) = region(compilation, span);
    json!({
        "file": file,
        "start": r.start, "end": r.end,
        "line": r.line, "column": r.column, "end_line": r.end_line, "end_column": r.end_column,
    })
}

fn diagnostic(compilation: &Compilation, d: &Diagnostic) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};

    #[test]
    fn json() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Json, &compilation, &analysis));
    }
}
