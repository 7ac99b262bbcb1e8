//! Differential test: mcc's Ignition validation against `ignition-validate`.
//!
//! For every MachineConfig in the real-world corpus (`../shared/corpus/real`) and every fixture in
//! `tests/fixtures/differential/`, mcc must report an error in `spec.config` exactly when
//! `ignition-validate` (Debian package `ignition`, 2.14) does. Each known, deliberate difference is
//! listed in [`KNOWN_DIFFERENCES`] with its reason; the test fails on any other difference and on a
//! listed difference that no longer occurs, so the table cannot go stale.
//!
//! What is compared:
//! - every document of `kind: MachineConfig` with a non-null `spec.config`, and the items of a
//!   `List` or `MachineConfigList` (mcc reads those). MachineConfigs nested in other kinds
//!   (OpenShift `Template`s, ACM `Policy`s, `ConfigMap` strings) are skipped and counted: mcc
//!   does not read them, so it has no verdict on them;
//! - mcc's verdict: an Error diagnostic of `read_objects` whose span lies inside the `spec.config`
//!   node (the Ignition-level findings; metadata and other spec fields are not Ignition's business);
//! - the oracle's verdict: `ignition-validate`'s exit status (1 when it reports an error or cannot
//!   parse the config, 0 otherwise: warnings alone exit 0) on `spec.config` as the JSON the
//!   API server would store (Kubernetes' YAML 1.1 scalars: `0644` is 420).
//!
//! Versions: ignition-validate 2.14 knows specs 3.0.0–3.3.0 and 3.4.0 only as
//! `3.4.0-experimental`. So 3.0.0–3.3.0 go as they are; 3.4.0 is rewritten to
//! `3.4.0-experimental`; 3.5.0 is rewritten likewise unless it uses a 3.5-only field (LUKS `cex`),
//! in which case it is skipped. Spec 2.x (which 2.14 refuses: "unsupported config version") and
//! missing or unparseable versions (no oracle verdict beyond "cannot parse") are skipped, each
//! counted with its reason in the summary printed to stderr.
//!
//! Without `ignition-validate` on PATH the test is skipped with a message, unless `CI` is set,
//! where it fails (`.ci/run` installs the `ignition` package).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use mcc_compiler::diagnostic::Severity;
use mcc_compiler::load::node::{Node, Value};
use mcc_compiler::load::yaml::{Document, parse_documents};
use mcc_compiler::source::{Sources, Span};
use mcc_compiler::{Inputs, read_objects};

const VALIDATOR: &str = "ignition-validate";

/// Differences between mcc and ignition-validate that are deliberate: `(file name, locator,
/// reason)`. The locator is the document's index in the file (from 0), followed by `.items[N]`
/// for an item of a `List`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    // The MCO's own rule on top of Ignition's (mco.md §2.4, `validateIgn3FileModes`).
    (
        "setuid-file-mode.yaml",
        "0",
        "the MCO refuses file modes above 0777 (setuid, setgid, sticky); Ignition before 3.4 only warns",
    ),
    (
        "setuid-file-mode-spec-3.4.yaml",
        "0",
        "the MCO refuses file modes above 0777 even where spec 3.4 lets Ignition set special bits",
    ),
    ("file-mode-07777.yaml", "0", "the MCO refuses file modes above 0777; 07777 is still a legal mode to Ignition"),
    // A rule of the Ignition the MCO vendors (2.15 and later), newer than the oracle.
    (
        "file-at-unit-path.yaml",
        "0",
        "Ignition 2.15+ (vendored by the MCO) refuses a file where a unit is written; 2.14 predates the rule",
    ),
    (
        "file-at-dropin-path.yaml",
        "0",
        "Ignition 2.15+ (vendored by the MCO) refuses a file where a dropin is written; 2.14 predates the rule",
    ),
    // mcc checks offline what Ignition only finds when it fetches the contents at first boot.
    (
        "gzip-payload-not-gzip.yaml",
        "0",
        "mcc decompresses inline contents; Ignition finds bad gzip only when it writes the file",
    ),
    (
        "hash-mismatch.yaml",
        "0",
        "mcc verifies the hash of inline contents; Ignition only when it fetches them at first boot",
    ),
    (
        "hash-not-hex.yaml",
        "0",
        "mcc decodes the digest, which can never match when not hex; ignition-validate checks its length only",
    ),
];

#[test]
fn mcc_reports_an_error_exactly_when_ignition_validate_does() {
    let Some(validator) = find_validator() else {
        if std::env::var_os("CI").is_some() {
            panic!("`{VALIDATOR}` is not on PATH: install the Debian package `ignition`");
        }
        say(&format!(
            "skipped: `{VALIDATOR}` is not on PATH (install the Debian package `ignition`); with CI set this fails"
        ));
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/real");
    let fixtures = root.join("tests/fixtures/differential");
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut run = Run {
        validator,
        tmp: tmp.path().to_path_buf(),
        outcomes: Vec::new(),
        skipped: BTreeMap::new(),
        rewritten: BTreeMap::new(),
    };

    let corpus_files = yaml_files(&corpus);
    assert!(!corpus_files.is_empty(), "no corpus files in {}", corpus.display());
    for path in &corpus_files {
        run.compare_file(path, Origin::Corpus);
    }
    let corpus_compared = run.outcomes.len();
    let fixture_files = yaml_files(&fixtures);
    assert!(!fixture_files.is_empty(), "no fixtures in {}", fixtures.display());
    for path in &fixture_files {
        run.compare_file(path, Origin::Fixture);
    }

    let failures = run.check(KNOWN_DIFFERENCES);
    run.print_summary(corpus_compared);
    assert!(corpus_compared > 0, "no corpus config was compared");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Corpus,
    Fixture,
}

/// One config given to both mcc and the oracle.
struct Outcome {
    origin: Origin,
    file: String,
    locator: String,
    /// The version as written, and the one given to the oracle when rewritten.
    version: String,
    oracle_version: Option<&'static str>,
    mcc_errors: Vec<String>,
    oracle_error: bool,
    oracle_output: Vec<String>,
}

impl Outcome {
    fn mcc_error(&self) -> bool {
        !self.mcc_errors.is_empty()
    }

    fn agrees(&self) -> bool {
        self.mcc_error() == self.oracle_error
    }

    fn describe(&self) -> String {
        let verdict = |error: bool| if error { "error" } else { "no error" };
        let mut text = format!(
            "{} document {} (version {}{}): mcc says {}, {VALIDATOR} says {}",
            self.file,
            self.locator,
            self.version,
            self.oracle_version.map(|v| format!(", given to {VALIDATOR} as {v}")).unwrap_or_default(),
            verdict(self.mcc_error()),
            verdict(self.oracle_error),
        );
        for line in &self.mcc_errors {
            let _ = write!(text, "\n    mcc: {line}");
        }
        for line in &self.oracle_output {
            let _ = write!(text, "\n    {VALIDATOR}: {line}");
        }
        text
    }
}

struct Run {
    validator: PathBuf,
    tmp: PathBuf,
    outcomes: Vec<Outcome>,
    /// Skipped configs by reason, with the `file#locator`s.
    skipped: BTreeMap<String, Vec<String>>,
    /// Rewritten versions (`3.4.0 → 3.4.0-experimental`) and how often.
    rewritten: BTreeMap<String, usize>,
}

/// What to do with a config, by its `ignition.version`.
enum Plan {
    Compare(Option<&'static str>),
    Skip(String),
}

impl Run {
    fn compare_file(&mut self, path: &Path, origin: Origin) {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_string();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut sources = Sources::default();
        let id = sources.add(name.as_str(), &text);
        let mut parse_diagnostics = Vec::new();
        let documents = parse_documents(id, &text, &mut parse_diagnostics);
        let syntax_errors: Vec<_> = parse_diagnostics.iter().filter(|d| d.code.code == "MCC0002").collect();
        assert!(
            syntax_errors.is_empty(),
            "{name} does not parse as YAML (document indices would shift): {syntax_errors:?}"
        );
        for (index, document) in documents.iter().enumerate() {
            let mut found = Vec::new();
            self.machine_configs(&document.root, index.to_string(), &name, &mut found);
            for (locator, mc) in found {
                self.compare(&sources, &name, &locator, mc, origin);
            }
        }
    }

    /// The MachineConfigs mcc reads in one object (itself, or a List's items); the ones nested in
    /// other kinds are counted as skipped.
    fn machine_configs<'n>(&mut self, root: &'n Node, locator: String, file: &str, out: &mut Vec<(String, &'n Node)>) {
        match root.get("kind").and_then(Node::as_str) {
            Some("MachineConfig") => out.push((locator, root)),
            Some("List" | "MachineConfigList") => {
                if let Some(Value::Seq(items)) = root.get("items").map(|i| &i.value) {
                    for (i, item) in items.iter().enumerate() {
                        self.machine_configs(item, format!("{locator}.items[{i}]"), file, out);
                    }
                }
            }
            kind => {
                let nested = count_nested_machine_configs(root);
                if nested > 0 {
                    let reason =
                        format!("nested in a `{}`, which mcc does not read", kind.unwrap_or("document without kind"));
                    for _ in 0..nested {
                        self.skip(reason.clone(), file, &locator);
                    }
                }
            }
        }
    }

    fn skip(&mut self, reason: String, file: &str, locator: &str) {
        self.skipped.entry(reason).or_default().push(format!("{file}#{locator}"));
    }

    fn compare(&mut self, sources: &Sources, file: &str, locator: &str, mc: &Node, origin: Origin) {
        let Some(config) = mc.get("spec").and_then(|s| s.get("config")).filter(|c| !c.is_null()) else {
            self.skip("spec.config absent or null: no Ignition config".into(), file, locator);
            return;
        };
        let version_node = config.get("ignition").and_then(|i| i.get("version"));
        let version = version_node.and_then(Node::as_str).map(str::to_string).unwrap_or_else(|| match version_node {
            None => "(none)".into(),
            Some(n) => format!("({})", n.type_name()),
        });
        let mut json = config.to_json();
        let oracle_version = match plan(&version, &json) {
            Plan::Compare(rewrite) => rewrite,
            Plan::Skip(reason) => {
                assert!(origin == Origin::Corpus, "fixture {file} is skipped ({reason}): fixtures must be compared");
                self.skip(reason, file, locator);
                return;
            }
        };
        if let Some(rewrite) = oracle_version {
            json["ignition"]["version"] = rewrite.into();
            *self.rewritten.entry(format!("{version} → {rewrite}")).or_default() += 1;
        }

        // mcc: the Error diagnostics that lie inside `spec.config`.
        let mut diagnostics = Vec::new();
        let mut inputs = Inputs::default();
        let document = Document { root: mc.clone() };
        read_objects(std::slice::from_ref(&document), sources, &mut inputs, &mut diagnostics);
        let source = sources.get(config.span.source);
        let mcc_errors = diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .filter(|d| d.span.is_some_and(|s| inside(s, config.span)))
            .map(|d| {
                let span = d.span.expect("filtered on a span");
                let (line, col) = source.line_col(span.start as usize);
                format!("{} at {line}:{col}: {}", d.code.code, d.message)
            })
            .collect();

        // The oracle.
        let n = self.outcomes.len();
        let path = self.tmp.join(format!("{n}.ign"));
        std::fs::write(&path, serde_json::to_string(&json).expect("JSON serializes"))
            .expect("write the config for the oracle");
        let output = Command::new(&self.validator)
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.validator.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let oracle_output: Vec<String> =
            stdout.lines().chain(stderr.lines()).filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
        let oracle_error = match output.status.code() {
            Some(0) => false,
            Some(1) => true,
            other => panic!("{VALIDATOR} exited with {other:?} on {file} document {locator}: {oracle_output:?}"),
        };
        self.outcomes.push(Outcome {
            origin,
            file: file.to_string(),
            locator: locator.to_string(),
            version,
            oracle_version,
            mcc_errors,
            oracle_error,
            oracle_output,
        });
    }

    /// Every failure: a difference not in `known`, and a `known` difference that did not occur.
    fn check(&self, known: &[(&str, &str, &str)]) -> Vec<String> {
        let mut failures = Vec::new();
        let is_known = |o: &Outcome| known.iter().any(|(file, locator, _)| *file == o.file && *locator == o.locator);
        for outcome in self.outcomes.iter().filter(|o| !o.agrees()) {
            if !is_known(outcome) {
                failures.push(format!(
                    "unexpected difference: {}\n  (if deliberate, list it in KNOWN_DIFFERENCES with its reason)",
                    outcome.describe()
                ));
            }
        }
        for (file, locator, reason) in known {
            match self.outcomes.iter().find(|o| o.file == *file && o.locator == *locator) {
                None => failures.push(format!(
                    "stale KNOWN_DIFFERENCES entry: {file} document {locator} ({reason}) was not compared"
                )),
                Some(o) if o.agrees() => failures.push(format!(
                    "stale KNOWN_DIFFERENCES entry: {file} document {locator} ({reason}) no longer differs: {}",
                    o.describe()
                )),
                Some(_) => {}
            }
        }
        failures
    }

    fn print_summary(&self, corpus_compared: usize) {
        let agreeing = self.outcomes.iter().filter(|o| o.agrees()).count();
        let differing = self.outcomes.len() - agreeing;
        let known = self
            .outcomes
            .iter()
            .filter(|o| !o.agrees() && KNOWN_DIFFERENCES.iter().any(|(f, l, _)| *f == o.file && *l == o.locator))
            .count();
        let both_error = self.outcomes.iter().filter(|o| o.agrees() && o.oracle_error).count();
        let skipped: usize = self.skipped.values().map(Vec::len).sum();
        // The headline and the counts go straight to stderr, past the test harness's capture; the
        // lists behind them show with `--nocapture` or when the test fails.
        let mut headline = format!(
            "ignition differential against {}: {} configs compared ({corpus_compared} from the corpus, {} fixtures); \
             {agreeing} agree ({both_error} of them both report an error), {known} known differences, {} unexpected differences; \
             {skipped} skipped",
            self.validator.display(),
            self.outcomes.len(),
            self.outcomes.len() - corpus_compared,
            differing - known,
        );
        let mut details = String::from("ignition differential, details:");
        for (reason, configs) in &self.skipped {
            let _ = write!(headline, "\n  skipped {}: {reason}", configs.len());
            let _ = write!(details, "\n  skipped ({reason}):");
            for config in configs {
                let _ = write!(details, "\n    {config}");
            }
        }
        for (rewrite, count) in &self.rewritten {
            let _ = write!(headline, "\n  rewritten for {VALIDATOR} 2.14: {rewrite} ({count} configs)");
        }
        for outcome in self.outcomes.iter().filter(|o| o.origin == Origin::Fixture) {
            let _ = write!(
                details,
                "\n  fixture {}: mcc [{}], {VALIDATOR} [{}]",
                outcome.file,
                outcome.mcc_errors.join("; "),
                outcome.oracle_output.join("; "),
            );
        }
        for outcome in self.outcomes.iter().filter(|o| !o.agrees()) {
            let reason = KNOWN_DIFFERENCES
                .iter()
                .find(|(f, l, _)| *f == outcome.file && *l == outcome.locator)
                .map_or("UNEXPECTED", |(_, _, reason)| reason);
            let _ = write!(details, "\n  differs ({reason}): {}", outcome.describe());
        }
        say(&headline);
        eprintln!("{details}");
    }
}

/// Writes to stderr directly, so that the line shows even when the test harness captures output.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// How a config of this version is given to ignition-validate 2.14, or why it is not.
fn plan(version: &str, config: &serde_json::Value) -> Plan {
    match version {
        "3.0.0" | "3.1.0" | "3.2.0" | "3.3.0" => Plan::Compare(None),
        "3.4.0" => Plan::Compare(Some("3.4.0-experimental")),
        "3.5.0" if uses_luks_cex(config) => Plan::Skip(
            "spec 3.5.0 using LUKS `cex`, which 3.4.0-experimental (the closest spec ignition-validate 2.14 knows) lacks".into(),
        ),
        "3.5.0" => Plan::Compare(Some("3.4.0-experimental")),
        v if v.starts_with("2.") => Plan::Skip(format!(
            "spec {v}: ignition-validate 2.14 refuses 2.x (\"unsupported config version\"), so it gives no verdict"
        )),
        v if v.starts_with('(') => Plan::Skip(format!(
            "ignition.version {v}: ignition-validate only says \"invalid config version (couldn't parse)\""
        )),
        v => Plan::Skip(format!(
            "version `{v}` is not one ignition-validate 2.14 parses (3.0.0–3.3.0, 3.4.0-experimental)"
        )),
    }
}

fn uses_luks_cex(config: &serde_json::Value) -> bool {
    config
        .pointer("/storage/luks")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|luks| luks.iter().any(|l| l.get("cex").is_some_and(|c| !c.is_null())))
}

/// MachineConfigs nested anywhere below a node of another kind, including in YAML strings (a
/// ConfigMap's `data`).
fn count_nested_machine_configs(node: &Node) -> usize {
    match &node.value {
        Value::Map(entries) => {
            let own = usize::from(node.get("kind").and_then(Node::as_str) == Some("MachineConfig"));
            own + entries.iter().map(|e| count_nested_machine_configs(&e.value)).sum::<usize>()
        }
        Value::Seq(items) => items.iter().map(count_nested_machine_configs).sum(),
        Value::Str(s) if s.lines().any(|l| l.trim() == "kind: MachineConfig") => {
            let mut sources = Sources::default();
            let id = sources.add("<embedded>", s);
            parse_documents(id, s, &mut Vec::new()).iter().map(|d| count_nested_machine_configs(&d.root)).sum()
        }
        _ => 0,
    }
}

fn inside(span: Span, outer: Span) -> bool {
    span.source == outer.source && span.start >= outer.start && span.end <= outer.end
}

fn find_validator() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(VALIDATOR)).find(|candidate| candidate.is_file())
}

/// The `*.yaml`, `*.yml` and `*.json` files of a directory, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read the directory {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "json")))
        .collect();
    files.sort();
    files
}
