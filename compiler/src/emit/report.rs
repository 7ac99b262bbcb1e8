//! What `mcc check` found, as every output format needs it.

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::session::{Analysis, Compilation};

/// The diagnostics still reported (ignored and suppressed ones taken out) and what the run saw.
pub struct CheckReport<'a> {
    /// Its `diagnostics` are those still reported: ignored and suppressed ones are taken out.
    pub compilation: &'a Compilation,
    pub analysis: &'a Analysis,
    /// How many diagnostics an `mcc.openshift.io/ignore` annotation suppressed.
    pub suppressed: usize,
    /// How many diagnostics `--ignore` took out.
    pub ignored: usize,
    /// The input paths as given, where a diagnostic with no file of its own is placed (SARIF).
    pub inputs: &'a [String],
    /// Where each code's page is published: `{base}{CODE}.md`.
    pub help_uri_base: &'a str,
    /// The directory absolute paths are made relative to for CI systems (`repo_path`);
    /// `None` leaves them absolute.
    pub working_dir: Option<&'a str>,
}

impl CheckReport<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.compilation.count(severity)
    }

    /// The published page of a code of mcc's registry (lint codes have none).
    pub fn help_uri(&self, code: &str) -> Option<String> {
        codes::find(code).map(|info| format!("{}{}.md", self.help_uri_base, info.code))
    }

    /// The documentation page of a code: its page in docs/codes, or a lint's generated page.
    pub fn doc_page(&self, d: &Diagnostic) -> String {
        match codes::find(d.code.code) {
            Some(info) => info.doc.to_string(),
            None => self
                .analysis
                .policies
                .lint_page(d.code.code, &self.compilation.sources)
                .unwrap_or_else(|| format!("# {}: {}\n", d.code.code, d.code.summary)),
        }
    }

    /// `3 errors, 2 warnings in 41 files (17 MachineConfigs, 3 pools rendered)`, then what was
    /// suppressed or ignored, if anything.
    pub fn summary(&self) -> String {
        let mut text = counts(self.compilation, self.analysis.rendered.len());
        let hidden: Vec<String> = [(self.suppressed, "suppressed"), (self.ignored, "ignored")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if !hidden.is_empty() {
            text.push_str(&format!("; {}", hidden.join(", ")));
        }
        text
    }

    /// A path as CI systems want it (`repo_path`).
    pub fn repo_path(&self, name: &str) -> String {
        super::repo_path(name, self.working_dir)
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// `3 errors, 2 warnings in 41 files (17 MachineConfigs, 3 pools rendered)`.
fn counts(compilation: &Compilation, pools: usize) -> String {
    format!(
        "{}, {} in {} ({}, {} rendered)",
        plural(compilation.count(Severity::Error), "error"),
        plural(compilation.count(Severity::Warning), "warning"),
        plural(compilation.input_files, "file"),
        plural(compilation.inputs.machine_configs.len(), "MachineConfig"),
        plural(pools, "pool"),
    )
}
