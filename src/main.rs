//! `mcc`, the MachineConfig compiler: the command line over `mcc-compiler`.
//!
//! This binary parses arguments, reads stdin, renders results and diagnostics and picks exit
//! codes; everything else lives in the compiler library.

mod apply_cmd;
mod build_cmd;
mod cli;
mod compile_cmd;
mod git;
mod github;
mod output;
mod plan_view;
mod sarif;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
