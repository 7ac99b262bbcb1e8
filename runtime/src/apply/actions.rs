//! The commands `mcc apply` runs with `--run-actions` and prints without it: the post-change
//! actions (`systemctl daemon-reload|reload|restart|reboot`), `systemctl enable|disable` as the
//! MCD runs them, the node-level `rpm-ostree` steps, and the switch to the pool's image (`bootc
//! switch`, `rpm-ostree rebase`).

use std::process::Command;

use mcc_contract::codes;
use mcc_contract::node_actions::{self, Step};

use super::diagnostic::failed;
use super::driver::Outcome;
use super::journal::StepResult;
use super::{Applier, Diagnostic};

impl Applier<'_> {
    /// An action step: its command run (with `--run-actions`) or printed.
    pub(super) fn action_step(&self, label: &str, step: &Step) -> Result<Outcome, Box<Diagnostic>> {
        let command = match step {
            Step::DaemonReload => strings(&["systemctl", "daemon-reload"]),
            Step::Reload { service } => strings(&["systemctl", "reload", service]),
            Step::Restart { service } => {
                let outcome = self.action(label, strings(&["systemctl", "restart", service]));
                // The MCD falls back to running update-ca-trust itself.
                if outcome.is_err() && service == "coreos-update-ca-trust.service" {
                    return self.action(label, strings(&["update-ca-trust"]));
                }
                return outcome;
            }
            Step::Reboot => strings(&["systemctl", "reboot"]),
            Step::Switch { image, signed } => {
                let target = &self.steps.actions.target;
                node_actions::switch_command(target, image, *signed).ok_or_else(|| {
                    failed(format!("{label}: the target `{target}` does not boot images: there is nothing to switch"))
                })?
            }
            Step::KernelArguments { delete, append, .. } => {
                let mut command = strings(&["rpm-ostree", "kargs"]);
                command.extend(delete.iter().map(|a| format!("--delete-if-present={a}")));
                command.extend(append.iter().map(|a| format!("--append={a}")));
                command
            }
            Step::Extensions { install, .. } => {
                let mut command = strings(&["rpm-ostree", "update"]);
                for package in install {
                    command.extend(["--install".to_string(), package.clone()]);
                }
                command
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
                command
            }
            other => return Err(failed(format!("{label}: `{}` is not an action", other.op()))),
        };
        self.action(label, command)
    }

    /// Runs (with `--run-actions`) or prints a command.
    pub(super) fn action(&self, label: &str, command: Vec<String>) -> Result<Outcome, Box<Diagnostic>> {
        let line = command.join(" ");
        if self.options.dry_run {
            // The run's words and remark, with "would".
            let (verb, note) = if self.options.run_actions {
                ("would run", None)
            } else {
                ("would print, not run", Some("--run-actions runs it".into()))
            };
            return Ok(Outcome { result: StepResult::Printed, changes: vec![format!("{verb}: {line}")], note });
        }
        if !self.options.run_actions {
            return Ok(Outcome {
                result: StepResult::Printed,
                changes: vec![format!("not run: {line}")],
                note: Some("--run-actions runs it".into()),
            });
        }
        let output = Command::new(&command[0])
            .args(&command[1..])
            .output()
            .map_err(|e| Diagnostic::new(codes::APPLY_ACTION_FAILED, format!("{label}: cannot run `{line}`: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Diagnostic::new(
                codes::APPLY_ACTION_FAILED,
                format!("{label}: `{line}` failed ({}): {}", output.status, stderr.trim()),
            )
            .with_help(
                "the files are written and journaled; fix the cause and run mcc apply again to retry the actions",
            )
            .into());
        }
        Ok(Outcome { result: StepResult::Ran, changes: vec![format!("ran: {line}")], note: None })
    }
}

pub(super) fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}
