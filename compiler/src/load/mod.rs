//! Stage 1, load: input paths to source files to YAML documents.

pub mod cluster;
pub mod config;
pub mod file;
pub mod filter;
pub mod node;
pub mod parallel;
pub(crate) mod reader;
pub mod site;
pub mod yaml;
mod yaml_keys;

#[cfg(test)]
mod scaling_tests;

use std::io;

use camino::{Utf8Path, Utf8PathBuf};
use rayon::prelude::*;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::filter::InputFilter;
use crate::source::{SourceFile, Sources};

/// The file extensions read from a directory.
pub const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// The environment variable that sets the run's budget of decoded data-URL bytes (MCC0019).
pub const DATA_URL_BUDGET_VARIABLE: &str = "MCC_DATA_URL_BUDGET";

/// The run's budget of decoded data-URL bytes, when [`DATA_URL_BUDGET_VARIABLE`] gives one (a
/// number of bytes; anything else leaves the default of 1 GiB).
pub fn data_url_budget() -> Option<u64> {
    std::env::var(DATA_URL_BUDGET_VARIABLE).ok()?.trim().parse().ok()
}

/// What a user named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    Stdin,
    Path(Utf8PathBuf),
    /// A file the caller already read (such as a file at a git revision), with the name to show.
    Read {
        name: Utf8PathBuf,
        text: String,
    },
    /// A site policy file (`.mcc/*.mcc`) the caller found and read, by the rule of
    /// [`site::is_policy_file`], in a directory that is not on disk (a `git:` side's revision).
    SitePolicy {
        name: Utf8PathBuf,
        text: String,
    },
    /// The `.mcc/config.toml` that applies to inputs not on disk (a `git:` side's revision), as
    /// the caller found it by the rule of [`config::places`]: the file, or `None` when that
    /// revision holds none (the flags alone apply then). The CLI applies it to that side.
    ProjectConfig(Option<ConfigFile>),
}

/// A `.mcc/config.toml` read at a git revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The name to show (`git:REF:.mcc/config.toml`).
    pub name: Utf8PathBuf,
    pub text: String,
    /// The repository's root on disk, against which the file's relative paths (`cluster`) are
    /// resolved.
    pub repository: Utf8PathBuf,
}

impl InputPath {
    pub fn parse(arg: &str) -> Self {
        if arg == "-" { InputPath::Stdin } else { InputPath::Path(arg.into()) }
    }
}

/// Reads every input into `sources`: files as given, directories recursively (only `*.yaml`,
/// `*.yml` and `*.json`, in byte order of their paths, without the entries `filter` skips), `-`
/// from `stdin`, and texts the caller read already. Inside a directory, only regular files are
/// read, and a symlink only when its target is inside that directory; no file is read past
/// [`file::MAX_INPUT_SIZE`]; the documents `mcc compile` writes are never read.
/// A path that cannot be read is reported as `MCC0001` and the others are still read.
pub fn read_inputs(
    inputs: &[InputPath],
    filter: &InputFilter,
    stdin: &mut dyn FnMut() -> io::Result<String>,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for input in inputs {
        match input {
            InputPath::Stdin => match stdin() {
                Ok(text) => {
                    sources.add("<stdin>", &text);
                }
                Err(error) => diagnostics.push(unreadable("<stdin>", &error)),
            },
            InputPath::Path(path) => read_named(path, filter, sources, diagnostics),
            InputPath::Read { name, text } => {
                if !file::is_mcc_output(text) {
                    sources.add(name.clone(), text);
                }
            }
            // Read by the site policy stage and the CLI's settings, not as objects.
            InputPath::SitePolicy { .. } | InputPath::ProjectConfig(_) => {}
        }
    }
}

/// A path named by the user: a directory is walked, a file is read whatever its name.
fn read_named(path: &Utf8Path, filter: &InputFilter, sources: &mut Sources, diagnostics: &mut Vec<Diagnostic>) {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return diagnostics.push(unreadable(path.as_str(), &error)),
    };
    if !metadata.is_dir() {
        return add_file(path, &metadata, file::Found::Named, sources, diagnostics);
    }
    match path.canonicalize_utf8() {
        Ok(canonical) => {
            let walk = Walk { input: path, canonical: &canonical, filter };
            let mut found = Vec::new();
            walk.dir(path, &mut found);
            walk.read(found, sources, diagnostics);
        }
        Err(error) => diagnostics.push(unreadable(path.as_str(), &error)),
    }
}

/// What walking a directory input finds, in the order it is read.
enum Walked {
    File(Utf8PathBuf, FileKind),
    Unreadable(Diagnostic),
}

/// An entry of a directory, as its listing tells it (the file type the directory records, with
/// no `stat` of the entry unless it is a symlink).
enum Entry {
    Directory,
    File(FileKind),
}

/// What the listing says an entry that is not a directory is.
#[derive(Clone, Copy)]
enum FileKind {
    /// Opened at once, without following a symlink or blocking, and checked again by its own
    /// `stat` ([`file::read_listed_regular`]): one path look-up, not two.
    Regular,
    /// Resolved, and read only when its target is a regular file inside the input.
    Symlink,
    /// A FIFO, a device or a socket: never opened, only reported.
    Special,
}

/// A directory input being read.
struct Walk<'a> {
    /// As the user named it, for the paths shown and the filter's relative paths.
    input: &'a Utf8Path,
    /// With every symlink resolved, for the symlink check.
    canonical: &'a Utf8Path,
    filter: &'a InputFilter,
}

impl Walk<'_> {
    /// The files below `dir` to read (and what cannot be read), in byte order of their paths.
    fn dir(&self, dir: &Utf8Path, found: &mut Vec<Walked>) {
        let mut children = match self.list(dir) {
            Ok(children) => children,
            Err(error) => return found.push(Walked::Unreadable(unreadable(dir.as_str(), &error))),
        };
        // The children of one directory differ in their last component only, so the byte order
        // of their paths is the order of their names: compared as strings, not component by
        // component as `Path`'s order does (which took most of the walk's time). Names are
        // unique, so an unstable sort gives the one order.
        children.sort_unstable_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
        for (child, entry) in children {
            match entry {
                Entry::Directory => self.dir(&child, found),
                Entry::File(kind) if child.extension().is_some_and(|e| EXTENSIONS.contains(&e)) => {
                    found.push(Walked::File(child, kind));
                }
                Entry::File(_) => {}
            }
        }
    }

    /// Reads what [`Walk::dir`] found, on every core, into `sources` in its order: each file's
    /// open, `stat`, read and line index are made on the worker threads (all files at once:
    /// batches cost a barrier each, where a core waited for the other's last file); only the
    /// appends are in turn.
    fn read(&self, found: Vec<Walked>, sources: &mut Sources, diagnostics: &mut Vec<Diagnostic>) {
        let read: Vec<Result<Option<SourceFile>, Box<Diagnostic>>> = found
            .into_par_iter()
            .map(|walked| match walked {
                Walked::File(path, kind) => {
                    let by_stat = |found| {
                        std::fs::metadata(&path)
                            .map_err(|error| Box::new(unreadable(path.as_str(), &error)))
                            .and_then(|metadata| file::read(&path, &metadata, found))
                    };
                    let text = match kind {
                        FileKind::Regular => file::read_listed_regular(&path),
                        FileKind::Symlink => by_stat(file::Found::Under(self.canonical)),
                        FileKind::Special => by_stat(file::Found::Inside),
                    }?;
                    Ok((!file::is_mcc_output(&text)).then(|| SourceFile::new(path, &text)))
                }
                Walked::Unreadable(diagnostic) => Err(Box::new(diagnostic)),
            })
            .collect();
        for read in read {
            match read {
                Ok(Some(file)) => {
                    sources.push(file);
                }
                Ok(None) => {}
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
    }

    /// The entries of `dir` the filter keeps, each with what it is.
    fn list(&self, dir: &Utf8Path) -> io::Result<Vec<(Utf8PathBuf, Entry)>> {
        let mut children = Vec::new();
        for entry in dir.read_dir_utf8()? {
            let entry = entry?;
            // An entry's path is the input's as spelled, `/`, then the rest: cut as a string
            // (`Path::strip_prefix` compares component by component, a third of the walk).
            let path = entry.path().as_str();
            let relative = path.strip_prefix(self.input.as_str()).map_or(path, |rest| rest.trim_start_matches('/'));
            if self.filter.skips(relative) {
                continue;
            }
            // Symlinked directories are not followed, so a link cycle cannot loop forever (and
            // every directory walked is inside the input: see `file::Found::Inside`).
            let kind = entry.file_type()?;
            if kind.is_symlink() && entry.path().is_dir() {
                continue;
            }
            let what = if kind.is_dir() {
                Entry::Directory
            } else if kind.is_symlink() {
                Entry::File(FileKind::Symlink)
            } else if kind.is_file() {
                Entry::File(FileKind::Regular)
            } else {
                Entry::File(FileKind::Special)
            };
            children.push((entry.into_path(), what));
        }
        Ok(children)
    }
}

fn add_file(
    path: &Utf8Path,
    metadata: &std::fs::Metadata,
    found: file::Found<'_>,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match file::read(path, metadata, found) {
        Ok(text) if file::is_mcc_output(&text) => {}
        Ok(text) => {
            sources.add(path, &text);
        }
        Err(diagnostic) => diagnostics.push(*diagnostic),
    }
}

pub(crate) fn unreadable(path: &str, error: &io::Error) -> Diagnostic {
    Diagnostic::about_path(&codes::INPUT_UNREADABLE, path, format!("cannot read: {}", error_text(error)))
        .with_help("check the path and its permissions")
}

/// The OS error without Rust's "(os error 2)" suffix.
fn error_text(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files a directory input reads, below it, whatever the spelling of its path.
    fn read_below(input: &str, filter: &InputFilter) -> Vec<String> {
        let (mut sources, mut diagnostics) = (Sources::default(), Vec::new());
        let inputs = [InputPath::Path(input.into())];
        read_inputs(&inputs, filter, &mut || Ok(String::new()), &mut sources, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let input = Utf8Path::new(input);
        sources.iter().map(|(_, file)| file.name.strip_prefix(input).expect("below the input").to_string()).collect()
    }

    #[test]
    fn the_filter_sees_the_same_relative_paths_whatever_the_input_s_spelling() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = Utf8Path::from_path(dir.path()).expect("a UTF-8 path");
        for file in ["a.yaml", "sub/b.yaml", "sub/skip.yaml", "sub/deep/c.yaml", ".hidden/d.yaml", "sub/.e.yaml"] {
            std::fs::create_dir_all(root.join(file).parent().expect("a parent")).expect("made");
            std::fs::write(root.join(file), "kind: MachineConfigPool\n").expect("written");
        }
        let filter = InputFilter { exclude: vec!["sub/skip.yaml".into(), "c.yaml".into()] };
        let expected = ["a.yaml", "sub/b.yaml"];
        for spelling in
            [root.to_string(), format!("{root}/"), format!("{root}//"), format!("{root}/."), format!("{root}/./")]
        {
            assert_eq!(read_below(&spelling, &filter), expected, "{spelling}");
        }
    }
}
