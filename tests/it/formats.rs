//! `mcc check`'s output formats (human, short, json, sarif, github) and what makes it fail
//! (`--fail-level`, `--deny-warnings`, `--ignore`, the `mcc.openshift.io/ignore` annotation). The
//! tooling around it (completions, man pages, the example CI workflows) is in `tooling.rs`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Run, mcc, mcc_in, root};
use serde_json::Value;

/// One MachineConfig with an error (MCC1005), one with a warning (MCC0006); the error keeps the
/// worker pool from rendering (MCC2007, an info).
const FIXTURE: &str = "tests/fixtures/formats/error-and-warning.yaml";
/// The same kinds of problems, each suppressed by an annotation on its object.
const SUPPRESSED: &str = "tests/fixtures/formats/suppressed.yaml";
/// Only a warning (MCC0006).
const WARNED: &str = "tests/fixtures/broken/legacy-octal-mode.yaml";

/// Runs `mcc` in `dir` with extra environment variables; `$GITHUB_STEP_SUMMARY` is never
/// inherited (a test run inside GitHub Actions must not write to the real one).
fn mcc_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcc"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the mcc binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn github(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "github"];
    all.extend(args);
    mcc_env(dir, &all, &[])
}

// ---------------------------------------------------------------------------------------------
// human, short, json

#[test]
fn human_shows_reports_then_the_summary() {
    let run = mcc(&["check", FIXTURE], None);
    run.expect_code(1);
    for expected in ["MCC1005", "× path not absolute", "help: write `/etc/relative.conf`", "MCC0006", "MCC2007"] {
        assert!(run.stdout.contains(expected), "missing {expected:?}\n{run}");
    }
    assert!(run.stdout.contains(&format!("╭─[{FIXTURE}:14:17]")), "{run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("1 error, 1 warning in 1 file (2 MachineConfigs, 0 pools rendered)"),
        "{run}"
    );
}

#[test]
fn short_is_one_exact_line_a_diagnostic() {
    let run = mcc(&["check", "--format", "short", FIXTURE], None);
    run.expect_code(1);
    let expected = format!(
        "{FIXTURE}:5:9: info[MCC2007] pool `worker` is not rendered: MachineConfig `99-worker-relative` has errors\n\
         {FIXTURE}:14:17: error[MCC1005] path not absolute\n\
         {FIXTURE}:32:17: warning[MCC0006] `0644` is the octal number 420 under Kubernetes YAML rules\n"
    );
    assert_eq!(run.stdout, expected, "{run}");
    assert!(run.stderr.is_empty(), "{run}");
    // A problem with a path but no position, and one with neither.
    let run = mcc(&["check", "--format", "short", "tests/fixtures/no-such-file.yaml"], None);
    run.expect_code(3);
    assert!(run.stdout.starts_with("tests/fixtures/no-such-file.yaml: error[MCC0001] cannot read"), "{run}");
    let empty = tempfile::tempdir().unwrap();
    let run = mcc_in(empty.path(), &["check", "--format", "short", "."], None);
    assert!(run.stdout.starts_with("warning[MCC0011] no MachineConfig"), "{run}");
}

#[test]
fn json_keeps_v1_and_counts_what_was_hidden() {
    let run = mcc(&["check", "--format", "json", FIXTURE], None);
    run.expect_code(1);
    let json = run.json();
    assert_eq!(json["schema"], "mcc.diagnostics/v1");
    let codes: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["MCC2007", "MCC1005", "MCC0006"]);
    let error = &json["diagnostics"][1];
    assert_eq!(error["severity"], "error");
    assert_eq!(error["help"], "write `/etc/relative.conf`");
    assert_eq!(
        error["location"],
        serde_json::json!({
            "file": FIXTURE, "start": 358, "end": 375,
            "line": 14, "column": 17, "end_line": 14, "end_column": 34,
        })
    );
    assert_eq!(
        json["summary"],
        serde_json::json!({"errors": 1, "warnings": 1, "infos": 1, "suppressed": 0, "ignored": 0})
    );
    let json = mcc(&["check", "--format", "json", "--ignore", "MCC0006", SUPPRESSED], None).json();
    assert_eq!(json["summary"]["suppressed"], 1, "{json}");
    assert_eq!(json["summary"]["ignored"], 1, "{json}");
}

// ---------------------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/fixtures/schemas/sarif-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF 2.1.0 schema compiles")
}

#[track_caller]
fn assert_valid_sarif(validator: &jsonschema::Validator, run: &Run) -> Value {
    let log = run.json();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}\n{run}", errors.join("\n"));
    log
}

#[test]
fn sarif_follows_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    // The schema is not a pushover: a log without runs, and a result with a 0 line, fail it.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    let mut bad = mcc(&["check", "--format", "sarif", FIXTURE], None).json();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!validator.is_valid(&bad));

    let empty = tempfile::tempdir().unwrap();
    let example = mcc(&["check", "--format", "sarif", "examples/cluster/before"], None);
    example.expect_code(0);
    let log = assert_valid_sarif(&validator, &example);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    for run in [
        mcc(&["check", "--format", "sarif", FIXTURE], None),
        mcc(&["check", "--format", "sarif", "examples/cluster/after", WARNED, SUPPRESSED], None),
        mcc(&["check", "--format", "sarif", "-"], Some("kind: MachineConfig\nmetadata: [")),
        mcc(&["check", "--format", "sarif", "tests/fixtures/no-such-file.yaml"], None),
        mcc(&["check", "--format", "sarif", "tests/fixtures/broken"], None),
        mcc_in(empty.path(), &["check", "--format", "sarif", "."], None),
    ] {
        let log = assert_valid_sarif(&validator, &run);
        // GitHub refuses a whole log in which one result has no file.
        for result in log["runs"][0]["results"].as_array().unwrap() {
            let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            assert!(uri.as_str().is_some_and(|u| !u.is_empty()), "{result}");
        }
    }
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let run = mcc(&["check", "--format", "sarif", FIXTURE], None);
    run.expect_code(1);
    let log = run.json();
    assert_eq!(log["version"], "2.1.0");
    let sarif_run = &log["runs"][0];
    assert_eq!(sarif_run["columnKind"], "unicodeCodePoints");
    assert_eq!(sarif_run["tool"]["driver"]["name"], "mcc");
    let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["MCC0006", "MCC1005", "MCC2007"], "one rule a code found, in code order");
    let rule = &rules[1];
    assert_eq!(rule["shortDescription"]["text"], "a path is empty, relative or not in its simplest form");
    assert_eq!(rule["helpUri"], "https://github.com/openshift/mcc/blob/main/docs/codes/MCC1005.md");
    let page = std::fs::read_to_string(root().join("docs/codes/MCC1005.md")).unwrap();
    assert_eq!(rule["help"]["markdown"], page.as_str());
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");

    let result = &sarif_run["results"][1];
    assert_eq!(result["ruleId"], "MCC1005");
    assert_eq!(result["ruleIndex"], 1);
    assert_eq!(result["level"], "error");
    assert_eq!(result["message"]["text"], "path not absolute\nhelp: write `/etc/relative.conf`");
    assert_eq!(
        result["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": {"uri": FIXTURE},
            "region": {"startLine": 14, "startColumn": 17, "endLine": 14, "endColumn": 34},
        })
    );
    let fingerprint = result["partialFingerprints"]["mcc/v1"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 32);

    // A lint of a policy file has no published page: its help is the page `mcc explain` builds.
    let open = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-open\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n        - path: /etc/open.conf\n          contents: {source: 'data:,'}\n          mode: 511\n";
    let run = mcc(&["check", "--format", "sarif", "-"], Some(open));
    let log = assert_valid_sarif(&sarif_validator(), &run);
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "MCC6001");
    assert!(rule.get("helpUri").is_none(), "{rule}");
    assert_eq!(rule["help"]["markdown"], mcc(&["explain", "MCC6001"], None).stdout.as_str());
    assert_eq!(log["runs"][0]["results"][0]["relatedLocations"][0]["message"]["text"], "lint `MCC6001`");

    // The base of helpUri can be changed.
    let log =
        mcc(&["check", "--format", "sarif", "--help-uri-base", "https://example.com/codes/", FIXTURE], None).json();
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][1]["helpUri"], "https://example.com/codes/MCC1005.md");
}

#[test]
fn sarif_uris_are_relative_with_forward_slashes_and_fingerprints_are_stable() {
    let fingerprints = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["mcc/v1"].as_str().unwrap().to_string())
            .collect()
    };
    let first = mcc(&["check", "--format", "sarif", FIXTURE], None).json();
    let again = mcc(&["check", "--format", "sarif", &format!("./{FIXTURE}")], None).json();
    let absolute = root().join(FIXTURE);
    let absolute = mcc(&["check", "--format", "sarif", absolute.to_str().unwrap()], None).json();
    let dotted =
        mcc(&["check", "--format", "sarif", &FIXTURE.replace("fixtures/", "fixtures/../fixtures//")], None).json();
    let climbing = format!("../{}/{FIXTURE}", root().file_name().unwrap().to_str().unwrap());
    let climbing = mcc(&["check", "--format", "sarif", &climbing], None).json();
    for log in [&again, &absolute, &dotted, &climbing] {
        let uri = &log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, FIXTURE);
        assert_eq!(fingerprints(log), fingerprints(&first), "same file, same findings, same fingerprints");
    }
    let distinct: BTreeSet<String> = fingerprints(&first).into_iter().collect();
    assert_eq!(distinct.len(), 3);

    // Lines added above the findings move them, but do not change their fingerprints.
    let dir = tempfile::tempdir().unwrap();
    let moved_dir = dir.path().join("tests/fixtures/formats");
    std::fs::create_dir_all(&moved_dir).unwrap();
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    std::fs::write(moved_dir.join("error-and-warning.yaml"), format!("# one\n# two\n{text}")).unwrap();
    let moved = mcc_in(dir.path(), &["check", "--format", "sarif", FIXTURE], None).json();
    let region = &moved["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 16);
    assert_eq!(fingerprints(&moved), fingerprints(&first));
}

#[test]
fn sarif_leaves_out_what_was_suppressed_or_ignored() {
    let log = mcc(&["check", "--format", "sarif", "--ignore", "MCC2007", FIXTURE, SUPPRESSED], None).json();
    let ids: Vec<&str> =
        log["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["MCC1005", "MCC0006"]);
}

// ---------------------------------------------------------------------------------------------
// GitHub

#[test]
fn github_annotates_each_diagnostic() {
    let run = github(root(), &[FIXTURE]);
    run.expect_code(1);
    let expected = format!(
        "::notice file={FIXTURE},line=5,endLine=5,col=9,endColumn=27,title=MCC2007::pool `worker` is not rendered: MachineConfig `99-worker-relative` has errors%0Ahelp: the MCO refuses to render a pool with an invalid MachineConfig (RenderDegraded); fix the errors reported for it\n\
         ::error file={FIXTURE},line=14,endLine=14,col=17,endColumn=34,title=MCC1005::path not absolute%0Ahelp: write `/etc/relative.conf`\n\
         ::warning file={FIXTURE},line=32,endLine=32,col=17,endColumn=21,title=MCC0006::`0644` is the octal number 420 under Kubernetes YAML rules%0Ahelp: write `420` if a number is meant (Ignition's JSON modes are decimal), `0o644` to say octal, or quote it if a string is meant\n\
         1 error, 1 warning in 1 file (2 MachineConfigs, 0 pools rendered)\n"
    );
    assert_eq!(run.stdout, expected, "{run}");
}

/// Two MachineConfigs with one hostile name (a comma, a colon, a `%`, a line break and a fake
/// workflow command), in a file whose name has a comma, a colon and a `%`.
const HOSTILE: &str = r#"apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: "dup,name:100%\n::warning file=x::fake"
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
---
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: "dup,name:100%\n::warning file=x::fake"
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
"#;

#[test]
fn github_escapes_hostile_messages_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    let name = "odd,name:100%.yaml";
    std::fs::write(dir.path().join(name), HOSTILE).unwrap();
    let run = github(dir.path(), &[name]);
    run.expect_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "two annotations and the summary, each on one line\n{run}");
    assert_eq!(
        lines[0],
        "::error file=odd%2Cname%3A100%25.yaml,line=15,endLine=15,col=9,endColumn=48,title=MCC0012::\
         a second MachineConfig named `dup,name:100%25%0A::warning file=x::fake`%0A\
         help: object names are unique in a cluster: applying both keeps only the last one; rename one",
        "{run}"
    );
    assert!(lines[1].starts_with("::notice file=odd%2Cname%3A100%25.yaml,"), "{run}");
    assert!(!run.stdout.lines().any(|l| l.starts_with("::warning")), "no injected command: {run}");
    // Paths are repository-relative with forward slashes, also when given as ./path.
    let run = github(root(), &[&format!("./{FIXTURE}")]);
    assert!(run.stdout.lines().nth(1).unwrap().starts_with(&format!("::error file={FIXTURE},")), "{run}");
}

#[test]
fn github_annotates_at_most_10_of_each_kind_and_logs_the_rest() {
    // One file a MachineConfig, so that no file holds more findings of one code than are shown
    // before grouping (three).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("many")).unwrap();
    for i in 0..12 {
        let text = format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-many-{i:02}\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n        - path: etc/relative-{i:02}.conf\n          mode: 420\n        - path: /etc/octal-{i:02}.conf\n          mode: 0644\n"
        );
        std::fs::write(dir.path().join(format!("many/{i:02}.yaml")), text).unwrap();
    }
    let run = github(dir.path(), &["many"]);
    run.expect_code(1);
    let count = |prefix: &str| run.stdout.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), 10, "{run}");
    assert_eq!(count("::warning "), 10, "{run}");
    assert_eq!(count("::notice "), 1, "{run}");
    // The others are in the log, one plain line each.
    let plain: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("many/")).collect();
    assert_eq!(plain.len(), 4, "{run}");
    assert_eq!(plain.iter().filter(|l| l.contains(": error[MCC1005] path not absolute")).count(), 2, "{run}");
    assert_eq!(plain.iter().filter(|l| l.contains(": warning[MCC0006] ")).count(), 2, "{run}");
    assert!(run.stdout.contains("12 errors, 12 warnings in 12 files"), "{run}");
    assert!(run.stdout.contains("4 more diagnostics are only in the log above"), "{run}");
}

#[test]
fn github_appends_a_markdown_summary_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let run = mcc_env(root(), &["check", "--format", "github", FIXTURE], &[("GITHUB_STEP_SUMMARY", &summary)]);
    run.expect_code(1);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n### mcc check\n"), "appended, not replaced:\n{text}");
    assert!(text.contains("| errors | warnings | infos | suppressed | ignored |\n"), "{text}");
    assert!(text.contains("| 1 | 1 | 1 | 0 | 0 |\n"), "{text}");
    let row = format!(
        "| error | [MCC1005](https://github.com/openshift/mcc/blob/main/docs/codes/MCC1005.md) | {FIXTURE}:14:17 | path not absolute<br>help: write `/etc/relative.conf` |\n"
    );
    assert!(text.contains(&row), "{text}");
    // A clean run says so.
    std::fs::write(&summary, "").unwrap();
    let run = mcc_env(
        root(),
        &["check", "--format", "github", "examples/cluster/before"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    run.expect_code(0);
    assert!(std::fs::read_to_string(&summary).unwrap().contains("No problems found."));
    // A summary that cannot be written is an operational failure (exit 3), after the log.
    let run = mcc_env(
        root(),
        &["check", "--format", "github", "examples/cluster/before"],
        &[("GITHUB_STEP_SUMMARY", dir.path())],
    );
    run.expect_code(3);
    assert!(run.stderr.contains("GITHUB_STEP_SUMMARY"), "{run}");
    assert!(run.stdout.contains("0 errors, 0 warnings"), "{run}");
    // Other formats never touch it.
    std::fs::write(&summary, "").unwrap();
    mcc_env(root(), &["check", "--format", "sarif", FIXTURE], &[("GITHUB_STEP_SUMMARY", &summary)]).expect_code(1);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "");
}

// ---------------------------------------------------------------------------------------------
// Exit codes: --fail-level, --deny-warnings, --ignore, inline suppression

#[test]
fn fail_level_decides_what_fails() {
    mcc(&["check", WARNED], None).expect_code(0);
    mcc(&["check", "--fail-level", "error", WARNED], None).expect_code(0);
    mcc(&["check", "--fail-level", "warning", WARNED], None).expect_code(1);
    mcc(&["check", "--deny-warnings", WARNED], None).expect_code(1);
    mcc(&["check", "--fail-level", "warning", "--format", "sarif", WARNED], None).expect_code(1);
    // Errors fail at either level; infos never do.
    mcc(&["check", "--fail-level", "error", FIXTURE], None).expect_code(1);
    mcc(&["check", "--fail-level", "warning", "--ignore", "MCC0006", "examples/cluster/before"], None).expect_code(0);
    // Both at once is a usage error, as is a level or a code that does not exist.
    for args in [
        &["check", "--deny-warnings", "--fail-level", "error", WARNED][..],
        &["check", "--fail-level", "info", WARNED],
        &["check", "--ignore", "not-a-code", WARNED],
        &["check", "--ignore", "1005", WARNED],
    ] {
        let run = mcc(args, None);
        assert_eq!(run.code, Some(64), "mcc {args:?}\n{run}");
    }
}

#[test]
fn ignored_codes_are_neither_reported_nor_counted() {
    let run = mcc(&["check", "--ignore", "MCC1005", FIXTURE], None);
    // Ignoring the error does not make its MachineConfig valid: the pool is still not rendered.
    run.expect_code(0);
    assert!(!run.stdout.contains("MCC1005"), "{run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("0 errors, 1 warning in 1 file (2 MachineConfigs, 0 pools rendered); 1 ignored")
    );
    mcc(&["check", "--ignore", "mcc1005", "--deny-warnings", FIXTURE], None).expect_code(1);
    mcc(&["check", "--ignore", "MCC1005,MCC0006", "--deny-warnings", FIXTURE], None).expect_code(0);
    mcc(&["check", "--ignore", "MCC1005", "--ignore", "MCC0006", "--deny-warnings", FIXTURE], None).expect_code(0);
    let run = mcc(&["check", "--format", "short", "--ignore", "MCC1005,MCC0006,MCC2007", FIXTURE], None);
    assert_eq!(run.stdout, "", "{run}");
    // An unreadable input still exits 3.
    mcc(&["check", "--ignore", "MCC0001", "tests/fixtures/no-such-file.yaml"], None).expect_code(3);
}

#[test]
fn ignoring_a_code_that_does_not_exist_is_a_usage_error() {
    let run = mcc(&["check", "--ignore", "MCC9999", WARNED], None);
    run.expect_code(64);
    assert!(run.stderr.contains("`--ignore MCC9999`: no such diagnostic code"), "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    // mcc's own codes, and the stdlib's lints, are known.
    mcc(&["check", "--ignore", "MCC1005,mcc6001", FIXTURE], None).expect_code(0);
}

#[test]
fn the_ignore_annotation_suppresses_inside_its_object() {
    let run = mcc(&["check", "--deny-warnings", SUPPRESSED], None);
    run.expect_code(0);
    assert_eq!(
        run.stdout.lines().last(),
        Some("0 errors, 0 warnings in 1 file (1 MachineConfig, 1 pool rendered); 2 suppressed"),
        "{run}"
    );
    // Without the annotations both are reported.
    let text = std::fs::read_to_string(root().join(SUPPRESSED)).unwrap().replace("mcc.openshift.io/ignore", "x");
    let run = mcc(&["check", "--format", "short", "--deny-warnings", "-"], Some(&text));
    run.expect_code(1);
    assert_eq!(run.stdout.lines().count(), 2, "{run}");
    assert!(run.stdout.contains("warning[MCC0006]") && run.stdout.contains("warning[MCC2003]"), "{run}");
    // An annotation covers its own object only.
    let run = mcc(&["check", "--format", "short", FIXTURE, SUPPRESSED], None);
    assert!(run.stdout.contains(&format!("{FIXTURE}:32:17: warning[MCC0006]")), "{run}");
    assert!(!run.stdout.contains(&format!("{SUPPRESSED}:")), "{run}");
}

/// 2,000 copies of one kernel argument (duplicates, MCC7008) in each of two files: the
/// report formats show three of each file in full and count the rest on one line, in bounded
/// output and the same bytes whatever the order the files are given in; JSON lists every one.
#[test]
fn repeated_findings_are_grouped_for_people_and_listed_whole_for_machines() {
    let dir = tempfile::tempdir().unwrap();
    let kargs = vec!["nosmt"; 2_000].join(", ");
    for name in ["a", "b"] {
        let text = format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs-{name}\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
        );
        std::fs::write(dir.path().join(format!("{name}.yaml")), text).unwrap();
    }
    let check = |format: &str, files: &[&str]| {
        let mut args = vec!["check", "--format", format];
        args.extend(files);
        let run = mcc_env(dir.path(), &args, &[]);
        run.expect_code(0);
        run.stdout
    };
    let json: Value = serde_json::from_str(&check("json", &["a.yaml", "b.yaml"])).unwrap();
    let duplicates = json["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "MCC7008").count();
    // a.yaml's first argument is the only one given once in the pool.
    assert_eq!(duplicates, 1_999 + 2_000, "JSON keeps every finding");
    for (format, bound) in [("human", 12_000), ("github", 8_000), ("markdown", 8_000)] {
        let forward = check(format, &["a.yaml", "b.yaml"]);
        assert_eq!(forward, check(format, &["b.yaml", "a.yaml"]), "{format}: the order of the inputs shows nowhere");
        assert!(forward.len() < bound, "{format}: {} bytes\n{forward}", forward.len());
        for (file, more) in [("a.yaml", 1_999 - 3), ("b.yaml", 2_000 - 3)] {
            let more = format!("… and {more} more warning[MCC7008] in {file} (--format json lists them all)");
            assert_eq!(forward.matches(&more).count(), 1, "{format}: {more}\n{forward}");
        }
    }
}

/// Issue 11: `mcc render` and `mcc compile` report their inputs' diagnostics on stderr beside
/// their result, and drew every repeated finding there (10,000 duplicate kernel arguments: 7.8 MB
/// of stderr). They group them as `mcc check`'s report does, pointing at the format that lists
/// them all.
#[test]
fn render_and_compile_group_repeated_findings_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let kargs = vec!["nosmt"; 10_000].join(", ");
    let text = format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
    );
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let more = "… and 9996 more warning[MCC7008] in a.yaml (mcc check --format json lists them all)\n";
    for args in [&["render", "a.yaml"][..], &["compile", "a.yaml", "--out", "build"]] {
        let run = mcc_env(dir.path(), args, &[]);
        assert_eq!(run.stderr.matches("MCC7008").count(), 4, "{args:?}: three reports and the count\n{}", run.stderr);
        assert_eq!(run.stderr.matches(more).count(), 1, "{args:?}\n{}", run.stderr);
        assert!(run.stderr.len() < 8_000, "{args:?}: {} bytes of stderr", run.stderr.len());
    }
}
