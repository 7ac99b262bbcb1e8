//! `--format short`: one line a diagnostic, as editors and grep read them.

use std::io::{self, Write};

use super::{CheckReport, Emitter, Place, place};
use crate::diagnostic::Diagnostic;
use crate::session::Compilation;

pub struct Short;

impl Emitter for Short {
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
        for d in &report.compilation.diagnostics {
            writeln!(out, "{}", short_line(report.compilation, d))?;
        }
        Ok(())
    }
}

/// One diagnostic on one line: `path:line:col: severity[CODE] message` (`path: …` without a
/// position, `severity[CODE] message` without a file). Line breaks in the message become spaces.
pub fn short_line(compilation: &Compilation, d: &Diagnostic) -> String {
    let message = d.message.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let what = format!("{}[{}] {message}", d.severity(), d.code.code);
    match place(compilation, d) {
        Some(Place { file, region: Some(r) }) => format!("{file}:{}:{}: {what}", r.line, r.column),
        Some(Place { file, region: None }) => format!("{file}: {what}"),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::testing::{emitted, fixture_report};

    #[test]
    fn short() {
        let (compilation, analysis) = fixture_report();
        insta::assert_snapshot!(emitted(&Short, &compilation, &analysis));
    }
}
