//! `mcc`, the MachineConfig compiler: the command line over `mcc-compiler`.
//!
//! This binary parses arguments, reads stdin, renders results and diagnostics and picks exit
//! codes; everything else lives in the compiler library.

mod cli;
mod git;
mod output;
mod plan_view;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
