//! The outcome of every config compared, what was skipped and mapped, and the verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ignition_equivalence::tools::say;
use crate::ignition_equivalence::{IGNITION, KNOWN_DIFFERENCES};

pub(crate) struct Outcome {
    pub(crate) file: String,
    pub(crate) pool: String,
    /// `bootc` (tree B: the image and mcc apply) or `legacy` (tree C: mcc apply alone).
    pub(crate) target: &'static str,
    /// Differences after mapping, or why a tree could not be built.
    pub(crate) differences: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Summary {
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) skipped: BTreeMap<String, Vec<String>>,
    pub(crate) mapped: BTreeMap<&'static str, usize>,
}

impl Summary {
    pub(crate) fn skip(&mut self, reason: impl Into<String>, what: String) {
        self.skipped.entry(reason.into()).or_default().push(what);
    }

    pub(crate) fn map(&mut self, mapping: &'static str) {
        *self.mapped.entry(mapping).or_default() += 1;
    }
}

pub(crate) fn known(outcome: &Outcome) -> Option<&'static str> {
    KNOWN_DIFFERENCES.iter().find(|(f, p, _)| *f == outcome.file && *p == outcome.pool).map(|(_, _, reason)| *reason)
}

/// Every failure: a difference not in `KNOWN_DIFFERENCES`, and a known difference that did not
/// occur.
pub(crate) fn check(summary: &Summary) -> Vec<String> {
    let mut failures = Vec::new();
    for outcome in summary.outcomes.iter().filter(|o| !o.differences.is_empty()) {
        if known(outcome).is_none() {
            failures.push(format!(
                "{} (pool {}, target {}): the trees differ\n  {}\n  (if deliberate, list it in KNOWN_DIFFERENCES with its reason)",
                outcome.file,
                outcome.pool,
                outcome.target,
                outcome.differences.join("\n  ")
            ));
        }
    }
    for (file, pool, reason) in KNOWN_DIFFERENCES {
        match summary.outcomes.iter().find(|o| o.file == *file && o.pool == *pool) {
            None => failures
                .push(format!("stale KNOWN_DIFFERENCES entry: {file} (pool {pool}) was not compared ({reason})")),
            Some(o) if o.differences.is_empty() => failures
                .push(format!("stale KNOWN_DIFFERENCES entry: {file} (pool {pool}) no longer differs ({reason})")),
            Some(_) => {}
        }
    }
    failures
}

pub(crate) fn print_summary(summary: &Summary) {
    let configs: std::collections::BTreeSet<(&str, &str)> =
        summary.outcomes.iter().map(|o| (o.file.as_str(), o.pool.as_str())).collect();
    let equal =
        |target: &str| summary.outcomes.iter().filter(|o| o.target == target && o.differences.is_empty()).count();
    let known_count = summary.outcomes.iter().filter(|o| !o.differences.is_empty() && known(o).is_some()).count();
    let unexpected = summary.outcomes.iter().filter(|o| !o.differences.is_empty() && known(o).is_none()).count();
    let skipped: usize = summary.skipped.values().map(Vec::len).sum();
    let mut headline = format!(
        "ignition equivalence against {IGNITION}: {} configs compared; Ignition's tree equals the bootc image plus \
         mcc apply for {}, and mcc apply alone (--target legacy) for {}; {known_count} known differences, \
         {unexpected} unexpected; {skipped} skipped",
        configs.len(),
        equal("bootc"),
        equal("legacy"),
    );
    for (mapping, count) in &summary.mapped {
        let _ = write!(headline, "\n  mapped: {mapping} ({count} trees)");
    }
    for (reason, configs) in &summary.skipped {
        let _ = write!(headline, "\n  skipped {}: {reason}", configs.len());
    }
    let mut details = String::from("ignition equivalence, details:");
    for (reason, configs) in &summary.skipped {
        let _ = write!(details, "\n  skipped ({reason}):");
        for config in configs {
            let _ = write!(details, "\n    {config}");
        }
    }
    for outcome in &summary.outcomes {
        let verdict = if outcome.differences.is_empty() {
            "equal".to_string()
        } else {
            format!("differs ({})", known(outcome).unwrap_or("UNEXPECTED"))
        };
        let _ = write!(details, "\n  {} (pool {}, target {}): {verdict}", outcome.file, outcome.pool, outcome.target);
    }
    say(&headline);
    eprintln!("{details}");
}
