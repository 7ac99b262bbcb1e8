//! Runs of consecutive file writes (`write`, `write-unit`, `write-dropin`: most of a plan) are
//! carried out in batches of up to [`BATCH`] steps, so that what makes them safe is paid once a
//! batch rather than once a file, in this order:
//!
//! 1. *keep ahead*: every path the batch will change is kept for `--rollback` (`backup`): the
//!    previous contents written under [`BACKUP_DIR`](super::journal::BACKUP_DIR) without an
//!    fsync each, then one `syncfs` of that filesystem, then the batch's records appended to the
//!    journal log and fdatasynced once. A record is on disk only after its contents are, and both
//!    before any file of the batch is replaced;
//! 2. *change*: each step as alone (its temporary file fsynced, then renamed into place), except
//!    that the directories it renamed into are fsynced once, at the end of the batch;
//! 3. *record*: the batch's finished steps appended to the log and fdatasynced once, after those
//!    directories: a step is journaled as done only once its change is on disk.
//!
//! A kill at any instant leaves what a kill between two unbatched steps leaves: steps journaled
//! only when done (the rest carried out again, each converging, its leftover temporary file
//! removed), and what they replaced kept before it was. Other steps run one at a time, each
//! journaled before the next starts.

use std::collections::BTreeMap;
use std::os::fd::{AsFd, OwnedFd};

use mcc_contract::node_actions::Step;

use super::diagnostic::{failed, resolve_diagnostic};
use super::journal::{BACKUP_DIR, JournalStep, LogLine};
use super::resolve::{Dir, Walk, file_type, lstat};
use super::{Applier, Diagnostic};
use rustix::fs::FileType;

/// The most steps a batch holds: the records and directories it keeps open stay small, and a
/// kill loses at most this many steps' journal records (they run again, finding their files done).
pub(super) const BATCH: usize = 512;

/// Whether a step is a file write, carried out in a batch.
pub(super) fn is_batched(step: &Step) -> bool {
    matches!(step, Step::Write { .. } | Step::WriteUnit { .. } | Step::WriteDropin { .. })
}

/// The batch under way.
#[derive(Default)]
pub(super) struct Batch {
    /// Keeping ahead (1): what `keep` records waits here, and backups are not fsynced one by one.
    pub(super) keeping_ahead: bool,
    pub(super) lines: Vec<LogLine>,
    pub(super) unsynced_backups: bool,
    /// The directories files were renamed into (2), by in-root path, to fsync at the end.
    dirs: BTreeMap<String, OwnedFd>,
}

/// A file write: where, what, and with which mode and owner.
pub(super) struct FileWrite<'s> {
    pub(super) path: &'s str,
    pub(super) bytes: Vec<u8>,
    pub(super) mode: u32,
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl Applier<'_> {
    /// Starts a batch at the step `from` (a file write to carry out): keeps ahead what the
    /// batch's writes will replace, and returns the index after its last step.
    pub(super) fn start_batch(&self, from: usize, todo: impl Fn(usize) -> bool) -> Result<usize, Box<Diagnostic>> {
        let steps = &self.steps.actions.steps;
        let end = (from..steps.len().min(from + BATCH))
            .find(|&i| !is_batched(&steps[i]))
            .unwrap_or(steps.len().min(from + BATCH));
        *self.batch.borrow_mut() = Some(Batch { keeping_ahead: true, ..Batch::default() });
        for i in (from..end).filter(|&i| todo(i)) {
            let label = format!("step {}", i + 1);
            // A step that cannot be prepared fails when it is carried out, with its own label.
            if let Ok(Some(write)) = self.file_write(&label, &steps[i]) {
                self.keep_ahead(&label, &write)?;
            }
        }
        let lines = {
            let mut batch = self.batch.borrow_mut();
            let batch = batch.as_mut().expect("a batch is under way");
            batch.keeping_ahead = false;
            if batch.unsynced_backups {
                self.sync_backups()?;
            }
            std::mem::take(&mut batch.lines)
        };
        if !lines.is_empty() {
            self.append_lines(&lines)?;
        }
        Ok(end)
    }

    /// Keeps what `write` will replace, when it changes anything (as `put_file` decides).
    fn keep_ahead(&self, label: &str, write: &FileWrite) -> Result<(), Box<Diagnostic>> {
        let at = match self.root.resolve(write.path, false, None) {
            Ok(Walk::Found(r)) => r,
            Ok(Walk::Missing { path, .. }) => {
                self.keep_created(label, write.path, false)?;
                return self.keep(label, &path);
            }
            // Carrying the step out reports it.
            Err(_) => return Ok(()),
        };
        let dir = at.parent.fd.as_fd();
        let same = match lstat(dir, &at.name).map_err(|e| failed(format!("{label}: {e}")))? {
            Some(stat) => {
                file_type(&stat) == FileType::RegularFile
                    && stat.st_mode & 0o7777 == write.mode
                    && (stat.st_uid, stat.st_gid) == (write.uid, write.gid)
                    && u64::try_from(stat.st_size) == Ok(write.bytes.len() as u64)
                    && super::fs::read_at(dir, &at.name).is_ok_and(|b| b == write.bytes)
            }
            None => false,
        };
        if same { Ok(()) } else { self.keep(label, &at.path()) }
    }

    /// One `syncfs` of the filesystem holding the backups: the batch's kept contents on disk.
    fn sync_backups(&self) -> Result<(), Box<Diagnostic>> {
        let io = |e: std::io::Error| failed(format!("cannot sync {BACKUP_DIR}: {e}"));
        let walk = self.root.resolve(BACKUP_DIR, true, None).map_err(|e| resolve_diagnostic("the backups", e))?;
        let Walk::Found(r) = walk else { return Ok(()) };
        let fd = super::resolve::open_dir(r.parent.fd.as_fd(), &r.name).map_err(io)?;
        rustix::fs::syncfs(fd.as_fd()).map_err(|e| io(e.into()))
    }

    /// Makes a rename into `dir` durable: now, or at the end of the batch under way.
    pub(super) fn sync_dir(&self, dir: &Dir) -> std::io::Result<()> {
        if let Some(batch) = self.batch.borrow_mut().as_mut() {
            if !batch.dirs.contains_key(&dir.path) {
                batch.dirs.insert(dir.path.clone(), dir.fd.try_clone()?);
            }
            return Ok(());
        }
        rustix::fs::fsync(dir.fd.as_fd())?;
        Ok(())
    }

    /// Ends the batch: its directories fsynced, then its finished steps journaled.
    pub(super) fn finish_batch(&self, records: Vec<JournalStep>) -> Result<(), Box<Diagnostic>> {
        let Some(batch) = self.batch.borrow_mut().take() else { return Ok(()) };
        for (path, fd) in &batch.dirs {
            rustix::fs::fsync(fd.as_fd()).map_err(|e| failed(format!("cannot sync {path}: {e}")))?;
        }
        if records.is_empty() {
            return Ok(());
        }
        let lines: Vec<LogLine> = records.into_iter().map(LogLine::Step).collect();
        for line in &lines {
            if let LogLine::Step(record) = line {
                self.journal.borrow_mut().record(record.clone());
            }
        }
        self.append_lines(&lines)
    }
}
