//! Path resolution beneath a root directory, by hand, one component at a time, on directory file
//! descriptors (the way `openat2(RESOLVE_IN_ROOT)` or cap-std resolve).
//!
//! - Every directory on the way is opened with `O_NOFOLLOW | O_DIRECTORY` relative to the one
//!   before it, so a component swapped for a symlink after it was looked at cannot redirect the
//!   walk: every later operation (`openat`, `renameat`, `mkdirat`, …) happens relative to a
//!   descriptor of a directory known to lie beneath the root.
//! - A symlink met on the way is followed inside the root: an absolute target starts again at the
//!   root (as it reads on the node, where the root is `/`); a relative one continues from the
//!   directory holding the link.
//! - `..` steps back up the directories already walked. A `..` that would climb above the root is
//!   refused ([`ResolveError::Escape`]) rather than clamped: the kernel would clamp it on the node,
//!   but a link that relies on that is, in a root that is not `/`, the classic way out of it.
//! - More than [`MAX_LINKS`] symlinks in one resolution is a loop ([`ResolveError::Loop`]).
//!
//! Paths given by a plan must be absolute and simplified ([`validate`]): `..` and `.` there are
//! refused before any resolution.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use super::create_dir::{MkdirCrash, create_dir};

/// The most symlinks one resolution follows (Linux's `MAXSYMLINKS`).
pub const MAX_LINKS: usize = 40;

/// Why a path cannot be resolved beneath the root.
#[derive(Debug)]
pub enum ResolveError {
    /// A `..` would climb above the root, through the symlink `link` (its in-root path) whose
    /// target is `target`.
    Escape { link: String, target: String },
    /// Too many symlinks: a loop, starting at the in-root path `path`.
    Loop { path: String },
    /// A component on the way is neither a directory nor a symlink.
    NotADirectory { path: String },
    /// A system call failed on the in-root path `path`.
    Io { path: String, error: io::Error },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Escape { link, target } => {
                write!(f, "the symlink `{link}` → `{target}` climbs above the root")
            }
            ResolveError::Loop { path } => write!(f, "more than {MAX_LINKS} symlinks resolving `{path}`: a loop"),
            ResolveError::NotADirectory { path } => write!(f, "`{path}` is in the way: it is not a directory"),
            ResolveError::Io { path, error } => write!(f, "`{path}`: {error}"),
        }
    }
}

/// Checks that a plan's path is absolute and simplified: no `.`, `..` or empty components, no
/// trailing `/`, no NUL. Returns what is wrong.
pub fn validate(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("it is not absolute".into());
    }
    if path == "/" {
        return Err("it is the root itself".into());
    }
    if path.contains('\0') {
        return Err("it contains a NUL byte".into());
    }
    for component in path[1..].split('/') {
        match component {
            "" => return Err("it has an empty component (`//` or a trailing `/`)".into()),
            "." => return Err("it has a `.` component".into()),
            ".." => return Err("it has a `..` component".into()),
            _ => {}
        }
    }
    Ok(())
}

/// The root, open.
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
    mkdir_crash: MkdirCrash,
}

/// A directory beneath the root, open, with its in-root path (`/` for the root itself).
pub struct Dir {
    pub fd: OwnedFd,
    pub path: String,
}

/// Where a path resolved to: its parent directory, open, and its last component. The entry itself
/// may or may not exist.
pub struct Resolved {
    pub parent: Dir,
    pub name: String,
    /// Directories created on the way (with `create`), as in-root paths.
    pub created: Vec<String>,
}

impl Resolved {
    /// The entry's in-root path.
    pub fn path(&self) -> String {
        join(&self.parent.path, &self.name)
    }
}

/// What a resolution found when it could not create missing directories (a dry run).
pub enum Walk {
    Found(Resolved),
    /// Directories are missing on the way: the in-root path as far as it exists, and the in-root
    /// path the entry would have.
    Missing {
        first_missing: String,
        path: String,
    },
}

/// The in-root path of `name` in the directory `dir`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") }
}

/// The type of a `Stat`.
pub fn file_type(stat: &Stat) -> FileType {
    FileType::from_raw_mode(stat.st_mode)
}

/// `statat` without following a final symlink; `None` when nothing is there.
pub fn lstat(dir: BorrowedFd<'_>, name: &str) -> io::Result<Option<Stat>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(Some(stat)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Opens the directory `name` in `dir` without following a symlink.
pub fn open_dir(dir: BorrowedFd<'_>, name: &str) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// The target of the symlink `name` in `dir`.
pub fn read_link(dir: BorrowedFd<'_>, name: &str) -> io::Result<String> {
    let target = rustix::fs::readlinkat(dir, name, Vec::new())?;
    Ok(OsStr::from_bytes(target.as_bytes()).to_string_lossy().into_owned())
}

impl Root {
    /// Opens `path`, which must be a directory.
    pub fn open(path: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(Root { fd, path: path.to_path_buf(), mkdir_crash: MkdirCrash::default() })
    }

    /// Sets the test hook `MCC_APPLY_CRASH_IN_MKDIR` ([`MkdirCrash`]).
    pub fn with_mkdir_crash(self, at: Option<usize>) -> Root {
        Root { mkdir_crash: MkdirCrash::at(at), ..self }
    }

    pub fn mkdir_crash(&self) -> &MkdirCrash {
        &self.mkdir_crash
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The root's path on this machine, for messages.
    pub fn host_path(&self) -> &Path {
        &self.path
    }

    /// The root as a [`Dir`].
    pub fn dir(&self) -> io::Result<Dir> {
        Ok(Dir { fd: self.fd.try_clone()?, path: "/".into() })
    }

    /// Resolves `path` (absolute, simplified) to its parent directory and last component, creating
    /// missing directories on the way (mode `dir_mode`, owner `dir_owner`) when `create` is set.
    /// With `follow_last`, a symlink in the last component is followed too.
    pub fn resolve(
        &self,
        path: &str,
        follow_last: bool,
        create: Option<(u32, (u32, u32))>,
    ) -> Result<Walk, ResolveError> {
        let mut queue: VecDeque<String> =
            path.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect();
        // The directories walked so far, below the root.
        let mut stack: Vec<Dir> = Vec::new();
        let mut created = Vec::new();
        let mut links = 0;
        // The last symlink followed, named when a `..` climbs above the root.
        let mut last_link: Option<(String, String)> = None;
        let io_error = |path: String| move |error: io::Error| ResolveError::Io { path, error };
        loop {
            let Some(component) = queue.pop_front() else {
                // Only reached through a link to the root itself (`/x → /`, `/x → ..`): its
                // parent and name are those of the root, which nothing may replace.
                return Err(ResolveError::NotADirectory { path: path.to_string() });
            };
            let here = stack.last().map_or_else(|| "/".to_string(), |d| d.path.clone());
            if component == ".." {
                // Only link targets bring `..` here: plan paths are validated.
                if stack.pop().is_none() {
                    let (link, target) = last_link.unwrap_or_else(|| (path.to_string(), "..".into()));
                    return Err(ResolveError::Escape { link, target });
                }
                continue;
            }
            let last = queue.is_empty();
            let cur_fd = match stack.last() {
                Some(d) => d.fd.as_fd(),
                None => self.fd.as_fd(),
            };
            let full = join(&here, &component);
            if last && !follow_last {
                let parent = match stack.pop() {
                    Some(d) => d,
                    None => self.dir().map_err(io_error(full.clone()))?,
                };
                return Ok(Walk::Found(Resolved { parent, name: component, created }));
            }
            let stat = lstat(cur_fd, &component).map_err(io_error(full.clone()))?;
            match stat.as_ref().map(file_type) {
                Some(FileType::Symlink) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(ResolveError::Loop { path: path.to_string() });
                    }
                    let target = read_link(cur_fd, &component).map_err(io_error(full.clone()))?;
                    if target.is_empty() {
                        return Err(ResolveError::Io {
                            path: full,
                            error: io::Error::new(io::ErrorKind::NotFound, "an empty symlink"),
                        });
                    }
                    if target.starts_with('/') {
                        stack.clear();
                    }
                    let mut parts: Vec<String> =
                        target.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect();
                    last_link = Some((full, target));
                    parts.reverse();
                    for part in parts {
                        queue.push_front(part);
                    }
                }
                _ if last => {
                    let parent = match stack.pop() {
                        Some(d) => d,
                        None => self.dir().map_err(io_error(full.clone()))?,
                    };
                    return Ok(Walk::Found(Resolved { parent, name: component, created }));
                }
                Some(FileType::Directory) => {
                    let fd = open_dir(cur_fd, &component).map_err(io_error(full.clone()))?;
                    stack.push(Dir { fd, path: full });
                }
                Some(_) => return Err(ResolveError::NotADirectory { path: full }),
                None => {
                    let Some((mode, (uid, gid))) = create else {
                        let rest: Vec<String> = queue.iter().cloned().collect();
                        let path = if rest.is_empty() { full.clone() } else { format!("{full}/{}", rest.join("/")) };
                        return Ok(Walk::Missing { first_missing: full, path });
                    };
                    // Made with its final owner and mode at once: a crash never leaves it
                    // half made (`create_dir`). Something that appeared meanwhile is looked at
                    // again.
                    match create_dir(cur_fd, &component, mode, uid, gid, &self.mkdir_crash)
                        .map_err(io_error(full.clone()))?
                    {
                        Some(fd) => {
                            created.push(full.clone());
                            stack.push(Dir { fd, path: full });
                        }
                        None => queue.push_front(component),
                    }
                }
            }
        }
    }

    /// [`Root::resolve`], creating missing directories 0755 root:root (as Ignition does).
    pub fn resolve_creating(&self, path: &str, follow_last: bool) -> Result<Resolved, ResolveError> {
        match self.resolve(path, follow_last, Some((0o755, (0, 0))))? {
            Walk::Found(r) => Ok(r),
            Walk::Missing { path, .. } => Err(ResolveError::Io {
                path,
                error: io::Error::new(io::ErrorKind::NotFound, "a directory could not be created"),
            }),
        }
    }
}

/// Sets an open entry's owner, then its mode (in that order: `chown` clears setuid and setgid).
pub fn set_owner_mode(fd: BorrowedFd<'_>, uid: u32, gid: u32, mode: u32) -> io::Result<()> {
    let stat = rustix::fs::fstat(fd)?;
    if (stat.st_uid, stat.st_gid) != (uid, gid) {
        rustix::fs::fchown(fd, Some(rustix::fs::Uid::from_raw(uid)), Some(rustix::fs::Gid::from_raw(gid)))?;
    }
    let stat = rustix::fs::fstat(fd)?;
    if stat.st_mode & 0o7777 != mode {
        rustix::fs::fchmod(fd, Mode::from_raw_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn found(w: Walk) -> Resolved {
        match w {
            Walk::Found(r) => r,
            Walk::Missing { path, .. } => panic!("missing: {path}"),
        }
    }

    #[test]
    fn validate_refuses_unclean_paths() {
        assert!(validate("/etc/x").is_ok());
        for bad in ["etc/x", "/", "/etc/../x", "/etc/./x", "/etc//x", "/etc/x/", "/.."] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_are_followed_inside_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        std::fs::create_dir_all(r.join("var/usrlocal")).unwrap();
        std::fs::create_dir_all(r.join("usr")).unwrap();
        symlink("../var/usrlocal", r.join("usr/local")).unwrap();
        symlink("/var", r.join("abs")).unwrap();
        let root = Root::open(r).unwrap();
        // `bin` is missing: a dry resolution says so, a creating one makes it.
        match root.resolve("/usr/local/bin/tool", false, None) {
            Ok(Walk::Missing { first_missing, path }) => {
                assert_eq!((first_missing.as_str(), path.as_str()), ("/var/usrlocal/bin", "/var/usrlocal/bin/tool"));
            }
            _ => panic!("expected a missing directory"),
        }
        let got = root.resolve_creating("/usr/local/bin/tool", false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.path(), "/var/usrlocal/bin/tool");
        assert_eq!(got.created, ["/var/usrlocal/bin"]);
        let got = found(root.resolve("/usr/local/bin/tool", false, None).unwrap());
        assert_eq!(got.path(), "/var/usrlocal/bin/tool");
        let got = found(root.resolve("/abs/usrlocal", false, None).unwrap());
        assert_eq!(got.path(), "/var/usrlocal");
        let got = found(root.resolve("/abs", true, None).unwrap());
        assert_eq!(got.path(), "/var");
    }

    #[test]
    fn escapes_and_loops_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path().join("root");
        std::fs::create_dir_all(r.join("etc")).unwrap();
        symlink("../../outside", r.join("etc/evil")).unwrap();
        symlink("loop2", r.join("etc/loop1")).unwrap();
        symlink("loop1", r.join("etc/loop2")).unwrap();
        let root = Root::open(&r).unwrap();
        assert!(matches!(root.resolve("/etc/evil/x", false, None), Err(ResolveError::Escape { .. })));
        assert!(matches!(root.resolve("/etc/loop1/x", false, None), Err(ResolveError::Loop { .. })));
    }
}
