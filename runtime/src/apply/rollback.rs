//! `mcc apply --rollback`: puts back what the last apply of a plan changed in the root, from
//! what its journal kept (`backup`), and, when that apply switched the node to an image, boots
//! the previous deployment again (`bootc rollback`, `rpm-ostree rollback`, then a reboot).
//!
//! - Refused, changing nothing, when the root's journal is not of this plan (MCC5110), or when a
//!   path the apply changed is no longer as the apply left it (MCC5111): restoring it would throw
//!   that later change away. (What a killed run left half made of mcc's own state directories,
//!   which no record names, is removed first in any case: `sweep_state_temporaries`.)
//! - Each path is restored with the apply's own converging primitives (temporary file, fsync,
//!   rename), last changed first, and the restoration recorded in [`ROLLBACK_LOG`] (one fdatasynced
//!   line a path) before the next starts: a rollback killed at any point and run again goes on
//!   where it stopped, without checking again (the paths it restored are meant to differ), and
//!   ends in the same tree.
//! - When every path is restored, [`ROLLBACK_RECORD`] says so and what actions are left, and the
//!   journal, its log and the kept contents are removed: the root is as before the apply, so the
//!   next apply of the plan starts from its first step. A second rollback of the same plan is a
//!   no-op that says so (and runs the actions a run without `--run-actions` only printed).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;

use rustix::fs::{AtFlags, Mode, OFlags};
use serde::{Deserialize, Serialize};

use mcc_contract::codes;
use mcc_contract::node_actions::rollback_command;

use super::diagnostic::{failed, resolve_diagnostic};
use super::fs::{temp_name, write_atomically};
use super::journal::{JOURNAL_PATH, JOURNAL_SCHEMA, Journal, LOG_PATH, Replaced, State, StepResult};
use super::resolve;
use super::validate::parse_mode;
use super::{Applier, Diagnostic, Report};

/// The progress of a rollback, beneath the root: a header naming the plan, then one line a
/// restored record.
pub const ROLLBACK_LOG: &str = "/var/lib/mcc/rollback.log";
/// The record of the last finished rollback, beneath the root.
pub const ROLLBACK_RECORD: &str = "/var/lib/mcc/rollback.json";
pub const ROLLBACK_SCHEMA: &str = "mcc.rollback/v1";

/// [`ROLLBACK_RECORD`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RollbackRecord {
    schema: String,
    /// `sha256:` of the plan whose apply was rolled back.
    plan: String,
    pool: String,
    rendered_config: String,
    /// How many paths the journal had kept.
    restored: usize,
    /// The commands that boot the previous deployment, in order, each `printed` until it `ran`.
    actions: Vec<RollbackAction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RollbackAction {
    command: Vec<String>,
    result: StepResult,
}

/// A line of [`ROLLBACK_LOG`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum ProgressLine {
    Header { plan: String },
    Restored { restored: usize },
}

impl ProgressLine {
    fn to_line(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("a progress line serializes");
        bytes.push(b'\n');
        bytes
    }
}

/// What the root holds for this plan.
enum Found {
    /// The journal of its apply (with the log of an interrupted run replayed).
    Journal(Journal),
    /// A finished rollback of it.
    RolledBack(RollbackRecord),
    /// Nothing of it: why.
    Nothing(String),
}

/// The journal lives in the root, which whoever controls the root can write: its paths must be
/// absolute and simplified and its digests digests, as a plan's are (MCC5101), before anything is
/// restored.
fn check_records(records: &[Replaced]) -> Result<(), Box<Diagnostic>> {
    let is_digest = |d: &str| d.len() == 64 && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut problems = Vec::new();
    for record in records {
        if let Err(why) = resolve::validate(&record.path) {
            problems.push(format!("the path `{}` is refused: {why}", record.path));
        }
        let sound = match &record.was {
            State::File { sha256, mode, .. } => is_digest(sha256) && parse_mode(mode).is_some(),
            State::Directory { mode, .. } => parse_mode(mode).is_some(),
            State::Link { target, .. } => !target.is_empty() && !target.contains('\0'),
            State::Absent | State::Special { .. } => true,
        };
        if !sound {
            problems.push(format!("the record of `{}` has a bad digest, mode or link target", record.path));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Box::new(
        Diagnostic::new(
            codes::APPLY_STEP_INVALID,
            format!("the journal {JOURNAL_PATH} is refused, nothing is rolled back: {}", problems.join("; ")),
        )
        .with_help("mcc never writes these: the journal was edited; restore the paths by hand"),
    ))
}

impl Applier<'_> {
    pub(super) fn roll_back(&self, out: &mut dyn Write, report: &mut Report) {
        let actions = &self.steps.actions;
        let dry = self.options.dry_run;
        let _ = writeln!(
            out,
            "mcc apply --rollback{}: pool {} ({}), onto {}",
            if dry { " --dry-run" } else { "" },
            actions.pool,
            actions.rendered_config,
            self.root.host_path().display(),
        );
        if !dry && let Err(diagnostic) = self.sweep_state_temporaries() {
            report.diagnostics.push(*diagnostic);
            return;
        }
        let journal = match self.find_apply() {
            Found::Journal(journal) => journal,
            Found::RolledBack(mut record) => {
                let _ = writeln!(
                    out,
                    "nothing to roll back: this plan's apply was already rolled back ({ROLLBACK_RECORD})"
                );
                if !dry {
                    self.tidy_after_rollback(report);
                }
                self.boot_previous(&mut record, out, report);
                return;
            }
            Found::Nothing(why) => {
                report.diagnostics.push(
                    Diagnostic::new(codes::APPLY_NOTHING_TO_ROLL_BACK, format!("nothing to roll back: {why}"))
                        .with_help(
                            "name the plan directory that was applied last to this root (`mcc apply DIR/<pool>`)",
                        ),
                );
                return;
            }
        };
        if let Err(diagnostic) = check_records(&journal.replaced) {
            report.diagnostics.push(*diagnostic);
            return;
        }
        let done = self.rollback_progress();
        if done.is_none()
            && let Err(diagnostic) = self.check_left(&journal.replaced)
        {
            report.diagnostics.push(*diagnostic);
            return;
        }
        let resuming = done.is_some();
        let done = done.unwrap_or_default();
        // Committed from here: a rollback killed after this resumes without checking again.
        if !dry
            && !resuming
            && let Err(diagnostic) = self.start_progress()
        {
            report.diagnostics.push(*diagnostic);
            return;
        }
        let total = journal.replaced.len();
        if !done.is_empty() {
            let _ = writeln!(out, "  resuming: {} of the {total} paths already restored", done.len());
        }
        if let Err(diagnostic) = self.restore_all(&journal.replaced, &done, out, report) {
            report.diagnostics.push(*diagnostic);
            return;
        }
        let mut record = RollbackRecord {
            schema: ROLLBACK_SCHEMA.into(),
            plan: self.steps.digest.clone(),
            pool: actions.pool.clone(),
            rendered_config: actions.rendered_config.clone(),
            restored: total,
            actions: self.boot_actions(&journal),
        };
        if !dry {
            if let Err(diagnostic) = self.write_record(&record) {
                report.diagnostics.push(*diagnostic);
                return;
            }
            self.tidy_after_rollback(report);
        }
        let _ = writeln!(
            out,
            "{} {total} paths the apply changed: {} {}, {} unchanged{}",
            if dry { "dry run of a rollback of" } else { "rolled back" },
            report.changed,
            if dry { "would be restored" } else { "restored" },
            report.unchanged,
            if report.skipped > 0 {
                format!(", {} restored before (rollback log)", report.skipped)
            } else {
                String::new()
            },
        );
        self.boot_previous(&mut record, out, report);
    }

    /// Restores every record the rollback log does not name, last changed first, each logged
    /// before the next starts.
    fn restore_all(
        &self,
        records: &[Replaced],
        done: &BTreeSet<usize>,
        out: &mut dyn Write,
        report: &mut Report,
    ) -> Result<(), Box<Diagnostic>> {
        let total = records.len();
        let mut carried_out = 0;
        for (i, record) in records.iter().enumerate().rev() {
            if done.contains(&i) {
                report.skipped += 1;
                continue;
            }
            let label = format!("{}/{total} restore {}", total - i, record.path);
            let changes = self.restore(&label, record).inspect_err(|_| {
                let _ = writeln!(out, "  {label}: failed");
            })?;
            if changes.is_empty() {
                report.unchanged += 1;
                let _ = writeln!(out, "  {label}: unchanged (as it was)");
            } else {
                report.changed += 1;
                let _ = writeln!(out, "  {label}: {} (was {})", changes.join("; "), record.was);
            }
            if self.options.dry_run {
                continue;
            }
            carried_out += 1;
            if self.options.crash_after == Some(carried_out) {
                std::process::abort();
            }
            self.progress(i)?;
        }
        Ok(())
    }

    /// The journal of this plan's apply, a finished rollback of it, or why there is neither.
    fn find_apply(&self) -> Found {
        let digest = &self.steps.digest;
        let mut other = None;
        let mut journal = match self.read(JOURNAL_PATH) {
            Ok(Some(bytes)) => match serde_json::from_slice::<Journal>(&bytes) {
                Ok(j) if j.schema == JOURNAL_SCHEMA && &j.plan == digest => Some(j),
                Ok(j) => {
                    other = Some(format!(
                        "the journal {JOURNAL_PATH} is of another plan ({}, {})",
                        j.rendered_config, j.plan
                    ));
                    None
                }
                Err(_) => None,
            },
            _ => None,
        };
        if let Ok(Some(log)) = self.read(LOG_PATH) {
            let actions = &self.steps.actions;
            let mut replayed =
                journal.clone().unwrap_or_else(|| Journal::new(digest, &actions.pool, &actions.rendered_config));
            if replayed.replay(&log) > 0 {
                journal = Some(replayed);
            }
        }
        if let Some(journal) = journal {
            return Found::Journal(journal);
        }
        if let Ok(Some(bytes)) = self.read(ROLLBACK_RECORD)
            && let Ok(record) = serde_json::from_slice::<RollbackRecord>(&bytes)
            && record.schema == ROLLBACK_SCHEMA
            && &record.plan == digest
        {
            return Found::RolledBack(record);
        }
        Found::Nothing(other.unwrap_or_else(|| {
            format!("the root {} has no journal of an apply ({JOURNAL_PATH})", self.root.host_path().display())
        }))
    }

    /// The records a rollback of this plan that was interrupted already restored; `None` when no
    /// rollback of it was started.
    fn rollback_progress(&self) -> Option<BTreeSet<usize>> {
        let Ok(Some(log)) = self.read(ROLLBACK_LOG) else { return None };
        let mut lines = log.split(|b| *b == b'\n').filter_map(|l| serde_json::from_slice::<ProgressLine>(l).ok());
        match lines.next() {
            Some(ProgressLine::Header { plan }) if plan == self.steps.digest => {}
            _ => return None,
        }
        Some(
            lines
                .filter_map(|l| match l {
                    ProgressLine::Restored { restored } => Some(restored),
                    ProgressLine::Header { .. } => None,
                })
                .collect(),
        )
    }

    /// Refuses (MCC5111) when a path is no longer as the apply left it.
    fn check_left(&self, records: &[Replaced]) -> Result<(), Box<Diagnostic>> {
        let mut changed = Vec::new();
        for record in records {
            let Some(left) = &record.left else { continue };
            let now =
                self.state(&record.path, false).map_or_else(|e| format!("unreadable ({e})"), |(s, _)| s.to_string());
            if now != left.to_string() {
                changed.push(format!("{} is {now}, the apply left {left}", record.path));
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(Box::new(
            Diagnostic::new(
                codes::APPLY_ROLLBACK_TREE_CHANGED,
                format!("the tree changed since the apply, so nothing is rolled back: {}", changed.join("; ")),
            )
            .with_help("put those paths back as the apply left them, or re-apply the plan, then roll back again"),
        ))
    }

    /// Makes the path what it was before the apply.
    fn restore(&self, label: &str, record: &Replaced) -> Result<Vec<String>, Box<Diagnostic>> {
        let path = record.path.as_str();
        match &record.was {
            State::Absent => self.remove(label, path, true),
            State::File { sha256, mode, uid, gid } => {
                let bytes = self.backup_bytes(sha256).map_err(|m| failed(format!("{label}: {m}")))?;
                self.put_file(label, path, &bytes, parse_mode(mode).unwrap_or(0o644), *uid, *gid)
            }
            State::Link { target, uid, gid } => self.put_symlink(label, path, target, *uid, *gid),
            State::Directory { mode, uid, gid } => {
                self.put_dir(label, path, parse_mode(mode).unwrap_or(0o755), *uid, *gid)
            }
            State::Special { .. } => Ok(vec!["not restored: mcc does not make special files".into()]),
        }
    }

    /// Starts the rollback log afresh with its header, on disk before the first path is restored.
    fn start_progress(&self) -> Result<(), Box<Diagnostic>> {
        let header = ProgressLine::Header { plan: self.steps.digest.clone() }.to_line();
        self.write_progress(&header, OFlags::TRUNC)
    }

    /// Records that record `index` is restored.
    fn progress(&self, index: usize) -> Result<(), Box<Diagnostic>> {
        self.write_progress(&ProgressLine::Restored { restored: index }.to_line(), OFlags::APPEND)
    }

    fn write_progress(&self, bytes: &[u8], mode: OFlags) -> Result<(), Box<Diagnostic>> {
        let io = |e: std::io::Error| failed(format!("cannot write the rollback log {ROLLBACK_LOG}: {e}"));
        let resolved =
            self.root.resolve_creating(ROLLBACK_LOG, false).map_err(|e| resolve_diagnostic("the rollback log", e))?;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC | mode;
        let fd =
            rustix::fs::openat(resolved.parent.fd.as_fd(), resolved.name.as_str(), flags, Mode::from_raw_mode(0o644))
                .map_err(|e| io(e.into()))?;
        let mut file = File::from(fd);
        file.write_all(bytes).map_err(io)?;
        file.sync_data().map_err(io)?;
        if mode.contains(OFlags::TRUNC) {
            rustix::fs::fsync(resolved.parent.fd.as_fd()).map_err(|e| io(e.into()))?;
        }
        Ok(())
    }

    /// What boots the previous deployment: only when the apply ran a switch.
    fn boot_actions(&self, journal: &Journal) -> Vec<RollbackAction> {
        let switched = journal.steps.iter().any(|s| s.op == "switch" && s.result == StepResult::Ran);
        match rollback_command(&self.steps.actions.target) {
            Some(command) if switched => [command, vec!["systemctl".into(), "reboot".into()]]
                .into_iter()
                .map(|command| RollbackAction { command, result: StepResult::Printed })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn write_record(&self, record: &RollbackRecord) -> Result<(), Box<Diagnostic>> {
        let mut bytes = serde_json::to_vec_pretty(record).expect("a rollback record serializes");
        bytes.push(b'\n');
        let resolved = self
            .root
            .resolve_creating(ROLLBACK_RECORD, false)
            .map_err(|e| resolve_diagnostic("the rollback record", e))?;
        write_atomically(&resolved, &bytes, 0o644, 0, 0)
            .map_err(|e| failed(format!("cannot write the rollback record {ROLLBACK_RECORD}: {e}")))
    }

    /// Removes the journal, its log, the kept contents and the rollback log, once the rollback
    /// record is written: the root is back as before the apply.
    fn tidy_after_rollback(&self, report: &mut Report) {
        *self.journal.borrow_mut() = Journal::new(&self.steps.digest, "", "");
        let tidy = || -> Result<(), Box<Diagnostic>> {
            for path in [JOURNAL_PATH, LOG_PATH, ROLLBACK_LOG] {
                let resolved = self.root.resolve_creating(path, false).map_err(|e| resolve_diagnostic(path, e))?;
                // With the temporary a killed run may have left for it (a fresh log or journal
                // not yet renamed into place): the next apply starts from its first step.
                for name in [resolved.name.clone(), temp_name(&resolved.name)] {
                    match rustix::fs::unlinkat(resolved.parent.fd.as_fd(), name.as_str(), AtFlags::empty()) {
                        Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                        Err(e) => return Err(failed(format!("cannot remove {path}: {e}"))),
                    }
                }
                rustix::fs::fsync(resolved.parent.fd.as_fd())
                    .map_err(|e| failed(format!("cannot remove {path}: {e}")))?;
            }
            self.sweep_backups()
        };
        if let Err(diagnostic) = tidy() {
            report.diagnostics.push(*diagnostic);
        }
    }

    /// Runs (with `--run-actions`) or prints the commands that boot the previous deployment. Each
    /// is marked as run in the record before it runs: `bootc rollback` run twice would switch back.
    fn boot_previous(&self, record: &mut RollbackRecord, out: &mut dyn Write, report: &mut Report) {
        let total = record.actions.len();
        for i in 0..total {
            if record.actions[i].result == StepResult::Ran {
                continue;
            }
            let line = record.actions[i].command.join(" ");
            let label = format!("{}/{total} {line}", i + 1);
            let runs = self.options.run_actions && !self.options.dry_run;
            if runs {
                record.actions[i].result = StepResult::Ran;
                if let Err(diagnostic) = self.write_record(record) {
                    report.diagnostics.push(*diagnostic);
                    return;
                }
            }
            match self.action(&label, record.actions[i].command.clone()) {
                Ok(outcome) => {
                    let _ = writeln!(out, "  {label}: {}", outcome.changes.join("; "));
                    if outcome.result == StepResult::Ran {
                        report.ran += 1;
                    } else {
                        report.printed += 1;
                    }
                }
                Err(diagnostic) => {
                    let _ = writeln!(out, "  {label}: failed");
                    report.diagnostics.push(*diagnostic);
                    record.actions[i].result = StepResult::Printed;
                    if let Err(diagnostic) = self.write_record(record) {
                        report.diagnostics.push(*diagnostic);
                    }
                    return;
                }
            }
        }
    }
}
