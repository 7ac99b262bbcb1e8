//! Applying the policy lints (stdlib and site) to every classified entry of a pool.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::classify::Subject;
use crate::codes::CodeInfo;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Node, PoolGraph};
use crate::ignition::content;
use crate::ignition::types::{File, NodeCommon, Owner};
use crate::policy::lint::{self, EntryFacts, EntryKind, Lint};
use crate::policy::stdlib::Policies;
use crate::render::RenderedPool;

/// Runs every enabled lint on every entry of the pool's graph.
pub fn run(pool: &RenderedPool, graph: &PoolGraph, policies: &Policies, diagnostics: &mut Vec<Diagnostic>) {
    let lints: Vec<(&Lint, &'static CodeInfo)> = policies.enabled_lints().map(|l| (l, code_info(l))).collect();
    if lints.is_empty() {
        return;
    }
    for (subject, &node) in &graph.entries {
        let Node::Entry(entry) = &graph.graph[node] else { continue };
        let mut facts = EntryFacts::new(kind_of(pool, subject));
        facts.path = subject.path();
        facts.name = name_of(subject);
        facts.placement = Some(entry.placement);
        facts.pool = Some(pool.pool.name().to_string());
        facts.sources = graph.definitions(node).into_iter().map(|(name, _)| name).collect();
        if let Some(node) = storage_node(pool, subject) {
            facts.user = Some(owner(&node.user));
            facts.group = Some(owner(&node.group));
        }
        if let Some(file) = file_of(pool, subject) {
            facts.mode = Some(file.applied_mode().bits());
            facts.size = size_of(file);
        }
        for &(lint, info) in &lints {
            if lint.matches(&facts) {
                diagnostics.push(finding(lint, info, entry.span));
            }
        }
    }
}

fn finding(lint: &Lint, info: &'static CodeInfo, span: crate::source::Span) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(info, span, lint.message.value.clone())
        .with_related(lint.span, format!("lint `{}`", lint.code.value));
    if let Some(help) = &lint.help {
        diagnostic = diagnostic.with_help(help.value.clone());
    }
    diagnostic
}

/// Lint codes live in policy files, not in mcc's registry; each distinct lint gets a registry
/// entry of its own, so its findings are ordinary diagnostics. The entries are interned for the
/// life of the process: one per distinct (code, severity, message, help), however many analyses
/// run, and all reachable, so nothing grows with the number of runs and sanitizers see no leak.
fn code_info(lint: &Lint) -> &'static CodeInfo {
    type Key = (String, Severity, String, String);
    static INTERNED: Mutex<BTreeMap<Key, &'static CodeInfo>> = Mutex::new(BTreeMap::new());
    let key: Key = (
        lint.code.value.clone(),
        lint.severity().unwrap_or(Severity::Info),
        lint.message.value.clone(),
        lint.help.as_ref().map_or_else(String::new, |h| h.value.clone()),
    );
    let mut interned = INTERNED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&info) = interned.get(&key) {
        return info;
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let info: &'static CodeInfo = Box::leak(Box::new(CodeInfo {
        code: leak(&key.0),
        name: "policy-lint",
        severity: key.1,
        summary: leak(&key.2),
        doc: leak(&key.3),
    }));
    interned.insert(key, info);
    info
}

fn kind_of(pool: &RenderedPool, subject: &Subject) -> EntryKind {
    let storage = &pool.config.storage;
    match subject {
        Subject::Path(p) if storage.directories.iter().any(|d| &d.node.path.value == p) => EntryKind::Directory,
        Subject::Path(p) if storage.links.iter().any(|l| &l.node.path.value == p) => EntryKind::Link,
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
    let source = file.contents.source.as_ref()?;
    let decoded = content::decode_data_url(&source.value).ok()?;
    let compression = file.contents.compression.as_ref().map(|c| c.value.as_str());
    content::decompress(&decoded.bytes, compression).ok().map(|b| b.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::stdlib::{self, OcpVersion, Profile};
    use crate::source::Sources;

    /// Every analysis asks for the lints' entries again: they must be the same entries, not new
    /// allocations each time (a leak per lint per analysis).
    #[test]
    fn a_lint_gets_one_code_entry_however_many_analyses_run() {
        let policies =
            || stdlib::load(Profile::default(), OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
        let (first, second) = (policies(), policies());
        let lints: Vec<_> = first.enabled_lints().zip(second.enabled_lints()).collect();
        assert!(!lints.is_empty());
        for (a, b) in lints {
            assert!(std::ptr::eq(code_info(a), code_info(b)), "{}", a.code.value);
            assert_eq!(code_info(a).code, a.code.value);
        }
    }
}
