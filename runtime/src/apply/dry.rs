//! The primitives of a dry run: each decides as its counterpart in `fs` does, on the tree the
//! earlier steps would have left ([`view`](super::view)), records what it would do in the
//! overlay, and says so in the run's words with "would" (`created X` is `would create X`).

use std::io;

use super::diagnostic::{failed, resolve_diagnostic};
use super::fs::mode_owner;
use super::overlay::{Entry, Node};
use super::view::ViewWalk;
use super::{Applier, Diagnostic};

impl Applier<'_> {
    /// Resolves `path`, making its missing directories in the overlay: its resolved path, the
    /// path as shown, and the directories it would create.
    fn dry_place(
        &self,
        label: &str,
        path: &str,
        follow_last: bool,
    ) -> Result<(String, String, Vec<String>), Box<Diagnostic>> {
        match self.view_resolve(path, follow_last, true).map_err(|e| resolve_diagnostic(label, e))? {
            ViewWalk::Found { path: at, created } => {
                let shown = self.shown(path, &at);
                Ok((at, shown, created.iter().map(|d| format!("would create {d}")).collect()))
            }
            ViewWalk::Missing => Err(failed(format!("{label}: a directory of `{path}` could not be created"))),
        }
    }

    fn node_or_fail(&self, label: &str, at: &str) -> Result<Option<Node>, Box<Diagnostic>> {
        self.node(at).map_err(|e: io::Error| failed(format!("{label}: {e}")))
    }

    pub(super) fn dry_put_file(
        &self,
        label: &str,
        path: &str,
        bytes: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let (at, shown, mut changes) = self.dry_place(label, path, false)?;
        match self.node_or_fail(label, &at)? {
            Some(Node::Dir { .. }) => return Err(failed(format!("{label}: `{at}` is a directory, not a file"))),
            Some(Node::File { mode: m, uid: u, gid: g, size })
                if (m, u, g) == (mode, uid, gid)
                    && size == bytes.len() as u64
                    && self.bytes_at(&at).map_err(|e| failed(format!("{label}: {e}")))? == bytes =>
            {
                return Ok(changes);
            }
            _ => {}
        }
        let mut overlay = self.overlay.borrow_mut();
        let identity = overlay.new_identity();
        overlay.put(&at, Entry::File { bytes: bytes.to_vec(), mode, uid, gid, identity });
        changes.push(format!("would write {shown} ({}, {} bytes)", mode_owner(mode, uid, gid), bytes.len()));
        Ok(changes)
    }

    pub(super) fn dry_put_symlink(
        &self,
        label: &str,
        path: &str,
        target: &str,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let (at, shown, mut changes) = self.dry_place(label, path, false)?;
        match self.node_or_fail(label, &at)? {
            Some(Node::Dir { .. }) => return Err(failed(format!("{label}: `{at}` is a directory, not a link"))),
            Some(Node::Link { target: t, uid: u, gid: g }) if t == target && (u, g) == (uid, gid) => {
                return Ok(changes);
            }
            _ => {}
        }
        self.overlay.borrow_mut().put(&at, Entry::Link { target: target.to_string(), uid, gid });
        changes.push(format!("would link {shown} → {target}"));
        Ok(changes)
    }

    pub(super) fn dry_put_hard_link(
        &self,
        label: &str,
        path: &str,
        target: &str,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let missing = || failed(format!("{label}: the hard link target `{target}` does not exist"));
        let source = match self.view_resolve(target, false, false).map_err(|e| resolve_diagnostic(label, e))? {
            ViewWalk::Found { path, .. } => path,
            ViewWalk::Missing => return Err(missing()),
        };
        let source_node = match self.node_or_fail(label, &source)? {
            None => return Err(missing()),
            Some(Node::Dir { .. }) => {
                return Err(failed(format!("{label}: the hard link target `{target}` is a directory")));
            }
            Some(node) => node,
        };
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let identity = self.identity(&source).map_err(io)?;
        let (at, shown, mut changes) = self.dry_place(label, path, false)?;
        if identity.is_some() && self.identity(&at).map_err(io)? == identity {
            return Ok(changes);
        }
        // The new name shows what the old one does: a file's bytes, or a link's target (a special
        // file, which mcc never reads, is not pictured).
        let entry = match source_node {
            Node::Link { target, uid, gid } => Some(Entry::Link { target, uid, gid }),
            Node::File { mode, uid, gid, .. } => Some(Entry::File {
                bytes: self.bytes_at(&source).map_err(io)?,
                mode,
                uid,
                gid,
                identity: identity.unwrap_or_else(|| self.overlay.borrow_mut().new_identity()),
            }),
            Node::Dir { .. } | Node::Special { .. } => None,
        };
        if let Some(entry) = entry {
            self.overlay.borrow_mut().put(&at, entry);
        }
        changes.push(format!("would hard-link {shown} to {target}"));
        Ok(changes)
    }

    pub(super) fn dry_dir(
        &self,
        label: &str,
        path: &str,
        (mode, uid, gid): (u32, u32, u32),
        converge: bool,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let (at, shown, mut changes) = self.dry_place(label, path, true)?;
        match self.node_or_fail(label, &at)? {
            Some(Node::Dir { mode: m, uid: u, gid: g }) => {
                if !converge || (m, u, g) == (mode, uid, gid) {
                    return Ok(changes);
                }
                let made = matches!(self.overlay.borrow().get(&at), Some(Entry::Dir { made: true, .. }));
                self.overlay.borrow_mut().put(&at, Entry::Dir { mode, uid, gid, made });
                changes.push(format!("would set {shown} to {}", mode_owner(mode, uid, gid)));
            }
            Some(_) => return Err(failed(format!("{label}: `{at}` exists and is not a directory"))),
            None => {
                self.overlay.borrow_mut().put(&at, Entry::Dir { mode, uid, gid, made: true });
                changes.push(format!("would create {shown} ({})", mode_owner(mode, uid, gid)));
            }
        }
        Ok(changes)
    }

    pub(super) fn dry_remove(&self, label: &str, path: &str, directory: bool) -> Result<Vec<String>, Box<Diagnostic>> {
        let at = match self.view_resolve(path, false, false).map_err(|e| resolve_diagnostic(label, e))? {
            ViewWalk::Found { path, .. } => path,
            ViewWalk::Missing => return Ok(Vec::new()),
        };
        let shown = self.shown(path, &at);
        let Some(node) = self.node_or_fail(label, &at)? else { return Ok(Vec::new()) };
        if matches!(node, Node::Dir { .. }) {
            if !directory {
                return Err(failed(format!("{label}: `{at}` is a directory; the plan removes a file there")));
            }
            let entries = self.entries(&at).map_err(|e| resolve_diagnostic(label, e))?;
            if entries.is_some_and(|e| !e.is_empty()) {
                return Ok(vec![format!("would keep {shown}: not empty")]);
            }
        }
        self.overlay.borrow_mut().put(&at, Entry::Absent);
        Ok(vec![format!("would remove {shown}")])
    }

    /// `password-hash` in a dry run: `/etc/shadow` as the earlier steps left it.
    pub(super) fn dry_shadow(
        &self,
        label: &str,
        new: impl FnOnce(&str) -> Result<String, Box<Diagnostic>>,
    ) -> Result<bool, Box<Diagnostic>> {
        let no_shadow = || failed(format!("{label}: the root has no /etc/shadow"));
        let at = match self.view_resolve("/etc/shadow", true, false).map_err(|e| resolve_diagnostic(label, e))? {
            ViewWalk::Found { path, .. } => path,
            ViewWalk::Missing => return Err(no_shadow()),
        };
        let (mode, uid, gid) = match self.node_or_fail(label, &at)? {
            None => return Err(no_shadow()),
            Some(Node::File { mode, uid, gid, .. }) => (mode, uid, gid),
            Some(_) => return Err(failed(format!("{label}: `{at}` is not a regular file"))),
        };
        let text =
            String::from_utf8_lossy(&self.bytes_at(&at).map_err(|e| failed(format!("{label}: {e}")))?).into_owned();
        let updated = new(&text)?;
        if updated == text {
            return Ok(false);
        }
        let mut overlay = self.overlay.borrow_mut();
        let identity = overlay.new_identity();
        overlay.put(&at, Entry::File { bytes: updated.into_bytes(), mode, uid, gid, identity });
        Ok(true)
    }
}
