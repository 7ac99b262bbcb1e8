//! Policies: where each entry goes on an image-mode node, what a change to it costs, and the
//! lints a site wants. The stdlib and site files are written in mcc's policy language.

pub mod ast;
pub mod depth;
pub mod disruption;
pub mod disruption_index;
pub mod glob_index;
pub mod layout;
pub mod layout_index;
pub mod lint;
pub mod lint_index;
pub mod lower;
pub mod ndp;
pub mod node_written;
pub mod parse;
pub mod placement;
pub mod prefix_set;
pub mod stdlib;

#[cfg(test)]
mod hostile_input_tests;
#[cfg(test)]
mod language_tests;
