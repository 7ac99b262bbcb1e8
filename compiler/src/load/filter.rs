//! Which entries of a directory input are inputs: one rule for a directory on disk and for one
//! at a git revision (`git:REF`), so that both sides of a plan read the same files.
//!
//! An entry is left out when a component of its path below the directory input is hidden
//! (starts with `.`: `.git/`, `.github/`, `.mcc/`, whose policy files are found separately), or
//! when it matches an `--exclude` glob. A glob without `/` matches an entry's name at any depth
//! (`--exclude '*.json'`); a glob with `/` matches its path below the directory input
//! (`--exclude 'build/**'`, which also leaves out `build` itself). Globs follow the policy
//! language's rules: `**` any characters, `*` any but `/`, `?` one but `/`.

use crate::glob::glob_matches;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputFilter {
    pub exclude: Vec<String>,
}

impl InputFilter {
    /// Whether the entry at `relative` (its path below the directory input, `/`-separated) is
    /// left out.
    pub fn skips(&self, relative: &str) -> bool {
        let relative = relative.trim_start_matches("./");
        if relative.split('/').any(|component| component.starts_with('.') && component != ".") {
            return true;
        }
        let name = relative.rsplit('/').next().unwrap_or(relative);
        self.exclude.iter().any(|glob| {
            if glob.contains('/') {
                glob_matches(glob.trim_start_matches("./"), relative)
            } else {
                glob_matches(glob, name)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_components_anywhere_below_the_input_are_skipped() {
        let filter = InputFilter::default();
        assert!(filter.skips(".github/workflows/ci.yaml"));
        assert!(filter.skips("clusters/.mcc/x.yaml"));
        assert!(filter.skips("clusters/.x.yaml"));
        assert!(!filter.skips("clusters/prod/x.yaml"));
        assert!(!filter.skips("./clusters/x.yaml"));
    }

    #[test]
    fn globs_with_a_slash_match_the_path_and_others_the_name() {
        let filter = InputFilter { exclude: vec!["build/**".into(), "*.json".into()] };
        assert!(filter.skips("build"));
        assert!(filter.skips("build/worker/x.yaml"));
        assert!(filter.skips("prod/a.json"));
        assert!(!filter.skips("prod/build/x.yaml"));
        assert!(!filter.skips("prod/a.yaml"));
    }
}
