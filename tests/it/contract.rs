//! The runtime reports its diagnostics by code alone (`mcc_contract::codes`); their severity, summary
//! and page (`mcc explain`) come from the compiler's code table, so every one must be registered
//! there, as an error, under the same code.

use mcc_compiler::codes;
use mcc_compiler::diagnostic::Severity;
use mcc_contract::codes::APPLY_CODES;

#[test]
fn every_code_mcc_apply_reports_is_a_registered_error() {
    for code in APPLY_CODES {
        let info = codes::find(code).unwrap_or_else(|| panic!("{code} is not in the compiler's code table"));
        assert_eq!(info.code, *code);
        assert_eq!(info.severity, Severity::Error, "{code}");
    }
}

#[test]
fn every_apply_code_of_the_table_is_one_mcc_apply_reports() {
    let registered: Vec<&str> = codes::ALL.iter().map(|c| c.code).filter(|c| c.starts_with("MCC51")).collect();
    assert_eq!(registered, APPLY_CODES);
}
