//! Stage 5, relocate: `/etc` files baked into the image moved into `/usr` by the layout's
//! `relocate` rules, when `--relocate` asks for it and it is safe.
//!
//! Why: ostree 3-way merges the image's `/etc` with the node's own edits and keeps the node's
//! copy of any file the node changed, while `/usr` is replaced atomically with the image. The
//! rules name directories whose programs read both places with `/etc` taking precedence by file
//! name (`stdlib/layout/relocate.mcc`), so the node sees the same configuration either way.
//!
//! An entry moves when all of these hold:
//! - it is a file, a unit file or a dropin that the image holds in `/etc` (not node-side: a
//!   rebootless, `/var` or legacy entry is written on the node anyway; not a mask, which is the
//!   admin's `/etc` state);
//! - a rule's pattern matches its path after the layout's links, and the rule's `when` holds;
//! - `--relocate` covers it: `all`, or `mco` when every MachineConfig defining it is one the MCO
//!   generated (and so nobody overrode it);
//! - the node does not write it itself (`stdlib/node-written.txt`);
//! - no other entry stays at the `/etc` path that would shadow its `/usr` copy (MCC3203).

use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::facts;
use crate::graph::{Node, PoolGraph, Relocation};
use crate::hash::{HashMap, HashSet};
use crate::model::Inputs;
use crate::policy::layout::{Layout, RelocateRule};
use crate::policy::lint::EntryKind;
use crate::policy::node_written;
use crate::policy::placement::{Placement, RelocationMode};
use crate::render::RenderedPool;
use crate::source::Span;

/// An entry a rule covers.
struct Candidate {
    node: petgraph::graph::NodeIndex,
    from: String,
    to: String,
    rule: Span,
    /// `--relocate` asks for it to move.
    wanted: bool,
    blocked: Option<String>,
}

/// Moves the pool's relocatable entries (see the module documentation) and reports the ones a
/// file kept in `/etc` would shadow.
pub fn apply(
    pool: &RenderedPool,
    inputs: &Inputs,
    graph: &mut PoolGraph,
    layout: &Layout,
    mode: RelocationMode,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if layout.relocations.is_empty() {
        return;
    }
    let generated: HashSet<&str> =
        inputs.machine_configs.iter().filter(|m| m.is_generated()).map(|m| m.name()).collect();
    let mut candidates = Vec::new();
    let mut notes = Vec::new();
    for (subject, &node) in &graph.entries {
        let Node::Entry(entry) = &graph.graph[node] else { continue };
        let Some(from) = entry.resolved_path.clone() else { continue };
        if !movable(pool, subject) {
            continue;
        }
        let rules = layout.relocations_for(&from);
        if rules.is_empty() {
            continue;
        }
        // The facts (which decode a file's contents for its size) only when a rule asks.
        let facts = rules.iter().any(|r| r.when.is_some()).then(|| facts::of(pool, graph, subject, node, entry));
        let holds = |r: &&RelocateRule| match (&r.when, &facts) {
            (Some(when), Some(facts)) => when.matches(facts),
            _ => true,
        };
        let Some(rule) = rules.into_iter().find(holds) else { continue };
        if entry.placement != Placement::Etc || entry.node_side {
            if entry.placement == Placement::Rebootless {
                notes.push((
                    node,
                    "its disruption policy is rebootless, so it is written on the node and stays in /etc".to_string(),
                ));
            }
            continue;
        }
        if let Some(writer) = node_written::writer(&from) {
            notes.push((node, format!("the node itself writes it ({writer}), so it stays in /etc")));
            continue;
        }
        // A dropin another MachineConfig adds to a unit does not make the unit file its own.
        let owners: Vec<String> =
            graph.definitions(node).into_iter().filter(|(_, fields)| *fields != ["dropins"]).map(|(n, _)| n).collect();
        let by_mco = !owners.is_empty() && owners.iter().all(|s| generated.contains(s.as_str()));
        let wanted = match mode {
            RelocationMode::None => false,
            RelocationMode::Mco => by_mco,
            RelocationMode::All => true,
        };
        candidates.push(Candidate { node, to: rule.destination(&from), from, rule: rule.span, wanted, blocked: None });
    }
    block_shadowed(graph, &mut candidates, diagnostics);
    // Why a covered entry stays is news only when something moves.
    if mode == RelocationMode::None {
        notes.clear();
    }
    for (node, note) in notes {
        if let Node::Entry(entry) = &mut graph.graph[node] {
            entry.relocation_note = Some(note.into());
        }
    }
    for c in candidates {
        let Node::Entry(entry) = &mut graph.graph[c.node] else { continue };
        match (&c.blocked, c.wanted) {
            (Some(why), _) => entry.relocation_note = Some(why.as_str().into()),
            (None, true) => {
                entry.placement = Placement::Image;
                entry.resolved_path = Some(c.to);
                entry.relocation = Some(Box::new(Relocation { from: c.from, rule: c.rule }));
            }
            (None, false) => {
                entry.relocatable = true;
                // Under `mco` say why this one stayed; under `none` (the default) nothing moves
                // and nothing needs saying.
                if mode == RelocationMode::Mco {
                    entry.relocation_note = Some(
                        format!(
                            "a relocate rule would move it to `{}`, but `--relocate mco` moves only what the MCO's generated MachineConfigs alone define",
                            c.to
                        )
                        .into(),
                    );
                }
            }
        }
    }
}

/// Files, unit files and dropins; a masked unit is a link to /dev/null that belongs in /etc.
fn movable(pool: &RenderedPool, subject: &Subject) -> bool {
    match subject {
        Subject::Path(_) => facts::kind_of(pool, subject) == EntryKind::File,
        Subject::Unit(name) => pool
            .index
            .unit(&pool.config, name)
            .is_some_and(|u| u.contents.is_some() && !u.mask.as_ref().is_some_and(|m| m.value)),
        Subject::Dropin { .. } => true,
        _ => false,
    }
}

/// The `/etc` path whose file would take precedence over `path` in `/usr`: `/usr/lib/X`,
/// `/usr/share/X` and `/usr/X` are all shadowed by `/etc/X`.
pub fn etc_counterpart(path: &str) -> Option<String> {
    ["/usr/lib/", "/usr/share/", "/usr/"]
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))
        .map(|rest| format!("/etc/{rest}"))
}

/// Blocks every wanted candidate whose `/etc` counterpart another entry keeps in `/etc`. Blocking
/// one keeps its own path in `/etc` too, which may shadow another: a worklist follows the chain,
/// each candidate looked at once per path that joins the set.
fn block_shadowed(graph: &PoolGraph, candidates: &mut [Candidate], diagnostics: &mut Vec<Diagnostic>) {
    let moving: HashSet<&str> = candidates.iter().filter(|c| c.wanted).map(|c| c.from.as_str()).collect();
    let mut staying: HashMap<String, Span> = HashMap::default();
    for &node in graph.entries.values() {
        if let Node::Entry(e) = &graph.graph[node]
            && let Some(path) = &e.resolved_path
            && !moving.contains(path.as_str())
        {
            staying.insert(path.clone(), e.span);
        }
    }
    let mut by_counterpart: HashMap<String, Vec<usize>> = HashMap::default();
    for (i, c) in candidates.iter().enumerate() {
        if let Some(counterpart) = etc_counterpart(&c.to).filter(|p| *p != c.from) {
            by_counterpart.entry(counterpart).or_default().push(i);
        }
    }
    let mut work: Vec<String> = staying.keys().cloned().collect();
    work.sort();
    while let Some(path) = work.pop() {
        let Some(waiting) = by_counterpart.remove(&path) else { continue };
        let shadow = staying[&path];
        for i in waiting {
            let c = &mut candidates[i];
            if !c.wanted || c.blocked.is_some() {
                continue;
            }
            c.blocked = Some(format!("`{path}` stays in /etc and would shadow its /usr copy `{}`", c.to));
            let Node::Entry(entry) = &graph.graph[c.node] else { continue };
            diagnostics.push(
                Diagnostic::new(
                    &codes::RELOCATION_SHADOWED,
                    entry.span,
                    format!("`{}` is not relocated to `{}`: `{path}` stays in /etc and would shadow it", c.from, c.to),
                )
                .with_related(shadow, "this entry stays in /etc")
                .with_related(c.rule, "the relocate rule")
                .with_help("programs that read both directories let /etc win by file name; rename one of the two files, or relocate both"),
            );
            if staying.insert(c.from.clone(), entry.span).is_none() {
                work.push(c.from.clone());
            }
        }
    }
}

#[cfg(test)]
#[path = "relocate_tests.rs"]
mod tests;
