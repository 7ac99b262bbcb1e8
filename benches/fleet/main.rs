//! Fleet-scale figures: `mcc check` on N MB of generated MachineConfigs against a parse-only
//! floor (the same files read and parsed by the same YAML parser into mcc's generic tree),
//! measured in one run so the ratio holds on a noisy machine.
//!
//! `cargo bench --bench fleet -- 10 50` (sizes in MB; default 10). The fleets stay in
//! `target/fleet/<N>mb` for hyperfine and profilers. Each size has three lines: the check's work in
//! process (`load` + `analyze`), and the release binary end to end (process start and the human
//! report included), each against the floor; and the floor's work on every core, the most
//! MachineConfigs a second any check of these files could reach here, against the check.
//!
//! `MCC_FLEET_MAX_FILE=1536 cargo bench --bench fleet -- 5` makes the fleet of the corpus's files
//! of at most 1,536 bytes only (`target/fleet/5mb-max1536`); `MCC_FLEET_CORPUS=DIR` another corpus.
//!
//! `cargo bench --bench fleet -- --plan 40` times issue 12's plan row instead: `mcc plan` (the
//! release binary, end to end) from a fleet of N MB to a copy with 0.6% of its MachineConfigs
//! changed (`target/fleet/<N>mb-changed`), against `mcc check` of the new state alone, in one run.

mod generate;

use std::fs;
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::load::{InputPath, yaml};
use mcc_compiler::source::Sources;
use mcc_compiler::{PolicyOptions, RenderOptions};
use rayon::prelude::*;

const CORPUS: &str = "/work/shared/corpus/real";
/// Real fleets have few pools and many MachineConfigs in each.
const POOLS: usize = 10;
/// Runs of each measurement, the two of a row interleaved (floor, check, floor, check, …) so that
/// a slow spell of the machine slows both, not one.
const RUNS: usize = 7;

fn main() {
    let root = Utf8Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var("MCC_FLEET_CORPUS").unwrap_or_else(|_| CORPUS.to_string());
    let scratch = root.join("target/fleet");
    fs::create_dir_all(&scratch).expect("target/fleet can be made");
    // `MCC_FLEET_MAX_FILE=1536`: only the corpus's files of at most that many bytes (most real
    // MachineConfigs: the corpus's median file is 702 bytes), into `<N>mb-max<bytes>`.
    let max_file: Option<u64> = std::env::var("MCC_FLEET_MAX_FILE").ok().and_then(|v| v.parse().ok());
    let templates = generate::templates(Utf8Path::new(&corpus), &scratch, max_file);
    let suffix = max_file.map_or(String::new(), |bytes| format!("-max{bytes}"));
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10] } else { sizes };
    println!("{} templates from {corpus}, {POOLS} pools, best of {RUNS} interleaved runs", templates.len());
    if std::env::args().any(|a| a == "--plan") {
        for mb in sizes {
            plan_row(&templates, &scratch, mb);
        }
        return;
    }
    // The first size's best and median check times, for the growth of the later sizes.
    let mut baseline: Option<(Duration, Duration)> = None;
    let mut command_baseline: Option<(Duration, Duration)> = None;
    for mb in sizes {
        let dir = scratch.join(format!("{mb}mb{suffix}"));
        let count = generate::write_fleet(&templates, &dir, mb << 20, POOLS);
        let files = fleet_files(&dir);
        let Runs { first: floor, second: check, median, second_median } =
            interleaved(|| parse_only(&files), || check_dir(&dir));
        let rate = per_second(count, check);
        println!(
            "{mb} MB, {count} MachineConfigs: parse-only {:.3} s, check {:.3} s = {:.2}× the floor (median of the paired runs {median:.2}×), {rate:.0} MCs/s{}",
            floor.as_secs_f64(),
            check.as_secs_f64(),
            check.as_secs_f64() / floor.as_secs_f64(),
            growth(baseline, check, second_median),
        );
        baseline.get_or_insert((check, second_median));
        // The throughput's ceiling: the floor's work on every core, as the check reads and
        // parses its files, interleaved with the check again.
        let Runs { first: parallel, second: check, median, .. } =
            interleaved(|| parse_only_on_every_core(&files), || check_dir(&dir));
        let ceiling = per_second(count, parallel);
        println!(
            "{mb} MB, parse-only on every core: {:.3} s, {ceiling:.0} MCs/s at most; check {:.3} s = {:.2}× it (median of the paired runs {median:.2}×)",
            parallel.as_secs_f64(),
            check.as_secs_f64(),
            check.as_secs_f64() / parallel.as_secs_f64(),
        );
        // The command as a user times it: process start, the same work, and the human report
        // written (captured here, as to a file), against the same floor.
        let mcc = env!("CARGO_BIN_EXE_mcc");
        let Runs { first: floor, second: command, median, second_median } =
            interleaved(|| parse_only(&files), || run(mcc, &["check", dir.as_str()]));
        println!(
            "{mb} MB, end to end (`mcc check {mb}mb{suffix}`, the release binary, its report captured): {:.3} s = {:.2}× the floor of {:.3} s (median of the paired runs {median:.2}×){}",
            command.as_secs_f64(),
            command.as_secs_f64() / floor.as_secs_f64(),
            floor.as_secs_f64(),
            // Each run a fresh process, as a user's; in process, each run's objects stay in the
            // bench's heap (as `mcc check` leaves them to its exit), so later sizes meet a
            // bigger heap there.
            growth(command_baseline, command, second_median),
        );
        command_baseline.get_or_insert((command, second_median));
    }
}

/// How many of `count` MachineConfigs a second `time` makes.
fn per_second(count: usize, time: Duration) -> f64 {
    f64::from(u32::try_from(count).unwrap_or(u32::MAX)) / time.as_secs_f64()
}

/// A later size's time against the first size's `baseline` (its best and median times), from
/// best times and from median times; nothing for the first size.
fn growth(baseline: Option<(Duration, Duration)>, best: Duration, median: Duration) -> String {
    baseline.map_or(String::new(), |(first_best, first_median)| {
        format!(
            ", {:.2}× the first size (median times: {:.2}×)",
            best.as_secs_f64() / first_best.as_secs_f64(),
            median.as_secs_f64() / first_median.as_secs_f64()
        )
    })
}

/// One change in 167 MachineConfigs: issue 12's 0.6%.
const CHANGE_EVERY: usize = 167;

/// `mcc plan` between a fleet and its changed copy, against `mcc check` of the changed copy.
fn plan_row(templates: &[serde_json::Value], scratch: &Utf8Path, mb: usize) {
    let (old, new) = (scratch.join(format!("{mb}mb")), scratch.join(format!("{mb}mb-changed")));
    let count = generate::write_fleet(templates, &old, mb << 20, POOLS);
    let changed = generate::write_changed(templates, &old, &new, POOLS, CHANGE_EVERY);
    let mcc = env!("CARGO_BIN_EXE_mcc");
    let Runs { first: check, second: plan, median, .. } = interleaved(
        || run(mcc, &["check", new.as_str()]),
        || run(mcc, &["plan", "--from", old.as_str(), "--to", new.as_str()]),
    );
    println!(
        "{mb} MB, {count} MachineConfigs, {changed} changed: check {:.3} s, plan {:.3} s = {:.2}× the check (median of the paired runs {median:.2}×)",
        check.as_secs_f64(),
        plan.as_secs_f64(),
        plan.as_secs_f64() / check.as_secs_f64(),
    );
}

/// Runs mcc to the end, its output thrown away; the size of what it printed.
fn run(mcc: &str, args: &[&str]) -> usize {
    let output = std::process::Command::new(mcc).args(args).output().expect("mcc runs");
    assert!(output.status.code().is_some_and(|c| c < 3), "mcc {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout.len() + output.stderr.len()
}

fn fleet_files(dir: &Utf8Path) -> Vec<Utf8PathBuf> {
    let mut files: Vec<Utf8PathBuf> =
        dir.read_dir_utf8().expect("the fleet is readable").map(|e| e.expect("an entry").into_path()).collect();
    files.sort();
    files
}

/// What [`interleaved`] measured.
struct Runs {
    /// The best time of each measurement.
    first: Duration,
    second: Duration,
    /// The median of the ratios `second / first` of the runs made one after the other.
    median: f64,
    /// The median time of the second measurement: steadier than its best when two sizes meet
    /// the machine in different moods.
    second_median: Duration,
}

/// Two measurements over [`RUNS`] interleaved runs.
fn interleaved(mut first: impl FnMut() -> usize, mut second: impl FnMut() -> usize) -> Runs {
    let time = |run: &mut dyn FnMut() -> usize| {
        let start = Instant::now();
        std::hint::black_box(run());
        start.elapsed()
    };
    let pairs: Vec<(Duration, Duration)> = (0..RUNS).map(|_| (time(&mut first), time(&mut second))).collect();
    let mut ratios: Vec<f64> = pairs.iter().map(|(a, b)| b.as_secs_f64() / a.as_secs_f64()).collect();
    ratios.sort_by(f64::total_cmp);
    let mut seconds: Vec<Duration> = pairs.iter().map(|p| p.1).collect();
    seconds.sort();
    let best = |pick: fn(&(Duration, Duration)) -> Duration| pairs.iter().map(pick).min().expect("at least one run");
    Runs { first: best(|p| p.0), second: best(|p| p.1), median: ratios[RUNS / 2], second_median: seconds[RUNS / 2] }
}

/// The floor: read every file and parse it into the generic tree, nothing more.
fn parse_only(files: &[Utf8PathBuf]) -> usize {
    let mut sources = Sources::default();
    let mut nodes = 0;
    for path in files {
        let text = fs::read_to_string(path).expect("a fleet file is readable");
        let id = sources.add(path.clone(), &text);
        nodes += yaml::parse_documents(id, &text, &mut Vec::new()).len();
    }
    nodes
}

/// [`parse_only`] on every core: each file read and parsed on whichever core is free.
fn parse_only_on_every_core(files: &[Utf8PathBuf]) -> usize {
    files
        .par_iter()
        .map(|path| {
            let text = fs::read_to_string(path).expect("a fleet file is readable");
            let mut sources = Sources::default();
            let id = sources.add(path.clone(), &text);
            yaml::parse_documents(id, &text, &mut Vec::new()).len()
        })
        .sum()
}

/// What `mcc check DIR` computes, in process: load, render, classify, lint, check.
fn check_dir(dir: &Utf8Path) -> usize {
    let mut stdin = || Ok(String::new());
    let mut c = mcc_compiler::load(&[InputPath::Path(dir.to_path_buf())], &[], &mut stdin);
    let analysis = mcc_compiler::analyze(&mut c, &RenderOptions::default(), &PolicyOptions::default(), None);
    assert_eq!(c.count(mcc_compiler::diagnostic::Severity::Error), 0, "every pool of the fleet renders");
    let size = c.diagnostics.len() + analysis.rendered.len();
    // As `mcc check` does (`session::leave_to_exit`): its process ends there, and never frees
    // what it made one allocation at a time.
    std::mem::forget((c, analysis));
    size
}
