//! The driver: walks the steps in order, skips what the journal says is done, carries out each
//! step, and records it in the journal before the next one starts.

use std::io::Write;

use mcc_contract::node_actions::{RemovedKind, Step};
use mcc_contract::{Mode, sha256_hex};

use super::batch::{FileWrite, is_batched};
use super::diagnostic::failed;
use super::journal::{JOURNAL_PATH, JournalStep, StepResult};
use super::validate::{hard_link_target, parse_mode};
use super::{Applier, Diagnostic, Report};

/// How one step ended.
pub(super) struct Outcome {
    pub(super) result: StepResult,
    /// What changed (or would), for the user; empty when nothing did.
    pub(super) changes: Vec<String>,
    /// A remark, such as why an action was not run.
    pub(super) note: Option<String>,
}

impl Outcome {
    pub(super) fn done(changes: Vec<String>) -> Outcome {
        Outcome { result: StepResult::Done, changes, note: None }
    }
}

/// The step's identity in the journal: `sha256:` of its JSON (contents are named by digest).
fn step_digest(step: &Step) -> String {
    format!("sha256:{}", sha256_hex(&serde_json::to_vec(step).expect("a step serializes")))
}

/// Whether a step is an action that `--run-actions` runs (printed otherwise), so that a run with
/// it runs what an earlier run without it printed. `drain` is not: mcc never runs it.
fn is_action(step: &Step) -> bool {
    matches!(
        step,
        Step::DaemonReload
            | Step::Reload { .. }
            | Step::Restart { .. }
            | Step::Reboot
            | Step::Switch { .. }
            | Step::KernelArguments { .. }
            | Step::Extensions { .. }
            | Step::KernelType { .. }
    )
}

impl Applier<'_> {
    #[expect(
        clippy::too_many_lines,
        reason = "one run in the order it happens: journal, steps (each journaled), report"
    )]
    pub(super) fn run(&mut self, out: &mut dyn Write, report: &mut Report) {
        let actions = &self.steps.actions;
        let total = actions.steps.len();
        let dry = self.options.dry_run;
        let (journal, note) = self.load_journal();
        *self.kept.borrow_mut() = journal.replaced.iter().map(|r| r.path.clone()).collect();
        *self.journal.borrow_mut() = journal;
        let _ = writeln!(
            out,
            "mcc apply{}: pool {} ({}), {total} steps, onto {}{}",
            if dry { " --dry-run" } else { "" },
            actions.pool,
            actions.rendered_config,
            self.root.host_path().display(),
            if dry { "; nothing is written" } else { "" },
        );
        if let Some(note) = note {
            let _ = writeln!(out, "  {note}");
        }
        if let Some(image) = &actions.image
            && image.reference.is_none()
            && actions.rebuild
        {
            let _ = writeln!(
                out,
                "  the node needs the image built from source digest {}, not known yet: this plan does not switch to it \
                 (compile with --image once it is pushed)",
                image.source_digest
            );
        }
        let mut carried_out = 0;
        // The batch of file writes under way: where it ends, and its finished steps.
        let mut batch_end = 0;
        let mut batched: Vec<JournalStep> = Vec::new();
        let digests: Vec<String> = actions.steps.iter().map(step_digest).collect();
        let todo = |i: usize| !self.is_done(i, &digests[i]);
        for (i, step) in actions.steps.iter().enumerate() {
            let digest = digests[i].clone();
            if !todo(i) {
                report.skipped += 1;
                continue;
            }
            if self.options.crash_after == Some(carried_out) && carried_out == 0 {
                std::process::abort();
            }
            let in_batch = !dry && is_batched(step);
            if i >= batch_end || !in_batch {
                let started = self
                    .finish_batch(std::mem::take(&mut batched))
                    .and_then(|()| if in_batch { self.start_batch(i, todo) } else { Ok(i + 1) });
                match started {
                    Ok(end) => batch_end = end,
                    Err(diagnostic) => {
                        report.diagnostics.push(*diagnostic);
                        break;
                    }
                }
            }
            let label = format!("{}/{total} {}", i + 1, describe(step));
            // A reboot is journaled before it runs: after it, nothing runs, and a reboot that
            // happened must not be run again by the next apply.
            let reboot = matches!(step, Step::Reboot) && self.options.run_actions && !dry;
            if reboot {
                let record = JournalStep {
                    index: i,
                    op: step.op().to_string(),
                    digest: digest.clone(),
                    result: StepResult::Ran,
                };
                if let Err(diagnostic) = self.append_journal(record) {
                    report.diagnostics.push(*diagnostic);
                    break;
                }
                let _ = out.flush();
            }
            let outcome = match self.step(step, &label) {
                Ok(outcome) => outcome,
                Err(diagnostic) => {
                    let _ = writeln!(out, "  {label}: failed");
                    report.diagnostics.push(*diagnostic);
                    if let Err(diagnostic) = self.finish_batch(std::mem::take(&mut batched)) {
                        report.diagnostics.push(*diagnostic);
                    }
                    if reboot {
                        // Not run after all: the compaction below forgets it.
                        self.journal.borrow_mut().steps.retain(|s| s.index != i);
                    }
                    break;
                }
            };
            let status = match (&outcome.result, outcome.changes.is_empty()) {
                (StepResult::Done, true) => {
                    report.unchanged += 1;
                    "unchanged".to_string()
                }
                (StepResult::Done, false) => {
                    report.changed += 1;
                    outcome.changes.join("; ")
                }
                (StepResult::Printed, _) => {
                    report.printed += 1;
                    outcome.changes.join("; ")
                }
                (StepResult::Ran, _) => {
                    report.ran += 1;
                    outcome.changes.join("; ")
                }
            };
            let note = outcome.note.map(|n| format!(" ({n})")).unwrap_or_default();
            let _ = writeln!(out, "  {label}: {status}{note}");
            if dry {
                continue;
            }
            carried_out += 1;
            if reboot {
                continue;
            }
            if self.options.crash_after == Some(carried_out) {
                std::process::abort();
            }
            let record = JournalStep { index: i, op: step.op().to_string(), digest, result: outcome.result };
            if in_batch {
                batched.push(record);
            } else if let Err(diagnostic) = self.append_journal(record) {
                report.diagnostics.push(*diagnostic);
                break;
            }
        }
        if let Err(diagnostic) = self.finish_batch(batched) {
            report.diagnostics.push(*diagnostic);
        }
        if !dry && let Err(diagnostic) = self.compact_journal() {
            report.diagnostics.push(*diagnostic);
        }
        let summary = if report.skipped == total && total > 0 {
            format!("nothing to do: {total} steps already applied (journal {JOURNAL_PATH})")
        } else if report.failed() {
            format!(
                "stopped at a failed step: {} changed, {} unchanged before it; the journal keeps them, so a second run resumes there",
                report.changed, report.unchanged
            )
        } else {
            let mut parts = vec![
                format!("{} {}", report.changed, if dry { "would change" } else { "changed" }),
                format!("{} unchanged", report.unchanged),
            ];
            if report.printed > 0 {
                parts.push(format!("{} actions printed, not run (--run-actions runs them)", report.printed));
            }
            if report.ran > 0 {
                parts.push(format!("{} actions run", report.ran));
            }
            if report.skipped > 0 {
                parts.push(format!("{} already applied (journal)", report.skipped));
            }
            format!("{}{total} steps: {}", if dry { "dry run of " } else { "applied " }, parts.join(", "))
        };
        let _ = writeln!(out, "{summary}");
    }

    /// Whether the journal says step `i` (of this `digest`) needs nothing more.
    fn is_done(&self, i: usize, digest: &str) -> bool {
        let step = &self.steps.actions.steps[i];
        self.journal.borrow().find(i, digest).is_some_and(|done| match done.result {
            StepResult::Done | StepResult::Ran => true,
            StepResult::Printed => !(self.options.run_actions && is_action(step)),
        })
    }

    /// A step that writes a file, as a [`FileWrite`]; `None` for any other.
    pub(super) fn file_write<'s>(&self, label: &str, step: &'s Step) -> Result<Option<FileWrite<'s>>, Box<Diagnostic>> {
        let bytes = |content| self.steps.bytes(content).map_err(|m| failed(format!("{label}: {m}")));
        Ok(Some(match step {
            Step::Write { path, mode, owner, content, append, .. } => {
                let (uid, gid) = self.owner(label, owner)?;
                let mut all = bytes(content)?;
                for fragment in append {
                    all.extend(bytes(fragment)?);
                }
                FileWrite { path, bytes: all, mode: parse_mode(mode).unwrap_or(Mode::FILE.bits()), uid, gid }
            }
            Step::WriteUnit { path, content, .. } | Step::WriteDropin { path, content, .. } => {
                FileWrite { path, bytes: bytes(content)?, mode: Mode::FILE.bits(), uid: 0, gid: 0 }
            }
            _ => return Ok(None),
        }))
    }

    pub(super) fn step(&self, step: &Step, label: &str) -> Result<Outcome, Box<Diagnostic>> {
        if let Some(w) = self.file_write(label, step)? {
            return self.put_file(label, w.path, &w.bytes, w.mode, w.uid, w.gid).map(Outcome::done);
        }
        match step {
            Step::Drain => Ok(Outcome {
                result: StepResult::Printed,
                changes: vec![
                    "not run: mcc apply cannot drain; drain the node before applying (`oc adm drain NODE`)".into(),
                ],
                note: None,
            }),
            Step::Mkdir { path, mode, owner, .. } => {
                let (uid, gid) = self.owner(label, owner)?;
                let mode = parse_mode(mode).unwrap_or(Mode::DIRECTORY.bits());
                self.put_dir(label, path, mode, uid, gid).map(Outcome::done)
            }
            Step::Link { path, target, hard: false, owner, .. } => {
                let (uid, gid) = self.owner(label, owner)?;
                self.put_symlink(label, path, target, uid, gid).map(Outcome::done)
            }
            Step::Link { path, target, hard: true, .. } => {
                self.put_hard_link(label, path, &hard_link_target(path, target)).map(Outcome::done)
            }
            Step::Remove { path, kind, unit } => {
                let mut changes = Vec::new();
                if *kind == RemovedKind::Unit
                    && let Some(unit) = unit
                {
                    changes.extend(self.disable_natively(label, unit)?);
                }
                changes.extend(self.remove(label, path, *kind == RemovedKind::Directory)?);
                Ok(Outcome::done(changes))
            }
            Step::SshKeys { user, path, keys, mode, directory_mode, .. } => {
                self.ssh_keys(label, user, path, keys, mode, directory_mode).map(Outcome::done)
            }
            Step::PasswordHash { user, hash, .. } => self.password(label, user, hash).map(Outcome::done),
            Step::MaskUnit { name, .. } => self.mask(label, name).map(Outcome::done),
            Step::EnableUnit { name, .. } => self.enable(label, name),
            Step::DisableUnit { name, .. } => self.disable(label, name),
            // What is left are the actions (`is_action`), run or printed.
            _ => self.action_step(label, step),
        }
    }
}

/// A step, for the user: its op and what it is about.
fn describe(step: &Step) -> String {
    let op = step.op();
    match step {
        Step::Mkdir { path, .. }
        | Step::Write { path, .. }
        | Step::Remove { path, .. }
        | Step::WriteUnit { path, .. }
        | Step::WriteDropin { path, .. } => format!("{op} {path}"),
        Step::Link { path, target, .. } => format!("{op} {path} → {target}"),
        Step::SshKeys { user, .. } | Step::PasswordHash { user, .. } => format!("{op} {user}"),
        Step::MaskUnit { name, .. } | Step::EnableUnit { name, .. } | Step::DisableUnit { name, .. } => {
            format!("{op} {name}")
        }
        Step::Reload { service } | Step::Restart { service } => format!("{op} {service}"),
        Step::Switch { image, .. } => format!("{op} {image}"),
        _ => op.to_string(),
    }
}
