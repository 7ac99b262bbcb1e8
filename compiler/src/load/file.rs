//! Reading one input file from disk as hostile input: a pull request may commit a symlink to
//! `/proc/self/environ` or `/dev/zero`, a FIFO named `x.yaml`, or a file of gigabytes, and
//! `mcc check` runs on it in CI. A file is read only when it is a regular file, inside the
//! directory input it was found in, and no larger than [`MAX_INPUT_SIZE`]; anything else is a
//! diagnostic and never an open that blocks or a read without end.

use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt as _;

use camino::Utf8Path;
use mcc_contract::layer_plan::LAYER_PLAN_SCHEMA;
use mcc_contract::node_actions::NODE_ACTIONS_SCHEMA;

use crate::codes;
use crate::diagnostic::Diagnostic;

/// The largest input file mcc reads: 64 MiB, far above any real MachineConfig (the API server
/// refuses objects over about 1.5 MiB), and a bound on what a hostile input can make mcc hold.
pub const MAX_INPUT_SIZE: u64 = 64 << 20;

/// Where a file was found: named on the command line, or while walking a directory input.
pub enum Found<'a> {
    Named,
    /// Under this directory input, canonical (symlinks resolved): a symlink, or a file the walk
    /// cannot vouch for, resolved and checked to stay inside it.
    Under(&'a Utf8Path),
    /// Under a directory input, reached by the walk through real directories only (it never
    /// follows a symlinked directory) and not a symlink itself: inside the input by
    /// construction, so not resolved again (a `realpath` of every file cost as much as reading
    /// it). Still read only when it is a regular file.
    Inside,
}

/// The text of the file at `path`, or the diagnostic that says why it is not read.
pub fn read(path: &Utf8Path, metadata: &std::fs::Metadata, found: Found<'_>) -> Result<String, Box<Diagnostic>> {
    if let Found::Under(root) = found {
        // A symlink is followed only to a file inside the directory input.
        let target = path.canonicalize_utf8().map_err(|error| Box::new(super::unreadable(path.as_str(), &error)))?;
        if !target.starts_with(root) {
            return Err(Box::new(
                Diagnostic::about_path(
                    &codes::SYMLINK_OUTSIDE_INPUT,
                    path.as_str(),
                    format!("this symlink points outside the directory input, to {target}; it is not read"),
                )
                .with_help("commit the file itself, or name its target on the command line"),
            ));
        }
        // A FIFO would block the open, a device would never end: only regular files are read.
        if !metadata.is_file() {
            return Err(Box::new(not_regular(path, metadata)));
        }
    }
    if matches!(found, Found::Inside) && !metadata.is_file() {
        return Err(Box::new(not_regular(path, metadata)));
    }
    if metadata.is_file() && metadata.len() > MAX_INPUT_SIZE {
        return Err(Box::new(too_large(path)));
    }
    // A file named on the command line may be a pipe (`<(…)`): read it, but never past the limit.
    let file = std::fs::File::open(path).map_err(|error| Box::new(super::unreadable(path.as_str(), &error)))?;
    read_open(path, file, metadata)
}

/// The text of a file a directory's listing says is regular and not a symlink. It is opened
/// without following a symlink and without blocking (`O_NOFOLLOW | O_NONBLOCK`: a FIFO or a
/// symlink put in its place since the listing is refused, never waited on or followed), then
/// checked by the open file's own `stat`, so its path is looked up once, not for a `stat` and
/// again for the open (a quarter of the time of reading a fleet's files).
pub fn read_listed_regular(path: &Utf8Path) -> Result<String, Box<Diagnostic>> {
    let unreadable = |error: io::Error| Box::new(super::unreadable(path.as_str(), &error));
    let flags = (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits().cast_signed();
    let file = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(Box::new(not_regular(path, &metadata)));
    }
    if metadata.len() > MAX_INPUT_SIZE {
        return Err(Box::new(too_large(path)));
    }
    read_open(path, file, &metadata)
}

/// Reads an open file, never past [`MAX_INPUT_SIZE`], as UTF-8 text.
fn read_open(path: &Utf8Path, file: std::fs::File, metadata: &std::fs::Metadata) -> Result<String, Box<Diagnostic>> {
    // A regular file's buffer is made to its size (and the byte that tells it has not grown)
    // at once, not grown by doubling from empty through copies.
    let expected = if metadata.is_file() { usize::try_from(metadata.len()).map_or(0, |len| len + 1) } else { 0 };
    let mut bytes = Vec::with_capacity(expected);
    file.take(MAX_INPUT_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| Box::new(super::unreadable(path.as_str(), &error)))?;
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(Box::new(too_large(path)));
    }
    String::from_utf8(bytes).map_err(|_| {
        Box::new(
            Diagnostic::about_path(&codes::INPUT_UNREADABLE, path.as_str(), "the file is not UTF-8 text")
                .with_help("MachineConfigs are YAML or JSON, which must be UTF-8"),
        )
    })
}

fn not_regular(path: &Utf8Path, metadata: &std::fs::Metadata) -> Diagnostic {
    Diagnostic::about_path(
        &codes::NOT_A_REGULAR_FILE,
        path.as_str(),
        format!("this is a {}, not a regular file; it is not read", file_kind(metadata)),
    )
    .with_help("only regular files are read from a directory input; name it on the command line to read it")
}

fn too_large(path: &Utf8Path) -> Diagnostic {
    Diagnostic::about_path(
        &codes::INPUT_TOO_LARGE,
        path.as_str(),
        format!("this file is larger than {} MiB; it is not read", MAX_INPUT_SIZE >> 20),
    )
    .with_help("no MachineConfig is this large: check that the path names what you meant")
}

fn file_kind(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = metadata.file_type();
    if kind.is_fifo() {
        "FIFO"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

/// Whether `text` is a document `mcc compile` wrote (`layer-plan.json`, `node-actions.json`):
/// mcc never reads its own outputs as inputs, so `mcc check .` after `mcc compile --out build`
/// reads what it read before. Both documents open with their `schema` field.
pub fn is_mcc_output(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('{') else { return false };
    let Some(rest) = rest.trim_start().strip_prefix("\"schema\"") else { return false };
    let Some(rest) = rest.trim_start().strip_prefix(':') else { return false };
    let rest = rest.trim_start();
    [LAYER_PLAN_SCHEMA, NODE_ACTIONS_SCHEMA]
        .iter()
        .any(|schema| rest.strip_prefix('"').and_then(|r| r.strip_prefix(schema)).is_some_and(|r| r.starts_with('"')))
}

/// Reads standard input, never past [`MAX_INPUT_SIZE`].
pub fn read_limited(reader: impl Read) -> io::Result<String> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(io::Error::other(format!("standard input is larger than {} MiB", MAX_INPUT_SIZE >> 20)));
    }
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "standard input is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_input_is_read_only_up_to_the_limit() {
        assert!(read_limited(std::io::repeat(b'a')).is_err(), "an endless stdin ends at the limit");
        assert_eq!(read_limited(&b"kind: List\n"[..]).unwrap(), "kind: List\n");
    }

    #[test]
    fn only_documents_that_open_with_mcc_s_schema_are_its_outputs() {
        assert!(is_mcc_output("{\n  \"schema\": \"mcc.layer-plan/v1\",\n  \"pool\": \"worker\"\n}"));
        assert!(is_mcc_output("{\"schema\":\"mcc.node-actions/v1\"}"));
        assert!(!is_mcc_output("{\"schema\": \"mcc.layer-plan/v10\"}"));
        assert!(!is_mcc_output("{\"kind\": \"MachineConfig\", \"schema\": \"mcc.layer-plan/v1\"}"));
        assert!(!is_mcc_output("schema: mcc.layer-plan/v1\n"));
    }
}
