//! Stage 5, graph: one intermediate graph per pool, from which every later decision is read and
//! explained.
//!
//! Nodes are the pool's source MachineConfigs, its rendered entries (classified), the policy
//! rules that placed or matched them, and the actions a change to them implies. Edges carry
//! provenance (which MachineConfig defined an entry, which one it overrode), placement (which
//! rule decided), ordering (a directory before its children, a unit before its dropins,
//! daemon-reload before a restart) and references (a dropin to its unit, a link to its target).

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde_json::{Value, json};

use crate::classify::{self, Classified, Subject};
use crate::diagnostic::Diagnostic;
use crate::model::Inputs;
use crate::policy::disruption::{Action, DisruptionPolicy};
use crate::policy::layout::Layout;
use crate::policy::placement::{Placement, Target};
use crate::policy::prefix_set::PrefixSet;
use crate::render::{EntryKey, McId, RenderedPool};
use crate::source::{Sources, Span};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    MachineConfig {
        id: McId,
        name: String,
        span: Span,
    },
    Entry(Entry),
    /// A layout (`place`/`reject`) or disruption rule, by its span in a policy file.
    Rule {
        kind: RuleKind,
        span: Span,
    },
    Action(Action),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Layout,
    Disruption,
}

/// A rendered entry with its classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub subject: Subject,
    pub placement: Placement,
    pub node_side: bool,
    pub resolved_path: Option<String>,
    pub actions: Vec<Action>,
    /// Why image mode overrode a rebootless policy, if it did. This and the relocation fields
    /// are rarely set: boxed, they keep small the node every MachineConfig, rule and action
    /// of a pool's graph takes too.
    pub note: Option<Box<str>>,
    /// The span of the last definition: where the entry's final value comes from.
    pub span: Span,
    /// Set when a `relocate` rule moved it out of `/etc`: `resolved_path` is then the path in
    /// `/usr`.
    pub relocation: Option<Box<Relocation>>,
    /// A `relocate` rule could safely move it, but `--relocate` keeps it in `/etc`.
    pub relocatable: bool,
    /// Why a `relocate` rule that covers it did not move it, when one does.
    pub relocation_note: Option<Box<str>>,
}

/// Where a relocated entry came from, and the rule that moved it.
#[derive(Debug, Clone, PartialEq)]
pub struct Relocation {
    /// The path in `/etc` its MachineConfig names (after the layout's links).
    pub from: String,
    pub rule: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Edge {
    /// A MachineConfig defines (some fields of) an entry; `order` is its place in the merge.
    /// The fields are the provenance's own list, shared.
    Defines { fields: Arc<[&'static str]>, order: usize },
    /// A later MachineConfig's definition of `entry` overrides an earlier one's.
    Overrides { entry: String },
    /// The layout rule that placed the entry.
    PlacedBy,
    /// A layout rule that matched but lost to a more specific one.
    Shadowed,
    /// The disruption rule a change to the entry matches.
    MatchedBy,
    /// A change to the entry implies the action.
    Implies,
    /// The source must be applied before the target.
    Before,
    /// The source refers to the target (a dropin to its unit, a link to its target).
    References,
}

#[derive(Debug)]
pub struct PoolGraph {
    pub pool: String,
    pub target: Target,
    pub graph: DiGraph<Node, Edge>,
    /// Entries by subject, in rendered order.
    pub entries: IndexMap<Subject, NodeIndex>,
}

pub fn build(
    pool: &RenderedPool,
    inputs: &Inputs,
    layout: &Layout,
    policy: &DisruptionPolicy,
    target: Target,
    diagnostics: &mut Vec<Diagnostic>,
) -> PoolGraph {
    let mut b = Builder {
        graph: DiGraph::new(),
        entries: IndexMap::new(),
        machine_configs: BTreeMap::new(),
        rules: BTreeMap::new(),
        actions: BTreeMap::new(),
    };
    for &id in &pool.machine_configs {
        let mc = &inputs.machine_configs[id];
        let node =
            b.graph.add_node(Node::MachineConfig { id, name: mc.name().to_string(), span: mc.metadata.name.span });
        b.machine_configs.insert(id, node);
    }
    for (key, definitions) in &pool.provenance {
        let subject = match key {
            EntryKey::Path(p) => Subject::Path(p.to_string()),
            EntryKey::Unit(u) => Subject::Unit(u.clone()),
            EntryKey::Dropin { unit, name } => Subject::Dropin { unit: unit.clone(), name: name.clone() },
            EntryKey::User(u) => Subject::Passwd(u.clone()),
            EntryKey::Group(_) => continue, // groups are irreconcilable day-2 and never placed
        };
        if !present(pool, &subject) {
            continue; // replaced by an entry of another kind, or a unit that only carries dropins
        }
        let Some(last) = definitions.last() else { continue };
        let classified = classify::classify(&subject, layout, policy, target);
        let entry = b.add_entry(subject.clone(), &classified, last.span, diagnostics);
        let mut previous: Option<McId> = None;
        for (order, definition) in definitions.iter().enumerate() {
            let mc = b.machine_configs[&definition.machine_config];
            b.graph.add_edge(mc, entry, Edge::Defines { fields: Arc::clone(&definition.fields), order });
            if let Some(earlier) = previous.filter(|&p| p != definition.machine_config) {
                let earlier = b.machine_configs[&earlier];
                b.graph.add_edge(mc, earlier, Edge::Overrides { entry: describe(&subject) });
            }
            previous = Some(definition.machine_config);
        }
    }
    b.spec_entries(pool, layout, policy, target, diagnostics);
    b.ordering();
    // Kept to the end of the run, every pool's: free what growing by doubling left over.
    b.graph.shrink_to_fit();
    b.entries.shrink_to_fit();
    PoolGraph { pool: pool.pool.name().to_string(), target, graph: b.graph, entries: b.entries }
}

/// Whether a provenance key still names an entry of the rendered config.
fn present(pool: &RenderedPool, subject: &Subject) -> bool {
    let c = &pool.config;
    match subject {
        Subject::Path(p) => pool.index.storage_node(c, p).is_some(),
        // A unit with neither contents nor enablement writes nothing of its own.
        Subject::Unit(name) => {
            pool.index.unit(c, name).is_some_and(|u| u.contents.is_some() || u.enabled.is_some() || u.mask.is_some())
        }
        _ => true,
    }
}

/// A rule's first line with its alignment spaces folded, for labels.
pub fn rule_text(sources: &Sources, span: Span) -> String {
    sources.text(span).lines().next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How an entry is named to users and in `mcc explain --entry`.
pub fn describe(subject: &Subject) -> String {
    match subject {
        Subject::Path(p) => p.clone(),
        Subject::Unit(u) => u.clone(),
        Subject::Dropin { unit, name } => format!("{unit}.d/{name}"),
        Subject::Passwd(u) => format!("sshkey:{u}"),
        Subject::KernelArguments => "kargs".into(),
        Subject::Extensions => "extensions".into(),
        Subject::KernelType => "kernelType".into(),
        Subject::OsImage => "osImageURL".into(),
        Subject::Fips => "fips".into(),
    }
}

struct Builder {
    graph: DiGraph<Node, Edge>,
    entries: IndexMap<Subject, NodeIndex>,
    machine_configs: BTreeMap<McId, NodeIndex>,
    rules: BTreeMap<(Span, bool), NodeIndex>,
    actions: BTreeMap<Action, NodeIndex>,
}

impl Builder {
    fn add_entry(
        &mut self,
        subject: Subject,
        c: &Classified<'_>,
        span: Span,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> NodeIndex {
        if let Some(note) = &c.note {
            diagnostics.push(classify::read_only_rebootless(span, &subject, note));
        }
        let actions = c.disruption.actions();
        let node = self.graph.add_node(Node::Entry(Entry {
            subject: subject.clone(),
            placement: c.placement,
            node_side: c.node_side,
            resolved_path: c.resolved_path.clone(),
            actions: actions.clone(),
            note: c.note.as_deref().map(Box::from),
            span,
            relocation: None,
            relocatable: false,
            relocation_note: None,
        }));
        if let Some(rule) = c.layout_rule {
            let r = self.rule(RuleKind::Layout, rule.span());
            self.graph.add_edge(r, node, Edge::PlacedBy);
        }
        for shadowed in &c.shadowed {
            let r = self.rule(RuleKind::Layout, shadowed.span());
            self.graph.add_edge(r, node, Edge::Shadowed);
        }
        if let Some(span) = c.disruption.span() {
            let r = self.rule(RuleKind::Disruption, span);
            self.graph.add_edge(r, node, Edge::MatchedBy);
        }
        for action in actions {
            let a = self.action(action);
            self.graph.add_edge(node, a, Edge::Implies);
        }
        self.entries.insert(subject, node);
        node
    }

    fn rule(&mut self, kind: RuleKind, span: Span) -> NodeIndex {
        let graph = &mut self.graph;
        *self.rules.entry((span, kind == RuleKind::Layout)).or_insert_with(|| graph.add_node(Node::Rule { kind, span }))
    }

    fn action(&mut self, action: Action) -> NodeIndex {
        let graph = &mut self.graph;
        *self.actions.entry(action.clone()).or_insert_with(|| graph.add_node(Node::Action(action)))
    }

    /// Kernel arguments, extensions, kernel type, OS image and FIPS, when the pool sets them.
    fn spec_entries(
        &mut self,
        pool: &RenderedPool,
        layout: &Layout,
        policy: &DisruptionPolicy,
        target: Target,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        // One field list shared by every definition: a pool's kernel arguments have one a MachineConfig.
        let value: Arc<[&'static str]> = Arc::from(["value"].as_slice());
        let mut add = |b: &mut Self, subject: Subject, sources: Vec<(McId, Span)>| {
            let Some(&(_, span)) = sources.last() else { return };
            let classified = classify::classify(&subject, layout, policy, target);
            let entry = b.add_entry(subject, &classified, span, diagnostics);
            for (order, (id, _)) in sources.iter().enumerate() {
                let mc = b.machine_configs[id];
                b.graph.add_edge(mc, entry, Edge::Defines { fields: Arc::clone(&value), order });
            }
        };
        let of = |items: &[crate::render::Sourced<String>]| {
            items.iter().map(|s| (s.machine_config, s.value.span)).collect::<Vec<_>>()
        };
        add(self, Subject::KernelArguments, of(&pool.kernel_arguments));
        add(self, Subject::Extensions, of(&pool.extensions));
        if let Some(k) = &pool.kernel_type {
            add(self, Subject::KernelType, vec![(k.machine_config, k.value.span)]);
        }
        if let Some(id) = pool.os_image_url.overridden_by {
            let span = self.mc_span(id);
            add(self, Subject::OsImage, vec![(id, span)]);
        }
        let fips: Vec<_> = pool.fips.iter().map(|&id| (id, self.mc_span(id))).collect();
        add(self, Subject::Fips, fips);
    }

    fn mc_span(&self, id: McId) -> Span {
        match &self.graph[self.machine_configs[&id]] {
            Node::MachineConfig { span, .. } => *span,
            _ => unreachable!("machine_configs only holds MachineConfig nodes"),
        }
    }

    /// Ordering and reference edges.
    fn ordering(&mut self) {
        let paths: Vec<(String, NodeIndex)> =
            self.entries.iter().filter_map(|(s, &n)| s.path().map(|p| (p, n))).collect();
        for (parent, child) in nesting(&paths) {
            self.graph.add_edge(paths[parent].1, paths[child].1, Edge::Before);
        }
        let dropins: Vec<(String, NodeIndex)> = self
            .entries
            .iter()
            .filter_map(|(s, &n)| match s {
                Subject::Dropin { unit, .. } => Some((unit.clone(), n)),
                _ => None,
            })
            .collect();
        for (unit, dropin) in dropins {
            if let Some(&u) = self.entries.get(&Subject::Unit(unit)) {
                self.graph.add_edge(dropin, u, Edge::References);
                self.graph.add_edge(u, dropin, Edge::Before);
            }
        }
        // systemd must re-read unit files before a unit is restarted or reloaded.
        if let Some(&reload) = self.actions.get(&Action::DaemonReload) {
            for (action, &node) in &self.actions {
                if matches!(action, Action::Restart(_) | Action::Reload(_)) {
                    self.graph.add_edge(reload, node, Edge::Before);
                }
            }
        }
    }
}

/// Every `(parent, child)` pair of positions in `paths` where the child lies strictly under
/// the parent (`ignition::validate::is_strictly_under`), in the order of a loop over parents
/// then children, so the edges keep their numbering. Each child meets the entries whose path
/// starts it ([`PrefixSet`], walked once), so the cost follows the paths' length, not the square
/// of their count, nor a path's length times its depth (a look-up of each of its directories).
fn nesting(paths: &[(String, NodeIndex)]) -> Vec<(usize, usize)> {
    let mut parents = PrefixSet::default();
    for (position, (path, _)) in paths.iter().enumerate() {
        parents.insert(path.trim_end_matches('/').as_bytes(), position);
    }
    let mut pairs = Vec::new();
    let mut met = Vec::new();
    for (child, (path, _)) in paths.iter().enumerate() {
        met.clear();
        parents.met_by(path.as_bytes(), &mut met);
        for &parent in &met {
            let directory = paths[parent].0.trim_end_matches('/');
            let at = directory.len();
            if path.len() > at + 1 && path.as_bytes()[at] == b'/' && path.starts_with(directory) {
                pairs.push((parent, child));
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

impl PoolGraph {
    pub fn entry(&self, subject: &Subject) -> Option<&Entry> {
        self.entries.get(subject).map(|&n| match &self.graph[n] {
            Node::Entry(e) => e,
            _ => unreachable!("entries only holds Entry nodes"),
        })
    }

    /// The entries in an order that respects every `Before` edge (parents before children),
    /// ties kept in rendered order, so node-side steps can be read straight off it.
    pub fn apply_order(&self) -> Vec<NodeIndex> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;

        use crate::hash::HashMap;
        // Kahn's algorithm taking, among the ready entries, the first in entry order: the order a
        // scan for "the first entry whose earlier entries are done" gives, in n log n.
        let entries: Vec<NodeIndex> = self.entries.values().copied().collect();
        let position: HashMap<NodeIndex, usize> = entries.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let before =
            |n: NodeIndex, direction| self.graph.edges_directed(n, direction).filter(|e| *e.weight() == Edge::Before);
        let mut waiting: Vec<usize> = entries
            .iter()
            .map(|&n| before(n, petgraph::Direction::Incoming).filter(|e| position.contains_key(&e.source())).count())
            .collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            waiting.iter().enumerate().filter(|(_, w)| **w == 0).map(|(i, _)| Reverse(i)).collect();
        let mut placed = vec![false; entries.len()];
        let mut first_unplaced = 0;
        let mut done = Vec::with_capacity(entries.len());
        while done.len() < entries.len() {
            let i = match ready.pop() {
                Some(Reverse(i)) if placed[i] => continue,
                Some(Reverse(i)) => i,
                // A cycle cannot arise from path nesting and unit/dropin edges; take the first anyway.
                None => {
                    while placed[first_unplaced] {
                        first_unplaced += 1;
                    }
                    first_unplaced
                }
            };
            placed[i] = true;
            done.push(entries[i]);
            for e in before(entries[i], petgraph::Direction::Outgoing) {
                if let Some(&j) = position.get(&e.target()) {
                    waiting[j] = waiting[j].saturating_sub(1);
                    if waiting[j] == 0 && !placed[j] {
                        ready.push(Reverse(j));
                    }
                }
            }
        }
        done
    }

    /// The MachineConfigs that defined an entry, in override order, with the fields each set.
    pub fn definitions(&self, node: NodeIndex) -> Vec<(String, Vec<&'static str>)> {
        let mut defs: Vec<(usize, String, Vec<&'static str>)> = self
            .graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .filter_map(|e| match (e.weight(), &self.graph[e.source()]) {
                (Edge::Defines { fields, order }, Node::MachineConfig { name, .. }) => {
                    Some((*order, name.clone(), fields.to_vec()))
                }
                _ => None,
            })
            .collect();
        defs.sort_by_key(|d| d.0);
        defs.into_iter().map(|(_, n, f)| (n, f)).collect()
    }

    /// The graph as JSON: nodes and edges in a stable order.
    pub fn to_json(&self, sources: &Sources) -> Value {
        let nodes: Vec<Value> =
            self.graph.node_indices().map(|n| json!({"id": n.index(), "node": self.node_json(n, sources)})).collect();
        let edges: Vec<Value> = self
            .graph
            .edge_references()
            .map(|e| json!({"from": e.source().index(), "to": e.target().index(), "edge": edge_json(e.weight())}))
            .collect();
        json!({"pool": self.pool, "target": self.target.name(), "nodes": nodes, "edges": edges})
    }

    fn node_json(&self, n: NodeIndex, sources: &Sources) -> Value {
        match &self.graph[n] {
            Node::MachineConfig { name, .. } => json!({"kind": "machineConfig", "name": name}),
            Node::Entry(e) => json!({
                "kind": "entry",
                "name": describe(&e.subject),
                "placement": e.placement.name(),
                "nodeSide": e.node_side,
                "resolvedPath": e.resolved_path,
                "actions": e.actions.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
            Node::Rule { kind, span } => json!({
                "kind": match kind { RuleKind::Layout => "layoutRule", RuleKind::Disruption => "disruptionRule" },
                "at": location(sources, *span),
                "text": rule_text(sources, *span),
            }),
            Node::Action(a) => json!({"kind": "action", "action": a.to_string()}),
        }
    }

    /// Graphviz, for `mcc graph --format dot`.
    pub fn to_dot(&self, sources: &Sources) -> String {
        let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n", self.pool);
        for n in self.graph.node_indices() {
            let (label, shape) = match &self.graph[n] {
                Node::MachineConfig { name, .. } => (name.clone(), "box"),
                Node::Entry(e) => (format!("{}\\n[{}]", describe(&e.subject), e.placement.name()), "ellipse"),
                Node::Rule { span, .. } => {
                    (format!("{}\\n{}", rule_text(sources, *span), location(sources, *span)), "note")
                }
                Node::Action(a) => (a.to_string(), "diamond"),
            };
            out.push_str(&format!("  n{} [label=\"{}\", shape={shape}];\n", n.index(), label.replace('"', "\\\"")));
        }
        for e in self.graph.edge_references() {
            let label = match e.weight() {
                Edge::Defines { .. } => "defines",
                Edge::Overrides { .. } => "overrides",
                Edge::PlacedBy => "places",
                Edge::Shadowed => "shadowed",
                Edge::MatchedBy => "matches",
                Edge::Implies => "implies",
                Edge::Before => "before",
                Edge::References => "references",
            };
            out.push_str(&format!("  n{} -> n{} [label=\"{label}\"];\n", e.source().index(), e.target().index()));
        }
        out.push_str("}\n");
        out
    }
}

fn edge_json(edge: &Edge) -> Value {
    match edge {
        Edge::Defines { fields, order } => json!({"kind": "defines", "fields": &fields[..], "order": order}),
        Edge::Overrides { entry } => json!({"kind": "overrides", "entry": entry}),
        Edge::PlacedBy => json!({"kind": "places"}),
        Edge::Shadowed => json!({"kind": "shadowed"}),
        Edge::MatchedBy => json!({"kind": "matches"}),
        Edge::Implies => json!({"kind": "implies"}),
        Edge::Before => json!({"kind": "before"}),
        Edge::References => json!({"kind": "references"}),
    }
}

/// `file:line:column` of a span.
pub fn location(sources: &Sources, span: Span) -> String {
    let file = sources.get(span.source);
    let (line, col) = file.line_col(span.start as usize);
    format!("{}:{line}:{col}", file.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::stdlib::{self, OcpVersion, Profile};
    use crate::testing::{load, mc};

    /// The worker pool's graph for these MachineConfigs, with the stdlib's policies.
    fn graph_of(texts: &[&str]) -> PoolGraph {
        let mut loaded = load(texts);
        let pool = loaded.pool("worker");
        let mut sources = Sources::default();
        let policies = stdlib::load(Profile::Rhcos, OcpVersion::default(), &mut sources, &mut Vec::new());
        build(&pool, &loaded.inputs, &policies.layout, &policies.disruption, Target::Bootc, &mut loaded.diagnostics)
    }

    fn worker_graph(spec: &str) -> PoolGraph {
        graph_of(&[&mc("99-worker-x", Some("worker"), spec)])
    }

    fn position(g: &PoolGraph, order: &[NodeIndex], subject: &Subject) -> usize {
        order.iter().position(|&n| n == g.entries[subject]).unwrap()
    }

    #[test]
    fn a_directory_comes_before_its_children_and_a_unit_before_its_dropins() {
        let g = worker_graph(
            "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/app/conf.d/a.conf, contents: {source: 'data:,'}}\n      directories:\n      - {path: /etc/app/conf.d}\n      - {path: /etc/app}\n    systemd:\n      units:\n      - name: app.service\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]",
        );
        let order = g.apply_order();
        let at = |s: Subject| position(&g, &order, &s);
        assert!(at(Subject::Path("/etc/app".into())) < at(Subject::Path("/etc/app/conf.d".into())));
        assert!(at(Subject::Path("/etc/app/conf.d".into())) < at(Subject::Path("/etc/app/conf.d/a.conf".into())));
        let dropin = Subject::Dropin { unit: "app.service".into(), name: "10-a.conf".into() };
        assert!(at(Subject::Unit("app.service".into())) < at(dropin.clone()));
        let references: Vec<_> = g
            .graph
            .edges_directed(g.entries[&dropin], petgraph::Direction::Outgoing)
            .filter(|e| *e.weight() == Edge::References)
            .map(|e| e.target())
            .collect();
        assert_eq!(references, [g.entries[&Subject::Unit("app.service".into())]], "a dropin refers to its unit");
    }

    #[test]
    fn daemon_reload_comes_before_a_restart() {
        // 4.22 defaults: the kubelet credential-provider dropin → daemon-reload, restart kubelet.
        let g = worker_graph(
            "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/systemd/system/kubelet.service.d/40-kubelet-crio-image-credential-provider.conf, contents: {source: 'data:,'}}",
        );
        let reload = g.graph.node_indices().find(|&n| g.graph[n] == Node::Action(Action::DaemonReload)).unwrap();
        let restart = g
            .graph
            .node_indices()
            .find(|&n| g.graph[n] == Node::Action(Action::Restart("kubelet.service".into())))
            .unwrap();
        assert!(g.graph.edges_connecting(reload, restart).any(|e| *e.weight() == Edge::Before));
    }

    #[test]
    fn provenance_edges_name_every_definition_and_the_override() {
        let a = mc(
            "a",
            Some("worker"),
            "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/x, mode: 384, contents: {source: 'data:,a'}}",
        );
        let b = mc(
            "b",
            Some("worker"),
            "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/x, contents: {source: 'data:,b'}}",
        );
        let g = graph_of(&[&a, &b]);
        let definitions = g.definitions(g.entries[&Subject::Path("/etc/x".into())]);
        let names: Vec<&str> = definitions.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(definitions[0].1.contains(&"mode") && !definitions[1].1.contains(&"mode"));
        let overrides = g
            .graph
            .edge_references()
            .filter(|e| matches!(e.weight(), Edge::Overrides { entry } if entry == "/etc/x"))
            .count();
        assert_eq!(overrides, 1, "b's definition overrides a's");
    }
}
