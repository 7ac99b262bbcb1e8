//! `mcc check`: every diagnostic, in the format asked for, and an exit code that says whether
//! the run fails.

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use mcc_compiler::emit::{self, CheckReport, Emitter};
use mcc_compiler::{Analysis, Compilation, Side, against, codes, diagnostic, suppress};

use crate::args::{CheckArgs, DiagnosticsFormat, FailLevel, Inputs};
use crate::error::{CliError, Outcome};
use crate::session::{self, Analyzed};
use crate::streams;

pub fn run(args: &CheckArgs) -> Result<Outcome, CliError> {
    let inputs = &Inputs { paths: args.inputs.paths.clone(), settings: args.inputs.settings.relocating(args.relocate) };
    let Analyzed { mut compilation, mut analysis } = inputs.analyze(None);
    let settings = &inputs.settings;
    mcc_compiler::check_unrendered_pools(
        &mut compilation,
        &analysis,
        &settings.render_options(),
        &settings.policy_options(),
    );
    let mut pool_lines = Vec::new();
    if !args.against.is_empty() {
        let old = session::analyze_side(&args.against, &inputs.paths, &inputs.settings, None)?;
        let new_side = Side { compilation: &compilation, analysis: &analysis };
        let old_side = old.as_ref().map(Analyzed::side);
        let day2 = against(old_side.as_ref(), &new_side, &inputs.settings.policy_options());
        pool_lines = day2.pools.into_iter().map(|p| p.line).collect();
        compilation.diagnostics.extend(day2.diagnostics);
        diagnostic::sort_diagnostics(&mut compilation.diagnostics, &compilation.sources);
    }
    // Known only now: the policies read may define lint codes of their own.
    if let Some(code) = args.report.ignore.iter().find(|c| !is_known_code(c, &compilation, &analysis)) {
        return Err(CliError::Usage(format!(
            "`--ignore {code}`: no such diagnostic code in mcc or in the policies read (see `mcc explain CODE`)"
        )));
    }
    // The report reads no graph: each pool's is freed before the report is drawn, so the
    // report's own memory does not come on top of them (at fleet scale they are the largest
    // thing the analysis holds).
    analysis.graphs = Vec::new();
    let diagnostics = std::mem::take(&mut compilation.diagnostics);
    let filtered = suppress(&compilation, &args.report.ignore, diagnostics);
    compilation.diagnostics = filtered.kept;
    let working_dir = std::env::current_dir().ok().and_then(|d| d.to_str().map(str::to_string));
    let report = CheckReport {
        compilation: &compilation,
        analysis: &analysis,
        suppressed: filtered.suppressed.len(),
        ignored: filtered.ignored.len(),
        inputs: &inputs.paths,
        help_uri_base: &args.report.help_uri_base,
        working_dir: working_dir.as_deref(),
    };
    let report_start = Instant::now();
    let stdout = io::stdout();
    let format = args.report.format;
    let emitter: &dyn Emitter = match format {
        DiagnosticsFormat::Human => &emit::Human { colour: streams::colour_for(&stdout) },
        DiagnosticsFormat::Short => &emit::Short,
        DiagnosticsFormat::Json => &emit::Json,
        DiagnosticsFormat::Sarif => &emit::Sarif { tool_version: env!("CARGO_PKG_VERSION") },
        DiagnosticsFormat::Github => &emit::Github,
        DiagnosticsFormat::Markdown => &emit::Markdown,
    };
    // One write a buffer, not one a line: a fleet's report is hundreds of thousands of lines.
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    emitter.emit(&mut out, &report)?;
    out.flush()?;
    let summary = match format {
        DiagnosticsFormat::Github => append_step_summary(&report),
        _ => Ok(()),
    };
    // The day-2 summary: on stdout beside a human report, else on stderr (stdout is a document).
    for line in &pool_lines {
        match format {
            DiagnosticsFormat::Human | DiagnosticsFormat::Short => writeln!(out, "{line}")?,
            _ => streams::note(line)?,
        }
    }
    out.flush()?;
    session::print_stage("report", report_start);
    let deny_warnings = args.report.deny_warnings || args.report.fail_level == FailLevel::Warning;
    let outcome = Outcome::of(&compilation, deny_warnings);
    session::leave_to_exit((compilation, analysis));
    match (outcome, summary) {
        (outcome, Ok(())) => Ok(outcome),
        (Outcome::Clean, Err(error)) => Err(error),
        // The run fails anyway: say why the summary is missing, and exit as the run says.
        (outcome, Err(error)) => {
            error.report();
            Ok(outcome)
        }
    }
}

/// A code of mcc's registry, or of a lint of the stdlib or the site's policies.
fn is_known_code(code: &str, compilation: &Compilation, analysis: &Analysis) -> bool {
    codes::find(code).is_some() || analysis.policies.lint_page(code, &compilation.sources).is_some()
}

/// Appends the Markdown summary to the file `$GITHUB_STEP_SUMMARY` names, if it is set.
fn append_step_summary(report: &CheckReport) -> Result<(), CliError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| emit::GithubSummary.emit(&mut file, report))
        .map_err(|error| CliError::Output(format!("cannot append to $GITHUB_STEP_SUMMARY: {error}")))
}
