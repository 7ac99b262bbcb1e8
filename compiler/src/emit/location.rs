//! Where a diagnostic points, in the terms every format shares: a file, lines and columns.

use crate::diagnostic::Diagnostic;
use crate::session::Compilation;
use crate::source::Span;

/// Where a diagnostic points: its file as given, and the span in it when it has one.
pub struct Place {
    pub file: String,
    pub region: Option<Region>,
}

/// A span with its 1-based line and column (in characters) at both ends; `end_*` is the
/// position just after the span.
#[derive(Clone, Copy)]
pub struct Region {
    pub start: u32,
    pub end: u32,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn region(compilation: &Compilation, span: Span) -> (String, Region) {
    let (file, region) = borrowed_region(compilation, span);
    (file.to_string(), region)
}

/// [`region`], the file's name borrowed.
pub fn borrowed_region(compilation: &Compilation, span: Span) -> (&str, Region) {
    let file = compilation.sources.get(span.source);
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    (file.name.as_str(), Region { start: span.start, end: span.end, line, column, end_line, end_column })
}

/// `None` for a problem of the run as a whole (no inputs at all).
pub fn place(compilation: &Compilation, d: &Diagnostic) -> Option<Place> {
    match (d.span, &d.subject) {
        (Some(span), _) => {
            let (file, region) = region(compilation, span);
            Some(Place { file, region: Some(region) })
        }
        (None, Some(subject)) => Some(Place { file: subject.clone(), region: None }),
        (None, None) => None,
    }
}

/// A path as a repository-relative one, as CI systems want it: relative to `working_dir` when
/// it lies below it, with forward slashes, and without `.`, `..` or empty segments, so however
/// a path was written on the command line (`./x`, `x`, `a/../x`, `a//x`, `../repo/x`, absolute),
/// the same file gets the same path (and SARIF the same fingerprints).
pub fn repo_path(name: &str, working_dir: Option<&str>) -> String {
    let name = name.replace('\\', "/");
    let cwd = working_dir.map(|cwd| cwd.replace('\\', "/"));
    let absolute = match &cwd {
        Some(cwd) if !name.starts_with('/') => format!("{cwd}/{name}"),
        _ => name.clone(),
    };
    if !absolute.starts_with('/') {
        // No working directory to anchor a relative path: only tidied, `..` kept where it leads.
        return lexical(&name, false);
    }
    let path = lexical(&absolute, true);
    match cwd.map(|cwd| lexical(&cwd, true)) {
        Some(cwd) if path == cwd => ".".to_string(),
        Some(cwd) if cwd == "/" => path.trim_start_matches('/').to_string(),
        Some(cwd) => match path.strip_prefix(&cwd).and_then(|r| r.strip_prefix('/')) {
            Some(rest) => rest.to_string(),
            None if name.starts_with('/') => path,
            // Outside the working directory: the path as written, tidied.
            None => lexical(&name, false),
        },
        None => path,
    }
}

/// `path` without empty and `.` segments, each `..` removing the segment before it (the root's
/// parent is the root); a relative path keeps the `..` that climb above its start.
fn lexical(path: &str, absolute: bool) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => match segments.last() {
                Some(&last) if last != ".." => {
                    segments.pop();
                }
                _ if absolute => {}
                _ => segments.push(".."),
            },
            segment => segments.push(segment),
        }
    }
    let joined = segments.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::repo_path;

    #[test]
    fn repo_paths_are_relative_to_the_working_dir_without_dot_slash() {
        assert_eq!(repo_path("/repo/clusters/a.yaml", Some("/repo/")), "clusters/a.yaml");
        assert_eq!(repo_path("/elsewhere/a.yaml", Some("/repo")), "/elsewhere/a.yaml");
        assert_eq!(repo_path("/repo/a.yaml", None), "/repo/a.yaml");
        assert_eq!(repo_path(".//./a\\b.yaml", Some("/repo")), "a/b.yaml");
    }

    #[test]
    fn every_spelling_of_one_file_is_one_repo_path() {
        for spelling in ["x/a.yaml", "./x/a.yaml", "x//a.yaml", "x/../x/a.yaml", "../repo/x/a.yaml", "/repo/x/a.yaml"] {
            assert_eq!(repo_path(spelling, Some("/repo")), "x/a.yaml", "{spelling}");
        }
        assert_eq!(repo_path("../other/a.yaml", Some("/repo")), "../other/a.yaml");
        assert_eq!(repo_path("a/../../b.yaml", None), "../b.yaml");
        assert_eq!(repo_path("<stdin>", Some("/repo")), "<stdin>");
        assert_eq!(repo_path(".", Some("/repo")), ".");
        assert_eq!(repo_path("/repo", Some("/repo")), ".");
        assert_eq!(repo_path("./", None), ".");
    }
}
