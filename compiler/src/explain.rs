//! `mcc explain --entry`: where an entry goes and why, read off the pool graphs.

use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::classify::Subject;
use crate::graph::{self, Edge, Node, PoolGraph};
use crate::session::{Analysis, Compilation};
use crate::source::{Sources, Span};

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub pool: String,
    pub entry: String,
    pub target: &'static str,
    pub profile: String,
    pub placement: &'static str,
    pub node_side: bool,
    pub resolved_path: Option<String>,
    /// The layout rule that placed the entry, then the ones it shadowed, most specific first.
    pub rule: Option<RuleRef>,
    pub shadowed: Vec<RuleRef>,
    /// The disruption rule a change matches, or why none does.
    pub disruption_rule: Option<RuleRef>,
    pub disruption: String,
    pub actions: Vec<String>,
    pub note: Option<String>,
    /// The MachineConfigs that define the entry, in override order.
    pub machine_configs: Vec<Definition>,
    /// The `/etc` path a `relocate` rule moved the entry from (`resolved_path` is then its path
    /// in `/usr`), and the rule; absent unless `--relocate` moved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relocated_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relocated_by: Option<RuleRef>,
    /// Why a `relocate` rule that covers the entry did not move it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relocation_note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRef {
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub name: String,
    pub at: String,
    pub fields: Vec<&'static str>,
}

/// The entry named `name` in every analysed pool that has it.
pub fn explain(c: &Compilation, analysis: &Analysis, name: &str) -> Vec<Explanation> {
    analysis
        .graphs
        .iter()
        .filter_map(|g| {
            let (subject, &node) = g.entries.iter().find(|(s, _)| matches_name(s, name))?;
            Some(explanation(c, analysis, g, subject, node))
        })
        .collect()
}

/// How users name entries: a path, a unit, `unit.d/dropin`, `kargs`, `sshkey` (the core user's),
/// `sshkey:NAME`, `extensions`, `kernelType`, `osImageURL`, `fips`.
fn matches_name(subject: &Subject, name: &str) -> bool {
    graph::describe(subject) == name || matches!(subject, Subject::Passwd(u) if u == "core" && name == "sshkey")
}

fn explanation(
    c: &Compilation,
    analysis: &Analysis,
    g: &PoolGraph,
    subject: &Subject,
    node: petgraph::graph::NodeIndex,
) -> Explanation {
    let Node::Entry(entry) = &g.graph[node] else { unreachable!("entries only holds Entry nodes") };
    let rule_of = |edge: fn(&Edge) -> bool| -> Vec<RuleRef> {
        let mut rules: Vec<(usize, RuleRef)> = g
            .graph
            .edges_directed(node, Direction::Incoming)
            .filter(|e| edge(e.weight()))
            .filter_map(|e| match &g.graph[e.source()] {
                Node::Rule { span, .. } => Some((e.id().index(), rule_ref(&c.sources, *span))),
                _ => None,
            })
            .collect();
        rules.sort_by_key(|r| r.0);
        rules.into_iter().map(|r| r.1).collect()
    };
    let disruption_rule = rule_of(|e| *e == Edge::MatchedBy).into_iter().next();
    let disruption = match (&disruption_rule, subject) {
        (Some(_), _) => "a change matches this rule".to_string(),
        (None, Subject::Passwd(_)) => "no sshkey rule: the MCO's default for passwd changes is none".to_string(),
        (None, Subject::Path(_) | Subject::Unit(_) | Subject::Dropin { .. }) => {
            "no rule matches: a change reboots (the MCO reboots for any file or unit without a policy)".to_string()
        }
        (None, _) => "always a reboot: OS image, kernel arguments, extensions, kernel type and FIPS changes reboot whatever any policy says".to_string(),
    };
    Explanation {
        pool: g.pool.clone(),
        entry: graph::describe(subject),
        target: g.target.name(),
        profile: analysis.policies.profile.to_string(),
        placement: entry.placement.name(),
        node_side: entry.node_side,
        resolved_path: entry.resolved_path.clone(),
        rule: rule_of(|e| *e == Edge::PlacedBy).into_iter().next(),
        shadowed: rule_of(|e| *e == Edge::Shadowed),
        disruption_rule,
        disruption,
        actions: entry.actions.iter().map(ToString::to_string).collect(),
        note: entry.note.as_deref().map(str::to_string),
        machine_configs: g
            .definitions(node)
            .into_iter()
            .map(|(name, fields)| {
                let span = c.inputs.machine_configs.iter().find(|m| m.name() == name).map(|m| m.metadata.name.span);
                Definition { at: span.map_or_else(String::new, |s| graph::location(&c.sources, s)), name, fields }
            })
            .collect(),
        relocated_from: entry.relocation.as_ref().map(|r| r.from.clone()),
        relocated_by: entry.relocation.as_ref().map(|r| rule_ref(&c.sources, r.rule)),
        relocation_note: entry.relocation_note.as_deref().map(str::to_string),
    }
}

fn rule_ref(sources: &Sources, span: Span) -> RuleRef {
    RuleRef { at: graph::location(sources, span), text: graph::rule_text(sources, span) }
}
