//! `mcc build`: a pool's image as an OCI image layout, from what `mcc compile` wrote.

use std::fs;

use camino::Utf8PathBuf;
use mcc_contract::layer_plan::{LAYER_PLAN_SCHEMA, LayerPlan};
use mcc_runtime::{layer, oci, write};

use crate::cli::exit;
use crate::output;

#[derive(clap::Args)]
pub struct BuildArgs {
    /// A pool's directory written by `mcc compile` (`DIR/<pool>`).
    #[arg(value_name = "DIR")]
    dir: Utf8PathBuf,
    /// Where to write the image, an OCI image layout: `oci:PATH[:TAG]` (TAG defaults to latest).
    #[arg(long, value_name = "oci:PATH[:TAG]")]
    out: String,
    /// The base image, an OCI image layout (`oci:PATH[:TAG]`): its layers, config and history
    /// come first. Without it, the image has the layer alone.
    #[arg(long, value_name = "oci:PATH[:TAG]")]
    base: Option<String>,
}

pub fn run(args: &BuildArgs) -> u8 {
    let (out, base_ref) =
        match (oci::OciRef::parse(&args.out), args.base.as_deref().map(oci::OciRef::parse).transpose()) {
            (Ok(out), Ok(base)) => (out, base),
            (Err(error), _) | (_, Err(error)) => {
                eprintln!("error: {error}");
                return exit::USAGE;
            }
        };
    let plan_path = args.dir.join("layer-plan.json");
    let text = match fs::read_to_string(&plan_path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {plan_path}: {error}");
            return exit::UNREADABLE;
        }
    };
    let plan: LayerPlan = match serde_json::from_str(&text) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {plan_path} is not a layer plan ({LAYER_PLAN_SCHEMA}): {error}");
            return exit::FAILED;
        }
    };
    if plan.schema != LAYER_PLAN_SCHEMA {
        eprintln!("error: {plan_path} is `{}`, not `{LAYER_PLAN_SCHEMA}`", plan.schema);
        return exit::FAILED;
    }
    let blobs = args.dir.join("blobs");
    let tar = match layer::build(&plan, &mut |sha| fs::read(blobs.join(sha))) {
        Ok(tar) => tar,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::FAILED;
        }
    };
    let diff_id = layer::digest(&tar);
    if diff_id != plan.diff_id {
        eprintln!(
            "error: the layer built from {plan_path} is {diff_id}, but the plan says {}; compile again",
            plan.diff_id
        );
        return exit::FAILED;
    }
    let base = match base_ref.as_ref().map(oci::read_base).transpose() {
        Ok(base) => base,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::UNREADABLE;
        }
    };
    let comment = format!("mcc compile: pool {} ({}), {} entries", plan.pool, plan.rendered_config, plan.entries.len());
    let image = oci::Image {
        layer_tar: &tar,
        labels: &plan.labels,
        created: plan.mtime,
        created_by: "mcc build",
        comment: &comment,
        base: base.as_ref(),
    };
    let tag = out.tag.clone().unwrap_or_else(|| "latest".to_string());
    let mut result = None;
    let may_replace = |p: &std::path::Path| oci::is_layout(p) || write::is_empty_dir(p);
    let written = write::replace_dir(&out.path, may_replace, |dir| {
        let written = oci::write_layout(dir, &tag, &image).map_err(std::io::Error::other)?;
        result = Some(written);
        Ok(())
    });
    match (written, result) {
        (Ok(()), Some(w)) => {
            output::emit(&format!(
                "wrote oci:{}:{tag}: manifest {}, layer {} (diff_id {})\n",
                out.path.display(),
                w.manifest_digest,
                w.layer_digest,
                w.diff_id
            ));
            exit::OK
        }
        (Err(error), _) => {
            eprintln!("error: cannot write {}: {error}", out);
            exit::FAILED
        }
        (Ok(()), None) => exit::FAILED,
    }
}
