//! `--relocate` on the command line: the plan, layer plan and explanation of a relocated entry,
//! each against its JSON contract, on `examples/relocate`.

use serde_json::Value;

use crate::apply_support::BASE_IMAGE;
use crate::support::{mcc, root};

const EXAMPLE: &str = "examples/relocate";

fn validate(schema: &str, instance: &Value) {
    let text = std::fs::read_to_string(root().join("docs/schemas").join(schema)).unwrap();
    let validator = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{schema}:\n{}", errors.join("\n"));
}

#[test]
fn the_plan_shows_both_paths_of_a_relocated_change() {
    let run =
        mcc(&["plan", "--to", EXAMPLE, "--relocate", "all", "--base-image", BASE_IMAGE, "--format", "json"], None);
    let plan = run.json();
    validate("plan.schema.json", &plan);
    let changes = plan["pools"][0]["changes"].as_array().unwrap();
    let forward = changes.iter().find(|c| c["name"] == "/etc/sysctl.d/forward.conf").expect("the sysctl change");
    assert_eq!(forward["placement"], "image");
    assert_eq!(forward["relocatedFrom"], "/etc/sysctl.d/forward.conf");
    assert_eq!(forward["relocatedTo"], "/usr/lib/sysctl.d/forward.conf");
    let chrony = changes.iter().find(|c| c["name"] == "/etc/chrony.conf").expect("the chrony change");
    assert!(chrony.get("relocatedFrom").is_none() && chrony["placement"] == "etc", "{chrony:#}");

    let human = mcc(&["plan", "--to", EXAMPLE, "--relocate", "all", "--base-image", BASE_IMAGE], None);
    assert!(
        human
            .stdout
            .contains("relocated: /etc/systemd/system/kubelet.service -> /usr/lib/systemd/system/kubelet.service"),
        "{human}"
    );
    let plain = mcc(&["plan", "--to", EXAMPLE, "--base-image", BASE_IMAGE], None);
    assert!(!plain.stdout.contains("relocated"), "the default moves nothing: {plain}");
}

#[test]
fn the_layer_plan_of_a_relocating_compile_matches_its_schema() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    mcc(&["compile", EXAMPLE, "--out", dir, "--base-image", BASE_IMAGE, "--relocate", "mco"], None).expect_code(0);
    let plan: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("worker/layer-plan.json")).unwrap()).unwrap();
    validate("layer-plan.schema.json", &plan);
    let unit =
        plan["entries"].as_array().unwrap().iter().find(|e| e["path"] == "/usr/lib/systemd/system/kubelet.service");
    assert_eq!(unit.expect("kubelet.service in /usr")["relocatedFrom"], "/etc/systemd/system/kubelet.service");
}

#[test]
fn explain_names_the_rule_that_moved_an_entry_or_why_none_did() {
    let run = mcc(&["explain", EXAMPLE, "--entry", "kubelet.service", "--relocate", "mco", "--format", "json"], None);
    let entry = &run.json()["entries"][0];
    assert_eq!(entry["placement"], "image");
    assert_eq!(entry["resolved_path"], "/usr/lib/systemd/system/kubelet.service");
    assert_eq!(entry["relocated_from"], "/etc/systemd/system/kubelet.service");
    assert!(entry["relocated_by"]["at"].as_str().unwrap().starts_with("stdlib/layout/relocate.mcc:"), "{entry:#}");

    let run = mcc(&["explain", EXAMPLE, "--entry", "/etc/sysctl.d/99-site-hugepages.conf", "--relocate", "mco"], None);
    assert!(
        run.stdout
            .contains("not relocated: a relocate rule would move it to `/usr/lib/sysctl.d/99-site-hugepages.conf`"),
        "{run}"
    );

    let run = mcc(&["explain", EXAMPLE, "--entry", "kubelet.service", "--format", "json"], None);
    let entry = &run.json()["entries"][0];
    assert!(entry.get("relocated_from").is_none() && entry.get("relocation_note").is_none(), "{entry:#}");
}

#[test]
fn an_unknown_mode_is_a_usage_error() {
    let run = mcc(&["compile", EXAMPLE, "--out", "/nonexistent", "--relocate", "some"], None);
    run.expect_code(64);
    assert!(run.stderr.contains("the modes are `none`, `mco` and `all`"), "{run}");
}

#[test]
fn check_and_graph_take_relocate_with_the_same_default_and_meaning() {
    let lint = |extra: &[&str]| {
        let mut args = vec!["check", EXAMPLE, "--format", "json"];
        args.extend(extra);
        let run = mcc(&args, None);
        crate::support::diagnostics(&run.json()).iter().filter(|d| d["code"] == "MCC6006").count()
    };
    // MCC6006 warns about what a rule could move and `--relocate` keeps in /etc.
    let default = lint(&[]);
    assert!(default > 0, "the default moves nothing");
    assert_eq!(lint(&["--relocate", "none"]), default);
    assert!(lint(&["--relocate", "mco"]) < default);
    assert_eq!(lint(&["--relocate", "all"]), 0);

    let resolved = |extra: &[&str]| {
        let mut args = vec!["graph", EXAMPLE, "--format", "json"];
        args.extend(extra);
        mcc(&args, None).expect_code(0).stdout.contains("\"resolvedPath\": \"/usr/lib/systemd/system/kubelet.service\"")
    };
    assert!(!resolved(&[]), "the default moves nothing");
    assert!(resolved(&["--relocate", "mco"]));
    let run = mcc(&["graph", EXAMPLE, "--relocate", "some"], None);
    run.expect_code(64);
    assert!(run.stderr.contains("the modes are `none`, `mco` and `all`"), "{run}");
}
