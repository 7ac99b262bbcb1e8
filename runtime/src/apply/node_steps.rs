//! A pool's node-side steps as `mcc apply` reads them: `node-actions.json` and the blobs it names,
//! loaded from the directory `mcc compile` wrote (`DIR/<pool>`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcc_contract::codes;
use mcc_contract::node_actions::{Content, NODE_ACTIONS_SCHEMA, NodeActions, Step};
use mcc_contract::sha256_hex;

use super::Diagnostic;
use crate::read::{MAX_DOCUMENT_SIZE, Symlinks, read_prefix, read_regular};

/// The node-side steps read from a pool's directory, with every content they name.
#[derive(Debug, Clone)]
pub struct NodeSteps {
    pub dir: PathBuf,
    pub actions: NodeActions,
    /// `sha256:` of `node-actions.json`.
    pub digest: String,
    /// The blobs named by the steps, by hex SHA-256, as read (checked by [`NodeSteps::check`]).
    blobs: BTreeMap<String, Vec<u8>>,
}

fn unreadable(message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(codes::APPLY_PLAN_UNREADABLE, message).with_help(
        "give the directory `mcc compile` wrote for the pool (`DIR/<pool>`), and compile again if it is damaged",
    ))
}

/// The blob name a content reference must have: `blobs/<64 hex digits>`.
fn blob_name(reference: &str) -> Option<&str> {
    let name = reference.strip_prefix("blobs/")?;
    (name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then_some(name)
}

impl NodeSteps {
    /// Reads `DIR/node-actions.json` and the blobs it names. Every error here is an unreadable
    /// plan (MCC5104).
    pub fn load(dir: &Path) -> Result<NodeSteps, Box<Diagnostic>> {
        let path = dir.join("node-actions.json");
        let bytes = read_regular(&path, MAX_DOCUMENT_SIZE, Symlinks::Refuse)
            .map_err(|e| unreadable(format!("cannot read {}: {e}", path.display())))?;
        let actions: NodeActions = serde_json::from_slice(&bytes).map_err(|e| {
            unreadable(format!("{} is not a node-actions document ({NODE_ACTIONS_SCHEMA}): {e}", path.display()))
        })?;
        if actions.schema != NODE_ACTIONS_SCHEMA {
            return Err(unreadable(format!("{} is `{}`, not `{NODE_ACTIONS_SCHEMA}`", path.display(), actions.schema)));
        }
        let mut blobs = BTreeMap::new();
        for content in actions.steps.iter().flat_map(Step::contents) {
            let Some(reference) = &content.blob else { continue };
            // A malformed reference is reported by `check`, without reading anything.
            let Some(name) = blob_name(reference) else { continue };
            if blobs.contains_key(name) {
                continue;
            }
            let file = dir.join("blobs").join(name);
            // One byte more than recorded, so a longer blob is a mismatch (MCC5105), not a read
            // without end.
            let data = read_prefix(&file, content.size.saturating_add(1))
                .map_err(|e| unreadable(format!("cannot read {}: {e}", file.display())))?;
            blobs.insert(name.to_string(), data);
        }
        Ok(NodeSteps { dir: dir.to_path_buf(), actions, digest: format!("sha256:{}", sha256_hex(&bytes)), blobs })
    }

    /// A content's bytes: inline, or its blob.
    pub(super) fn bytes(&self, content: &Content) -> Result<Vec<u8>, String> {
        match (&content.inline, &content.blob) {
            (Some(text), None) => Ok(text.clone().into_bytes()),
            (None, Some(reference)) => {
                let name = blob_name(reference)
                    .ok_or_else(|| format!("the blob reference `{reference}` is not `blobs/<sha256>`"))?;
                self.blobs.get(name).cloned().ok_or_else(|| format!("the blob `{reference}` was not read"))
            }
            _ => Err("a content must be either inline or a blob".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_references_stay_in_the_blobs_directory() {
        let digest = "a".repeat(64);
        assert_eq!(blob_name(&format!("blobs/{digest}")), Some(digest.as_str()));
        for bad in ["blobs/../../etc/shadow".to_string(), format!("blobs/{}", "A".repeat(64)), format!("x/{digest}")] {
            assert_eq!(blob_name(&bad), None, "{bad}");
        }
    }
}
