//! MCC7003: a file, directory or symlink written into `/var` could be shipped in the image as a
//! `systemd-tmpfiles` line instead.
//!
//! An image never updates `/var`: it is seeded once, at install, so on an image-mode node a
//! MachineConfig's `/var` entries stay node-side writes (the stdlib lint MCC6003 says so for every
//! one of them). A small text file, a directory or a symlink fits a `tmpfiles.d` line that the
//! image carries and systemd-tmpfiles applies at every boot (`spec/image-mode.md` §8), which
//! keeps the entry under the image's control. This check gives the exact line, the one that
//! `mcc compile --var-strategy tmpfiles` writes, when it fits: numeric or root owners, no
//! appended fragments, contents of at most 4 KiB without NUL bytes, and not a hard link. It says
//! nothing under `--target legacy`, where nothing is baked.

use super::{Context, decoded, entries};
use crate::classify::Subject;
use crate::codes;
use crate::compile::{resolve_owner, tmpfiles};
use crate::diagnostic::Diagnostic;
use crate::ignition::types::NodeCommon;
use crate::policy::placement::{Placement, Target};
use crate::render::RenderedPool;

/// Lines up to this long are shown whole; longer ones are described.
const SHOWN: usize = 120;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (pool, graph) in cx.pools() {
        if graph.target == Target::Legacy {
            continue;
        }
        for entry in entries(graph).filter(|e| e.placement == Placement::Var) {
            let Subject::Path(path) = &entry.subject else { continue };
            let resolved = entry.resolved_path.as_deref().unwrap_or(path);
            let Some((kind, line)) = line_for(pool, path, resolved) else { continue };
            let shown = match line {
                Line::Whole(line) if line.len() <= SHOWN => format!("`{line}`"),
                Line::Whole(line) => format!("an `f+` line for `{resolved}` ({} characters)", line.len()),
                Line::Long(len) => format!("an `f+` line for `{resolved}` ({len} characters)"),
            };
            out.push(
                Diagnostic::new(
                    &codes::VAR_AS_TMPFILES,
                    entry.span,
                    format!("the {kind} `{path}` in /var can be shipped in the image as a tmpfiles.d line"),
                )
                .with_help(format!(
                    "put {shown} in a file under /usr/lib/tmpfiles.d of the image (`mcc compile --var-strategy tmpfiles` does): systemd-tmpfiles applies it at every boot, so image updates reach it"
                )),
            );
        }
    }
}

/// A tmpfiles line as the help gives it: whole, or only its length when it is too long to show.
enum Line {
    Whole(String),
    Long(usize),
}

/// The entry's kind and tmpfiles line, when it fits one. A file's line, mostly its escaped
/// contents, is only measured when it is too long to show.
fn line_for(pool: &RenderedPool, path: &str, resolved: &str) -> Option<(&'static str, Line)> {
    let storage = &pool.config.storage;
    let owners = |node: &NodeCommon| resolve_owner(&node.user).zip(resolve_owner(&node.group));
    // By the pool's entry index: a scan of the pool's files for each /var entry was quadratic.
    if let Some(file) = pool.index.file(&pool.config, path) {
        let (uid, gid) = owners(&file.node)?;
        let bytes = decoded(&file.contents)?;
        if !file.append.is_empty() || !tmpfiles::fits(bytes) {
            return None;
        }
        let mode = file.applied_mode();
        let line = match tmpfiles::file_len(resolved, mode, uid, gid, bytes)? {
            len if len > SHOWN => Line::Long(len),
            _ => Line::Whole(tmpfiles::file(resolved, mode, uid, gid, bytes)?),
        };
        return Some(("file", line));
    }
    if let Some(directory) = pool.index.directory_position(path).map(|at| &storage.directories[at]) {
        let (uid, gid) = owners(&directory.node)?;
        return Some(("directory", Line::Whole(tmpfiles::directory(resolved, directory.applied_mode(), uid, gid)?)));
    }
    let link = &storage.links[pool.index.link_position(path)?];
    if link.hard.as_ref().is_some_and(|h| h.value) {
        return None;
    }
    owners(&link.node)?;
    let target = link.target.as_ref()?;
    Some(("symlink", Line::Whole(tmpfiles::symlink(resolved, &target.value)?)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_with, with_code, worker};
    use crate::codes::VAR_AS_TMPFILES;
    use crate::policy::placement::Target;
    use crate::session::PolicyOptions;

    #[test]
    fn small_files_directories_and_symlinks_get_their_line() {
        let mc = worker(
            "99-worker-var",
            "    storage:\n      files:\n      - {path: /var/lib/app/a.conf, mode: 384, contents: {source: 'data:,x%3D1%0A'}}\n      - {path: /opt/app/b, user: {name: core}, contents: {source: 'data:,b'}}\n      directories:\n      - {path: /var/lib/app}\n      links:\n      - {path: /var/lib/app/current, target: /var/lib/app/a.conf}",
        );
        let found = with_code(&check(&[&mc]), &VAR_AS_TMPFILES);
        let helps: Vec<&str> = found.iter().map(|d| d.help.as_deref().unwrap()).collect();
        assert_eq!(found.len(), 3, "{helps:#?}");
        assert!(helps.iter().any(|h| h.contains("`f+ /var/lib/app/a.conf 0600 0 0 - x=1\\n`")), "{helps:#?}");
        assert!(helps.iter().any(|h| h.contains("`d /var/lib/app 0755 0 0 -`")), "{helps:#?}");
        assert!(
            helps.iter().any(|h| h.contains("`L+ /var/lib/app/current - - - - /var/lib/app/a.conf`")),
            "{helps:#?}"
        );
        // A name other than root cannot be written as a number: no line for /opt/app/b.
    }

    #[test]
    fn nothing_is_said_under_the_legacy_target() {
        let mc = worker("99-worker-var", "    storage:\n      directories:\n      - {path: /var/lib/app}");
        let options = PolicyOptions { target: Target::Legacy, ..PolicyOptions::default() };
        assert!(with_code(&check_with(&[&mc], &options), &VAR_AS_TMPFILES).is_empty());
    }
}
