//! Filesystem primitives beneath the root, each converging rather than acting: a file, a link or a
//! directory is made to *be* what the step says, and left alone when it already is. Files and links
//! are written under a fixed temporary name, fsynced, renamed into place and the directory fsynced.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use mcc_contract::sha256_hex;

use super::create_dir::create_dir;
use super::diagnostic::{failed, resolve_diagnostic};
use super::resolve::{self, Resolved, Walk, file_type, lstat, read_link, set_owner_mode};
use super::{Applier, Diagnostic};

/// Where a primitive works, once its path is resolved: `shown` is how the user sees it, `changes`
/// the directories created on the way (0755 root:root, as Ignition makes them).
struct Place {
    resolved: Resolved,
    shown: String,
    changes: Vec<String>,
}

pub(super) fn mode_owner(mode: u32, uid: u32, gid: u32) -> String {
    format!("{mode:04o} {uid}:{gid}")
}

impl Applier<'_> {
    /// Reads a file beneath the root (in a dry run, as the earlier steps left it), following
    /// symlinks; `None` when it does not exist.
    pub(super) fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        if self.options.dry_run {
            return self.view_read(path);
        }
        let walk = self.root.resolve(path, true, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(resolved) = walk else { return Ok(None) };
        match read_at(resolved.parent.fd.as_fd(), &resolved.name) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Resolves `path` for a primitive, creating missing directories (each kept first, for a
    /// rollback).
    fn place(&self, label: &str, path: &str, follow_last: bool) -> Result<Place, Box<Diagnostic>> {
        self.keep_created(label, path, follow_last)?;
        match self.root.resolve(path, follow_last, Some((0o755, (0, 0)))).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(resolved) => {
                let shown = self.shown(path, &resolved.path());
                let changes = resolved.created.iter().map(|d| format!("created {d}")).collect();
                Ok(Place { resolved, shown, changes })
            }
            Walk::Missing { path, .. } => Err(failed(format!("{label}: a directory of `{path}` could not be created"))),
        }
    }

    pub(super) fn shown(&self, path: &str, resolved: &str) -> String {
        if path == resolved { path.to_string() } else { format!("{path} (→ {resolved})") }
    }

    /// Makes `path` a regular file with these bytes, mode and owner.
    pub(super) fn put_file(
        &self,
        label: &str,
        path: &str,
        bytes: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        if self.options.dry_run {
            return self.dry_put_file(label, path, bytes, mode, uid, gid);
        }
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let Place { resolved, shown, mut changes } = self.place(label, path, false)?;
        let dir = resolved.parent.fd.as_fd();
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                return Err(failed(format!("{label}: `{}` is a directory, not a file", resolved.path())));
            }
            Some(stat)
                if file_type(&stat) == FileType::RegularFile
                    && stat.st_mode & 0o7777 == mode
                    && (stat.st_uid, stat.st_gid) == (uid, gid)
                    && u64::try_from(stat.st_size) == Ok(bytes.len() as u64)
                    && read_at(dir, &resolved.name).map_err(io)? == bytes =>
            {
                remove_stale_temp(dir, &resolved.name).map_err(io)?;
                return Ok(changes);
            }
            _ => {}
        }
        self.keep(label, &resolved.path())?;
        replace_file(&resolved, bytes, (mode, uid, gid), true).map_err(io)?;
        self.sync_dir(&resolved.parent).map_err(io)?;
        changes.push(format!("wrote {shown} ({}, {} bytes)", mode_owner(mode, uid, gid), bytes.len()));
        Ok(changes)
    }

    /// Makes `path` a symlink to `target`, owned by `uid:gid`.
    pub(super) fn put_symlink(
        &self,
        label: &str,
        path: &str,
        target: &str,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        if self.options.dry_run {
            return self.dry_put_symlink(label, path, target, uid, gid);
        }
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let Place { resolved, shown, mut changes } = self.place(label, path, false)?;
        let dir = resolved.parent.fd.as_fd();
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                return Err(failed(format!("{label}: `{}` is a directory, not a link", resolved.path())));
            }
            Some(stat)
                if file_type(&stat) == FileType::Symlink
                    && (stat.st_uid, stat.st_gid) == (uid, gid)
                    && read_link(dir, &resolved.name).map_err(io)? == target =>
            {
                remove_stale_temp(dir, &resolved.name).map_err(io)?;
                return Ok(changes);
            }
            _ => {}
        }
        self.keep(label, &resolved.path())?;
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
    pub(super) fn put_hard_link(&self, label: &str, path: &str, target: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        if self.options.dry_run {
            return self.dry_put_hard_link(label, path, target);
        }
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
        let Place { resolved, shown, mut changes } = self.place(label, path, false)?;
        let dir = resolved.parent.fd.as_fd();
        if let Some(stat) = lstat(dir, &resolved.name).map_err(io)?
            && (stat.st_dev, stat.st_ino) == (source_stat.st_dev, source_stat.st_ino)
        {
            return Ok(changes);
        }
        self.keep(label, &resolved.path())?;
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
    pub(super) fn put_dir(
        &self,
        label: &str,
        path: &str,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        self.dir(label, path, mode, uid, gid, true)
    }

    /// Creates `path` as a directory when it is missing; leaves an existing one as it is.
    pub(super) fn put_dir_if_missing(
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
        if self.options.dry_run {
            return self.dry_dir(label, path, (mode, uid, gid), converge);
        }
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let Place { resolved, shown, mut changes } = self.place(label, path, true)?;
        let dir = resolved.parent.fd.as_fd();
        match lstat(dir, &resolved.name).map_err(io)? {
            Some(stat) if file_type(&stat) == FileType::Directory => {
                if !converge || (stat.st_mode & 0o7777 == mode && (stat.st_uid, stat.st_gid) == (uid, gid)) {
                    return Ok(changes);
                }
                self.keep(label, &resolved.path())?;
                let fd = resolve::open_dir(dir, &resolved.name).map_err(io)?;
                set_owner_mode(fd.as_fd(), uid, gid, mode).map_err(io)?;
                changes.push(format!("set {shown} to {}", mode_owner(mode, uid, gid)));
            }
            Some(_) => return Err(failed(format!("{label}: `{}` exists and is not a directory", resolved.path()))),
            None => {
                self.keep(label, &resolved.path())?;
                if create_dir(dir, &resolved.name, mode, uid, gid, self.root.mkdir_crash()).map_err(io)?.is_none() {
                    return Err(failed(format!("{label}: `{}` appeared while it was created", resolved.path())));
                }
                changes.push(format!("created {shown} ({})", mode_owner(mode, uid, gid)));
            }
        }
        Ok(changes)
    }

    /// Removes `path` when it exists; a directory only when it is empty.
    pub(super) fn remove(&self, label: &str, path: &str, directory: bool) -> Result<Vec<String>, Box<Diagnostic>> {
        if self.options.dry_run {
            return self.dry_remove(label, path, directory);
        }
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        let resolved = match self.root.resolve(path, false, None).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(r) => r,
            Walk::Missing { .. } => return Ok(Vec::new()),
        };
        let dir = resolved.parent.fd.as_fd();
        let shown = self.shown(path, &resolved.path());
        // What a killed run left while making the entry goes with it (a rollback removes what
        // an interrupted apply was creating).
        remove_stale_temp(dir, &resolved.name).map_err(io)?;
        let Some(stat) = lstat(dir, &resolved.name).map_err(io)? else { return Ok(Vec::new()) };
        let is_dir = file_type(&stat) == FileType::Directory;
        if is_dir && !directory {
            return Err(failed(format!(
                "{label}: `{}` is a directory; the plan removes a file there",
                resolved.path()
            )));
        }
        self.keep(label, &resolved.path())?;
        let flags = if is_dir { AtFlags::REMOVEDIR } else { AtFlags::empty() };
        match rustix::fs::unlinkat(dir, resolved.name.as_str(), flags) {
            Ok(()) => {}
            Err(rustix::io::Errno::NOTEMPTY) => return Ok(vec![format!("kept {shown}: not empty")]),
            Err(e) => return Err(io(e.into())),
        }
        rustix::fs::fsync(dir).map_err(|e| io(e.into()))?;
        Ok(vec![format!("removed {shown}")])
    }
}

/// The temporary name a file is written under before it is renamed into place: fixed, so a
/// leftover of a crash is found and replaced by the next run.
pub(super) fn temp_name(name: &str) -> String {
    if name.len() > 200 {
        format!(".mcc-tmp-{}", &sha256_hex(name.as_bytes())[..32])
    } else {
        format!(".{name}.mcc-tmp")
    }
}

/// Whether `name` is one [`temp_name`] gives.
pub(super) fn is_temp_name(name: &str) -> bool {
    (name.starts_with('.') && name.ends_with(".mcc-tmp")) || name.starts_with(".mcc-tmp-")
}

/// Removes the leftover temporary of `name` in `dir`, if any: a file or link, or the empty
/// directory `create_dir` was making.
pub(super) fn remove_stale_temp(dir: BorrowedFd<'_>, name: &str) -> io::Result<()> {
    let temp = temp_name(name);
    match rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(rustix::io::Errno::ISDIR | rustix::io::Errno::PERM) => {
            rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::REMOVEDIR).map_err(io::Error::from)
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads the regular file `name` in `dir` without following a symlink. Anything else (a FIFO, a
/// device) is refused rather than read: opening and reading it could block or never end.
pub(super) fn read_at(dir: BorrowedFd<'_>, name: &str) -> io::Result<Vec<u8>> {
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
pub(super) fn write_atomically(resolved: &Resolved, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> io::Result<()> {
    replace_file(resolved, bytes, (mode, uid, gid), true)?;
    rustix::fs::fsync(resolved.parent.fd.as_fd())?;
    Ok(())
}

/// Puts a file in place through a temporary file in the same directory, written, given its owner
/// and mode, fsynced when `sync` (else its caller makes it durable, for many files at once) and
/// renamed over the entry. The rename is durable once the directory is fsynced.
pub(super) fn replace_file(
    resolved: &Resolved,
    bytes: &[u8],
    (mode, uid, gid): (u32, u32, u32),
    sync: bool,
) -> io::Result<()> {
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
        .and_then(|()| if sync { file.sync_all() } else { Ok(()) });
    if let Err(e) = written {
        let _ = rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::empty());
        return Err(e);
    }
    drop(file);
    if let Err(e) = rustix::fs::renameat(dir, temp.as_str(), dir, resolved.name.as_str()) {
        let _ = rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::empty());
        return Err(e.into());
    }
    Ok(())
}

/// The entries of a directory (without `.` and `..`), sorted, with their types.
pub(super) fn list_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<(String, FileType)>> {
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
    fn temporary_names_fit_and_are_fixed() {
        assert_eq!(temp_name("x.conf"), ".x.conf.mcc-tmp");
        for name in ["x.conf", "abc", &"n".repeat(300)] {
            assert!(is_temp_name(&temp_name(name)), "{name}");
            assert!(!is_temp_name(name), "{name}");
        }
        let long = "n".repeat(250);
        assert!(temp_name(&long).len() < 60);
        assert_eq!(temp_name(&long), temp_name(&long));
    }
}
