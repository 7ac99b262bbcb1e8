//! Whole-document validation, before anything is changed: a bad document changes nothing.

use mcc_contract::node_actions::{ReferenceProblem, Step, check_image_reference};
use mcc_contract::sha256_hex;
use mcc_contract::{Mode, codes};

use super::node_steps::NodeSteps;
use super::{Diagnostic, resolve};

impl NodeSteps {
    /// Everything wrong with the plan, found before anything is changed: unclean paths (MCC5101),
    /// bad modes, names, owner ids, password hashes and references (MCC5101), contents that do not match their digests
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
            for (what, id) in step_ids(step) {
                if let Err(why) = check_id(id) {
                    invalid(format!("the {what} id {id} is refused: {why}"));
                }
            }
            if let Step::PasswordHash { hash, .. } = step
                && hash.contains([':', '\n', '\0'])
            {
                invalid("the password hash holds `:`, a newline or a NUL byte, which would corrupt /etc/shadow".into());
            }
            if let Step::Switch { image, .. } = step
                && let Err(problem) = check_image_reference(image)
            {
                invalid(match problem {
                    ReferenceProblem::Tag => format!("the image `{image}` is a tag, not a digest"),
                    ReferenceProblem::Malformed(why) => format!("the image `{image}` is refused: {why}"),
                });
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
            for content in step.contents() {
                match self.bytes(content) {
                    Ok(bytes) => {
                        let actual = sha256_hex(&bytes);
                        if actual != content.sha256 || bytes.len() as u64 != content.size {
                            out.push(
                                Diagnostic::new(codes::APPLY_CONTENT_MISMATCH,
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
                Diagnostic::new(codes::APPLY_STEP_INVALID, format!("{what}: {message}")).with_help(
                    "plans written by `mcc compile` never hold these: compile again rather than editing node-actions.json",
                )
            }));
        }
        out
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

/// The numeric owners a step gives.
fn step_ids(step: &Step) -> Vec<(&'static str, i64)> {
    let owner = match step {
        Step::Mkdir { owner, .. } | Step::Write { owner, .. } | Step::Link { owner, .. } => owner,
        _ => return Vec::new(),
    };
    owner.uid.map(|uid| ("user", uid)).into_iter().chain(owner.gid.map(|gid| ("group", gid))).collect()
}

/// A numeric owner must be a real id: 0 to 2^32 − 2 (`(uid_t) -1` means "leave it" to `chown`).
pub(super) fn check_id(id: i64) -> Result<u32, &'static str> {
    match u32::try_from(id) {
        Ok(id) if id != u32::MAX => Ok(id),
        _ => Err("ids run from 0 to 4294967294"),
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
        Step::Mkdir { owner, .. } | Step::Write { owner, .. } | Step::Link { owner, .. } => {
            owner.user.iter().chain(&owner.group).map(String::as_str).collect()
        }
        Step::Remove { unit: Some(unit), .. } => vec![unit],
        _ => Vec::new(),
    }
}

pub(super) fn check_name(name: &str) -> Result<(), &'static str> {
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

pub(super) fn parse_mode(mode: &str) -> Option<u32> {
    Mode::parse_octal(mode).map(Mode::bits)
}

/// A hard link's target as an absolute path: relative targets are resolved against the link's
/// directory, as Ignition does.
pub(super) fn hard_link_target(path: &str, target: &str) -> String {
    if target.starts_with('/') {
        target.to_string()
    } else {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{target}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_be_paths_or_options_are_refused() {
        assert!(check_name("crio.service").is_ok());
        for bad in ["", "..", "-x.service", "a/b.service", "a:b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_real_ids() {
        assert_eq!(check_id(0), Ok(0));
        assert_eq!(check_id(4_294_967_294), Ok(4_294_967_294));
        for bad in [-1, 4_294_967_295, 1 << 32] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hard_link_targets_are_resolved_against_the_link_directory() {
        assert_eq!(hard_link_target("/etc/a/link", "data"), "/etc/a/data");
        assert_eq!(hard_link_target("/etc/a/link", "/usr/x"), "/usr/x");
        assert!(resolve::validate(&hard_link_target("/etc/a/link", "../../../x")).is_err());
    }
}
