//! The vocabulary every stage after the graph shares: what was read ([`Compilation`]), what
//! the analysis made of it ([`Analysis`]), and the options of the policy stages
//! ([`PolicyOptions`]). The driver fills them in stage order; later stages only read them.

use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::PoolGraph;
use crate::load::site::PolicyText;
use crate::model::Inputs;
use crate::model::cluster::ClusterState;
use crate::model::pool::MachineConfigPool;
use crate::policy::ndp::SitePolicy;
use crate::policy::placement::{RelocationMode, Target};
use crate::policy::stdlib::{OcpVersion, Policies, Profile};
use crate::render::RenderedPool;
use crate::source::Sources;

/// Everything read from the inputs: their text, the objects understood, and every diagnostic.
#[derive(Debug, Default)]
pub struct Compilation {
    pub sources: Sources,
    pub inputs: Inputs,
    pub diagnostics: Vec<Diagnostic>,
    /// True when some input path could not be read at all (a distinct exit code for the CLI).
    pub unreadable_input: bool,
    /// How many input files were read (the stdlib and other built-in sources come after them).
    pub input_files: usize,
    /// The site policy files read beside the inputs and given with `--policy`, in the order
    /// they apply; the policy stage parses them.
    pub(crate) site_policies: Vec<PolicyText>,
    /// With `--cluster`: the dump's objects as the cluster holds them, and its rendered configs.
    pub cluster: Option<ClusterState>,
    /// How long each stage took, in stage order, for `MCC_TIMINGS=1`.
    pub timings: Vec<StageTime>,
}

/// One stage's wall time. Memory is the host's to measure: the library reads no files after load.
#[derive(Debug, Clone)]
pub struct StageTime {
    pub stage: &'static str,
    pub elapsed: std::time::Duration,
}

impl StageTime {
    pub fn since(stage: &'static str, start: std::time::Instant) -> Self {
        StageTime { stage, elapsed: start.elapsed() }
    }
}

impl Compilation {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity() == severity).count()
    }
}

/// What the policy stages need beyond rendering.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    pub profile: Profile,
    pub ocp: OcpVersion,
    pub target: Target,
    /// Which `/etc` files the layout's `relocate` rules move into `/usr` (`--relocate`).
    pub relocate: RelocationMode,
    /// Site policy files given with `--policy`, read after those found in `.mcc/`.
    pub policy_files: Vec<camino::Utf8PathBuf>,
}

/// Every pool rendered, classified into its graph, and linted.
#[derive(Debug)]
pub struct Analysis {
    /// Every pool of the run (the stock ones, then the inputs' custom ones), rendered or not.
    pub pools: Vec<MachineConfigPool>,
    pub rendered: Vec<RenderedPool>,
    pub policies: Policies,
    pub site: SitePolicy,
    pub graphs: Vec<PoolGraph>,
}
