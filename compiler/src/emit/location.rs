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
    let file = compilation.sources.get(span.source);
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    (file.name.to_string(), Region { start: span.start, end: span.end, line, column, end_line, end_column })
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
/// it lies below it, without `./`, with forward slashes.
pub fn repo_path(name: &str, working_dir: Option<&str>) -> String {
    let mut path = name.replace('\\', "/");
    if path.starts_with('/')
        && let Some(cwd) = working_dir
    {
        let cwd = cwd.replace('\\', "/");
        let cwd = cwd.trim_end_matches('/');
        if let Some(rest) = path.strip_prefix(cwd).and_then(|r| r.strip_prefix('/')) {
            path = rest.to_string();
        }
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/').to_string();
    }
    path
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
}
