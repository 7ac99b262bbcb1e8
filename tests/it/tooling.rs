//! The tooling around `mcc check`: shell completions, man pages, the example CI workflows and
//! the pre-commit hook.

use std::collections::BTreeSet;

use crate::support::{mcc, root};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// completions, man pages

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = mcc(&["completions", shell], None);
        run.expect_code(0);
        assert!(run.stdout.len() > 500, "{shell}: {run}");
        assert!(run.stdout.contains("check") && run.stdout.contains("fail-level"), "{shell}: {run}");
    }
    mcc(&["completions", "tcsh"], None).expect_code(64);
}

#[test]
fn man_pages_for_mcc_and_every_subcommand() {
    let run = mcc(&["man"], None);
    run.expect_code(0);
    assert!(run.stdout.contains(".TH mcc 1"), "{run}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man/man1");
    let run = mcc(&["man", "--out", out.to_str().unwrap()], None);
    run.expect_code(0);
    let pages: BTreeSet<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    // One page for mcc, and one for each subcommand `mcc --help` lists.
    let help = mcc(&["--help"], None).stdout;
    let commands = help.split("Commands:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    let mut expected: Vec<String> = commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(|c| format!("mcc-{c}.1"))
        .collect();
    expected.push("mcc.1".to_string());
    assert!(expected.len() >= 8, "{expected:?}");
    for page in &expected {
        assert!(pages.contains(page), "{page} missing from {pages:?}");
    }
    let check = std::fs::read_to_string(out.join("mcc-check.1")).unwrap();
    assert!(check.contains(".TH mcc-check 1"), "{check}");
    assert!(check.contains("fail\\-level"), "{check}");
}

// ---------------------------------------------------------------------------------------------
// The example CI workflows and the pre-commit hook

/// A YAML file as JSON, read by mcc's own YAML reader; panics unless it is valid YAML.
fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut sources = mcc_compiler::source::Sources::default();
    let id = sources.add(path, &text);
    let mut diagnostics = Vec::new();
    let documents = mcc_compiler::load::yaml::parse_documents(id, &text, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{path} is not valid YAML: {diagnostics:?}");
    assert_eq!(documents.len(), 1, "{path}: one document");
    documents[0].root.to_json()
}

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Every `mcc …` command in a shell script, as its words after `mcc` (quotes removed).
fn mcc_commands(script: &str) -> Vec<Vec<String>> {
    let script = script.replace("\\\n", " ");
    let mut commands = Vec::new();
    for line in script.lines() {
        let line = line.split(" #").next().unwrap_or("");
        let mut segments = vec![line.to_string()];
        for separator in ["&&", "||", "|", ";", "$(", "(", ")", ">", "<"] {
            segments =
                segments.iter().flat_map(|s| s.split(separator).map(str::to_string).collect::<Vec<_>>()).collect();
        }
        for segment in segments {
            let words: Vec<String> =
                segment.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string()).collect();
            if words.first().is_some_and(|w| w == "mcc") {
                commands.push(words[1..].to_vec());
            }
        }
    }
    commands
}

/// Runs `mcc SUBCOMMAND --help` and checks that every flag used exists, and that every
/// `--format` value is one the subcommand lists.
fn assert_known(file: &str, words: &[String]) {
    let (subcommand, rest) = match words.first() {
        Some(w) if !w.starts_with('-') => (Some(w.as_str()), &words[1..]),
        _ => (None, words),
    };
    let help = mcc(&subcommand.into_iter().chain(["--help"]).collect::<Vec<_>>(), None);
    assert_eq!(help.code, Some(0), "{file}: `mcc {}` is not a subcommand\n{help}", words.join(" "));
    for (i, word) in rest.iter().enumerate() {
        let Some(flag) = word.strip_prefix("--") else { continue };
        let (flag, inline_value) = flag.split_once('=').map_or((flag, None), |(f, v)| (f, Some(v)));
        assert!(
            help.stdout.contains(&format!("--{flag}")),
            "{file}: `mcc {}` has no --{flag}\n{help}",
            words.join(" ")
        );
        if flag == "format" {
            let value = inline_value.or(rest.get(i + 1).map(String::as_str)).unwrap();
            let option = help.stdout.find("--format <").unwrap();
            let listed =
                help.stdout[option..].split("[possible values: ").nth(1).and_then(|s| s.split(']').next()).unwrap();
            assert!(listed.split(", ").any(|v| v == value), "{file}: --format {value} is not one of {listed}");
        }
    }
}

#[test]
fn the_example_ci_workflows_call_only_what_exists() {
    let mut seen = BTreeSet::new();
    for file in ["examples/ci/github-actions.yaml", "examples/ci/gitlab-ci.yml"] {
        let workflow = yaml(file);
        let mut scripts = Vec::new();
        strings(&workflow, &mut scripts);
        let commands: Vec<Vec<String>> = scripts.iter().flat_map(|s| mcc_commands(s)).collect();
        assert!(commands.len() >= 3, "{file} runs mcc: {commands:?}");
        for words in &commands {
            assert_known(file, words);
            seen.insert(format!("{file}: mcc {}", words.join(" ")));
        }
    }
    let all = seen.iter().cloned().collect::<Vec<_>>().join("\n");
    for expected in [
        "github-actions.yaml: mcc check --format sarif",
        "github-actions.yaml: mcc check --format github",
        "github-actions.yaml: mcc plan --from git:origin/main",
        "gitlab-ci.yml: mcc check --format sarif",
        "gitlab-ci.yml: mcc plan --from git:origin/",
    ] {
        assert!(seen.iter().any(|s| s.contains(expected)), "no `{expected}` among:\n{all}");
    }
    // The SARIF is uploaded to code scanning.
    let workflow = std::fs::read_to_string(root().join("examples/ci/github-actions.yaml")).unwrap();
    assert!(workflow.contains("uses: github/codeql-action/upload-sarif@"), "{workflow}");
}

#[test]
fn the_pre_commit_hook_runs_mcc_check() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "mcc-check");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["entry"], "mcc check");
    assert_eq!(hook["files"], r"\.(ya?ml|json|mcc)$");
    let mut words: Vec<String> = hook["entry"].as_str().unwrap().split_whitespace().skip(1).map(String::from).collect();
    words.extend(hook["args"].as_array().into_iter().flatten().map(|a| a.as_str().unwrap().to_string()));
    assert_known(".pre-commit-hooks.yaml", &words);
    // `language: rust` runs `cargo install --path .` at the root: the root must be a package
    // that owns the binary.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(manifest.starts_with("[package]\nname = \"mcc\""), "{manifest}");
}
