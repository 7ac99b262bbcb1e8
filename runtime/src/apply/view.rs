//! The tree as a step sees it: in a run, the root itself; in a dry run, the [`Overlay`] of what the
//! earlier steps would have done, over the root. The reads every step makes (a file's bytes, what
//! is at a path, a directory's entries) go through here, so that a dry run decides as the run does.
//!
//! The dry run resolves paths by name ([`Applier::view_resolve`]) with the rules of
//! [`Root::resolve`](super::resolve::Root::resolve): links followed inside the root, `..` that
//! climbs above it refused, [`MAX_LINKS`] at most.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::os::fd::AsFd;

use rustix::fs::FileType;

use super::Applier;
use super::fs::{list_dir, read_at};
use super::overlay::{Entry, Identity, Node};
use super::resolve::{MAX_LINKS, ResolveError, Walk, file_type, join, lstat, read_link};

/// Where a dry run's resolution ended.
pub(super) enum ViewWalk {
    /// The entry's resolved in-root path (it may not exist), and the directories made on the way.
    Found { path: String, created: Vec<String> },
    /// Directories are missing on the way (a resolution that makes none).
    Missing,
}

fn node_of(stat: &rustix::fs::Stat, target: impl FnOnce() -> io::Result<String>) -> io::Result<Node> {
    let (mode, uid, gid) = (stat.st_mode & 0o7777, stat.st_uid, stat.st_gid);
    Ok(match file_type(stat) {
        FileType::RegularFile => Node::File { mode, uid, gid, size: u64::try_from(stat.st_size).unwrap_or(0) },
        FileType::Directory => Node::Dir { mode, uid, gid },
        FileType::Symlink => Node::Link { target: target()?, uid, gid },
        _ => Node::Special { mode: stat.st_mode },
    })
}

fn not_regular(path: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("`{path}` is not a regular file"))
}

impl Applier<'_> {
    /// What the real tree holds at the resolved in-root `path`.
    fn real_node(&self, path: &str) -> io::Result<Option<Node>> {
        let walk = self.root.resolve(path, false, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(r) = walk else { return Ok(None) };
        let dir = r.parent.fd.as_fd();
        lstat(dir, &r.name)?.map(|stat| node_of(&stat, || read_link(dir, &r.name))).transpose()
    }

    /// What is at the resolved in-root `path`, as the step sees it.
    pub(super) fn node(&self, path: &str) -> io::Result<Option<Node>> {
        let overlay = self.overlay.borrow();
        if let Some(entry) = overlay.get(path) {
            return Ok(entry.node());
        }
        if overlay.hides(path) {
            return Ok(None);
        }
        drop(overlay);
        self.real_node(path)
    }

    /// Which file the regular file at the resolved `path` is (hard links share it).
    pub(super) fn identity(&self, path: &str) -> io::Result<Option<Identity>> {
        if let Some(entry) = self.overlay.borrow().get(path) {
            return Ok(match entry {
                Entry::File { identity, .. } => Some(identity.clone()),
                _ => None,
            });
        }
        let walk = self.root.resolve(path, false, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(r) = walk else { return Ok(None) };
        Ok(lstat(r.parent.fd.as_fd(), &r.name)?.map(|s| Identity::Real(s.st_dev, s.st_ino)))
    }

    /// The bytes of the regular file at the resolved `path`, as the step sees it.
    pub(super) fn bytes_at(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.overlay.borrow().get(path) {
            Some(Entry::File { bytes, .. }) => return Ok(bytes.clone()),
            Some(_) => return Err(not_regular(path)),
            None => {}
        }
        let walk = self.root.resolve(path, false, None).map_err(|e| io::Error::other(e.to_string()))?;
        let Walk::Found(r) = walk else { return Err(io::ErrorKind::NotFound.into()) };
        read_at(r.parent.fd.as_fd(), &r.name)
    }

    /// Resolves `path` in the dry run's tree; with `create`, the missing directories are made in
    /// the overlay (0755 root:root, as the run makes them) and named in `created`.
    pub(super) fn view_resolve(&self, path: &str, follow_last: bool, create: bool) -> Result<ViewWalk, ResolveError> {
        let mut queue: VecDeque<String> =
            path.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect();
        let mut stack: Vec<String> = Vec::new();
        let mut created = Vec::new();
        let mut links = 0;
        let mut last_link: Option<(String, String)> = None;
        loop {
            let Some(component) = queue.pop_front() else {
                return Err(ResolveError::NotADirectory { path: path.to_string() });
            };
            if component == ".." {
                if stack.pop().is_none() {
                    let (link, target) = last_link.unwrap_or_else(|| (path.to_string(), "..".into()));
                    return Err(ResolveError::Escape { link, target });
                }
                continue;
            }
            let last = queue.is_empty();
            let full = join(stack.last().map_or("/", String::as_str), &component);
            if last && !follow_last {
                return Ok(ViewWalk::Found { path: full, created });
            }
            let node = self.node(&full).map_err(|error| ResolveError::Io { path: full.clone(), error })?;
            match node {
                Some(Node::Link { target, .. }) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(ResolveError::Loop { path: path.to_string() });
                    }
                    if target.is_empty() {
                        let error = io::Error::new(io::ErrorKind::NotFound, "an empty symlink");
                        return Err(ResolveError::Io { path: full, error });
                    }
                    if target.starts_with('/') {
                        stack.clear();
                    }
                    let parts: Vec<String> =
                        target.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect();
                    last_link = Some((full, target));
                    for part in parts.into_iter().rev() {
                        queue.push_front(part);
                    }
                }
                _ if last => return Ok(ViewWalk::Found { path: full, created }),
                Some(Node::Dir { .. }) => stack.push(full),
                Some(_) => return Err(ResolveError::NotADirectory { path: full }),
                None if !create => return Ok(ViewWalk::Missing),
                None => {
                    self.overlay.borrow_mut().put(&full, Entry::Dir { mode: 0o755, uid: 0, gid: 0, made: true });
                    created.push(full.clone());
                    stack.push(full);
                }
            }
        }
    }

    /// What is at `path` (a symlink in its last component not followed), with its resolved path.
    pub(super) fn look(&self, path: &str) -> Result<Option<(String, Node)>, ResolveError> {
        let at = if self.options.dry_run {
            match self.view_resolve(path, false, false)? {
                ViewWalk::Found { path, .. } => path,
                ViewWalk::Missing => return Ok(None),
            }
        } else {
            match self.root.resolve(path, false, None)? {
                Walk::Found(r) => r.path(),
                Walk::Missing { .. } => return Ok(None),
            }
        };
        let node = self.node(&at).map_err(|error| ResolveError::Io { path: at.clone(), error })?;
        Ok(node.map(|node| (at, node)))
    }

    /// The dry run's `read`: the regular file at `path`, symlinks followed; `None` when absent.
    pub(super) fn view_read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let walk = self.view_resolve(path, true, false).map_err(|e| io::Error::other(e.to_string()))?;
        let ViewWalk::Found { path, .. } = walk else { return Ok(None) };
        match self.node(&path)? {
            None => Ok(None),
            Some(Node::File { .. }) => self.bytes_at(&path).map(Some),
            Some(_) => Err(not_regular(&path)),
        }
    }

    /// The entries of the directory at `path` (symlinks followed), by name; `None` when there is
    /// no directory there.
    pub(super) fn entries(&self, path: &str) -> Result<Option<BTreeMap<String, Node>>, ResolveError> {
        let dir = if self.options.dry_run {
            match self.view_resolve(path, true, false)? {
                ViewWalk::Found { path, .. } => path,
                ViewWalk::Missing => return Ok(None),
            }
        } else {
            match self.root.resolve(path, true, None)? {
                Walk::Found(r) => r.path(),
                Walk::Missing { .. } => return Ok(None),
            }
        };
        let io_error = |error| ResolveError::Io { path: dir.clone(), error };
        if !matches!(self.node(&dir).map_err(io_error)?, Some(Node::Dir { .. })) {
            return Ok(None);
        }
        let mut entries = BTreeMap::new();
        let overlay = self.overlay.borrow();
        if !overlay.hides_entries_of(&dir) {
            for name in self.real_names(&dir).map_err(io_error)? {
                let path = join(&dir, &name);
                if overlay.get(&path).is_none()
                    && let Some(node) = self.real_node(&path).map_err(io_error)?
                {
                    entries.insert(name, node);
                }
            }
        }
        for (name, entry) in overlay.children(&dir) {
            if let Some(node) = entry.node() {
                entries.insert(name, node);
            }
        }
        Ok(Some(entries))
    }

    /// The names in the real directory at the resolved `dir`.
    fn real_names(&self, dir: &str) -> io::Result<Vec<String>> {
        let fd = if dir == "/" {
            self.root.dir()?.fd
        } else {
            let walk = self.root.resolve(dir, false, None).map_err(|e| io::Error::other(e.to_string()))?;
            let Walk::Found(r) = walk else { return Ok(Vec::new()) };
            super::resolve::open_dir(r.parent.fd.as_fd(), &r.name)?
        };
        Ok(list_dir(fd.as_fd())?.into_iter().map(|(name, _)| name).collect())
    }
}
