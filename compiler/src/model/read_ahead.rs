//! Reading a file's objects on any core, ahead of its turn, with the outcome of reading every
//! file in input order.
//!
//! Only the data-URL budget makes one file's objects depend on the files before it (MCC0019 is
//! reported on the URL that crosses it, in input order). A file read ahead decodes within a
//! speculative budget ([`DecodeBudget::speculative`]); in its turn, what it read is kept if the
//! run's budget, counted in input order, allows every decode it made, and the file is read again
//! otherwise (only near the budget's end, which no real fleet comes close to).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::ignition::content::DecodeBudget;
use crate::load::reader::Diagnostics;
use crate::load::yaml::Document;
use crate::model::objects::{Inputs, read_objects};
use crate::source::Sources;

/// The objects of one file, read ahead of its turn, and what reading it reported.
pub struct ReadAhead {
    inputs: Inputs,
    diagnostics: Diagnostics,
}

/// What files read ahead share: the run's budget as it was given, and the pool of bytes that
/// reads ahead may still reserve.
pub struct Lookahead {
    budget: DecodeBudget,
    pool: Arc<AtomicU64>,
}

impl Lookahead {
    /// For reading ahead the files that `budget` (the run's, before any file) will count.
    pub fn new(budget: &DecodeBudget) -> Lookahead {
        Lookahead { budget: budget.clone(), pool: budget.speculation_pool() }
    }

    /// Reads the objects of `documents` ahead of their file's turn.
    pub fn read(&self, documents: &[Document], sources: &Sources) -> ReadAhead {
        let mut inputs = Inputs { data_url_budget: self.budget.speculative(&self.pool), ..Inputs::default() };
        let mut diagnostics = Vec::new();
        read_objects(documents, sources, &mut inputs, &mut diagnostics);
        ReadAhead { inputs, diagnostics }
    }
}

/// In the file's turn: its objects into `inputs` and what reading them reported into
/// `diagnostics`, as [`read_objects`] would put them there now; read again if what was read
/// ahead could differ.
pub fn take_in_turn(
    ahead: ReadAhead,
    documents: &[Document],
    sources: &Sources,
    inputs: &mut Inputs,
    diagnostics: &mut Diagnostics,
) {
    if inputs.data_url_budget.accepts(&ahead.inputs.data_url_budget) {
        inputs.append(ahead.inputs);
        diagnostics.extend(ahead.diagnostics);
    } else {
        read_objects(documents, sources, inputs, diagnostics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml;

    /// A MachineConfig writing `files` plain data URLs of `size` bytes each.
    fn machine_config(index: usize, files: usize, size: usize) -> String {
        let entries: String = (0..files)
            .map(|f| {
                format!(
                    "\n      - path: /etc/f-{index}-{f}\n        contents:\n          source: \"data:,{}\"",
                    "x".repeat(size)
                )
            })
            .collect();
        format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: mc-{index}\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:{entries}\n"
        )
    }

    /// Everything read, as text: the objects (with what each URL decoded to) and the diagnostics.
    fn outcome(inputs: &Inputs, diagnostics: &Diagnostics) -> String {
        format!("{:#?}\n{diagnostics:#?}", inputs.machine_configs)
    }

    #[test]
    fn reading_ahead_in_any_order_reads_what_input_order_reads() {
        let mut sources = Sources::default();
        let texts: Vec<String> = (0..12).map(|i| machine_config(i, 1 + i % 3, 10 + 7 * i)).collect();
        let documents: Vec<Vec<Document>> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| yaml::parse_documents(sources.add(format!("{i}.yaml"), text), text, &mut Vec::new()))
            .collect();
        let total: u64 = (0..12).map(|i| (1 + i % 3) * (10 + 7 * i)).sum();
        // Budgets crossed early, midway, at the last URL, and never.
        for budget in [25, total / 2, total - 1, total] {
            let mut in_order = Inputs { data_url_budget: DecodeBudget::new(budget), ..Inputs::default() };
            let mut in_order_diagnostics = Vec::new();
            for file in &documents {
                read_objects(file, &sources, &mut in_order, &mut in_order_diagnostics);
            }
            // Read ahead last file first: the later files reserve the pool before the earlier.
            let lookahead = Lookahead::new(&DecodeBudget::new(budget));
            let mut ahead: Vec<ReadAhead> = documents.iter().rev().map(|file| lookahead.read(file, &sources)).collect();
            ahead.reverse();
            let mut inputs = Inputs { data_url_budget: DecodeBudget::new(budget), ..Inputs::default() };
            let mut diagnostics = Vec::new();
            for (read, file) in ahead.into_iter().zip(&documents) {
                take_in_turn(read, file, &sources, &mut inputs, &mut diagnostics);
            }
            assert_eq!(outcome(&inputs, &diagnostics), outcome(&in_order, &in_order_diagnostics), "budget {budget}");
            let crossed = diagnostics.iter().filter(|d| d.code.code == "MCC0019").count();
            assert_eq!(crossed, usize::from(budget < total), "budget {budget}");
        }
    }
}
