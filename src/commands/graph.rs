//! `mcc graph`: each pool's intermediate graph, as Graphviz dot or `mcc.graph/v1` JSON.

use crate::args::{GraphArgs, GraphFormat, Inputs};
use crate::error::{CliError, Outcome};
use crate::session::Analyzed;
use crate::streams;

pub fn run(args: &GraphArgs) -> Result<Outcome, CliError> {
    let inputs = Inputs { paths: args.inputs.paths.clone(), settings: args.inputs.settings.relocating(args.relocate) };
    let Analyzed { compilation, analysis } = inputs.analyze(args.pool.as_deref());
    streams::report(&compilation.diagnostics, &compilation.sources)?;
    let text = match args.format {
        GraphFormat::Dot => analysis.graphs.iter().map(|g| g.to_dot(&compilation.sources)).collect::<String>(),
        GraphFormat::Json => {
            let graphs: Vec<_> = analysis.graphs.iter().map(|g| g.to_json(&compilation.sources)).collect();
            serde_json::to_string_pretty(&serde_json::json!({"schema": "mcc.graph/v1", "graphs": graphs}))
                .unwrap_or_default()
                + "\n"
        }
    };
    streams::print(&text)?;
    Ok(Outcome::of(&compilation, false))
}
