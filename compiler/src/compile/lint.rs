//! What `mcc check` reports about what compile will do.

use super::storage::{Storage, resolve_owner};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::graph::{Node, PoolGraph};
use crate::render::RenderedPool;

/// Diagnostics `mcc check` reports about what compile will do: an entry the image would hold
/// whose owner is a name mcc cannot resolve to a number is applied on the node instead.
pub fn lint(pool: &RenderedPool, graph: &PoolGraph, diagnostics: &mut Vec<Diagnostic>) {
    let storage = Storage::of(pool);
    for &node in graph.entries.values() {
        let Node::Entry(e) = &graph.graph[node] else { continue };
        let Subject::Path(path) = &e.subject else { continue };
        if e.node_side {
            continue;
        }
        let Some(owners) = storage.owners(path) else { continue };
        for (owner, what) in [(owners.0, "user"), (owners.1, "group")] {
            if resolve_owner(owner).is_none()
                && let Some(name) = &owner.name
            {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::OWNER_NOT_RESOLVABLE,
                        name.span,
                        format!(
                            "`{path}` is owned by {what} `{}`, which mcc cannot resolve to a number when it builds the image, so it is written on the node",
                            name.value
                        ),
                    )
                    .with_label("a name, not an id")
                    .with_help(format!("give the numeric {what} id (`id:` instead of `name:`) to bake it into the image")),
                );
                break;
            }
        }
    }
}
