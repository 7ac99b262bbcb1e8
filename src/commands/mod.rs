//! One module a command; each takes its parsed arguments and returns how it ended.

mod apply;
mod build;
mod check;
mod compile;
mod completions;
mod explain;
mod graph;
mod man;
mod plan;
mod render;

use crate::args::Command;
use crate::error::{CliError, Outcome};

pub fn run(mut command: Command) -> Result<Outcome, CliError> {
    crate::config::apply(&mut command)?;
    match command {
        Command::Check(args) => check::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Explain(args) => explain::run(args),
        Command::Plan(args) => plan::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}
