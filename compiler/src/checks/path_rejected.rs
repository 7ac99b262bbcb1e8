//! MCC7002: a MachineConfig writes a path that the layout of the chosen profile rejects.
//!
//! The layout (`stdlib/layout/*.mcc`, and the site's own) rejects the paths no node can hold:
//! `/boot` (filled by ostree and bootupd), `/usr/etc` (ostree's copy of the image's `/etc`), the
//! API file systems (`/proc`, `/sys`, `/dev`), and the tmpfs directories (`/run`, `/tmp`, and
//! `/media` through its link), whose files are gone at the next boot. Such a write cannot be
//! baked into an image, and written on the node it is lost or refused. The finding gives the
//! layout's reason and points at the rule that rejects it.

use super::{Context, entries};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::layout::Decision;
use crate::policy::placement::Placement;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let layout = &cx.analysis.policies.layout;
    for (_, graph) in cx.pools() {
        for entry in entries(graph).filter(|e| e.placement == Placement::Reject) {
            let Some(path) = entry.subject.path() else { continue };
            let placed = layout.place(&path);
            let resolved = &placed.resolved.path;
            let mut diagnostic = match placed.decision {
                Some(Decision::Reject(rule)) => {
                    let reason = rule.reason.as_ref().map_or("the layout rejects it", |r| r.value.as_str());
                    Diagnostic::new(
                        &codes::PATH_REJECTED,
                        entry.span,
                        format!("`{path}` cannot be written on a `{}` node: {reason}", layout.name),
                    )
                    .with_related(rule.span, "rejected by this layout rule")
                }
                _ => Diagnostic::new(
                    &codes::PATH_REJECTED,
                    entry.span,
                    format!("`{path}` cannot be written on a `{}` node: no layout rule places it", layout.name),
                ),
            };
            if resolved != &path {
                diagnostic = diagnostic.with_label(format!("resolves to `{resolved}`"));
            }
            out.push(diagnostic.with_help(
                "write it where a node keeps it: /etc for configuration, /var for state, or /usr (through the image) for programs; a file needed at run time under /run is made by a unit or a tmpfiles.d line",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::PATH_REJECTED;

    #[test]
    fn a_write_into_run_or_through_media_is_rejected_with_the_layouts_reason() {
        let mc = worker(
            "99-worker-run",
            "    storage:\n      files:\n      - {path: /run/app/flag, contents: {source: 'data:,'}}\n      - {path: /media/usb/x, contents: {source: 'data:,'}}\n      - {path: /etc/app.conf, contents: {source: 'data:,'}}",
        );
        let found = with_code(&check(&[&mc]), &PATH_REJECTED);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].message.starts_with("`/run/app/flag` cannot be written on a `rhcos` node: a tmpfs"),
            "{}",
            found[0].message
        );
        assert_eq!(found[1].label.as_deref(), Some("resolves to `/run/media/usb/x`"));
        assert_eq!(found[0].related.len(), 1, "points at the reject rule");
    }
}
