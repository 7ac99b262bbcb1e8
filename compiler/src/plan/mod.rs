//! Stage 8, plan: what a change from one state to another does to a pool's nodes, decided as
//! the MCO decides it (`spec/mco.md` §3, §4), plus what image mode adds (a rebuild).
//!
//! A side of the plan is a [`PoolState`]: a pool's rendered config, whether mcc rendered it from
//! MachineConfigs or read it from a cluster export (`oc get mc rendered-worker-… -o yaml`).

use std::borrow::Cow;

use crate::ignition::types::Ignition;
use crate::policy::disruption::Action;
use crate::policy::placement::Placement;

/// One side of a plan for one pool, borrowing the rendering or the export it was made from: a
/// fleet's configs and MachineConfigs are not copied to be compared.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolState<'a> {
    /// `rendered-<pool>-<hash>`, or the exported object's name.
    pub name: String,
    pub config: Cow<'a, Ignition>,
    pub kernel_arguments: Vec<String>,
    pub extensions: Vec<String>,
    /// Canonical: `default`, `realtime` or `64k-pages`.
    pub kernel_type: String,
    pub fips: bool,
    pub os_image_url: String,
    /// Per entry (as `graph::describe` names it), the MachineConfigs that define it, in override
    /// order; empty for a cluster export, which does not say.
    pub sources: indexmap::IndexMap<String, Vec<String>>,
    /// Each MachineConfig's own definition of every path and unit, in merge order, to find
    /// shadowed changes; `None` for a cluster export (and before a first install), which does
    /// not say.
    pub definitions: Option<shadowed::Definitions<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    Add,
    Change,
    Remove,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Change => "change",
            Op::Remove => "remove",
        }
    }

    pub fn symbol(self) -> char {
        match self {
            Op::Add => '+',
            Op::Change => '~',
            Op::Remove => '-',
        }
    }
}

/// What changed, in the plan's JSON vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    File,
    Directory,
    Link,
    Unit,
    Passwd,
    KernelArguments,
    Extensions,
    KernelType,
    OsImageUrl,
    Fips,
    /// The pool's `MachineOSConfig`: a new on-cluster build.
    MachineOsConfig,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::File => "file",
            ChangeKind::Directory => "directory",
            ChangeKind::Link => "link",
            ChangeKind::Unit => "unit",
            ChangeKind::Passwd => "passwd",
            ChangeKind::KernelArguments => "kernelArguments",
            ChangeKind::Extensions => "extensions",
            ChangeKind::KernelType => "kernelType",
            ChangeKind::OsImageUrl => "osImageURL",
            ChangeKind::Fips => "fips",
            ChangeKind::MachineOsConfig => "machineOSConfig",
        }
    }
}

/// One changed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub op: Op,
    pub kind: ChangeKind,
    /// A path, a unit name, `core` (passwd), or the spec field's name.
    pub name: String,
    pub placement: Placement,
    /// What the change's own policy says (before the pool's combination rules).
    pub actions: Vec<Action>,
    /// `file:line:column` of the disruption rule that matched, if any.
    pub rule: Option<String>,
    /// The MachineConfigs responsible (the new side's, or the old side's for a removal).
    pub sources: Vec<String>,
    /// Why this change reboots, when it does.
    pub reason: Option<String>,
    /// The MachineConfig whose later definition wins the merge, when this change has no effect
    /// on the rendered config (a shadowed change: never counted as a change to the nodes).
    pub shadowed_by: Option<String>,
    /// For a file: what each side holds, by digest and size (`mcc.plan/v2` `contents`), and the
    /// bytes `--diff` compares.
    pub contents: Option<contents::Contents>,
    /// The `/etc` path a `relocate` rule moved the entry from (`--relocate`), and its path in
    /// the image.
    pub relocation: Option<Relocated>,
}

/// Where a relocated change's entry came from and went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocated {
    pub from: String,
    pub to: String,
}

/// How a change rolls out over a pool's nodes, from the pool's spec and status (a cluster dump).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    /// `status.machineCount`.
    pub nodes: u64,
    /// `spec.maxUnavailable` scaled as the MCO scales it (rounded down, at least 1).
    pub max_unavailable: u64,
    /// How many rounds of at most `max_unavailable` nodes the update takes.
    pub waves: u64,
    /// `spec.paused`: nothing rolls out until the pool is unpaused.
    pub paused: bool,
    /// `status.degradedMachineCount > 0`, or a true `Degraded` condition.
    pub degraded: bool,
}

/// A reconcilability error (`spec/mco.md` §3) or another reason the plan fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub code: &'static str,
    pub message: String,
}

/// What the MCO's render controller makes of the pool's new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolStatus {
    /// It renders the new config (or keeps the current one, when nothing changed).
    Rendered,
    /// It cannot render the new state, or refuses the rendered config (not reconcilable, or not
    /// a valid Ignition config): the pool is RenderDegraded and nothing rolls out; the plan's
    /// errors are the causes.
    RenderDegraded,
    /// The new state has no such pool.
    Removed,
}

impl PoolStatus {
    /// The `mcc.plan/v2` spelling.
    pub fn name(self) -> &'static str {
        match self {
            PoolStatus::Rendered => "rendered",
            PoolStatus::RenderDegraded => "render-degraded",
            PoolStatus::Removed => "removed",
        }
    }
}

/// The plan for one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPlan {
    pub pool: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub state: PoolStatus,
    pub reconcilable: bool,
    pub errors: Vec<PlanError>,
    /// Under bootc and rpm-ostree: a change to an entry placed in the image; under any target: a
    /// change to the pool's `MachineOSConfig` that starts an on-cluster build.
    pub rebuild: bool,
    pub reboot: bool,
    pub drain: bool,
    /// The pool's final action list, as the MCO computes it (Special already resolved).
    pub actions: Vec<Action>,
    pub changes: Vec<Change>,
    /// A one-line reason for a reboot, naming the culprit (`99-worker-chrony: /etc/chrony.conf has no disruption policy`).
    pub reboot_reason: Option<String>,
    /// Known when the pool's status is (from `--cluster`).
    pub rollout: Option<Rollout>,
    /// The pool's `MachineOSConfig` change that starts a new build, if any.
    pub machine_os_config: Option<MachineOsConfigChange>,
}

/// A `MachineOSConfig` added, removed, or changed in what starts a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineOsConfigChange {
    pub name: String,
    pub op: Op,
    /// For a change: the spec fields that differ (YAML names), and the rebuild annotation when
    /// it was added.
    pub fields: Vec<&'static str>,
}

impl PoolPlan {
    /// The changes that reach the nodes: every change but the shadowed ones.
    pub fn effective_changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.shadowed_by.is_none())
    }
}

pub mod actions;
pub mod contents;
pub mod decide;
pub mod diff;
pub mod machine_os_config;
pub mod ndp_order;
pub mod reconcile;
pub mod registries;
mod relocated;
pub mod rollout;
mod same;
pub mod shadowed;
pub mod sides;
pub mod state;
pub mod suggest;

#[cfg(test)]
mod tests;
