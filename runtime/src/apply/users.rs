//! The root's user and group databases: names to numeric ids (`/etc/passwd`, `/etc/group`) and the
//! password field of `/etc/shadow`, all read beneath the root; and the steps that use them
//! (owners by name, `ssh-keys`, `password-hash`).

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use mcc_contract::codes;
use mcc_contract::node_actions::Owner;
use rustix::fs::{FileType, Mode, OFlags};

use super::diagnostic::{failed, resolve_diagnostic};
use super::fs::{read_at, write_atomically};
use super::resolve::{self, Walk, file_type, lstat};
use super::validate::{check_id, parse_mode};
use super::{Applier, Diagnostic};

/// A user's entry in `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

/// The users of a `passwd` file (malformed lines are skipped, as glibc's files backend does).
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 7 || fields[0].is_empty() {
                return None;
            }
            Some(User {
                name: fields[0].to_string(),
                uid: fields[2].parse().ok()?,
                gid: fields[3].parse().ok()?,
                home: fields[5].to_string(),
            })
        })
        .collect()
}

/// The `(name, gid)` pairs of a `group` file.
pub fn parse_group(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 3 || fields[0].is_empty() {
                return None;
            }
            Some((fields[0].to_string(), fields[2].parse().ok()?))
        })
        .collect()
}

/// `shadow` with `user`'s password field set to `hash` and its date of last change to `today`
/// (days since 1970-01-01), as `usermod -p` does. `None` when the user has no entry; the text
/// unchanged when the hash is already set.
pub fn set_password(shadow: &str, user: &str, hash: &str, today: u64) -> Option<String> {
    let mut found = false;
    let mut out = String::with_capacity(shadow.len() + hash.len());
    for line in shadow.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let mut fields: Vec<String> = body.split(':').map(str::to_string).collect();
        if !found && fields.len() >= 3 && fields[0] == user {
            found = true;
            if fields[1] != hash {
                fields[1] = hash.to_string();
                fields[2] = today.to_string();
            }
            out.push_str(&fields.join(":"));
        } else {
            out.push_str(body);
        }
        out.push_str(end);
    }
    found.then_some(out)
}

/// How long `lckpwdf(3)` waits for the password database lock, and so mcc.
const PASSWD_LOCK_WAIT: Duration = Duration::from_secs(15);

/// Takes the password database lock as `lckpwdf(3)` does (an `fcntl` write lock on
/// `/etc/.pwd.lock`, `dir` being the root's `/etc`), without blocking: the file is opened
/// `O_NONBLOCK | O_NOFOLLOW` and must be a regular file (a FIFO there would block the open), and
/// the lock is tried again until [`PASSWD_LOCK_WAIT`] has passed (MCC5109).
fn lock_passwd(label: &str, dir: BorrowedFd<'_>) -> Result<OwnedFd, Box<Diagnostic>> {
    let refused = |why: String| -> Box<Diagnostic> {
        Diagnostic::new(codes::APPLY_PASSWD_LOCK, format!("{label}: /etc/.pwd.lock {why}"))
            .with_help("find what holds the lock (`fuser /etc/.pwd.lock`), or remove what is not a regular file there")
            .into()
    };
    let lock = rustix::fs::openat(
        dir,
        ".pwd.lock",
        OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(|e| refused(format!("cannot be opened: {}", io::Error::from(e))))?;
    if file_type(&rustix::fs::fstat(&lock).map_err(|e| refused(io::Error::from(e).to_string()))?)
        != FileType::RegularFile
    {
        return Err(refused("is not a regular file".into()));
    }
    let start = Instant::now();
    loop {
        match rustix::fs::fcntl_lock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(lock),
            Err(rustix::io::Errno::AGAIN | rustix::io::Errno::ACCESS) if start.elapsed() < PASSWD_LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(rustix::io::Errno::AGAIN | rustix::io::Errno::ACCESS) => {
                return Err(refused(format!("is held by another process after {} s", PASSWD_LOCK_WAIT.as_secs())));
            }
            Err(e) => return Err(refused(format!("cannot be locked: {}", io::Error::from(e)))),
        }
    }
}

impl Applier<'_> {
    pub(super) fn passwd(&self, label: &str) -> Result<Vec<User>, Box<Diagnostic>> {
        let text = self.read("/etc/passwd").map_err(|e| failed(format!("{label}: cannot read /etc/passwd: {e}")))?;
        Ok(parse_passwd(&String::from_utf8_lossy(&text.unwrap_or_default())))
    }

    pub(super) fn user(&self, label: &str, name: &str) -> Result<User, Box<Diagnostic>> {
        self.passwd(label)?.into_iter().find(|u| u.name == name).ok_or_else(|| {
            Diagnostic::new(
                codes::APPLY_OWNER_UNKNOWN,
                format!("{label}: the user `{name}` is not in the root's /etc/passwd"),
            )
            .with_help("create the user in the base image, or give a numeric id (`id:`) in the MachineConfig")
            .into()
        })
    }

    /// Numeric owners: ids as given, names looked up in the root; root when unset.
    pub(super) fn owner(&self, label: &str, owner: &Owner) -> Result<(u32, u32), Box<Diagnostic>> {
        // `NodeSteps::check` refused the plan before the first write if an id is out of range.
        let id = |value: i64, what: &str| {
            check_id(value).map_err(|why| {
                Box::new(Diagnostic::new(codes::APPLY_STEP_INVALID, format!("{label}: the {what} id {value}: {why}")))
            })
        };
        let uid = match (owner.uid, &owner.user) {
            (Some(uid), _) => id(uid, "user")?,
            (None, Some(name)) => self.user(label, name)?.uid,
            (None, None) => 0,
        };
        let gid = match (owner.gid, &owner.group) {
            (Some(gid), _) => id(gid, "group")?,
            (None, Some(name)) => {
                let text =
                    self.read("/etc/group").map_err(|e| failed(format!("{label}: cannot read /etc/group: {e}")))?;
                let groups = parse_group(&String::from_utf8_lossy(&text.unwrap_or_default()));
                groups.into_iter().find(|(n, _)| n == name).map(|(_, gid)| gid).ok_or_else(|| {
                    Diagnostic::new(
                        codes::APPLY_OWNER_UNKNOWN,
                        format!("{label}: the group `{name}` is not in the root's /etc/group"),
                    )
                    .with_help("create the group in the base image, or give a numeric id (`id:`) in the MachineConfig")
                })?
            }
            (None, None) => 0,
        };
        Ok((uid, gid))
    }

    /// Sets a user's password hash in the root's `/etc/shadow`, as `usermod -p` does: under the
    /// `lckpwdf` lock (`/etc/.pwd.lock`), with the date of the last change set to today.
    pub(super) fn password(&self, label: &str, user: &str, hash: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        let io = |e: io::Error| failed(format!("{label}: {e}"));
        if hash.contains([':', '\n', '\0']) {
            return Err(Diagnostic::new(
                codes::APPLY_STEP_INVALID,
                format!("{label}: the hash holds `:` or a newline"),
            )
            .into());
        }
        let unknown = || -> Box<Diagnostic> {
            Diagnostic::new(
                codes::APPLY_OWNER_UNKNOWN,
                format!("{label}: the user `{user}` is not in the root's /etc/shadow"),
            )
            .with_help("the base image must have the user; mcc, like the MCO, only changes an existing user's password")
            .into()
        };
        if self.options.dry_run {
            let changed =
                self.dry_shadow(label, |text| set_password(text, user, hash, self.today).ok_or_else(unknown))?;
            return Ok(if changed {
                vec![format!("would set the password hash of `{user}` in /etc/shadow")]
            } else {
                Vec::new()
            });
        }
        let resolved = match self.root.resolve("/etc/shadow", true, None).map_err(|e| resolve_diagnostic(label, e))? {
            Walk::Found(r) => r,
            Walk::Missing { .. } => return Err(failed(format!("{label}: the root has no /etc/shadow"))),
        };
        let dir = resolved.parent.fd.as_fd();
        let Some(stat) = lstat(dir, &resolved.name).map_err(io)? else {
            return Err(failed(format!("{label}: the root has no /etc/shadow")));
        };
        // The lock file is made by the first lock: a rollback removes it again.
        if lstat(dir, ".pwd.lock").map_err(io)?.is_none() {
            self.keep(label, &resolve::join(&resolved.parent.path, ".pwd.lock"))?;
        }
        let _lock = lock_passwd(label, dir)?;
        let text = String::from_utf8_lossy(&read_at(dir, &resolved.name).map_err(io)?).into_owned();
        let new = set_password(&text, user, hash, self.today).ok_or_else(unknown)?;
        if new == text {
            return Ok(Vec::new());
        }
        self.keep(label, &resolved.path())?;
        write_atomically(&resolved, new.as_bytes(), stat.st_mode & 0o7777, stat.st_uid, stat.st_gid).map_err(io)?;
        Ok(vec![format!("set the password hash of `{user}` in /etc/shadow")])
    }

    /// `ssh-keys`: the user's key file, and the user's own directories on the way to it.
    pub(super) fn ssh_keys(
        &self,
        label: &str,
        user: &str,
        path: &str,
        keys: &[String],
        mode: &str,
        directory_mode: &str,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        let u = self.user(label, user)?;
        let mode = parse_mode(mode).unwrap_or(0o600);
        let directory_mode = parse_mode(directory_mode).unwrap_or(0o700);
        let mut changes = Vec::new();
        // The user's own directories: those below /home/<user> (and it, when missing).
        let home = format!("/home/{user}");
        let dirs: Vec<String> = match path.strip_prefix(&format!("{home}/")) {
            Some(rest) => {
                let parts: Vec<&str> = rest.split('/').collect();
                (0..parts.len() - 1).map(|n| format!("{home}/{}", parts[..=n].join("/"))).collect()
            }
            None => path.rsplit_once('/').map(|(d, _)| vec![d.to_string()]).unwrap_or_default(),
        };
        if path.starts_with(&format!("{home}/")) {
            changes.extend(self.put_dir_if_missing(label, &home, directory_mode, u.uid, u.gid)?);
        }
        for dir in &dirs {
            changes.extend(self.put_dir(label, dir, directory_mode, u.uid, u.gid)?);
        }
        let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
        changes.extend(self.put_file(label, path, text.as_bytes(), mode, u.uid, u.gid)?);
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_parse() {
        let users =
            parse_passwd("root:x:0:0:root:/root:/bin/bash\n# c\nbad\ncore:x:1000:1001:Core:/var/home/core:/bin/bash\n");
        assert_eq!(users.len(), 2);
        assert_eq!(users[1], User { name: "core".into(), uid: 1000, gid: 1001, home: "/var/home/core".into() });
        assert_eq!(parse_group("root:x:0:\nwheel:x:10:core\n"), [("root".into(), 0), ("wheel".into(), 10)]);
    }

    #[test]
    fn set_password_sets_the_hash_and_the_date_once() {
        let shadow = "root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n";
        let new = set_password(shadow, "core", "$6$x$y", 20000).unwrap();
        assert_eq!(new, "root:*:19000:0:99999:7:::\ncore:$6$x$y:20000:0:99999:7:::\n");
        assert_eq!(set_password(&new, "core", "$6$x$y", 20001).unwrap(), new, "unchanged when already set");
        assert!(set_password(shadow, "nobody", "x", 1).is_none());
    }
}
