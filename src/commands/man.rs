//! `mcc man [--out DIR]`: `mcc.1` and `mcc-SUBCOMMAND.1` into DIR, or `mcc.1` to stdout.

use clap::CommandFactory;

use crate::args::{Cli, ManArgs};
use crate::error::{CliError, Outcome};
use crate::streams;

pub fn run(args: &ManArgs) -> Result<Outcome, CliError> {
    let command = Cli::command();
    match &args.out {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(command, dir))
            .map_err(|error| CliError::Output(format!("cannot write the man pages: {error}")))?,
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|error| CliError::Output(format!("cannot write the man pages: {error}")))?;
            streams::print(&String::from_utf8_lossy(&page))?;
        }
    }
    Ok(Outcome::Clean)
}
