//! The checks of a `relocate` rule: it moves a path from `/etc` into a directory of the image's
//! `/usr`, and nowhere else (MCC3015). `/etc` is the only part of the image a node merges with
//! its own edits, and `/usr` the only part every program with a vendor search path reads.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::reader::Spanned;
use crate::policy::layout::{Decision, Layout, Place};

/// A pattern a relocation may move: below `/etc`.
pub(super) fn source_is_valid(pattern: &str) -> bool {
    pattern.strip_prefix("/etc/").is_some_and(|rest| !rest.is_empty())
}

/// A directory a relocation may move into: literal, below `/usr`, and not ostree's `/usr/etc`.
pub(super) fn destination_is_valid(directory: &str) -> bool {
    let trimmed = directory.trim_end_matches('/');
    trimmed.starts_with("/usr/")
        && !directory.contains(['*', '?'])
        && trimmed != "/usr/etc"
        && !trimmed.starts_with("/usr/etc/")
        && !trimmed.split('/').skip(1).any(|part| part.is_empty() || part == ".." || part == ".")
}

pub(super) fn check_source(pattern: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) {
    if !pattern.value.starts_with('/') || source_is_valid(&pattern.value) {
        return; // a relative pattern is MCC3007's
    }
    diagnostics.push(
        Diagnostic::new(
            &codes::RELOCATE_INVALID,
            pattern.span,
            format!("`relocate` moves files out of /etc, and `{}` is not below /etc", pattern.value),
        )
        .with_label("not below /etc")
        .with_help(
            "only the image's /etc is merged with a node's own edits, so only /etc has a reason to move; \
             write a pattern below /etc, such as `/etc/sysctl.d/*.conf`",
        ),
    );
}

pub(super) fn check_destination(directory: &Spanned<String>, diagnostics: &mut Vec<Diagnostic>) {
    if !directory.value.starts_with('/') || destination_is_valid(&directory.value) {
        return;
    }
    let why = if directory.value.contains(['*', '?']) {
        "is a pattern, not a directory".to_string()
    } else if directory.value.trim_end_matches('/').starts_with("/usr/etc") {
        "is where ostree keeps the image's own /etc".to_string()
    } else if directory.value.starts_with("/usr/") {
        "is not in its simplest form (an empty, `.` or `..` component)".to_string()
    } else {
        "is not below /usr".to_string()
    };
    diagnostics.push(
        Diagnostic::new(
            &codes::RELOCATE_INVALID,
            directory.span,
            format!("`relocate` moves files into a directory of /usr, and `{}` {why}", directory.value),
        )
        .with_label("not a directory below /usr")
        .with_help(
            "name the directory in /usr that the program also reads, with /etc taking precedence by file name, \
             such as `/usr/lib/sysctl.d/`",
        ),
    );
}

/// A destination that the layout does not place in the image (on RHCOS `/usr/local` is a link
/// into `/var`): the relocated file would not be baked at all.
pub(super) fn check_lands_in_image(layout: &Layout, directory: &Spanned<String>) -> Option<Diagnostic> {
    let probe = format!("{}/x", directory.value.trim_end_matches('/'));
    let placed = layout.place(&probe);
    let place = match placed.decision {
        Some(Decision::Place(rule)) if rule.place == Place::Image => return None,
        Some(Decision::Place(rule)) => rule.place.name(),
        Some(Decision::Reject(_)) | None => "reject",
    };
    Some(
        Diagnostic::new(
            &codes::RELOCATE_INVALID,
            directory.span,
            format!(
                "layout `{}` places `{}` in {place} (it resolves to `{}`), not in the image",
                layout.name,
                directory.value,
                placed.resolved.path.rsplit_once('/').map_or("", |(dir, _)| dir)
            ),
        )
        .with_help("a relocated file must be baked into the image's /usr; pick a directory the layout places in image"),
    )
}
