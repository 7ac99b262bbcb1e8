//! `mcc apply`: executes a pool's node-side steps (`node-actions.json`, `mcc.node-actions/v1`)
//! against a root directory: `/` on a node, or any directory (an unpacked image, a test root).
//!
//! # Never outside the root
//! Every path, the document's and every symlink met in the tree, is resolved beneath the root by
//! `resolve`, on directory descriptors: absolute link targets start again at the root, `..`
//! that would climb above it is refused (MCC5102), and plan paths must be absolute and simplified
//! (MCC5101). Blob references must be `blobs/<sha256>`, inside the plan's directory.
//!
//! # Atomic, idempotent steps
//! The whole plan is checked first (paths, modes, names, every content against its digest), so a
//! bad plan changes nothing. Each step then makes the tree *be* what it says rather than *doing*
//! something, so running it again is harmless: a file is written only when its contents, mode or
//! owner differ, through a temporary file in its directory (`.NAME.mcc-tmp`) that is fsynced,
//! given its owner then its mode, renamed over the old one, and the directory fsynced. Missing
//! parent directories are created 0755 root:root, as Ignition does, each as a whole. Owners named by user or
//! group name are resolved from the root's own `/etc/passwd` and `/etc/group` (MCC5103).
//!
//! # The dry run
//! `--dry-run` writes nothing and says what the run would do, line for line in the run's words
//! with "would": each step sees the tree the earlier steps would have left, held in memory
//! (`overlay`) and consulted before the real tree (`view`), by primitives that decide as the
//! run's do (`dry`).
//!
//! # The journal
//! After each step (after each batch of file writes, `batch`), the journal records it in the root
//! (`/var/lib/mcc/apply-journal.json`, one line appended to `apply-journal.log` a step, compacted
//! at the end of the run), so a
//! run that was interrupted (a crash, a power cut) resumes where it stopped, and a plan already
//! applied is a no-op: "nothing to do: N steps already applied". The environment variable
//! `MCC_APPLY_CRASH_AFTER=N` is a test hook: the run aborts once it has carried out N steps, after
//! the N-th changed the tree and before the journal records it (the worst moment to die);
//! `MCC_APPLY_CRASH_IN_MKDIR=N` aborts at the N-th directory created, between its creation and
//! its owner and mode. Directories are created under a temporary name and renamed into place with
//! their owner and mode set (`create_dir`), so no crash leaves one half made.
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
//! `--run-actions`; without it they are printed. They act on the machine running mcc whatever the
//! root, so `--run-actions` is refused unless the root is `/` ([`is_host_root`], MCC5108). `drain` is never run: the node must be drained
//! before the apply starts (mcc has no access to the cluster). A failed action fails the apply
//! (MCC5107), as it degrades the node under the MCD.
//!
//! # Where each part lives
//! `node_steps` loads the document and its blobs ([`NodeSteps`], named so it is not taken for
//! `mcc plan`'s plans), `validate` checks all of it before anything changes, `journal` and `journal_io` keep the
//! journal, `driver` walks the
//! steps with the journal, `fs` holds the converging file primitives on top of `resolve`,
//! `view`, `overlay` and `dry` are the dry run's tree and primitives,
//! `systemd` masks, enables and disables units, `users` resolves owners and writes SSH keys and
//! password hashes, `actions` runs or prints commands (the switch to the pool's image among
//! them), `backup` keeps what each change replaces before it is made, `rollback` puts it back
//! (`mcc apply --rollback`, [`rollback`]), and `diagnostic` is what a failure reports.

mod actions;
mod backup;
mod batch;
mod create_dir;
mod diagnostic;
mod driver;
mod dry;
mod fs;
pub mod hostile_input;
mod journal;
mod journal_io;
mod node_steps;
mod overlay;
mod resolve;
mod rollback;
mod systemd;
mod users;
mod validate;
mod view;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

pub use diagnostic::Diagnostic;
pub use node_steps::NodeSteps;

use diagnostic::failed;
use journal::Journal;
use journal_io::JournalLog;
use resolve::Root;

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// List what would change; write nothing.
    pub dry_run: bool,
    /// Run the actions (and enable/disable through `systemctl`), rather than print them.
    pub run_actions: bool,
    /// The test hook `MCC_APPLY_CRASH_AFTER`.
    pub crash_after: Option<usize>,
    /// The test hook `MCC_APPLY_CRASH_IN_MKDIR`: abort at the N-th directory created, before its
    /// owner and mode are set.
    pub crash_in_mkdir: Option<usize>,
    /// The test hook `MCC_APPLY_CRASH_IN_LOG_RESTART`: abort right after this run's journal log
    /// is started afresh, before a record is written to it (the window where truncating the old
    /// log in place would lose an interrupted run's records).
    pub crash_in_log_restart: bool,
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
    /// Whether a step failed: every diagnostic of an apply is an error.
    pub fn failed(&self) -> bool {
        !self.diagnostics.is_empty()
    }
}

/// Applies `steps` to the directory `root`, writing one line per step to `out`.
pub fn apply(steps: &NodeSteps, root: &Path, options: &Options, out: &mut dyn Write) -> Report {
    let mut report = Report::default();
    if let Some(mut applier) = Applier::open(steps, root, options, !options.dry_run, &mut report) {
        applier.run(out, &mut report);
    }
    report
}

/// Puts back what the last apply of `steps` to `root` changed, from its journal
/// (`mcc apply --rollback`), writing one line per restored path to `out`.
pub fn rollback(steps: &NodeSteps, root: &Path, options: &Options, out: &mut dyn Write) -> Report {
    let mut report = Report::default();
    if let Some(applier) = Applier::open(steps, root, options, false, &mut report) {
        applier.roll_back(out, &mut report);
    }
    report
}

impl<'a> Applier<'a> {
    /// The root opened and locked for a run; `None` with the reason in `report`.
    fn open(
        steps: &'a NodeSteps,
        root: &Path,
        options: &'a Options,
        record: bool,
        report: &mut Report,
    ) -> Option<Applier<'a>> {
        if options.run_actions && !options.dry_run && !is_host_root(root) {
            report.diagnostics.push(
                Diagnostic::new(
                    mcc_contract::codes::APPLY_ACTIONS_OFF_HOST,
                    format!(
                        "the actions are run only when the root is `/`, not `{}`: they act on the machine running mcc",
                        root.display()
                    ),
                )
                .with_help("apply without --run-actions, which prints the actions; run them on the node itself"),
            );
            return None;
        }
        let root = match Root::open(root) {
            Ok(root) => root.with_mkdir_crash(options.crash_in_mkdir),
            Err(e) => {
                report.diagnostics.push(*failed(format!("cannot open the root {}: {e}", root.display())));
                return None;
            }
        };
        if !options.dry_run
            && let Err(e) = rustix::fs::flock(root.fd(), rustix::fs::FlockOperation::NonBlockingLockExclusive)
        {
            report.diagnostics.push(*failed(format!(
                "cannot lock the root {} ({e}): is another `mcc apply` running on it?",
                root.host_path().display()
            )));
            return None;
        }
        let journal = Journal::new(&steps.digest, &steps.actions.pool, &steps.actions.rendered_config);
        Some(Applier {
            steps,
            root,
            options,
            today: options.now / 86_400,
            journal: RefCell::new(journal),
            log: RefCell::default(),
            record,
            kept: RefCell::default(),
            overlay: RefCell::default(),
            batch: RefCell::default(),
        })
    }
}

/// Whether `root` is this machine's `/` (after symlinks): the only root the actions
/// (`systemctl restart`, `reboot`, `rpm-ostree`, …) may be run for, since they act on the machine
/// running mcc whatever the root.
pub fn is_host_root(root: &Path) -> bool {
    std::fs::canonicalize(root).is_ok_and(|p| p == Path::new("/"))
}

/// Carries out the steps on one root; its methods live in the modules of their concern.
struct Applier<'a> {
    steps: &'a NodeSteps,
    root: Root,
    options: &'a Options,
    /// Days since 1970-01-01, for `/etc/shadow`.
    today: u64,
    /// The journal of this plan, as loaded and as the run adds to it.
    journal: RefCell<Journal>,
    /// The log of this run.
    log: RefCell<JournalLog>,
    /// Keep what each change replaces (an apply); not in a dry run or a rollback.
    record: bool,
    /// The paths the journal keeps a record of.
    kept: RefCell<BTreeSet<String>>,
    /// In a dry run, what the steps so far would have changed (empty in a run).
    overlay: RefCell<overlay::Overlay>,
    /// The batch of file writes under way (`batch`), if any.
    batch: RefCell<Option<batch::Batch>>,
}
