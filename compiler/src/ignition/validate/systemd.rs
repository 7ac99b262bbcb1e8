//! Ignition's rules on systemd units and dropins: names, duplicates, contents that parse, and
//! storage entries that would overwrite a unit.

use std::sync::Arc;

use super::{Validator, duplicate};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::ignition::types::*;
use crate::ignition::unit_syntax;
use crate::load::reader::Spanned;
use crate::source::Span;

/// Unit types Ignition accepts as a unit name's suffix (`validations.ValidateUnitName`… in
/// `config/shared/validations/unit.go`), the same list as the NDP API's service names.
pub const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".snapshot",
    ".slice",
    ".scope",
];

impl Validator<'_> {
    pub(super) fn units(&mut self, units: &[Arc<Unit>]) {
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for unit in units {
            let name = unit.name.value.as_str();
            if !UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                self.push(
                    Diagnostic::new(&codes::UNIT_NAME_INVALID, unit.name.span, "invalid systemd unit extension")
                        .with_help(format!("a unit name ends in one of {}", UNIT_SUFFIXES.join(", "))),
                );
            }
            if let Some(first) = seen.insert(name, unit.name.span) {
                self.push(duplicate(unit.name.span, first, &format!("unit `{name}`")));
            }
            if let Some(contents) = &unit.contents {
                let parsed = self.unit_contents(contents, name);
                let enabled = unit.enabled.as_ref().is_some_and(|e| e.value);
                if unit_syntax::install_section_warning(enabled, &contents.value, parsed.as_ref()) {
                    self.push(
                        Diagnostic::new(
                            &codes::UNIT_ENABLED_NO_INSTALL,
                            contents.span,
                            format!("unit \"{name}\" is enabled, but has no install section so enable does nothing"),
                        )
                        .with_help(
                            "add an [Install] section (such as WantedBy=multi-user.target) or drop `enabled: true`",
                        ),
                    );
                }
            }
            let mut dropins: HashMap<&str, Span> = HashMap::default();
            for dropin in &unit.dropins {
                if !dropin.name.value.ends_with(".conf") {
                    self.push(
                        Diagnostic::new(
                            &codes::DROPIN_NAME_INVALID,
                            dropin.name.span,
                            "invalid systemd drop-in extension",
                        )
                        .with_help("a dropin's name ends in `.conf`"),
                    );
                }
                if let Some(first) = dropins.insert(&dropin.name.value, dropin.name.span) {
                    self.push(duplicate(dropin.name.span, first, &format!("dropin `{}`", dropin.name.value)));
                }
                if let Some(contents) = &dropin.contents {
                    // Only its syntax is checked.
                    let _ = self.unit_contents(contents, &dropin.name.value);
                }
            }
        }
    }

    /// Parses unit or dropin contents, reporting what does not parse; the parse is returned for
    /// the checks that read the unit.
    fn unit_contents(
        &mut self,
        contents: &Spanned<String>,
        name: &str,
    ) -> Result<unit_syntax::UnitFile, unit_syntax::UnitSyntaxError> {
        let parsed = unit_syntax::parse_unit(&contents.value);
        if let Err(error) = &parsed {
            self.push(
                Diagnostic::new(
                    &codes::UNIT_CONTENTS_INVALID,
                    contents.span,
                    format!("invalid unit content in `{name}`: {}", error.message),
                )
                .with_help("systemd unit files are `[Section]` headers followed by `Key=value` lines"),
            );
        }
        parsed
    }

    /// A storage entry may not write where a unit or dropin with contents goes (`types/config.go`).
    pub(super) fn units_against_paths(&mut self, config: &Ignition) {
        let mut unit_paths: HashMap<String, Span> = HashMap::default();
        for unit in &config.systemd.units {
            if unit.contents.is_some() {
                unit_paths.insert(format!("/etc/systemd/system/{}", unit.name.value), unit.name.span);
            }
            for dropin in unit.dropins.iter().filter(|d| d.contents.is_some()) {
                unit_paths.insert(
                    format!("/etc/systemd/system/{}.d/{}", unit.name.value, dropin.name.value),
                    dropin.name.span,
                );
            }
        }
        let storage = &config.storage;
        let paths = storage
            .files
            .iter()
            .map(|f| &f.node.path)
            .chain(storage.directories.iter().map(|d| &d.node.path))
            .chain(storage.links.iter().map(|l| &l.node.path));
        for path in paths {
            if let Some(unit) = unit_paths.get(&path.value) {
                self.push(
                    Diagnostic::new(
                        &codes::PATH_CONFLICTS_WITH_UNIT,
                        path.span,
                        "path conflicts with systemd unit or dropin",
                    )
                    .with_related(*unit, "the unit or dropin written there")
                    .with_help("define the unit under `systemd.units` only"),
                );
            }
        }
    }
}
