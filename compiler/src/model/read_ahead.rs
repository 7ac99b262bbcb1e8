//! Reading a file's objects on any core, ahead of its turn, with the outcome of reading every
//! file in input order.
//!
//! A file is parsed and read a document at a time: each document's YAML tree is dropped once its
//! objects are read, so a file of many documents never holds all its trees at once.
//!
//! Only the data-URL budget makes one file's objects depend on the files before it (MCC0019 is
//! reported on the URL that crosses it, in input order). A file read ahead decodes within a
//! speculative budget ([`DecodeBudget::speculative`]); in its turn, what it read is kept if the
//! run's budget, counted in input order, allows every decode it made, and the file is parsed and
//! read again otherwise (only near the budget's end, which no real fleet comes close to).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::ignition::content::DecodeBudget;
use crate::load::reader::Diagnostics;
use crate::load::yaml;
use crate::model::objects::{Inputs, read_document};
use crate::source::{SourceId, Sources};

/// The objects of one file, read ahead of its turn, and what parsing and reading it reported.
pub struct ReadAhead {
    source: SourceId,
    inputs: Inputs,
    /// The parser's diagnostics, which come before the objects' in the file's turn.
    parsed: Diagnostics,
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

    /// Parses the file `source` of `sources` and reads its objects, ahead of its turn.
    pub fn read(&self, source: SourceId, sources: &Sources) -> ReadAhead {
        let mut inputs = Inputs { data_url_budget: self.budget.speculative(&self.pool), ..Inputs::default() };
        let mut parsed = Vec::new();
        let mut diagnostics = Vec::new();
        yaml::parse_each(source, &sources.get(source).text, &mut parsed, &mut |document| {
            read_document(&document, sources, &mut inputs, &mut diagnostics);
        });
        ReadAhead { source, inputs, parsed, diagnostics }
    }
}

/// In the file's turn: its objects into `inputs` and what parsing and reading it reported into
/// `diagnostics`, as parsing it and [`read_document`] on each document would put them there
/// now; parsed and read again if what was read ahead could differ.
pub fn take_in_turn(ahead: ReadAhead, sources: &Sources, inputs: &mut Inputs, diagnostics: &mut Diagnostics) {
    let ReadAhead { source, inputs: read, mut parsed, diagnostics: mut read_diagnostics } = ahead;
    diagnostics.append(&mut parsed);
    if inputs.data_url_budget.accepts(&read.data_url_budget) {
        inputs.append(read);
        diagnostics.append(&mut read_diagnostics);
    } else {
        drop(read);
        // The parser's diagnostics are the same the second time: they are taken above.
        yaml::parse_each(source, &sources.get(source).text, &mut Vec::new(), &mut |document| {
            read_document(&document, sources, inputs, diagnostics);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::objects::read_objects;

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
        let mut texts: Vec<String> = (0..12).map(|i| machine_config(i, 1 + i % 3, 10 + 7 * i)).collect();
        // A parser's note (a duplicate key) and a reader's (an unknown field) in one file: the
        // parser's come first, as when the file is parsed whole and then read.
        texts[5].push_str("extra: 1\nextra: 2\n");
        let files: Vec<SourceId> =
            texts.iter().enumerate().map(|(i, text)| sources.add(format!("{i}.yaml"), text)).collect();
        let total: u64 = (0..12).map(|i| (1 + i % 3) * (10 + 7 * i)).sum();
        // Budgets crossed early, midway, at the last URL, and never.
        for budget in [25, total / 2, total - 1, total] {
            let mut in_order = Inputs { data_url_budget: DecodeBudget::new(budget), ..Inputs::default() };
            let mut in_order_diagnostics = Vec::new();
            for (&id, text) in files.iter().zip(&texts) {
                let documents = yaml::parse_documents(id, text, &mut in_order_diagnostics);
                read_objects(&documents, &sources, &mut in_order, &mut in_order_diagnostics);
            }
            // Read ahead last file first: the later files reserve the pool before the earlier.
            let lookahead = Lookahead::new(&DecodeBudget::new(budget));
            let mut ahead: Vec<ReadAhead> = files.iter().rev().map(|&id| lookahead.read(id, &sources)).collect();
            ahead.reverse();
            let mut inputs = Inputs { data_url_budget: DecodeBudget::new(budget), ..Inputs::default() };
            let mut diagnostics = Vec::new();
            for read in ahead {
                take_in_turn(read, &sources, &mut inputs, &mut diagnostics);
            }
            assert_eq!(outcome(&inputs, &diagnostics), outcome(&in_order, &in_order_diagnostics), "budget {budget}");
            let crossed = diagnostics.iter().filter(|d| d.code.code == "MCC0019").count();
            assert_eq!(crossed, usize::from(budget < total), "budget {budget}");
            let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.code).filter(|c| *c != "MCC0019").collect();
            assert_eq!(codes, ["MCC0003", "MCC0008"], "budget {budget}");
        }
    }
}
