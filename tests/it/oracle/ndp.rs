//! Generated `MachineConfiguration`s: Node Disruption Policies for the case's own files and units
//! (and others), with every action type and the unusual path spellings the API accepts.

use serde_json::{Value, json};

use crate::oracle::generate::{PATHS, UNITS};
use crate::oracle::model::McModel;
use crate::oracle::rng::Rng;

const SERVICES: &[&str] =
    &["crio.service", "chronyd.service", "site.service", "kubelet.service", "NetworkManager.service"];

pub fn machine_configuration(rng: &mut Rng, old: &[McModel], new: &[McModel]) -> Value {
    let mut paths: Vec<String> = old.iter().chain(new).flat_map(|m| m.files.iter().map(|f| f.path.clone())).collect();
    paths.extend(PATHS.iter().map(|p| p.to_string()));
    let mut units: Vec<String> = old.iter().chain(new).flat_map(|m| m.units.iter().map(|u| u.name.clone())).collect();
    units.extend(UNITS.iter().map(|u| u.to_string()));
    // The API refuses a policy unit name with `@` (its CEL rule `^[a-zA-Z0-9:._\\-]+\..`).
    units.retain(|u| !u.contains('@'));

    let mut file_policies: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..rng.between(0, 4) {
        // The case's own paths are listed first, so they are picked more often.
        let upto = rng.between(1, paths.len());
        let chosen = paths[rng.below(upto)].clone();
        let path = spelling(rng, &chosen);
        if !seen.contains(&path) {
            file_policies.push(json!({"path": path, "actions": actions(rng)}));
            seen.push(path);
        }
    }
    let mut unit_policies: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..rng.between(0, 2) {
        let name = units[rng.below(units.len())].clone();
        if !seen.contains(&name) {
            unit_policies.push(json!({"name": name, "actions": actions(rng)}));
            seen.push(name);
        }
    }
    let mut policy = serde_json::Map::new();
    if !file_policies.is_empty() {
        policy.insert("files".into(), file_policies.into());
    }
    if !unit_policies.is_empty() {
        policy.insert("units".into(), unit_policies.into());
    }
    if rng.chance(30) {
        policy.insert("sshkey".into(), json!({"actions": actions(rng)}));
    }
    json!({
        "apiVersion": "operator.openshift.io/v1",
        "kind": "MachineConfiguration",
        "metadata": {"name": "cluster"},
        "spec": {"managementState": "Managed", "nodeDisruptionPolicy": policy},
    })
}

/// The path as written, or one of the spellings the API accepts for it: a trailing slash, a
/// doubled or `/./` separator, its directory, or `/`.
fn spelling(rng: &mut Rng, path: &str) -> String {
    let directory = path.rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
    match rng.below(12) {
        0 => format!("{path}/"),
        1 => format!("/{path}"),
        2 => path.replacen('/', "/./", 2).replacen("/./", "/", 1),
        3 => path.replacen('/', "//", 2).replacen("//", "/", 1),
        4 | 5 => directory.to_string(),
        6 => format!("{directory}/"),
        7 if rng.chance(30) => "/".to_string(),
        _ => path.to_string(),
    }
}

fn actions(rng: &mut Rng) -> Value {
    let service = |rng: &mut Rng| *rng.pick(SERVICES);
    match rng.below(10) {
        0 => json!([{"type": "Reboot"}]),
        1 => json!([{"type": "None"}]),
        2 => json!([{"type": "Drain"}]),
        3 => json!([{"type": "DaemonReload"}]),
        4 => json!([{"type": "Restart", "restart": {"serviceName": service(rng)}}]),
        5 => json!([{"type": "Reload", "reload": {"serviceName": service(rng)}}]),
        6 => json!([{"type": "Restart", "restart": {"serviceName": service(rng)}}, {"type": "DaemonReload"}]),
        7 => json!([{"type": "Drain"}, {"type": "Reload", "reload": {"serviceName": service(rng)}}]),
        8 => json!([
            {"type": "DaemonReload"},
            {"type": "Restart", "restart": {"serviceName": service(rng)}},
            {"type": "Restart", "restart": {"serviceName": service(rng)}}
        ]),
        _ => {
            json!([{"type": "Reload", "reload": {"serviceName": service(rng)}}, {"type": "Restart", "restart": {"serviceName": service(rng)}}])
        }
    }
}
