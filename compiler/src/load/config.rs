//! `.mcc/config.toml`: the defaults a team shares (`ocp-version`, `profile`, `target`,
//! `base-image`, `cluster`, `ignore`, `exclude`), so check, plan and compile agree without
//! repeating flags. Found at the root of the inputs: the first input directory (or a file's
//! directory) that holds one, else the git repository's root above it ([`places`], also the rule
//! for a `git:` side, at its revision). Flags win over it.
//!
//! Finding and reading the file is I/O, so it lives in the load stage; parsing is pure and
//! returns byte ranges, which the caller turns into diagnostics once the file is a source.

use std::ops::Range;

use camino::{Utf8Path, Utf8PathBuf};
use toml::de::{DeTable, DeValue};

use crate::codes::{self, CodeInfo};
use crate::load::InputPath;

/// Where the file is, below a repository's (or input directory's) root.
pub const CONFIG_PATH: &str = ".mcc/config.toml";

/// The keys a config file may set, each a flag's name.
pub const KEYS: &[&str] = &["ocp-version", "profile", "target", "base-image", "cluster", "ignore", "exclude"];

/// A value as written, with its byte range in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub span: Range<usize>,
}

/// A problem in the file: its code, range, message and help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub code: &'static CodeInfo,
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
}

/// The file's settings. A value of the wrong type is left out (and reported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    pub ocp_version: Option<Setting>,
    pub profile: Option<Setting>,
    pub target: Option<Setting>,
    pub base_image: Option<Setting>,
    /// The cluster dump `--cluster` reads.
    pub cluster: Option<Setting>,
    pub ignore: Vec<Setting>,
    pub exclude: Vec<Setting>,
}

/// The config file that applies to `inputs` (paths as given; `git:` and stdin inputs are not
/// paths), searched from each input in order, then from `cwd`: the directory itself (a file's
/// directory), then the git repository's root above it. `None` when there is none.
pub fn find(inputs: &[InputPath], cwd: &Utf8Path) -> Option<Utf8PathBuf> {
    let starts = inputs.iter().filter_map(|input| match input {
        InputPath::Path(path) if path.is_dir() => Some(absolute(path, cwd)),
        InputPath::Path(path) => absolute(path, cwd).parent().map(Utf8Path::to_path_buf),
        _ => None,
    });
    starts.chain(std::iter::once(cwd.to_path_buf())).find_map(|start| {
        let root = start.ancestors().find(|dir| dir.join(".git").exists());
        places(&start, root).into_iter().find(|place| place.is_file())
    })
}

/// Where the file is looked for from one input directory (a file input's directory), in order:
/// `DIR/.mcc/config.toml`, then `ROOT/.mcc/config.toml` at the root of the git repository that
/// holds it. The one rule for inputs on disk and for a `git:` side, whose directory and root are
/// paths at a revision (the root `""`).
pub fn places(dir: &Utf8Path, repository_root: Option<&Utf8Path>) -> Vec<Utf8PathBuf> {
    let mut places = vec![dir.join(CONFIG_PATH)];
    places.extend(repository_root.map(|root| root.join(CONFIG_PATH)).filter(|there| *there != places[0]));
    places
}

fn absolute(path: &Utf8Path, cwd: &Utf8Path) -> Utf8PathBuf {
    if path.is_absolute() { path.to_path_buf() } else { cwd.join(path) }
}

/// Reads the file, never past mcc's input size limit, and only when it stays inside the directory
/// holding its `.mcc/`: a committed symlink to a secret would otherwise reach a syntax error's
/// snippet in CI logs (the rule of directory inputs, MCC0016).
pub fn read(path: &Utf8Path) -> std::io::Result<String> {
    let holder = path.parent().and_then(Utf8Path::parent).unwrap_or(path).canonicalize_utf8()?;
    let target = path.canonicalize_utf8()?;
    if !target.starts_with(&holder) {
        return Err(std::io::Error::other(format!(
            "it leads outside {holder}, to {target}, and is not read (MCC0016: commit the file itself)"
        )));
    }
    crate::load::file::read_limited(std::fs::File::open(path)?)
}

/// Parses the file's text: its settings, and every problem (a syntax error, an unknown key, a
/// value of the wrong type) with the byte range it is about.
pub fn parse(text: &str) -> (ProjectConfig, Vec<ConfigProblem>) {
    let mut config = ProjectConfig::default();
    let mut problems = Vec::new();
    let table = match DeTable::parse(text) {
        Ok(table) => table.into_inner(),
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            problems.push(invalid(span, format!("not valid TOML: {}", error.message().trim_end())));
            return (config, problems);
        }
    };
    for (key, value) in &table {
        let (name, key_span) = (key.get_ref().as_ref(), key.span());
        let span = value.span();
        let one = |problems: &mut Vec<ConfigProblem>| match value.get_ref() {
            DeValue::String(s) => Some(Setting { value: s.to_string(), span: span.clone() }),
            _ => {
                problems.push(invalid(span.clone(), format!("`{name}` must be a string")));
                None
            }
        };
        match name {
            "ocp-version" => config.ocp_version = one(&mut problems),
            "profile" => config.profile = one(&mut problems),
            "target" => config.target = one(&mut problems),
            "base-image" => config.base_image = one(&mut problems),
            "cluster" => config.cluster = one(&mut problems),
            "ignore" => config.ignore = strings(name, value.get_ref(), span.clone(), &mut problems),
            "exclude" => config.exclude = strings(name, value.get_ref(), span.clone(), &mut problems),
            _ => problems.push(ConfigProblem {
                code: &codes::CONFIG_UNKNOWN_KEY,
                span: key_span,
                message: format!("`{name}` is not a setting of {CONFIG_PATH}"),
                help: format!("the settings are {}", KEYS.join(", ")),
            }),
        }
    }
    (config, problems)
}

/// A list of strings (`ignore = ["MCC0006"]`), each with its own range.
fn strings(name: &str, value: &DeValue<'_>, span: Range<usize>, problems: &mut Vec<ConfigProblem>) -> Vec<Setting> {
    let Some(items) = value.as_array() else {
        problems.push(invalid(span, format!("`{name}` must be a list of strings")));
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item.get_ref() {
            DeValue::String(s) => Some(Setting { value: s.to_string(), span: item.span() }),
            _ => {
                problems.push(invalid(item.span(), format!("`{name}` must be a list of strings")));
                None
            }
        })
        .collect()
}

/// A value mcc cannot use: the caller reports it, and the value is left out.
pub fn invalid(span: Range<usize>, message: String) -> ConfigProblem {
    ConfigProblem {
        code: &codes::CONFIG_INVALID,
        span,
        message,
        help: format!("see the settings of {CONFIG_PATH} in docs/formats.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_read_with_its_range() {
        let text = "ocp-version = \"4.18\"\nprofile = \"fcos\"\ntarget = \"legacy\"\nbase-image = \"quay.io/x:1\"\n\
                    cluster = \"dump.yaml\"\nignore = [\"MCC0006\", \"MCC7003\"]\nexclude = [\"build/**\"]\n";
        let (config, problems) = parse(text);
        assert_eq!(problems, vec![]);
        let version = config.ocp_version.unwrap();
        assert_eq!((version.value.as_str(), &text[version.span]), ("4.18", "\"4.18\""));
        assert_eq!(config.target.unwrap().value, "legacy");
        assert_eq!(config.cluster.unwrap().value, "dump.yaml");
        let ignore: Vec<&str> = config.ignore.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(ignore, ["MCC0006", "MCC7003"]);
        assert_eq!(&text[config.ignore[1].span.clone()], "\"MCC7003\"");
        assert_eq!(config.exclude[0].value, "build/**");
    }

    #[test]
    fn an_unknown_key_is_reported_at_the_key() {
        let text = "profile = \"rhcos\"\nocp_version = \"4.18\"\n";
        let (config, problems) = parse(text);
        assert_eq!(config.profile.unwrap().value, "rhcos");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code.code, codes::CONFIG_UNKNOWN_KEY.code);
        assert_eq!(&text[problems[0].span.clone()], "ocp_version");
    }

    #[test]
    fn wrong_types_and_bad_syntax_are_invalid() {
        let (config, problems) = parse("target = 3\nignore = \"MCC0006\"\nexclude = [\"a\", 1]\n");
        assert_eq!(config.target, None);
        assert_eq!(config.exclude.len(), 1);
        assert_eq!(problems.len(), 3);
        assert!(problems.iter().all(|p| p.code.code == codes::CONFIG_INVALID.code));
        let (_, problems) = parse("profile = \n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("not valid TOML"), "{}", problems[0].message);
    }

    #[test]
    fn the_file_is_found_in_the_input_directory_then_at_the_git_root() {
        let repo = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(repo.path()).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("clusters/prod/.mcc")).unwrap();
        std::fs::create_dir_all(root.join("clusters/dev")).unwrap();
        std::fs::create_dir_all(root.join(".mcc")).unwrap();
        std::fs::write(root.join(CONFIG_PATH), "").unwrap();
        let dev = InputPath::Path(root.join("clusters/dev"));
        assert_eq!(find(std::slice::from_ref(&dev), root), Some(root.join(CONFIG_PATH)));
        std::fs::write(root.join("clusters/prod").join(CONFIG_PATH), "").unwrap();
        let prod = InputPath::Path(root.join("clusters/prod"));
        assert_eq!(find(&[prod, dev], root), Some(root.join("clusters/prod").join(CONFIG_PATH)));
        let outside = tempfile::tempdir().unwrap();
        let outside = Utf8Path::from_path(outside.path()).unwrap();
        assert_eq!(find(&[], outside), None);
    }
}
