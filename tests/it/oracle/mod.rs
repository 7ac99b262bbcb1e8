//! Differential test against the Machine Config Operator's own code (`mco-oracle`, built from the
//! MCO's source; see `../shared/tools/mco-oracle/README.md` and docs/oracle.md).
//!
//! Generated cases (generate.rs) go through the oracle, one process each, several at once, and through
//! mcc in process (`--target legacy`: the MCO's own flow); compare.rs says where they disagree.
//! A failing case is shrunk and printed as YAML with its seed and both answers.
//!
//! `MCC_ORACLE_CASES` (cases per kind, default 1500), `MCC_ORACLE_SEED` (default 1),
//! `MCC_ORACLE_JOBS` (oracle processes at once per test, default 2), `MCO_ORACLE` (the binary;
//! else found beside the repository, see oracle.rs). Without an oracle the differential tests
//! skip with a message, except in CI (`CI` set), where they fail.

pub(crate) mod compare;
mod generate;
mod mcc;
mod model;
mod ndp;
pub(crate) mod process;
mod rng;
mod shrink;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mcc_compiler::Target;

use compare::Divergence;
use model::{Case, Kind};

const DEFAULT_CASES: usize = 1500;
/// Failing classes shown in full (each shrunk); the others are counted.
const SHOWN: usize = 8;
/// Candidates tried while shrinking one failing case (`MCC_ORACLE_SHRINK`).
const SHRINK_BUDGET: usize = 60;

struct Settings {
    cases: usize,
    seed: u64,
    jobs: usize,
    /// `MCC_ORACLE_CASE_SEED`: run only the case of this seed (as a report names it).
    case_seed: Option<u64>,
    shrink_budget: usize,
}

fn settings() -> Settings {
    let one_case = std::env::var_os("MCC_ORACLE_CASE_SEED").is_some();
    let number = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .map_or(default, |v| v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
    };
    let count = |name: &str, default: usize| -> usize {
        std::env::var(name)
            .ok()
            .map_or(default, |v| v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a count")))
    };
    Settings {
        cases: if one_case { 1 } else { count("MCC_ORACLE_CASES", DEFAULT_CASES) },
        seed: number("MCC_ORACLE_SEED", 1),
        jobs: count("MCC_ORACLE_JOBS", 2).max(1),
        shrink_budget: count("MCC_ORACLE_SHRINK", SHRINK_BUDGET),
        case_seed: std::env::var("MCC_ORACLE_CASE_SEED").ok().map(|_| number("MCC_ORACLE_CASE_SEED", 0)),
    }
}

/// The oracle, or `None` (after saying why) when the test must skip; in CI, a missing oracle
/// fails the test.
pub(crate) fn oracle() -> Option<PathBuf> {
    match process::locate(Path::new(env!("CARGO_MANIFEST_DIR"))) {
        Ok(path) => Some(path),
        Err(why) if std::env::var_os("CI").is_some() => panic!("CI needs the MCO oracle: {why}"),
        Err(why) => {
            eprintln!("skipping the differential test against the MCO: {why}");
            None
        }
    }
}

/// A case's outcome (what the MCO decided) and the divergence found, if any.
type Checked = (&'static str, Option<Divergence>);

/// Runs `check` on every case of a kind on `jobs` threads; the outcomes counted, and the
/// failures by case index.
fn run_cases(
    settings: &Settings,
    generate: fn(u64) -> Case,
    check: &(dyn Fn(&Case) -> Checked + Sync),
) -> (BTreeMap<&'static str, usize>, Vec<(Case, Divergence)>) {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let outcomes = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..settings.jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= settings.cases {
                        break;
                    }
                    let seed = settings.case_seed.unwrap_or_else(|| rng::case_seed(settings.seed, index as u64));
                    let case = generate(seed);
                    let (outcome, divergence) = check(&case);
                    *outcomes.lock().expect("no worker panics holding the lock").entry(outcome).or_insert(0) += 1;
                    if let Some(divergence) = divergence {
                        failures.lock().expect("no worker panics holding the lock").push((index, case, divergence));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("no worker panicked");
    failures.sort_by_key(|(index, _, _)| *index);
    let failures = failures.into_iter().map(|(_, case, divergence)| (case, divergence)).collect();
    (outcomes.into_inner().expect("no worker panicked"), failures)
}

/// Prints the tally and the first case of each class (shrunk), and fails if anything diverged.
fn report(
    what: &str,
    settings: &Settings,
    started: Instant,
    (outcomes, failures): &(BTreeMap<&'static str, usize>, Vec<(Case, Divergence)>),
    rerun: &dyn Fn(&Case) -> Checked,
    answers: &dyn Fn(&Case) -> String,
) {
    let mut classes: Vec<(&str, usize, &Case)> = Vec::new();
    for (case, divergence) in failures {
        match classes.iter_mut().find(|(class, _, _)| *class == divergence.class) {
            Some((_, count, _)) => *count += 1,
            None => classes.push((&divergence.class, 1, case)),
        }
    }
    classes.sort_by_key(|(_, count, _)| std::cmp::Reverse(*count));
    eprintln!(
        "{what}: {} cases (seed {}), {} agree, {} diverge, {:.1} s",
        settings.cases,
        settings.seed,
        settings.cases - failures.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    let covered: Vec<String> = outcomes.iter().map(|(outcome, n)| format!("{outcome} {n}")).collect();
    eprintln!("  outcomes: {}", covered.join(", "));
    for (class, count, _) in &classes {
        eprintln!("  {count:6}  {class}");
    }
    let mut text = String::new();
    for (class, _, case) in classes.iter().take(SHOWN) {
        let fails_with = |c: &Case| rerun(c).1.map(|d| d.class);
        let small = shrink::shrink(case, class, settings.shrink_budget, &fails_with);
        let detail = rerun(&small).1.map_or_else(|| "(no longer fails)".to_string(), |d| d.detail);
        text.push_str(&format!(
            "\n=== {class}\nthe case of seed {} (replay it unshrunk with MCC_ORACLE_CASE_SEED={}), shrunk:\n{}\n\
             --- divergence\n{detail}\n--- answers\n{}\n",
            small.seed,
            small.seed,
            shrink::to_yaml(&small),
            answers(&small),
        ));
    }
    assert!(failures.is_empty(), "{what}: {} of {} cases diverge{text}", failures.len(), settings.cases);
}

fn check_render(oracle: &Path, case: &Case) -> Checked {
    let answer = process::run(oracle, &case.oracle_input()).unwrap_or_else(|e| panic!("case {}: {e}", case.seed));
    (compare::outcome(&answer), compare::render("render", &answer, &mcc::render(case)))
}

fn check_plan(oracle: &Path, case: &Case) -> Checked {
    let answer = process::run(oracle, &case.oracle_input()).unwrap_or_else(|e| panic!("case {}: {e}", case.seed));
    let planned = mcc::plan(case, &[Target::Legacy]);
    (compare::outcome(&answer), compare::plan(&answer, &planned[0]))
}

/// Both answers, for the report: the oracle's (without its policy dump) and mcc's plan.
fn answers(oracle: &Path, case: &Case) -> String {
    let mut answer = process::run(oracle, &case.oracle_input()).unwrap_or_default();
    if let Some(map) = answer.as_object_mut() {
        map.remove("policies");
    }
    let ours = match case.kind {
        Kind::Render => serde_json::to_string_pretty(&mcc::render(case).spec).unwrap_or_default(),
        Kind::Plan => {
            let planned = mcc::plan(case, &[Target::Legacy]).remove(0);
            let p = planned.plan.as_ref();
            format!(
                "reconcilable {:?} errors {:?} actions {:?} reboot {:?} drain {:?}\nold spec {}\nnew spec {}",
                p.map(|p| p.reconcilable),
                p.map(|p| &p.errors),
                p.map(|p| &p.actions),
                p.map(|p| p.reboot),
                p.map(|p| p.drain),
                serde_json::to_string(&planned.old.spec).unwrap_or_default(),
                serde_json::to_string(&planned.new.spec).unwrap_or_default(),
            )
        }
    };
    format!("MCO: {}\nmcc: {ours}", serde_json::to_string_pretty(&answer).unwrap_or_default())
}

#[test]
fn rendered_configs_agree_with_the_mco() {
    let Some(oracle) = oracle() else { return };
    let settings = settings();
    let started = Instant::now();
    let check = |case: &Case| check_render(&oracle, case);
    let results = run_cases(&settings, generate::render_case, &check);
    report("render", &settings, started, &results, &check, &|case| answers(&oracle, case));
}

#[test]
fn plans_agree_with_the_mco() {
    let Some(oracle) = oracle() else { return };
    let settings = settings();
    let started = Instant::now();
    let check = |case: &Case| check_plan(&oracle, case);
    let results = run_cases(&settings, generate::plan_case, &check);
    report("plan", &settings, started, &results, &check, &|case| answers(&oracle, case));
}

/// Image mode adds rebuilds on top of the MCO's answer, never takes a disruption away: for the
/// same generated plans, `--target bootc` reboots and drains wherever `--target legacy` does.
/// It needs no oracle.
#[test]
fn image_mode_never_disrupts_less_than_the_mco() {
    let settings = settings();
    let started = Instant::now();
    let check = |case: &Case| {
        let planned = mcc::plan(case, &[Target::Legacy, Target::Bootc]);
        match (&planned[0].plan, &planned[1].plan) {
            (Some(legacy), Some(bootc)) => {
                (if bootc.rebuild { "bootc rebuilds" } else { "no rebuild" }, compare::image_mode(legacy, bootc))
            }
            _ => ("not rendered", None),
        }
    };
    let results = run_cases(&settings, generate::plan_case, &check);
    report("image mode", &settings, started, &results, &check, &|case| {
        format!("{:#?}", mcc::plan(case, &[Target::Legacy, Target::Bootc]).iter().map(|p| &p.plan).collect::<Vec<_>>())
    });
}
