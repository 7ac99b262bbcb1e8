//! Syntax check for systemd unit contents, exactly as Ignition does it.
//!
//! Ignition validates `systemd.units[].contents` and `dropins[].contents` by handing the string,
//! through a `strings.Reader`, to go-systemd v22's `unit.Deserialize` (unit/deserialize.go) and
//! reporting `invalid unit content: <error>` when that fails (Ignition's `ParseUnitContents`).
//! This module re-implements that lexer rule for rule, quirks included, so mcc rejects what
//! Ignition rejects and nothing more. It is *not* systemd's own parser: go-systemd is both
//! stricter (a 2048-byte line limit, no `=`-less lines) and looser (text before the first section
//! is skipped, a section name runs to the next `]` wherever it is).
//!
//! All byte ranges index into the contents string, so callers can map them to source spans.

mod lexer;
mod reader;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;

use lexer::{Lexer, State};
use reader::Reader;

/// A unit file or drop-in as go-systemd understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// Sections in file order; repeated headers (`[Route]` twice) stay separate sections.
    pub sections: Vec<Section>,
}

/// One `[Name]` header and the options that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Everything between `[` and the next `]`, untrimmed (go-systemd does not trim it).
    pub name: String,
    /// Byte range of `name` in the contents.
    pub name_span: Range<usize>,
    /// Options in file order.
    pub options: Vec<UnitOption>,
}

/// One `Name=Value` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOption {
    /// The text before the first `=`, trimmed.
    pub name: String,
    /// The value as go-systemd returns it: trimmed, and for a backslash-continued value the raw
    /// lines joined with `\n`, backslashes kept (systemd itself would join them with spaces).
    pub value: String,
    /// Byte range from the option name to the end of its last line, line terminator excluded.
    pub span: Range<usize>,
}

/// Why go-systemd (and so Ignition) refuses the contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSyntaxError {
    /// Byte offset in the contents where the problem is.
    pub offset: usize,
    /// Length in bytes of the offending text.
    pub len: usize,
    /// Lowercase, one sentence, meaning what go-systemd's error means. Ignition prefixes it with
    /// `invalid unit content: `.
    pub message: String,
}

impl fmt::Display for UnitSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnitSyntaxError {}

impl UnitFile {
    /// The first section called exactly `name` (go-systemd compares names case-sensitively).
    #[cfg(test)]
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Whether a section called exactly `name` exists, even an empty one.
    #[cfg(test)]
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// Values of every `option` in every section called `section`, in file order.
    pub fn values<'a>(&'a self, section: &str, option: &str) -> impl Iterator<Item = &'a str> {
        self.options_in(section).filter(move |o| o.name == option).map(|o| o.value.as_str())
    }

    /// Every option of every section called `section`, in file order.
    fn options_in<'a>(&'a self, section: &str) -> impl Iterator<Item = &'a UnitOption> {
        self.sections.iter().filter(move |s| s.name == section).flat_map(|s| &s.options)
    }
}

/// Parses unit or drop-in contents the way go-systemd's `unit.Deserialize` does.
///
/// # Errors
///
/// The first problem go-systemd stops at, located in `contents`.
pub fn parse_unit(contents: &str) -> Result<UnitFile, UnitSyntaxError> {
    let mut lexer = Lexer { reader: Reader::new(contents), sections: Vec::new() };
    let mut state = State::BeforeSection;
    loop {
        // go-systemd's lex() runs its line-length check before every lexer step.
        if let Some(error) = lexer.reader.line_too_long() {
            return Err(error);
        }
        match lexer.step(state)? {
            Some(next) => state = next,
            None => {
                return Ok(UnitFile { sections: lexer.sections });
            }
        }
    }
}

/// Whether Ignition warns that an enabled unit has no `[Install]` section.
///
/// Mirrors Ignition's `ValidateInstallSection` (config/shared/validations/unit.go): no warning
/// for a unit that is not enabled, has empty contents, or fails to parse (the parse error is
/// reported instead). Otherwise it looks for an *option* whose section is `Install`, since
/// go-systemd returns options, not headers: an `[Install]` header with nothing under it still
/// warns.
pub fn install_section_warning(enabled: bool, contents: &str) -> bool {
    if !enabled || contents.is_empty() {
        return false;
    }
    parse_unit(contents).is_ok_and(|unit| unit.options_in("Install").next().is_none())
}

fn error(range: Range<usize>, message: String) -> UnitSyntaxError {
    UnitSyntaxError { offset: range.start, len: range.end - range.start, message }
}
