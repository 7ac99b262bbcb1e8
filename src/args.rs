//! The command line as clap reads it: every command, its arguments and their help.
//!
//! Only definitions live here; each command's behaviour is in `commands/`.

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};
use mcc_compiler::{OcpVersion, Profile, RelocationMode};

#[derive(Parser)]
#[command(
    name = "mcc",
    version,
    about = "The MachineConfig compiler: what a MachineConfig does to image-mode nodes, offline"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print each stage's time and the peak memory on stderr (as `MCC_TIMINGS=1` does); stdout
    /// is unchanged.
    #[arg(long, global = true)]
    pub timings: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check MachineConfigs, pools and policies, and print every problem found.
    Check(CheckArgs),
    /// Print each pool's rendered MachineConfig, merged exactly as the MCO does.
    Render(RenderArgs),
    /// Explain a diagnostic code (`mcc explain MCC1005`), or where an entry goes and why
    /// (`mcc explain PATHS... --entry /etc/chrony.conf`).
    Explain(ExplainArgs),
    /// What a change does to each pool's nodes: rebuild, drain, reboot or rebootless actions.
    Plan(PlanArgs),
    /// Compile each pool into a layer plan, a layer, a Containerfile and node-side actions.
    Compile(CompileArgs),
    /// Build a compiled pool's image as an OCI image layout, and push it to a registry.
    Build(BuildArgs),
    /// Apply a pool's node-side steps to a root, atomically and resumably.
    Apply(ApplyArgs),
    /// Print each pool's intermediate graph: MachineConfigs, entries, rules and actions.
    Graph(GraphArgs),
    /// Print a shell completion script (`mcc completions bash > /etc/bash_completion.d/mcc`).
    Completions(CompletionsArgs),
    /// Write man pages: `mcc.1` and one page a subcommand into DIR, or `mcc.1` to stdout.
    Man(ManArgs),
}

// The arguments of each command. Their help comes from the variants above, so these structs
// carry no doc comments of their own (clap would take them as the command's about).

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// The day-2 view: plan from this state (`git:REF[:DIR]`, paths, an exported rendered
    /// config, or `none`) to the checked inputs; reconcilability errors are reported and each
    /// pool gets a one-line reboot summary.
    #[arg(long, num_args = 1.., value_name = "REF|PATHS")]
    pub against: Vec<String>,
    /// Which /etc files the layout's relocate rules bake into /usr instead: none (as the MCO
    /// writes them today), mco (what the MCO's own generated MachineConfigs write) or all.
    #[arg(long, value_name = "none|mco|all", default_value = "none", value_parser = parse_relocation)]
    pub relocate: RelocationMode,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Render only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    #[arg(long, value_enum, default_value_t = RenderFormat::Yaml)]
    pub format: RenderFormat,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A code, or with `--entry` the inputs.
    #[arg(required_unless_present = "list", value_name = "CODE | PATHS")]
    pub args: Vec<String>,
    /// Print every diagnostic code (mcc's and the stdlib's lints) with its severity and one-line
    /// summary.
    #[arg(long, conflicts_with_all = ["args", "entry"])]
    pub list: bool,
    /// The entry to explain: a path, a unit (`crio.service`), a dropin (`crio.service.d/10-x.conf`),
    /// `kargs`, `sshkey`, `extensions`, `kernelType`, `osImageURL` or `fips`.
    #[arg(long)]
    pub entry: Option<String>,
    /// Only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Which /etc files the layout's relocate rules bake into /usr instead: none (as the MCO
    /// writes them today), mco (what the MCO's own generated MachineConfigs write) or all.
    #[arg(long, value_name = "none|mco|all", default_value = "none", value_parser = parse_relocation)]
    pub relocate: RelocationMode,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// The current state: paths, `git:REF[:DIR]`, a rendered config exported from a cluster,
    /// `cluster` (what `--cluster DUMP` runs now), or `none` (a first install).
    #[arg(long = "from", num_args = 1.., value_name = "OLD")]
    pub from: Vec<String>,
    /// The new state: paths, `git:REF[:DIR]`, or an exported rendered config.
    #[arg(long = "to", num_args = 1.., required = true, value_name = "NEW")]
    pub to: Vec<String>,
    /// Only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// human: a table for people; json: `mcc.plan/v2`; markdown: a summary and collapsed
    /// details, for a pull request comment or `$GITHUB_STEP_SUMMARY`.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 0 without changes, 2 with changes, 1 when a plan failed.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// With `--from cluster`: remove the cluster's own MachineConfigs that the new state does not
    /// hold (a GitOps sync with pruning), instead of keeping them.
    #[arg(long)]
    pub prune: bool,
    /// Which /etc files the layout's relocate rules bake into /usr instead: none (as the MCO
    /// writes them today), mco (what the MCO's own generated MachineConfigs write) or all.
    #[arg(long, value_name = "none|mco|all", default_value = "none", value_parser = parse_relocation)]
    pub relocate: RelocationMode,
    /// Show each changed file's contents: a unified diff for text, sizes and digests for binary
    /// (in JSON, each file's `diff`).
    #[arg(long)]
    pub diff: bool,
    /// Print the plan and a count of the inputs' diagnostics, not the diagnostics themselves.
    #[arg(long, short = 'q', conflicts_with = "diagnostics")]
    pub quiet: bool,
    /// Print every diagnostic of the inputs (and analyse the old side whole), not only the
    /// errors and a count of the rest by code.
    #[arg(long)]
    pub diagnostics: bool,
    /// For each changed file that reboots only because no Node Disruption Policy rule matches
    /// it, propose the rule that makes it rebootless (well-known files only), as a patch for
    /// `oc patch machineconfiguration cluster --type merge`.
    #[arg(long)]
    pub suggest: bool,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(clap::Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Which /etc files the layout's relocate rules bake into /usr instead: none (as the MCO
    /// writes them today), mco (what the MCO's own generated MachineConfigs write) or all.
    #[arg(long, value_name = "none|mco|all", default_value = "none", value_parser = parse_relocation)]
    pub relocate: RelocationMode,
}

#[derive(clap::Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<Utf8PathBuf>,
}

/// How `mcc check` reports, and what makes it fail.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// human: reports with source snippets; short: `path:line:col: severity[CODE] message`;
    /// json: `mcc.diagnostics/v1`; sarif: SARIF 2.1.0 for code scanning; github: workflow
    /// annotations and a step summary; markdown: a summary and collapsed details, for a pull
    /// request comment or `$GITHUB_STEP_SUMMARY`.
    #[arg(long, value_enum, default_value_t = DiagnosticsFormat::Human)]
    pub format: DiagnosticsFormat,
    /// The lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    pub fail_level: FailLevel,
    /// Fail (exit 1) on warnings too: `--fail-level warning`.
    #[arg(long, conflicts_with = "fail_level")]
    pub deny_warnings: bool,
    /// Do not report this code anywhere (repeatable, or comma-separated).
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = parse_code)]
    pub ignore: Vec<String>,
    /// Where the code pages are published, for SARIF's helpUri and the GitHub summary's links:
    /// `{BASE}{CODE}.md`.
    #[arg(long, value_name = "BASE", default_value = HELP_URI_BASE)]
    pub help_uri_base: String,
}

/// The code pages in the repository's docs (a placeholder until mcc has a published home).
const HELP_URI_BASE: &str = "https://github.com/openshift/mcc/blob/main/docs/codes/";

#[derive(Clone, Copy, ValueEnum)]
pub enum DiagnosticsFormat {
    Human,
    Short,
    Json,
    Sarif,
    Github,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
}

/// A diagnostic code as typed: letters then digits (`MCC1005`, `mcc1005`), upper-cased.
pub fn parse_code(text: &str) -> Result<String, String> {
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
pub struct Inputs {
    /// Files, directories (searched for *.yaml, *.yml, *.json) or `-` for stdin.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub settings: Settings,
}

/// How to render and classify, shared by every command that reads inputs.
#[derive(clap::Args, Clone)]
pub struct Settings {
    /// The cluster's OS image, used where no MachineConfig sets osImageURL.
    #[arg(long, value_name = "URL")]
    pub base_image: Option<String>,
    /// The cluster's extensions image, used where no MachineConfig sets one.
    #[arg(long, value_name = "URL")]
    pub base_extensions_image: Option<String>,
    /// The base image family, which decides the filesystem layout [default: rhcos, or
    /// `.mcc/config.toml`'s `profile`].
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// The OpenShift release whose default Node Disruption Policy applies (4.16 or later)
    /// [default: the newest, or `.mcc/config.toml`'s `ocp-version`].
    #[arg(long, value_name = "X.Y", value_parser = parse_ocp)]
    pub ocp_version: Option<OcpVersion>,
    /// How nodes are updated: bootc (image mode), rpm-ostree (layered), legacy (today's MCO)
    /// [default: bootc, or `.mcc/config.toml`'s `target`].
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// A site policy file in mcc's policy language (repeatable), read after `.mcc/*.mcc`.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<Utf8PathBuf>,
    /// A file holding the cluster's `MachineConfiguration` (its Node Disruption Policy).
    #[arg(long, value_name = "FILE")]
    pub ndp: Option<String>,
    /// A cluster dump (`oc get machineconfigs,machineconfigpools,controllerconfigs,machineconfigurations
    /// -o yaml`, or a must-gather directory): its MCO-generated MachineConfigs, pools with their
    /// status, ControllerConfig and MachineConfiguration join the inputs.
    #[arg(long, value_name = "DUMP")]
    pub cluster: Option<Utf8PathBuf>,
    /// Leaves out the entries of directory inputs (and `git:` sides) that match (repeatable): a
    /// glob without `/` matches names at any depth (`*.json`), one with `/` paths below the
    /// directory (`build/**`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Set by the commands that take `--relocate` (check, graph, compile, plan, explain).
    #[arg(skip)]
    pub relocate: RelocationMode,
    /// The `.mcc/config.toml` read for these settings, whose problems the run reports.
    #[arg(skip)]
    pub config: Option<std::sync::Arc<crate::config::LoadedConfig>>,
    /// These settings as the command line gave them, when `.mcc/config.toml` filled them in: a
    /// `git:` side fills them from its own revision's file instead.
    #[arg(skip)]
    pub given: Option<std::sync::Arc<Settings>>,
}

impl Settings {
    /// These settings with `--relocate MODE`.
    pub fn relocating(&self, mode: RelocationMode) -> Settings {
        Settings { relocate: mode, ..self.clone() }
    }

    /// These settings as the command line gave them, without `.mcc/config.toml`'s values.
    pub fn as_given(&self) -> Settings {
        match &self.given {
            Some(given) => Settings { relocate: self.relocate, ..(**given).clone() },
            None => Settings { config: None, ..self.clone() },
        }
    }
}

fn parse_relocation(text: &str) -> Result<RelocationMode, String> {
    text.parse::<RelocationMode>()
}

fn parse_profile(text: &str) -> Result<Profile, String> {
    text.parse::<Profile>().map_err(|e| e.to_string())
}

pub fn parse_ocp(text: &str) -> Result<OcpVersion, String> {
    OcpVersion::parse(text)
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TargetArg {
    Bootc,
    RpmOstree,
    Legacy,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RenderFormat {
    Yaml,
    Json,
}

#[derive(clap::Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Where to write: one directory per pool, `DIR/<pool>/`.
    #[arg(long, value_name = "DIR")]
    pub out: Utf8PathBuf,
    /// Compile only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// Where small /var files, directories and links go: written on the node, or shipped in the
    /// image as /usr/lib/tmpfiles.d lines.
    #[arg(long, value_enum, default_value_t = VarStrategyArg::Node)]
    pub var_strategy: VarStrategyArg,
    /// The current state (paths, `git:REF[:DIR]`, or an exported rendered config): node-side
    /// steps then remove what it wrote and the new state does not, and its plan gives the actions.
    #[arg(long = "from", num_args = 1.., value_name = "OLD")]
    pub from: Vec<String>,
    /// Leave out the Containerfile's last step (`bootc container lint` or `ostree container commit`).
    #[arg(long)]
    pub no_lint: bool,
    /// The pool's pushed image, by digest (`HOST/REPO@sha256:…`), or `@FILE` to read it from the
    /// `image.json` that `mcc build --push` wrote: the node actions then switch the node to it
    /// (bootc switch, rpm-ostree rebase) before the reboot. Needs --pool.
    #[arg(long, value_name = "REF|@FILE", requires = "pool")]
    pub image: Option<String>,
    /// Which /etc files the layout's relocate rules bake into /usr instead: none (as the MCO
    /// writes them today), mco (what the MCO's own generated MachineConfigs write) or all.
    #[arg(long, value_name = "none|mco|all", default_value = "none", value_parser = parse_relocation)]
    pub relocate: RelocationMode,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VarStrategyArg {
    Node,
    Tmpfiles,
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// A pool's directory written by `mcc compile` (`DIR/<pool>`).
    #[arg(value_name = "DIR")]
    pub dir: Utf8PathBuf,
    /// Where to write the image: an OCI image layout `oci:PATH[:TAG]` (TAG defaults to latest), or
    /// a registry `docker://HOST/REPO:TAG` (built in a temporary layout, then pushed).
    #[arg(long, value_name = "oci:PATH[:TAG]|docker://HOST/REPO:TAG", required_unless_present = "push")]
    pub out: Option<String>,
    /// Push the image to a registry (with `skopeo copy`); the pushed digest reference
    /// `HOST/REPO@sha256:…` is printed and written to DIR/image.json.
    #[arg(long, value_name = "docker://HOST/REPO:TAG")]
    pub push: Option<String>,
    /// The base image, an OCI image layout (`oci:PATH[:TAG]`): its layers, config and history
    /// come first. Without it, the image has the layer alone.
    #[arg(long, value_name = "oci:PATH[:TAG]")]
    pub base: Option<String>,
    /// The image's platform, written into its configuration and checked against --base's
    /// (default: linux on this machine's architecture).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Require HTTPS and verified certificates from the registry; `--tls-verify=false` for a test
    /// registry over plain HTTP.
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// The containers auth file with the registry's credentials (default: REGISTRY_AUTH_FILE,
    /// then ${XDG_RUNTIME_DIR}/containers/auth.json, then ~/.docker/config.json).
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<Utf8PathBuf>,
    /// Give up a push that has not finished after this many seconds (a registry that stops
    /// answering must not hang a CI job).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub push_timeout: u64,
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// A pool's directory written by `mcc compile` (`DIR/<pool>`): its node-actions.json and blobs/.
    #[arg(value_name = "DIR")]
    pub dir: Utf8PathBuf,
    /// The root to apply to: `/` on a node, or a directory (an unpacked image, a test root).
    /// Nothing is ever written outside it; the journal is kept in ROOT/var/lib/mcc.
    #[arg(long, value_name = "ROOT")]
    pub root: Utf8PathBuf,
    /// List what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run the post-change actions (systemctl daemon-reload, reload, restart, reboot, and enable
    /// and disable as the MCD runs them; rpm-ostree on the rpm-ostree and legacy targets);
    /// without it they are printed. With --dry-run, lists what would be run.
    #[arg(long)]
    pub run_actions: bool,
    /// Undo the last apply of DIR to ROOT: put back every path it changed as it was (contents,
    /// mode, owner, or absence), from the journal in ROOT/var/lib/mcc; with --run-actions, when
    /// that apply switched the node's image, `bootc rollback` (or `rpm-ostree rollback`) and a reboot.
    #[arg(long)]
    pub rollback: bool,
}
