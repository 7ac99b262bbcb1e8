//! Commands, their arguments and exit codes.

use std::io::{Read, Write};
use std::process::ExitCode;

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};
use mcc_compiler::codes;
use mcc_compiler::diagnostic::Severity;
use mcc_compiler::load::InputPath;
use mcc_compiler::{OcpVersion, PolicyOptions, Profile, RenderOptions, Target};

use crate::{git, github, output, plan_view, sarif};

/// Exit codes, documented in the README.
pub mod exit {
    /// No errors (and, with `--deny-warnings`, no warnings).
    pub const OK: u8 = 0;
    /// Errors were found (or warnings with `--deny-warnings`).
    pub const FAILED: u8 = 1;
    /// An input could not be read.
    pub const UNREADABLE: u8 = 3;
    /// `plan --detailed-exitcode`: there are changes.
    pub const CHANGES: u8 = 2;
    /// The command line was wrong.
    pub const USAGE: u8 = 64;
}

#[derive(Parser)]
#[command(
    name = "mcc",
    version,
    about = "The MachineConfig compiler: what a MachineConfig does to image-mode nodes, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check MachineConfigs, pools and policies, and print every problem found.
    Check {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        report: ReportArgs,
        /// The day-2 view: plan from this state (`git:REF[:DIR]`, paths, an exported rendered
        /// config, or `none`) to the checked inputs; reconcilability errors are reported and each
        /// pool gets a one-line reboot summary.
        #[arg(long, num_args = 1.., value_name = "REF|PATHS")]
        against: Vec<String>,
    },
    /// Print each pool's rendered MachineConfig, merged exactly as the MCO does.
    Render {
        #[command(flatten)]
        inputs: Inputs,
        /// Render only this pool.
        #[arg(long)]
        pool: Option<String>,
        #[arg(long, value_enum, default_value_t = RenderFormat::Yaml)]
        format: RenderFormat,
    },
    /// Explain a diagnostic code (`mcc explain MCC1005`), or where an entry goes and why
    /// (`mcc explain PATHS... --entry /etc/chrony.conf`).
    Explain {
        /// A code, or with `--entry` the inputs.
        #[arg(required = true, value_name = "CODE | PATHS")]
        args: Vec<String>,
        /// The entry to explain: a path, a unit (`crio.service`), a dropin (`crio.service.d/10-x.conf`),
        /// `kargs`, `sshkey`, `extensions`, `kernelType`, `osImageURL` or `fips`.
        #[arg(long)]
        entry: Option<String>,
        /// Only this pool.
        #[arg(long)]
        pool: Option<String>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        #[command(flatten)]
        settings: Settings,
    },
    /// What a change does to each pool's nodes: rebuild, drain, reboot or rebootless actions.
    Plan {
        /// The current state: paths, `git:REF[:DIR]`, a rendered config exported from a cluster,
        /// or `none` (a first install).
        #[arg(long = "from", num_args = 1.., value_name = "OLD")]
        from: Vec<String>,
        /// The new state: paths, `git:REF[:DIR]`, or an exported rendered config.
        #[arg(long = "to", num_args = 1.., required = true, value_name = "NEW")]
        to: Vec<String>,
        /// Only this pool.
        #[arg(long)]
        pool: Option<String>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// Exit 0 without changes, 2 with changes, 1 when a plan failed.
        #[arg(long)]
        detailed_exitcode: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Compile each pool into a layer plan, a layer, a Containerfile and node-side actions.
    Compile(crate::compile_cmd::CompileArgs),
    /// Build a compiled pool's image as an OCI image layout.
    Build(crate::build_cmd::BuildArgs),
    /// Apply a pool's node-side steps to a root, atomically and resumably.
    Apply(crate::apply_cmd::ApplyArgs),
    /// Print each pool's intermediate graph: MachineConfigs, entries, rules and actions.
    Graph {
        #[command(flatten)]
        inputs: Inputs,
        /// Only this pool.
        #[arg(long)]
        pool: Option<String>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Print a shell completion script (`mcc completions bash > /etc/bash_completion.d/mcc`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages: `mcc.1` and one page a subcommand into DIR, or `mcc.1` to stdout.
    Man {
        /// The directory to write the pages into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: Option<Utf8PathBuf>,
    },
}

/// How `mcc check` reports, and what makes it fail.
#[derive(clap::Args)]
struct ReportArgs {
    /// human: reports with source snippets; short: `path:line:col: severity[CODE] message`;
    /// json: `mcc.diagnostics/v1`; sarif: SARIF 2.1.0 for code scanning; github: workflow
    /// annotations and a step summary.
    #[arg(long, value_enum, default_value_t = DiagnosticsFormat::Human)]
    format: DiagnosticsFormat,
    /// The lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    fail_level: FailLevel,
    /// Fail (exit 1) on warnings too: `--fail-level warning`.
    #[arg(long, conflicts_with = "fail_level")]
    deny_warnings: bool,
    /// Do not report this code anywhere (repeatable, or comma-separated).
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = parse_code)]
    ignore: Vec<String>,
    /// Where the code pages are published, for SARIF's helpUri and the GitHub summary's links:
    /// `{BASE}{CODE}.md`.
    #[arg(long, value_name = "BASE", default_value = HELP_URI_BASE)]
    help_uri_base: String,
}

/// The code pages in the repository's docs (a placeholder until mcc has a published home).
const HELP_URI_BASE: &str = "https://github.com/openshift/mcc/blob/main/docs/codes/";

#[derive(Clone, Copy, ValueEnum)]
enum DiagnosticsFormat {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailLevel {
    Error,
    Warning,
}

/// A diagnostic code as typed: letters then digits (`MCC1005`, `mcc1005`), upper-cased.
fn parse_code(text: &str) -> Result<String, String> {
    let text = text.trim();
    let digits = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let letters = text.len() - digits.len();
    if letters > 0 && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(format!("`{text}` is not a diagnostic code; codes look like MCC1005"))
    }
}

#[derive(clap::Args)]
pub(crate) struct Inputs {
    /// Files, directories (searched for *.yaml, *.yml, *.json) or `-` for stdin.
    #[arg(required = true, value_name = "PATHS")]
    pub(crate) paths: Vec<String>,
    #[command(flatten)]
    settings: Settings,
}

/// How to render and classify, shared by every command that reads inputs.
#[derive(clap::Args, Clone)]
struct Settings {
    /// The cluster's OS image, used where no MachineConfig sets osImageURL.
    #[arg(long, value_name = "URL")]
    base_image: Option<String>,
    /// The cluster's extensions image, used where no MachineConfig sets one.
    #[arg(long, value_name = "URL")]
    base_extensions_image: Option<String>,
    /// The base image family, which decides the filesystem layout.
    #[arg(long, default_value = "rhcos", value_parser = parse_profile)]
    profile: Profile,
    /// The OpenShift release whose default Node Disruption Policy applies (4.16 or later).
    #[arg(long, value_name = "X.Y", default_value_t = OcpVersion::default(), value_parser = parse_ocp)]
    ocp_version: OcpVersion,
    /// How nodes are updated: bootc (image mode), rpm-ostree (layered), legacy (today's MCO).
    #[arg(long, value_enum, default_value_t = TargetArg::Bootc)]
    target: TargetArg,
    /// A site policy file in mcc's policy language (repeatable), read after `.mcc/*.mcc`.
    #[arg(long = "policy", value_name = "FILE")]
    policies: Vec<Utf8PathBuf>,
    /// A file holding the cluster's `MachineConfiguration` (its Node Disruption Policy).
    #[arg(long, value_name = "FILE")]
    ndp: Option<String>,
}

impl Settings {
    fn with_paths(self, paths: Vec<String>) -> Inputs {
        Inputs { paths, settings: self }
    }
}

fn parse_profile(text: &str) -> Result<Profile, String> {
    text.parse::<Profile>().map_err(|e| e.to_string())
}

fn parse_ocp(text: &str) -> Result<OcpVersion, String> {
    OcpVersion::parse(text)
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    Bootc,
    RpmOstree,
    Legacy,
}

impl Inputs {
    fn paths(&self) -> Vec<InputPath> {
        self.paths.iter().chain(&self.settings.ndp).map(|p| InputPath::parse(p)).collect()
    }

    pub(crate) fn policy_options(&self) -> PolicyOptions {
        PolicyOptions {
            profile: self.settings.profile,
            ocp: self.settings.ocp_version,
            target: match self.settings.target {
                TargetArg::Bootc => Target::Bootc,
                TargetArg::RpmOstree => Target::RpmOstree,
                TargetArg::Legacy => Target::Legacy,
            },
            policy_files: self.settings.policies.clone(),
        }
    }

    /// Reads, renders, classifies and lints.
    pub(crate) fn analyze(&self, pool: Option<&str>) -> (mcc_compiler::Compilation, mcc_compiler::Analysis) {
        let paths = self.paths();
        let mut compilation = mcc_compiler::load(&paths, &self.policy_options().policy_files, &mut read_stdin);
        let analysis = mcc_compiler::analyze(&mut compilation, &self.options(), &self.policy_options(), pool);
        (compilation, analysis)
    }

    pub(crate) fn options(&self) -> RenderOptions {
        RenderOptions {
            base_image: self.settings.base_image.clone(),
            base_extensions_image: self.settings.base_extensions_image.clone(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderFormat {
    Yaml,
    Json,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(match cli.command {
        Command::Check { inputs, report, against } => check(&inputs, &report, &against),
        Command::Render { inputs, pool, format } => render(&inputs, pool.as_deref(), format),
        Command::Explain { args, entry: None, .. } if args.len() == 1 => explain_code(&args[0]),
        Command::Explain { entry: None, .. } => {
            eprintln!("error: give one code (`mcc explain MCC1005`), or paths with `--entry`");
            exit::USAGE
        }
        Command::Explain { args, entry: Some(entry), pool, format, settings } => {
            let inputs = settings.with_paths(args);
            explain_entry(&inputs, &entry, pool.as_deref(), format)
        }
        Command::Graph { inputs, pool, format } => graph(&inputs, pool.as_deref(), format),
        Command::Compile(args) => crate::compile_cmd::run(&args),
        Command::Build(args) => crate::build_cmd::run(&args),
        Command::Apply(args) => crate::apply_cmd::run(&args),
        Command::Completions { shell } => completions(shell),
        Command::Man { out } => man(out.as_deref()),
        Command::Plan { from, to, pool, format, detailed_exitcode, settings } => {
            plan(&from, &to, pool.as_deref(), format, detailed_exitcode, settings)
        }
    })
}

pub(crate) fn read_stdin() -> std::io::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

fn check(inputs: &Inputs, args: &ReportArgs, against: &[String]) -> u8 {
    let (mut compilation, analysis) = inputs.analyze(None);
    let mut pool_lines = Vec::new();
    if !against.is_empty() {
        let old_paths = match side_paths(against, &inputs.paths) {
            Ok(paths) => paths,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::UNREADABLE;
            }
        };
        let old = old_paths.map(|paths| analyze_side(paths, &inputs.settings, None));
        let old_side = old.as_ref().map(|(c, a)| mcc_compiler::Side { compilation: c, analysis: a });
        let new_side = mcc_compiler::Side { compilation: &compilation, analysis: &analysis };
        let day2 = mcc_compiler::against(old_side.as_ref(), &new_side, &inputs.policy_options());
        pool_lines = day2.pools.into_iter().map(|p| p.line).collect();
        compilation.diagnostics.extend(day2.diagnostics);
        mcc_compiler::diagnostic::sort_diagnostics(&mut compilation.diagnostics, &compilation.sources);
    }
    let diagnostics = std::mem::take(&mut compilation.diagnostics);
    let filtered = mcc_compiler::suppress(&compilation, &args.ignore, diagnostics);
    compilation.diagnostics = filtered.kept;
    let report = output::CheckReport {
        compilation: &compilation,
        analysis: &analysis,
        suppressed: filtered.suppressed.len(),
        ignored: filtered.ignored.len(),
        inputs: &inputs.paths,
        help_uri_base: &args.help_uri_base,
    };
    let mut stdout = std::io::stdout().lock();
    let mut summary_failed = false;
    match args.format {
        DiagnosticsFormat::Human => output::print_human(&report, &mut stdout),
        DiagnosticsFormat::Short => output::print_short(&report, &mut stdout),
        DiagnosticsFormat::Json => output::print_json(&report),
        DiagnosticsFormat::Sarif => sarif::print(&report),
        DiagnosticsFormat::Github => {
            github::print(&report, &mut stdout);
            if let Err(error) = github::write_step_summary(&report) {
                eprintln!("error: cannot append to $GITHUB_STEP_SUMMARY: {error}");
                summary_failed = true;
            }
        }
    }
    // The day-2 summary: on stdout beside a human report, else on stderr (stdout is a document).
    for line in &pool_lines {
        match args.format {
            DiagnosticsFormat::Human | DiagnosticsFormat::Short => {
                let _ = writeln!(stdout, "{line}");
            }
            _ => eprintln!("{line}"),
        }
    }
    let deny_warnings = args.deny_warnings || args.fail_level == FailLevel::Warning;
    match outcome(&compilation, deny_warnings) {
        exit::OK if summary_failed => exit::UNREADABLE,
        code => code,
    }
}

fn completions(shell: clap_complete::Shell) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "mcc", &mut std::io::stdout().lock());
    exit::OK
}

/// `mcc.1` and `mcc-SUBCOMMAND.1` into `out`, or `mcc.1` to stdout.
fn man(out: Option<&camino::Utf8Path>) -> u8 {
    let command = <Cli as clap::CommandFactory>::command();
    let written = match out {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(command, dir)),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page).map(|()| output::emit(&String::from_utf8_lossy(&page)))
        }
    };
    match written {
        Ok(()) => exit::OK,
        Err(error) => {
            eprintln!("error: cannot write the man pages: {error}");
            exit::UNREADABLE
        }
    }
}

fn render(inputs: &Inputs, pool: Option<&str>, format: RenderFormat) -> u8 {
    // The whole analysis runs, so `render` reports (and exits) exactly as `check` would.
    let (compilation, analysis) = inputs.analyze(pool);
    let rendered = analysis.rendered;
    output::print_diagnostics(&compilation, &mut std::io::stderr());
    if let Some(name) = pool
        && !rendered.iter().any(|p| p.pool.name() == name)
        && compilation.count(Severity::Error) == 0
    {
        eprintln!("error: no pool named `{name}` selects any of the inputs");
        return exit::USAGE;
    }
    let list = output::rendered_list(&compilation, &rendered);
    let text = match format {
        RenderFormat::Yaml => output::to_yaml(&list),
        RenderFormat::Json => serde_json::to_string_pretty(&list).unwrap_or_default() + "\n",
    };
    output::emit(&text);
    outcome(&compilation, false)
}

fn explain_code(code: &str) -> u8 {
    if let Some(info) = codes::find(code) {
        output::emit(info.doc);
        return exit::OK;
    }
    // Not one of mcc's own codes: perhaps a lint of the stdlib (MCC6xxx).
    match mcc_compiler::lint_page(code) {
        Some(page) => {
            output::emit(&page);
            exit::OK
        }
        None => {
            eprintln!("error: `{code}` is not an mcc diagnostic code; codes look like MCC1005");
            exit::USAGE
        }
    }
}

fn outcome(compilation: &mcc_compiler::Compilation, deny_warnings: bool) -> u8 {
    if compilation.unreadable_input {
        exit::UNREADABLE
    } else if compilation.count(Severity::Error) > 0 || deny_warnings && compilation.count(Severity::Warning) > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

fn graph(inputs: &Inputs, pool: Option<&str>, format: GraphFormat) -> u8 {
    let (compilation, analysis) = inputs.analyze(pool);
    output::print_diagnostics(&compilation, &mut std::io::stderr());
    let text = match format {
        GraphFormat::Dot => analysis.graphs.iter().map(|g| g.to_dot(&compilation.sources)).collect::<String>(),
        GraphFormat::Json => {
            let graphs: Vec<_> = analysis.graphs.iter().map(|g| g.to_json(&compilation.sources)).collect();
            serde_json::to_string_pretty(&serde_json::json!({"schema": "mcc.graph/v1", "graphs": graphs}))
                .unwrap_or_default()
                + "\n"
        }
    };
    output::emit(&text);
    outcome(&compilation, false)
}

fn explain_entry(inputs: &Inputs, entry: &str, pool: Option<&str>, format: CheckFormat) -> u8 {
    let (compilation, analysis) = inputs.analyze(pool);
    let explanations = output::explanations(&compilation, &analysis, entry);
    if explanations.is_empty() {
        output::print_diagnostics(&compilation, &mut std::io::stderr());
        eprintln!("error: no rendered pool has an entry `{entry}`");
        return exit::FAILED;
    }
    match format {
        CheckFormat::Human => output::emit(&output::explanations_text(&explanations)),
        CheckFormat::Json => output::emit(
            &(serde_json::to_string_pretty(&serde_json::json!({"schema": "mcc.explain/v1", "entries": explanations}))
                .unwrap_or_default()
                + "\n"),
        ),
    }
    if compilation.unreadable_input { exit::UNREADABLE } else { exit::OK }
}

/// Reads one side of a plan: `none`, `git:REF[:DIR]` (the other side's paths at REF), or paths.
pub(crate) fn side_paths(args: &[String], other: &[String]) -> Result<Option<Vec<InputPath>>, String> {
    if args.is_empty() || args == ["none"] {
        return Ok(None);
    }
    let mut paths = Vec::new();
    for arg in args {
        match git::GitSpec::parse(arg) {
            Some(spec) => paths.extend(git::read(&spec, other)?),
            None => paths.push(InputPath::parse(arg)),
        }
    }
    Ok(Some(paths))
}

fn analyze_side(
    paths: Vec<InputPath>,
    settings: &Settings,
    pool: Option<&str>,
) -> (mcc_compiler::Compilation, mcc_compiler::Analysis) {
    let inputs = Inputs { paths: Vec::new(), settings: settings.clone() };
    let mut compilation = mcc_compiler::load(&paths, &inputs.policy_options().policy_files, &mut read_stdin);
    let analysis = mcc_compiler::analyze(&mut compilation, &inputs.options(), &inputs.policy_options(), pool);
    (compilation, analysis)
}

fn plan(
    from: &[String],
    to: &[String],
    pool: Option<&str>,
    format: CheckFormat,
    detailed: bool,
    settings: Settings,
) -> u8 {
    let (old_paths, new_paths) = match (side_paths(from, to), side_paths(to, from)) {
        (Ok(old), Ok(Some(new))) => (old, new),
        (Ok(_), Ok(None)) => {
            eprintln!("error: `--to` needs the new state; `none` is only for `--from`");
            return exit::USAGE;
        }
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("error: {error}");
            return exit::UNREADABLE;
        }
    };
    let options = Inputs { paths: Vec::new(), settings: settings.clone() }.policy_options();
    let old = old_paths.map(|paths| analyze_side(paths, &settings, pool));
    let (new_compilation, new_analysis) = analyze_side(new_paths, &settings, pool);
    if let Some((old_compilation, _)) = &old
        && old_compilation.count(Severity::Error) > 0
    {
        eprintln!("in the --from state:");
        output::print_diagnostics(old_compilation, &mut std::io::stderr());
    }
    output::print_diagnostics(&new_compilation, &mut std::io::stderr());
    let old_side = old.as_ref().map(|(c, a)| mcc_compiler::Side { compilation: c, analysis: a });
    let new_side = mcc_compiler::Side { compilation: &new_compilation, analysis: &new_analysis };
    let plans = mcc_compiler::plan(old_side.as_ref(), &new_side, &options, pool);
    let header = format!(
        "mcc plan: {} -> {} (target {}, profile {}, OpenShift {})",
        if from.is_empty() { "none".to_string() } else { from.join(" ") },
        to.join(" "),
        options.target.name(),
        options.profile,
        options.ocp
    );
    match format {
        CheckFormat::Human => output::emit(&plan_view::human(&plans, options.target, &header)),
        CheckFormat::Json => output::emit(
            &(serde_json::to_string_pretty(&plan_view::json(&plans, options.target)).unwrap_or_default() + "\n"),
        ),
    }
    let unreadable = new_compilation.unreadable_input || old.as_ref().is_some_and(|(c, _)| c.unreadable_input);
    let failed = plans.iter().any(|p| !p.reconcilable) || new_compilation.count(Severity::Error) > 0;
    let changed = plans.iter().any(|p| !p.changes.is_empty());
    if unreadable {
        exit::UNREADABLE
    } else if failed {
        exit::FAILED
    } else if detailed && changed {
        exit::CHANGES
    } else {
        exit::OK
    }
}
