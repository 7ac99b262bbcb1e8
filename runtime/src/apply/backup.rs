//! What the steps replace, kept for `mcc apply --rollback`: before a primitive changes a path for
//! the first time in a plan's journal, the path's state is recorded in the journal log (and a
//! file's contents saved under [`BACKUP_DIR`]), both on disk before the change is made. At the end
//! of a run, the state each recorded path was left in is noted too, so a rollback can tell whether
//! the tree changed since.

use std::collections::HashSet;
use std::io;
use std::os::fd::AsFd;

use rustix::fs::{AtFlags, FileType};

use mcc_contract::sha256_hex;

use super::diagnostic::{failed, resolve_diagnostic};
use super::fs::{is_temp_name, list_dir, read_at, remove_stale_temp, replace_file, write_atomically};
use super::journal::{BACKUP_DIR, LogLine, Replaced, State};
use super::overlay::Node;
use super::resolve::{self, Resolved, Walk, file_type, lstat, read_link};
use super::{Applier, Diagnostic};

fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

impl Applier<'_> {
    /// The state of the in-root `path` (its last component not followed), with a regular file's
    /// bytes when `with_bytes`.
    pub(super) fn state(&self, path: &str, with_bytes: bool) -> io::Result<(State, Option<Vec<u8>>)> {
        if self.options.dry_run {
            return self.dry_state(path);
        }
        let walk = self.root.resolve(path, false, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(resolved) = walk else { return Ok((State::Absent, None)) };
        let dir = resolved.parent.fd.as_fd();
        let Some(stat) = lstat(dir, &resolved.name)? else { return Ok((State::Absent, None)) };
        let (uid, gid) = (stat.st_uid, stat.st_gid);
        Ok(match file_type(&stat) {
            FileType::RegularFile => {
                let bytes = read_at(dir, &resolved.name)?;
                let state = State::File { sha256: sha256_hex(&bytes), mode: octal(stat.st_mode), uid, gid };
                (state, with_bytes.then_some(bytes))
            }
            FileType::Symlink => (State::Link { target: read_link(dir, &resolved.name)?, uid, gid }, None),
            FileType::Directory => (State::Directory { mode: octal(stat.st_mode), uid, gid }, None),
            _ => (State::Special { mode: format!("{:o}", stat.st_mode) }, None),
        })
    }

    /// [`Applier::state`] in a dry run: as the earlier steps left the path.
    fn dry_state(&self, path: &str) -> io::Result<(State, Option<Vec<u8>>)> {
        let Some((at, node)) = self.look(path).map_err(|e| io::Error::other(e.to_string()))? else {
            return Ok((State::Absent, None));
        };
        Ok((
            match node {
                Node::File { mode, uid, gid, .. } => {
                    State::File { sha256: sha256_hex(&self.bytes_at(&at)?), mode: octal(mode), uid, gid }
                }
                Node::Link { target, uid, gid } => State::Link { target, uid, gid },
                Node::Dir { mode, uid, gid } => State::Directory { mode: octal(mode), uid, gid },
                Node::Special { mode } => State::Special { mode: format!("{mode:o}") },
            },
            None,
        ))
    }

    /// Keeps what the in-root `path` is before a step changes it, once per path and journal: the
    /// record in the log and a file's contents in [`BACKUP_DIR`], on disk before it returns.
    pub(super) fn keep(&self, label: &str, path: &str) -> Result<(), Box<Diagnostic>> {
        if !self.record || self.kept.borrow().contains(path) {
            return Ok(());
        }
        if self.kept.borrow().is_empty() && self.journal.borrow().replaced.is_empty() {
            // The first record of this plan's journal: what another plan's apply (or a lost
            // journal) left in the backups is of no use any more.
            self.sweep_backups()?;
        }
        let io = |e: io::Error| failed(format!("{label}: cannot keep what `{path}` was, for a rollback: {e}"));
        let (was, bytes) = self.state(path, true).map_err(io)?;
        // In a batch keeping ahead, the contents are synced and the record written for the
        // whole batch at once (`batch`).
        let ahead = self.batch.borrow().as_ref().is_some_and(|b| b.keeping_ahead);
        if let (State::File { sha256, .. }, Some(bytes)) = (&was, bytes) {
            let backup = format!("{BACKUP_DIR}/{sha256}");
            let resolved = self.root.resolve_creating(&backup, false).map_err(|e| resolve_diagnostic(label, e))?;
            // One already there is used only when whole: a crash (a power cut) may leave an
            // unsynced one empty.
            let dir = resolved.parent.fd.as_fd();
            let whole = lstat(dir, &resolved.name).map_err(io)?.is_some_and(|stat| {
                u64::try_from(stat.st_size) == Ok(bytes.len() as u64)
                    && read_at(dir, &resolved.name).is_ok_and(|b| sha256_hex(&b) == *sha256)
            });
            if !whole && ahead {
                replace_file(&resolved, &bytes, (0o600, 0, 0), false).map_err(io)?;
                self.batch.borrow_mut().as_mut().expect("a batch").unsynced_backups = true;
            } else if !whole {
                write_atomically(&resolved, &bytes, 0o600, 0, 0).map_err(io)?;
            }
        }
        self.kept.borrow_mut().insert(path.to_string());
        let replaced = Replaced { path: path.to_string(), was, left: None };
        self.journal.borrow_mut().record_replaced(replaced.clone());
        let line = LogLine::Replaced { replaced };
        if ahead {
            self.batch.borrow_mut().as_mut().expect("a batch").lines.push(line);
            return Ok(());
        }
        self.append_line(&line)
    }

    /// Keeps, as absent, the directories that resolving `path` with creation would make.
    pub(super) fn keep_created(&self, label: &str, path: &str, follow_last: bool) -> Result<(), Box<Diagnostic>> {
        if !self.record {
            return Ok(());
        }
        let walk = self.root.resolve(path, follow_last, None).map_err(|e| resolve_diagnostic(label, e))?;
        let Walk::Missing { first_missing, path: at } = walk else { return Ok(()) };
        let below: Vec<&str> = at.strip_prefix(first_missing.as_str()).unwrap_or_default().split('/').collect();
        let mut dir = first_missing.clone();
        self.keep(label, &dir)?;
        // `below` is `["", parts…, last]`: every part but the entry itself is a directory made.
        for part in below.iter().skip(1).take(below.len().saturating_sub(2)) {
            dir = resolve::join(&dir, part);
            self.keep(label, &dir)?;
        }
        Ok(())
    }

    /// Notes the state each recorded path is left in, at the end of a run.
    pub(super) fn note_left(&self) {
        let paths: Vec<String> = self.journal.borrow().replaced.iter().map(|r| r.path.clone()).collect();
        let left: Vec<Option<State>> = paths.iter().map(|p| self.state(p, false).ok().map(|(s, _)| s)).collect();
        for (record, left) in self.journal.borrow_mut().replaced.iter_mut().zip(left) {
            record.left = left;
        }
    }

    /// Removes the kept contents no record of the journal names (another plan's, or a crash's).
    pub(super) fn sweep_backups(&self) -> Result<(), Box<Diagnostic>> {
        let walk = self.root.resolve(BACKUP_DIR, false, None).map_err(|e| resolve_diagnostic("the backups", e))?;
        let Walk::Found(resolved) = walk else { return Ok(()) };
        let journal = self.journal.borrow();
        let kept: HashSet<&str> = journal
            .replaced
            .iter()
            .filter_map(|r| match &r.was {
                State::File { sha256, .. } => Some(sha256.as_str()),
                _ => None,
            })
            .collect();
        remove_backups(&resolved, |name| !kept.contains(name))
    }

    /// Removes the temporaries a killed run left while it made the directories of mcc's own
    /// state (`/var/lib/mcc`, [`BACKUP_DIR`], and `/var/lib` or `/var` on a root without them),
    /// each an empty directory under its fixed temporary name (`create_dir`). No record names
    /// them: an apply killed there, before its first record, leaves nothing for a rollback to
    /// restore, and without this its temporaries stayed for good.
    pub(super) fn sweep_state_temporaries(&self) -> Result<(), Box<Diagnostic>> {
        let mut dir = String::new();
        for part in BACKUP_DIR.split('/').skip(1) {
            dir = format!("{dir}/{part}");
            // `Found` when the parent is there, whether or not the directory itself is; a root
            // where it cannot be walked to has no temporary of it either.
            let Ok(Walk::Found(resolved)) = self.root.resolve(&dir, false, None) else { return Ok(()) };
            remove_stale_temp(resolved.parent.fd.as_fd(), &resolved.name)
                .map_err(|e| failed(format!("cannot remove the temporary of {dir}: {e}")))?;
            if dir == BACKUP_DIR {
                // And a kept content's temporary (a kill as it was written, before its record).
                // The kept contents themselves stay: they may be another plan's journal's.
                return remove_backups(&resolved, is_temp_name);
            }
        }
        Ok(())
    }

    /// The previous contents of a file, as kept, checked against their digest.
    pub(super) fn backup_bytes(&self, sha256: &str) -> Result<Vec<u8>, String> {
        let path = format!("{BACKUP_DIR}/{sha256}");
        match self.read(&path) {
            Ok(Some(bytes)) if sha256_hex(&bytes) == sha256 => Ok(bytes),
            Ok(Some(_)) => Err(format!("the kept contents {path} do not match their digest")),
            Ok(None) => Err(format!("the kept contents {path} are missing")),
            Err(e) => Err(format!("cannot read the kept contents {path}: {e}")),
        }
    }
}

/// Removes the entries of the backup directory at `resolved` that `remove` names, when it is a
/// directory, and syncs it.
fn remove_backups(resolved: &Resolved, remove: impl Fn(&str) -> bool) -> Result<(), Box<Diagnostic>> {
    let io = |e: io::Error| failed(format!("cannot tidy {BACKUP_DIR}: {e}"));
    let Some(stat) = lstat(resolved.parent.fd.as_fd(), &resolved.name).map_err(io)? else { return Ok(()) };
    if file_type(&stat) != FileType::Directory {
        return Ok(());
    }
    let dir = resolve::open_dir(resolved.parent.fd.as_fd(), &resolved.name).map_err(io)?;
    for (name, _) in list_dir(dir.as_fd()).map_err(io)? {
        if remove(&name) {
            rustix::fs::unlinkat(dir.as_fd(), name.as_str(), AtFlags::empty()).map_err(|e| io(e.into()))?;
        }
    }
    rustix::fs::fsync(dir.as_fd()).map_err(|e| io(e.into()))
}
