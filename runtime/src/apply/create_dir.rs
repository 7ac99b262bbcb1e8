//! Creating a directory with its final owner and mode in one step, as seen from outside: it is
//! made under the fixed temporary name of [`temp_name`], given its owner and then its mode, and
//! renamed into place. A crash in between leaves only the temporary, which the next creation of
//! the same directory removes, never a directory with the wrong owner or mode that later runs
//! would take for done.

use std::cell::Cell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{AtFlags, Mode};

use super::fs::temp_name;
use super::resolve::{open_dir, set_owner_mode};

/// The test hook `MCC_APPLY_CRASH_IN_MKDIR=N`: the run aborts at the N-th directory it creates,
/// after the directory exists (under its temporary name) and before its owner and mode are set.
#[derive(Debug, Default)]
pub struct MkdirCrash {
    pub at: Option<usize>,
    made: Cell<usize>,
}

impl MkdirCrash {
    pub fn at(at: Option<usize>) -> MkdirCrash {
        MkdirCrash { at, made: Cell::new(0) }
    }

    fn count(&self) {
        self.made.set(self.made.get() + 1);
        if self.at == Some(self.made.get()) {
            std::process::abort();
        }
    }
}

/// Creates the directory `name` in `dir` with this owner and mode, and opens it. `Ok(None)` when
/// something is already at `name` (the caller looks at what).
pub fn create_dir(
    dir: BorrowedFd<'_>,
    name: &str,
    mode: u32,
    uid: u32,
    gid: u32,
    crash: &MkdirCrash,
) -> io::Result<Option<OwnedFd>> {
    let temp = temp_name(name);
    match rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::REMOVEDIR) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => {}
        Err(e) => return Err(e.into()),
    }
    rustix::fs::mkdirat(dir, temp.as_str(), Mode::from_raw_mode(0o700))?;
    crash.count();
    let made = open_dir(dir, &temp).and_then(|fd| set_owner_mode(fd.as_fd(), uid, gid, mode));
    let placed = made.and_then(|()| {
        rustix::fs::renameat_with(dir, temp.as_str(), dir, name, rustix::fs::RenameFlags::NOREPLACE)
            .map_err(io::Error::from)
    });
    match placed {
        Ok(()) => {
            rustix::fs::fsync(dir)?;
            Ok(Some(open_dir(dir, name)?))
        }
        Err(e) => {
            let _ = rustix::fs::unlinkat(dir, temp.as_str(), AtFlags::REMOVEDIR);
            if e.kind() == io::ErrorKind::AlreadyExists { Ok(None) } else { Err(e) }
        }
    }
}
