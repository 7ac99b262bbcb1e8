//! Repeated findings of one kind, grouped for people: the report formats (human, markdown and
//! github) show the first [`SHOWN`] diagnostics of one code in one file in full, then one line
//! that counts the rest (when there are at least two more), so 10,000 duplicate kernel arguments print three reports and a count,
//! not 10,000 reports. The machine formats (json, sarif) and `short` (one line a finding, for
//! grep) keep every finding, and every count (summaries, exit codes) counts them all.
//!
//! Which findings are shown follows the report's order, which is canonical (by file, position,
//! code and message: `diagnostic::sort_diagnostics`), so the grouping never depends on the order
//! in which the inputs were given.

use crate::codes::CodeInfo;
use crate::diagnostic::{Diagnostic, Severity};
use crate::hash::HashMap;
use crate::source::{SourceId, Sources};

/// How many findings of one code in one file are shown in full.
pub const SHOWN: usize = 3;

/// What a report format shows, in the report's order.
pub enum Item<'a> {
    Finding(&'a Diagnostic),
    /// The findings of one code in one file after the first [`SHOWN`], where the first of them
    /// would have been.
    More(More),
}

impl Item<'_> {
    pub fn severity(&self) -> Severity {
        match self {
            Item::Finding(d) => d.severity(),
            Item::More(more) => more.code.severity,
        }
    }
}

/// The findings of a group that are counted, not shown.
pub struct More {
    pub code: &'static CodeInfo,
    /// The file's name as given.
    pub file: String,
    pub count: usize,
}

impl More {
    /// `… and 1997 more warning[MCC7010] in FILE (--format json lists them all)`, with the file
    /// as the format writes paths.
    pub fn line(&self, file: &str) -> String {
        self.line_listed_by(file, "--format json")
    }

    /// The same line, naming `lister` as what lists them all.
    pub fn line_listed_by(&self, file: &str, lister: &str) -> String {
        format!(
            "… and {} more {}[{}] in {file} ({lister} lists them all)",
            self.count, self.code.severity, self.code.code
        )
    }
}

/// The diagnostics as shown: each group of one code in one file cut after [`SHOWN`] findings,
/// the rest counted by one [`More`]; a group with only one more is shown whole (a line for one
/// finding would hide it and save nothing). Diagnostics without a file are always shown. Linear.
pub fn grouped<'a>(diagnostics: &'a [Diagnostic], sources: &Sources) -> Vec<Item<'a>> {
    let group = |d: &Diagnostic| d.span.map(|span| (d.code.code, span.source));
    let mut sizes: HashMap<(&'static str, SourceId), usize> = HashMap::default();
    for key in diagnostics.iter().filter_map(group) {
        *sizes.entry(key).or_default() += 1;
    }
    let mut seen: HashMap<(&'static str, SourceId), usize> = HashMap::default();
    let mut items = Vec::new();
    for d in diagnostics {
        let Some(key) = group(d).filter(|key| sizes[key] > SHOWN + 1) else {
            items.push(Item::Finding(d));
            continue;
        };
        let seen = seen.entry(key).or_default();
        *seen += 1;
        if *seen <= SHOWN {
            items.push(Item::Finding(d));
        } else if *seen == SHOWN + 1 {
            let file = sources.get(key.1).name.to_string();
            items.push(Item::More(More { code: d.code, file, count: sizes[&key] - SHOWN }));
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::run;

    /// One MachineConfig with `n` copies of one kernel argument: n - 1 duplicates (MCC7008).
    fn duplicate_kargs(n: usize) -> String {
        let kargs = vec!["nosmt"; n].join(", ");
        format!(
            "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-kargs\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{kargs}]\n"
        )
    }

    #[test]
    fn a_group_shows_its_first_findings_then_counts_the_rest_once() {
        let (compilation, _) = run(&duplicate_kargs(10));
        let items = grouped(&compilation.diagnostics, &compilation.sources);
        let shown: Vec<&Diagnostic> =
            items.iter().filter_map(|i| if let Item::Finding(d) = i { Some(*d) } else { None }).collect();
        assert_eq!(shown, compilation.diagnostics.iter().take(SHOWN).collect::<Vec<_>>());
        let [Item::Finding(_), Item::Finding(_), Item::Finding(_), Item::More(more)] = &items[..] else {
            panic!("three findings and one count: {} items", items.len())
        };
        assert_eq!(more.count, compilation.diagnostics.len() - SHOWN);
        assert_eq!(
            more.line("x.yaml"),
            format!("… and {} more warning[MCC7008] in x.yaml (--format json lists them all)", more.count)
        );
    }

    #[test]
    fn a_group_with_one_more_than_shown_is_shown_whole() {
        // SHOWN + 2 copies: SHOWN + 1 duplicates.
        let (compilation, _) = run(&duplicate_kargs(SHOWN + 2));
        let items = grouped(&compilation.diagnostics, &compilation.sources);
        assert_eq!(items.len(), SHOWN + 1);
        assert!(items.iter().all(|i| matches!(i, Item::Finding(_))));
        let (compilation, _) = run(&duplicate_kargs(SHOWN + 3));
        let items = grouped(&compilation.diagnostics, &compilation.sources);
        assert!(matches!(items[..], [.., Item::More(More { count: 2, .. })]), "{} items", items.len());
    }
}
