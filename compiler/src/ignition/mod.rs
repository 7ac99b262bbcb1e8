//! Ignition: reading configs of every version the MCO accepts into one 3.5 model, and
//! validating them as Ignition and the MCO do.

pub mod content;
pub mod newer_fields;
mod spec_reader;
#[cfg(test)]
mod tests;
pub mod types;
pub mod unit_syntax;
pub mod v2;
pub mod v3;
pub mod validate;
pub mod validate_sections;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::node::Node;
use crate::load::reader::{self, Diagnostics, Spanned, field};
use types::{Ignition, SUPPORTED_VERSIONS, SpecVersion};

/// Reads `spec.config`. `None` when the config cannot be read at all (no or an unknown version):
/// like the MCO, mcc then refuses the whole MachineConfig.
pub fn read_config(node: &Node, diagnostics: &mut Diagnostics) -> Option<Ignition> {
    // A null or empty config is valid and empty (the MCO starts from an empty config).
    if node.is_null() || node.entries().is_empty() && matches!(node.value, crate::load::node::Value::Map(_)) {
        return Some(Ignition::default());
    }
    let version_node = reader::mapping(node, diagnostics)
        .iter()
        .find(|e| e.key == "ignition")
        .and_then(|e| field(reader::mapping(&e.value, &mut Vec::new()), "version"));
    let Some(version_node) = version_node else {
        diagnostics.push(
            Diagnostic::new(
                &codes::IGNITION_VERSION_MISSING,
                node.span,
                "the Ignition config has content but no `ignition.version`",
            )
            .with_label("this config")
            .with_help(format!("add `ignition: {{version: 3.5.0}}`; the MCO accepts {SUPPORTED_VERSIONS}")),
        );
        return None;
    };
    let version = reader::string(version_node, diagnostics)?;
    match parse_version(&version) {
        Ok(SpecVersion { major: 2, .. }) => Some(v2::read(node, version, diagnostics)),
        Ok(SpecVersion { major: 3, minor }) => Some(v3::read(node, Some(version), minor, diagnostics)),
        Ok(_) => None,
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            None
        }
    }
}

/// The MCO's version check (`IgnParseWrapper`): semver, and then the whole version must be one
/// of the spec versions (`ParseCompatibleVersion` compares it exactly): 3.4.1 or 3.4.0+build is
/// an "unknown version", as is a pre-release.
pub fn parse_version(version: &Spanned<String>) -> Result<SpecVersion, Box<Diagnostic>> {
    let text = version.value.as_str();
    let (core, suffix) = match text.find(['-', '+']) {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };
    let numbers: Vec<Option<u8>> = core.split('.').map(|p| p.parse().ok()).collect();
    let [Some(major), Some(minor), Some(patch)] = numbers[..] else {
        return Err(Box::new(
            Diagnostic::new(
                &codes::IGNITION_VERSION_INVALID,
                version.span,
                format!("invalid Ignition version `{text}`"),
            )
            .with_label("not a MAJOR.MINOR.PATCH version")
            .with_help(format!("write a full version such as `3.5.0`; the MCO accepts {SUPPORTED_VERSIONS}")),
        ));
    };
    let supported = match major {
        2 => minor <= 2,
        3 => minor <= 5,
        _ => false,
    };
    if !supported || patch != 0 || suffix.is_some() {
        let why = match suffix {
            Some(s) if s.starts_with('-') => "experimental specs are not accepted",
            _ if supported => "unknown version (the MCO accepts only `.0` releases, with no build metadata)",
            _ => "unknown version",
        };
        return Err(Box::new(
            Diagnostic::new(
                &codes::IGNITION_VERSION_UNSUPPORTED,
                version.span,
                format!("Ignition version `{text}` is not supported by the MCO: {why}"),
            )
            .with_label("unsupported version")
            .with_help(format!(
                "supported spec versions: {SUPPORTED_VERSIONS}; mcc renders every pool as {}",
                types::RENDERED_VERSION
            )),
        ));
    }
    Ok(SpecVersion { major, minor })
}
