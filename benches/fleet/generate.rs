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

/// The corpus's MachineConfigs that check clean alone, as JSON trees; only from files of at
/// most `max_file` bytes, when given.
pub fn templates(corpus: &Utf8Path, scratch: &Utf8Path, max_file: Option<u64>) -> Vec<Value> {
    let small_enough = |path: &Utf8Path| {
        max_file.is_none_or(|max| fs::metadata(path).expect("a corpus file has metadata").len() <= max)
    };
    let mut names: Vec<Utf8PathBuf> = corpus
        .read_dir_utf8()
        .expect("the corpus directory is readable")
        .map(|e| e.expect("a readable directory entry").into_path())
        .filter(|p| matches!(p.extension(), Some("yaml" | "yml" | "json")) && small_enough(p))
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

/// A copy of the fleet in `fleet` with every `every`-th MachineConfig changed (a file added to
/// it), the other files copied byte for byte: the new side of a plan. Returns how many changed.
pub fn write_changed(templates: &[Value], fleet: &Utf8Path, out: &Utf8Path, pools: usize, every: usize) -> usize {
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).expect("the changed fleet's directory can be made");
    let mut changed = 0;
    for entry in fleet.read_dir_utf8().expect("the fleet is readable") {
        let path = entry.expect("a fleet entry").into_path();
        let name = path.file_name().expect("a file name");
        let count: Option<usize> =
            name.strip_prefix("mc-").and_then(|n| n.strip_suffix(".yaml")).and_then(|n| n.parse().ok());
        match count.filter(|c| c % every == every / 2) {
            Some(count) => {
                let mut mc = vary(&templates[count % templates.len()], count, &pool_name(count % pools));
                add_file(&mut mc, count);
                fs::write(out.join(name), to_yaml(&mc)).expect("a changed file is writable");
                changed += 1;
            }
            None => drop(fs::copy(&path, out.join(name)).expect("a fleet file can be copied")),
        }
    }
    changed
}

/// The change a pull request makes: one more configuration file in the MachineConfig.
fn add_file(mc: &mut Value, i: usize) {
    let mut file = json!({"path": format!("/etc/fleet-change/v{i}.conf"), "mode": 420, "contents": {"source": "data:,changed%0A"}});
    let config = &mut mc["spec"]["config"];
    if config["ignition"]["version"].is_null() {
        config["ignition"]["version"] = "3.2.0".into();
    }
    // Ignition 2 names the filesystem of every file.
    if config["ignition"]["version"].as_str().is_some_and(|v| v.starts_with('2')) {
        file["filesystem"] = "root".into();
    }
    match config["storage"]["files"].as_array_mut() {
        Some(files) => files.push(file),
        None => config["storage"]["files"] = json!([file]),
    }
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
