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

/// The stdlib and one site file of `text`, as `mcc check --policy` loads them.
fn site_diagnostics(text: &str) -> Vec<Diagnostic> {
    use crate::policy::stdlib::{self, OcpVersion, Profile};
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let ocp = OcpVersion::parse("4.22").expect("a release");
    let mut policies = stdlib::load(Profile::Rhcos, ocp, &mut sources, &mut diagnostics);
    policies.load_site("site.mcc", text, &mut sources, &mut diagnostics);
    diagnostics
}

/// `layout l0 extends rhcos`, then each `l{i}` extending the one before, `n` in all.
fn chain_of_layouts(n: usize) -> String {
    let mut text = String::from("layout l0 extends rhcos { place /srv/l0/** in var }\n");
    for i in 1..n {
        text.push_str(&format!("layout l{i} extends l{} {{ place /srv/l{i}/** in var }}\n", i - 1));
    }
    text
}

#[test]
fn a_layout_with_more_ancestors_than_the_limit_is_refused() {
    // l15 has 16 ancestors (l14 … l0 and rhcos), l16 and l17 more.
    let diagnostics = site_diagnostics(&chain_of_layouts(18));
    let refused: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == &crate::codes::LAYOUT_EXTENDS_INVALID)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        refused,
        [
            "layout `l16` has more than 16 ancestors through `extends`",
            "layout `l17` has more than 16 ancestors through `extends`"
        ]
    );
}

/// Each layout was built from all its ancestors, recursing as deep as the chain, and every
/// layout was built: n² builds of up to n levels, on a stack as deep as the chain.
#[test]
fn a_long_chain_of_layouts_is_checked_in_linear_time_on_a_small_stack() {
    let long = chain_of_layouts(20_000);
    let diagnostics = on_small_stack(move || codes(&site_diagnostics(&long)));
    assert_eq!(diagnostics.iter().filter(|&&c| c == "MCC3009").count(), 20_000 - 16);
    let texts = [chain_of_layouts(500), chain_of_layouts(2_000)];
    crate::testing::assert_linear("a chain of layouts", |scale| {
        let text = &texts[usize::from(scale == 4)];
        let start = Instant::now();
        std::hint::black_box(site_diagnostics(text));
        start.elapsed()
    });
}
