//! mcc's compiler: MachineConfigs in, rendered pools, plans, layers and diagnostics out.
//!
//! One stage a module, data flowing one way (`architecture_tests.rs` keeps it so):
//! [`load`](mod@load) (paths → YAML trees, site policy texts) → `model` (trees → typed, spanned
//! objects, Ignition normalized to 3.5) → `render` (the MCO's merge per pool) → `policy` (layouts,
//! disruption, lints) → `graph` (each entry classified) → `lints` → `explain`, `plan`, `compile`
//! → `checks`. [`codes`], [`diagnostic`] and [`source`] are the vocabulary every stage shares;
//! `session` holds what the stages hand on, and `driver` runs them in order. Nothing here
//! prints, exits or picks colours: the CLI does.
//!
//! The crate's surface is this facade: the driver's entry points, the session types, and the
//! few stage types the CLI, the runtime and the tests name.

#![forbid(unsafe_code)]

#[cfg(test)]
mod architecture_tests;
pub(crate) mod checks;
pub(crate) mod classify;
#[cfg(test)]
mod classify_tests;
pub mod codes;
pub mod compile;
pub mod diagnostic;
pub(crate) mod driver;
pub mod emit;
pub(crate) mod explain;
pub(crate) mod facts;
pub(crate) mod glob;
pub(crate) mod graph;
pub(crate) mod hash;
pub mod hostile_input;
pub(crate) mod ignition;
pub(crate) mod lints;
pub mod load;
#[cfg(test)]
mod mco_divergences;
pub(crate) mod model;
pub(crate) mod plan;
pub(crate) mod policy;
pub(crate) mod relocate;
pub(crate) mod render;
#[cfg(test)]
mod scaling_tests;
pub(crate) mod session;
pub(crate) mod shared_load;
pub mod source;
pub(crate) mod suppress;
#[cfg(test)]
mod testing;

pub use checks::against::against;
pub use driver::{
    ClusterInput, analyze, analyze_rendering, check_unrendered_pools, lint_page, load, load_filtered,
    load_over_cluster, stdlib_lints,
};
pub use explain::{Explanation, explain};
pub use model::cluster::{ClusterState, ClusterView};
pub use model::{Inputs, read_objects};
pub use plan::contents::{Blob, ContentDiff, Contents};
pub use plan::ndp_order::{OrderRisk, SameChangeRules, outcome as order_outcome, same_change_rules};
pub use plan::sides::{Side, plan};
pub use plan::suggest::{Suggestion, Suggestions, TableEntry, suggest};
pub use plan::{Change, MachineOsConfigChange, Op, PoolPlan, PoolStatus, Rollout};
pub use policy::disruption::Action;
pub use policy::placement::{Placement, RelocationMode, Target};
pub use policy::stdlib::{OcpVersion, Profile};
pub use render::emit::rendered_machine_config;
pub use render::{RenderOptions, RenderedPool};
pub use session::{Analysis, Compilation, PolicyOptions, StageTime};
pub use shared_load::load_sharing;
pub use suppress::suppress;
