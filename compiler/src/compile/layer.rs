//! The image layer's entries: files, directories and links at their image paths with exact
//! modes and numeric owners, the parents they need, their blobs, and the image labels.

use super::pool::Builder;
use crate::codes;
use mcc_contract::layer_plan::*;
use mcc_contract::{Mode, sha256_hex};

use crate::diagnostic::Diagnostic;
use crate::render::RenderedPool;
use crate::source::Span;

/// Image label keys.
pub const LABEL_RENDERED: &str = "machineconfig";
pub const LABEL_POOL: &str = "machineconfigpool";
pub const LABEL_BASE: &str = "baseOSContainerImage";
pub const LABEL_SOURCE_DIGEST: &str = "io.openshift.mcc.source-digest";
/// The pool's `MachineOSConfig`, when it has one.
pub const LABEL_MACHINE_OS_CONFIG: &str = "io.openshift.mcc.machine-os-config";

/// `sha256:` of the rendered spec's canonical JSON (hashed once, when the pool was rendered).
pub fn source_digest(pool: &RenderedPool) -> String {
    format!("sha256:{}", pool.spec_sha256())
}

/// The placement of a generated entry (a parent, a link `systemctl enable` makes), by its path.
pub(super) fn placement_of_path(path: &str) -> &'static str {
    if path == "/etc" || path.starts_with("/etc/") { "etc" } else { "image" }
}

impl Builder<'_, '_> {
    pub(super) fn blob(&mut self, bytes: Vec<u8>) -> String {
        let digest = sha256_hex(&bytes);
        self.blobs.entry(digest.clone()).or_insert(bytes);
        digest
    }

    /// Adds a layer entry; the same path twice is a conflict unless both are the same entry.
    fn add(&mut self, entry: ImageEntry, span: Option<Span>) {
        if let Some(existing) = self.entries.get_mut(&entry.path) {
            let same = existing.kind == entry.kind
                && existing.mode == entry.mode
                && (existing.uid, existing.gid) == (entry.uid, entry.gid)
                && existing.sha256 == entry.sha256
                && existing.target == entry.target;
            if same {
                for s in entry.sources {
                    if !existing.sources.contains(&s) {
                        existing.sources.push(s);
                    }
                }
                return;
            }
            let message = format!(
                "two entries land on `{}` in the image: {} (from {}) and {} (from {})",
                entry.path,
                existing.origin,
                if existing.sources.is_empty() { "mcc".into() } else { existing.sources.join(", ") },
                entry.origin,
                if entry.sources.is_empty() { "mcc".into() } else { entry.sources.join(", ") },
            );
            let diagnostic = match span {
                Some(span) => Diagnostic::new(&codes::IMAGE_PATH_CONFLICT, span, message),
                None => Diagnostic::general(&codes::IMAGE_PATH_CONFLICT, message),
            };
            self.errors.push(diagnostic.with_help("keep one of them; links of the layout (such as /bin → /usr/bin) are followed before entries are compared"));
            return;
        }
        self.entries.insert(entry.path.clone(), entry);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_file(
        &mut self,
        path: &str,
        mode: Mode,
        (uid, gid): (u32, u32),
        bytes: Vec<u8>,
        placement: &str,
        origin: &str,
        sources: Vec<String>,
        span: Option<Span>,
    ) {
        let size = bytes.len() as u64;
        let digest = self.blob(bytes);
        self.add(
            ImageEntry {
                path: path.to_string(),
                kind: EntryType::File,
                mode: mode.to_string(),
                uid,
                gid,
                size: Some(size),
                sha256: Some(digest),
                target: None,
                placement: placement.into(),
                origin: origin.into(),
                sources,
                relocated_from: None,
            },
            span,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_special(
        &mut self,
        path: &str,
        kind: EntryType,
        mode: Mode,
        owner: (u32, u32),
        target: Option<String>,
        placement: &str,
        origin: &str,
        sources: Vec<String>,
        span: Option<Span>,
    ) {
        self.add(
            ImageEntry {
                path: path.to_string(),
                kind,
                mode: mode.to_string(),
                uid: owner.0,
                gid: owner.1,
                size: None,
                sha256: None,
                target,
                placement: placement.into(),
                origin: origin.into(),
                sources,
                relocated_from: None,
            },
            span,
        );
    }

    /// Records where a relocated entry came from on its layer entry at `path`.
    pub(super) fn mark_relocated(&mut self, path: &str, e: &crate::graph::Entry) {
        if let (Some(relocation), Some(entry)) = (&e.relocation, self.entries.get_mut(path)) {
            entry.relocated_from = Some(relocation.from.clone());
        }
    }

    /// The directories above every entry, created for it when the config does not: 0755 root.
    pub(super) fn add_parents(&mut self) {
        let paths: Vec<String> = self.entries.keys().cloned().collect();
        for path in paths {
            let mut parent = path.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if up.is_empty() {
                    break;
                }
                parent = up;
                match self.entries.get(parent) {
                    Some(existing) if existing.kind == EntryType::Directory => {}
                    Some(existing) => {
                        let message = format!(
                            "`{path}` is below `{parent}`, which the image holds as a {:?}, not a directory",
                            existing.kind
                        )
                        .to_lowercase();
                        self.errors.push(Diagnostic::general(&codes::IMAGE_PATH_CONFLICT, message));
                        break;
                    }
                    None => {
                        let placement = placement_of_path(parent);
                        self.add_special(
                            parent,
                            EntryType::Directory,
                            Mode::DIRECTORY,
                            (0, 0),
                            None,
                            placement,
                            "parent",
                            Vec::new(),
                            None,
                        );
                    }
                }
            }
        }
    }
}
