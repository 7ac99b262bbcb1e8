//! mcc's answers to a case, in process through the library: the same flow as `mcc render` and
//! `mcc plan` (load → analyze → plan), with the case's sides as in-memory files.

use camino::Utf8PathBuf;
use mcc_compiler::load::InputPath;
use mcc_compiler::{Analysis, Compilation, PolicyOptions, PoolPlan, RenderOptions, Side, Target};
use serde_json::Value;

use crate::oracle::model::{Case, McModel};

/// One side rendered: the spec mcc renders for the case's pool, or `None` when it refuses to.
pub struct Rendered {
    pub spec: Option<Value>,
    /// The error diagnostics (for the report).
    pub errors: Vec<String>,
}

pub struct Planned {
    pub old: Rendered,
    pub new: Rendered,
    /// The pool's plan; `None` when no side rendered the pool.
    pub plan: Option<PoolPlan>,
}

fn analyze(case: &Case, side: &[McModel], with_policy: bool, name: &str) -> (Compilation, Analysis) {
    let text = serde_json::to_string_pretty(&case.side_list(side, with_policy)).expect("JSON");
    let paths = [InputPath::Read { name: Utf8PathBuf::from(name), text }];
    let mut compilation = mcc_compiler::load(&paths, &[], &mut || Ok(String::new()));
    let render = RenderOptions {
        base_image: Some(case.base_image.clone()),
        base_extensions_image: Some(case.extensions_image.clone()),
    };
    let analysis = mcc_compiler::analyze(&mut compilation, &render, &policy_options(Target::Legacy), None);
    (compilation, analysis)
}

fn policy_options(target: Target) -> PolicyOptions {
    PolicyOptions { target, ..PolicyOptions::default() }
}

fn rendered(case: &Case, compilation: &Compilation, analysis: &Analysis) -> Rendered {
    let pool = analysis.rendered.iter().find(|p| p.pool.name() == case.pool_name());
    let errors = compilation
        .diagnostics
        .iter()
        .filter(|d| d.severity() == mcc_compiler::diagnostic::Severity::Error)
        .map(|d| format!("{}: {}", d.code.code, d.message))
        .collect();
    // The rendered object's spec: what the MCO stores (mcc's own metadata aside).
    let spec = pool.map(|p| mcc_compiler::rendered_machine_config(p, &|_| String::new())["spec"].clone());
    Rendered { spec, errors }
}

pub fn render(case: &Case) -> Rendered {
    let (compilation, analysis) = analyze(case, &case.new, false, "configs.json");
    rendered(case, &compilation, &analysis)
}

/// The plan of the case's pool under each target asked for (the first one's renderings).
pub fn plan(case: &Case, targets: &[Target]) -> Vec<Planned> {
    let (old_compilation, old_analysis) = analyze(case, &case.old, true, "old.json");
    let (new_compilation, new_analysis) = analyze(case, &case.new, true, "new.json");
    let old_side = Side { compilation: &old_compilation, analysis: &old_analysis };
    let new_side = Side { compilation: &new_compilation, analysis: &new_analysis };
    targets
        .iter()
        .map(|&target| Planned {
            old: rendered(case, &old_compilation, &old_analysis),
            new: rendered(case, &new_compilation, &new_analysis),
            plan: mcc_compiler::plan(Some(&old_side), &new_side, &policy_options(target), Some(case.pool_name()))
                .into_iter()
                .next(),
        })
        .collect()
}
