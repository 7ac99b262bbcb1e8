//! `mcc build`: a pool's image as an OCI image layout, from what `mcc compile` wrote, and with
//! `--push` (or `--out docker://…`) in a registry, its digest reference in `DIR/image.json`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mcc_compiler::codes;
use mcc_compiler::diagnostic::Diagnostic;
use mcc_compiler::source::Sources;
use mcc_contract::layer_plan::{LAYER_PLAN_SCHEMA, LayerPlan};
use mcc_contract::sha256_hex;
use mcc_runtime::platform::Platform;
use mcc_runtime::push::{self, DockerRef, PushOptions};
use mcc_runtime::read::{self, Symlinks};
use mcc_runtime::{apply, layer, oci, write};

use crate::args::BuildArgs;
use crate::error::{CliError, Outcome};
use crate::streams;

/// The file `--push` writes beside the layer plan.
pub const IMAGE_JSON: &str = "image.json";
pub const IMAGE_SCHEMA: &str = "mcc.image/v1";

/// Where the image goes.
struct Destinations {
    /// The layout to write, when the user named one.
    layout: Option<oci::OciRef>,
    registry: Option<DockerRef>,
}

fn destinations(args: &BuildArgs) -> Result<Destinations, CliError> {
    let usage = |e: mcc_runtime::Error| CliError::Usage(e.to_string());
    let (layout, out_registry) = match args.out.as_deref() {
        Some(text) if text.starts_with("docker://") => (None, Some(DockerRef::parse(text).map_err(usage)?)),
        Some(text) => (Some(oci::OciRef::parse(text).map_err(usage)?), None),
        None => (None, None),
    };
    let push = args.push.as_deref().map(DockerRef::parse).transpose().map_err(usage)?;
    let registry = match (out_registry, push) {
        (Some(_), Some(_)) => {
            return Err(CliError::Usage("--out names a registry and so does --push: give one of them".into()));
        }
        (a, b) => a.or(b),
    };
    Ok(Destinations { layout, registry })
}

/// Renders a runtime diagnostic like every other one (its code is registered with its page). What
/// could not be read exits 3, as an unreadable input does; any other problem 1.
fn report(problem: &apply::Diagnostic) -> Result<Outcome, CliError> {
    let code = codes::find(problem.code).expect("every code mcc build reports is registered");
    let mut diagnostic = Diagnostic::general(code, problem.message.clone());
    if let Some(help) = &problem.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    streams::report(&[diagnostic], &Sources::default())?;
    let unreadable = [push::codes::BUILD_PLAN_UNREADABLE, push::codes::BASE_UNREADABLE].contains(&problem.code);
    Ok(if unreadable { Outcome::UnreadableInput } else { Outcome::Problems })
}

fn base_unreadable(message: String) -> apply::Diagnostic {
    apply::Diagnostic::new(push::codes::BASE_UNREADABLE, message)
        .with_help("copy the base image into a fresh layout (`skopeo copy --format oci`) and name it again")
}

fn plan_unreadable(message: String) -> Box<apply::Diagnostic> {
    Box::new(apply::Diagnostic::new(push::codes::BUILD_PLAN_UNREADABLE, message).with_help(
        "give the directory `mcc compile` wrote for the pool (`DIR/<pool>`), and compile again if it is damaged",
    ))
}

fn content_mismatch(message: String) -> Box<apply::Diagnostic> {
    Box::new(
        apply::Diagnostic::new(push::codes::BUILD_CONTENT_MISMATCH, message)
            .with_help("compile again, and copy the compiled directory whole"),
    )
}

fn read_plan(dir: &camino::Utf8Path) -> Result<LayerPlan, Box<apply::Diagnostic>> {
    let plan_path = dir.join("layer-plan.json");
    let bytes = read::read_regular(plan_path.as_std_path(), read::MAX_DOCUMENT_SIZE, Symlinks::Refuse)
        .map_err(|error| plan_unreadable(format!("cannot read {plan_path}: {error}")))?;
    let plan: LayerPlan = serde_json::from_slice(&bytes)
        .map_err(|error| plan_unreadable(format!("{plan_path} is not a layer plan ({LAYER_PLAN_SCHEMA}): {error}")))?;
    if plan.schema != LAYER_PLAN_SCHEMA {
        return Err(plan_unreadable(format!("{plan_path} is `{}`, not `{LAYER_PLAN_SCHEMA}`", plan.schema)));
    }
    if let Some(entry) = plan.entries.iter().find(|e| e.sha256.as_deref().is_some_and(|sha| !is_sha256_hex(sha))) {
        // The blob's name is a path under `blobs/`: anything but a digest could leave it.
        return Err(plan_unreadable(format!(
            "{plan_path}: the entry `{}` names a blob that is not a SHA-256 (64 lowercase hex digits)",
            entry.path
        )));
    }
    Ok(plan)
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The plan's layer: the one `mcc compile` wrote beside it (`context/layer.tar`) when it is the
/// very layer the plan names (its digest is the plan's `diffId`); otherwise built from the plan,
/// each file's contents taken from `blobs/` when it is there, else from the files of that tar
/// (repacked by another tool, say), each checked against the size and digest the plan records.
/// Nothing is read past what the plan allows: the tar up to the largest layer the plan can make,
/// a blob up to one byte more than its recorded size.
fn layer_of(dir: &camino::Utf8Path, plan: &LayerPlan) -> Result<Vec<u8>, Box<apply::Diagnostic>> {
    // A layer.tar that is not a regular file, or longer than any layer of this plan, cannot be
    // the plan's: it is not read, and its files are not used.
    let compiled_path = dir.join("context").join("layer.tar");
    let compiled = match read::read_regular(compiled_path.as_std_path(), layer::max_size(plan), Symlinks::Refuse) {
        Ok(tar) if layer::digest(&tar) == plan.diff_id => return Ok(tar),
        read => read.ok(),
    };
    let files = compiled.as_deref().map(layer::files_of).unwrap_or_default();
    let sizes: BTreeMap<&str, u64> =
        plan.entries.iter().filter_map(|e| Some((e.sha256.as_deref()?, e.size.unwrap_or(0)))).collect();
    let blobs = dir.join("blobs");
    let mut problem = None;
    let built = layer::build(plan, &mut |sha| {
        let size = sizes.get(sha).copied().unwrap_or(0);
        let path = blobs.join(sha);
        let fail = |problem: &mut Option<_>, diagnostic: Box<apply::Diagnostic>| {
            let error = std::io::Error::other(diagnostic.message.clone());
            *problem = Some(diagnostic);
            Err(error)
        };
        let (data, what) = match read::read_prefix(path.as_std_path(), size.saturating_add(1)) {
            Ok(data) => (Cow::Owned(data), format!("the blob {path}")),
            Err(read::ReadError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => match files.get(sha) {
                Some(data) => (Cow::Borrowed(&data[..]), format!("the file {sha} of {compiled_path}")),
                None => {
                    let message =
                        format!("neither blobs/ nor context/layer.tar holds the contents {sha}; compile again");
                    return fail(&mut problem, plan_unreadable(message));
                }
            },
            Err(error) => return fail(&mut problem, plan_unreadable(format!("cannot read {path}: {error}"))),
        };
        let actual = sha256_hex(&data);
        if actual != sha || data.len() as u64 != size {
            let length = if data.len() as u64 > size { format!("more than {size}") } else { data.len().to_string() };
            return fail(
                &mut problem,
                content_mismatch(format!(
                    "{what} does not match the plan: {length} bytes with sha256 {actual}, but the plan says {size} bytes with sha256 {sha}"
                )),
            );
        }
        Ok(data)
    });
    let tar = match (built, problem) {
        (Ok(tar), _) => tar,
        (Err(_), Some(problem)) => return Err(problem),
        (Err(error), None) => {
            return Err(plan_unreadable(format!("{dir}/layer-plan.json is not a valid layer plan: {error}")));
        }
    };
    let diff_id = layer::digest(&tar);
    if diff_id != plan.diff_id {
        return Err(content_mismatch(format!(
            "the layer built from {dir}/layer-plan.json is {diff_id}, but the plan says {}; compile again",
            plan.diff_id
        )));
    }
    Ok(tar)
}

pub fn run(args: &BuildArgs) -> Result<Outcome, CliError> {
    let targets = destinations(args)?;
    let base_ref =
        args.base.as_deref().map(oci::OciRef::parse).transpose().map_err(|e| CliError::Usage(e.to_string()))?;
    let platform =
        args.platform.as_deref().map(Platform::parse).transpose().map_err(|e| CliError::Usage(e.to_string()))?;
    let plan = match read_plan(&args.dir) {
        Ok(plan) => plan,
        Err(problem) => return report(&problem),
    };
    if let Some(mosc) = plan.machine_os_config.as_ref().filter(|m| m.content_sha256.is_some()) {
        // mcc build appends the layer; only a Containerfile builder runs instructions.
        streams::note(&format!(
            "warning: the custom Containerfile content of MachineOSConfig {} is not in this image: mcc build appends \
             the layer alone; build {}/Containerfile with buildah or podman to run it",
            mosc.name, args.dir
        ))?;
    }
    let tar = match layer_of(&args.dir, &plan) {
        Ok(tar) => tar,
        Err(problem) => return report(&problem),
    };
    let architecture = platform.as_ref().map_or(oci::host_architecture(), |p| p.architecture.as_str());
    let base = match base_ref.as_ref().map(|r| oci::read_base(r, architecture)).transpose() {
        Ok(base) => base,
        Err(error) => return report(&base_unreadable(error.to_string())),
    };
    let base_platform = base.as_ref().and_then(|b| Platform::of_config(&b.config));
    let image_platform = match (base_platform, platform) {
        (Some(theirs), Some(wanted)) if !wanted.matches(&theirs) => {
            return report(
                &apply::Diagnostic::new(
                    push::codes::PLATFORM_MISMATCH,
                    format!("--platform {wanted} differs from the base image's platform {theirs}"),
                )
                .with_help("build for the base's platform, or give the base image built for this one"),
            );
        }
        // An image on a base keeps the base's configuration, and so its platform.
        (Some(theirs), _) => theirs,
        (None, wanted) => wanted.unwrap_or_else(Platform::host),
    };
    let comment = format!("mcc compile: pool {} ({}), {} entries", plan.pool, plan.rendered_config, plan.entries.len());
    let image = oci::Image {
        layer_tar: &tar,
        labels: &plan.labels,
        created: plan.mtime,
        created_by: "mcc build",
        comment: &comment,
        base: base.as_ref(),
        platform: &image_platform,
    };
    let tag = match (&targets.layout, &targets.registry) {
        (Some(layout), _) => layout.tag.clone(),
        (None, Some(registry)) => Some(registry.tag.clone()),
        (None, None) => None,
    }
    .unwrap_or_else(|| "latest".to_string());
    // A push without a layout of the user's builds in a temporary one, removed afterwards.
    let scratch = match &targets.layout {
        Some(_) => None,
        None => {
            Some(tempfile::tempdir().map_err(|e| CliError::Output(format!("cannot make a temporary layout: {e}")))?)
        }
    };
    let layout_path: PathBuf = match (&targets.layout, &scratch) {
        (Some(layout), _) => layout.path.clone(),
        (None, Some(scratch)) => scratch.path().join("layout"),
        (None, None) => unreachable!("a scratch layout is made whenever no layout is named"),
    };
    let written = match oci::write_layout(&layout_path, &tag, &image) {
        Ok(written) => written,
        Err(oci::LayoutError::NotALayout(reason)) => {
            return report(
                &apply::Diagnostic::new(push::codes::LAYOUT_INVALID, format!("cannot write oci:{}: {reason}", layout_path.display()))
                    .with_help("name a missing or empty directory, or an OCI image layout (`oci-layout` and `index.json`) to add the tag to"),
            );
        }
        Err(oci::LayoutError::Base(error)) => return report(&base_unreadable(error.to_string())),
        Err(oci::LayoutError::Failed(error)) => return Err(CliError::Failed(error.to_string())),
    };
    if let Some(layout) = &targets.layout {
        streams::print(&format!(
            "wrote {}: manifest {}, layer {} (diff_id {})\n",
            oci::OciRef { path: layout.path.clone(), tag: Some(tag.clone()) },
            written.manifest_digest,
            written.layer_digest,
            written.diff_id
        ))?;
    }
    match &targets.registry {
        Some(registry) => {
            push_image(args, &plan, (&layout_path, &tag, &written.manifest_digest), registry, &image_platform)
        }
        None => Ok(Outcome::Clean),
    }
}

/// Pushes the image of `(layout, tag)`, whose manifest is `built`, and records what was pushed.
fn push_image(
    args: &BuildArgs,
    plan: &LayerPlan,
    (layout, tag, built): (&Path, &str, &str),
    registry: &DockerRef,
    platform: &Platform,
) -> Result<Outcome, CliError> {
    let auth =
        match push::resolve_auth(args.authfile.as_deref().map(|p| p.as_std_path()), &push::AuthEnv::from_process()) {
            Ok(auth) => auth,
            Err(problem) => return report(&problem),
        };
    let options = PushOptions {
        tls_verify: args.tls_verify,
        auth,
        skopeo: PathBuf::from("skopeo"),
        timeout: Duration::from_secs(args.push_timeout),
    };
    let pushed = match push::push(layout, tag, registry, &options) {
        Ok(pushed) => pushed,
        Err(problem) => return report(&problem),
    };
    // --preserve-digests promises it; a registry that rewrote the manifest would make the
    // reference name an image other than the one built.
    if pushed.digest != built {
        return report(&apply::Diagnostic::new(
            push::codes::PUSH_FAILED,
            format!("{registry} holds manifest {}, not the {built} that was built", pushed.digest),
        ));
    }
    let record = serde_json::json!({
        "schema": IMAGE_SCHEMA,
        "pool": plan.pool,
        "renderedConfig": plan.rendered_config,
        "reference": pushed.reference,
        "tag": registry.tagged(),
        "digest": pushed.digest,
        "platform": platform.to_string(),
    });
    let mut bytes = serde_json::to_vec_pretty(&record).expect("a JSON value serialises");
    bytes.push(b'\n');
    let path = args.dir.join(IMAGE_JSON);
    write::replace_file(path.as_std_path(), &bytes)
        .map_err(|e| CliError::Output(format!("cannot write {path}: {e}")))?;
    streams::print(&format!("pushed {registry}: {}\n", pushed.reference))?;
    Ok(Outcome::Clean)
}
