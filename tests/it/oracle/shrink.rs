//! Shrinking a failing case (drop MachineConfigs, entries and policies while the same class of
//! divergence remains) and printing it as YAML ready to paste into a unit test.

use serde_json::Value;

use crate::oracle::model::{Case, Kind, McModel};

/// The smallest case found that still fails with `class`, trying at most `budget` candidates.
/// After a success the walk goes on from the same position (the candidates before it already
/// failed to shrink), so each pass costs about one try per candidate.
pub fn shrink(case: &Case, class: &str, budget: usize, fails_with: &dyn Fn(&Case) -> Option<String>) -> Case {
    let mut best = case.clone();
    let mut tried = 0;
    loop {
        let mut shrunk = false;
        let mut position = 0;
        while let Some(candidate) = candidates(&best).into_iter().nth(position) {
            if tried == budget {
                return best;
            }
            tried += 1;
            if fails_with(&candidate).as_deref() == Some(class) {
                best = candidate;
                shrunk = true;
            } else {
                position += 1;
            }
        }
        if !shrunk {
            return best;
        }
    }
}

/// Each case one step smaller than `case`.
fn candidates(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    if case.machine_configuration.is_some() {
        out.push(Case { machine_configuration: None, ..case.clone() });
    }
    for side in [Side::Old, Side::New] {
        let mcs = side.of(case);
        for i in 0..mcs.len() {
            out.push(side.with(case, |mcs| {
                mcs.remove(i);
            }));
        }
        for i in 0..mcs.len() {
            for j in 0..mcs[i].files.len() {
                out.push(side.with(case, |mcs| {
                    mcs[i].files.remove(j);
                }));
            }
            for j in 0..mcs[i].units.len() {
                out.push(side.with(case, |mcs| {
                    mcs[i].units.remove(j);
                }));
            }
            out.extend(simpler_specs(&mcs[i]).into_iter().map(|mc| side.with(case, |mcs| mcs[i] = mc.clone())));
        }
    }
    if let Some(policy) = &case.machine_configuration {
        out.extend(
            smaller_policies(policy).into_iter().map(|p| Case { machine_configuration: Some(p), ..case.clone() }),
        );
    }
    out
}

#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

impl Side {
    fn of(self, case: &Case) -> &[McModel] {
        match self {
            Side::Old => &case.old,
            Side::New => &case.new,
        }
    }

    fn with(self, case: &Case, change: impl FnOnce(&mut Vec<McModel>)) -> Case {
        let mut smaller = case.clone();
        change(match self {
            Side::Old => &mut smaller.old,
            Side::New => &mut smaller.new,
        });
        smaller
    }
}

/// The MachineConfig with one spec field or file detail cleared.
fn simpler_specs(mc: &McModel) -> Vec<McModel> {
    let mut out = Vec::new();
    let mut push = |change: &dyn Fn(&mut McModel) -> bool| {
        let mut simpler = mc.clone();
        if change(&mut simpler) {
            out.push(simpler);
        }
    };
    push(&|m| m.ssh_keys.take().is_some());
    push(&|m| !std::mem::take(&mut m.kernel_arguments).is_empty());
    push(&|m| !std::mem::take(&mut m.extensions).is_empty());
    push(&|m| m.kernel_type.take().is_some());
    push(&|m| m.fips.take().is_some());
    push(&|m| m.os_image_url.take().is_some());
    for j in 0..mc.files.len() {
        push(&|m| m.files[j].mode.take().is_some());
        push(&|m| m.files[j].overwrite.take().is_some());
        push(&|m| m.files[j].user.take().is_some());
        push(&|m| m.files[j].group.take().is_some());
    }
    out
}

/// The `MachineConfiguration` with one policy entry fewer.
fn smaller_policies(policy: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let ndp = &policy["spec"]["nodeDisruptionPolicy"];
    for list in ["files", "units"] {
        for i in 0..ndp[list].as_array().map_or(0, Vec::len) {
            let mut smaller = policy.clone();
            if let Some(items) = smaller["spec"]["nodeDisruptionPolicy"][list].as_array_mut() {
                items.remove(i);
            }
            out.push(smaller);
        }
    }
    if ndp.get("sshkey").is_some() {
        let mut smaller = policy.clone();
        if let Some(map) = smaller["spec"]["nodeDisruptionPolicy"].as_object_mut() {
            map.remove("sshkey");
        }
        out.push(smaller);
    }
    out
}

/// The case as YAML documents: the render's inputs, or the plan's two sides.
pub fn to_yaml(case: &Case) -> String {
    let documents = |items: &[Value]| -> String {
        items.iter().map(|item| format!("---\n{}", serde_saphyr::to_string(item).unwrap_or_default())).collect()
    };
    let side = |mcs: &[McModel], with_policy: bool| -> String {
        let list = case.side_list(mcs, with_policy);
        documents(list["items"].as_array().map(Vec::as_slice).unwrap_or_default())
    };
    match case.kind {
        Kind::Render => side(&case.new, false),
        Kind::Plan => format!("# old side\n{}# new side\n{}", side(&case.old, false), side(&case.new, true)),
    }
}
