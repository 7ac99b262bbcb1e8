//! Reading a file that must be a regular file, as hostile input: what `mcc build`, `mcc apply` and
//! `mcc compile` read back (a layer plan, node steps, blobs, an OCI layout, `image.json`) may have
//! been copied, damaged or replaced. A FIFO there would block the open or the read forever, a
//! link to `/dev/zero` would never end, and a file of gigabytes would be held whole. So a file is
//! opened without blocking, refused unless `fstat` says it is a regular file, and read only up to
//! the size its caller expects: one byte more is an error ([`ReadError::TooLarge`]), never a
//! longer read.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rustix::fs::{FileType, Mode, OFlags};

/// The largest JSON document mcc reads back from what it wrote (`layer-plan.json`,
/// `node-actions.json`): far above any real plan (contents over a few hundred bytes are blobs),
/// far below what would exhaust a node's memory.
pub const MAX_DOCUMENT_SIZE: u64 = 256 << 20;

/// Whether a symlink as the last component of the path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symlinks {
    /// Followed: the file a user names may be a link to the real one (its target must still be
    /// a regular file).
    Follow,
    /// Refused: a directory mcc wrote holds no symlinks, so one there was put by someone else.
    Refuse,
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read (missing, no permission, an I/O error).
    Io(io::Error),
    /// It is not a regular file: what it is instead (`FIFO`, `device`, `symlink`, ...).
    NotRegular(&'static str),
    /// It is larger than the limit, in bytes, its reader allows.
    TooLarge(u64),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => error.fmt(f),
            ReadError::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file; it is not read"),
            ReadError::TooLarge(limit) => write!(f, "it is larger than {}; it is not read", bytes(*limit)),
        }
    }
}

impl std::error::Error for ReadError {}

/// A size for people: whole MiB when it is one, else bytes.
fn bytes(size: u64) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size == 1 {
        "1 byte".into()
    } else {
        format!("{size} bytes")
    }
}

fn kind(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Fifo => "FIFO",
        FileType::Socket => "socket",
        FileType::CharacterDevice | FileType::BlockDevice => "device",
        FileType::Directory => "directory",
        FileType::Symlink => "symlink",
        _ => "special file",
    }
}

/// Opens the regular file `path` for reading without blocking (a FIFO opens at once, and is then
/// refused), and returns it with its size.
pub fn open_regular(path: &Path, symlinks: Symlinks) -> Result<(File, u64), ReadError> {
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    if symlinks == Symlinks::Refuse {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP) if symlinks == Symlinks::Refuse => {
            // O_NOFOLLOW's answer for a symlink; a loop of links is one too.
            return Err(ReadError::NotRegular("symlink"));
        }
        Err(error) => return Err(ReadError::Io(error.into())),
    };
    let stat = rustix::fs::fstat(&fd).map_err(|e| ReadError::Io(e.into()))?;
    let file_type = FileType::from_raw_mode(stat.st_mode);
    if file_type != FileType::RegularFile {
        return Err(ReadError::NotRegular(kind(file_type)));
    }
    // A regular file's size is never negative.
    let size = u64::try_from(stat.st_size).unwrap_or(0);
    Ok((File::from(fd), size))
}

/// The bytes of the regular file `path`, which must be at most `limit` bytes long.
pub fn read_regular(path: &Path, limit: u64, symlinks: Symlinks) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_regular(path, symlinks)?;
    if size > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // One byte more than allowed: a file that grew since `fstat` is caught, not read on.
    file.take(limit.saturating_add(1)).read_to_end(&mut data).map_err(ReadError::Io)?;
    if data.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(data)
}

/// At most the first `limit` bytes of the regular file `path` (symlinks refused): for a reader
/// that compares what it read with the size and digest it expects, so that a longer file is a
/// mismatch it reports, not a longer read.
pub fn read_prefix(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_regular(path, Symlinks::Refuse)?;
    let mut data = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
    file.take(limit).read_to_end(&mut data).map_err(ReadError::Io)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_up_to_its_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_regular(&path, 5, Symlinks::Refuse).unwrap(), b"12345");
        assert!(matches!(read_regular(&path, 4, Symlinks::Refuse), Err(ReadError::TooLarge(4))));
        let missing = read_regular(&dir.path().join("missing"), 5, Symlinks::Follow);
        assert!(matches!(missing, Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn devices_directories_and_refused_symlinks_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(read_regular(&link, 10, Symlinks::Follow), Err(ReadError::NotRegular("device"))));
        assert!(matches!(read_regular(&link, 10, Symlinks::Refuse), Err(ReadError::NotRegular("symlink"))));
        assert!(matches!(read_regular(dir.path(), 10, Symlinks::Follow), Err(ReadError::NotRegular("directory"))));
    }

    #[test]
    fn limits_are_said_in_mib_when_whole() {
        assert_eq!(bytes(4 << 20), "4 MiB");
        assert_eq!(bytes(6), "6 bytes");
        assert_eq!(bytes(1), "1 byte");
    }
}
