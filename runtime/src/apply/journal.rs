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
//! While a run goes, each finished step is appended as one JSON line to [`LOG_PATH`]
//! (`apply-journal.log`, beside it, its first line naming the plan) and fdatasynced before the
//! next step starts, so after a crash the two name exactly the steps that finished; a line torn by
//! the crash is ignored. At the end of the run (finished or stopped at a failed step) the records
//! are compacted into the document, written atomically (temporary file, fsync, rename, fsync of
//! the directory), and the log is removed. One small append a step keeps an apply linear in its
//! steps (rewriting the whole document after each made it quadratic). A journal or log of another
//! plan is replaced when the new one is compacted.

use serde::{Deserialize, Serialize};

/// Where the journal lives, beneath the root.
pub const JOURNAL_PATH: &str = "/var/lib/mcc/apply-journal.json";
/// The records of the run in progress, beneath the root: JSON lines.
pub const LOG_PATH: &str = "/var/lib/mcc/apply-journal.log";
pub const JOURNAL_SCHEMA: &str = "mcc.apply-journal/v1";

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

impl JournalStep {
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
        }
    }

    pub fn find(&self, index: usize, digest: &str) -> Option<&JournalStep> {
        self.steps.iter().find(|s| s.index == index && s.digest == digest)
    }

    /// Records a finished step, replacing an earlier record of the same index.
    pub fn record(&mut self, step: JournalStep) {
        self.steps.retain(|s| s.index != step.index);
        self.steps.push(step);
        self.steps.sort_by_key(|s| s.index);
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
        for record in lines.filter_map(|l| serde_json::from_slice::<JournalStep>(l).ok()) {
            self.record(record);
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
        log.extend(step(0).to_line());
        log.extend(step(1).to_line());
        log.extend(&step(2).to_line()[..10]);
        assert_eq!(journal.replay(&log), 2);
        assert_eq!(journal.steps, [step(0), step(1)]);
        let mut other = Journal::new("sha256:other", "worker", "rendered-worker-1");
        assert_eq!(other.replay(&log), 0, "a log of another plan is ignored");
    }
}
