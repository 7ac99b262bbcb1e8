//! Ignition's own validation rules (`config/validate`, `config/v3_x/types`), plus the MCO's one
//! extra rule on file modes, applied to each MachineConfig's config before the merge.

mod passwd;
mod resource;
#[cfg(test)]
mod scaling_tests;
mod storage;
mod systemd;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::content::DecodeBudget;
use crate::ignition::types::Ignition;
use crate::load::reader::Diagnostics;
use crate::source::{Sources, Span};

pub use systemd::UNIT_SUFFIXES;

/// Validates `config`, keeping each data URL it decodes in its resource ([`Resource::decoded`]),
/// within the run's `budget`.
///
/// [`Resource::decoded`]: crate::ignition::types::Resource::decoded
pub fn validate(config: &mut Ignition, sources: &Sources, budget: &mut DecodeBudget, diagnostics: &mut Diagnostics) {
    let minor = config.version.as_ref().and_then(|v| minor_of(&v.value)).unwrap_or(5);
    let mut v = Validator { sources, minor, budget, diagnostics };
    v.storage(config);
    v.units(&config.systemd.units);
    v.passwd(&config.passwd);
    v.kernel_arguments(&config.kernel_arguments);
    v.units_against_paths(config);
    super::validate_sections::validate(config, diagnostics);
}

/// The 3.x minor version, for rules that changed between versions; 2.x configs read as 3.2
/// after conversion but keep 2.2's rules.
fn minor_of(version: &str) -> Option<u8> {
    let mut parts = version.split('.');
    match (parts.next()?, parts.next()?) {
        ("3", minor) => minor.parse().ok(),
        ("2", _) => Some(0),
        _ => None,
    }
}

struct Validator<'a> {
    sources: &'a Sources,
    minor: u8,
    budget: &'a mut DecodeBudget,
    diagnostics: &'a mut Diagnostics,
}

impl Validator<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

fn duplicate(span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(&codes::DUPLICATE_ENTRY, span, format!("duplicate entry defined: {what}"))
        .with_label("defined again here")
        .with_related(first, "first defined here")
        .with_help("keep one entry")
}

/// True when `path` lies strictly below `dir` (`/a/b` under `/a`, not `/ab`).
pub fn is_strictly_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path.len() > dir.len() + 1 && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// Whether `clean` would return `path` as it is: `/`, or rooted with no empty, `.` or `..`
/// component (so no `//` and no trailing `/`). Nearly every path is, and this tells so without
/// making the cleaned copy.
pub fn is_clean_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes == b"/" {
        return true;
    }
    if bytes.first() != Some(&b'/') || bytes.last() == Some(&b'/') {
        return false;
    }
    // Each component starts after a `/`: none may be empty, `.` or `..`. A byte loop, not a
    // split into strings: every file meets every Node Disruption Policy rule's path here.
    bytes.iter().enumerate().filter(|&(_, &b)| b == b'/').all(|(at, _)| {
        !matches!(&bytes[at + 1..], [] | [b'/', ..] | [b'.'] | [b'.', b'/', ..] | [b'.', b'.'] | [b'.', b'.', b'/', ..])
    })
}

/// Go's `path.Clean`: the shortest equivalent path by purely lexical processing.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}
