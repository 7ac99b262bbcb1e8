//! Every real-world input of `../shared/corpus/real` through the real `mcc` binary.
//!
//! - `check` and `render` never panic and exit 0, 1 or 3;
//! - `render --format json` always prints a Kubernetes `List` of rendered MachineConfigs;
//! - every span of `check --format json` agrees with the file's text (line and column are
//!   recomputed here from the byte offsets), and the human summary agrees with the JSON one;
//! - Butane sources are reported as needing translation;
//! - the human `check` report of each file is pinned by a snapshot
//!   (`snapshots/corpus__check@<file>.snap`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{Run, line_col, mcc};
use serde_json::Value;

/// The corpus directory, as the test locates it (not canonicalized).
fn corpus_dir() -> PathBuf {
    crate::support::root().join("../shared/corpus/real")
}

/// Every corpus input: each file of the directory except the manifest.
fn corpus_files() -> Vec<PathBuf> {
    let files: Vec<PathBuf> = crate::support::files_in(&corpus_dir())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "MANIFEST.tsv"))
        .collect();
    assert!(!files.is_empty(), "no corpus in {}", corpus_dir().display());
    files
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The manifest's rows: `(file, kind, notable)`.
fn manifest() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let column = |name: &str| {
        header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("MANIFEST.tsv has no `{name}` column"))
    };
    let (file, kind, notable) = (column("file"), column("kind"), column("notable"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| cells.get(i).copied().unwrap_or("").to_string();
            (cell(file), cell(kind), cell(notable))
        })
        .collect()
}

#[test]
fn the_manifest_lists_exactly_the_corpus_files() {
    let listed: BTreeSet<String> = manifest().into_iter().map(|(file, _, _)| file).collect();
    let present: BTreeSet<String> = corpus_files().iter().map(|p| file_name(p).to_string()).collect();
    assert_eq!(listed, present, "MANIFEST.tsv and the corpus directory disagree");
}

/// Problems found in one run, as readable lines.
fn problems_of_run(what: &str, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    if !matches!(run.code, Some(0 | 1 | 3)) {
        problems.push(format!("{what}: exit code {:?} is not 0, 1 or 3", run.code));
    }
    if run.stderr.contains("panicked") || run.stdout.contains("panicked") {
        problems.push(format!("{what}: panicked:\n{}", run.stderr));
    }
    problems
}

/// Every span of a JSON report must agree with the text it points into.
fn span_problems(report: &Value, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, location: &Value| {
        // Locations without a span (a path that could not be read) have no offsets.
        let (Some(start), Some(end)) = (location["start"].as_u64(), location["end"].as_u64()) else {
            return;
        };
        let (start, end) = (usize::try_from(start).unwrap(), usize::try_from(end).unwrap());
        if start > end || end > text.len() {
            problems.push(format!("{what}: span {start}..{end} is outside the file ({} bytes)", text.len()));
            return;
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            problems.push(format!("{what}: span {start}..{end} splits a character"));
            return;
        }
        let expected = [line_col(text, start), line_col(text, end)];
        let found = [
            (location["line"].as_u64().unwrap_or(0), location["column"].as_u64().unwrap_or(0)),
            (location["end_line"].as_u64().unwrap_or(0), location["end_column"].as_u64().unwrap_or(0)),
        ];
        if expected != found {
            problems.push(format!("{what}: offsets {start}..{end} are {expected:?} but the report says {found:?}"));
        }
    };
    for d in report["diagnostics"].as_array().into_iter().flatten() {
        let code = d["code"].as_str().unwrap_or("?");
        // Only spans into the input file: `<builtin>` sources and the stdlib are mcc's own.
        let in_input = |loc: &Value| {
            let file = loc["file"].as_str().unwrap_or("");
            !file.starts_with("<builtin>") && !file.starts_with("stdlib/")
        };
        if in_input(&d["location"]) {
            check(&format!("{code} location"), &d["location"]);
        }
        for related in d["related"].as_array().into_iter().flatten() {
            if in_input(related) {
                check(&format!("{code} related"), related);
            }
        }
    }
    problems
}

/// The JSON summary must count the diagnostics, and the human summary line must say the same.
fn summary_problems(report: &Value, human: &str) -> Vec<String> {
    let count = |severity: &str| {
        report["diagnostics"].as_array().into_iter().flatten().filter(|d| d["severity"] == severity).count() as u64
    };
    let mut problems = Vec::new();
    for (severity, key) in [("error", "errors"), ("warning", "warnings"), ("info", "infos")] {
        if report["summary"][key].as_u64() != Some(count(severity)) {
            problems.push(format!("summary.{key} does not count the {severity} diagnostics"));
        }
    }
    let plural = |n: u64, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let expected = format!("{}, {} in ", plural(count("error"), "error"), plural(count("warning"), "warning"));
    let last = human.lines().last().unwrap_or("");
    if !last.starts_with(&expected) {
        problems.push(format!("human summary `{last}` does not start with `{expected}`"));
    }
    problems
}

/// What `render --format json` printed must be a List of rendered MachineConfigs.
fn render_problems(run: &Run) -> Vec<String> {
    // A failed render prints no list at all (an empty one would read as a rendered state).
    if run.code != Some(0) {
        return if run.stdout.is_empty() {
            Vec::new()
        } else {
            vec![format!("a failed render printed:\n{}", run.stdout)]
        };
    }
    let list: Value = match serde_json::from_str(&run.stdout) {
        Ok(list) => list,
        Err(error) => return vec![format!("render output is not JSON: {error}\n{}", run.stdout)],
    };
    let mut problems = Vec::new();
    if list["apiVersion"] != "v1" || list["kind"] != "List" {
        problems.push(format!("render output is not a v1 List: {list:#}"));
    }
    let Some(items) = list["items"].as_array() else {
        problems.push("render output has no `items` array".to_string());
        return problems;
    };
    for item in items {
        let name = item["metadata"]["name"].as_str().unwrap_or("");
        if item["kind"] != "MachineConfig" || !name.starts_with("rendered-") {
            problems.push(format!("rendered item `{name}` is not a rendered MachineConfig"));
        }
        if item["spec"]["config"]["ignition"]["version"] != "3.5.0" {
            problems.push(format!("rendered item `{name}` is not Ignition 3.5.0"));
        }
    }
    problems
}

#[test]
fn every_corpus_file_checks_and_renders_without_panicking() {
    let mut failures = Vec::new();
    let mut codes = BTreeSet::new();
    for path in corpus_files() {
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let human = mcc(&["check", "--format", "human", arg(&path)], None);
        let json = mcc(&["check", "--format", "json", arg(&path)], None);
        let render = mcc(&["render", "--format", "json", arg(&path)], None);

        let mut problems = problems_of_run("check --format human", &human);
        problems.extend(problems_of_run("check --format json", &json));
        problems.extend(problems_of_run("render --format json", &render));
        if json.code != human.code || render.code != human.code {
            problems.push(format!(
                "exit codes differ: check {:?}, check --format json {:?}, render {:?}",
                human.code, json.code, render.code
            ));
        }
        problems.extend(render_problems(&render));
        match serde_json::from_str::<Value>(&json.stdout) {
            Ok(report) => {
                if report["schema"] != "mcc.diagnostics/v1" {
                    problems.push("check --format json has the wrong schema".to_string());
                }
                for d in report["diagnostics"].as_array().into_iter().flatten() {
                    codes.insert(d["code"].as_str().unwrap_or("?").to_string());
                }
                problems.extend(span_problems(&report, text));
                problems.extend(summary_problems(&report, &human.stdout));
            }
            Err(error) => problems.push(format!("check --format json is not JSON: {error}")),
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", file_name(&path), problems.join("\n  ")));
        }
    }
    // Every code reported on real inputs has a page.
    for code in &codes {
        let run = mcc(&["explain", code], None);
        if run.code != Some(0) || !run.stdout.starts_with(&format!("# {code}:")) {
            failures.push(format!("`mcc explain {code}` has no page:\n{run}"));
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn butane_sources_are_reported_as_needing_translation() {
    let mut butane = 0;
    for (file, kind, notable) in manifest() {
        if kind != "Butane" && !file.ends_with(".bu") {
            continue;
        }
        butane += 1;
        let run = mcc(&["check", "--format", "json", arg(&corpus_dir().join(&file))], None);
        run.expect_code(1);
        let report = run.json();
        let found: Vec<&str> = crate::support::diagnostics(&report).iter().filter_map(|d| d["code"].as_str()).collect();
        if notable.contains("YAML-PARSE-ERROR") {
            // Not even YAML: mcc cannot know it is Butane, but must say the YAML is broken.
            assert!(found.contains(&"MCC0002"), "{file}: expected MCC0002 (YAML syntax) in {report:#}");
        } else {
            let d = crate::support::only(&report, "MCC0005");
            assert_eq!(d["severity"], "error", "{file}");
            assert!(
                d["help"].as_str().unwrap_or("").contains("butane"),
                "{file}: the help should say how to translate: {d:#}"
            );
        }
    }
    assert!(butane >= 8, "the corpus has 8 Butane files, found {butane}");
}

/// The `[CORPUS]` filters: the corpus path as given and as canonicalized (glob! canonicalizes).
fn corpus_filters() -> Vec<(String, String)> {
    let mut prefixes = vec![corpus_dir().to_string_lossy().into_owned()];
    if let Ok(canonical) = corpus_dir().canonicalize() {
        prefixes.push(canonical.to_string_lossy().into_owned());
    }
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
    prefixes.into_iter().map(|p| (format!("{}/?", crate::support::regex_escape(&p)), "[CORPUS]/".to_string())).collect()
}

#[test]
fn check_reports_of_the_corpus() {
    let filters = corpus_filters();
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in &filters {
        settings.add_filter(pattern, replacement.as_str());
    }
    settings.bind(|| {
        insta::glob!("../../../shared/corpus/real", "*", |path| {
            // The walk also yields the directory itself, which `*` matches.
            if !path.is_file() || file_name(path) == "MANIFEST.tsv" {
                return;
            }
            let run = mcc(&["check", "--format", "human", arg(path)], None);
            let code = run.code.map_or("killed by a signal".to_string(), |c| c.to_string());
            let mut report = format!("exit code: {code}\n{}", run.stdout);
            if !run.stderr.is_empty() {
                report.push_str("--- stderr ---\n");
                report.push_str(&run.stderr);
            }
            insta::assert_snapshot!("check", report);
        });
    });
}

/// Help texts must not send users to commands that do not exist (MCC0015 once said `mcc plan`).
#[test]
fn help_texts_name_only_commands_that_exist() {
    // The subcommands `mcc --help` lists, so the list never goes stale.
    let help = mcc(&["--help"], None).stdout;
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.contains(&"check"), "{help}");
    let mut failures = Vec::new();
    for path in corpus_files() {
        let report = mcc(&["check", "--format", "json", arg(&path)], None).json();
        for d in crate::support::diagnostics(&report) {
            let help = d["help"].as_str().unwrap_or("");
            for (i, _) in help.match_indices("`mcc ") {
                let command = help[i + 5..].split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                if !commands.contains(&command) {
                    failures.push(format!("{} {}: `mcc {command}` in help: {help}", file_name(&path), d["code"]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
