//! Fields of the sections mcc keeps as JSON (`disks`, `filesystems`, `luks`) that a
//! later spec version added. The MCO parses a 3.x config with that version's own types before
//! translating it up to 3.5 (`ParseCompatibleVersion`), so such a field is dropped, exactly as
//! an unknown key is; mcc drops it too, and warns (MCC1004) as it does for the typed sections.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::types::Json;
use crate::load::node::{Node, Value};
use crate::load::reader::Diagnostics;

/// A field, by its path inside one entry of a section (`*` stands for every list item), and the
/// first 3.x minor version that has it.
struct NewerField {
    section: &'static str,
    path: &'static [&'static str],
    since: u8,
}

const FIELDS: &[NewerField] = &[
    NewerField { section: "filesystems", path: &["mountOptions"], since: 1 },
    NewerField { section: "disks", path: &["partitions", "*", "resize"], since: 2 },
    NewerField { section: "luks", path: &["discard"], since: 4 },
    NewerField { section: "luks", path: &["openOptions"], since: 4 },
    NewerField { section: "luks", path: &["clevis", "tang", "*", "advertisement"], since: 4 },
    NewerField { section: "luks", path: &["cex"], since: 5 },
];

/// Drops from `item` (one entry of `section` as JSON, read from `node`) the fields spec
/// 3.`minor` does not have, with a warning at each.
pub fn drop_newer(section: &str, node: &Node, item: &mut Json, minor: u8, diagnostics: &mut Diagnostics) {
    for field in FIELDS.iter().filter(|f| f.section == section && f.since > minor) {
        let key = field.path.last().copied().unwrap_or_default();
        let mut found = Vec::new();
        remove(node, item, field.path, &mut found);
        for span in found {
            diagnostics.push(
                Diagnostic::new(&codes::IGNITION_UNUSED_KEY, span, format!("unused key `{key}` in spec 3.{minor}"))
                    .with_label("not a field of this spec version, so the MCO drops it")
                    .with_help(format!(
                        "`{key}` arrived in Ignition spec 3.{}.0; raise `ignition.version` to use it",
                        field.since
                    )),
            );
        }
    }
}

fn remove(node: &Node, json: &mut Json, path: &[&str], found: &mut Vec<crate::source::Span>) {
    match path {
        [] => {}
        ["*", rest @ ..] => {
            if let (Value::Seq(items), Json::Array(values)) = (&node.value, json) {
                for (item, value) in items.iter().zip(values.iter_mut()) {
                    remove(item, value, rest, found);
                }
            }
        }
        [key, rest @ ..] => {
            let Some(entry) = node.entries().iter().find(|e| e.key == *key) else { return };
            let Json::Object(map) = json else { return };
            if rest.is_empty() {
                map.remove(*key);
                found.push(entry.key_span);
            } else if let Some(child) = map.get_mut(*key) {
                remove(&entry.value, child, rest, found);
            }
        }
    }
}
