//! `mcc apply`: a pool's node-side steps, executed against a root (`mcc_runtime::apply`).

use std::io::Write;
use std::path::Path;

use camino::Utf8PathBuf;
use mcc_compiler::codes;
use mcc_compiler::diagnostic::{Diagnostic, Report};
use mcc_compiler::source::Sources;
use mcc_runtime::apply::{self, NodeSteps, Options};
use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::cli::exit;

/// The test hook: abort once this many steps are carried out, before the last is journaled.
pub const CRASH_AFTER_ENV: &str = "MCC_APPLY_CRASH_AFTER";

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// A pool's directory written by `mcc compile` (`DIR/<pool>`): its node-actions.json and blobs/.
    #[arg(value_name = "DIR")]
    pub dir: Utf8PathBuf,
    /// The root to apply to: `/` on a node, or a directory (an unpacked image, a test root).
    /// Nothing is ever written outside it; the journal is kept in ROOT/var/lib/mcc.
    #[arg(long, value_name = "ROOT")]
    pub root: Utf8PathBuf,
    /// List what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run the post-change actions (systemctl daemon-reload, reload, restart, reboot, and enable
    /// and disable as the MCD runs them; rpm-ostree on the rpm-ostree and legacy targets);
    /// without it they are printed.
    #[arg(long, conflicts_with = "dry_run")]
    pub run_actions: bool,
}

/// The compiler's form of a runtime diagnostic, so it renders like every other one: its code's
/// registry entry gives the severity (every apply code is registered: `tests/contract.rs`).
fn diagnostic(problem: &apply::Diagnostic) -> Diagnostic {
    let code = codes::find(problem.code).expect("every code mcc apply reports is registered");
    let diagnostic = Diagnostic::general(code, problem.message.clone());
    match &problem.help {
        Some(help) => diagnostic.with_help(help.clone()),
        None => diagnostic,
    }
}

/// Renders the runtime's diagnostics, which point at no source text.
fn print_diagnostics(problems: &[apply::Diagnostic]) {
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let sources = Sources::default();
    let mut stderr = std::io::stderr().lock();
    for problem in problems {
        let mut text = String::new();
        if handler.render_report(&mut text, &Report::new(&diagnostic(problem), &sources)).is_ok() {
            let _ = write!(stderr, "{text}");
        }
    }
}

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set (as shadow-utils honours it), else now.
fn now() -> Result<u64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.trim().is_empty() => {
            text.trim().parse().map_err(|_| format!("SOURCE_DATE_EPOCH=`{text}` is not a number of seconds"))
        }
        _ => Ok(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())),
    }
}

pub fn run(args: &ApplyArgs) -> u8 {
    let crash_after = match std::env::var(CRASH_AFTER_ENV) {
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                eprintln!("error: {CRASH_AFTER_ENV}=`{text}` is not a number of steps");
                return exit::USAGE;
            }
        },
        Err(_) => None,
    };
    let now = match now() {
        Ok(now) => now,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::USAGE;
        }
    };
    let root = Path::new(args.root.as_str());
    if !root.is_dir() {
        eprintln!("error: the root `{}` is not a directory", args.root);
        return exit::USAGE;
    }
    let steps = match NodeSteps::load(args.dir.as_std_path()) {
        Ok(steps) => steps,
        Err(diagnostic) => {
            print_diagnostics(&[*diagnostic]);
            return exit::UNREADABLE;
        }
    };
    let problems = steps.check();
    if !problems.is_empty() {
        print_diagnostics(&problems);
        eprintln!("error: the plan {} is refused; nothing was written", args.dir);
        return exit::FAILED;
    }
    let options = Options { dry_run: args.dry_run, run_actions: args.run_actions, crash_after, now };
    let mut stdout = std::io::stdout().lock();
    let report = apply::apply(&steps, root, &options, &mut stdout);
    let _ = stdout.flush();
    drop(stdout);
    print_diagnostics(&report.diagnostics);
    if report.failed() { exit::FAILED } else { exit::OK }
}
