//! The fleet generator: N MB of realistic MachineConfigs made from the shared real corpus.
//!
//! Every MachineConfig of the corpus that checks without an error on its own is a template;
//! copies are renamed (`fleet-<i>-<name>`), spread over a fixed number of custom pools, and
//! varied (each copy's files and links get their own names), so a pool's entry count grows with
//! the fleet as it does in a real cluster. One MachineConfig a file, written as block YAML.

use std::fs;

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::load::InputPath;
use mcc_compiler::load::yaml;
use mcc_compiler::source::Sources;
use mcc_compiler::{PolicyOptions, RenderOptions};
use serde_json::{Value, json};

const ROLE: &str = "machineconfiguration.openshift.io/role";

/// The corpus's MachineConfigs that check clean alone, as JSON trees.
pub fn templates(corpus: &Utf8Path, scratch: &Utf8Path) -> Vec<Value> {
    let mut names: Vec<Utf8PathBuf> = corpus
        .read_dir_utf8()
        .expect("the corpus directory is readable")
        .map(|e| e.expect("a readable directory entry").into_path())
        .filter(|p| matches!(p.extension(), Some("yaml" | "yml" | "json")))
        .collect();
    names.sort();
    let mut templates = Vec::new();
    for path in names {
        let text = fs::read_to_string(&path).expect("a corpus file is UTF-8");
        let mut sources = Sources::default();
        let id = sources.add(path.clone(), &text);
        for document in yaml::parse_documents(id, &text, &mut Vec::new()) {
            let mc = document.root.to_json();
            if mc["kind"] == "MachineConfig" && checks_clean(&mc, scratch) {
                templates.push(mc);
            }
        }
    }
    templates
}

fn checks_clean(mc: &Value, scratch: &Utf8Path) -> bool {
    let path = scratch.join("template.yaml");
    fs::write(&path, to_yaml(&vary(mc, 0, "worker"))).expect("the scratch directory is writable");
    let mut stdin = || Ok(String::new());
    let mut c = mcc_compiler::load(&[InputPath::Path(path)], &[], &mut stdin);
    mcc_compiler::analyze(&mut c, &RenderOptions::default(), &PolicyOptions::default(), None);
    c.count(mcc_compiler::diagnostic::Severity::Error) == 0
}

/// Writes MachineConfigs into `out` (emptied first) until they hold `bytes`, plus the pools;
/// returns how many MachineConfigs were written.
pub fn write_fleet(templates: &[Value], out: &Utf8Path, bytes: usize, pools: usize) -> usize {
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).expect("the fleet directory can be made");
    let pool_docs: Vec<String> = (0..pools).map(|k| to_yaml(&pool(&pool_name(k)))).collect();
    fs::write(out.join("pools.yaml"), pool_docs.join("---\n")).expect("pools.yaml is writable");
    let (mut written, mut count) = (0, 0);
    while written < bytes {
        let template = &templates[count % templates.len()];
        let text = to_yaml(&vary(template, count, &pool_name(count % pools)));
        written += text.len();
        fs::write(out.join(format!("mc-{count:06}.yaml")), text).expect("a fleet file is writable");
        count += 1;
    }
    count
}

fn pool_name(k: usize) -> String {
    format!("fleet-{k}")
}

fn pool(name: &str) -> Value {
    json!({
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfigPool",
        "metadata": {"name": name},
        "spec": {
            "machineConfigSelector": {"matchLabels": {ROLE: name}},
            "nodeSelector": {"matchLabels": {format!("node-role.kubernetes.io/{name}"): ""}},
        },
    })
}

/// Copy `i` of a template: renamed, in `pool`, its files and links named after the copy.
fn vary(template: &Value, i: usize, pool: &str) -> Value {
    let mut mc = template.clone();
    let name = mc["metadata"]["name"].as_str().unwrap_or("mc").to_string();
    mc["metadata"] = json!({"name": format!("fleet-{i}-{name}"), "labels": {ROLE: pool}});
    // A realtime kernel refuses some extensions another template installs: kept out so every
    // pool renders.
    if let Some(spec) = mc["spec"].as_object_mut() {
        spec.remove("kernelType");
    }
    for kind in ["files", "links"] {
        if let Some(entries) = mc["spec"]["config"]["storage"][kind].as_array_mut() {
            for entry in entries {
                if let Some(path) = entry["path"].as_str() {
                    entry["path"] = renamed(path, i).into();
                }
            }
        }
    }
    mc
}

/// `/etc/dir/name` → `/etc/dir/v<i>-name`: the same directory, so the same placement rules.
fn renamed(path: &str, i: usize) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) if i > 0 => format!("{dir}/v{i}-{name}"),
        _ => path.to_string(),
    }
}

fn to_yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).expect("a JSON tree serializes as YAML")
}
