//! Where each storage entry of the graph goes: into the layer, a tmpfiles.d line, or a
//! node-side step, with its contents decoded.

use super::pool::Builder;
use super::storage::resolve_owner;
use super::tmpfiles;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::graph::Entry;
use crate::ignition::content::{Decoded, SourceKind, classify_source};
use crate::ignition::types::Resource;
use mcc_contract::Mode;
use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;

impl Builder<'_, '_> {
    /// Decodes a resource; a remote source is an error (its bytes are not known offline).
    pub(super) fn decode(&mut self, path: &str, resource: &Resource) -> Option<Vec<u8>> {
        let Some(source) = &resource.source else { return Some(Vec::new()) };
        if classify_source(&source.value) != SourceKind::Data {
            self.errors.push(
                Diagnostic::new(
                    &codes::COMPILE_REMOTE_SOURCE,
                    source.span,
                    format!("the contents of `{path}` come from a remote source, which compile cannot read"),
                )
                .with_label("not a data URL")
                .with_help("inline the contents as a data URL (Butane's `contents.local` does this); the MCO does not fetch remote contents on day 2 either"),
            );
            return None;
        }
        // Decoded once, by validation; compile runs only where validation found no error in
        // the MachineConfig, or one the node meets when it writes the file.
        match &resource.decoded {
            Decoded::Bytes(bytes) => Some(bytes.to_vec()),
            Decoded::Failed(error) => {
                self.errors.push(Diagnostic::new(
                    &codes::DATA_URL_INVALID,
                    source.span,
                    format!("the contents of `{path}` do not decode: {error}"),
                ));
                None
            }
            Decoded::OverBudget | Decoded::Unknown => {
                self.errors.push(Diagnostic::new(
                    &codes::DATA_URL_BUDGET,
                    source.span,
                    format!(
                        "the contents of `{path}` were not decoded: the run's data-URL budget was spent before them"
                    ),
                ));
                None
            }
        }
    }

    pub(super) fn path_entry(&mut self, path: &str, e: &Entry, sources: Vec<String>) {
        let image_path = e.resolved_path.clone().unwrap_or_else(|| path.to_string());
        let placement = e.placement.name().to_string();
        let file = self.storage.file(path);
        let dir = self.storage.directory(path);
        let link = self.storage.link(path);
        if let Some(file) = file {
            let Some(bytes) = self.decode(path, &file.contents) else { return };
            let mut append = Vec::new();
            for fragment in &file.append {
                let Some(more) = self.decode(path, fragment) else { return };
                append.push(more);
            }
            let mode = file.applied_mode();
            let owners = resolve_owner(&file.node.user).zip(resolve_owner(&file.node.group));
            match owners {
                Some(owners) if self.baked(e) && append.is_empty() => {
                    self.add_file(&image_path, mode, owners, bytes, &placement, "file", sources, Some(e.span));
                }
                Some((uid, gid))
                    if self.as_tmpfiles(e)
                        && append.is_empty()
                        && tmpfiles::fits(&bytes)
                        && tmpfiles::escape_path(&image_path).is_some() =>
                {
                    let line = tmpfiles::file(&image_path, mode, uid, gid, &bytes).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => {
                    let content = self.content(bytes);
                    let append = append.into_iter().map(|a| self.content(a)).collect();
                    self.writes.push(Step::Write {
                        path: path.into(),
                        mode: mode.to_string(),
                        owner: Self::step_owner(&file.node.user, &file.node.group),
                        content,
                        append,
                        placement,
                        sources,
                    });
                }
            }
        } else if let Some(dir) = dir {
            let mode = dir.applied_mode();
            match resolve_owner(&dir.node.user).zip(resolve_owner(&dir.node.group)) {
                Some(owners) if self.baked(e) => {
                    self.add_special(
                        &image_path,
                        EntryType::Directory,
                        mode,
                        owners,
                        None,
                        &placement,
                        "directory",
                        sources,
                        Some(e.span),
                    );
                }
                Some((uid, gid)) if self.as_tmpfiles(e) && tmpfiles::escape_path(&image_path).is_some() => {
                    let line = tmpfiles::directory(&image_path, mode, uid, gid).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => self.writes.push(Step::Mkdir {
                    path: path.into(),
                    mode: mode.to_string(),
                    owner: Self::step_owner(&dir.node.user, &dir.node.group),
                    placement,
                    sources,
                }),
            }
        } else if let Some(link) = link {
            let target = link.target.as_ref().map(|t| t.value.clone()).unwrap_or_default();
            let hard = link.hard.as_ref().is_some_and(|h| h.value);
            match resolve_owner(&link.node.user).zip(resolve_owner(&link.node.group)) {
                Some(owners) if self.baked(e) && !hard => {
                    self.add_special(
                        &image_path,
                        EntryType::Symlink,
                        Mode::LINK,
                        owners,
                        Some(target),
                        &placement,
                        "link",
                        sources,
                        Some(e.span),
                    );
                }
                Some(_) if self.as_tmpfiles(e) && !hard && tmpfiles::escape_path(&image_path).is_some() => {
                    let line = tmpfiles::symlink(&image_path, &target).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => self.writes.push(Step::Link {
                    path: path.into(),
                    target,
                    hard,
                    owner: Self::step_owner(&link.node.user, &link.node.group),
                    placement,
                    sources,
                }),
            }
        }
    }
}
