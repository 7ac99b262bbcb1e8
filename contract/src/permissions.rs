//! A file's mode and a numeric owner, made once: the compiler reads them from Ignition's JSON
//! numbers and writes them into both documents, and the runtime reads them back, so both sides
//! default, mask and validate them alike.

use std::fmt;

/// The permission bits of a file, directory or link (`0..=0o7777`), what is written to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mode(u32);

impl Mode {
    /// What Ignition gives a file without a mode.
    pub const FILE: Mode = Mode(0o644);
    /// What Ignition gives a directory without a mode (and what mcc gives the parents it makes).
    pub const DIRECTORY: Mode = Mode(0o755);
    /// A symbolic link's mode, which Linux ignores and tar records as 0777.
    pub const LINK: Mode = Mode(0o777);
    /// Every bit a mode can hold: permissions, setuid, setgid and sticky.
    const BITS: u32 = 0o7777;

    /// The bits a node would apply from an Ignition `mode` number: its low twelve bits. The
    /// validation stage reports a number outside `0..=0o7777`; later stages only need what would
    /// be written.
    pub fn from_ignition(value: i64) -> Mode {
        Mode(u32::try_from(value & i64::from(Self::BITS)).unwrap_or_default())
    }

    /// The bits of an in-range mode number; `None` above 0o7777.
    pub fn new(bits: u32) -> Option<Mode> {
        (bits <= Self::BITS).then_some(Mode(bits))
    }

    /// The mode written as both documents write it: octal digits (`0644`); `None` when the text
    /// is not octal or is above 0o7777.
    pub fn parse_octal(text: &str) -> Option<Mode> {
        u32::from_str_radix(text, 8).ok().and_then(Mode::new)
    }

    /// Ignition's mode for an entry that may set one, or the kind's default.
    pub fn or_default(value: Option<i64>, default: Mode) -> Mode {
        value.map_or(default, Mode::from_ignition)
    }

    pub fn bits(self) -> u32 {
        self.0
    }
}

/// Four octal digits, as the layer plan, tmpfiles.d and messages write a mode: `0644`.
impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

/// A numeric user or group id: Ignition's JSON number, refused when negative or above
/// `u32::MAX` instead of being truncated into some other owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OwnerId(u32);

impl OwnerId {
    /// root.
    pub const ROOT: OwnerId = OwnerId(0);

    pub fn new(value: i64) -> Option<OwnerId> {
        u32::try_from(value).ok().map(OwnerId)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignition_modes_keep_their_low_twelve_bits() {
        assert_eq!(Mode::from_ignition(0o644).bits(), 0o644);
        assert_eq!(Mode::from_ignition(0o14755).bits(), 0o4755);
        assert_eq!(Mode::from_ignition(-1).bits(), 0o7777);
        assert_eq!(Mode::or_default(None, Mode::FILE), Mode::FILE);
        assert_eq!(Mode::or_default(Some(0o600), Mode::DIRECTORY).bits(), 0o600);
    }

    #[test]
    fn octal_text_round_trips_and_refuses_what_is_not_a_mode() {
        assert_eq!(Mode::parse_octal("0644"), Some(Mode::FILE));
        assert_eq!(Mode::DIRECTORY.to_string(), "0755");
        assert_eq!(Mode::new(0o7).map(|m| m.to_string()).as_deref(), Some("0007"));
        assert_eq!(Mode::parse_octal("10000"), None);
        assert_eq!(Mode::parse_octal("0648"), None);
        assert_eq!(Mode::parse_octal(""), None);
    }

    #[test]
    fn owner_ids_outside_u32_are_refused() {
        assert_eq!(OwnerId::new(1000).map(OwnerId::get), Some(1000));
        assert_eq!(OwnerId::new(i64::from(u32::MAX)).map(OwnerId::get), Some(u32::MAX));
        assert_eq!(OwnerId::new(-1), None);
        assert_eq!(OwnerId::new(i64::from(u32::MAX) + 1), None);
    }
}
