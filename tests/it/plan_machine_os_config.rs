//! `mcc plan` and a pool's `MachineOSConfig`: a change to its spec (or the rebuild annotation
//! added) starts an on-cluster build, as the MCO's build controller decides, and the new image
//! drains and reboots the pool's nodes; metadata alone starts nothing.

use std::path::Path;

use serde_json::Value;

use crate::support::mcc;

const EXAMPLE: &str = "examples/image-mode";

/// The image-mode example copied into a directory, its `MachineOSConfig` rewritten by `edit`
/// (or left out when `edit` gives `None`).
fn state(edit: impl Fn(&str) -> Option<String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = crate::support::root().join(EXAMPLE);
    std::fs::copy(example.join("99-worker-chrony.yaml"), dir.path().join("99-worker-chrony.yaml")).unwrap();
    let mosc = std::fs::read_to_string(example.join("machineosconfig.yaml")).unwrap();
    if let Some(mosc) = edit(&mosc) {
        std::fs::write(dir.path().join("machineosconfig.yaml"), mosc).unwrap();
    }
    dir
}

fn worker_plan(old: &Path, new: &Path) -> Value {
    let run = mcc(&["plan", "--from", old.to_str().unwrap(), "--to", new.to_str().unwrap(), "--format", "json"], None);
    let plan = run.json();
    let schema = std::fs::read_to_string(crate::support::root().join("docs/schemas/plan.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&schema).unwrap()).unwrap();
    assert!(schema.is_valid(&plan), "the plan follows mcc.plan/v2\n{plan:#}");
    let pools = plan["pools"].as_array().unwrap();
    pools.iter().find(|p| p["pool"] == "worker").cloned().unwrap_or_else(|| panic!("no worker pool\n{run}"))
}

fn same(mosc: &str) -> Option<String> {
    Some(mosc.to_string())
}

#[test]
fn a_changed_containerfile_rebuilds_drains_and_reboots_the_pool() {
    let old = state(same);
    let new = state(|m| Some(m.replace("install tree", "install tree htop")));
    let worker = worker_plan(old.path(), new.path());
    assert_eq!(
        worker["machineOSConfig"],
        serde_json::json!({"name": "worker", "op": "change", "fields": ["containerFile"]})
    );
    assert_eq!(
        (worker["rebuild"].clone(), worker["reboot"].clone(), worker["drain"].clone()),
        (true.into(), true.into(), true.into())
    );
    let change = &worker["changes"][0];
    assert_eq!(change["kind"], "machineOSConfig");
    assert_eq!(change["op"], "change");
    assert_eq!(change["placement"], "image");
    assert!(change["reason"].as_str().unwrap().contains("containerFile changed"), "{change}");
    // The human plan says so on the pool's line.
    let human = mcc(&["plan", "--from", old.path().to_str().unwrap(), "--to", new.path().to_str().unwrap()], None);
    assert!(human.stdout.contains("machineOSConfig worker"), "{human}");
    assert!(human.stdout.contains("containerFile changed"), "{human}");
}

#[test]
fn each_spec_field_counts_and_metadata_does_not() {
    let old = state(same);
    let push = state(|m| Some(m.replace("os-images:worker", "os-images:worker-2")));
    let worker = worker_plan(old.path(), push.path());
    assert_eq!(worker["machineOSConfig"]["fields"], serde_json::json!(["renderedImagePushSpec"]));
    let secret = state(|m| Some(m.replace("name: push-secret", "name: other-secret")));
    assert_eq!(
        worker_plan(old.path(), secret.path())["machineOSConfig"]["fields"],
        serde_json::json!(["renderedImagePushSecret"])
    );
    // A label and a comment change no spec field: no build, no change, no reboot.
    let labelled = state(|m| {
        Some(m.replace("  name: worker\nspec:", "  name: worker\n  labels:\n    team: os\nspec:") + "# a comment\n")
    });
    let worker = worker_plan(old.path(), labelled.path());
    assert_eq!(worker["machineOSConfig"], Value::Null, "{worker}");
    assert_eq!(worker["changes"], serde_json::json!([]));
    assert_eq!(worker["reboot"], false);
}

#[test]
fn the_rebuild_annotation_added_starts_a_build() {
    let old = state(same);
    let annotated = state(|m| {
        Some(m.replace(
            "  name: worker\nspec:",
            "  name: worker\n  annotations:\n    machineconfiguration.openshift.io/rebuild: \"\"\nspec:",
        ))
    });
    let worker = worker_plan(old.path(), annotated.path());
    assert_eq!(worker["machineOSConfig"]["fields"], serde_json::json!(["machineconfiguration.openshift.io/rebuild"]));
    assert_eq!(worker["reboot"], true);
    // Kept on both sides, it asks for nothing new.
    assert_eq!(worker_plan(annotated.path(), annotated.path())["machineOSConfig"], Value::Null);
}

#[test]
fn adding_or_removing_the_machine_os_config_rebuilds() {
    let (with, without) = (state(same), state(|_| None));
    let added = worker_plan(without.path(), with.path());
    assert_eq!(added["machineOSConfig"], serde_json::json!({"name": "worker", "op": "add", "fields": []}));
    assert_eq!(added["rebuild"], true);
    let removed = worker_plan(with.path(), without.path());
    assert_eq!(removed["machineOSConfig"]["op"], "remove");
    assert_eq!(removed["drain"], true);
    assert!(removed["changes"][0]["reason"].as_str().unwrap().contains("non-layered"), "{removed}");
}
