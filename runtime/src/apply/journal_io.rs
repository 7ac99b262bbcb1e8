//! The journal on disk (`journal` describes it): loaded with the log of an interrupted run
//! replayed, one line appended and fdatasynced a finished step, compacted at the end of a run.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;

use rustix::fs::{AtFlags, Mode, OFlags};

use super::diagnostic::{failed, resolve_diagnostic};
use super::fs::{temp_name, write_atomically};
use super::journal::{self, JOURNAL_PATH, Journal, JournalStep, LOG_PATH, LogLine};
use super::{Applier, Diagnostic};

/// The log of this run: open once the first step is recorded.
#[derive(Default)]
pub(super) struct JournalLog {
    file: Option<File>,
    /// A log was found or written: the end of the run compacts it into the document.
    pending: bool,
}

impl Applier<'_> {
    /// The journal of this plan (the document, then the log of an interrupted run), and a note
    /// for the user.
    pub(super) fn load_journal(&self) -> (Journal, Option<String>) {
        let actions = &self.steps.actions;
        let fresh = Journal::new(&self.steps.digest, &actions.pool, &actions.rendered_config);
        let (mut journal, mut note) = match self.read(JOURNAL_PATH) {
            Ok(Some(bytes)) => match serde_json::from_slice::<Journal>(&bytes) {
                Ok(j) if j.schema == journal::JOURNAL_SCHEMA && j.plan == self.steps.digest => (j.sorted(), None),
                Ok(j) => (
                    fresh,
                    Some(format!(
                        "the journal is of another plan ({}, {}): this one starts from its first step",
                        j.rendered_config, j.plan
                    )),
                ),
                Err(_) => (fresh, Some(format!("the journal {JOURNAL_PATH} does not parse: starting over"))),
            },
            Ok(None) => (fresh, None),
            Err(e) => (fresh, Some(format!("the journal {JOURNAL_PATH} cannot be read ({e}): starting over"))),
        };
        if let Ok(Some(log)) = self.read(LOG_PATH) {
            journal.replay(&log);
        }
        let done = journal.steps.len();
        if note.is_none() && done > 0 && done < actions.steps.len() {
            note = Some(format!("resuming: the journal has {done} of the {} steps", actions.steps.len()));
        }
        (journal, note)
    }

    /// Records a finished step: in memory, and as one line of the log, on disk before the next
    /// step starts.
    pub(super) fn append_journal(&self, record: JournalStep) -> Result<(), Box<Diagnostic>> {
        self.journal.borrow_mut().record(record.clone());
        self.append_line(&LogLine::Step(record))
    }

    /// Writes one line to the log and fdatasyncs it.
    pub(super) fn append_line(&self, line: &LogLine) -> Result<(), Box<Diagnostic>> {
        self.append_lines(std::slice::from_ref(line))
    }

    /// Writes lines to the log and fdatasyncs it once. The first lines of a run start the log
    /// afresh with every record so far (the journal in memory holds these lines' records).
    pub(super) fn append_lines(&self, lines: &[LogLine]) -> Result<(), Box<Diagnostic>> {
        let io = |e: std::io::Error| failed(format!("cannot write the journal log {LOG_PATH}: {e}"));
        let mut log = self.log.borrow_mut();
        let file = match &mut log.file {
            Some(file) => {
                file.write_all(&lines.iter().flat_map(LogLine::to_line).collect::<Vec<u8>>()).map_err(io)?;
                file
            }
            None => {
                let resolved =
                    self.root.resolve_creating(LOG_PATH, false).map_err(|e| resolve_diagnostic("the journal", e))?;
                let dir = resolved.parent.fd.as_fd();
                // An old log (an interrupted run's) is replaced only once the fresh one, holding
                // its records too, is whole: the fresh log is written under a temporary name,
                // synced, then renamed over it (truncating it in place lost, to a kill right
                // after, the records of what the interrupted run replaced). With no old log there
                // is nothing to lose: the log is made in place, and a kill leaves a partial log,
                // read as far as it is whole as an append cut short is, not a temporary file that
                // nothing would ever remove.
                let old_log = rustix::fs::statat(dir, resolved.name.as_str(), AtFlags::SYMLINK_NOFOLLOW).is_ok();
                let name = if old_log { temp_name(&resolved.name) } else { resolved.name.clone() };
                let fd = rustix::fs::openat(
                    dir,
                    name.as_str(),
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::TRUNC
                        | OFlags::APPEND
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o644),
                )
                .map_err(|e| io(e.into()))?;
                if self.options.crash_in_log_restart {
                    std::process::abort();
                }
                let mut file = File::from(fd);
                // The journal in memory already holds this line's record.
                file.write_all(&self.journal.borrow().log_lines()).map_err(io)?;
                file.sync_data().map_err(io)?;
                if old_log {
                    rustix::fs::renameat(dir, name.as_str(), dir, resolved.name.as_str()).map_err(|e| io(e.into()))?;
                }
                rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
                log.pending = true;
                log.file.insert(file)
            }
        };
        file.sync_data().map_err(io)
    }

    /// Writes the journal as one document and removes the log, when this run found or wrote one.
    pub(super) fn compact_journal(&self) -> Result<(), Box<Diagnostic>> {
        let found = matches!(self.read(LOG_PATH), Ok(Some(_)));
        if !self.log.borrow().pending && !found {
            return Ok(());
        }
        self.note_left();
        let journal = self.journal.borrow();
        let resolved =
            self.root.resolve_creating(JOURNAL_PATH, false).map_err(|e| resolve_diagnostic("the journal", e))?;
        write_atomically(&resolved, &journal.to_bytes(), 0o644, 0, 0)
            .map_err(|e| failed(format!("cannot write the journal {JOURNAL_PATH}: {e}")))?;
        let log_name = LOG_PATH.rsplit('/').next().expect("a file name");
        match rustix::fs::unlinkat(resolved.parent.fd.as_fd(), log_name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => {}
            Err(e) => return Err(failed(format!("cannot remove the journal log {LOG_PATH}: {e}"))),
        }
        rustix::fs::fsync(resolved.parent.fd.as_fd())
            .map_err(|e| failed(format!("cannot write the journal {JOURNAL_PATH}: {e}")))?;
        Ok(())
    }
}
