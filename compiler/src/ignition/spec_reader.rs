//! What the spec 2.x and spec 3.x readers share: scalar fields, the `ignition` section, and the
//! directory and link entries, whose shape spec 3 kept; each spec supplies its key tables, its
//! unknown-key rule and its reading of the fields every storage entry has.

use std::sync::Arc;

use crate::ignition::types::{Directory, Json, Link, NodeCommon};
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};

pub(super) trait SpecReader {
    /// How this spec lists an object's known keys.
    type Keys: ?Sized + 'static;
    const IGNITION: &'static Self::Keys;
    const DIRECTORY: &'static Self::Keys;
    const LINK: &'static Self::Keys;

    fn diagnostics(&mut self) -> &mut Diagnostics;

    /// A mapping's entries, warning about keys this spec does not have.
    fn object<'n>(&mut self, node: &'n Node, keys: &Self::Keys, what: &str) -> &'n [Entry];

    /// The fields every storage entry has (path, overwrite, owners).
    fn node_common(&mut self, node: &Node, e: &[Entry]) -> NodeCommon;

    /// The `ignition` section but its version, kept as JSON: it is only compared
    /// (reconcilability). `None` when there is nothing but the version.
    fn ignition_extra(&mut self, node: &Node) -> Option<Arc<Spanned<Json>>> {
        let meta = self.object(node, Self::IGNITION, "the `ignition` section");
        let extra: serde_json::Map<_, _> =
            meta.iter().filter(|e| e.key != "version").map(|e| (e.key.clone(), e.value.to_json())).collect();
        (!extra.is_empty()).then(|| Arc::new(Spanned::new(extra.into(), node.span)))
    }

    fn directory(&mut self, node: &Node) -> Directory {
        let e = self.object(node, Self::DIRECTORY, "a directory entry");
        Directory { node: self.node_common(node, e), mode: self.integer(field(e, "mode")) }
    }

    fn link(&mut self, node: &Node) -> Link {
        let e = self.object(node, Self::LINK, "a link entry");
        Link {
            node: self.node_common(node, e),
            target: self.string(field(e, "target")),
            hard: self.boolean(field(e, "hard")),
        }
    }

    fn items<'n>(&mut self, node: Option<&'n Node>) -> &'n [Node] {
        node.map_or(&[], |n| reader::list(n, self.diagnostics()))
    }

    fn string(&mut self, node: Option<&Node>) -> Option<Spanned<String>> {
        node.and_then(|n| reader::string(n, self.diagnostics()))
    }

    fn boolean(&mut self, node: Option<&Node>) -> Option<Spanned<bool>> {
        node.and_then(|n| reader::boolean(n, self.diagnostics()))
    }

    fn integer(&mut self, node: Option<&Node>) -> Option<Spanned<i64>> {
        node.and_then(|n| reader::integer(n, self.diagnostics()))
    }
}
