//! `git:REF[:DIR]` inputs for `mcc plan`: the same paths read at another revision, with that
//! revision's `.mcc/`.
//!
//! `git` itself reads the revision (`git ls-tree`, then one `git cat-file --batch` for every
//! input blob; `git show` for `.mcc/`), so any ref git knows works: `origin/main`, `HEAD~1`, a
//! tag, a commit.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::load::config as project;
use mcc_compiler::load::file::MAX_INPUT_SIZE;
use mcc_compiler::load::{ConfigFile, EXTENSIONS, InputPath, site};

use crate::args::Settings;

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
/// `git:REF:PATH`. The `.mcc/` of that revision is found by the rules that find it on disk:
/// `.mcc/*.mcc` at the root of each directory input, and the first `.mcc/config.toml` of an
/// input directory or else of the repository's root (always given, as
/// [`InputPath::ProjectConfig`], `None` when the revision holds none: the side's settings are
/// then the flags alone, as its own `exclude` decides which files it reads).
pub fn read(spec: &GitSpec, paths: &[String], settings: &Settings) -> Result<Vec<InputPath>, String> {
    let wanted: Vec<String> = match &spec.dir {
        Some(dir) => vec![dir.clone()],
        None if paths.is_empty() => vec![".".to_string()],
        None => paths.iter().filter(|p| *p != "-" && GitSpec::parse(p).is_none()).cloned().collect(),
    };
    let wanted: Vec<Wanted> =
        wanted.iter().map(|path| Wanted::of(Utf8PathBuf::from(path))).collect::<Result<_, _>>()?;
    let config = wanted.iter().find_map(|w| w.config(&spec.reference)).transpose()?;
    let filter = crate::config::for_revision(settings, config.as_ref()).input_filter();
    let mut inputs = Vec::new();
    for w in &wanted {
        let listing = git(&w.root, &["ls-tree", "-r", "-l", &spec.reference, "--", &in_repo_or_root(&w.in_repo)])?;
        // The filesystem side's rule: what is hidden or excluded below the input is left out.
        let mut files: Vec<TreeEntry<'_>> = listing
            .lines()
            .filter_map(tree_entry)
            .filter(|e| {
                !filter.skips(e.path.strip_prefix(w.in_repo.as_str()).unwrap_or(e.path).trim_start_matches('/'))
            })
            .filter(|e| w.is_file || EXTENSIONS.iter().any(|x| e.path.ends_with(&format!(".{x}"))))
            .collect();
        files.sort_unstable_by_key(|e| e.path);
        if let Some(large) = files.iter().find(|e| e.size > MAX_INPUT_SIZE) {
            return Err(format!("git:{}:{} is larger than {} MiB", spec.reference, large.path, MAX_INPUT_SIZE >> 20));
        }
        let texts = blobs(&w.root, files.iter().map(|e| e.object))?;
        for entry in files {
            let text = texts.get(entry.object).cloned().unwrap_or_default();
            inputs.push(InputPath::Read { name: format!("git:{}:{}", spec.reference, entry.path).into(), text });
        }
        if !w.is_file {
            inputs.extend(w.site_policies(&spec.reference)?);
        }
    }
    inputs.push(InputPath::ProjectConfig(config));
    Ok(inputs)
}

/// One path of a side, located in its repository.
struct Wanted {
    /// The repository's root on disk.
    root: Utf8PathBuf,
    /// The path inside the repository (`""` for its root).
    in_repo: String,
    is_file: bool,
}

impl Wanted {
    fn of(path: Utf8PathBuf) -> Result<Wanted, String> {
        let dir =
            if path.is_dir() { path.clone() } else { path.parent().map(Utf8Path::to_path_buf).unwrap_or_default() };
        let dir = if dir.as_str().is_empty() { Utf8PathBuf::from(".") } else { dir };
        let root = Utf8PathBuf::from(git(&dir, &["rev-parse", "--show-toplevel"])?);
        let prefix = git(&dir, &["rev-parse", "--show-prefix"])?;
        let in_repo = match path.file_name().filter(|_| !path.is_dir()) {
            Some(name) => format!("{prefix}{name}"),
            None => prefix.trim_end_matches('/').to_string(),
        };
        Ok(Wanted { root, in_repo, is_file: !path.is_dir() })
    }

    /// The directory, inside the repository, whose `.mcc/` applies.
    fn dir(&self) -> &Utf8Path {
        let path = Utf8Path::new(&self.in_repo);
        if self.is_file { path.parent().unwrap_or(Utf8Path::new("")) } else { path }
    }

    /// A blob's text, refused past mcc's input size limit.
    fn blob(&self, reference: &str, file: &str, size: u64) -> Result<String, String> {
        if size > MAX_INPUT_SIZE {
            return Err(format!("git:{reference}:{file} is larger than {} MiB", MAX_INPUT_SIZE >> 20));
        }
        git(&self.root, &["show", &format!("{reference}:{file}")])
    }

    /// The first `.mcc/config.toml` at the revision, by [`project::places`]; `None` when none.
    fn config(&self, reference: &str) -> Option<Result<ConfigFile, String>> {
        let places = project::places(self.dir(), Some(Utf8Path::new("")));
        let found = places.iter().find_map(|place| {
            let listing = git(&self.root, &["ls-tree", "-l", reference, "--", place.as_str()]).ok()?;
            listing.lines().filter_map(tree_entry).find(|e| e.path == place.as_str()).map(|e| (place, e.size))
        })?;
        let (place, size) = found;
        Some(self.blob(reference, place.as_str(), size).map(|text| ConfigFile {
            name: format!("git:{reference}:{place}").into(),
            text,
            repository: self.root.clone(),
        }))
    }

    /// The site policy files at the revision: `DIR/.mcc/*.mcc` ([`site::is_policy_file`]), by name.
    fn site_policies(&self, reference: &str) -> Result<Vec<InputPath>, String> {
        let dir = self.dir().join(site::SITE_DIR);
        let listing = git(&self.root, &["ls-tree", "-l", reference, "--", &format!("{dir}/")])?;
        let mut files: Vec<TreeEntry<'_>> = listing
            .lines()
            .filter(|line| line.split_whitespace().nth(1) == Some("blob"))
            .filter_map(tree_entry)
            .filter(|e| Utf8Path::new(e.path).file_name().is_some_and(site::is_policy_file))
            .collect();
        files.sort_unstable_by_key(|e| e.path);
        files
            .into_iter()
            .map(|TreeEntry { path: file, size, .. }| {
                let text = self.blob(reference, file, size)?;
                Ok(InputPath::SitePolicy { name: format!("git:{reference}:{file}").into(), text })
            })
            .collect()
    }
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
    // `git show` keeps file contents exactly; the other commands end with one newline.
    Ok(if args.first() == Some(&"show") { text } else { text.trim_end_matches('\n').to_string() })
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
