//! Stage 1, load: input paths to source files to YAML documents.

pub mod file;
pub mod node;
pub mod yaml;

use std::io;

use camino::{Utf8Path, Utf8PathBuf};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source::Sources;

/// The file extensions read from a directory.
pub const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

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
}

impl InputPath {
    pub fn parse(arg: &str) -> Self {
        if arg == "-" { InputPath::Stdin } else { InputPath::Path(arg.into()) }
    }
}

/// Reads every input into `sources`: files as given, directories recursively (only `*.yaml`,
/// `*.yml` and `*.json`, hidden entries skipped, in byte order of their paths), `-` from `stdin`,
/// and texts the caller read already. Inside a directory, only regular files are read, and a
/// symlink only when its target is inside that directory; no file is read past
/// [`file::MAX_INPUT_SIZE`]; the documents `mcc compile` writes are never read.
/// A path that cannot be read is reported as `MCC0001` and the others are still read.
pub fn read_inputs(
    inputs: &[InputPath],
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
            InputPath::Path(path) => read_path(path, None, sources, diagnostics),
            InputPath::Read { name, text } => {
                if !file::is_mcc_output(text) {
                    sources.add(name.clone(), text);
                }
            }
        }
    }
}

/// Reads `path`, found under the directory input `root` (canonical), or named by the user.
fn read_path(path: &Utf8Path, root: Option<&Utf8Path>, sources: &mut Sources, diagnostics: &mut Vec<Diagnostic>) {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return diagnostics.push(unreadable(path.as_str(), &error)),
    };
    if metadata.is_dir() {
        let canonical;
        let root = match root {
            Some(root) => root,
            None => match path.canonicalize_utf8() {
                Ok(path) => {
                    canonical = path;
                    &canonical
                }
                Err(error) => return diagnostics.push(unreadable(path.as_str(), &error)),
            },
        };
        let mut children = match list_dir(path) {
            Ok(children) => children,
            Err(error) => return diagnostics.push(unreadable(path.as_str(), &error)),
        };
        children.sort();
        for child in children {
            read_path(&child, Some(root), sources, diagnostics);
        }
        return;
    }
    // A file inside a directory is read only for its extension; a file named by the user always.
    if root.is_some() && !path.extension().is_some_and(|e| EXTENSIONS.contains(&e)) {
        return;
    }
    let found = root.map_or(file::Found::Named, file::Found::Under);
    match file::read(path, &metadata, found) {
        Ok(text) if file::is_mcc_output(&text) => {}
        Ok(text) => {
            sources.add(path, &text);
        }
        Err(diagnostic) => diagnostics.push(*diagnostic),
    }
}

fn list_dir(dir: &Utf8Path) -> io::Result<Vec<Utf8PathBuf>> {
    let mut children = Vec::new();
    for entry in dir.read_dir_utf8()? {
        let entry = entry?;
        if entry.file_name().starts_with('.') {
            continue;
        }
        // Symlinked directories are not followed, so a link cycle cannot loop forever.
        if entry.file_type()?.is_symlink() && entry.path().is_dir() {
            continue;
        }
        children.push(entry.into_path());
    }
    Ok(children)
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
