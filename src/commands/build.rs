//! `mcc build`: a pool's image as an OCI image layout, from what `mcc compile` wrote.

use std::fs;

use mcc_contract::layer_plan::{LAYER_PLAN_SCHEMA, LayerPlan};
use mcc_runtime::{layer, oci, write};

use crate::args::BuildArgs;
use crate::error::{CliError, Outcome};
use crate::streams;

pub fn run(args: &BuildArgs) -> Result<Outcome, CliError> {
    let (out, base_ref) =
        match (oci::OciRef::parse(&args.out), args.base.as_deref().map(oci::OciRef::parse).transpose()) {
            (Ok(out), Ok(base)) => (out, base),
            (Err(error), _) | (_, Err(error)) => return Err(CliError::Usage(error.to_string())),
        };
    let plan_path = args.dir.join("layer-plan.json");
    let text = fs::read_to_string(&plan_path)
        .map_err(|error| CliError::Unreadable(format!("cannot read {plan_path}: {error}")))?;
    let plan: LayerPlan = serde_json::from_str(&text)
        .map_err(|error| CliError::Failed(format!("{plan_path} is not a layer plan ({LAYER_PLAN_SCHEMA}): {error}")))?;
    if plan.schema != LAYER_PLAN_SCHEMA {
        return Err(CliError::Failed(format!("{plan_path} is `{}`, not `{LAYER_PLAN_SCHEMA}`", plan.schema)));
    }
    let blobs = args.dir.join("blobs");
    let tar = layer::build(&plan, &mut |sha| fs::read(blobs.join(sha)))
        .map_err(|error| CliError::Failed(error.to_string()))?;
    let diff_id = layer::digest(&tar);
    if diff_id != plan.diff_id {
        return Err(CliError::Failed(format!(
            "the layer built from {plan_path} is {diff_id}, but the plan says {}; compile again",
            plan.diff_id
        )));
    }
    let base =
        base_ref.as_ref().map(oci::read_base).transpose().map_err(|error| CliError::Unreadable(error.to_string()))?;
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
            streams::print(&format!(
                "wrote oci:{}:{tag}: manifest {}, layer {} (diff_id {})\n",
                out.path.display(),
                w.manifest_digest,
                w.layer_digest,
                w.diff_id
            ))?;
            Ok(Outcome::Clean)
        }
        (Err(error), _) => Err(CliError::Failed(format!("cannot write {out}: {error}"))),
        (Ok(()), None) => Ok(Outcome::Problems),
    }
}
