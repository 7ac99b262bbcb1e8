//! `git:REF[:DIR]` inputs for `mcc plan`: the same paths read at another revision.
//!
//! `git` itself reads the revision (`git ls-tree`, then one `git cat-file --batch` for every
//! blob), so any ref git knows works: `origin/main`, `HEAD~1`, a tag, a commit.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::load::file::MAX_INPUT_SIZE;
use mcc_compiler::load::filter::InputFilter;
use mcc_compiler::load::{EXTENSIONS, InputPath};

/// A parsed `git:REF[:DIR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSpec {
    pub reference: String,
    pub dir: Option<String>,
}

impl GitSpec {
    pub fn parse(arg: &str) -> Option<GitSpec> {
        let rest = arg.strip_prefix("git:")?;
        let (reference, dir) = match rest.split_once(':') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (rest, None),
        };
        (!reference.is_empty()).then(|| GitSpec { reference: reference.to_string(), dir })
    }
}

/// Reads, at `spec.reference`, either `spec.dir` or else each of `paths` (the other side's
/// paths, so `--from git:origin/main --to .` compares the same files). Files are named
/// `git:REF:PATH`.
pub fn read(spec: &GitSpec, paths: &[String], filter: &InputFilter) -> Result<Vec<InputPath>, String> {
    let wanted: Vec<String> = match &spec.dir {
        Some(dir) => vec![dir.clone()],
        None if paths.is_empty() => vec![".".to_string()],
        None => paths.iter().filter(|p| *p != "-" && GitSpec::parse(p).is_none()).cloned().collect(),
    };
    let mut inputs = Vec::new();
    for path in wanted {
        let path = Utf8PathBuf::from(path);
        let dir =
            if path.is_dir() { path.clone() } else { path.parent().map(Utf8Path::to_path_buf).unwrap_or_default() };
        let dir = if dir.as_str().is_empty() { Utf8PathBuf::from(".") } else { dir };
        let root = git(&dir, &["rev-parse", "--show-toplevel"])?;
        let prefix = git(&dir, &["rev-parse", "--show-prefix"])?;
        let in_repo = match path.file_name().filter(|_| !path.is_dir()) {
            Some(name) => format!("{prefix}{name}"),
            None => prefix.trim_end_matches('/').to_string(),
        };
        let listing =
            git(Utf8Path::new(&root), &["ls-tree", "-r", "-l", &spec.reference, "--", &in_repo_or_root(&in_repo)])?;
        // The filesystem side's rule: what is hidden or excluded below the input is left out.
        let mut files: Vec<TreeEntry<'_>> = listing
            .lines()
            .filter_map(tree_entry)
            .filter(|e| !filter.skips(e.path.strip_prefix(in_repo.as_str()).unwrap_or(e.path).trim_start_matches('/')))
            .filter(|e| path.is_file() || EXTENSIONS.iter().any(|x| e.path.ends_with(&format!(".{x}"))))
            .collect();
        files.sort_unstable_by_key(|e| e.path);
        if let Some(large) = files.iter().find(|e| e.size > MAX_INPUT_SIZE) {
            return Err(format!("git:{}:{} is larger than {} MiB", spec.reference, large.path, MAX_INPUT_SIZE >> 20));
        }
        let texts = blobs(Utf8Path::new(&root), files.iter().map(|e| e.object))?;
        for entry in files {
            let text = texts.get(entry.object).cloned().unwrap_or_default();
            inputs.push(InputPath::Read { name: format!("git:{}:{}", spec.reference, entry.path).into(), text });
        }
    }
    Ok(inputs)
}

/// A blob of `git ls-tree -l`.
struct TreeEntry<'a> {
    path: &'a str,
    object: &'a str,
    size: u64,
}

/// A line of `git ls-tree -l`: `MODE blob OBJECT SIZE\tPATH` (a submodule, `commit`, is not a file).
fn tree_entry(line: &str) -> Option<TreeEntry<'_>> {
    let (meta, path) = line.split_once('\t')?;
    let mut fields = meta.split_whitespace();
    let (object, size) = (fields.nth(2)?, fields.next()?.parse().ok()?);
    Some(TreeEntry { path, object, size })
}

/// The text of each blob, read by one `git cat-file --batch` (a process a file would cost
/// seconds on a fleet of thousands); a blob that several paths hold is read once.
fn blobs<'a>(root: &Utf8Path, objects: impl Iterator<Item = &'a str>) -> Result<HashMap<String, String>, String> {
    let mut wanted: Vec<&str> = objects.collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let failed = |e: std::io::Error| format!("git cat-file --batch: {e}");
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file --batch: no stdin")?;
    let request = wanted.iter().map(|o| format!("{o}\n")).collect::<String>();
    // Written from its own thread: git answers while it reads, and a full pipe either way
    // would block both processes.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().ok_or("git cat-file --batch: no stdout")?);
    let mut texts = HashMap::with_capacity(wanted.len());
    for object in &wanted {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(failed)?;
        // `OBJECT blob SIZE`, or `OBJECT missing`.
        let size: usize = match header.split_whitespace().collect::<Vec<_>>()[..] {
            [_, "blob", size] => size.parse().map_err(|_| format!("git cat-file --batch: bad header {header:?}"))?,
            _ => return Err(format!("git cat-file --batch: cannot read {object}: {}", header.trim())),
        };
        let mut bytes = vec![0; size + 1];
        reader.read_exact(&mut bytes).map_err(failed)?;
        bytes.pop(); // the newline after each blob
        let text = String::from_utf8(bytes).map_err(|_| format!("git blob {object}: the file is not UTF-8 text"))?;
        texts.insert((*object).to_string(), text);
    }
    writer.join().map_err(|_| "git cat-file --batch: the writer failed".to_string())?.map_err(failed)?;
    let _ = child.wait();
    Ok(texts)
}

fn in_repo_or_root(path: &str) -> String {
    if path.is_empty() { ".".to_string() } else { path.to_string() }
}

/// Runs git in `dir`; its stdout, or its error as a message.
fn git(dir: &Utf8Path, args: &[&str]) -> Result<String, String> {
    let output =
        Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| format!("git {}: output is not UTF-8", args.join(" ")))?;
    Ok(text.trim_end_matches('\n').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_specs_parse() {
        assert_eq!(GitSpec::parse("git:origin/main"), Some(GitSpec { reference: "origin/main".into(), dir: None }));
        assert_eq!(
            GitSpec::parse("git:HEAD~1:clusters/prod"),
            Some(GitSpec { reference: "HEAD~1".into(), dir: Some("clusters/prod".into()) })
        );
        assert_eq!(GitSpec::parse("git:"), None);
        assert_eq!(GitSpec::parse("clusters/prod"), None);
    }
}
