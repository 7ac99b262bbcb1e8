//! The integration tests, linked as one binary (one link step instead of one a file): each module
//! is the test file of one command or concern; `support` and `apply_support` are shared helpers.

mod apply_actions;
mod apply_confinement;
mod apply_faults;
mod apply_rollback;
mod apply_runs;
mod apply_support;
mod apply_switch;
mod checks;
mod cli;
mod cluster;
mod compile;
mod contract;
mod corpus;
mod diagnostics;
mod explain;
mod formats;
mod ignition_differential;
mod ignition_equivalence;
mod inputs;
mod layout;
mod machine_os_config;
mod ndp_guidance;
mod oci;
mod oracle;
mod plan;
mod plan_machine_os_config;
mod plan_review;
mod project_config;
mod registry;
mod registry_support;
mod relocate_cli;
mod relocate_proof;
mod streams;
mod support;
mod tooling;
