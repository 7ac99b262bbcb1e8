//! The contract between `mcc compile` and `mcc apply`/`mcc build`: the two documents the compiler
//! writes for a pool and the runtime reads back, and what both sides must compute alike.
//!
//! - [`layer_plan`]: `mcc.layer-plan/v1`, what goes into the pool's image.
//! - [`node_actions`]: `mcc.node-actions/v1`, the ordered node-side steps.
//! - [`units`]: the links `systemctl enable` makes for a unit, baked into the image by the
//!   compiler and made on the node by the runtime, read with the one [`unit_syntax`] parser.
//! - [`codes`]: the diagnostic codes the runtime reports.
//! - [`permissions`]: a file's [`Mode`] and a numeric [`OwnerId`], defaulted, masked and
//!   validated in one place for both sides.
//!
//! The documents' JSON Schemas are `docs/schemas/layer-plan.schema.json` and
//! `docs/schemas/node-actions.schema.json`. This crate depends on neither side.

#![forbid(unsafe_code)]

pub mod codes;
pub mod layer_plan;
pub mod node_actions;
pub mod permissions;
pub mod unit_syntax;
pub mod units;

pub use permissions::{Mode, OwnerId};

use sha2::{Digest, Sha256};

/// The hex SHA-256 of some bytes: how both documents name contents and blobs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
