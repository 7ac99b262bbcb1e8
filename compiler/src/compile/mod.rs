//! Stage 8, compile: each pool's image layer plan, node-side actions and Containerfile, read
//! straight off its classified graph (`mcc compile`).
//!
//! An entry the graph bakes goes into the layer at its resolved path, with its exact mode and
//! numeric owners; one it keeps on the node becomes a step, in the graph's apply order. Units are
//! written to `/etc/systemd/system`, enabled with the links `systemctl enable` makes, masked with a
//! link to `/dev/null`; bootc kernel arguments become a `kargs.d` file. The tar itself, its
//! `diff_id` and the files on disk are the runtime's: this module stays pure.

pub mod containerfile;
mod entries;
mod image;
mod kargs;
mod layer;
mod lint;
mod node_steps;
pub mod packages;
mod pool;
mod storage;
#[cfg(test)]
mod tests;
pub mod tmpfiles;
mod unit_steps;
pub mod user_containerfile;

use std::collections::BTreeMap;

use mcc_contract::layer_plan::LayerPlan;
use mcc_contract::node_actions::NodeActions;

use crate::diagnostic::Diagnostic;
use crate::graph::PoolGraph;
use crate::model::Inputs;
use crate::plan;
use crate::plan::PoolState;
use crate::plan::sides::Side;
use crate::policy::disruption::DisruptionPolicy;
use crate::policy::layout::Layout;
use crate::render::RenderedPool;
use crate::session::PolicyOptions;
pub use image::CONTAINERS_POLICY;
pub use kargs::{KARGS_FILE, kargs_toml, split_kernel_arguments};
pub use layer::{LABEL_BASE, LABEL_MACHINE_OS_CONFIG, LABEL_POOL, LABEL_RENDERED, LABEL_SOURCE_DIGEST, source_digest};
pub use lint::lint;
pub use node_steps::{MAX_INLINE, ssh_keys_path};
pub use storage::resolve_owner;

/// Where small `/var` entries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VarStrategy {
    /// Written on the node, like every other node-side entry.
    #[default]
    Node,
    /// Shipped in the image as `/usr/lib/tmpfiles.d` lines when they can be.
    Tmpfiles,
}

impl VarStrategy {
    pub fn name(self) -> &'static str {
        match self {
            VarStrategy::Node => "node",
            VarStrategy::Tmpfiles => "tmpfiles",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// The target and profile (the analysis already used them).
    pub policy: PolicyOptions,
    pub var_strategy: VarStrategy,
    /// Every layer entry's mtime: `SOURCE_DATE_EPOCH`, or 0.
    pub mtime: u64,
    /// End the Containerfile with `bootc container lint` / `ostree container commit`.
    pub lint: bool,
    /// The build's architecture (a `GOARCH` name), which picks a `MachineOSConfig`'s
    /// `containerFile` entry; `None` is the machine's that runs mcc, as `mcc build` defaults to.
    pub architecture: Option<String>,
    /// The image each pool's nodes switch to, by pool name (`--image`): a digest reference.
    pub images: BTreeMap<String, String>,
}

/// The `GOARCH` name of the machine mcc runs on.
pub fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// Everything compile produced for one pool. `layer_plan.diff_id` is empty until the runtime
/// builds the layer.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledPool {
    pub pool: String,
    pub layer_plan: LayerPlan,
    pub node_actions: NodeActions,
    pub containerfile: String,
    /// Contents by hex SHA-256: every file of the layer and every node-side file not inline.
    pub blobs: BTreeMap<String, Vec<u8>>,
}

/// Compiles every pool the new side rendered. A pool with an error gets its diagnostics instead.
/// Each pool's entries are gathered while the plans are made (on another core when there is
/// one); the plan then decides the pool's errors and steps.
pub fn compile(
    new: &Side<'_>,
    old: Option<&Side<'_>>,
    options: &CompileOptions,
) -> Vec<(String, Result<CompiledPool, Vec<Diagnostic>>)> {
    let old_states = old.map(plan::sides::states).unwrap_or_default();
    let contexts: Vec<Context<'_>> = new
        .analysis
        .rendered
        .iter()
        .zip(&new.analysis.graphs)
        .map(|(pool, graph)| {
            let name = pool.pool.name();
            Context {
                pool,
                graph,
                inputs: &new.compilation.inputs,
                layout: &new.analysis.policies.layout,
                policy: &new.analysis.policies.disruption,
                old: old_states.iter().find(|(n, _)| n == name).map(|(_, s)| s),
                options,
            }
        })
        .collect();
    let (plans, gathered) = rayon::join(
        || plan::sides::plan(old, new, &options.policy, None),
        || contexts.iter().map(pool::gather).collect::<Vec<_>>(),
    );
    contexts
        .iter()
        .zip(gathered)
        .map(|(context, gathered)| {
            let name = context.pool.pool.name().to_string();
            let plan = plans.iter().find(|p| p.pool == name);
            (name, pool::finish(gathered, plan))
        })
        .collect()
}

/// Everything one pool's compile reads.
pub struct Context<'a> {
    pub pool: &'a RenderedPool,
    pub graph: &'a PoolGraph,
    pub inputs: &'a Inputs,
    pub layout: &'a Layout,
    pub policy: &'a DisruptionPolicy,
    /// The pool's state in `--from`.
    pub old: Option<&'a PoolState<'a>>,
    pub options: &'a CompileOptions,
}
