//! How a plan looks: a terraform-like text for people, the `mcc.plan/v2` JSON for machines,
//! Markdown for a pull request.
//!
//! A placement has one word everywhere, the JSON's (`Placement::name`): image, etc, var,
//! rebootless, reject.

mod diff;
pub mod markdown;
pub mod ndp;
pub mod summary;

use mcc_compiler::{Action, Blob, Change, ContentDiff, Placement, PoolPlan, PoolStatus, Rollout, Target};
use serde_json::{Value, json};

/// ANSI styles, or nothing when colour is off (the caller decides, for stdout).
pub(crate) struct Paint {
    pub(crate) on: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    pub(crate) fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub(crate) fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// The disruption column, in the policy language's words.
pub(crate) fn disruption(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "none".to_string();
    }
    actions
        .iter()
        .map(|a| match a {
            Action::Special => "reload crio.service (registries.conf)".to_string(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the human view shows beyond the table.
#[derive(Clone, Copy, Default)]
pub struct HumanOptions {
    pub colour: bool,
    /// Each changed file's unified diff (text), or its sizes and digests (binary).
    pub diff: bool,
}

/// The placement column's legend: the same words as the JSON's `placement`.
pub const PLACEMENT_LEGEND: &str = "placement: image (baked into the image), etc (baked into the image's /etc, 3-way merged), \
var (written on the node, /var), rebootless (written on the node, no reboot), reject (no node can hold it)";

const ENTRY_HEADER: &str = "ENTRY";
const PLACEMENT_HEADER: &str = "PLACEMENT";
const ACTION_HEADER: &str = "ON CHANGE";
/// As wide as the widest placement word, `rebootless`.
const PLACEMENT_WIDTH: usize = 10;

pub fn human(plans: &[PoolPlan], target: Target, header: &str, options: HumanOptions) -> String {
    let paint = Paint { on: options.colour };
    let mut out = format!("{}\n\n", paint.bold(header));
    out.push_str("  + add   ~ change   - remove\n");
    out.push_str(&format!("  {PLACEMENT_LEGEND}\n"));
    for plan in plans {
        out.push('\n');
        let from = plan.from.as_deref().unwrap_or("(none)");
        let to = plan.to.as_deref().unwrap_or("(none)");
        out.push_str(&paint.bold(&format!("pool {}: {from} -> {to}\n", plan.pool)));
        for error in &plan.errors {
            out.push_str(&format!("  {} [{}] {}\n", paint.red("error"), error.code, error.message));
        }
        let width = plan.changes.iter().map(|c| entry(c).len()).max().unwrap_or(0).max(ENTRY_HEADER.len());
        let action_width =
            plan.changes.iter().map(|c| action_text(c).len()).max().unwrap_or(0).max(ACTION_HEADER.len());
        if !plan.changes.is_empty() {
            out.push_str(&format!(
                "    {ENTRY_HEADER:<width$}  {PLACEMENT_HEADER:<PLACEMENT_WIDTH$}  {ACTION_HEADER:<action_width$}  (MACHINECONFIGS)\n"
            ));
        }
        for change in &plan.changes {
            out.push_str(&change_line(change, (width, action_width), &paint));
            if options.diff {
                out.push_str(&diff::human(change, &paint));
            }
        }
    }
    out.push('\n');
    for plan in plans {
        out.push_str(&format!("{}\n", summary(plan, target, &paint)));
        if let Some(line) = rollout_line(plan, &paint) {
            out.push_str(&format!("{line}\n"));
        }
    }
    out
}

/// `worker: 12 nodes, maxUnavailable 2: 6 waves, each drains and reboots 2 nodes`, and whether
/// the pool is paused or degraded; only for a pool whose status is known and that changes.
fn rollout_line(plan: &PoolPlan, paint: &Paint) -> Option<String> {
    let rollout = plan.rollout.as_ref()?;
    if plan.effective_changes().next().is_none() || !plan.reconcilable {
        return None;
    }
    let what = match (plan.drain, plan.reboot) {
        (_, true) => "drains and reboots",
        (true, false) => "drains",
        (false, false) => "updates",
    };
    let at_once = rollout.max_unavailable.min(rollout.nodes);
    let mut line = format!(
        "{}: {} nodes, maxUnavailable {}: {} wave{}, each {what} {at_once} node{}",
        plan.pool,
        rollout.nodes,
        rollout.max_unavailable,
        rollout.waves,
        if rollout.waves == 1 { "" } else { "s" },
        if at_once == 1 { "" } else { "s" },
    );
    if rollout.paused {
        line.push_str(&format!("; {}", paint.yellow("the pool is paused: nothing rolls out until it is unpaused")));
    }
    if rollout.degraded {
        line.push_str(&format!(
            "; {}",
            paint.red("the pool is degraded: the rollout may stall until its degraded nodes are fixed")
        ));
    }
    Some(line)
}

/// `file /etc/chrony.conf`, or just `kernelArguments` for a spec field.
pub(crate) fn entry(change: &Change) -> String {
    if change.name == change.kind.name() {
        change.name.clone()
    } else {
        format!("{} {}", change.kind.name(), change.name)
    }
}

/// What a change does on the nodes: its disruption, or "no effect" when a later MachineConfig
/// shadows it.
fn action_text(change: &Change) -> String {
    if change.shadowed_by.is_some() { "no effect".to_string() } else { disruption(&change.actions) }
}

/// One row of the table; `widths` are the entry and on-change columns' (padded before colour).
fn change_line(change: &Change, widths: (usize, usize), paint: &Paint) -> String {
    let entry = entry(change);
    let (width, action_width) = widths;
    let shadowed = change.shadowed_by.is_some();
    let action = action_text(change);
    let action = if change.sources.is_empty() { action } else { format!("{action:<action_width$}") };
    let action = if shadowed {
        action
    } else if change.actions.contains(&Action::Reboot) {
        paint.red(&action)
    } else if change.actions.contains(&Action::Drain) {
        paint.yellow(&action)
    } else {
        paint.green(&action)
    };
    let mut line =
        format!("  {} {entry:<width$}  {:<PLACEMENT_WIDTH$}  {action}", change.op.symbol(), change.placement.name());
    if !change.sources.is_empty() {
        line.push_str(&format!("  ({})", change.sources.join(", ")));
    }
    line.push('\n');
    if let Some(winner) = &change.shadowed_by {
        line.push_str(&format!("      shadowed: {winner} merges later and wins, so this change reaches no node\n"));
    }
    if let Some(reason) = &change.reason {
        line.push_str(&format!("      {reason}\n"));
    }
    if let Some(relocated) = &change.relocation {
        line.push_str(&format!("      relocated: {} -> {}\n", relocated.from, relocated.to));
    }
    line
}

/// `worker: 2 baked into the image, 1 rebootless (reload crio.service); nodes WILL drain and reboot (…)`.
pub(crate) fn summary(plan: &PoolPlan, target: Target, paint: &Paint) -> String {
    if plan.state == PoolStatus::RenderDegraded && plan.to.is_none() {
        return format!(
            "{}: {}",
            plan.pool,
            paint.red("render-degraded: the MCO cannot render this pool, so nothing rolls out (see the errors above)")
        );
    }
    if !plan.reconcilable {
        return format!(
            "{}: {}",
            plan.pool,
            paint.red("CANNOT be applied: the MCO refuses this change (see the errors above)")
        );
    }
    let shadowed = plan.changes.iter().filter(|c| c.shadowed_by.is_some()).count();
    if plan.effective_changes().next().is_none() {
        return match shadowed {
            0 => format!("{}: no changes", plan.pool),
            n => format!("{}: no changes ({n} shadowed by later MachineConfigs)", plan.pool),
        };
    }
    let count = |p: Placement| plan.effective_changes().filter(|c| c.placement == p).count();
    let mut parts = Vec::new();
    let baked = count(Placement::Image) + count(Placement::Etc);
    if baked > 0 && target != Target::Legacy {
        parts.push(format!("{baked} baked into the image"));
    }
    let rebootless = count(Placement::Rebootless);
    if rebootless > 0 {
        let actions: Vec<String> =
            plan.actions.iter().filter(|a| **a != Action::Reboot).map(ToString::to_string).collect();
        let actions = if actions.is_empty() { String::new() } else { format!(" ({})", actions.join(", ")) };
        parts.push(format!("{rebootless} rebootless{actions}"));
    }
    let var = count(Placement::Var);
    if var > 0 {
        parts.push(format!("{var} written on the node"));
    }
    if shadowed > 0 {
        parts.push(format!("{shadowed} shadowed (no effect)"));
    }
    let outcome = match (plan.drain, plan.reboot) {
        (_, true) => {
            let why = plan.reboot_reason.as_ref().map_or(String::new(), |r| format!(" ({r})"));
            paint.red(&format!("nodes WILL {}reboot{why}", if plan.drain { "drain and " } else { "" }))
        }
        (true, false) => paint.yellow("nodes WILL drain, without a reboot"),
        (false, false) => paint.green("nodes will not drain or reboot"),
    };
    format!("{}: {}; {outcome}", plan.pool, if parts.is_empty() { "changes".to_string() } else { parts.join(", ") })
}

fn action_json(action: &Action) -> Value {
    match action {
        Action::Reload(s) | Action::Restart(s) => json!({"type": action.type_name(), "service": s}),
        other => json!({"type": other.type_name()}),
    }
}

fn rollout_json(rollout: &Rollout) -> Value {
    json!({
        "nodes": rollout.nodes,
        "maxUnavailable": rollout.max_unavailable,
        "waves": rollout.waves,
        "paused": rollout.paused,
        "degraded": rollout.degraded,
    })
}

/// The `mcc.plan/v2` document (docs/schemas/plan.schema.json); with `with_diff`, each changed
/// file's unified diff too.
pub fn json(plans: &[PoolPlan], target: Target, with_diff: bool) -> Value {
    let pools: Vec<Value> = plans
        .iter()
        .map(|p| {
            let mut pool = json!({
                "pool": p.pool,
                "from": p.from,
                "to": p.to,
                "state": p.state.name(),
                "reconcilable": p.reconcilable,
                "errors": p.errors.iter().map(|e| json!({"code": e.code, "message": e.message})).collect::<Vec<_>>(),
                "rebuild": p.rebuild,
                "reboot": p.reboot,
                "drain": p.drain,
                "actions": p.actions.iter().map(action_json).collect::<Vec<_>>(),
                "changes": p.changes.iter().map(|c| change_json(c, with_diff)).collect::<Vec<_>>(),
                "rollout": p.rollout.as_ref().map(rollout_json),
            });
            if let Some(build) = &p.machine_os_config {
                pool["machineOSConfig"] = json!({"name": build.name, "op": build.op.name(), "fields": build.fields});
            }
            pool
        })
        .collect();
    json!({"schema": "mcc.plan/v2", "target": target.name(), "pools": pools})
}

fn change_json(c: &Change, with_diff: bool) -> Value {
    let mut change = json!({
        "op": c.op.name(),
        "kind": c.kind.name(),
        "name": c.name,
        "placement": c.placement.name(),
        "actions": c.actions.iter().map(action_json).collect::<Vec<_>>(),
        "rule": c.rule,
        "sources": c.sources,
        "reason": c.reason,
        "shadowedBy": c.shadowed_by,
    });
    if let Some(contents) = &c.contents {
        change["contents"] =
            json!({"old": digest_json(contents.old.as_ref()), "new": digest_json(contents.new.as_ref())});
        if with_diff {
            change["diff"] = match diff::of(c) {
                Some(ContentDiff::Text(text)) => Value::String(text),
                _ => Value::Null,
            };
        }
    }
    if let Some(relocated) = &c.relocation {
        change["relocatedFrom"] = json!(relocated.from);
        change["relocatedTo"] = json!(relocated.to);
    }
    change
}

/// A side's `{sha256, size}`, or null where the file is absent or its contents unknown offline.
fn digest_json(blob: Option<&Blob>) -> Value {
    blob.map_or(Value::Null, |b| json!({"sha256": b.sha256, "size": b.size}))
}
