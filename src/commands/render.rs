//! `mcc render`: each pool's rendered MachineConfig, as a Kubernetes `List`.

use mcc_compiler::diagnostic::Severity;
use mcc_compiler::{Compilation, RenderedPool, rendered_machine_config};
use serde_json::{Value, json};

use crate::args::{RenderArgs, RenderFormat};
use crate::error::{CliError, Outcome};
use crate::session::Analyzed;
use crate::streams;

pub fn run(args: &RenderArgs) -> Result<Outcome, CliError> {
    let pool = args.pool.as_deref();
    // The whole analysis runs, so `render` reports (and exits) exactly as `check` would.
    let Analyzed { compilation, analysis } = args.inputs.analyze(pool);
    let rendered = analysis.rendered;
    streams::report(&compilation.diagnostics, &compilation.sources)?;
    if let Some(name) = pool
        && !rendered.iter().any(|p| p.pool.name() == name)
        && compilation.count(Severity::Error) == 0
    {
        return Err(CliError::Usage(format!("no pool named `{name}` selects any of the inputs")));
    }
    let outcome = Outcome::of(&compilation, false);
    // A failed run prints no result: an empty or partial list would read as a rendered state.
    if outcome != Outcome::Clean {
        return Ok(outcome);
    }
    let list = rendered_list(&compilation, &rendered);
    let text = match args.format {
        RenderFormat::Yaml => serde_saphyr::to_string(&list).unwrap_or_default(),
        RenderFormat::Json => serde_json::to_string_pretty(&list).unwrap_or_default() + "\n",
    };
    streams::print(&text)?;
    Ok(outcome)
}

/// A Kubernetes `List` of the rendered MachineConfigs, one item per pool.
fn rendered_list(compilation: &Compilation, rendered: &[RenderedPool]) -> Value {
    let names = |i: usize| compilation.inputs.machine_configs[i].name().to_string();
    let items: Vec<Value> = rendered.iter().map(|p| rendered_machine_config(p, &names)).collect();
    json!({ "apiVersion": "v1", "kind": "List", "items": items })
}
