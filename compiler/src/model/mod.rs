//! Stage 2, model: YAML documents to typed, spanned Kubernetes objects.
//!
//! Kind dispatch reads `kind` first and only then the rest, so every span survives (the reason
//! mcc does not use `#[serde(tag = "kind")]`, see `spec/dependencies.md` §1.3).

pub mod machine_config;
pub mod metadata;
pub mod objects;
pub mod pool;

pub use machine_config::{MachineConfig, MachineConfigSpec};
pub use metadata::Metadata;
pub use objects::{Inputs, MachineConfiguration, MachineOsConfig, read_objects};
pub use pool::{MachineConfigPool, Operator, Requirement, Selector};
