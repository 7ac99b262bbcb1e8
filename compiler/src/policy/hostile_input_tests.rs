//! Policy files written to break the parser: characters that are more than one byte before a
//! syntax error, conditions nested deeper than any reader writes, and globs built to backtrack.
//! Each test is the regression fixture of a defect in issue 11.

use std::time::{Duration, Instant};

use crate::diagnostic::Diagnostic;
use crate::glob::glob_matches;
use crate::policy::parse::parse;
use crate::source::Sources;

fn parse_diagnostics(text: &str) -> Vec<Diagnostic> {
    let mut sources = Sources::default();
    let id = sources.add("hostile.mcc", text);
    let mut diagnostics = Vec::new();
    parse(id, text, &mut diagnostics);
    diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.code).collect()
}

/// Runs `f` on a thread with a test thread's usual 2 MiB stack, so that unbounded recursion
/// aborts the test run instead of passing on a larger main-thread stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
}

#[test]
fn syntax_error_after_an_emoji_is_reported_not_a_panic() {
    let diagnostics = parse_diagnostics("# a comment ending in 🙂\nbogus");
    assert_eq!(codes(&diagnostics), ["MCC3001"]);
}

#[test]
fn syntax_error_after_a_second_byte_order_mark_is_reported_not_a_panic() {
    let diagnostics = parse_diagnostics("\u{FEFF}\u{FEFF}layout x {}");
    assert_eq!(codes(&diagnostics), ["MCC3001"]);
}

fn lint_when(condition: &str) -> String {
    format!("lint SITE0001 warning \"deep\" {{\n  when {condition}\n}}\n")
}

#[test]
fn thousands_of_nested_parentheses_are_refused_with_a_code() {
    let condition = format!("{}file{}", "(".repeat(15_000), ")".repeat(15_000));
    let diagnostics = on_small_stack(move || codes(&parse_diagnostics(&lint_when(&condition))));
    assert_eq!(diagnostics, ["MCC3014"]);
}

#[test]
fn thousands_of_chained_nots_are_refused_with_a_code() {
    let condition = format!("{}file", "not ".repeat(15_000));
    let diagnostics = on_small_stack(move || codes(&parse_diagnostics(&lint_when(&condition))));
    assert_eq!(diagnostics, ["MCC3014"]);
}

#[test]
fn nesting_at_the_limit_still_parses() {
    let condition = format!("{}file{}", "(not ".repeat(32), ")".repeat(32));
    let diagnostics = on_small_stack(move || codes(&parse_diagnostics(&lint_when(&condition))));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn parentheses_in_layout_paths_are_not_nesting() {
    let paths: String = (0..100).map(|i| format!("  place /opt/app{i}( in var\n")).collect();
    let diagnostics = parse_diagnostics(&format!("layout site {{\n{paths}}}\n"));
    assert!(diagnostics.is_empty(), "{}", codes(&diagnostics).join(", "));
}

#[test]
fn backtracking_globs_match_in_linear_time() {
    let pattern = "/**a**a**a**a**a**a**a**b";
    let path = format!("/{}", "a".repeat(84));
    let started = Instant::now();
    assert!(!glob_matches(pattern, &path));
    assert!(glob_matches(pattern, &format!("{path}b")));
    // Microseconds when linear; the backtracking matcher took over a minute. The bound leaves room
    // for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn a_relocate_condition_is_bounded_like_a_lint_condition() {
    let condition = format!("{}file{}", "(".repeat(15_000), ")".repeat(15_000));
    let text = format!("layout site {{\n  relocate /etc/a/*.conf to /usr/lib/a/ when {condition}\n}}\n");
    let diagnostics = on_small_stack(move || codes(&parse_diagnostics(&text)));
    assert_eq!(diagnostics, ["MCC3014"]);
}
