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
//! It is rewritten atomically (temporary file, fsync, rename, fsync of the directory) after every
//! step, so after a crash it names exactly the steps that finished. A journal of another plan is
//! replaced as soon as the first step of the new one finishes.

use serde::{Deserialize, Serialize};

/// Where the journal lives, beneath the root.
pub const JOURNAL_PATH: &str = "/var/lib/mcc/apply-journal.json";
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

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a journal serializes");
        bytes.push(b'\n');
        bytes
    }
}
