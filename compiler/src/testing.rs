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
