//! The second state of `mcc plan`, read over the first: a file that both states hold with the
//! same bytes (the same file, or the same git blob) is parsed and modelled once.
//!
//! A plan between two states of a fleet reads two near-identical sets of files: a pull request
//! changes a few dozen of ten thousand. The other state is loaded as usual; this state's sources
//! then start as a copy of its sources (the texts shared, not copied), so a file it holds alike
//! keeps its `SourceId`, and with it every span of the objects and diagnostics read from it:
//! those are taken as they are instead of being parsed again. Only the files that differ are
//! parsed. What depends on the whole set of files (duplicate names, validity, "no inputs", the
//! site policies) is decided afterwards exactly as [`driver::load`](crate::driver::load) decides
//! it, so the result is the same compilation a plain load makes, up to the numbering of its
//! sources: every object in the same order, every diagnostic the same, each file under this
//! state's own name.

use std::time::Instant;

use camino::Utf8PathBuf;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::driver::{check_unique_names, finish_load};
use crate::hash::HashMap;
use crate::ignition::content::DecodeBudget;
use crate::load::filter::InputFilter;
use crate::load::{self, InputPath};
use crate::model::controller_config::ControllerConfig;
use crate::model::machine_os_config::MachineOsConfig;
use crate::model::objects::MachineConfiguration;
use crate::model::pool::MachineConfigPool;
use crate::model::{self, Inputs, MachineConfig};
use crate::session::{Compilation, StageTime};
use crate::source::{SourceId, Sources};

/// Reads `paths` as [`crate::driver::load_filtered`] does, sharing with `other` (another state,
/// loaded without a cluster dump and not yet analysed) every file whose text it holds too.
pub fn load_sharing(
    paths: &[InputPath],
    filter: &InputFilter,
    policy_files: &[Utf8PathBuf],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
    other: &Compilation,
) -> Compilation {
    let start = Instant::now();
    let mut c = Compilation::default();
    let mut read = Sources::default();
    load::read_inputs(paths, filter, stdin, &mut read, &mut c.diagnostics);
    c.unreadable_input = c.diagnostics.iter().any(|d| d.code == &codes::INPUT_UNREADABLE);
    let mut shared = SharedFiles::of(other);
    c.sources = other.sources.clone();
    // Each file of this state, in input order: one the other state holds alike, or one to parse.
    let mut order = Vec::new();
    let mut fresh = Vec::new();
    for (_, file) in read.iter() {
        match shared.take(&file.text) {
            Some(id) => {
                c.sources.rename(id, file.name.clone());
                order.push(Some(id));
            }
            None => {
                let id = c.sources.add(file.name.clone(), &file.text);
                fresh.push((id, file.text.len()));
                order.push(None);
            }
        }
    }
    c.input_files = c.sources.len();
    // This state's own budget, as a plain load has; the bytes of a shared file were counted
    // in the other state's.
    c.inputs.data_url_budget = load::data_url_budget().map_or_else(DecodeBudget::default, DecodeBudget::new);
    let mut order = order.into_iter().peekable();
    let (inputs, diagnostics, sources) = (&mut c.inputs, &mut c.diagnostics, &c.sources);
    let mut copy_shared = |order: &mut std::iter::Peekable<std::vec::IntoIter<Option<SourceId>>>,
                           inputs: &mut Inputs,
                           diagnostics: &mut Vec<Diagnostic>| {
        while let Some(Some(id)) = order.next_if(Option::is_some) {
            shared.copy_into(id, inputs, diagnostics);
        }
    };
    // The files to parse are parsed on every core; the shared ones before each are copied first,
    // so the objects keep the input order.
    let lookahead = model::read_ahead::Lookahead::new(&inputs.data_url_budget);
    let ahead = |source| lookahead.read(source, sources);
    load::parallel::read_in_order(&fresh, &ahead, &mut |ahead| {
        copy_shared(&mut order, inputs, diagnostics);
        order.next();
        model::read_ahead::take_in_turn(ahead, sources, inputs, diagnostics);
    });
    copy_shared(&mut order, inputs, diagnostics);
    check_unique_names(&c.inputs, &c.sources, &mut c.diagnostics);
    finish_load(&mut c, paths, policy_files);
    c.timings.push(StageTime::since("load", start));
    c
}

/// The other state's files by text, with what loading each one made.
struct SharedFiles<'a> {
    /// Each text's files, the last to be taken first.
    by_text: HashMap<&'a str, Vec<SourceId>>,
    /// The objects, in the order their file holds them; what has already been made is copied
    /// (a clone of a model object costs a small part of parsing it again).
    objects: HashMap<SourceId, FileObjects<'a>>,
    diagnostics: HashMap<SourceId, Vec<&'a Diagnostic>>,
}

/// The objects read from one file.
#[derive(Default)]
struct FileObjects<'a> {
    machine_configs: Vec<&'a MachineConfig>,
    pools: Vec<&'a MachineConfigPool>,
    machine_configurations: Vec<&'a MachineConfiguration>,
    machine_os_configs: Vec<&'a MachineOsConfig>,
    controller_configs: Vec<&'a ControllerConfig>,
}

impl<'a> SharedFiles<'a> {
    fn of(other: &'a Compilation) -> Self {
        let mut by_text: HashMap<&str, Vec<SourceId>> = HashMap::default();
        for (id, file) in other.sources.iter().take(other.input_files) {
            by_text.entry(&file.text).or_default().push(id);
        }
        for ids in by_text.values_mut() {
            ids.reverse();
        }
        let mut objects: HashMap<SourceId, FileObjects<'a>> = HashMap::default();
        let i = &other.inputs;
        for o in &i.machine_configs {
            objects.entry(o.span.source).or_default().machine_configs.push(o);
        }
        for o in &i.pools {
            objects.entry(o.span.source).or_default().pools.push(o);
        }
        for o in &i.machine_configurations {
            objects.entry(o.span.source).or_default().machine_configurations.push(o);
        }
        for o in &i.machine_os_configs {
            objects.entry(o.span.source).or_default().machine_os_configs.push(o);
        }
        for o in &i.controller_configs {
            objects.entry(o.span.source).or_default().controller_configs.push(o);
        }
        let mut diagnostics: HashMap<SourceId, Vec<&Diagnostic>> = HashMap::default();
        // What the whole set of files decides is decided again for this state.
        let per_file = other.diagnostics.iter().filter(|d| d.code != &codes::DUPLICATE_OBJECT);
        for d in per_file {
            if let Some(span) = d.span {
                diagnostics.entry(span.source).or_default().push(d);
            }
        }
        SharedFiles { by_text, objects, diagnostics }
    }

    /// A file of the other state with this text not shared yet.
    fn take(&mut self, text: &str) -> Option<SourceId> {
        self.by_text.get_mut(text)?.pop()
    }

    /// What loading the file made, added to this state's.
    fn copy_into(&mut self, id: SourceId, inputs: &mut Inputs, diagnostics: &mut Vec<Diagnostic>) {
        if let Some(objects) = self.objects.remove(&id) {
            inputs.machine_configs.extend(objects.machine_configs.into_iter().cloned());
            inputs.pools.extend(objects.pools.into_iter().cloned());
            inputs.machine_configurations.extend(objects.machine_configurations.into_iter().cloned());
            inputs.machine_os_configs.extend(objects.machine_os_configs.into_iter().cloned());
            inputs.controller_configs.extend(objects.controller_configs.into_iter().cloned());
        }
        diagnostics.extend(self.diagnostics.remove(&id).unwrap_or_default().into_iter().cloned());
    }
}

#[cfg(test)]
#[path = "shared_load_tests.rs"]
mod tests;
