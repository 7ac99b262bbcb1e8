//! Writing a directory all at once: everything goes into a temporary directory beside the
//! destination, which is renamed into place only when complete. A failed or interrupted write
//! leaves the destination as it was.

use std::fs;
use std::io;
use std::path::Path;

/// Fills a fresh directory with `fill` and puts it at `dest`, replacing what is there when
/// `may_replace(dest)` allows it (an error otherwise).
pub fn replace_dir(
    dest: &Path,
    may_replace: impl Fn(&Path) -> bool,
    fill: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("`{}` has no file name", dest.display())))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let exists = fs::symlink_metadata(dest).is_ok();
    if exists && !(dest.is_dir() && may_replace(dest)) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("`{}` exists and is not something mcc may replace", dest.display()),
        ));
    }
    fs::create_dir_all(parent)?;
    let temp = tempfile::Builder::new().prefix(&format!(".{name}.tmp-")).tempdir_in(parent)?;
    fill(temp.path())?;
    set_mode(temp.path(), 0o755)?;
    if exists {
        let old = tempfile::Builder::new().prefix(&format!(".{name}.old-")).tempdir_in(parent)?;
        let old_path = old.path().join("previous");
        fs::rename(dest, &old_path)?;
        if let Err(error) = fs::rename(temp.path(), dest) {
            // Put the previous contents back: the destination stays as it was.
            let _ = fs::rename(&old_path, dest);
            return Err(error);
        }
        drop(old); // removes the previous contents
    } else {
        fs::rename(temp.path(), dest)?;
    }
    // The directory now lives at `dest`; make sure the guard does not try to remove it.
    let _ = temp.keep();
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

/// Writes `bytes` to `dest` through a temporary file beside it, renamed into place: a reader sees
/// the old file or the new one, never a part.
pub fn replace_file(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new().prefix(".mcc-write-").tempfile_in(parent)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// Whether a directory is empty (or missing).
pub fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).map(|mut d| d.next().is_none()).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_directory_replaces_the_old_one_and_a_failed_one_leaves_it() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        replace_dir(&dest, |_| true, |d| fs::write(d.join("a"), "1")).unwrap();
        assert_eq!(fs::read_to_string(dest.join("a")).unwrap(), "1");
        replace_dir(&dest, |_| true, |d| fs::write(d.join("b"), "2")).unwrap();
        assert!(!dest.join("a").exists() && dest.join("b").exists(), "replaced as a whole");
        let failed = replace_dir(
            &dest,
            |_| true,
            |d| {
                fs::write(d.join("c"), "3")?;
                Err(io::Error::other("interrupted"))
            },
        );
        assert!(failed.is_err());
        assert!(dest.join("b").exists() && !dest.join("c").exists(), "left as it was");
        let leftovers: Vec<_> = fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["out"], "no temporary directory left behind");
    }

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("image.json");
        replace_file(&dest, b"one").unwrap();
        replace_file(&dest, b"two").unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["image.json"]);
    }

    #[test]
    fn refuses_to_replace_what_it_may_not() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("precious");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("x"), "keep").unwrap();
        assert!(replace_dir(&dest, |_| false, |_| Ok(())).is_err());
        assert_eq!(fs::read_to_string(dest.join("x")).unwrap(), "keep");
    }
}
