//! What every command that reads inputs does first: read them (paths, `git:` revisions, stdin),
//! then render, classify and lint them with the settings given.

use std::borrow::Cow;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use mcc_compiler::load::InputPath;
use mcc_compiler::load::filter::InputFilter;
use mcc_compiler::{Analysis, ClusterInput, ClusterView, Compilation, PolicyOptions, RenderOptions, Side, Target};

use crate::args::{Inputs, Settings, TargetArg};
use crate::error::CliError;
use crate::git;

/// One state of the inputs, read and analyzed.
pub struct Analyzed {
    pub compilation: Compilation,
    pub analysis: Analysis,
}

impl Analyzed {
    pub fn side(&self) -> Side<'_> {
        Side { compilation: &self.compilation, analysis: &self.analysis }
    }
}

impl Inputs {
    /// Reads, renders, classifies and lints the inputs (with `--ndp`'s file among them).
    pub fn analyze(&self, pool: Option<&str>) -> Analyzed {
        let paths: Vec<InputPath> = self.paths.iter().chain(&self.settings.ndp).map(|p| InputPath::parse(p)).collect();
        analyze(&paths, &self.settings, pool)
    }
}

impl Settings {
    pub fn policy_options(&self) -> PolicyOptions {
        PolicyOptions {
            profile: self.profile.unwrap_or_default(),
            ocp: self.ocp_version.unwrap_or_default(),
            target: match self.target.unwrap_or(TargetArg::Bootc) {
                TargetArg::Bootc => Target::Bootc,
                TargetArg::RpmOstree => Target::RpmOstree,
                TargetArg::Legacy => Target::Legacy,
            },
            relocate: self.relocate,
            policy_files: self.policies.clone(),
        }
    }

    pub fn input_filter(&self) -> InputFilter {
        InputFilter { exclude: self.exclude.clone() }
    }

    pub fn render_options(&self) -> RenderOptions {
        RenderOptions { base_image: self.base_image.clone(), base_extensions_image: self.base_extensions_image.clone() }
    }
}

/// Reads, renders, classifies and lints `paths` (over `--cluster`'s dump, if given).
pub fn analyze(paths: &[InputPath], settings: &Settings, pool: Option<&str>) -> Analyzed {
    analyze_viewing(paths, settings, pool, ClusterView::Base)
}

/// [`analyze`], seeing `--cluster`'s dump as `view` says.
pub fn analyze_viewing(paths: &[InputPath], settings: &Settings, pool: Option<&str>, view: ClusterView) -> Analyzed {
    let settings = &side_settings(paths, settings);
    analyze_loaded(load(paths, settings, view), settings, pool, Depth::Whole)
}

/// The settings a side is read with: a `git:` side brings the `.mcc/config.toml` of its
/// revision (or says it has none, and gets the flags alone); any other side, `settings`.
pub fn side_settings<'a>(paths: &[InputPath], settings: &'a Settings) -> Cow<'a, Settings> {
    let revision = paths.iter().find_map(|p| if let InputPath::ProjectConfig(file) = p { Some(file) } else { None });
    match revision {
        Some(file) => Cow::Owned(crate::config::for_revision(settings, file.as_ref())),
        None => Cow::Borrowed(settings),
    }
}

/// Reads and models `paths` (over `--cluster`'s dump, seen as `view` says), with the settings
/// of their side ([`side_settings`]).
pub fn load(paths: &[InputPath], settings: &Settings, view: ClusterView) -> Compilation {
    let cluster = settings.cluster.as_ref().map(|dump| ClusterInput { dump: dump.clone(), view });
    let policy_files = settings.policy_options().policy_files;
    mcc_compiler::load_over_cluster(paths, cluster.as_ref(), &settings.input_filter(), &policy_files, &mut read_stdin)
}

/// [`load`], sharing with `other` (the other state of a plan, loaded and not yet analysed) each
/// file both hold alike; with a cluster dump, a plain [`load`] (the dump splits into layers
/// that each side sees differently).
pub fn load_sharing(paths: &[InputPath], settings: &Settings, view: ClusterView, other: &Compilation) -> Compilation {
    if settings.cluster.is_some() {
        return load(paths, settings, view);
    }
    let policy_files = settings.policy_options().policy_files;
    mcc_compiler::load_sharing(paths, &settings.input_filter(), &policy_files, &mut read_stdin, other)
}

/// How far a side is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Everything `mcc check` runs.
    Whole,
    /// Rendered, with its policies: all the old side of a plan needs
    /// ([`mcc_compiler::analyze_rendering`]).
    Rendering,
}

/// Renders, classifies and lints what [`load`] read, only as deep as `depth`, with the settings
/// of its side ([`side_settings`]).
pub fn analyze_loaded(mut compilation: Compilation, settings: &Settings, pool: Option<&str>, depth: Depth) -> Analyzed {
    let policy_options = settings.policy_options();
    let analyze = match depth {
        Depth::Whole => mcc_compiler::analyze,
        Depth::Rendering => mcc_compiler::analyze_rendering,
    };
    let analysis = analyze(&mut compilation, &settings.render_options(), &policy_options, pool);
    if let Some(config) = &settings.config {
        config.report_into(&mut compilation);
    }
    if timings_requested() {
        print_timings(&compilation);
    }
    Analyzed { compilation, analysis }
}

/// The other state of a comparison (`--from`, `--against`), read and analyzed; `None` for
/// `none` or no state at all.
pub fn analyze_side(
    args: &[String],
    other: &[String],
    settings: &Settings,
    pool: Option<&str>,
) -> Result<Option<Analyzed>, CliError> {
    Ok(side_paths(args, other, settings)?.map(|paths| analyze(&paths, settings, pool)))
}

/// The paths of one side of a comparison: `none`, `git:REF[:DIR]` (the other side's paths at
/// REF), or paths.
pub fn side_paths(args: &[String], other: &[String], settings: &Settings) -> Result<Option<Vec<InputPath>>, CliError> {
    if args.is_empty() || args == ["none"] {
        return Ok(None);
    }
    let mut paths = Vec::new();
    for arg in args {
        match git::GitSpec::parse(arg) {
            Some(spec) => paths.extend(git::read(&spec, other, settings).map_err(CliError::Unreadable)?),
            None => paths.push(InputPath::parse(arg)),
        }
    }
    Ok(Some(paths))
}

/// Set by `--timings`, for the rest of the process.
static TIMINGS_FLAG: AtomicBool = AtomicBool::new(false);

/// `--timings` was given: print timings as `MCC_TIMINGS=1` does.
pub fn request_timings(requested: bool) {
    TIMINGS_FLAG.store(requested, Ordering::Relaxed);
}

/// `--timings`, or `MCC_TIMINGS=1` in the environment.
fn timings_requested() -> bool {
    TIMINGS_FLAG.load(Ordering::Relaxed) || std::env::var_os("MCC_TIMINGS").is_some_and(|v| v == "1")
}

/// `--timings`: each stage's time, then the process's peak memory so far, on stderr. A
/// developer's aid: a failed write to stderr is not worth failing the command for, so it is
/// ignored.
fn print_timings(compilation: &mcc_compiler::Compilation) {
    let mut stderr = std::io::stderr().lock();
    for t in &compilation.timings {
        let _ = writeln!(stderr, "mcc timings: {:<8} {:>9.3} ms", t.stage, t.elapsed.as_secs_f64() * 1e3);
    }
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(stderr, "mcc timings: peak RSS {} MiB", kib / 1024);
    }
}

/// Leaves what a command made to the end of the process instead of freeing it: the OS takes
/// a process's memory back at once, where dropping a fleet's sources, objects and rendered pools
/// one allocation at a time was a serial tail of the run (tens of milliseconds for a 10 MB
/// fleet, on one core while the other idles). Only for values whose drop does nothing but free
/// memory, at the end of a command.
pub fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// `--timings`: the time of a stage the command runs after the analysis (`report`: the
/// diagnostics formatted and written).
pub fn print_stage(stage: &str, start: Instant) {
    if !timings_requested() {
        return;
    }
    let _ =
        writeln!(std::io::stderr().lock(), "mcc timings: {stage:<8} {:>9.3} ms", start.elapsed().as_secs_f64() * 1e3);
}

/// `--timings`, at the end of every command: the whole run's time and peak memory.
pub fn print_total(start: Instant) {
    if !timings_requested() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "mcc timings: total    {:>9.3} ms", start.elapsed().as_secs_f64() * 1e3);
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(stderr, "mcc timings: peak RSS {} MiB at exit", kib / 1024);
    }
}

/// `VmHWM` of `/proc/self/status` (Linux): the peak resident set of the process so far.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Standard input, never read past mcc's input size limit.
fn read_stdin() -> std::io::Result<String> {
    mcc_compiler::load::file::read_limited(std::io::stdin())
}
