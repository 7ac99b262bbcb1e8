//! Stage 2, model: YAML documents to typed, spanned Kubernetes objects.
//!
//! Kind dispatch reads `kind` first and only then the rest, so every span survives (the reason
//! mcc does not use `#[serde(tag = "kind")]`, see `spec/dependencies.md` §1.3).

pub mod cluster;
pub mod controller_config;
pub mod machine_config;
pub mod machine_os_config;
pub mod metadata;
pub mod objects;
pub mod pool;
pub mod pool_state;
pub mod read_ahead;

pub use machine_config::MachineConfig;
pub use objects::{Inputs, read_objects};

#[cfg(test)]
#[path = "footprint_tests.rs"]
mod footprint_tests;
