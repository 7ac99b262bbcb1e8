//! `git:REF[:DIR]` inputs for `mcc plan`: the same paths read at another revision.
//!
//! `git` itself reads the revision (`git ls-tree`, `git show`), so any ref git knows works:
//! `origin/main`, `HEAD~1`, a tag, a commit.

use std::process::Command;

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
        let mut files: Vec<(&str, u64)> = listing
            .lines()
            .filter_map(tree_entry)
            .filter(|(f, _)| !filter.skips(f.strip_prefix(in_repo.as_str()).unwrap_or(f).trim_start_matches('/')))
            .filter(|(f, _)| path.is_file() || EXTENSIONS.iter().any(|e| f.ends_with(&format!(".{e}"))))
            .collect();
        files.sort_unstable();
        for (file, size) in files {
            if size > MAX_INPUT_SIZE {
                return Err(format!("git:{}:{file} is larger than {} MiB", spec.reference, MAX_INPUT_SIZE >> 20));
            }
            let text = git(Utf8Path::new(&root), &["show", &format!("{}:{file}", spec.reference)])?;
            inputs.push(InputPath::Read { name: format!("git:{}:{file}", spec.reference).into(), text });
        }
    }
    Ok(inputs)
}

/// A blob of `git ls-tree -l`: `MODE blob OBJECT SIZE\tPATH`, as its path and size.
fn tree_entry(line: &str) -> Option<(&str, u64)> {
    let (meta, path) = line.split_once('\t')?;
    let mut fields = meta.split_whitespace();
    let size = fields.nth(3)?.parse().ok()?;
    Some((path, size))
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
