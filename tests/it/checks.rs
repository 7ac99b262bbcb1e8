//! The checks of `mcc check` (issue 6), each proven by a fixture in `tests/fixtures/checks/`.
//!
//! A fixture annotates its expected diagnostics in itself, Typst-style: a comment line
//! `# expect: CODE SEVERITY` stands above the line where the diagnostic's primary span starts
//! (the next line that is neither blank nor a comment; several annotations may stack). A line
//! `# args: ARGS…` adds command-line arguments (`--profile fedora-bootc`, `--policy FILE`).
//!
//! For every fixture the real binary runs `mcc check --format json ARGS FIXTURE`, and the set of
//! `(code, severity, line)` it reports must equal the annotated set exactly: diagnostics of other
//! codes count too, and every diagnostic must point into the fixture. The human report of each
//! fixture is pinned by a snapshot (`snapshots/checks__human@<fixture>.snap`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::mcc;

const DIR: &str = "tests/fixtures/checks";

/// `(code, severity, line)`.
type Expected = BTreeSet<(String, String, u64)>;

struct Fixture {
    /// Relative to the package root, where mcc runs.
    path: String,
    args: Vec<String>,
    expected: Expected,
}

fn fixture(path: &Path) -> Fixture {
    let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(crate::support::root().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut args = Vec::new();
    let mut expected = Expected::new();
    let mut pending: Vec<(String, String, usize)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("# args:") {
            args.extend(rest.split_whitespace().map(str::to_string));
        } else if let Some(rest) = trimmed.strip_prefix("# expect:") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [code, severity] = words[..] else {
                panic!("{path}:{}: write `# expect: CODE SEVERITY`", i + 1);
            };
            assert!(
                ["error", "warning", "info"].contains(&severity),
                "{path}:{}: unknown severity `{severity}`",
                i + 1
            );
            pending.push((code.to_string(), severity.to_string(), i + 1));
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
            for (code, severity, _) in pending.drain(..) {
                expected.insert((code, severity, i as u64 + 1));
            }
        }
    }
    if let Some((code, _, at)) = pending.first() {
        panic!("{path}:{at}: the annotation `{code}` has no line after it");
    }
    Fixture { path, args, expected }
}

fn fixtures() -> Vec<Fixture> {
    let files: Vec<_> = crate::support::files_in(&crate::support::root().join(DIR))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert!(!files.is_empty(), "no fixtures in {DIR}");
    files.iter().map(|p| fixture(p)).collect()
}

#[test]
fn every_fixture_reports_exactly_its_annotated_diagnostics() {
    let mut failures = Vec::new();
    for f in fixtures() {
        if f.expected.is_empty() {
            failures.push(format!("{}: annotates no diagnostic", f.path));
            continue;
        }
        let mut args: Vec<&str> = vec!["check", "--format", "json"];
        args.extend(f.args.iter().map(String::as_str));
        args.push(&f.path);
        let run = mcc(&args, None);
        if !matches!(run.code, Some(0 | 1)) {
            failures.push(format!("{}: exit code {:?}\n{run}", f.path, run.code));
            continue;
        }
        let report = run.json();
        let mut found = Expected::new();
        let mut described: Vec<String> = Vec::new();
        for d in crate::support::diagnostics(&report) {
            let code = d["code"].as_str().unwrap_or("?").to_string();
            let severity = d["severity"].as_str().unwrap_or("?").to_string();
            let message = d["message"].as_str().unwrap_or("");
            if d["location"]["file"] != f.path.as_str() {
                failures.push(format!("{}: {code} does not point into the fixture: {d:#}", f.path));
                continue;
            }
            let line = d["location"]["line"].as_u64().unwrap_or(0);
            described.push(format!("  {line}: {code} {severity}: {message}"));
            found.insert((code, severity, line));
        }
        let missing: Vec<_> = f.expected.difference(&found).collect();
        let unexpected: Vec<_> = found.difference(&f.expected).collect();
        if !missing.is_empty() || !unexpected.is_empty() {
            failures.push(format!(
                "{}:\n  missing (annotated, not reported): {missing:?}\n  unexpected (reported, not annotated): {unexpected:?}\n  reported:\n{}",
                f.path,
                described.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each new check has a fixture that proves it.
#[test]
fn every_check_code_has_a_fixture() {
    let annotated: BTreeSet<String> =
        fixtures().into_iter().flat_map(|f| f.expected).map(|(code, _, _)| code).collect();
    for n in 1..=14 {
        let code = format!("MCC70{n:02}");
        assert!(annotated.contains(&code), "no fixture in {DIR} annotates {code}");
    }
}

#[test]
fn human_reports_of_the_check_fixtures() {
    insta::glob!("../fixtures/checks", "*.yaml", |path| {
        let f = fixture(path);
        let mut args: Vec<&str> = vec!["check"];
        args.extend(f.args.iter().map(String::as_str));
        args.push(&f.path);
        let run = mcc(&args, None);
        let code = run.code.map_or("killed by a signal".to_string(), |c| c.to_string());
        let mut report = format!("exit code: {code}\n{}", run.stdout);
        if !run.stderr.is_empty() {
            report.push_str("--- stderr ---\n");
            report.push_str(&run.stderr);
        }
        insta::assert_snapshot!("human", report);
    });
}

/// A pool that an invalid MachineConfig keeps from rendering: `mcc check` also reports the
/// conflict between its two valid MachineConfigs (from a check-only render of them), while
/// `mcc plan` and `mcc compile` still see the pool as not rendered, and print what they printed
/// before that render existed (pinned by snapshots, the same bytes as without it).
#[test]
fn an_unrendered_pool_is_checked_whole_but_never_planned_or_compiled() {
    let fixture = format!("{DIR}/unrendered-pool.yaml");
    let check = mcc(&["check", "--format", "json", &fixture], None);
    check.expect_code(1);
    let codes: BTreeSet<String> = crate::support::diagnostics(&check.json())
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(codes, ["MCC1005", "MCC2007", "MCC7001"].map(String::from).into(), "{check}");

    let plan = mcc(&["plan", "--to", &fixture, "--format", "json"], None);
    plan.expect_code(1);
    assert!(!plan.stderr.contains("MCC7001"), "{plan}");
    assert_eq!(plan.json()["pools"], serde_json::json!([]), "no pool renders, so none is planned: {plan}");
    insta::assert_snapshot!("unrendered_pool_plan", format!("{}--- stderr ---\n{}", plan.stdout, plan.stderr));

    let out = tempfile::tempdir().unwrap();
    let compile = mcc(&["compile", &fixture, "--out", out.path().to_str().unwrap()], None);
    compile.expect_code(1);
    assert!(!compile.stderr.contains("MCC7001"), "{compile}");
    assert!(!out.path().join("worker").exists(), "{compile}");
    insta::assert_snapshot!("unrendered_pool_compile", format!("{}--- stderr ---\n{}", compile.stdout, compile.stderr));
}
