//! `mcc completions SHELL`: a shell completion script on stdout.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::error::{CliError, Outcome};
use crate::streams;

pub fn run(args: &CompletionsArgs) -> Result<Outcome, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mcc", &mut script);
    streams::print(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Clean)
}
