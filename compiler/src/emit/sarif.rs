//! `mcc check --format sarif`: SARIF 2.1.0, in the subset GitHub code scanning ingests.
//!
//! Hand-written: mcc only writes SARIF, and a dozen small structs say exactly what it writes.
//! `tests/it/formats.rs` validates the output against the SARIF 2.1.0 JSON schema. The layout is
//! documented in docs/formats.md.

use std::collections::BTreeMap;
use std::io::{self, Write};

use mcc_contract::sha256_hex;
use rayon::prelude::*;
use serde::Serialize;

use super::{CheckReport, Emitter, Place, Region, place, region};
use crate::diagnostic::{Diagnostic, Severity};
use crate::hash::{HashMap, HashSet};

/// The project's home, for `tool.driver.informationUri`.
const INFORMATION_URI: &str = "https://github.com/openshift/mcc";
/// The key of mcc's own entry in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "mcc/v1";

/// The SARIF log; `tool_version` is the version of the mcc binary that ran.
pub struct Sarif {
    pub tool_version: &'static str,
}

impl Emitter for Sarif {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &log(report, self.tool_version))?;
        writeln!(out)
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

/// SARIF's `multiformatMessageString`: `text` is required, `markdown` is what GitHub shows.
#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF log of one `mcc check`: one run, the rules of the codes found (in code order), and
/// one result a diagnostic.
fn log(report: &CheckReport, tool_version: &'static str) -> Log {
    let diagnostics = &report.compilation.diagnostics;
    let mut codes: Vec<&Diagnostic> = Vec::new();
    let mut listed: HashSet<&str> = HashSet::default();
    for d in diagnostics {
        if listed.insert(d.code.code) {
            codes.push(d);
        }
    }
    codes.sort_by_key(|d| d.code.code);
    let rules: Vec<Rule> = codes.iter().map(|d| rule(report, d)).collect();
    let index: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, d)| (d.code.code, i)).collect();
    // Each result is made on every core; only the count of each key's occurrences so far, which
    // the fingerprint includes, is taken in the diagnostics' order.
    let placed: Vec<(Location, String)> = diagnostics
        .par_iter()
        .map(|d| {
            let location = primary_location(report, d);
            let text = d.span.map_or("", |s| report.compilation.sources.text(s));
            let key = format!("{}\0{}\0{}", d.code.code, location.physical_location.artifact_location.uri, text);
            (location, key)
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::default();
    let occurrences: Vec<usize> = placed
        .iter()
        .map(|(_, key)| {
            let occurrence = seen.entry(key.as_str()).or_default();
            *occurrence += 1;
            *occurrence
        })
        .collect();
    drop(seen);
    let results = placed
        .into_par_iter()
        .zip(occurrences)
        .zip(diagnostics.par_iter())
        .map(|(((location, key), occurrence), d)| {
            let fingerprint = sha256_hex(format!("{key}\0{occurrence}").as_bytes());
            SarifResult {
                rule_id: d.code.code.to_string(),
                rule_index: index[d.code.code],
                level: level(d.severity()),
                message: Text { text: message(d) },
                locations: vec![location],
                related_locations: related(report, d),
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint[..32].to_string())]),
            }
        })
        .collect();
    Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "mcc",
                    version: tool_version,
                    semantic_version: tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: vec![Invocation { execution_successful: !report.compilation.unreadable_input }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn rule(report: &CheckReport, d: &Diagnostic) -> Rule {
    let page = report.doc_page(d);
    Rule {
        id: d.code.code.to_string(),
        name: d.code.name.to_string(),
        short_description: Text { text: d.code.summary.to_string() },
        help_uri: report.help_uri(d.code.code),
        help: Help { text: page.clone(), markdown: page },
        default_configuration: Configuration { level: level(d.severity()) },
    }
}

/// The message, then the diagnostic's own help when it has one.
fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

/// GitHub refuses a whole log if one result has no file: a problem with no file of its own (no
/// inputs at all) is placed on the first input path, at line 1.
fn primary_location(report: &CheckReport, d: &Diagnostic) -> Location {
    let place = place(report.compilation, d).unwrap_or_else(|| Place {
        file: report.inputs.first().cloned().unwrap_or_else(|| ".".to_string()),
        region: None,
    });
    Location { id: None, physical_location: physical(report, &place.file, place.region), message: None }
}

fn related(report: &CheckReport, d: &Diagnostic) -> Vec<Location> {
    let mut locations: Vec<Location> = Vec::new();
    for label in &d.related {
        let (file, region) = region(report.compilation, label.span);
        let location = Location {
            id: Some(locations.len() + 1),
            physical_location: physical(report, &file, Some(region)),
            message: Some(Text { text: label.message.clone() }),
        };
        locations.push(location);
    }
    locations
}

fn physical(report: &CheckReport, file: &str, region: Option<Region>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri(&report.repo_path(file)) },
        region: match region {
            Some(r) => SarifRegion {
                start_line: r.line,
                start_column: Some(r.column),
                end_line: Some(r.end_line),
                end_column: Some(r.end_column),
            },
            None => SarifRegion { start_line: 1, start_column: None, end_line: None, end_column: None },
        },
    }
}

/// A relative path as a URI reference: every byte outside the unreserved and path characters
/// percent-encoded (`:` too, so that a first segment never reads as a scheme).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};

    #[test]
    fn sarif() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Sarif { tool_version: "1.2.3" }, &compilation, &analysis));
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("clusters/prod/99-worker x.yaml"), "clusters/prod/99-worker%20x.yaml");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri("a:b/100%.yaml"), "a%3Ab/100%25.yaml");
        assert_eq!(uri("é.yaml"), "%C3%A9.yaml");
    }
}
