//! Ignition's checks of systemd unit contents. The go-systemd parser they rest on lives in the
//! contract crate ([`mcc_contract::unit_syntax`]), because `mcc apply` reads unit files with it too.

pub use mcc_contract::unit_syntax::{UnitFile, UnitOption, UnitSyntaxError, parse_unit};

/// Whether Ignition warns that an enabled unit has no `[Install]` section.
///
/// Mirrors Ignition's `ValidateInstallSection` (config/shared/validations/unit.go): no warning
/// for a unit that is not enabled, has empty contents, or fails to parse (the parse error is
/// reported instead). Otherwise it looks for an *option* whose section is `Install`, since
/// go-systemd returns options, not headers: an `[Install]` header with nothing under it still
/// warns. `parsed` is what [`parse_unit`] made of `contents`: validation parses each unit once,
/// for this and for its syntax check.
pub fn install_section_warning(enabled: bool, contents: &str, parsed: Result<&UnitFile, &UnitSyntaxError>) -> bool {
    enabled && !contents.is_empty() && parsed.is_ok_and(|unit| unit.options_in("Install").next().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warns(enabled: bool, contents: &str) -> bool {
        install_section_warning(enabled, contents, parse_unit(contents).as_ref())
    }

    #[test]
    fn enabled_unit_with_install_does_not_warn() {
        let unit =
            "[Unit]\nDescription=Wait for chrony\n[Service]\nType=oneshot\n[Install]\nWantedBy=multi-user.target\n";
        assert!(!warns(true, unit));
    }

    #[test]
    fn enabled_unit_without_install_warns() {
        assert!(warns(true, "[Unit]\nDescription=x\n"));
        assert!(warns(true, "[Unit]\n"));
    }

    #[test]
    fn empty_install_section_still_warns() {
        assert!(warns(true, "[Service]\nType=oneshot\n[Install]\n"));
    }

    #[test]
    fn install_warning_needs_enabled_nonempty_parsable_contents() {
        assert!(!warns(false, "[Unit]\nDescription=x\n"));
        assert!(!warns(true, ""));
        assert!(!warns(true, "[Unit\n"));
    }
}
