//! mcc's compiler: MachineConfigs in, rendered pools and diagnostics out.
//!
//! One stage a module, data flowing one way: [`load`] (paths → YAML trees) → [`model`] (trees →
//! typed, spanned objects, Ignition normalized to 3.5) → [`render`] (the MCO's merge per pool).
//! Nothing here prints, exits or picks colours: the CLI does.

pub mod checks;
pub mod classify;
#[cfg(test)]
mod classify_tests;
pub mod codes;
pub mod compile;
pub mod diagnostic;
pub mod explain;
pub mod graph;
pub mod ignition;
pub mod lints;
pub mod load;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;
pub mod source;
pub mod suppress;
#[cfg(test)]
mod testing;

use diagnostic::{Diagnostic, Severity};
use load::InputPath;
use model::Inputs;
use render::{RenderOptions, RenderedPool};
use source::Sources;

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
}

/// Reads and models every input. Never fails: problems become diagnostics.
pub fn load(paths: &[InputPath], stdin: &mut dyn FnMut() -> std::io::Result<String>) -> Compilation {
    let mut c = Compilation::default();
    load::read_inputs(paths, &load::filter::InputFilter::default(), stdin, &mut c.sources, &mut c.diagnostics);
    c.unreadable_input = c.diagnostics.iter().any(|d| d.code == &codes::INPUT_UNREADABLE);
    c.input_files = c.sources.len();
    let files: Vec<_> = c.sources.iter().map(|(id, f)| (id, f.text.clone())).collect();
    for (id, text) in files {
        let documents = load::yaml::parse_documents(id, &text, &mut c.diagnostics);
        model::read_objects(&documents, &c.sources, &mut c.inputs, &mut c.diagnostics);
    }
    check_unique_names(&c.inputs, &mut c.diagnostics);
    settle(&mut c.inputs, &mut c.diagnostics);
    c
}

/// Decisions that need every diagnostic of the inputs: a MachineConfig is valid only if no
/// error points inside it (a duplicate key found while parsing YAML counts too), and YAML
/// notes about documents mcc does not read (a Template, a Butane file) are dropped as noise.
pub(crate) fn settle(inputs: &mut Inputs, diagnostics: &mut Vec<Diagnostic>) {
    let errors: Vec<source::Span> =
        diagnostics.iter().filter(|d| d.severity() == Severity::Error).filter_map(|d| d.span).collect();
    for mc in &mut inputs.machine_configs {
        mc.valid = !errors.iter().any(|&e| mc.span.contains(e));
    }
    let i = &*inputs;
    let objects: Vec<source::Span> = i
        .machine_configs
        .iter()
        .map(|m| m.span)
        .chain(i.pools.iter().map(|p| p.span))
        .chain(i.machine_configurations.iter().map(|m| m.span))
        .chain(i.machine_os_configs.iter().map(|m| m.span))
        .collect();
    diagnostics
        .retain(|d| d.code != &codes::LEGACY_OCTAL || d.span.is_some_and(|s| objects.iter().any(|&o| o.contains(s))));
}

/// Two MachineConfigs (or pools) with one name cannot both exist in a cluster.
fn check_unique_names(inputs: &Inputs, diagnostics: &mut Vec<Diagnostic>) {
    let mut check = |kind: &str, names: Vec<&model::Spanned<String>>| {
        let mut seen: std::collections::HashMap<&str, source::Span> = std::collections::HashMap::new();
        for name in names {
            if name.value.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(&name.value, name.span) {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_OBJECT,
                        name.span,
                        format!("a second {kind} named `{}`", name.value),
                    )
                    .with_related(first, "the first one")
                    .with_help(
                        "object names are unique in a cluster: applying both keeps only the last one; rename one",
                    ),
                );
            }
        }
    };
    check("MachineConfig", inputs.machine_configs.iter().map(|m| &m.metadata.name).collect());
    check("MachineConfigPool", inputs.pools.iter().map(|p| &p.metadata.name).collect());
}

/// Renders every pool (or the one named) and sorts all diagnostics into their final order.
pub fn render(c: &mut Compilation, options: &RenderOptions, only_pool: Option<&str>) -> Vec<RenderedPool> {
    let pools = render::pools(&c.inputs, &mut c.sources, &mut c.diagnostics);
    // Every pool takes part in selection (so "no pool selects" stays true), but only the one
    // asked for is rendered and reported on.
    let mut rendered = render::render(&c.inputs, &pools, options, &mut c.diagnostics);
    if let Some(name) = only_pool {
        rendered.retain(|p| p.pool.name() == name);
    }
    if c.inputs.is_empty() && !c.unreadable_input {
        c.diagnostics.push(Diagnostic::general(
            &codes::NO_INPUTS,
            "no MachineConfig, MachineConfigPool, MachineConfiguration or MachineOSConfig found in the inputs",
        ));
    }
    diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    rendered
}

impl Compilation {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity() == severity).count()
    }
}

/// What the policy stages need beyond rendering.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    pub profile: policy::stdlib::Profile,
    pub ocp: policy::stdlib::OcpVersion,
    pub target: classify::Target,
    /// Site policy files given with `--policy`, read after those found in `.mcc/`.
    pub policy_files: Vec<camino::Utf8PathBuf>,
}

/// Every pool rendered, classified into its graph, and linted.
#[derive(Debug)]
pub struct Analysis {
    pub rendered: Vec<RenderedPool>,
    pub policies: policy::stdlib::Policies,
    pub site: policy::ndp::SitePolicy,
    pub graphs: Vec<graph::PoolGraph>,
}

/// Renders, loads the policies (stdlib, then the site's policy files, then the site's
/// `MachineConfiguration`, each over the one before), builds each pool's graph and runs the lints.
pub fn analyze(
    c: &mut Compilation,
    paths: &[InputPath],
    render_options: &RenderOptions,
    options: &PolicyOptions,
    only_pool: Option<&str>,
) -> Analysis {
    let rendered = render(c, render_options, only_pool);
    let mut policies = policy::stdlib::load(options.profile, options.ocp, &mut c.sources, &mut c.diagnostics);
    for file in site_policy_files(paths, &options.policy_files, &mut c.diagnostics) {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                policies.load_site(file, &text, &mut c.sources, &mut c.diagnostics);
            }
            Err(error) => {
                c.unreadable_input = true;
                c.diagnostics.push(Diagnostic::about_path(
                    &codes::INPUT_UNREADABLE,
                    file.as_str(),
                    format!("cannot read: {error}"),
                ));
            }
        }
    }
    let site = policy::ndp::site_policy(&c.inputs, &mut c.diagnostics);
    policies.disruption.merge(site.disruption.clone());
    let graphs: Vec<graph::PoolGraph> = rendered
        .iter()
        .map(|pool| {
            let g = graph::build(
                pool,
                &c.inputs,
                &policies.layout,
                &policies.disruption,
                options.target,
                &mut c.diagnostics,
            );
            lints::run(pool, &g, &policies, &mut c.diagnostics);
            compile::lint(pool, &g, &mut c.diagnostics);
            g
        })
        .collect();
    let analysis = Analysis { rendered, policies, site, graphs };
    let mut found = Vec::new();
    checks::run(c, &analysis, &mut found);
    c.diagnostics.extend(found);
    diagnostic::sort_diagnostics(&mut c.diagnostics, &c.sources);
    analysis
}

/// `.mcc/*.mcc` at the root of each directory input (in input order), then the `--policy` files.
fn site_policy_files(
    paths: &[InputPath],
    explicit: &[camino::Utf8PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<camino::Utf8PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if let InputPath::Path(p) = path
            && p.is_dir()
        {
            match policy::stdlib::site_files(p) {
                Ok(found) => files.extend(found),
                Err(error) => diagnostics.push(Diagnostic::about_path(
                    &codes::INPUT_UNREADABLE,
                    p.join(".mcc").as_str(),
                    format!("cannot read: {error}"),
                )),
            }
        }
    }
    files.extend(explicit.iter().cloned());
    files
}
