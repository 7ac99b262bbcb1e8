//! `mcc apply`: a pool's node-side steps, executed against a root (`mcc_runtime::apply`), or
//! with `--rollback` the last apply of them undone (`mcc_runtime::apply::rollback`).

use std::io::Write;
use std::path::Path;

use mcc_compiler::codes;
use mcc_compiler::diagnostic::Diagnostic;
use mcc_compiler::source::Sources;
use mcc_runtime::apply::{self, NodeSteps, Options};

use crate::args::ApplyArgs;
use crate::error::{CliError, Outcome};
use crate::streams;

/// The test hook: abort once this many steps are carried out, before the last is journaled.
pub const CRASH_AFTER_ENV: &str = "MCC_APPLY_CRASH_AFTER";
/// The test hook: abort at the N-th directory created, before its owner and mode are set.
pub const CRASH_IN_MKDIR_ENV: &str = "MCC_APPLY_CRASH_IN_MKDIR";
/// The test hook: abort right after the run's journal log is started afresh (set to anything).
pub const CRASH_IN_LOG_RESTART_ENV: &str = "MCC_APPLY_CRASH_IN_LOG_RESTART";

/// A test hook's number, when its variable is set.
fn hook(name: &str) -> Result<Option<usize>, CliError> {
    match std::env::var(name) {
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(CliError::Usage(format!("{name}=`{text}` is not a number"))),
        },
        Err(_) => Ok(None),
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

/// The compiler's form of a runtime diagnostic, so it renders like every other one: its code's
/// registry entry gives the severity (every apply code is registered: `tests/it/contract.rs`).
fn diagnostic(problem: &apply::Diagnostic) -> Diagnostic {
    let code = codes::find(problem.code).expect("every code mcc apply reports is registered");
    let diagnostic = Diagnostic::general(code, problem.message.clone());
    match &problem.help {
        Some(help) => diagnostic.with_help(help.clone()),
        None => diagnostic,
    }
}

/// Renders the runtime's diagnostics, which point at no source text.
fn report(problems: &[apply::Diagnostic]) -> Result<(), CliError> {
    let diagnostics: Vec<Diagnostic> = problems.iter().map(diagnostic).collect();
    streams::report(&diagnostics, &Sources::default())
}

pub fn run(args: &ApplyArgs) -> Result<Outcome, CliError> {
    let crash_after = hook(CRASH_AFTER_ENV)?;
    let crash_in_mkdir = hook(CRASH_IN_MKDIR_ENV)?;
    let now = now().map_err(CliError::Usage)?;
    let root = Path::new(args.root.as_str());
    if !root.is_dir() {
        return Err(CliError::Usage(format!("the root `{}` is not a directory", args.root)));
    }
    if args.run_actions && !apply::is_host_root(root) {
        return Err(CliError::Usage(format!(
            "--run-actions needs --root /: the actions (systemctl restart, reload, daemon-reload, reboot, rpm-ostree, bootc) \
             act on the machine running mcc, not on `{}`; apply without --run-actions, which prints them",
            args.root
        )));
    }
    let steps = match NodeSteps::load(args.dir.as_std_path()) {
        Ok(steps) => steps,
        Err(problem) => {
            report(&[*problem])?;
            return Ok(Outcome::UnreadableInput);
        }
    };
    let problems = steps.check();
    if !problems.is_empty() {
        report(&problems)?;
        return Err(CliError::Failed(format!("the plan {} is refused; nothing was written", args.dir)));
    }
    let crash_in_log_restart = std::env::var_os(CRASH_IN_LOG_RESTART_ENV).is_some();
    let options = Options {
        dry_run: args.dry_run,
        run_actions: args.run_actions,
        crash_after,
        crash_in_mkdir,
        crash_in_log_restart,
        now,
    };
    let mut stdout = std::io::stdout().lock();
    let run = if args.rollback { apply::rollback } else { apply::apply };
    let outcome = run(&steps, root, &options, &mut stdout);
    stdout.flush()?;
    drop(stdout);
    report(&outcome.diagnostics)?;
    Ok(if outcome.failed() { Outcome::Problems } else { Outcome::Clean })
}
