//! `--format json`: the stable `mcc.diagnostics/v1` document (docs/formats.md).
//!
//! Each diagnostic is written from borrowed fields (no JSON tree built first) on every core, a
//! bounded chunk at a time, and the chunks are written in the diagnostics' order: a fleet's
//! thousands of diagnostics were a tree of maps built and printed on one core, a fifth of a
//! check's instructions. The text is `serde_json`'s pretty printing of the whole document, byte
//! for byte (a test compares the two): each diagnostic is pretty-printed on its own and indented
//! to its depth, which is exact because JSON strings hold no raw line break.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::location::{Region, borrowed_region};
use super::{CheckReport, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::session::Compilation;
use crate::source::Span;

pub struct Json;

/// How many diagnostics are printed before they are written: enough to keep every core busy,
/// few enough that the text of a huge run is never all in memory.
const CHUNK: usize = 1024;

/// The indentation of a diagnostic inside the document: `{ "diagnostics": [ … ] }`.
const ITEM_INDENT: &str = "    ";

impl Emitter for Json {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        let compilation = report.compilation;
        out.write_all(b"{\n  \"schema\": \"mcc.diagnostics/v1\",\n  \"diagnostics\": [")?;
        let diagnostics = &compilation.diagnostics;
        for (chunk_at, chunk) in diagnostics.chunks(CHUNK).enumerate() {
            let printed: Vec<io::Result<String>> = chunk
                .par_iter()
                .enumerate()
                .map(|(i, d)| {
                    let separator = if chunk_at == 0 && i == 0 { "\n" } else { ",\n" };
                    item(separator, &Entry::new(compilation, d))
                })
                .collect();
            for text in printed {
                out.write_all(text?.as_bytes())?;
            }
        }
        out.write_all(if diagnostics.is_empty() { b"],\n  \"summary\": " } else { b"\n  ],\n  \"summary\": " })?;
        let summary = Summary {
            errors: compilation.count(Severity::Error),
            warnings: compilation.count(Severity::Warning),
            infos: compilation.count(Severity::Info),
            suppressed: report.suppressed,
            ignored: report.ignored,
        };
        out.write_all(indented(&serde_json::to_string_pretty(&summary)?, "  ").as_bytes())?;
        out.write_all(b"\n}\n")
    }
}

/// One diagnostic as an item of the document's list: after `separator`, at its depth.
fn item(separator: &str, entry: &Entry) -> io::Result<String> {
    let text = serde_json::to_string_pretty(entry)?;
    let mut item = String::from(separator);
    item.push_str(ITEM_INDENT);
    push_indented(&mut item, &text, ITEM_INDENT);
    Ok(item)
}

/// `text` with every line after the first indented by `indent`.
fn indented(text: &str, indent: &str) -> String {
    let mut out = String::new();
    push_indented(&mut out, text, indent);
    out
}

/// Appends `text` to `out`, every line after the first indented by `indent`.
fn push_indented(out: &mut String, text: &str, indent: &str) {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    out.reserve(text.len() + lines * indent.len());
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', text.as_bytes()) {
        out.push_str(&text[from..=at]);
        out.push_str(indent);
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
    ignored: usize,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    location: Option<Location<'a>>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    related: Vec<Location<'a>>,
}

impl<'a> Entry<'a> {
    fn new(compilation: &'a Compilation, d: &'a Diagnostic) -> Self {
        let location = match (d.span, &d.subject) {
            (Some(span), _) => Some(Location::at(compilation, span, None)),
            (None, Some(subject)) => Some(Location { file: subject, region: None, message: None }),
            (None, None) => None,
        };
        Entry {
            code: d.code.code,
            severity: d.severity(),
            message: &d.message,
            location,
            label: d.label.as_deref(),
            help: d.help.as_deref(),
            related: d.related.iter().map(|r| Location::at(compilation, r.span, Some(&r.message))).collect(),
        }
    }
}

/// A place: a span's file and region, or only a path; a related place adds its message last.
struct Location<'a> {
    file: &'a str,
    region: Option<Region>,
    message: Option<&'a str>,
}

impl<'a> Location<'a> {
    fn at(compilation: &'a Compilation, span: Span, message: Option<&'a str>) -> Self {
        let (file, region) = borrowed_region(compilation, span);
        Location { file, region: Some(region), message }
    }
}

impl Serialize for Location<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("file", self.file)?;
        if let Some(r) = self.region {
            map.serialize_entry("start", &r.start)?;
            map.serialize_entry("end", &r.end)?;
            map.serialize_entry("line", &r.line)?;
            map.serialize_entry("column", &r.column)?;
            map.serialize_entry("end_line", &r.end_line)?;
            map.serialize_entry("end_column", &r.end_column)?;
        }
        if let Some(message) = self.message {
            map.serialize_entry("message", message)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};
    use serde_json::{Value, json};

    #[test]
    fn json() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Json, &compilation, &analysis));
    }

    /// The document as a JSON tree printed whole by `serde_json`, the text the emitter must
    /// give byte for byte.
    fn printed_whole(compilation: &Compilation, suppressed: usize, ignored: usize) -> String {
        let location = |span: Span| {
            let file = compilation.sources.get(span.source);
            let (line, column) = file.line_col(span.start as usize);
            let (end_line, end_column) = file.line_col(span.end as usize);
            json!({
                "file": file.name.as_str(), "start": span.start, "end": span.end,
                "line": line, "column": column, "end_line": end_line, "end_column": end_column,
            })
        };
        let diagnostics: Vec<Value> = compilation
            .diagnostics
            .iter()
            .map(|d| {
                let place = match (d.span, &d.subject) {
                    (Some(span), _) => location(span),
                    (None, Some(subject)) => json!({ "file": subject }),
                    (None, None) => Value::Null,
                };
                let related: Vec<Value> = d
                    .related
                    .iter()
                    .map(|r| {
                        let mut at = location(r.span);
                        at["message"] = r.message.clone().into();
                        at
                    })
                    .collect();
                json!({
                    "code": d.code.code, "severity": d.severity(), "message": d.message, "location": place,
                    "label": d.label, "help": d.help, "related": related,
                })
            })
            .collect();
        let document = json!({
            "schema": "mcc.diagnostics/v1",
            "diagnostics": diagnostics,
            "summary": {
                "errors": compilation.count(Severity::Error),
                "warnings": compilation.count(Severity::Warning),
                "infos": compilation.count(Severity::Info),
                "suppressed": suppressed,
                "ignored": ignored,
            },
        });
        serde_json::to_string_pretty(&document).unwrap() + "\n"
    }

    #[test]
    fn the_document_is_serde_jsons_pretty_printing_of_the_whole() {
        let (mut compilation, analysis) = fixture_report();
        let all = compilation.diagnostics.clone();
        assert!(all.iter().any(|d| !d.related.is_empty()), "the fixture has a related place");
        // None, one, the fixture's, a path-only and a placeless one, and more than a chunk.
        let general = Diagnostic::general(&crate::codes::NO_INPUTS, "nothing \"quoted\"\nto read");
        let about_path = Diagnostic::about_path(&crate::codes::INPUT_UNREADABLE, "/a\\b", "no").with_help("help");
        let many: Vec<Diagnostic> = all.iter().cycle().take(CHUNK * 2 + 3).cloned().collect();
        for diagnostics in [vec![], all[..1].to_vec(), all.clone(), vec![general, about_path], many] {
            compilation.diagnostics = diagnostics;
            let report = CheckReport {
                compilation: &compilation,
                analysis: &analysis,
                suppressed: 2,
                ignored: 1,
                inputs: &[],
                help_uri_base: "",
                working_dir: None,
            };
            let mut out = Vec::new();
            Json.emit(&mut out, &report).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), printed_whole(&compilation, 2, 1));
        }
    }
}
