//! One pool's plan: reconcilability, the diff, the MCO's actions, the drain, and what image mode
//! adds (a rebuild, and so a reboot).

use crate::classify::{Subject, classify};
use crate::codes;
use crate::hash::HashMap;
use crate::ignition::content::decode_data_url;
use crate::plan::actions::{Calculation, always_reboot_reason, calculate, policy_reboot_reason};
use crate::plan::contents::{Contents, FileIndex};
use crate::plan::diff::{Diff, diff, same_content};
use crate::plan::reconcile::{reconcile, unparsable};
use crate::plan::registries::is_safe_change;
use crate::plan::shadowed::shadowed;
use crate::plan::{Change, ChangeKind, Op, PlanError, PoolPlan, PoolState, PoolStatus};
use crate::policy::disruption::{Action, DisruptionPolicy, REGISTRIES_CONF};
use crate::policy::layout::Layout;
use crate::policy::placement::Target;
use crate::source::{Sources, Span};

/// What `Special` means on a node: `systemctl reload crio`.
pub const SPECIAL_SERVICE: &str = "crio.service";

/// Everything one pool's plan depends on.
pub struct Inputs<'a> {
    pub pool: &'a str,
    /// `None`: a first install (a diff against an empty config; reconcilability skipped).
    pub old: Option<&'a PoolState<'a>>,
    /// `None`: the pool was removed (an empty plan).
    pub new: Option<&'a PoolState<'a>>,
    pub layout: &'a Layout,
    /// The merged policy: the release's defaults, site policies, the `MachineConfiguration`.
    pub policy: &'a DisruptionPolicy,
    pub target: Target,
    /// `irreconcilableValidationOverrides.storage`: `Disks`, `FileSystems`, `Raid`.
    pub overrides: &'a [String],
}

/// The plan for one pool, as the MCO would decide it.
pub fn plan_pool(inputs: &Inputs<'_>) -> PoolPlan {
    let mut plan = PoolPlan {
        pool: inputs.pool.to_string(),
        from: inputs.old.map(|s| s.name.clone()),
        to: inputs.new.map(|s| s.name.clone()),
        state: if inputs.new.is_some() { PoolStatus::Rendered } else { PoolStatus::Removed },
        reconcilable: true,
        errors: Vec::new(),
        rebuild: false,
        reboot: false,
        drain: false,
        actions: Vec::new(),
        changes: Vec::new(),
        reboot_reason: None,
        rollout: None,
        machine_os_config: None,
    };
    let Some(new) = inputs.new else {
        return plan;
    };
    let empty = empty_state();
    let old = inputs.old.unwrap_or(&empty);
    if inputs.old.is_some() {
        if same_content(old, new) {
            plan.changes = shadowed_changes(inputs, old, new, &Diff::default());
            // The render controller checks the pool's current config against the rendered one on
            // every sync (`IsRenderedConfigReconcilable`), changed or not: a current config it
            // cannot parse, or whose files it refuses (`append`, the force file), keeps the pool
            // RenderDegraded though nothing changes.
            plan.errors = reconcile(old, new, inputs.overrides);
            return refused(plan);
        }
        plan.errors = reconcile(old, new, inputs.overrides);
    } else {
        // A first install: Ignition itself refuses the config on the nodes' first boot.
        plan.errors.extend(unparsable(new, "new"));
    }
    plan = refused(plan);
    let d = diff(old, new);
    let calc = calculate(&d, inputs.policy);
    let (mut changes, baked) = changes(inputs, old, new, &d, &calc);
    // After `baked` is decided: a shadowed change rebuilds nothing.
    changes.extend(shadowed_changes(inputs, old, new, &d));
    plan.changes = changes;
    if !plan.reconcilable {
        // The MCO refuses the update: nothing happens to the nodes.
        return plan;
    }

    plan.rebuild = inputs.target != Target::Legacy && baked.iter().any(|b| *b);
    // A new image is an OS update, which the MCO always reboots for.
    let actions = if plan.rebuild { vec![Action::Reboot] } else { calc.actions.clone() };
    plan.reboot = actions.contains(&Action::Reboot);
    plan.drain = if actions.iter().any(|a| matches!(a, Action::Reboot | Action::Drain)) {
        true
    } else if actions.contains(&Action::Special) {
        match registries_change_is_safe(old, new) {
            Ok(safe) => !safe,
            Err(message) => {
                plan.errors.push(PlanError { code: codes::REGISTRIES_CONF_INVALID.code, message });
                return plan;
            }
        }
    } else {
        false
    };
    plan.actions = actions
        .into_iter()
        .map(|a| if a == Action::Special { Action::Reload(SPECIAL_SERVICE.into()) } else { a })
        .collect();
    if plan.reboot {
        plan.reboot_reason = plan
            .changes
            .iter()
            .find_map(|c| {
                let reason = c.reason.as_ref()?;
                Some(match c.sources.last() {
                    Some(mc) => format!("{mc}: {reason}"),
                    None => reason.clone(),
                })
            })
            .or(calc.reboot_cause);
    }
    plan
}

/// The changes a later MachineConfig shadows, placed as their path, unit or field is.
fn shadowed_changes(inputs: &Inputs<'_>, old: &PoolState, new: &PoolState, d: &Diff) -> Vec<Change> {
    let mut changes = shadowed(old, new, d);
    for change in &mut changes {
        let subject = match change.kind {
            ChangeKind::Unit => Subject::Unit(change.name.clone()),
            ChangeKind::KernelType => Subject::KernelType,
            ChangeKind::OsImageUrl => Subject::OsImage,
            _ => Subject::Path(change.name.clone()),
        };
        change.placement = classify(&subject, inputs.layout, inputs.policy, inputs.target).placement;
    }
    changes
}

/// A plan with reconcilability errors is refused by the render controller: RenderDegraded.
fn refused(mut plan: PoolPlan) -> PoolPlan {
    plan.reconcilable = plan.errors.is_empty();
    if !plan.reconcilable {
        plan.state = PoolStatus::RenderDegraded;
    }
    plan
}

/// The state before a first install: nothing at all.
fn empty_state() -> PoolState<'static> {
    PoolState {
        name: String::new(),
        config: Default::default(),
        kernel_arguments: Vec::new(),
        extensions: Vec::new(),
        kernel_type: "default".into(),
        fips: false,
        os_image_url: String::new(),
        sources: Default::default(),
        definitions: None,
    }
}

/// A calculation's per-file or per-unit actions by path or name, the first of each.
type PerName<'c> = HashMap<&'c str, &'c (String, Vec<Action>, Option<Span>)>;

fn first_by_name(list: &[(String, Vec<Action>, Option<Span>)]) -> PerName<'_> {
    let mut by_name = HashMap::with_capacity_and_hasher(list.len(), Default::default());
    for entry in list {
        by_name.entry(entry.0.as_str()).or_insert(entry);
    }
    by_name
}

/// One [`Change`] per changed file, directory or link, unit, passwd and spec field, in that
/// order; and for each, whether image mode bakes it (a change to it rebuilds the image).
#[expect(
    clippy::too_many_lines,
    reason = "files, units, passwd and spec fields in the order the plan lists them, one section each"
)]
fn changes(
    inputs: &Inputs<'_>,
    old: &PoolState,
    new: &PoolState,
    d: &Diff,
    calc: &Calculation,
) -> (Vec<Change>, Vec<bool>) {
    let mut out: Vec<(Change, bool)> = Vec::new();
    let sources = |op: Op, entry: &str| if op == Op::Remove { old.sources_of(entry) } else { new.sources_of(entry) };
    let image_mode = inputs.target != Target::Legacy;
    let (old_files, new_files) = (FileIndex::new(&old.config), FileIndex::new(&new.config));

    {
        let mut entry = |op: Op,
                         kind: ChangeKind,
                         name: &str,
                         subject: Subject,
                         own: Option<&(String, Vec<Action>, Option<Span>)>| {
            let c = classify(&subject, inputs.layout, inputs.policy, inputs.target);
            let baked = image_mode && !c.node_side;
            let actions = own.map(|(_, a, _)| a.clone()).unwrap_or_default();
            let mut reason = own.and_then(|(_, a, rule)| policy_reboot_reason(name, a, rule.is_some()));
            if reason.is_none() && baked {
                let path = subject.path().unwrap_or_else(|| name.to_string());
                reason = Some(if actions.is_empty() {
                    format!("image mode bakes {path} into the image: a change rebuilds and reboots")
                } else {
                    format!(
                        "image mode bakes {path} into the image: a change rebuilds and reboots, although its policy is {}",
                        actions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    )
                });
            }
            let contents =
                (kind == ChangeKind::File).then(|| Contents { old: old_files.blob(name), new: new_files.blob(name) });
            let change = Change {
                op,
                kind,
                name: name.to_string(),
                placement: c.placement,
                actions,
                rule: None,
                sources: sources(op, name),
                reason,
                relocation: None,
                shadowed_by: None,
                contents,
            };
            out.push((change, baked));
        };

        // Each change's own actions by path or name (the first, as a scan would find): a scan of
        // the calculation for each change cost changes².
        let (per_file, per_unit) = (first_by_name(&calc.per_file), first_by_name(&calc.per_unit));
        for (path, op, kind) in &d.files {
            // Only files are in the MCO's changed-file set; directories and links get no actions.
            let own = (*kind == ChangeKind::File).then(|| per_file.get(path.as_str()).copied()).flatten();
            entry(*op, *kind, path, Subject::Path(path.clone()), own);
        }
        for (name, op) in &d.units {
            let own = per_unit.get(name.as_str()).copied();
            entry(*op, ChangeKind::Unit, name, Subject::Unit(name.clone()), own);
        }
    }

    if let Some(actions) = &calc.passwd {
        let op = list_op(old.config.passwd.users.is_empty(), new.config.passwd.users.is_empty());
        let subject = Subject::Passwd("core".into());
        let c = classify(&subject, inputs.layout, inputs.policy, inputs.target);
        let entry = "sshkey:core";
        out.push((
            Change {
                op,
                kind: ChangeKind::Passwd,
                name: "core".into(),
                placement: c.placement,
                actions: actions.clone(),
                rule: None,
                sources: sources(op, entry),
                reason: actions.contains(&Action::Reboot).then(|| "the sshkey disruption policy is reboot".into()),
                relocation: None,
                shadowed_by: None,
                contents: None,
            },
            image_mode && !c.node_side,
        ));
    }

    let first_install = inputs.old.is_none();
    let scalar = if first_install { Op::Add } else { Op::Change };
    let spec = [
        (
            d.kargs,
            ChangeKind::KernelArguments,
            "kargs",
            Subject::KernelArguments,
            list_op(old.kernel_arguments.is_empty(), new.kernel_arguments.is_empty()),
        ),
        (
            d.extensions,
            ChangeKind::Extensions,
            "extensions",
            Subject::Extensions,
            list_op(old.extensions.is_empty(), new.extensions.is_empty()),
        ),
        (d.kernel_type, ChangeKind::KernelType, "kernelType", Subject::KernelType, scalar),
        (d.os_update, ChangeKind::OsImageUrl, "osImageURL", Subject::OsImage, scalar),
        (d.fips, ChangeKind::Fips, "fips", Subject::Fips, if new.fips { Op::Add } else { Op::Remove }),
    ];
    for (changed, kind, entry, subject, op) in spec {
        if !changed {
            continue;
        }
        let c = classify(&subject, inputs.layout, inputs.policy, inputs.target);
        out.push((
            Change {
                op,
                kind,
                name: kind.name().to_string(),
                placement: c.placement,
                actions: vec![Action::Reboot],
                rule: None,
                sources: sources(op, entry),
                reason: Some(always_reboot_reason(kind)),
                relocation: None,
                shadowed_by: None,
                contents: None,
            },
            image_mode && !c.node_side,
        ));
    }
    out.into_iter().unzip()
}

/// Add from nothing, remove to nothing, else change.
fn list_op(old_empty: bool, new_empty: bool) -> Op {
    match (old_empty, new_empty) {
        (true, false) => Op::Add,
        (false, true) => Op::Remove,
        _ => Op::Change,
    }
}

/// `isSafeContainerRegistryConfChanges` on the two sides' registries.conf.
fn registries_change_is_safe(old: &PoolState, new: &PoolState) -> Result<bool, String> {
    let old = registries_text(old)?;
    let new = registries_text(new)?;
    is_safe_change(old.as_deref(), new.as_deref())
}

/// `GetIgnitionFileDataByPath`: the first registries.conf with a source, its data URL decoded
/// (and, as in the MCO, not decompressed); `None` when there is none.
pub fn registries_text(state: &PoolState) -> Result<Option<String>, String> {
    let Some(source) = state
        .config
        .storage
        .files
        .iter()
        .filter(|f| f.node.path.value == REGISTRIES_CONF)
        .find_map(|f| f.contents.source.as_ref())
    else {
        return Ok(None);
    };
    let data = decode_data_url(&source.value)
        .map_err(|e| format!("failed decoding Data URL scheme string of {REGISTRIES_CONF}: {e}"))?;
    String::from_utf8(data.bytes)
        .map(Some)
        .map_err(|_| format!("failed decoding TOML content from file {REGISTRIES_CONF}: it is not UTF-8 text"))
}

/// The span of the disruption rule a change matched, if any (the caller formats locations).
pub fn rule_span(change: &Change, policy: &DisruptionPolicy) -> Option<Span> {
    match change.kind {
        ChangeKind::File => policy.match_file(&change.name).map(|r| r.span),
        ChangeKind::Unit => policy.match_unit(&change.name).map(|r| r.span),
        ChangeKind::Passwd => policy.sshkey.as_ref().map(|r| r.span),
        _ => None,
    }
}

/// Fills every change's `rule` with the `file:line:column` of its disruption rule.
pub fn fill_rules(plan: &mut PoolPlan, policy: &DisruptionPolicy, sources: &Sources) {
    for change in &mut plan.changes {
        change.rule = rule_span(change, policy).map(|span| crate::graph::location(sources, span));
    }
}
