//! Ignition's validation of a merged config, which the MCO skips when it renders.
//!
//! The render controller validates each MachineConfig before the merge, never the result, so a
//! merge can produce a config that Ignition's parser refuses: a file with neither
//! `contents.source` nor `overwrite` gets `overwrite: true` from the merge ("overwrite must be
//! false if source is unspecified"), and an owner set by id in one MachineConfig and by name in
//! a later one keeps both ("cannot set both id and name"). The MCO renders such a config, but
//! cannot parse it as a pool's current or new config (`IsRenderedConfigReconcilable`): the pool
//! goes RenderDegraded and no update from it or to it is applied.

use crate::ignition::types::{Ignition, NodeCommon, Owner};
use crate::source::Span;

/// One rule of Ignition's validator that the merged config breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where the offending value was written (in the MachineConfig that set it).
    pub span: Span,
    /// The other half of a conflict (an owner's id, when `span` is its name).
    pub related: Option<Span>,
    /// Ignition's report path, such as `$.storage.files.1.overwrite`.
    pub at: String,
    pub message: &'static str,
}

impl Problem {
    /// Ignition's report line: `error at $.storage.files.1.overwrite: overwrite must be …`.
    pub fn report(&self) -> String {
        format!("error at {}: {}", self.at, self.message)
    }
}

pub const OVERWRITE_WITHOUT_SOURCE: &str = "overwrite must be false if source is unspecified";
pub const OWNER_ID_AND_NAME: &str = "cannot set both id and name";

/// The rules a merge can break, in the order of Ignition's report (the JSON order of the config:
/// directories, files, links; in an entry `group`, `overwrite`, `user`).
pub fn problems(config: &Ignition) -> Vec<Problem> {
    let storage = &config.storage;
    let mut found = Vec::new();
    for (i, directory) in storage.directories.iter().enumerate() {
        node(&directory.node, ("directories", i), false, &mut found);
    }
    for (i, file) in storage.files.iter().enumerate() {
        node(&file.node, ("files", i), file.contents.source.is_none(), &mut found);
    }
    for (i, link) in storage.links.iter().enumerate() {
        node(&link.node, ("links", i), false, &mut found);
    }
    found
}

/// An entry's place in the config (its list and index), written out as a report path only for a
/// problem: a pool's every entry is checked, and nearly none has one.
type Entry = (&'static str, usize);

fn at(entry: Entry, field: &str) -> String {
    format!("$.storage.{}.{}.{field}", entry.0, entry.1)
}

fn node(node: &NodeCommon, entry: Entry, file_without_source: bool, found: &mut Vec<Problem>) {
    owner(&node.group, entry, "group", found);
    if let Some(overwrite) = node.overwrite.as_ref().filter(|o| o.value && file_without_source) {
        let at = at(entry, "overwrite");
        found.push(Problem { span: overwrite.span, related: None, at, message: OVERWRITE_WITHOUT_SOURCE });
    }
    owner(&node.user, entry, "user", found);
}

fn owner(owner: &Owner, entry: Entry, field: &str, found: &mut Vec<Problem>) {
    if let (Some(id), Some(name)) = (&owner.id, &owner.name) {
        let at = at(entry, field);
        found.push(Problem { span: name.span, related: Some(id.span), at, message: OWNER_ID_AND_NAME });
    }
}
