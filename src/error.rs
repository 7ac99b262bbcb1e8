//! How a command ends, and the one place that turns it into an exit code (README "Exit codes").

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use mcc_compiler::Compilation;
use mcc_compiler::diagnostic::Severity;

/// A command that ran to the end: what it found decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing failed (exit 0).
    Clean,
    /// Errors were found, or warnings where they fail the run (exit 1).
    Problems,
    /// `plan --detailed-exitcode`: there are changes (exit 2).
    Changes,
    /// Some input could not be read; its diagnostic says which (exit 3).
    UnreadableInput,
}

impl Outcome {
    /// What a run's diagnostics amount to: an unreadable input first, then errors (and
    /// warnings, when they fail the run).
    pub fn of(compilation: &Compilation, deny_warnings: bool) -> Outcome {
        if compilation.unreadable_input {
            Outcome::UnreadableInput
        } else if compilation.count(Severity::Error) > 0 || deny_warnings && compilation.count(Severity::Warning) > 0 {
            Outcome::Problems
        } else {
            Outcome::Clean
        }
    }

    fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Problems => 1,
            Outcome::Changes => 2,
            Outcome::UnreadableInput => 3,
        }
    }
}

/// A command that stopped: the message is printed as `error: …`.
#[derive(Debug)]
pub enum CliError {
    /// The command line was wrong (exit 64).
    Usage(String),
    /// An input could not be read (exit 3).
    Unreadable(String),
    /// The command could not do its work, for a reason already explained (exit 1).
    Failed(String),
    /// An output file could not be written (exit 3).
    Output(String),
    /// stdout or stderr could not be written: exit 3, or 0 without a word for a closed pipe
    /// (`mcc … | head`: what was not read was not wanted, as ripgrep does).
    Write(io::Error),
}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        CliError::Write(error)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message)
            | CliError::Unreadable(message)
            | CliError::Failed(message)
            | CliError::Output(message) => f.write_str(message),
            CliError::Write(error) => write!(f, "cannot write the output: {error}"),
        }
    }
}

impl CliError {
    fn code(&self) -> u8 {
        match self {
            CliError::Failed(_) => 1,
            CliError::Unreadable(_) | CliError::Output(_) | CliError::Write(_) => 3,
            CliError::Usage(_) => 64,
        }
    }

    fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write(error) if error.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Prints `error: …` on stderr (best effort: if stderr itself is gone, the exit code is all
    /// that is left to say it).
    pub fn report(&self) {
        if !self.is_broken_pipe() {
            let _ = writeln!(io::stderr().lock(), "error: {self}");
        }
    }
}

/// The exit code of a command, its error reported.
pub fn exit_code(result: Result<Outcome, CliError>) -> ExitCode {
    ExitCode::from(match result {
        Ok(outcome) => outcome.code(),
        Err(error) if error.is_broken_pipe() => 0,
        Err(error) => {
            error.report();
            error.code()
        }
    })
}
