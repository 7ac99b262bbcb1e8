//! Commands, their arguments and exit codes.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mcc_compiler::codes;
use mcc_compiler::diagnostic::Severity;
use mcc_compiler::load::InputPath;
use mcc_compiler::render::RenderOptions;

use crate::output;

/// Exit codes, documented in the README.
pub mod exit {
    /// No errors (and, with `--deny-warnings`, no warnings).
    pub const OK: u8 = 0;
    /// Errors were found (or warnings with `--deny-warnings`).
    pub const FAILED: u8 = 1;
    /// An input could not be read.
    pub const UNREADABLE: u8 = 3;
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
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
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
    /// Print the documentation of a diagnostic code, such as MCC1005.
    Explain {
        /// The code.
        code: String,
    },
}

#[derive(clap::Args)]
struct Inputs {
    /// Files, directories (searched for *.yaml, *.yml, *.json) or `-` for stdin.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<String>,
    /// The cluster's OS image, used where no MachineConfig sets osImageURL.
    #[arg(long, value_name = "URL")]
    base_image: Option<String>,
    /// The cluster's extensions image, used where no MachineConfig sets one.
    #[arg(long, value_name = "URL")]
    base_extensions_image: Option<String>,
}

impl Inputs {
    fn paths(&self) -> Vec<InputPath> {
        self.paths.iter().map(|p| InputPath::parse(p)).collect()
    }

    fn options(&self) -> RenderOptions {
        RenderOptions { base_image: self.base_image.clone(), base_extensions_image: self.base_extensions_image.clone() }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
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
        Command::Check { inputs, format, deny_warnings } => check(&inputs, format, deny_warnings),
        Command::Render { inputs, pool, format } => render(&inputs, pool.as_deref(), format),
        Command::Explain { code } => explain(&code),
    })
}

fn read_stdin() -> std::io::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

fn check(inputs: &Inputs, format: CheckFormat, deny_warnings: bool) -> u8 {
    let mut compilation = mcc_compiler::load(&inputs.paths(), &mut read_stdin);
    let rendered = mcc_compiler::render(&mut compilation, &inputs.options(), None);
    match format {
        CheckFormat::Human => output::print_human(&compilation, rendered.len(), &mut std::io::stdout()),
        CheckFormat::Json => output::print_json(&compilation),
    }
    outcome(&compilation, deny_warnings)
}

fn render(inputs: &Inputs, pool: Option<&str>, format: RenderFormat) -> u8 {
    let mut compilation = mcc_compiler::load(&inputs.paths(), &mut read_stdin);
    let rendered = mcc_compiler::render(&mut compilation, &inputs.options(), pool);
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

fn explain(code: &str) -> u8 {
    match codes::find(code) {
        Some(info) => {
            output::emit(info.doc);
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
