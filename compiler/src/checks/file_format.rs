//! MCC7013 (and MCC4014): a file of a known format does not parse.
//!
//! Ignition and the MCO write a file's bytes without reading them, so a `policy.json` with a
//! missing comma, a `crio.conf` drop-in that is not TOML or a `registries.d` file that is not
//! YAML reaches the node, where its reader refuses it: image pulls fail, CRI-O does not start.
//! The format is known from the path: the containers and CRI-O configuration files (TOML, JSON,
//! YAML, as their man pages say), and any `*.json`, `*.conflist`, `*.toml`, `*.yaml` or `*.yml`.
//! Every MachineConfig's file contents are checked as the node gets them (decoded and
//! decompressed), with the parser's line and column in the decoded text.
//!
//! `/etc/containers/registries.conf` is decoded as the MCO itself decodes it when a change to it
//! is applied (its `Special` action, `plan::registries`): data URL decoded but not decompressed,
//! then TOML into the MCO's struct, field types included. A failure there fails every update
//! that touches the file, so it keeps the plan's code, MCC4014.

use rayon::prelude::*;

use super::{Context, decoded};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::content::{self, SourceKind};
use crate::ignition::types::File;
use crate::plan::registries;
use crate::policy::disruption::REGISTRIES_CONF;
use crate::source::Sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Toml,
    Yaml,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        }
    }
}

/// The format of a path and who reads it, when mcc knows.
fn format_of(path: &str) -> Option<(Format, &'static str)> {
    let under = |dir: &str| path.strip_prefix(dir).is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    let ext = |e: &str| path.ends_with(e);
    let known = match path {
        "/etc/containers/policy.json" => (Format::Json, "containers/image (CRI-O, podman)"),
        "/etc/containers/storage.conf" => (Format::Toml, "containers/storage (CRI-O, podman)"),
        "/etc/containers/containers.conf" => (Format::Toml, "podman"),
        "/etc/crio/crio.conf" => (Format::Toml, "CRI-O"),
        _ if under("/etc/containers/registries.conf.d/") && ext(".conf") => {
            (Format::Toml, "containers/image (CRI-O, podman)")
        }
        _ if under("/etc/containers/containers.conf.d/") && ext(".conf") => (Format::Toml, "podman"),
        _ if under("/etc/containers/registries.d/") && (ext(".yaml") || ext(".yml")) => {
            (Format::Yaml, "containers/image (CRI-O, podman)")
        }
        _ if under("/etc/crio/crio.conf.d/") => (Format::Toml, "CRI-O"),
        _ if ext(".json") || ext(".conflist") => (Format::Json, "its reader"),
        _ if ext(".toml") => (Format::Toml, "its reader"),
        _ if ext(".yaml") || ext(".yml") => (Format::Yaml, "its reader"),
        _ => return None,
    };
    Some(known)
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // The MachineConfigs on every core (a fleet's JSON, TOML and YAML files are parsed here, the
    // longest check of the run), their findings in input order whatever the thread count.
    let configs: Vec<_> = cx.configs().map(|(_, _, config)| config).collect();
    let found: Vec<Vec<Diagnostic>> = configs
        .par_iter()
        .map(|config| {
            let mut found = Vec::new();
            for file in &config.storage.files {
                let path = file.node.path.value.as_str();
                if path == REGISTRIES_CONF {
                    registries_conf(file, &mut found);
                } else if let Some((format, reader)) = format_of(path) {
                    known_format(file, format, reader, &mut found);
                }
            }
            found
        })
        .collect();
    out.extend(found.into_iter().flatten());
}

/// The MCO's own decoding of registries.conf (`GetIgnitionFileDataByPath`, then `toml.Decode`).
fn registries_conf(file: &File, out: &mut Vec<Diagnostic>) {
    let Some(source) = &file.contents.source else { return };
    if content::classify_source(&source.value) != SourceKind::Data {
        return;
    }
    // A data URL that does not decode is reported by Ignition validation (MCC1015).
    let Ok(data) = content::decode_data_url(&source.value) else { return };
    let error = match String::from_utf8(data.bytes) {
        Err(_) if file.contents.compression.as_ref().is_some_and(|c| c.value == "gzip") => format!(
            "failed decoding TOML content from file {REGISTRIES_CONF}: the MCO reads the data URL without decompressing it, and gzip is not text"
        ),
        Err(_) => format!("failed decoding TOML content from file {REGISTRIES_CONF}: it is not UTF-8 text"),
        Ok(text) => match registries::parse(&text) {
            Ok(_) => return,
            Err(error) => error,
        },
    };
    out.push(
        Diagnostic::new(&codes::REGISTRIES_CONF_INVALID, source.span, error)
            .with_label("as the MCO decodes it")
            .with_help(
                "the MCD decodes registries.conf whenever a change to it is applied, and fails the update (the node goes Degraded); write TOML in the shape of containers-registries.conf(5), uncompressed, or let the MCO generate it from ImageDigestMirrorSet and image.config.openshift.io",
            ),
    );
}

fn known_format(file: &File, format: Format, reader: &str, out: &mut Vec<Diagnostic>) {
    let Some(source) = &file.contents.source else { return };
    let Some(bytes) = decoded(&file.contents) else { return };
    let Some(error) = parse_error(format, bytes) else { return };
    let path = &file.node.path.value;
    out.push(
        Diagnostic::new(&codes::FILE_FORMAT_INVALID, source.span, format!("`{path}` is not valid {}: {error}", format.name()))
            .with_label("decoded, these contents do not parse")
            .with_help(format!(
                "Ignition writes the bytes as they are, and {reader} refuses them on the node; fix the {} (the line and column are those of the decoded contents)",
                format.name()
            )),
    );
}

/// Why the bytes are not valid in the format, with a line and column; `None` when they are.
fn parse_error(format: Format, bytes: &[u8]) -> Option<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Some("the contents are not UTF-8 text".into());
    };
    match format {
        Format::Json => serde_json::from_str::<serde_json::Value>(text).err().map(|e| e.to_string()),
        Format::Toml => text.parse::<toml::Table>().err().map(|e| {
            let at = e.span().map_or(String::new(), |s| {
                let (line, column) = line_col(text, s.start);
                format!(" at line {line} column {column}")
            });
            format!("{}{at}", e.message().trim_end())
        }),
        Format::Yaml => {
            let mut scratch = Sources::default();
            let id = scratch.add("contents", text);
            let mut diagnostics = Vec::new();
            crate::load::yaml::parse_documents(id, text, &mut diagnostics);
            let error = diagnostics.into_iter().find(|d| d.code == &codes::YAML_SYNTAX)?;
            let (line, column) = error.span.map_or((1, 1), |s| scratch.get(id).line_col(s.start as usize));
            Some(format!("{} at line {line} column {column}", error.message.trim_start_matches("invalid YAML: ")))
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut scratch = Sources::default();
    let id = scratch.add("contents", text);
    scratch.get(id).line_col(offset)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use super::{Format, format_of, parse_error};
    use crate::codes::{FILE_FORMAT_INVALID, REGISTRIES_CONF_INVALID};

    #[test]
    fn formats_are_known_by_path() {
        assert_eq!(format_of("/etc/containers/policy.json").map(|f| f.0), Some(Format::Json));
        assert_eq!(format_of("/etc/crio/crio.conf.d/00-default").map(|f| f.0), Some(Format::Toml));
        assert_eq!(format_of("/etc/containers/registries.d/quay.yaml").map(|f| f.0), Some(Format::Yaml));
        assert_eq!(format_of("/etc/app/x.yml").map(|f| f.0), Some(Format::Yaml));
        assert_eq!(format_of("/etc/chrony.conf"), None);
    }

    #[test]
    fn errors_say_where_in_the_decoded_contents() {
        assert_eq!(parse_error(Format::Json, b"{\"a\": 1,}").unwrap(), "trailing comma at line 1 column 9");
        assert!(parse_error(Format::Toml, b"a = 1\nb = \n").unwrap().ends_with("at line 2 column 5"));
        assert!(parse_error(Format::Yaml, b"a: [1, 2\n").unwrap().contains("at line"));
        assert_eq!(parse_error(Format::Toml, b""), None);
        assert_eq!(parse_error(Format::Yaml, b"a: 1\n"), None);
    }

    #[test]
    fn invalid_files_are_reported_at_their_contents() {
        let mc = worker(
            "99-worker-files",
            "    storage:\n      files:\n      - {path: /etc/containers/policy.json, contents: {source: 'data:,%7B%22default%22%3A%5B%5D'}}\n      - {path: /etc/containers/registries.conf, contents: {source: 'data:,%5Bregistry%5D'}}\n      - {path: /etc/crio/crio.conf.d/10-x.conf, contents: {source: 'data:,%5Bcrio%5D%0Alog_level%20%3D%20%22info%22%0A'}}",
        );
        let diagnostics = check(&[&mc]);
        let json = with_code(&diagnostics, &FILE_FORMAT_INVALID);
        assert_eq!(json.len(), 1, "{json:#?}");
        assert!(
            json[0].message.starts_with("`/etc/containers/policy.json` is not valid JSON: EOF"),
            "{}",
            json[0].message
        );
        let registries = with_code(&diagnostics, &REGISTRIES_CONF_INVALID);
        assert_eq!(registries.len(), 1, "{registries:#?}");
        assert!(
            registries[0].message.contains("`registry` is a table where an array of tables belongs"),
            "{}",
            registries[0].message
        );
    }
}
