//! The trees compared: read from disk, the skeleton both start from, a layer laid over it, the
//! mapped removals, and the differences between two trees.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use sha2::Digest;

/// One entry of a tree, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) kind: &'static str,
    /// Not for symlinks (always 0777 on Linux).
    pub(crate) mode: Option<u32>,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// Files: SHA-256 of the contents; symlinks: the target.
    pub(crate) data: String,
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.mode {
            Some(mode) => write!(f, "{} {mode:04o} {}:{} {}", self.kind, self.uid, self.gid, self.data),
            None => write!(f, "{} {}:{} → {}", self.kind, self.uid, self.gid, self.data),
        }
    }
}

pub(crate) type Tree = BTreeMap<String, Entry>;

pub(crate) fn snapshot(root: &Path) -> Tree {
    let mut out = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = format!("/{}", path.strip_prefix(root).unwrap().display());
            let ft = meta.file_type();
            let (kind, mode, data) = if ft.is_symlink() {
                ("symlink", None, fs::read_link(&path).unwrap().display().to_string())
            } else if ft.is_dir() {
                stack.push(path.clone());
                ("directory", Some(meta.mode() & 0o7777), String::new())
            } else if ft.is_file() {
                ("file", Some(meta.mode() & 0o7777), hex::encode(sha2::Sha256::digest(fs::read(&path).unwrap())))
            } else {
                ("special", Some(meta.mode() & 0o7777), String::new())
            };
            out.insert(rel, Entry { kind, mode, uid: meta.uid(), gid: meta.gid(), data });
        }
    }
    out
}

/// The skeleton root both trees start from.
pub(crate) fn skeleton(root: &Path) {
    let dir = |path: &str, mode: u32| {
        let p = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    let file = |path: &str, mode: u32, text: &str| {
        let p = root.join(path.trim_start_matches('/'));
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    let link = |path: &str, target: &str| symlink(target, root.join(path.trim_start_matches('/'))).unwrap();
    dir("/", 0o755);
    for d in ["/etc", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/var", "/run", "/sysroot", "/boot"] {
        dir(d, 0o755);
    }
    for d in ["/dev", "/proc", "/sys"] {
        dir(d, 0o555);
    }
    dir("/tmp", 0o1777);
    // spec/image-mode.md §1.3: the compatibility symlinks of FCOS and RHCOS, and their targets.
    for (path, target) in [
        ("/home", "var/home"),
        ("/root", "var/roothome"),
        ("/opt", "var/opt"),
        ("/srv", "var/srv"),
        ("/mnt", "var/mnt"),
        ("/media", "run/media"),
        ("/usr/local", "../var/usrlocal"),
        ("/ostree", "sysroot/ostree"),
        ("/bin", "usr/bin"),
        ("/sbin", "usr/sbin"),
        ("/lib", "usr/lib"),
        ("/lib64", "usr/lib64"),
        ("/var/run", "../run"),
    ] {
        link(path, target);
    }
    for d in ["/var/home", "/var/opt", "/var/srv", "/var/mnt", "/var/usrlocal", "/var/lib", "/run/media"] {
        dir(d, 0o755);
    }
    dir("/var/roothome", 0o700);
    dir("/etc/selinux", 0o755);
    file("/etc/selinux/config", 0o644, "SELINUX=disabled\nSELINUXTYPE=targeted\n");
    let passwd = "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash\n";
    let shadow = "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n";
    file("/etc/passwd", 0o644, passwd);
    file("/etc/passwd-", 0o644, passwd);
    file("/etc/group", 0o644, "root:x:0:\nwheel:x:10:core\ncore:x:1000:\n");
    file("/etc/shadow", 0o000, shadow);
    file("/etc/shadow-", 0o000, shadow);
    file("/etc/.pwd.lock", 0o600, "");
    dir("/var/home/core", 0o700);
    std::os::unix::fs::chown(root.join("var/home/core"), Some(1000), Some(1000)).unwrap();
}

/// Lays the unpacked image over the skeleton, as a runtime applies a layer: directories merge
/// (the layer's mode and owner win), anything else replaces what is there.
pub(crate) fn overlay(layer: &Path, root: &Path) {
    let mut stack = vec![layer.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for src in entries {
            let rel = src.strip_prefix(layer).unwrap();
            assert!(!rel.to_string_lossy().contains(".wh."), "a whiteout in an mcc layer: {}", rel.display());
            let dst = root.join(rel);
            let meta = fs::symlink_metadata(&src).unwrap();
            let existing = fs::symlink_metadata(&dst).ok();
            if meta.is_dir() {
                if existing.as_ref().is_some_and(|m| !m.is_dir()) {
                    fs::remove_file(&dst).unwrap();
                }
                if !dst.exists() {
                    fs::create_dir(&dst).unwrap();
                }
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
                fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777)).unwrap();
                stack.push(src);
                continue;
            }
            match existing {
                Some(m) if m.is_dir() => fs::remove_dir_all(&dst).unwrap(),
                Some(_) => fs::remove_file(&dst).unwrap(),
                None => {}
            }
            if meta.file_type().is_symlink() {
                symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
            } else {
                fs::copy(&src, &dst).unwrap();
                // The owner first: chown clears setuid and setgid.
                std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid())).unwrap();
                fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777)).unwrap();
            }
        }
    }
}

/// Removes `path` from a tree on disk, then the directories that leaves empty and the skeleton
/// does not have.
pub(crate) fn remove_mapped(root: &Path, path: &str, skeleton: &Tree) {
    let full = root.join(path.trim_start_matches('/'));
    if fs::symlink_metadata(&full).is_err() {
        return;
    }
    fs::remove_file(&full).unwrap_or_else(|e| panic!("removing {}: {e}", full.display()));
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir.filter(|d| *d != Path::new("/")) {
        let on_disk = root.join(d.strip_prefix("/").unwrap());
        let empty = fs::read_dir(&on_disk).is_ok_and(|mut e| e.next().is_none());
        if !empty || skeleton.contains_key(d.to_str().unwrap()) {
            break;
        }
        fs::remove_dir(&on_disk).unwrap();
        dir = d.parent();
    }
}

pub(crate) fn diff(a: &Tree, b: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for (path, entry) in a {
        match b.get(path) {
            None => out.push(format!("{path}: Ignition wrote {entry}; mcc did not")),
            Some(other) if other != entry => out.push(format!("{path}: Ignition wrote {entry}; mcc wrote {other}")),
            Some(_) => {}
        }
    }
    for (path, entry) in b {
        if !a.contains_key(path) {
            out.push(format!("{path}: mcc wrote {entry}; Ignition did not"));
        }
    }
    out
}
