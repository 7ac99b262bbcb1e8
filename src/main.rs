//! `mcc`, the MachineConfig compiler: the command line over `mcc-compiler`.
//!
//! This binary parses arguments, reads stdin, decides colours, writes results and diagnostics
//! and picks exit codes; everything else lives in the compiler library.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod config;
mod error;
mod git;
mod plan_view;
mod session;
mod streams;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match args::Cli::try_parse() {
        Ok(cli) => {
            let start = std::time::Instant::now();
            session::request_timings(cli.timings);
            let outcome = commands::run(cli.command);
            session::print_total(start);
            error::exit_code(outcome)
        }
        // `--help` and `--version` arrive here too: they print on stdout and exit 0.
        Err(error) => {
            let _ = error.print();
            ExitCode::from(if error.use_stderr() { 64 } else { 0 })
        }
    }
}
