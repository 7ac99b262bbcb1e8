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

#[cfg(test)]
mod tests {
    use crate::graph::Node;
    use crate::lints;
    use crate::policy::lint::{EntryKind, KindSet};
    use crate::policy::stdlib::{self, OcpVersion, Profile};
    use crate::session::PolicyOptions;
    use crate::source::Sources;
    use crate::testing::{load, mc};

    /// An entry's facts hold only the fields its kind can have: the lint index offers a lint
    /// only to the kinds [`crate::policy::lint::Condition::possible_kinds`] allows, which
    /// counts on it.
    #[test]
    fn an_entry_has_only_the_facts_of_its_kind() {
        let spec = "  kernelArguments: [nosmt]\n  extensions: [usbguard]\n  kernelType: realtime\n  fips: true\n  osImageURL: quay.io/a/b@sha256:0000000000000000000000000000000000000000000000000000000000000000\n  config:\n    ignition: {version: 3.4.0}\n    passwd:\n      users: [{name: core, sshAuthorizedKeys: [ssh-ed25519 AAAA k]}]\n    storage:\n      files: [{path: /etc/f, mode: 0o644, contents: {source: 'data:,x'}}, {path: /var/lib/f, contents: {source: 'data:,x'}}]\n      directories: [{path: /etc/d, mode: 0o755}]\n      links: [{path: /etc/l, target: /etc/f}]\n    systemd:\n      units: [{name: a.service, contents: \"[Service]\\nExecStart=/usr/bin/true\\n\", dropins: [{name: d.conf, contents: \"[Service]\\n\"}]}]\n";
        let mut loaded = load(&[&mc("99-worker-all", Some("worker"), spec)]);
        let pool = loaded.pool("worker");
        let policies = stdlib::load(Profile::Rhcos, OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
        let graph = lints::analyze_pool(&pool, &loaded.inputs, &policies, &PolicyOptions::default(), &mut Vec::new());
        let mut kinds = Vec::new();
        for (subject, &node) in &graph.entries {
            let Node::Entry(entry) = &graph.graph[node] else { continue };
            let facts = super::of(&pool, &graph, subject, node, entry);
            let may = |kinds: KindSet| kinds.contains(facts.kind);
            assert!(facts.path.is_none() || may(KindSet::WITH_PATH), "{facts:?}");
            assert!(facts.name.is_none() || may(KindSet::WITH_NAME), "{facts:?}");
            assert!(facts.mode.is_none() || may(KindSet::WITH_MODE), "{facts:?}");
            assert!(facts.size.is_none() || facts.kind == EntryKind::File, "{facts:?}");
            assert!(facts.user.is_none() && facts.group.is_none() || may(KindSet::WITH_OWNER), "{facts:?}");
            assert!(!facts.relocatable || may(KindSet::WITH_PATH), "{facts:?}");
            kinds.push(facts.kind);
        }
        kinds.sort_by_key(|&kind| kind as usize);
        kinds.dedup();
        assert_eq!(kinds, EntryKind::ALL, "every kind of entry is looked at");
    }
}
