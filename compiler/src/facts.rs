//! What a policy condition may test about one classified entry ([`EntryFacts`]): read off the
//! rendered pool and its graph, for the lints and for the `when` of a `relocate` rule.

use petgraph::graph::NodeIndex;

use crate::classify::Subject;
use crate::graph::{Entry, PoolGraph};
use crate::ignition::content;
use crate::ignition::types::{File, NodeCommon, Owner};
use crate::policy::lint::{self, EntryFacts, EntryKind};
use crate::render::RenderedPool;

/// The facts of the entry at `node` of the pool's graph.
pub fn of(pool: &RenderedPool, graph: &PoolGraph, subject: &Subject, node: NodeIndex, entry: &Entry) -> EntryFacts {
    let mut facts = EntryFacts::new(kind_of(pool, subject));
    facts.path = subject.path();
    facts.name = name_of(subject);
    facts.placement = Some(entry.placement);
    facts.pool = Some(pool.pool.name().to_string());
    facts.sources = graph.definitions(node).into_iter().map(|(name, _)| name).collect();
    facts.relocatable = entry.relocatable;
    if let Some(node) = storage_node(pool, subject) {
        facts.user = Some(owner(&node.user));
        facts.group = Some(owner(&node.group));
    }
    if let Some(file) = file_of(pool, subject) {
        facts.mode = Some(file.applied_mode().bits());
        facts.size = size_of(file);
    }
    facts
}

/// The kind of entry a subject names. A path is looked up in the pool's index, not in its lists:
/// every entry of a pool asks, and a scan per entry made a pool of n paths cost n².
pub fn kind_of(pool: &RenderedPool, subject: &Subject) -> EntryKind {
    let index = &pool.index;
    match subject {
        Subject::Path(p) if index.directory_position(p).is_some() => EntryKind::Directory,
        Subject::Path(p) if index.link_position(p).is_some() => EntryKind::Link,
        Subject::Path(_) => EntryKind::File,
        Subject::Unit(_) => EntryKind::Unit,
        Subject::Dropin { .. } => EntryKind::Dropin,
        Subject::Passwd(_) => EntryKind::User,
        Subject::KernelArguments => EntryKind::KernelArgument,
        Subject::Extensions => EntryKind::Extension,
        Subject::KernelType => EntryKind::KernelType,
        Subject::OsImage => EntryKind::OsImage,
        Subject::Fips => EntryKind::Fips,
    }
}

fn name_of(subject: &Subject) -> Option<String> {
    match subject {
        Subject::Unit(u) => Some(u.clone()),
        Subject::Dropin { name, .. } => Some(name.clone()),
        Subject::Passwd(u) => Some(u.clone()),
        _ => None,
    }
}

fn storage_node<'p>(pool: &'p RenderedPool, subject: &Subject) -> Option<&'p NodeCommon> {
    let Subject::Path(path) = subject else { return None };
    pool.index.storage_node(&pool.config, path)
}

fn file_of<'p>(pool: &'p RenderedPool, subject: &Subject) -> Option<&'p File> {
    let Subject::Path(path) = subject else { return None };
    pool.index.file(&pool.config, path)
}

/// An unset owner is root (id 0), as Ignition writes it; an id out of range (an error of its own)
/// is no owner a lint can name.
fn owner(o: &Owner) -> lint::Owner {
    match (&o.id, &o.name) {
        (Some(_), _) => o.valid_id().map_or(lint::Owner { name: None, id: None }, |id| lint::Owner::id(id.get())),
        (None, Some(name)) => lint::Owner::named(&name.value),
        (None, None) => lint::Owner::id(0),
    }
}

/// The decoded size of inline contents; unknown for remote sources.
fn size_of(file: &File) -> Option<u64> {
    file.contents.source.as_ref()?;
    content::bytes(&file.contents).map(|b| b.len() as u64)
}

#[cfg(test)]
#[path = "facts_scaling_tests.rs"]
mod scaling_tests;
