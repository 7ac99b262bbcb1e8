//! Broken inputs (`tests/fixtures/broken/*.yaml`) and the diagnostics mcc reports for them.
//!
//! The human report of each fixture is pinned by a snapshot (`human@<fixture>.snap`). Because a
//! snapshot can be accepted without reading it, each test also checks the key diagnostic of
//! `check --format json`: its line and column are recomputed here from the byte offset of the
//! offending token, found with `str::find` in the fixture's text.

use crate::support::{line_col, mcc, nth_offset, only};
use serde_json::Value;

const DIR: &str = "tests/fixtures/broken";

/// A fixture's path (relative to the package root, where mcc runs) and its text as mcc sees it:
/// a UTF-8 BOM is not part of the text (columns on line 1 do not count it).
fn fixture(name: &str) -> (String, String) {
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(crate::support::root().join(&path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    (path, text)
}

/// `check --format json` of a fixture, with the exit code it must have.
fn check_json(path: &str, code: i32) -> Value {
    let run = mcc(&["check", "--format", "json", path], None);
    run.expect_code(code);
    let report = run.json();
    assert_eq!(report["schema"], "mcc.diagnostics/v1");
    report
}

/// The human report's last line, the summary.
fn summary(path: &str) -> String {
    let run = mcc(&["check", path], None);
    run.stdout.lines().last().unwrap_or("").to_string()
}

/// Asserts that `location` starts at byte `start` of `text` (line and column), and, with
/// `len`, that it ends `len` bytes later.
#[track_caller]
fn assert_at(location: &Value, text: &str, start: usize, len: Option<usize>) {
    assert_eq!(crate::support::start_of(location), line_col(text, start), "wrong start in {location:#}");
    assert_eq!(location["start"], start, "wrong start offset in {location:#}");
    if let Some(len) = len {
        assert_eq!(crate::support::end_of(location), line_col(text, start + len), "wrong end in {location:#}");
        assert_eq!(location["end"], start + len, "wrong end offset in {location:#}");
    }
}

/// Asserts that the diagnostic's location is exactly the `nth` occurrence of `token`.
#[track_caller]
fn assert_on_token(d: &Value, text: &str, token: &str, nth: usize) {
    assert_at(&d["location"], text, nth_offset(text, token, nth), Some(token.len()));
}

#[test]
fn human_reports_of_broken_inputs() {
    insta::glob!("../fixtures/broken", "*.yaml", |path| {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 name");
        let run = mcc(&["check", &format!("{DIR}/{name}")], None);
        let code = run.code.map_or("killed by a signal".to_string(), |c| c.to_string());
        let mut report = format!("exit code: {code}\n{}", run.stdout);
        if !run.stderr.is_empty() {
            report.push_str("--- stderr ---\n");
            report.push_str(&run.stderr);
        }
        insta::assert_snapshot!("human", report);
    });
}

#[test]
fn a_syntax_error_in_the_second_document_does_not_hide_the_third() {
    let (path, text) = fixture("syntax-error-in-second-document.yaml");
    let report = check_json(&path, 1);
    // The parser stops at the second `:` of `name: 99-worker-second: broken`.
    let colon = text.find("99-worker-second: broken").unwrap() + "99-worker-second".len();
    let syntax = only(&report, "MCC0002");
    assert_eq!(syntax["severity"], "error");
    assert_at(&syntax["location"], &text, colon, None);
    assert_eq!(crate::support::start_of(&syntax["location"]), (16, 25));
    // The third document is still checked...
    assert_on_token(only(&report, "MCC1005"), &text, "etc/third.conf", 0);
    // ...and the first and third MachineConfigs are both read.
    assert!(summary(&path).contains("(2 MachineConfigs,"), "{}", summary(&path));
}

#[test]
fn a_duplicate_key_points_at_both_definitions() {
    let (path, text) = fixture("duplicate-key.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC0003");
    assert_eq!(d["severity"], "error");
    assert_on_token(d, &text, "kernelArguments", 1);
    assert!(d["message"].as_str().unwrap().contains("`kernelArguments`"), "{d:#}");
    let related = d["related"].as_array().expect("related");
    assert_eq!(related.len(), 1, "{d:#}");
    assert_at(&related[0], &text, nth_offset(&text, "kernelArguments", 0), Some("kernelArguments".len()));
    assert_eq!(related[0]["file"], path);
}

#[test]
fn a_legacy_octal_mode_is_a_warning_on_the_number() {
    let (path, text) = fixture("legacy-octal-mode.yaml");
    let report = check_json(&path, 0);
    assert_eq!(crate::support::diagnostics(&report).len(), 1, "{report:#}");
    let d = only(&report, "MCC0006");
    assert_eq!(d["severity"], "warning");
    assert_on_token(d, &text, "0644", 0);
    assert!(d["message"].as_str().unwrap().contains("420"), "{d:#}");
    // A warning only fails the check when asked to.
    mcc(&["check", "--deny-warnings", &path], None).expect_code(1);
}

#[test]
fn a_relative_path_is_an_error_on_the_path() {
    let (path, text) = fixture("relative-path.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC1005");
    assert_eq!(d["severity"], "error");
    assert_on_token(d, &text, "etc/relative.conf", 0);
    assert!(d["help"].as_str().unwrap_or("").contains("/etc/relative.conf"), "{d:#}");
}

#[test]
fn a_quoted_mode_is_a_wrong_type_on_the_whole_scalar() {
    let (path, text) = fixture("mode-as-string.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC0009");
    assert_eq!(d["severity"], "error");
    // The span covers the quotes: the scalar as written.
    assert_on_token(d, &text, "\"0644\"", 0);
    assert!(d["message"].as_str().unwrap().contains("integer"), "{d:#}");
}

#[test]
fn an_unknown_spec_field_is_a_warning_on_the_key() {
    let (path, text) = fixture("unknown-spec-field.yaml");
    let report = check_json(&path, 0);
    let d = only(&report, "MCC0008");
    assert_eq!(d["severity"], "warning");
    assert_on_token(d, &text, "kernelArgs", 0);
    assert!(d["message"].as_str().unwrap().contains("`kernelArgs`"), "{d:#}");
}

#[test]
fn an_unsupported_ignition_version_is_an_error_on_the_version() {
    let (path, text) = fixture("unsupported-ignition-version.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC1001");
    assert_eq!(d["severity"], "error");
    assert_on_token(d, &text, "4.0.0", 0);
}

#[test]
fn a_missing_ignition_version_points_at_the_config() {
    let (path, text) = fixture("missing-ignition-version.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC1003");
    assert_eq!(d["severity"], "error");
    // The config's mapping starts at its first key.
    assert_at(&d["location"], &text, text.find("storage:").unwrap(), None);
}

#[test]
fn a_space_in_a_data_url_is_pointed_at_exactly() {
    let (path, text) = fixture("data-url-with-space.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC1015");
    assert_eq!(d["severity"], "error");
    let space = text.find("there world").unwrap() + "there".len();
    assert_eq!(&text[space..space + 1], " ");
    assert_at(&d["location"], &text, space, Some(1));
    // In the human report the caret is under that character, not under the whole URL.
    let run = mcc(&["check", &path], None);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with("source: data:,hello%20there world"))
        .unwrap_or_else(|| panic!("the source line is not shown:\n{run}"));
    let column = |line: &str, byte: usize| line[..byte].chars().count();
    let space_column = column(lines[at], lines[at].find("there world").unwrap() + "there".len());
    let marks = lines[at + 1];
    // After the gutter (`    · `), the first mark is the caret.
    let gutter = marks.find('·').expect("a snippet gutter") + '·'.len_utf8();
    let first_mark =
        marks.char_indices().find(|&(i, c)| i >= gutter && !c.is_whitespace()).map(|(i, _)| column(marks, i));
    assert_eq!(first_mark, Some(space_column), "the caret is not under the space:\n{}\n{}", lines[at], marks);
}

#[test]
fn crlf_line_ends_do_not_shift_lines_or_columns() {
    let (path, text) = fixture("crlf-line-ends.yaml");
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "the fixture must be CRLF throughout");
    let report = check_json(&path, 1);
    // The unquoted `yes` of line 5 is a boolean where a label value must be a string.
    let d = only(&report, "MCC0009");
    assert_on_token(d, &text, "yes", 0);
    assert_eq!(crate::support::start_of(&d["location"]).0, 5);
    assert_eq!(crate::support::start_of(&d["location"]), (5, 69));
    // Further down, after eleven CRs, spans are still exact and stop before the CR.
    let d = only(&report, "MCC1005");
    assert_on_token(d, &text, "etc/crlf.conf", 0);
    assert_eq!(crate::support::end_of(&d["location"]), (12, 30));
}

#[test]
fn a_utf8_bom_is_not_a_column() {
    let (path, text) = fixture("utf8-bom.yaml");
    let raw = std::fs::read(crate::support::root().join(&path)).unwrap();
    assert!(raw.starts_with(b"\xef\xbb\xbf"), "the fixture must start with a BOM");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC0013");
    let token = "machineconfiguration.openshift.io/v2";
    let start = text.find(token).unwrap();
    assert_eq!(crate::support::start_of(&d["location"]), (1, 13));
    assert_eq!(crate::support::start_of(&d["location"]), line_col(&text, start));
    assert_eq!(crate::support::end_of(&d["location"]), line_col(&text, start + token.len()));
    // The second document, without a problem in its header, is read.
    let d = only(&report, "MCC0006");
    let start = text.find("0600").unwrap();
    assert_eq!(crate::support::start_of(&d["location"]), line_col(&text, start));
    assert_eq!(crate::support::start_of(&d["location"]), (25, 17));
}

#[test]
fn a_list_reports_only_its_broken_item() {
    let (path, text) = fixture("list-with-one-broken-item.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC1005");
    assert_on_token(d, &text, "/etc/broken/../broken.conf", 0);
    assert!(d["help"].as_str().unwrap_or("").contains("`/etc/broken.conf`"), "{d:#}");
    // Nothing is reported in the good item, which ends where the broken one starts.
    let second_item = text
        .find("  - apiVersion")
        .map(|first| first + 1)
        .and_then(|from| text[from..].find("  - apiVersion").map(|i| i + from))
        .unwrap();
    for d in crate::support::diagnostics(&report) {
        if d["location"]["file"] == path {
            let start = usize::try_from(d["location"]["start"].as_u64().unwrap()).unwrap();
            assert!(start >= second_item, "a diagnostic in the good item: {d:#}");
        }
    }
    assert_eq!(report["summary"]["errors"], 1, "{report:#}");
    assert!(summary(&path).contains("(2 MachineConfigs,"), "{}", summary(&path));
}

#[test]
fn a_butane_source_must_be_translated() {
    let (path, text) = fixture("butane-source.yaml");
    let report = check_json(&path, 1);
    let d = only(&report, "MCC0005");
    assert_eq!(d["severity"], "error");
    assert_on_token(d, &text, "variant: openshift", 0);
    assert!(d["help"].as_str().unwrap_or("").contains("butane"), "{d:#}");
}

#[test]
fn byte_offsets_of_a_bom_file_are_offsets_into_the_file() {
    let (path, _) = fixture("utf8-bom.yaml");
    let raw = String::from_utf8(std::fs::read(crate::support::root().join(&path)).unwrap()).unwrap();
    let report = check_json(&path, 1);
    // docs/formats.md: "`start`/`end` are byte offsets into the file".
    let d = only(&report, "MCC0013");
    assert_eq!(d["location"]["start"], raw.find("machineconfiguration.openshift.io/v2").unwrap(), "{d:#}");
}
