//! `mcc compile`: each pool's layer plan, layer, Containerfile and node-side actions, written to
//! `DIR/<pool>/` (`docs/formats.md`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

use mcc_compiler::Target;
use mcc_compiler::codes;
use mcc_compiler::compile::{self, CompileOptions, CompiledPool, VarStrategy};
use mcc_compiler::diagnostic::{self, Severity};
use mcc_compiler::load::file::MAX_INPUT_SIZE;
use mcc_contract::layer_plan::LayerPlan;
use mcc_contract::node_actions::{NodeActions, NodeImage, Step};
use mcc_runtime::read::{self, ReadError, Symlinks};
use mcc_runtime::{layer, write};

use crate::args::{CompileArgs, Inputs, VarStrategyArg};
use crate::error::{CliError, Outcome};
use crate::session::{self, Analyzed};
use crate::streams;

/// The record `mcc build --push` writes in a pool's directory, and its schema.
const IMAGE_JSON: &str = "image.json";
const IMAGE_SCHEMA: &str = "mcc.image/v1";

/// `SOURCE_DATE_EPOCH`, or 0 (reproducible-builds.org).
fn source_date_epoch() -> Result<u64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.trim().is_empty() => {
            text.trim().parse().map_err(|_| format!("SOURCE_DATE_EPOCH=`{text}` is not a number of seconds"))
        }
        _ => Ok(0),
    }
}

pub fn run(args: &CompileArgs) -> Result<Outcome, CliError> {
    let mtime = source_date_epoch().map_err(CliError::Usage)?;
    let pool = args.pool.as_deref();
    let inputs = Inputs { paths: args.inputs.paths.clone(), settings: args.inputs.settings.relocating(args.relocate) };
    let Analyzed { mut compilation, analysis } = inputs.analyze(pool);
    let old = session::analyze_side(&args.from, &inputs.paths, &inputs.settings, pool)?;
    if let Some(old) = &old
        && (old.compilation.count(Severity::Error) > 0 || old.compilation.unreadable_input)
    {
        streams::note("in the --from state:")?;
        streams::report(&old.compilation.diagnostics, &old.compilation.sources)?;
        streams::report(&compilation.diagnostics, &compilation.sources)?;
        let unreadable = old.compilation.unreadable_input || compilation.unreadable_input;
        return Ok(if unreadable { Outcome::UnreadableInput } else { Outcome::Problems });
    }
    if compilation.unreadable_input || compilation.count(Severity::Error) > 0 {
        // Nothing is written while any input has an error: the policies or pools may be incomplete.
        streams::report(&compilation.diagnostics, &compilation.sources)?;
        return Ok(Outcome::of(&compilation, false));
    }
    if let Some(name) = pool
        && !analysis.rendered.iter().any(|p| p.pool.name() == name)
    {
        streams::report(&compilation.diagnostics, &compilation.sources)?;
        return Err(CliError::Usage(format!("no pool named `{name}` selects any of the inputs")));
    }
    let images = match (&args.image, pool) {
        (Some(image), Some(pool)) => {
            if args.inputs.settings.policy_options().target == Target::Legacy {
                return Err(CliError::Usage(
                    "--image needs --target bootc or rpm-ostree: legacy nodes are not switched to an image".into(),
                ));
            }
            let reference = match image_reference(image, pool)? {
                Ok(reference) => reference,
                Err(unreadable) => {
                    compilation.diagnostics.push(*unreadable);
                    diagnostic::sort_diagnostics(&mut compilation.diagnostics, &compilation.sources);
                    streams::report(&compilation.diagnostics, &compilation.sources)?;
                    return Ok(Outcome::UnreadableInput);
                }
            };
            [(pool.to_string(), reference)].into_iter().collect()
        }
        _ => BTreeMap::new(),
    };
    let options = CompileOptions {
        policy: inputs.settings.policy_options(),
        var_strategy: match args.var_strategy {
            VarStrategyArg::Node => VarStrategy::Node,
            VarStrategyArg::Tmpfiles => VarStrategy::Tmpfiles,
        },
        mtime,
        lint: !args.no_lint,
        architecture: None,
        images,
    };
    let results = {
        let new_side = mcc_compiler::Side { compilation: &compilation, analysis: &analysis };
        let old_side = old.as_ref().map(Analyzed::side);
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
    streams::report(&compilation.diagnostics, &compilation.sources)?;
    for error in &write_errors {
        streams::note(error)?;
    }
    streams::print(&written.iter().map(|w| format!("wrote {w}\n")).collect::<String>())?;
    Ok(if failed { Outcome::Problems } else { Outcome::Clean })
}

/// `--image`'s reference: as given, or read from the `image.json` named by `@FILE`, as `mcc build
/// --push` writes it (`mcc.image/v1`: its `reference`), which must be of `pool`. The compiler
/// checks that the reference is one by digest. `FILE` is read as an input is (MCC0001, MCC0018):
/// a regular file of at most 64 MiB, opened without blocking; the inner result is the
/// diagnostic of one that cannot be read.
fn image_reference(given: &str, pool: &str) -> Result<Result<String, Box<diagnostic::Diagnostic>>, CliError> {
    let Some(file) = given.strip_prefix('@') else { return Ok(Ok(given.to_string())) };
    let usage = |why: String| CliError::Usage(format!("--image @{file}: {why}"));
    let bytes = match read::read_regular(Path::new(file), MAX_INPUT_SIZE, Symlinks::Follow) {
        Ok(bytes) => bytes,
        Err(error) => {
            let code = if matches!(error, ReadError::TooLarge(_)) {
                &codes::INPUT_TOO_LARGE
            } else {
                &codes::INPUT_UNREADABLE
            };
            let message = format!("--image @{file}: cannot read it: {error}");
            return Ok(Err(Box::new(
                diagnostic::Diagnostic::about_path(code, file, message)
                    .with_help("name the image.json `mcc build --push` wrote for the pool"),
            )));
        }
    };
    let document: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| usage(format!("it is not JSON: {e}")))?;
    if document["schema"] != IMAGE_SCHEMA {
        return Err(usage(format!(
            "it is not an `{IMAGE_SCHEMA}` document (the image.json `mcc build --push` writes)"
        )));
    }
    match document["pool"].as_str() {
        Some(of) if of == pool => {}
        of => return Err(usage(format!("it is the image of pool `{}`, not of `{pool}`", of.unwrap_or("?")))),
    }
    match document["reference"].as_str() {
        Some(reference) => Ok(Ok(reference.to_string())),
        None => Err(usage("it has no `reference` string".into())),
    }
}

/// What the node needs that this compile does not know yet, for the summary line.
fn image_note(compiled: &CompiledPool) -> String {
    match &compiled.node_actions.image {
        Some(NodeImage { reference: None, source_digest }) => format!(
            "; the node needs the image built from this layer (source digest {source_digest}), not known yet: \
             build and push it, then compile with --image to switch the node to it"
        ),
        Some(NodeImage { reference: Some(reference), .. }) => format!("; the node switches to {reference}"),
        None => String::new(),
    }
}

/// The `image.json` of the pool's directory when it records an image of this very layer (the
/// directory's layer plan has the same `diffId`): compiling again with `--image
/// @DIR/<pool>/image.json` keeps it, and one of another layer, stale, goes with the directory.
/// Either file that cannot be read (not a regular file, over its limit) keeps nothing.
fn kept_image_record(dir: &Path, diff_id: &str) -> Option<Vec<u8>> {
    let plan = read::read_regular(&dir.join("layer-plan.json"), read::MAX_DOCUMENT_SIZE, Symlinks::Refuse).ok()?;
    let previous: serde_json::Value = serde_json::from_slice(&plan).ok()?;
    if previous["diffId"] != diff_id {
        return None;
    }
    read::read_regular(&dir.join(IMAGE_JSON), MAX_INPUT_SIZE, Symlinks::Refuse).ok()
}

/// The blobs the node-side steps name (`blobs/<sha256>`): the only contents `mcc apply` reads
/// from the directory. The layer's files are in `context/layer.tar` and nowhere else: a file
/// each besides was most of compile's time on a busy file system (issue 12).
fn node_blobs<'b>(node_actions: &NodeActions, blobs: &'b BTreeMap<String, Vec<u8>>) -> Vec<(&'b str, &'b [u8])> {
    let named: BTreeSet<&str> = node_actions
        .steps
        .iter()
        .flat_map(Step::contents)
        .filter_map(|content| content.blob.as_deref()?.strip_prefix("blobs/"))
        .collect();
    blobs
        .iter()
        .filter(|(sha, _)| named.contains(sha.as_str()))
        .map(|(sha, bytes)| (sha.as_str(), &bytes[..]))
        .collect()
}

/// Builds the layer, fills in its `diff_id`, and writes the pool's directory in one go. The
/// node-side blobs are written on a thread of their own while the layer is built, digested and
/// written.
fn write_pool(dir: &Path, mut compiled: CompiledPool) -> Result<String, String> {
    let note = image_note(&compiled);
    let may_replace = |p: &Path| p.join("layer-plan.json").is_file() || write::is_empty_dir(p);
    let CompiledPool { layer_plan, blobs, node_actions, containerfile, .. } = &mut compiled;
    let node_side = node_blobs(node_actions, blobs);
    write::replace_dir(dir, may_replace, |tmp| {
        fs::create_dir(tmp.join("blobs"))?;
        std::thread::scope(|scope| {
            let blob_writer = scope.spawn(|| -> io::Result<()> {
                for (sha, bytes) in &node_side {
                    fs::write(tmp.join("blobs").join(sha), bytes)?;
                }
                Ok(())
            });
            let written = write_layer(dir, tmp, layer_plan, node_actions, containerfile, blobs);
            let blobs_written =
                blob_writer.join().unwrap_or_else(|_| Err(io::Error::other("the blob writer panicked")));
            written.and(blobs_written)
        })
    })
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "{} entries in the layer ({}), {} node-side steps{note}",
        compiled.layer_plan.entries.len(),
        compiled.layer_plan.diff_id,
        compiled.node_actions.steps.len()
    ))
}

/// Builds the layer from the plan and the blobs, fills in the plan's `diff_id`, and writes the
/// layer, the plan, the node actions, the Containerfile and a kept `image.json` into `tmp`.
fn write_layer(
    dir: &Path,
    tmp: &Path,
    layer_plan: &mut LayerPlan,
    node_actions: &NodeActions,
    containerfile: &str,
    blobs: &BTreeMap<String, Vec<u8>>,
) -> io::Result<()> {
    let tar = layer::build(layer_plan, &mut |sha| {
        blobs
            .get(sha)
            .map(|b| Cow::Borrowed(&b[..]))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such blob"))
    })
    .map_err(|e| io::Error::other(e.to_string()))?;
    layer_plan.diff_id = layer::digest(&tar);
    let plan = serde_json::to_string_pretty(layer_plan)? + "\n";
    let actions = serde_json::to_string_pretty(node_actions)? + "\n";
    if let Some(record) = kept_image_record(dir, &layer_plan.diff_id) {
        fs::write(tmp.join(IMAGE_JSON), record)?;
    }
    fs::write(tmp.join("layer-plan.json"), &plan)?;
    fs::write(tmp.join("node-actions.json"), &actions)?;
    fs::write(tmp.join("Containerfile"), containerfile)?;
    fs::create_dir(tmp.join("context"))?;
    fs::write(tmp.join("context").join("layer.tar"), &tar)
}
