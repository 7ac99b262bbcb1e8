//! How a plan looks: a terraform-like text for people, the `mcc.plan/v2` JSON for machines.

use mcc_compiler::{Action, Change, ContentDigest, Placement, PoolPlan, PoolStatus, Rollout, Target};
use serde_json::{Value, json};

/// ANSI styles, or nothing when colour is off (the caller decides, for stdout).
struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// The placement column: where the entry lives on an image-mode node.
fn placement(p: Placement) -> &'static str {
    match p {
        Placement::Image => "image",
        Placement::Etc => "/etc",
        Placement::Var => "/var",
        Placement::Rebootless => "node",
        Placement::Reject => "reject",
    }
}

/// The disruption column, in the policy language's words.
fn disruption(actions: &[Action]) -> String {
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

pub fn human(plans: &[PoolPlan], target: Target, header: &str, colour: bool) -> String {
    let paint = Paint { on: colour };
    let mut out = format!("{}\n\n", paint.bold(header));
    out.push_str("  + add   ~ change   - remove\n");
    out.push_str("  placement: image (baked), /etc (baked, 3-way merged), /var (written on the node), node (written on the node, rebootless)\n");
    for plan in plans {
        out.push('\n');
        let from = plan.from.as_deref().unwrap_or("(none)");
        let to = plan.to.as_deref().unwrap_or("(none)");
        out.push_str(&paint.bold(&format!("pool {}: {from} -> {to}\n", plan.pool)));
        for error in &plan.errors {
            out.push_str(&format!("  {} [{}] {}\n", paint.red("error"), error.code, error.message));
        }
        let width = plan.changes.iter().map(|c| entry(c).len()).max().unwrap_or(0);
        for change in &plan.changes {
            out.push_str(&change_line(change, width, &paint));
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
fn entry(change: &Change) -> String {
    if change.name == change.kind.name() {
        change.name.clone()
    } else {
        format!("{} {}", change.kind.name(), change.name)
    }
}

fn change_line(change: &Change, width: usize, paint: &Paint) -> String {
    let entry = entry(change);
    let action = disruption(&change.actions);
    let action = if change.shadowed_by.is_some() {
        "no effect".to_string()
    } else if change.actions.contains(&Action::Reboot) {
        paint.red(&action)
    } else if change.actions.contains(&Action::Drain) {
        paint.yellow(&action)
    } else {
        paint.green(&action)
    };
    let mut line = format!("  {} {entry:<width$}  {:<6}  {action}", change.op.symbol(), placement(change.placement),);
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
fn summary(plan: &PoolPlan, target: Target, paint: &Paint) -> String {
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

fn digest_json(digest: Option<&ContentDigest>) -> Value {
    digest.map_or(Value::Null, |d| json!({"sha256": d.sha256, "size": d.size}))
}

fn change_json(c: &Change) -> Value {
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
    }
    if let Some(relocated) = &c.relocation {
        change["relocatedFrom"] = json!(relocated.from);
        change["relocatedTo"] = json!(relocated.to);
    }
    change
}

/// The `mcc.plan/v2` document (docs/schemas/plan.schema.json).
pub fn json(plans: &[PoolPlan], target: Target) -> Value {
    let pools: Vec<Value> = plans
        .iter()
        .map(|p| {
            json!({
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
                "changes": p.changes.iter().map(change_json).collect::<Vec<_>>(),
                "rollout": p.rollout.as_ref().map(rollout_json),
            })
        })
        .collect();
    json!({"schema": "mcc.plan/v2", "target": target.name(), "pools": pools})
}
