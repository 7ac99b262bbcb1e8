//! `.mcc/config.toml` under the flags: each setting the command line leaves out is taken from
//! the file, so check, plan and compile agree; a flag given wins. Lists (`ignore`, `exclude`)
//! are the file's, then the flags'. The file's problems become diagnostics of the run.

use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};
use mcc_compiler::diagnostic::{self, Diagnostic};
use mcc_compiler::load::config::{self as project, ConfigProblem, Setting};
use mcc_compiler::load::{ConfigFile, InputPath};
use mcc_compiler::source::Span;
use mcc_compiler::{Compilation, Profile};

use crate::args::{Command, Settings, TargetArg, parse_code, parse_ocp};
use crate::error::CliError;

/// The file that was read, and what was wrong in it.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: Utf8PathBuf,
    pub text: String,
    pub problems: Vec<ConfigProblem>,
}

impl LoadedConfig {
    /// Adds the file to the run's sources and its problems to the diagnostics.
    pub fn report_into(&self, compilation: &mut Compilation) {
        if self.problems.is_empty() {
            return;
        }
        let source = compilation.sources.add(self.path.clone(), &self.text);
        for problem in &self.problems {
            let span = Span { source, start: offset(problem.span.start), end: offset(problem.span.end) };
            compilation
                .diagnostics
                .push(Diagnostic::new(problem.code, span, problem.message.clone()).with_help(problem.help.clone()));
        }
        diagnostic::sort_diagnostics(&mut compilation.diagnostics, &compilation.sources);
    }
}

/// A byte offset as a span holds it (the file is under mcc's 64 MiB input limit).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// Fills the command's unset settings from the config file that applies to its inputs.
pub fn apply(command: &mut Command) -> Result<(), CliError> {
    let (settings, paths, ignore) = match command {
        Command::Check(args) => (&mut args.inputs.settings, args.inputs.paths.clone(), Some(&mut args.report.ignore)),
        Command::Render(args) => (&mut args.inputs.settings, args.inputs.paths.clone(), None),
        Command::Graph(args) => (&mut args.inputs.settings, args.inputs.paths.clone(), None),
        Command::Compile(args) => (&mut args.inputs.settings, args.inputs.paths.clone(), None),
        Command::Plan(args) => (&mut args.settings, args.to.clone(), None),
        Command::Explain(args) if args.entry.is_some() => (&mut args.settings, args.args.clone(), None),
        _ => return Ok(()),
    };
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| Utf8PathBuf::from_path_buf(d).ok())
        .unwrap_or_else(|| Utf8PathBuf::from("."));
    let inputs: Vec<InputPath> = paths.iter().map(|p| InputPath::parse(p)).collect();
    let Some(path) = project::find(&inputs, &cwd) else { return Ok(()) };
    let text = project::read(&path).map_err(|e| CliError::Unreadable(format!("cannot read {path}: {e}")))?;
    // `.mcc/config.toml`'s paths are the repository's: relative to the directory holding `.mcc/`.
    let repository = path.parent().and_then(Utf8Path::parent).map(Utf8Path::to_path_buf).unwrap_or_default();
    let shown = path.strip_prefix(&cwd).map(Utf8Path::to_path_buf).unwrap_or(path);
    let (config, mut problems) = project::parse(&text);
    settings.given = Some(Arc::new(settings.clone()));
    fill(settings, &config, &repository, &mut problems);
    if let Some(ignore) = ignore {
        let mut codes = Vec::new();
        for code in &config.ignore {
            match parse_code(&code.value) {
                Ok(code) if !ignore.contains(&code) => codes.push(code),
                Ok(_) => {}
                Err(message) => problems.push(project::invalid(code.span.clone(), message)),
            }
        }
        ignore.splice(0..0, codes);
    }
    settings.config = Some(Arc::new(LoadedConfig { path: shown, text, problems }));
    Ok(())
}

/// The settings of a `git:` side: the flags, filled from the `.mcc/config.toml` of its revision
/// (`file`, found by the rule that finds it on disk) or, when that revision holds none, the
/// flags alone. The file's problems are that side's to report.
pub fn for_revision(settings: &Settings, file: Option<&ConfigFile>) -> Settings {
    let mut side = settings.as_given();
    if let Some(file) = file {
        let (config, mut problems) = project::parse(&file.text);
        fill(&mut side, &config, &file.repository, &mut problems);
        side.config = Some(Arc::new(LoadedConfig { path: file.name.clone(), text: file.text.clone(), problems }));
    }
    side
}

/// The file's values for the settings no flag gave; a value the flag would refuse is a problem.
fn fill(
    settings: &mut Settings,
    config: &project::ProjectConfig,
    repository: &Utf8Path,
    problems: &mut Vec<ConfigProblem>,
) {
    fn take<T>(
        slot: &mut Option<T>,
        setting: Option<&Setting>,
        parse: impl Fn(&str) -> Result<T, String>,
        problems: &mut Vec<ConfigProblem>,
    ) {
        let Some(setting) = setting else { return };
        match parse(&setting.value) {
            // Parsed even when a flag wins, so a bad value is reported whatever the command line.
            Ok(value) if slot.is_none() => *slot = Some(value),
            Ok(_) => {}
            Err(message) => problems.push(project::invalid(setting.span.clone(), message)),
        }
    }
    take(&mut settings.profile, config.profile.as_ref(), |v| v.parse::<Profile>().map_err(|e| e.to_string()), problems);
    take(&mut settings.ocp_version, config.ocp_version.as_ref(), parse_ocp, problems);
    take(&mut settings.target, config.target.as_ref(), parse_target, problems);
    take(&mut settings.base_image, config.base_image.as_ref(), |v| Ok(v.to_string()), problems);
    take(&mut settings.cluster, config.cluster.as_ref(), |v| Ok(repository.join(v)), problems);
    let mut exclude: Vec<String> = config.exclude.iter().map(|s| s.value.clone()).collect();
    exclude.append(&mut settings.exclude);
    settings.exclude = exclude;
}

fn parse_target(text: &str) -> Result<TargetArg, String> {
    <TargetArg as clap::ValueEnum>::from_str(text, false)
        .map_err(|_| format!("`{text}` is not a target: bootc, rpm-ostree or legacy"))
}
