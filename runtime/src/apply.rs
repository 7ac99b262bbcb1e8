//! `mcc apply`: executes a pool's node-side steps (`node-actions.json`, `mcc.node-actions/v1`)
//! against a root directory: `/` on a node, or any directory (an unpacked image, a test root).
//!
//! # Never outside the root
//! Every path, the plan's and every symlink met in the tree, is resolved beneath the root by
//! [`resolve`], on directory descriptors: absolute link targets start again at the root, `..`
//! that would climb above it is refused (MCC5102), and plan paths must be absolute and simplified
//! (MCC5101). Blob references must be `blobs/<sha256>`, inside the plan's directory.
//!
//! # Atomic, idempotent steps
//! The whole plan is checked first (paths, modes, names, every content against its digest), so a
//! bad plan changes nothing. Each step then makes the tree *be* what it says rather than *doing*
//! something, so running it again is harmless: a file is written only when its contents, mode or
//! owner differ, through a temporary file in its directory (`.NAME.mcc-tmp`) that is fsynced,
//! given its owner then its mode, renamed over the old one, and the directory fsynced. Missing
//! parent directories are created 0755 root:root, as Ignition does. Owners named by user or
//! group name are resolved from the root's own `/etc/passwd` and `/etc/group` (MCC5103).
//!
//! # The journal
//! After each step, [`journal`] records it in the root (`/var/lib/mcc/apply-journal.json`), so a
//! run that was interrupted (a crash, a power cut) resumes where it stopped, and a plan already
//! applied is a no-op: "nothing to do: N steps already applied". The environment variable
//! `MCC_APPLY_CRASH_AFTER=N` is a test hook: the run aborts once it has carried out N steps, after
//! the N-th changed the tree and before the journal records it (the worst moment to die).
//!
//! # Units and actions
//! Unit files and dropins are written like files (0644 root:root). `mask-unit` is a symlink to
//! `/dev/null`, made by mcc as the MCD makes it. `enable-unit` and `disable-unit` are, with
//! `--run-actions`, `systemctl enable|disable UNIT` as the MCD runs them (`systemctl --root ROOT`
//! when the root is not `/`); without it mcc makes the change itself with `systemctl --root`
//! semantics: the links of the unit's `[Install]` section (`WantedBy=`, `RequiredBy=`,
//! `UpheldBy=`, `Alias=`, `Also=`), pointing at the unit file found in the root's unit path, are
//! created or removed. A unit with no file in the root is left alone, as the MCD does.
//!
//! The post-change actions (`daemon-reload`, `reload`, `restart`, `reboot`) and the node-level
//! ones (`kernel-arguments`, `extensions`, `kernel-type` through `rpm-ostree`) are run only with
//! `--run-actions`; without it they are printed. `drain` is never run: the node must be drained
//! before the apply starts (mcc has no access to the cluster). A failed action fails the apply
//! (MCC5107), as it degrades the node under the MCD.

pub mod journal;
pub mod resolve;
pub mod users;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::process::Command;

use mcc_compiler::codes;
use mcc_compiler::compile::units::enablement;
use mcc_compiler::compile::{Content, NODE_ACTIONS_SCHEMA, NodeActions, Owner, RemovedKind, Step};
use mcc_compiler::diagnostic::Diagnostic;
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use sha2::{Digest, Sha256};

use journal::{JOURNAL_PATH, Journal, JournalStep, StepResult};
use resolve::{ResolveError, Resolved, Root, Walk, file_type, lstat, read_link, set_owner_mode};

/// Where unit files are looked for, in systemd's order (the system unit path under `--root`).
pub const UNIT_PATH: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];
const UNIT_DIR: &str = "/etc/systemd/system";

/// A plan read from a pool's directory, with every content it names.
#[derive(Debug, Clone)]
pub struct Plan {
    pub dir: PathBuf,
    pub actions: NodeActions,
    /// `sha256:` of `node-actions.json`.
    pub digest: String,
    /// The blobs named by the plan, by hex SHA-256, as read (checked by [`Plan::check`]).
    blobs: BTreeMap<String, Vec<u8>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn unreadable(message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::general(&codes::APPLY_PLAN_UNREADABLE, message).with_help(
        "give the directory `mcc compile` wrote for the pool (`DIR/<pool>`), and compile again if it is damaged",
    ))
}

/// The blob name a content reference must have: `blobs/<64 hex digits>`.
fn blob_name(reference: &str) -> Option<&str> {
    let name = reference.strip_prefix("blobs/")?;
    (name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then_some(name)
}

impl Plan {
    /// Reads `DIR/node-actions.json` and the blobs it names. Every error here is an unreadable
    /// plan (MCC5104).
    pub fn load(dir: &Path) -> Result<Plan, Box<Diagnostic>> {
        let path = dir.join("node-actions.json");
        let bytes = std::fs::read(&path).map_err(|e| unreadable(format!("cannot read {}: {e}", path.display())))?;
        let actions: NodeActions = serde_json::from_slice(&bytes).map_err(|e| {
            unreadable(format!("{} is not a node-actions document ({NODE_ACTIONS_SCHEMA}): {e}", path.display()))
        })?;
        if actions.schema != NODE_ACTIONS_SCHEMA {
            return Err(unreadable(format!("{} is `{}`, not `{NODE_ACTIONS_SCHEMA}`", path.display(), actions.schema)));
        }
        let mut blobs = BTreeMap::new();
        for content in actions.steps.iter().flat_map(contents) {
            let Some(reference) = &content.blob else { continue };
            // A malformed reference is reported by `check`, without reading anything.
            let Some(name) = blob_name(reference) else { continue };
            if blobs.contains_key(name) {
                continue;
            }
            let file = dir.join("blobs").join(name);
            let data = std::fs::read(&file).map_err(|e| unreadable(format!("cannot read {}: {e}", file.display())))?;
            blobs.insert(name.to_string(), data);
        }
        Ok(Plan { dir: dir.to_path_buf(), actions, digest: format!("sha256:{}", sha256_hex(&bytes)), blobs })
    }

    /// Everything wrong with the plan, found before anything is changed: unclean paths (MCC5101),
    /// bad modes, names and references (MCC5101), contents that do not match their digests
    /// (MCC5105).
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, step) in self.actions.steps.iter().enumerate() {
            let what = format!("step {} ({})", i + 1, step.op());
            let mut problems: Vec<String> = Vec::new();
            let mut invalid = |message: String| problems.push(message);
            for path in step_paths(step) {
                if let Err(why) = resolve::validate(path) {
                    invalid(format!("the path `{path}` is refused: {why}"));
                }
            }
            for mode in step_modes(step) {
                if parse_mode(mode).is_none() {
                    invalid(format!("the mode `{mode}` is not an octal number up to 7777"));
                }
            }
            for name in step_names(step) {
                if let Err(why) = check_name(name) {
                    invalid(format!("the name `{name}` is refused: {why}"));
                }
            }
            if let Step::Link { target, .. } = step
                && (target.is_empty() || target.contains('\0'))
            {
                invalid("the link target is empty or holds a NUL byte".into());
            }
            if let Step::Link { path, target, hard: true, .. } = step
                && let Err(why) = resolve::validate(&hard_link_target(path, target))
            {
                invalid(format!("the hard link target `{target}` is refused: {why}"));
            }
            for content in contents(step) {
                match self.bytes(content) {
                    Ok(bytes) => {
                        let actual = sha256_hex(&bytes);
                        if actual != content.sha256 || bytes.len() as u64 != content.size {
                            out.push(
                                Diagnostic::general(
                                    &codes::APPLY_CONTENT_MISMATCH,
                                    format!(
                                        "{what}: the contents are {} bytes with sha256 {actual}, but the plan says {} bytes with sha256 {}",
                                        bytes.len(),
                                        content.size,
                                        content.sha256
                                    ),
                                )
                                .with_help("the plan directory was changed after `mcc compile` wrote it: compile again"),
                            );
                        }
                    }
                    Err(message) => invalid(message),
                }
            }
            out.extend(problems.into_iter().map(|message| {
                Diagnostic::general(&codes::APPLY_STEP_INVALID, format!("{what}: {message}")).with_help(
                    "plans written by `mcc compile` never hold these: compile again rather than editing node-actions.json",
                )
            }));
        }
        out
    }

    /// A content's bytes: inline, or its blob.
    fn bytes(&self, content: &Content) -> Result<Vec<u8>, String> {
        match (&content.inline, &content.blob) {
            (Some(text), None) => Ok(text.clone().into_bytes()),
            (None, Some(reference)) => {
                let name = blob_name(reference)
                    .ok_or_else(|| format!("the blob reference `{reference}` is not `blobs/<sha256>`"))?;
                self.blobs.get(name).cloned().ok_or_else(|| format!("the blob `{reference}` was not read"))
            }
            _ => Err("a content must be either inline or a blob".into()),
        }
    }
}

fn contents(step: &Step) -> Vec<&Content> {
    match step {
        Step::Write { content, append, .. } => std::iter::once(content).chain(append).collect(),
        Step::WriteUnit { content, .. } | Step::WriteDropin { content, .. } => vec![content],
        _ => Vec::new(),
    }
}

fn step_paths(step: &Step) -> Vec<&str> {
    match step {
        Step::Mkdir { path, .. }
        | Step::Write { path, .. }
        | Step::Link { path, .. }
        | Step::Remove { path, .. }
        | Step::SshKeys { path, .. }
        | Step::WriteUnit { path, .. }
        | Step::WriteDropin { path, .. } => vec![path.as_str()],
        _ => Vec::new(),
    }
}

fn step_modes(step: &Step) -> Vec<&str> {
    match step {
        Step::Mkdir { mode, .. } | Step::Write { mode, .. } => vec![mode.as_str()],
        Step::SshKeys { mode, directory_mode, .. } => vec![mode.as_str(), directory_mode.as_str()],
        _ => Vec::new(),
    }
}

/// Unit, service and user names, which end up in paths and on command lines.
fn step_names(step: &Step) -> Vec<&str> {
    match step {
        Step::MaskUnit { name, .. } | Step::EnableUnit { name, .. } | Step::DisableUnit { name, .. } => vec![name],
        Step::WriteUnit { name, .. } => vec![name],
        Step::WriteDropin { unit, name, .. } => vec![unit, name],
        Step::Reload { service } | Step::Restart { service } => vec![service],
        Step::SshKeys { user, .. } | Step::PasswordHash { user, .. } => vec![user],
        Step::Remove { unit: Some(unit), .. } => vec![unit],
        _ => Vec::new(),
    }
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name == "." || name == ".." {
        Err("it is empty, `.` or `..`")
    } else if name.starts_with('-') {
        Err("it starts with `-`, which a command would read as an option")
    } else if name.contains(['/', '\0', '\n', ':']) {
        Err("it contains `/`, `:`, a newline or a NUL byte")
    } else {
        Ok(())
    }
}

fn parse_mode(mode: &str) -> Option<u32> {
    u32::from_str_radix(mode, 8).ok().filter(|m| *m <= 0o7777)
}

/// A hard link's target as an absolute path: relative targets are resolved against the link's
/// directory, as Ignition does.
fn hard_link_target(path: &str, target: &str) -> String {
    if target.starts_with('/') {
        target.to_string()
    } else {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{target}")
    }
}

/// The step's identity in the journal: `sha256:` of its JSON (contents are named by digest).
pub fn step_digest(step: &Step) -> String {
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
            | Step::KernelArguments { .. }
            | Step::Extensions { .. }
            | Step::KernelType { .. }
    )
}

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// List what would change; write nothing.
    pub dry_run: bool,
    /// Run the actions (and enable/disable through `systemctl`), rather than print them.
    pub run_actions: bool,
    /// The test hook `MCC_APPLY_CRASH_AFTER`.
    pub crash_after: Option<usize>,
    /// Now, in seconds since the epoch (`SOURCE_DATE_EPOCH` or the clock): the date of a password
    /// change in `/etc/shadow`, as `usermod` writes it.
    pub now: u64,
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Steps that changed the tree (or, in a dry run, would).
    pub changed: usize,
    pub unchanged: usize,
    pub printed: usize,
    pub ran: usize,
    /// Steps the journal says are done.
    pub skipped: usize,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity() == mcc_compiler::diagnostic::Severity::Error)
    }
}

/// How one step ended.
struct Outcome {
    result: StepResult,
    /// What changed (or would), for the user; empty when nothing did.
    changes: Vec<String>,
    /// A remark, such as why an action was not run.
    note: Option<String>,
}

impl Outcome {
    fn done(changes: Vec<String>) -> Outcome {
        Outcome { result: StepResult::Done, changes, note: None }
    }
}

/// Applies `plan` to the directory `root`, writing one line per step to `out`.
pub fn apply(plan: &Plan, root: &Path, options: &Options, out: &mut dyn Write) -> Report {
    let mut report = Report::default();
    let root = match Root::open(root) {
        Ok(root) => root,
        Err(e) => {
            report.diagnostics.push(*failed(format!("cannot open the root {}: {e}", root.display())));
            return report;
        }
    };
    if !options.dry_run
        && let Err(e) = rustix::fs::flock(root.fd(), rustix::fs::FlockOperation::NonBlockingLockExclusive)
    {
        report.diagnostics.push(*failed(format!(
            "cannot lock the root {} ({e}): is another `mcc apply` running on it?",
            root.host_path().display()
        )));
        return report;
    }
    let mut applier = Applier { plan, root, options, today: options.now / 86_400 };
    applier.run(out, &mut report);
    report
}

fn failed(message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::general(&codes::APPLY_STEP_FAILED, message))
}

fn resolve_diagnostic(step: &str, error: ResolveError) -> Box<Diagnostic> {
    match error {
        ResolveError::Escape { .. } | ResolveError::Loop { .. } => {
            Box::new(Diagnostic::general(&codes::APPLY_PATH_ESCAPES_ROOT, format!("{step}: refused: {error}")).with_help(
                "mcc apply never leaves the root: fix or remove the symlink in the root, or apply to the root it belongs to",
            ))
        }
        ResolveError::NotADirectory { .. } | ResolveError::Io { .. } => failed(format!("{step}: {error}")),
    }
}

struct Applier<'a> {
    plan: &'a Plan,
    root: Root,
    options: &'a Options,
    today: u64,
}

/// A path, resolved or (in a dry run) missing directories.
enum Target {
    Found(Resolved),
    Missing { first_missing: String, path: String },
}

fn mode_owner(mode: u32, uid: u32, gid: u32) -> String {
    format!("{mode:04o} {uid}:{gid}")
}

impl Applier<'_> {
    fn run(&mut self, out: &mut dyn Write, report: &mut Report) {
        let actions = &self.plan.actions;
        let total = actions.steps.len();
        let dry = self.options.dry_run;
        let (mut journal, note) = self.load_journal();
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
        let mut carried_out = 0;
        for (i, step) in actions.steps.iter().enumerate() {
            let digest = step_digest(step);
            if let Some(done) = journal.find(i, &digest) {
                let complete = match done.result {
                    StepResult::Done | StepResult::Ran => true,
                    StepResult::Printed => !(self.options.run_actions && is_action(step)),
                };
                if complete {
                    report.skipped += 1;
                    continue;
                }
            }
            if self.options.crash_after == Some(carried_out) && carried_out == 0 {
                std::process::abort();
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
                journal.record(record);
                if let Err(diagnostic) = self.save_journal(&journal) {
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
                    if reboot {
                        journal.steps.retain(|s| s.index != i);
                        let _ = self.save_journal(&journal);
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
            journal.record(JournalStep { index: i, op: step.op().to_string(), digest, result: outcome.result });
            if let Err(diagnostic) = self.save_journal(&journal) {
                report.diagnostics.push(*diagnostic);
                break;
            }
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

    fn load_journal(&self) -> (Journal, Option<String>) {
        let actions = &self.plan.actions;
        let fresh = Journal::new(&self.plan.digest, &actions.pool, &actions.rendered_config);
        let bytes = match self.read(JOURNAL_PATH) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return (fresh, None),
            Err(e) => return (fresh, Some(format!("the journal {JOURNAL_PATH} cannot be read ({e}): starting over"))),
        };
        match serde_json::from_slice::<Journal>(&bytes) {
            Ok(j) if j.schema == journal::JOURNAL_SCHEMA && j.plan == self.plan.digest => {
                let note = (!j.steps.is_empty() && j.steps.len() < actions.steps.len()).then(|| {
                    format!("resuming: the journal has {} of the {} steps", j.steps.len(), actions.steps.len())
                });
                (j, note)
            }
            Ok(j) => (
                fresh,
                Some(format!(
                    "the journal is of another plan ({}, {}): this one starts from its first step",
                    j.rendered_config, j.plan
                )),
            ),
            Err(_) => (fresh, Some(format!("the journal {JOURNAL_PATH} does not parse: starting over"))),
        }
    }

    fn save_journal(&self, journal: &Journal) -> Result<(), Box<Diagnostic>> {
        let resolved =
            self.root.resolve_creating(JOURNAL_PATH, false).map_err(|e| resolve_diagnostic("the journal", e))?;
        write_atomically(&resolved, &journal.to_bytes(), 0o644, 0, 0)
            .map_err(|e| failed(format!("cannot write the journal {JOURNAL_PATH}: {e}")))
    }

    /// Reads a file beneath the root, following symlinks; `None` when it does not exist.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let walk = self.root.resolve(path, true, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(resolved) = walk else { return Ok(None) };
        match read_at(resolved.parent.fd.as_fd(), &resolved.name) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn passwd(&self, label: &str) -> Result<Vec<users::User>, Box<Diagnostic>> {
        let text = self.read("/etc/passwd").map_err(|e| failed(format!("{label}: cannot read /etc/passwd: {e}")))?;
        Ok(users::parse_passwd(&String::from_utf8_lossy(&text.unwrap_or_default())))
    }

    fn user(&self, label: &str, name: &str) -> Result<users::User, Box<Diagnostic>> {
        self.passwd(label)?.into_iter().find(|u| u.name == name).ok_or_else(|| {
            Diagnostic::general(
                &codes::APPLY_OWNER_UNKNOWN,
                format!("{label}: the user `{name}` is not in the root's /etc/passwd"),
            )
            .with_help("create the user in the base image, or give a numeric id (`id:`) in the MachineConfig")
            .into()
        })
    }

    /// Numeric owners: ids as given, names looked up in the root; root when unset.
    fn owner(&self, label: &str, owner: &Owner) -> Result<(u32, u32), Box<Diagnostic>> {
        let id = |value: i64, what: &str| {
            u32::try_from(value).map_err(|_| {
                Box::new(Diagnostic::general(
                    &codes::APPLY_STEP_INVALID,
                    format!("{label}: the {what} id {value} is out of range"),
                ))
            })
        };
        let uid = match (owner.uid, &owner.user) {
            (Some(uid), _) => id(uid, "user")?,
            (None, Some(name)) => self.user(label, name)?.uid,
            (None, None) => 0,
        };
        let gid = match (owner.gid, &owner.group) {
            (Some(gid), _) => id(gid, "group")?,
            (None, Some(name)) => {
                let text =
                    self.read("/etc/group").map_err(|e| failed(format!("{label}: cannot read /etc/group: {e}")))?;
                let groups = users::parse_group(&String::from_utf8_lossy(&text.unwrap_or_default()));
                groups.into_iter().find(|(n, _)| n == name).map(|(_, gid)| gid).ok_or_else(|| {
                    Diagnostic::general(
                        &codes::APPLY_OWNER_UNKNOWN,
                        format!("{label}: the group `{name}` is not in the root's /etc/group"),
                    )
                    .with_help("create the group in the base image, or give a numeric id (`id:`) in the MachineConfig")
                })?
            }
            (None, None) => 0,
        };
        Ok((uid, gid))
    }

    /// Resolves the parent of `path`, creating missing directories unless this is a dry run.
    fn target(&self, label: &str, path: &str, follow_last: bool) -> Result<Target, Box<Diagnostic>> {
        let create = (!self.options.dry_run).then_some((0o755, (0, 0)));
        match self.root.resolve(path, follow_last, create) {
            Ok(Walk::Found(r)) => Ok(Target::Found(r)),
            Ok(Walk::Missing { first_missing, path }) => Ok(Target::Missing { first_missing, path }),
            Err(e) => Err(resolve_diagnostic(label, e)),
        }
    }

    fn step(&mut self, step: &Step, label: &str) -> Result<Outcome, Box<Diagnostic>> {
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
                let mode = parse_mode(mode).unwrap_or(0o755);
                self.put_dir(label, path, mode, uid, gid).map(Outcome::done)
            }
            Step::Write { path, mode, owner, content, append, .. } => {
                let (uid, gid) = self.owner(label, owner)?;
                let mut bytes = self.plan.bytes(content).map_err(|m| failed(format!("{label}: {m}")))?;
                for fragment in append {
                    bytes.extend(self.plan.bytes(fragment).map_err(|m| failed(format!("{label}: {m}")))?);
                }
                let mode = parse_mode(mode).unwrap_or(0o644);
                self.put_file(label, path, &bytes, mode, uid, gid).map(Outcome::done)
            }
            Step::WriteUnit { path, content, .. } | Step::WriteDropin { path, content, .. } => {
                let bytes = self.plan.bytes(content).map_err(|m| failed(format!("{label}: {m}")))?;
                self.put_file(label, path, &bytes, 0o644, 0, 0).map(Outcome::done)
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
                let u = self.user(label, user)?;
                let mode = parse_mode(mode).unwrap_or(0o600);
                let directory_mode = parse_mode(directory_mode).unwrap_or(0o700);
                let mut changes = Vec::new();
                // The user's own directories: those below /home/<user> (and it, when missing).
                let home = format!("/home/{user}");
                let dirs: Vec<String> = match path.strip_prefix(&format!("{home}/")) {
                    Some(rest) => {
                        let parts: Vec<&str> = rest.split('/').collect();
                        (0..parts.len() - 1).map(|n| format!("{home}/{}", parts[..=n].join("/"))).collect()
                    }
                    None => path.rsplit_once('/').map(|(d, _)| vec![d.to_string()]).unwrap_or_default(),
                };
                if path.starts_with(&format!("{home}/")) {
                    changes.extend(self.put_dir_if_missing(label, &home, directory_mode, u.uid, u.gid)?);
                }
                for dir in &dirs {
                    changes.extend(self.put_dir(label, dir, directory_mode, u.uid, u.gid)?);
                }
                let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
                changes.extend(self.put_file(label, path, text.as_bytes(), mode, u.uid, u.gid)?);
                Ok(Outcome::done(changes))
            }
            Step::PasswordHash { user, hash, .. } => self.password(label, user, hash).map(Outcome::done),
            Step::MaskUnit { name, .. } => {
                self.put_symlink(label, &format!("{UNIT_DIR}/{name}"), "/dev/null", 0, 0).map(Outcome::done)
            }
            Step::EnableUnit { name, .. } | Step::DisableUnit { name, .. } => {
                let enable = matches!(step, Step::EnableUnit { .. });
                if self.options.run_actions {
                    let mut command = vec!["systemctl".to_string()];
                    if !self.root_is_slash() {
                        command.extend(["--root".to_string(), self.root.host_path().display().to_string()]);
                    }
                    command.extend([if enable { "enable" } else { "disable" }.to_string(), name.clone()]);
                    return self.action(label, command);
                }
                let changes = if enable {
                    let mut seen = BTreeSet::new();
                    self.enable_natively(label, name, &mut seen)?
                } else {
                    self.disable_natively(label, name)?
                };
                Ok(Outcome::done(changes))
            }
            Step::DaemonReload => self.action(label, strings(&["systemctl", "daemon-reload"])),
            Step::Reload { service } => self.action(label, strings(&["systemctl", "reload", service])),
            Step::Restart { service } => {
                let outcome = self.action(label, strings(&["systemctl", "restart", service]));
                // The MCD falls back to running update-ca-trust itself.
                if outcome.is_err() && service == "coreos-update-ca-trust.service" {
                    return self.action(label, strings(&["update-ca-trust"]));
                }
                outcome
            }
            Step::Reboot => self.action(label, strings(&["systemctl", "reboot"])),
            Step::KernelArguments { delete, append, .. } => {
                let mut command = strings(&["rpm-ostree", "kargs"]);
                command.extend(delete.iter().map(|a| format!("--delete-if-present={a}")));
                command.extend(append.iter().map(|a| format!("--append={a}")));
                self.action(label, command)
            }
            Step::Extensions { install, .. } => {
                let mut command = strings(&["rpm-ostree", "update"]);
                for package in install {
                    command.extend(["--install".to_string(), package.clone()]);
                }
                self.action(label, command)
            }
            Step::KernelType { install, .. } => {
                let mut command = strings(&["rpm-ostree", "override", "remove"]);
                command.extend(
                    ["kernel", "kernel-core", "kernel-modules", "kernel-modules-core", "kernel-modules-extra"]
                        .map(String::from),
                );
                for package in install {
                    command.extend(["--install".to_string(), package.clone()]);
                }
                self.action(label, command)
            }
        }
    }

    fn root_is_slash(&self) -> bool {
        std::fs::canonicalize(self.root.host_path()).is_ok_and(|p| p == Path::new("/"))
    }

    /// Runs (with `--run-actions`) or prints a command.
    fn action(&self, label: &str, command: Vec<String>) -> Result<Outcome, Box<Diagnostic>> {
        let line = command.join(" ");
        if self.options.dry_run {
            let verb = if self.options.run_actions { "would run" } else { "would print, not run" };
            return Ok(Outcome { result: StepResult::Printed, changes: vec![format!("{verb}: {line}")], note: None });
        }
        if !self.options.run_actions {
            return Ok(Outcome {
                result: StepResult::Printed,
                changes: vec![format!("not run: {line}")],
                note: Some("--run-actions runs it".into()),
            });
        }
        let output = Command::new(&command[0]).args(&command[1..]).output().map_err(|e| {
            Diagnostic::general(&codes::APPLY_ACTION_FAILED, format!("{label}: cannot run `{line}`: {e}"))
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Diagnostic::general(
                &codes::APPLY_ACTION_FAILED,
                format!("{label}: `{line}` failed ({}): {}", output.status, stderr.trim()),
            )
            .with_help(
                "the files are written and journaled; fix the cause and run mcc apply again to retry the actions",
            )
            .into());
        }
        Ok(Outcome { result: StepResult::Ran, changes: vec![format!("ran: {line}")], note: None })
    }

    fn shown(&self, path: &str, resolved: &str) -> String {
        if path == resolved { path.to_string() } else { format!("{path} (→ {resolved})") }
    }

    fn created(&self, created: &[String]) -> Vec<String> {
        created.iter().map(|d| format!("created {d}")).collect()
    }

    /// Makes `path` a regular file with these bytes, mode and owner.
    fn put_file(
        &self,
        label: &str,
        path: &str,
        bytes: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let resolved = match self.target(label, path, false)? {
            Target::Found(r) => r,
            Target::Missing { first_missing, path: at } => {
                return Ok(vec![format!(
                    "would create {first_missing} and write {} ({}, {} bytes)",
                    self.shown(path, &at),
                    mode_owner(mode, uid, gid),
                    bytes.len()
                )]);
            }
        };
        let dir = resolved.parent.fd.as_fd();
        let shown = self.shown(path, &resolved.path());
        let mut changes = self.created(&resolved.created);
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                return Err(failed(format!("{label}: `{}` is a directory, not a file", resolved.path())));
            }
            Some(stat)
                if file_type(&stat) == FileType::RegularFile
                    && stat.st_mode & 0o7777 == mode
                    && (stat.st_uid, stat.st_gid) == (uid, gid)
                    && stat.st_size as u64 == bytes.len() as u64
                    && read_at(dir, &resolved.name).map_err(io)? == bytes =>
            {
                if !self.options.dry_run {
                    remove_stale_temp(dir, &resolved.name).map_err(io)?;
                }
                return Ok(changes);
            }
            _ => {}
        }
        if self.options.dry_run {
            changes.push(format!("would write {shown} ({}, {} bytes)", mode_owner(mode, uid, gid), bytes.len()));
        } else {
            write_atomically(&resolved, bytes, mode, uid, gid).map_err(io)?;
            changes.push(format!("wrote {shown} ({}, {} bytes)", mode_owner(mode, uid, gid), bytes.len()));
        }
        Ok(changes)
    }

    /// Makes `path` a symlink to `target`, owned by `uid:gid`.
    fn put_symlink(
        &self,
        label: &str,
        path: &str,
        target: &str,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let resolved = match self.target(label, path, false)? {
            Target::Found(r) => r,
            Target::Missing { first_missing, path: at } => {
                return Ok(vec![format!("would create {first_missing} and link {} → {target}", self.shown(path, &at))]);
            }
        };
        let dir = resolved.parent.fd.as_fd();
        let shown = self.shown(path, &resolved.path());
        let mut changes = self.created(&resolved.created);
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                return Err(failed(format!("{label}: `{}` is a directory, not a link", resolved.path())));
            }
            Some(stat)
                if file_type(&stat) == FileType::Symlink
                    && (stat.st_uid, stat.st_gid) == (uid, gid)
                    && read_link(dir, &resolved.name).map_err(io)? == target =>
            {
                if !self.options.dry_run {
                    remove_stale_temp(dir, &resolved.name).map_err(io)?;
                }
                return Ok(changes);
            }
            _ => {}
        }
        if self.options.dry_run {
            changes.push(format!("would link {shown} → {target}"));
            return Ok(changes);
        }
        let temp = temp_name(&resolved.name);
        remove_stale_temp(dir, &resolved.name).map_err(io)?;
        rustix::fs::symlinkat(target, dir, temp.as_str()).map_err(|e| io(e.into()))?;
        rustix::fs::chownat(
            dir,
            temp.as_str(),
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| io(e.into()))?;
        rustix::fs::renameat(dir, temp.as_str(), dir, resolved.name.as_str()).map_err(|e| io(e.into()))?;
        rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
        changes.push(format!("linked {shown} → {target}"));
        Ok(changes)
    }

    /// Makes `path` a hard link to the existing `target`.
    fn put_hard_link(&self, label: &str, path: &str, target: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let source = match self.root.resolve(target, false, None).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(r) => r,
            Walk::Missing { .. } => {
                return Err(failed(format!("{label}: the hard link target `{target}` does not exist")));
            }
        };
        let Some(source_stat) = lstat(source.parent.fd.as_fd(), &source.name).map_err(io)? else {
            return Err(failed(format!("{label}: the hard link target `{target}` does not exist")));
        };
        if file_type(&source_stat) == FileType::Directory {
            return Err(failed(format!("{label}: the hard link target `{target}` is a directory")));
        }
        let resolved = match self.target(label, path, false)? {
            Target::Found(r) => r,
            Target::Missing { first_missing, path: at } => {
                return Ok(vec![format!(
                    "would create {first_missing} and hard-link {} to {target}",
                    self.shown(path, &at)
                )]);
            }
        };
        let dir = resolved.parent.fd.as_fd();
        let mut changes = self.created(&resolved.created);
        if let Some(stat) = lstat(dir, &resolved.name).map_err(io)?
            && (stat.st_dev, stat.st_ino) == (source_stat.st_dev, source_stat.st_ino)
        {
            return Ok(changes);
        }
        let shown = self.shown(path, &resolved.path());
        if self.options.dry_run {
            changes.push(format!("would hard-link {shown} to {target}"));
            return Ok(changes);
        }
        let temp = temp_name(&resolved.name);
        remove_stale_temp(dir, &resolved.name).map_err(io)?;
        rustix::fs::linkat(source.parent.fd.as_fd(), source.name.as_str(), dir, temp.as_str(), AtFlags::empty())
            .map_err(|e| io(e.into()))?;
        rustix::fs::renameat(dir, temp.as_str(), dir, resolved.name.as_str()).map_err(|e| io(e.into()))?;
        rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
        changes.push(format!("hard-linked {shown} to {target}"));
        Ok(changes)
    }

    /// Makes `path` a directory with this mode and owner (a symlink in its last component is
    /// followed, as `mkdir -p` and Ignition do).
    fn put_dir(&self, label: &str, path: &str, mode: u32, uid: u32, gid: u32) -> Result<Vec<String>, Box<Diagnostic>> {
        self.dir(label, path, mode, uid, gid, true)
    }

    /// Creates `path` as a directory when it is missing; leaves an existing one as it is.
    fn put_dir_if_missing(
        &self,
        label: &str,
        path: &str,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        self.dir(label, path, mode, uid, gid, false)
    }

    fn dir(
        &self,
        label: &str,
        path: &str,
        mode: u32,
        uid: u32,
        gid: u32,
        converge: bool,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let resolved = match self.target(label, path, true)? {
            Target::Found(r) => r,
            Target::Missing { first_missing, path: at } => {
                return Ok(vec![format!(
                    "would create {first_missing} and {} ({})",
                    self.shown(path, &at),
                    mode_owner(mode, uid, gid)
                )]);
            }
        };
        let dir = resolved.parent.fd.as_fd();
        let shown = self.shown(path, &resolved.path());
        let mut changes = self.created(&resolved.created);
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                if !converge || (stat.st_mode & 0o7777 == mode && (stat.st_uid, stat.st_gid) == (uid, gid)) {
                    return Ok(changes);
                }
                if self.options.dry_run {
                    changes.push(format!("would set {shown} to {}", mode_owner(mode, uid, gid)));
                } else {
                    let fd = resolve::open_dir(dir, &resolved.name).map_err(io)?;
                    set_owner_mode(fd.as_fd(), uid, gid, mode).map_err(io)?;
                    changes.push(format!("set {shown} to {}", mode_owner(mode, uid, gid)));
                }
            }
            Some(_) => return Err(failed(format!("{label}: `{}` exists and is not a directory", resolved.path()))),
            None if self.options.dry_run => {
                changes.push(format!("would create {shown} ({})", mode_owner(mode, uid, gid)));
            }
            None => {
                rustix::fs::mkdirat(dir, resolved.name.as_str(), Mode::from_raw_mode(0o700))
                    .map_err(|e| io(e.into()))?;
                let fd = resolve::open_dir(dir, &resolved.name).map_err(io)?;
                set_owner_mode(fd.as_fd(), uid, gid, mode).map_err(io)?;
                rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
                changes.push(format!("created {shown} ({})", mode_owner(mode, uid, gid)));
            }
        }
        Ok(changes)
    }

    /// Removes `path` when it exists; a directory only when it is empty.
    fn remove(&self, label: &str, path: &str, directory: bool) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let resolved = match self.root.resolve(path, false, None).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(r) => r,
            Walk::Missing { .. } => return Ok(Vec::new()),
        };
        let dir = resolved.parent.fd.as_fd();
        let shown = self.shown(path, &resolved.path());
        let Some(stat) = lstat(dir, &resolved.name).map_err(io)? else { return Ok(Vec::new()) };
        let is_dir = file_type(&stat) == FileType::Directory;
        if is_dir && !directory {
            return Err(failed(format!(
                "{label}: `{}` is a directory; the plan removes a file there",
                resolved.path()
            )));
        }
        if self.options.dry_run {
            return Ok(vec![format!("would remove {shown}")]);
        }
        let flags = if is_dir { AtFlags::REMOVEDIR } else { AtFlags::empty() };
        match rustix::fs::unlinkat(dir, resolved.name.as_str(), flags) {
            Ok(()) => {}
            Err(rustix::io::Errno::NOTEMPTY) => return Ok(vec![format!("kept {shown}: not empty")]),
            Err(e) => return Err(io(e.into())),
        }
        rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
        Ok(vec![format!("removed {shown}")])
    }

    /// Sets a user's password hash in the root's `/etc/shadow`, as `usermod -p` does: under the
    /// `lckpwdf` lock (`/etc/.pwd.lock`), with the date of the last change set to today.
    fn password(&self, label: &str, user: &str, hash: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        if hash.contains([':', '\n', '\0']) {
            return Err(Diagnostic::general(
                &codes::APPLY_STEP_INVALID,
                format!("{label}: the hash holds `:` or a newline"),
            )
            .into());
        }
        let resolved = match self.root.resolve("/etc/shadow", true, None).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(r) => r,
            Walk::Missing { .. } => return Err(failed(format!("{label}: the root has no /etc/shadow"))),
        };
        let dir = resolved.parent.fd.as_fd();
        let Some(stat) = lstat(dir, &resolved.name).map_err(io)? else {
            return Err(failed(format!("{label}: the root has no /etc/shadow")));
        };
        let _lock = if self.options.dry_run {
            None
        } else {
            let lock = rustix::fs::openat(
                dir,
                ".pwd.lock",
                OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(|e| io(e.into()))?;
            rustix::fs::fcntl_lock(&lock, rustix::fs::FlockOperation::LockExclusive).map_err(|e| io(e.into()))?;
            Some(lock)
        };
        let text = String::from_utf8_lossy(&read_at(dir, &resolved.name).map_err(io)?).into_owned();
        let Some(new) = users::set_password(&text, user, hash, self.today) else {
            return Err(Diagnostic::general(
                &codes::APPLY_OWNER_UNKNOWN,
                format!("{label}: the user `{user}` is not in the root's /etc/shadow"),
            )
            .with_help("the base image must have the user; mcc, like the MCO, only changes an existing user's password")
            .into());
        };
        if new == text {
            return Ok(Vec::new());
        }
        if self.options.dry_run {
            return Ok(vec![format!("would set the password hash of `{user}` in /etc/shadow")]);
        }
        write_atomically(&resolved, new.as_bytes(), stat.st_mode & 0o7777, stat.st_uid, stat.st_gid).map_err(io)?;
        Ok(vec![format!("set the password hash of `{user}` in /etc/shadow")])
    }

    /// The unit file `systemctl` would use for `name` (an instance falls back to its template):
    /// its in-root path in the unit path, and its contents. `Err(path)` when it is masked.
    fn find_unit(&self, name: &str) -> Result<Option<(String, String)>, String> {
        let template = name.split_once('@').and_then(|(prefix, rest)| {
            let (_, suffix) = rest.rsplit_once('.')?;
            (!rest.starts_with('.')).then(|| format!("{prefix}@.{suffix}"))
        });
        for dir in UNIT_PATH {
            for candidate in std::iter::once(name.to_string()).chain(template.clone()) {
                let path = format!("{dir}/{candidate}");
                let Ok(Walk::Found(lexical)) = self.root.resolve(&path, false, None) else { continue };
                if let Ok(Some(stat)) = lstat(lexical.parent.fd.as_fd(), &lexical.name)
                    && file_type(&stat) == FileType::Symlink
                    && read_link(lexical.parent.fd.as_fd(), &lexical.name).is_ok_and(|t| t == "/dev/null")
                {
                    return Err(path);
                }
                if let Ok(Some(bytes)) = self.read(&path) {
                    return Ok(Some((path, String::from_utf8_lossy(&bytes).into_owned())));
                }
            }
        }
        Ok(None)
    }

    /// The links `systemctl enable NAME` makes, pointing at the unit file found in the root.
    fn links_of(&self, name: &str, unit_path: &str, contents: &str) -> (Vec<(String, String)>, Vec<String>) {
        let e = enablement(name, contents);
        let links = e.links.into_iter().map(|(link, _)| (link, unit_path.to_string())).collect();
        (links, e.also)
    }

    /// Enables `name` in the tree as `systemctl --root ROOT enable` does.
    fn enable_natively(
        &self,
        label: &str,
        name: &str,
        seen: &mut BTreeSet<String>,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        if !seen.insert(name.to_string()) {
            return Ok(Vec::new());
        }
        let (unit_path, contents) = match self.find_unit(name) {
            Ok(Some(found)) => found,
            Ok(None) => {
                return Ok(vec![format!("no unit file for {name} in the root: left as it is, as the MCD does")]);
            }
            Err(path) => return Ok(vec![format!("{name} is masked ({path} → /dev/null): not enabled")]),
        };
        let (links, also) = self.links_of(name, &unit_path, &contents);
        let mut changes = Vec::new();
        for (link, target) in links {
            changes.extend(self.put_symlink(label, &link, &target, 0, 0)?);
        }
        for other in also {
            if check_name(&other).is_ok() {
                changes.extend(self.enable_natively(label, &other, seen)?);
            }
        }
        Ok(changes)
    }

    /// Disables `name` in the tree as `systemctl --root ROOT disable` does: removes the links of
    /// its `[Install]` section and every `*.wants/`, `*.requires/`, `*.upholds/` link of that name
    /// and alias link to it in `/etc/systemd/system` (never a mask).
    fn disable_natively(&self, label: &str, name: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        if let Ok(Some((unit_path, contents))) = self.find_unit(name) {
            candidates.extend(self.links_of(name, &unit_path, &contents).0.into_iter().map(|(l, _)| l));
        }
        if let Walk::Found(r) = self.root.resolve(UNIT_DIR, true, None).map_err(|e| resolve_diagnostic(label, e))?
            && let Some(stat) = lstat(r.parent.fd.as_fd(), &r.name).map_err(io)?
            && file_type(&stat) == FileType::Directory
        {
            let unit_dir = resolve::open_dir(r.parent.fd.as_fd(), &r.name).map_err(io)?;
            for (entry, kind) in list_dir(unit_dir.as_fd()).map_err(io)? {
                let path = format!("{UNIT_DIR}/{entry}");
                match kind {
                    FileType::Directory
                        if entry.ends_with(".wants") || entry.ends_with(".requires") || entry.ends_with(".upholds") =>
                    {
                        candidates.insert(format!("{path}/{name}"));
                    }
                    FileType::Symlink if entry != name => {
                        let target = read_link(unit_dir.as_fd(), &entry).map_err(io)?;
                        if target != "/dev/null" && target.rsplit('/').next() == Some(name) {
                            candidates.insert(path);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut changes = Vec::new();
        for link in candidates {
            let Ok(Walk::Found(r)) = self.root.resolve(&link, false, None) else { continue };
            let is_link =
                lstat(r.parent.fd.as_fd(), &r.name).map_err(io)?.is_some_and(|s| file_type(&s) == FileType::Symlink);
            let is_mask = is_link && read_link(r.parent.fd.as_fd(), &r.name).is_ok_and(|t| t == "/dev/null");
            if is_link && !is_mask {
                changes.extend(self.remove(label, &link, false)?);
            }
        }
        Ok(changes)
    }
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// A step, for the user: its op and what it is about.
pub fn describe(step: &Step) -> String {
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
        _ => op.to_string(),
    }
}

/// The temporary name a file is written under before it is renamed into place: fixed, so a
/// leftover of a crash is found and replaced by the next run.
fn temp_name(name: &str) -> String {
    if name.len() > 200 {
        format!(".mcc-tmp-{}", &sha256_hex(name.as_bytes())[..32])
    } else {
        format!(".{name}.mcc-tmp")
    }
}

fn remove_stale_temp(dir: BorrowedFd<'_>, name: &str) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, temp_name(name).as_str(), AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Reads the regular file `name` in `dir` without following a symlink. Anything else (a FIFO, a
/// device) is refused rather than read: opening and reading it could block or never end.
fn read_at(dir: BorrowedFd<'_>, name: &str) -> io::Result<Vec<u8>> {
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    if file_type(&rustix::fs::fstat(&fd)?) != FileType::RegularFile {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("`{name}` is not a regular file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes a file atomically: a temporary file in the same directory, written, given its owner
/// and mode, fsynced, renamed over the entry, and the directory fsynced.
fn write_atomically(resolved: &Resolved, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> io::Result<()> {
    let dir = resolved.parent.fd.as_fd();
    let temp = temp_name(&resolved.name);
    remove_stale_temp(dir, &resolved.name)?;
    let fd = rustix::fs::openat(
        dir,
        temp.as_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )?;
    let mut file = std::fs::File::from(fd);
    let written = file
        .write_all(bytes)
        .and_then(|()| set_owner_mode(file.as_fd(), uid, gid, mode))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::empty());
        return Err(e);
    }
    drop(file);
    if let Err(e) = rustix::fs::renameat(dir, temp.as_str(), dir, resolved.name.as_str()) {
        let _ = rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::empty());
        return Err(e.into());
    }
    rustix::fs::fsync(dir)?;
    Ok(())
}

/// The entries of a directory (without `.` and `..`), sorted, with their types.
fn list_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<(String, FileType)>> {
    let mut entries = Vec::new();
    let mut reader = rustix::fs::Dir::read_from(dir)?;
    while let Some(entry) = reader.read() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "." || name == ".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => lstat(dir, &name)?.map_or(FileType::Unknown, |s| file_type(&s)),
            kind => kind,
        };
        entries.push((name, kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_references_stay_in_the_blobs_directory() {
        let digest = "a".repeat(64);
        assert_eq!(blob_name(&format!("blobs/{digest}")), Some(digest.as_str()));
        for bad in ["blobs/../../etc/shadow".to_string(), format!("blobs/{}", "A".repeat(64)), format!("x/{digest}")] {
            assert_eq!(blob_name(&bad), None, "{bad}");
        }
    }

    #[test]
    fn names_that_would_be_paths_or_options_are_refused() {
        assert!(check_name("crio.service").is_ok());
        for bad in ["", "..", "-x.service", "a/b.service", "a:b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hard_link_targets_are_resolved_against_the_link_directory() {
        assert_eq!(hard_link_target("/etc/a/link", "data"), "/etc/a/data");
        assert_eq!(hard_link_target("/etc/a/link", "/usr/x"), "/usr/x");
        assert!(resolve::validate(&hard_link_target("/etc/a/link", "../../../x")).is_err());
    }

    #[test]
    fn temporary_names_fit_and_are_fixed() {
        assert_eq!(temp_name("x.conf"), ".x.conf.mcc-tmp");
        let long = "n".repeat(250);
        assert!(temp_name(&long).len() < 60);
        assert_eq!(temp_name(&long), temp_name(&long));
    }
}
