//! Site policy files: `.mcc/*.mcc` at the root of each directory input, then every `--policy
//! FILE`. Their text is read here, with the inputs, so that analysis does no I/O; the policy
//! stage parses it. A `git:` side's directory is at a revision, not on disk: the CLI finds its
//! `.mcc/*.mcc` blobs by the same rule ([`is_policy_file`]) and hands their text in.

use camino::{Utf8Path, Utf8PathBuf};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::{InputPath, file};

/// The directory at the root of the inputs whose `*.mcc` files are read as site policy.
pub const SITE_DIR: &str = ".mcc";

/// A site policy file as read, for the policy stage to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyText {
    pub path: Utf8PathBuf,
    pub text: String,
}

/// What reading the site policy files found.
#[derive(Debug, Default)]
pub struct SitePolicies {
    /// In the order they apply, each over the ones before.
    pub files: Vec<PolicyText>,
    /// True when a policy file could not be read (an `.mcc/` directory that cannot be listed
    /// is reported but, as an empty policy directory, does not count).
    pub unreadable: bool,
}

/// Reads `.mcc/*.mcc` at the root of each directory input (in input order; a `git:` side's were
/// read by the caller, [`InputPath::SitePolicy`]), then the `--policy` files (`explicit`). A file
/// that cannot be read is reported as `MCC0001` and the others are still read. A `.mcc/` file is
/// part of its directory input and read as its other files are ([`file::read`]): a symlink out of
/// the input (MCC0016), a FIFO or device (MCC0017) and a file over the size limit (MCC0018) are
/// reported and not read, since a policy file's syntax error would print its text into CI logs.
pub fn read(paths: &[InputPath], explicit: &[Utf8PathBuf], diagnostics: &mut Vec<Diagnostic>) -> SitePolicies {
    let mut read = SitePolicies::default();
    for path in paths {
        match path {
            InputPath::Path(p) if p.is_dir() => match site_files(p)
                .and_then(|found| Ok((p.canonicalize_utf8()?, found)))
            {
                Ok((root, found)) => found.iter().for_each(|f| read.file(f, file::Found::Under(&root), diagnostics)),
                Err(error) => diagnostics.push(Diagnostic::about_path(
                    &codes::INPUT_UNREADABLE,
                    p.join(SITE_DIR).as_str(),
                    format!("cannot read: {error}"),
                )),
            },
            InputPath::SitePolicy { name, text } => {
                read.files.push(PolicyText { path: name.clone(), text: text.clone() });
            }
            _ => {}
        }
    }
    explicit.iter().for_each(|f| read.file(f, file::Found::Named, diagnostics));
    read
}

impl SitePolicies {
    /// Reads one policy file from disk, or reports why it cannot.
    fn file(&mut self, path: &Utf8Path, found: file::Found<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let text = std::fs::metadata(path)
            .map_err(|error| Box::new(crate::load::unreadable(path.as_str(), &error)))
            .and_then(|metadata| file::read(path, &metadata, found));
        match text {
            Ok(text) => self.files.push(PolicyText { path: path.to_path_buf(), text }),
            Err(diagnostic) => {
                self.unreadable |= diagnostic.code == &codes::INPUT_UNREADABLE;
                diagnostics.push(*diagnostic);
            }
        }
    }
}

/// Whether an entry of a `.mcc/` directory, by its name, is a site policy file: `*.mcc`, not
/// hidden. The one rule for a directory on disk and a directory at a git revision; the files
/// apply in byte order of their names.
pub fn is_policy_file(name: &str) -> bool {
    Utf8Path::new(name).extension() == Some("mcc") && !name.starts_with('.')
}

/// The site policy files of an input directory: `ROOT/.mcc/*.mcc` ([`is_policy_file`], anything
/// but a directory, for [`file::read`] to refuse what it must), sorted by name (byte order). No
/// `.mcc` directory means no files.
pub fn site_files(root: &Utf8Path) -> std::io::Result<Vec<Utf8PathBuf>> {
    let dir = root.join(SITE_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in dir.read_dir_utf8()? {
        let entry = entry?;
        let path = entry.path();
        if is_policy_file(entry.file_name()) && !path.is_dir() {
            files.push(path.to_path_buf());
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_files_are_the_mcc_files_of_the_dot_mcc_directory_by_name() {
        let root = std::env::temp_dir().join(format!("mcc-site-files-{}", std::process::id()));
        let root = Utf8PathBuf::from_path_buf(root).unwrap();
        let _ = std::fs::remove_dir_all(&root);
        assert!(site_files(&root).unwrap().is_empty(), "no directory, no files");
        std::fs::create_dir_all(root.join(".mcc/sub")).unwrap();
        for name in ["b.mcc", "a.mcc", "10-z.mcc", "notes.md", ".hidden.mcc", "sub/c.mcc"] {
            std::fs::write(root.join(".mcc").join(name), "").unwrap();
        }
        let files = site_files(&root).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.file_name().unwrap()).collect();
        assert_eq!(names, ["10-z.mcc", "a.mcc", "b.mcc"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
