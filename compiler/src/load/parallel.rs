//! Parsing the input files on every core, handed on in input order.
//!
//! Files are parsed in batches of about `BATCH_BYTES` (1 MiB) of text: each batch is parsed in
//! parallel (each file then given to the caller's `ahead`, on the same core) while the caller
//! takes in the files of the batch before it, so at most two batches of YAML trees are alive at
//! once (peak memory stays bounded however large the inputs), and the caller sees every file
//! in input order (outputs do not depend on the thread count).

use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{self, Document};
use crate::source::SourceId;

/// How much text a batch holds: enough files to keep both cores busy, few enough trees alive.
const BATCH_BYTES: usize = 1 << 20;

/// One file parsed: its documents and the diagnostics the parser found.
pub struct Parsed {
    pub source: SourceId,
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `files` in parallel, runs `ahead` on each as soon as it is parsed (in parallel too),
/// and hands each with what `ahead` made to `read`, in the order of `files`.
pub fn parse_in_order<T: Send>(
    files: &[(SourceId, Arc<str>)],
    ahead: &(dyn Fn(&Parsed) -> T + Sync),
    read: &mut (dyn FnMut(Parsed, T) + Send),
) {
    let parse_batch = |batch| parse_batch(batch, ahead);
    let mut batches = batches(files);
    let mut parsed = batches.next().map(parse_batch).unwrap_or_default();
    loop {
        let next = batches.next();
        let (following, ()) =
            rayon::join(|| next.map(parse_batch), || parsed.into_iter().for_each(|(parsed, made)| read(parsed, made)));
        match following {
            Some(following) => parsed = following,
            None => break,
        }
    }
}

fn parse_batch<T: Send>(files: &[(SourceId, Arc<str>)], ahead: &(dyn Fn(&Parsed) -> T + Sync)) -> Vec<(Parsed, T)> {
    files
        .par_iter()
        .map(|(source, text)| {
            let mut diagnostics = Vec::new();
            let documents = yaml::parse_documents(*source, text, &mut diagnostics);
            let parsed = Parsed { source: *source, documents, diagnostics };
            let made = ahead(&parsed);
            (parsed, made)
        })
        .collect()
}

/// Consecutive runs of files holding about [`BATCH_BYTES`] of text each (at least one file).
fn batches(files: &[(SourceId, Arc<str>)]) -> impl Iterator<Item = &[(SourceId, Arc<str>)]> {
    let mut rest = files;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let end = rest
            .iter()
            .position(|(_, text)| {
                bytes += text.len();
                bytes >= BATCH_BYTES
            })
            .map_or(rest.len(), |last| last + 1);
        let (batch, after) = rest.split_at(end);
        rest = after;
        Some(batch)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    #[test]
    fn files_come_back_in_input_order_with_their_own_diagnostics() {
        let mut sources = Sources::default();
        let big = "a: b\n".repeat(BATCH_BYTES / 4);
        let texts: Vec<String> = (0..40)
            .map(|i| {
                if i % 7 == 3 {
                    big.clone()
                } else if i % 5 == 0 {
                    "a: [".into()
                } else {
                    format!("n: {i}\n")
                }
            })
            .collect();
        let files: Vec<(SourceId, Arc<str>)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (sources.add(format!("{i}.yaml"), t), Arc::from(t.as_str())))
            .collect();
        let mut seen = Vec::new();
        parse_in_order(&files, &|parsed| parsed.source, &mut |parsed, ahead| {
            assert_eq!(ahead, parsed.source, "what was made ahead comes with its file");
            seen.push((parsed.source, parsed.documents.len(), parsed.diagnostics.len()))
        });
        let one_by_one: Vec<_> = files
            .iter()
            .map(|(id, text)| {
                let mut diagnostics = Vec::new();
                (*id, yaml::parse_documents(*id, text, &mut diagnostics).len(), diagnostics.len())
            })
            .collect();
        assert_eq!(seen, one_by_one);
        assert!(seen.iter().any(|s| s.2 > 0), "some files do not parse");
        assert!(batches(&files).count() > 2, "the big files split the input into several batches");
    }
}
