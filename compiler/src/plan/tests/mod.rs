//! `mcc plan`'s decisions (`spec/mco.md` §3, §4; image mode from `spec/image-mode.md`), one test
//! per rule, named after it, with the MCO's own examples where the spec gives them.

use base64::Engine as _;

use crate::load::reader::Spanned;
use crate::plan::actions::{calculate, combine};
use crate::plan::decide::{Inputs, fill_rules, plan_pool};
use crate::plan::diff::{Diff, diff};
use crate::plan::reconcile::reconcile;
use crate::plan::registries::is_safe_change;
use crate::plan::{ChangeKind, Op, PoolPlan, PoolState};
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, SshKeyRule, UnitRule};
use crate::policy::placement::{Placement, Target};
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::source::{Sources, Span};
use crate::testing::{load, mc};

mod actions;
mod diff;
mod image_mode;
mod reconcile;
mod registries;
mod same;
mod scaling;
mod shadowed;

fn policies_for(profile: Profile, ocp: &str) -> (Policies, Sources) {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let policies = stdlib::load(profile, OcpVersion::parse(ocp).unwrap(), &mut sources, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    (policies, sources)
}

fn policies(ocp: &str) -> Policies {
    policies_for(Profile::Rhcos, ocp).0
}

/// The worker pool rendered from these MachineConfigs (the state borrows them: they are kept
/// to the end of the test run).
fn state(mcs: &[String]) -> PoolState<'static> {
    let docs: Vec<&str> = mcs.iter().map(String::as_str).collect();
    let loaded = Box::leak(Box::new(load(&docs)));
    let pool = Box::leak(Box::new(loaded.pool("worker")));
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity() == crate::diagnostic::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let loaded: &'static _ = loaded;
    PoolState::from_rendered(pool, &loaded.inputs)
}

/// A worker MachineConfig whose Ignition config (3.3.0) has `body`, indented at four spaces.
fn ign(name: &str, body: &str) -> String {
    mc(name, Some("worker"), &format!("  config:\n    ignition: {{version: 3.3.0}}\n{body}"))
}

/// A worker MachineConfig writing files; each content is a data URL payload (URL-safe text).
fn files(name: &str, entries: &[(&str, &str)]) -> String {
    let mut body = "    storage:\n      files:\n".to_string();
    for (path, data) in entries {
        body += &format!("      - {{path: '{path}', contents: {{source: 'data:,{data}'}}}}\n");
    }
    ign(name, &body)
}

/// A worker MachineConfig writing one file with arbitrary text (as base64).
fn text_file(name: &str, path: &str, text: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    ign(
        name,
        &format!(
            "    storage:\n      files:\n      - {{path: '{path}', contents: {{source: 'data:text/plain;charset=utf-8;base64,{data}'}}}}\n"
        ),
    )
}

fn units(name: &str, yaml: &str) -> String {
    ign(name, &format!("    systemd:\n      units:\n{yaml}"))
}

fn spec(name: &str, yaml: &str) -> String {
    mc(name, Some("worker"), yaml)
}

const BASE: &str = "00-worker-base";

fn base() -> String {
    files(BASE, &[("/etc/base", "base")])
}

fn plan_with(
    old: Option<&PoolState>,
    new: Option<&PoolState>,
    p: &Policies,
    target: Target,
    overrides: &[String],
) -> PoolPlan {
    plan_pool(&Inputs { pool: "worker", old, new, layout: &p.layout, policy: &p.disruption, target, overrides })
}

/// The plan of old → new under the newest defaults, RHCOS, for `target`.
fn plan(old: &PoolState, new: &PoolState, target: Target) -> PoolPlan {
    plan_with(Some(old), Some(new), &policies("4.22"), target, &[])
}

fn codes(errors: &[crate::plan::PlanError]) -> Vec<&'static str> {
    errors.iter().map(|e| e.code).collect()
}

fn messages(errors: &[crate::plan::PlanError]) -> Vec<String> {
    errors.iter().map(|e| e.message.clone()).collect()
}

fn span() -> Span {
    let mut sources = Sources::default();
    Span::new(sources.add("site.yaml", "x"), 0, 1)
}

fn unit_rule(name: &str, actions: &[Action], origin: Origin) -> UnitRule {
    UnitRule {
        name: Spanned::new(name.into(), span()),
        actions: actions.iter().map(|a| Spanned::new(a.clone(), span())).collect(),
        span: span(),
        origin,
    }
}

fn file_rule(path: &str, actions: &[Action], origin: Origin) -> FileRule {
    FileRule {
        path: Spanned::new(path.into(), span()),
        actions: actions.iter().map(|a| Spanned::new(a.clone(), span())).collect(),
        span: span(),
        origin,
    }
}

fn reload(s: &str) -> Action {
    Action::Reload(s.into())
}

fn restart(s: &str) -> Action {
    Action::Restart(s.into())
}

/// A diff in which these files changed.
fn files_changed(paths: &[&str]) -> Diff {
    Diff { files: paths.iter().map(|p| (p.to_string(), Op::Change, ChangeKind::File)).collect(), ..Diff::default() }
}

fn actions_for(ocp: &str, paths: &[&str]) -> Vec<Action> {
    calculate(&files_changed(paths), &policies(ocp).disruption).actions
}

/// Storage sections the MCO never reconciles.
const DISK: &str = "    storage:\n      disks:\n      - {device: /dev/sdb, wipeTable: true}\n";
const FILESYSTEM: &str =
    "    storage:\n      filesystems:\n      - {device: /dev/sdb1, format: xfs, path: /var/lib/data}\n";
const RAID: &str = "    storage:\n      raid:\n      - {name: data, level: raid1, devices: [/dev/sdb, /dev/sdc]}\n";
