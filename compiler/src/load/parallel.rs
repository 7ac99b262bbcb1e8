//! Reading the input files on every core, handed on in input order.
//!
//! Files are read in batches of about `BATCH_BYTES` (1 MiB) of text: each batch is read in
//! parallel by the caller's `ahead` (which parses a file and models its objects) while the caller
//! takes in the files of the batch before it, so at most two batches of what `ahead` makes are
//! waiting at once, and the caller sees every file in input order (outputs do not depend on the
//! thread count).

use rayon::prelude::*;

use crate::source::SourceId;

/// How much text a batch holds: enough files to keep both cores busy, few enough waiting.
const BATCH_BYTES: usize = 1 << 20;

/// Runs `ahead` on each of `files` (a file and its length in bytes) in parallel, and hands what
/// it made to `take`, in the order of `files`.
pub fn read_in_order<T: Send>(
    files: &[(SourceId, usize)],
    ahead: &(dyn Fn(SourceId) -> T + Sync),
    take: &mut (dyn FnMut(T) + Send),
) {
    let read_batch = |batch: &[(SourceId, usize)]| batch.par_iter().map(|&(source, _)| ahead(source)).collect();
    let mut batches = batches(files);
    let mut read: Vec<T> = batches.next().map(read_batch).unwrap_or_default();
    loop {
        let next = batches.next();
        let (following, ()) = rayon::join(|| next.map(read_batch), || read.into_iter().for_each(&mut *take));
        match following {
            Some(following) => read = following,
            None => break,
        }
    }
}

/// Consecutive runs of files holding about [`BATCH_BYTES`] of text each (at least one file).
fn batches(files: &[(SourceId, usize)]) -> impl Iterator<Item = &[(SourceId, usize)]> {
    let mut rest = files;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let end = rest
            .iter()
            .position(|&(_, len)| {
                bytes += len;
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
    use crate::load::yaml;
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
        let files: Vec<(SourceId, usize)> =
            texts.iter().enumerate().map(|(i, t)| (sources.add(format!("{i}.yaml"), t), t.len())).collect();
        let parse = |id: SourceId| {
            let mut diagnostics = Vec::new();
            (id, yaml::parse_documents(id, &sources.get(id).text, &mut diagnostics).len(), diagnostics.len())
        };
        let mut seen = Vec::new();
        read_in_order(&files, &parse, &mut |read| seen.push(read));
        let one_by_one: Vec<_> = files.iter().map(|&(id, _)| parse(id)).collect();
        assert_eq!(seen, one_by_one);
        assert!(seen.iter().any(|s| s.2 > 0), "some files do not parse");
        assert!(batches(&files).count() > 2, "the big files split the input into several batches");
    }
}
