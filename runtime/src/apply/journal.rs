//! The apply journal: which steps of which plan are done, kept in the root itself, at
//! [`JOURNAL_PATH`] (`/var/lib/mcc/apply-journal.json`).
//!
//! Why in the root: the journal describes the state of that root, so it lives and dies with it (a
//! root restored from a backup or replaced loses its journal, and the plan is applied again rather
//! than skipped), survives a reboot in the middle of an apply (`/var` is persistent and never
//! touched by an image update), and one plan directory can be applied to many roots. `/var/lib`
//! is where the MCD, too, keeps its state on a node.
//!
//! The document (`mcc.apply-journal/v1`) names the plan by the SHA-256 of its `node-actions.json`
//! and records, for each finished step, its index, its `op`, the SHA-256 of its JSON (which covers
//! the digests of its contents) and how it finished: `done` (the tree is as the step says),
//! `printed` (an action shown but not run, without `--run-actions`) or `ran`. It holds no times, so
//! the same plan applied to the same tree gives the same bytes, however many runs it took.
//!
//! It also keeps what the steps replaced, for `mcc apply --rollback` (`backup`): for every path a
//! step changed, in the order first changed, what was there before (absent, or a file's digest,
//! mode and owner, a link's target and owner, a directory's mode and owner) and, once the run
//! ends, what the run left there. A file's previous contents are kept under [`BACKUP_DIR`], named
//! by their SHA-256. Each record is in the log, with its contents saved, before the change is made.
//!
//! While a run goes, each finished step is appended as one JSON line to [`LOG_PATH`]
//! (`apply-journal.log`, beside it, its first line naming the plan) and fdatasynced before the
//! next step starts (file writes: a batch at a time, once their changes are on disk, `batch`), so
//! after a crash the two name only steps that finished; a line torn by the crash is ignored. At the end of the run (finished or stopped at a failed step) the records
//! are compacted into the document, written atomically (temporary file, fsync, rename, fsync of
//! the directory), and the log is removed. One small append a step keeps an apply linear in its
//! steps (rewriting the whole document after each made it quadratic). A journal or log of another
//! plan is replaced when the new one is compacted.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Where the journal lives, beneath the root.
pub const JOURNAL_PATH: &str = "/var/lib/mcc/apply-journal.json";
/// The records of the run in progress, beneath the root: JSON lines.
pub const LOG_PATH: &str = "/var/lib/mcc/apply-journal.log";
/// `v2` added `replaced`; a `v1` journal is taken for another plan's, so its plan is applied
/// again from its first step (each step converges, so this changes nothing that is already right).
pub const JOURNAL_SCHEMA: &str = "mcc.apply-journal/v2";
/// Where the previous contents of replaced files are kept, beneath the root, by SHA-256.
pub const BACKUP_DIR: &str = "/var/lib/mcc/backup";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Journal {
    /// Always [`JOURNAL_SCHEMA`].
    pub schema: String,
    /// `sha256:` of the plan's `node-actions.json`.
    pub plan: String,
    pub pool: String,
    pub rendered_config: String,
    /// The finished steps, by index.
    pub steps: Vec<JournalStep>,
    /// What the steps replaced, in the order first changed.
    pub replaced: Vec<Replaced>,
}

/// A path a step changed: what was there before, and what the run left there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replaced {
    /// The in-root path, symlinks on the way resolved.
    pub path: String,
    pub was: State,
    /// Set when the run that changed it ends; `None` after a crash, until a run ends.
    pub left: Option<State>,
}

/// What an in-root path is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum State {
    Absent,
    File {
        sha256: String,
        mode: String,
        uid: u32,
        gid: u32,
    },
    Link {
        target: String,
        uid: u32,
        gid: u32,
    },
    Directory {
        mode: String,
        uid: u32,
        gid: u32,
    },
    /// A FIFO, socket or device: recorded, never restored.
    Special {
        mode: String,
    },
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            State::Absent => write!(f, "absent"),
            State::File { sha256, mode, uid, gid } => {
                write!(f, "a file {mode} {uid}:{gid} with sha256 {}", &sha256[..12])
            }
            State::Link { target, uid, gid } => write!(f, "a link to {target} ({uid}:{gid})"),
            State::Directory { mode, uid, gid } => write!(f, "a directory {mode} {uid}:{gid}"),
            State::Special { mode } => write!(f, "a special file ({mode})"),
        }
    }
}

/// One line of [`LOG_PATH`] after its header: a finished step, or what a step is about to replace.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LogLine {
    Step(JournalStep),
    Replaced { replaced: Replaced },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JournalStep {
    pub index: usize,
    pub op: String,
    /// `sha256:` of the step's JSON.
    pub digest: String,
    pub result: StepResult,
}

/// The first line of [`LOG_PATH`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogHeader {
    plan: String,
}

impl LogLine {
    /// One line of [`LOG_PATH`].
    pub fn to_line(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("a journal record serializes");
        bytes.push(b'\n');
        bytes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepResult {
    /// The tree is as the step says.
    Done,
    /// An action shown, not run (no `--run-actions`).
    Printed,
    /// An action run.
    Ran,
}

impl Journal {
    pub fn new(plan: &str, pool: &str, rendered_config: &str) -> Journal {
        Journal {
            schema: JOURNAL_SCHEMA.into(),
            plan: plan.into(),
            pool: pool.into(),
            rendered_config: rendered_config.into(),
            steps: Vec::new(),
            replaced: Vec::new(),
        }
    }

    /// Records what a path was before its first change (the caller makes sure it is the first).
    pub fn record_replaced(&mut self, replaced: Replaced) {
        self.replaced.push(replaced);
    }

    /// Every line of a log holding this journal's records so far.
    pub fn log_lines(&self) -> Vec<u8> {
        let mut bytes = self.log_header();
        for replaced in &self.replaced {
            bytes.extend(LogLine::Replaced { replaced: replaced.clone() }.to_line());
        }
        for step in &self.steps {
            bytes.extend(LogLine::Step(step.clone()).to_line());
        }
        bytes
    }

    /// The record of step `index`, when it is of this step (`digest`). `steps` is sorted by index
    /// (`record`, `sorted`), so this is a binary search: a run looks up every step.
    pub fn find(&self, index: usize, digest: &str) -> Option<&JournalStep> {
        let at = self.steps.binary_search_by_key(&index, |s| s.index).ok()?;
        Some(&self.steps[at]).filter(|s| s.digest == digest)
    }

    /// Records a finished step, replacing an earlier record of the same index; in index order
    /// (steps finish in order, so this appends).
    pub fn record(&mut self, step: JournalStep) {
        match self.steps.binary_search_by_key(&step.index, |s| s.index) {
            Ok(at) => self.steps[at] = step,
            Err(at) => self.steps.insert(at, step),
        }
    }

    /// The journal with its steps in index order, one record an index (the last): as `record`
    /// keeps them, whatever the document on disk holds.
    pub fn sorted(mut self) -> Journal {
        let steps = std::mem::take(&mut self.steps);
        for step in steps {
            self.record(step);
        }
        self
    }

    /// Adds the records of a log (`LOG_PATH`'s bytes) when its first line names this plan;
    /// returns how many it added. A torn last line is ignored.
    pub fn replay(&mut self, log: &[u8]) -> usize {
        let mut lines = log.split(|b| *b == b'\n');
        let header: Option<LogHeader> = lines.next().and_then(|l| serde_json::from_slice(l).ok());
        if header.is_none_or(|h| h.plan != self.plan) {
            return 0;
        }
        let mut added = 0;
        let mut kept: BTreeSet<String> = self.replaced.iter().map(|r| r.path.clone()).collect();
        for line in lines.filter_map(|l| serde_json::from_slice::<LogLine>(l).ok()) {
            match line {
                LogLine::Step(record) => self.record(record),
                LogLine::Replaced { replaced } => {
                    if kept.insert(replaced.path.clone()) {
                        self.record_replaced(replaced);
                    }
                }
            }
            added += 1;
        }
        added
    }

    /// The first line of a log of this plan.
    pub fn log_header(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(&LogHeader { plan: self.plan.clone() }).expect("a header serializes");
        bytes.push(b'\n');
        bytes
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a journal serializes");
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(index: usize) -> JournalStep {
        JournalStep { index, op: "write".into(), digest: format!("sha256:{index}"), result: StepResult::Done }
    }

    #[test]
    fn a_log_of_this_plan_is_replayed_up_to_a_torn_line() {
        let mut journal = Journal::new("sha256:plan", "worker", "rendered-worker-0");
        let mut log = journal.log_header();
        let was = Replaced { path: "/etc/x".into(), was: State::Absent, left: None };
        log.extend(LogLine::Replaced { replaced: was.clone() }.to_line());
        log.extend(LogLine::Step(step(0)).to_line());
        log.extend(LogLine::Step(step(1)).to_line());
        log.extend(&LogLine::Step(step(2)).to_line()[..10]);
        assert_eq!(journal.replay(&log), 3);
        assert_eq!(journal.steps, [step(0), step(1)]);
        assert_eq!(journal.replaced, [was]);
        let mut other = Journal::new("sha256:other", "worker", "rendered-worker-1");
        assert_eq!(other.replay(&log), 0, "a log of another plan is ignored");
    }
}
