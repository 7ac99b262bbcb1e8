//! Helpers for the compiler's unit tests: inputs from YAML text, rendered without files.

use crate::diagnostic::Diagnostic;
use crate::load::yaml;
use crate::model::{self, Inputs};
use crate::render::{self, RenderOptions, RenderedPool};
use crate::source::Sources;

pub struct Loaded {
    pub sources: Sources,
    pub inputs: Inputs,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads YAML documents as if each string were one input file.
pub fn load(files: &[&str]) -> Loaded {
    let mut loaded = Loaded { sources: Sources::default(), inputs: Inputs::default(), diagnostics: Vec::new() };
    for (i, text) in files.iter().enumerate() {
        let id = loaded.sources.add(format!("input-{i}.yaml"), text);
        let documents = yaml::parse_documents(id, text, &mut loaded.diagnostics);
        model::read_objects(&documents, &loaded.sources, &mut loaded.inputs, &mut loaded.diagnostics);
    }
    crate::driver::settle(&mut loaded.inputs, &mut loaded.diagnostics);
    loaded
}

impl Loaded {
    pub fn render(&mut self, options: &RenderOptions) -> Vec<RenderedPool> {
        let pools = render::pools(&self.inputs, &mut self.sources, &mut self.diagnostics);
        render::render(&self.inputs, &pools, options, &mut self.diagnostics)
    }

    pub fn pool(&mut self, name: &str) -> RenderedPool {
        let rendered = self.render(&RenderOptions::default());
        rendered
            .into_iter()
            .find(|p| p.pool.name() == name)
            .unwrap_or_else(|| panic!("pool {name} not rendered: {:#?}", self.diagnostics))
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.code.code).collect()
    }

    /// Names of the MachineConfigs of a rendered pool, in merge order.
    pub fn merge_order(&self, pool: &RenderedPool) -> Vec<String> {
        pool.machine_configs.iter().map(|&i| self.inputs.machine_configs[i].name().to_string()).collect()
    }
}

/// A MachineConfig document: `name`, `role` (or none), and the YAML of its `spec`, indented by
/// the caller as a block under `spec:`.
pub fn mc(name: &str, role: Option<&str>, spec: &str) -> String {
    let labels = match role {
        Some(role) => format!("  labels:\n    machineconfiguration.openshift.io/role: {role}\n"),
        None => String::new(),
    };
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n{labels}spec:\n{spec}\n"
    )
}

/// A `Compilation` of these inputs (one YAML text each), as `load` would have made it.
pub fn compilation(files: &[&str]) -> crate::session::Compilation {
    let loaded = load(files);
    crate::session::Compilation {
        sources: loaded.sources,
        inputs: loaded.inputs,
        diagnostics: loaded.diagnostics,
        unreadable_input: false,
        input_files: files.len(),
        site_policies: Vec::new(),
        cluster: None,
        timings: Vec::new(),
    }
}

/// Asserts that `run(4)` takes less than eight times as long as `run(1)`: linear work gives about
/// 4×, n log n up to 5× at the sizes tested (allowed), quadratic about 16×, so eight leaves room
/// for noise and still fails on anything quadratic. Each attempt takes the fastest of five runs of each size, the sizes
/// interleaved so a burst of load from other processes hits both alike; a loaded machine may spoil
/// an attempt or two (seen: 9–18× for linear work with other tests beside it and the machine's
/// load at 11 on its two cores), not [`ATTEMPTS`] in a row, so the assertion holds on a busy
/// machine and still fails on quadratic growth, which no attempt escapes.
///
/// A measurement is repeated until the small size takes at least [`MEASURED`]: a run of tens of
/// microseconds fits between two preemptions while its 4× run does not, so on a loaded machine
/// (CI's two cores running other tests) a short measurement compared an undisturbed run with a
/// disturbed one and reported 30× for a linear lookup.
pub fn assert_linear(what: &str, mut run: impl FnMut(usize) -> std::time::Duration) {
    use std::time::Duration;
    let warm_up = run(1);
    let repeats = (MEASURED.as_nanos() / warm_up.as_nanos().max(1)).clamp(1, 10_000) as u32;
    let mut timed = |scale: usize| (0..repeats).map(|_| run(scale)).sum::<Duration>();
    let mut ratios = Vec::new();
    while ratios.len() < ATTEMPTS && ratios.iter().all(|&ratio| ratio >= 8.0) {
        let (mut one, mut four) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            one = one.min(timed(1));
            four = four.min(timed(4));
        }
        ratios.push(four.as_secs_f64() / one.max(Duration::from_micros(50)).as_secs_f64());
    }
    assert!(ratios.iter().any(|&ratio| ratio < 8.0), "{what}: 4× the input took {ratios:.1?}× as long: not linear");
}

/// How many attempts a linear measurement gets before it is called quadratic.
const ATTEMPTS: usize = 6;

/// How long the small size of a scaling measurement runs at least (see [`assert_linear`]).
const MEASURED: std::time::Duration = std::time::Duration::from_millis(5);
