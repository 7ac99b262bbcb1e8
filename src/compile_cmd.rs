//! `mcc compile`: each pool's layer plan, layer, Containerfile and node-side actions, written to
//! `DIR/<pool>/` (`docs/formats.md`).

use std::fs;
use std::io;
use std::path::Path;

use camino::Utf8PathBuf;
use clap::ValueEnum;
use mcc_compiler::Side;
use mcc_compiler::compile::{self, CompileOptions, CompiledPool, VarStrategy};
use mcc_compiler::diagnostic::{self, Severity};
use mcc_runtime::{layer, write};

use crate::cli::{self, Inputs, exit};
use crate::output;

#[derive(clap::Args)]
pub struct CompileArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Where to write: one directory per pool, `DIR/<pool>/`.
    #[arg(long, value_name = "DIR")]
    out: Utf8PathBuf,
    /// Compile only this pool.
    #[arg(long)]
    pool: Option<String>,
    /// Where small /var files, directories and links go: written on the node, or shipped in the
    /// image as /usr/lib/tmpfiles.d lines.
    #[arg(long, value_enum, default_value_t = VarStrategyArg::Node)]
    var_strategy: VarStrategyArg,
    /// The current state (paths, `git:REF[:DIR]`, or an exported rendered config): node-side
    /// steps then remove what it wrote and the new state does not, and its plan gives the actions.
    #[arg(long = "from", num_args = 1.., value_name = "OLD")]
    from: Vec<String>,
    /// Leave out the Containerfile's last step (`bootc container lint` or `ostree container commit`).
    #[arg(long)]
    no_lint: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum VarStrategyArg {
    Node,
    Tmpfiles,
}

/// `SOURCE_DATE_EPOCH`, or 0 (reproducible-builds.org).
fn source_date_epoch() -> Result<u64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.trim().is_empty() => {
            text.trim().parse().map_err(|_| format!("SOURCE_DATE_EPOCH=`{text}` is not a number of seconds"))
        }
        _ => Ok(0),
    }
}

pub fn run(args: &CompileArgs) -> u8 {
    let mtime = match source_date_epoch() {
        Ok(mtime) => mtime,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::USAGE;
        }
    };
    let pool = args.pool.as_deref();
    let (mut compilation, analysis) = args.inputs.analyze(pool);
    let old = if args.from.is_empty() {
        None
    } else {
        match cli::side_paths(&args.from, &args.inputs.paths) {
            Ok(None) => None,
            Ok(Some(paths)) => {
                let mut c =
                    mcc_compiler::load(&paths, &args.inputs.policy_options().policy_files, &mut cli::read_stdin);
                let a = mcc_compiler::analyze(&mut c, &args.inputs.options(), &args.inputs.policy_options(), pool);
                Some((c, a))
            }
            Err(error) => {
                eprintln!("error: {error}");
                return exit::UNREADABLE;
            }
        }
    };
    if let Some((old_compilation, _)) = &old
        && (old_compilation.count(Severity::Error) > 0 || old_compilation.unreadable_input)
    {
        eprintln!("in the --from state:");
        output::print_diagnostics(old_compilation, &mut std::io::stderr());
        output::print_diagnostics(&compilation, &mut std::io::stderr());
        return if old_compilation.unreadable_input || compilation.unreadable_input {
            exit::UNREADABLE
        } else {
            exit::FAILED
        };
    }
    if compilation.unreadable_input || compilation.count(Severity::Error) > 0 {
        // Nothing is written while any input has an error: the policies or pools may be incomplete.
        output::print_diagnostics(&compilation, &mut std::io::stderr());
        return if compilation.unreadable_input { exit::UNREADABLE } else { exit::FAILED };
    }
    if let Some(name) = pool
        && !analysis.rendered.iter().any(|p| p.pool.name() == name)
    {
        output::print_diagnostics(&compilation, &mut std::io::stderr());
        eprintln!("error: no pool named `{name}` selects any of the inputs");
        return exit::USAGE;
    }
    let options = CompileOptions {
        policy: args.inputs.policy_options(),
        var_strategy: match args.var_strategy {
            VarStrategyArg::Node => VarStrategy::Node,
            VarStrategyArg::Tmpfiles => VarStrategy::Tmpfiles,
        },
        mtime,
        lint: !args.no_lint,
    };
    let results = {
        let new_side = Side { compilation: &compilation, analysis: &analysis };
        let old_side = old.as_ref().map(|(c, a)| Side { compilation: c, analysis: a });
        compile::compile(&new_side, old_side.as_ref(), &options)
    };
    let mut failed = false;
    let mut written = Vec::new();
    let mut write_errors = Vec::new();
    for (name, result) in results {
        match result {
            Ok(compiled) => {
                let dir = args.out.join(&name);
                match write_pool(dir.as_std_path(), compiled) {
                    Ok(summary) => written.push(format!("{dir}: {summary}")),
                    Err(error) => {
                        failed = true;
                        write_errors.push(format!("error: cannot write {dir}: {error}"));
                    }
                }
            }
            Err(diagnostics) => {
                failed = true;
                compilation.diagnostics.extend(diagnostics);
            }
        }
    }
    diagnostic::sort_diagnostics(&mut compilation.diagnostics, &compilation.sources);
    output::print_diagnostics(&compilation, &mut std::io::stderr());
    for error in &write_errors {
        eprintln!("{error}");
    }
    output::emit(&written.iter().map(|w| format!("wrote {w}\n")).collect::<String>());
    if failed { exit::FAILED } else { exit::OK }
}

/// Builds the layer, fills in its `diff_id`, and writes the pool's directory in one go.
fn write_pool(dir: &Path, mut compiled: CompiledPool) -> Result<String, String> {
    let blobs = &compiled.blobs;
    let tar = layer::build(&compiled.layer_plan, &mut |sha| {
        blobs.get(sha).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such blob"))
    })
    .map_err(|e| e.to_string())?;
    compiled.layer_plan.diff_id = layer::digest(&tar);
    let plan = serde_json::to_string_pretty(&compiled.layer_plan).map_err(|e| e.to_string())? + "\n";
    let actions = serde_json::to_string_pretty(&compiled.node_actions).map_err(|e| e.to_string())? + "\n";
    let may_replace = |p: &Path| p.join("layer-plan.json").is_file() || write::is_empty_dir(p);
    write::replace_dir(dir, may_replace, |tmp| {
        fs::write(tmp.join("layer-plan.json"), &plan)?;
        fs::write(tmp.join("node-actions.json"), &actions)?;
        fs::write(tmp.join("Containerfile"), &compiled.containerfile)?;
        fs::create_dir(tmp.join("context"))?;
        fs::write(tmp.join("context").join("layer.tar"), &tar)?;
        fs::create_dir(tmp.join("blobs"))?;
        for (sha, bytes) in &compiled.blobs {
            fs::write(tmp.join("blobs").join(sha), bytes)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "{} entries in the layer ({}), {} node-side steps",
        compiled.layer_plan.entries.len(),
        compiled.layer_plan.diff_id,
        compiled.node_actions.steps.len()
    ))
}
