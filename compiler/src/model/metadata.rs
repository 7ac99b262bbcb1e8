//! `metadata` of every Kubernetes object mcc reads: its name, labels and annotations.

use indexmap::IndexMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub name: Spanned<String>,
    /// `None` when the object has no `labels` at all: the MCO's merge refuses such a
    /// MachineConfig, while an empty map is fine.
    pub labels: Option<IndexMap<String, Spanned<String>>>,
    pub annotations: IndexMap<String, Spanned<String>>,
}

impl Metadata {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.as_ref()?.get(key).map(|v| v.value.as_str())
    }
}

/// The first line of a document, to point at when a whole object is wrong.
pub(crate) fn first_line(root: &Node) -> Span {
    match root.entries().first() {
        Some(entry) => entry.key_span,
        None => Span::new(root.span.source, root.span.start as usize, root.span.start as usize),
    }
}

pub fn metadata(root: &Node, entries: &[Entry], diagnostics: &mut Diagnostics) -> Metadata {
    let meta = field(entries, "metadata").map_or(&[][..], |m| reader::mapping(m, diagnostics));
    let name = field(meta, "name").and_then(|n| reader::string(n, diagnostics));
    let name = name.unwrap_or_else(|| {
        diagnostics.push(
            Diagnostic::new(&codes::MISSING_FIELD, first_line(root), "this object has no `metadata.name`")
                .with_help("every MachineConfig and pool needs a name; the MCO merges MachineConfigs in name order"),
        );
        Spanned::new(String::new(), first_line(root))
    });
    Metadata {
        name,
        labels: string_map(field(meta, "labels"), diagnostics),
        annotations: string_map(field(meta, "annotations"), diagnostics).unwrap_or_default(),
    }
}

/// A mapping of strings (labels, annotations); `None` when it is absent or null.
fn string_map(node: Option<&Node>, diagnostics: &mut Diagnostics) -> Option<IndexMap<String, Spanned<String>>> {
    let node = node.filter(|n| !n.is_null())?;
    let entries = reader::mapping(node, diagnostics);
    // Sized at once: collected, a map of one label had room for three, in every object.
    let mut map = IndexMap::with_capacity(entries.len());
    map.extend(entries.iter().filter_map(|e| reader::string(&e.value, diagnostics).map(|v| (e.key.clone(), v))));
    Some(map)
}
