//! stdout and stderr: where results and diagnostics go, and whether each is coloured.
//!
//! The colour decision is made here and only here, for the stream that will be written, and
//! handed to the emitters as a plain `bool`.

use std::io::{self, BufWriter, IsTerminal, Write};

use mcc_compiler::diagnostic::Diagnostic;
use mcc_compiler::emit;
use mcc_compiler::source::Sources;

use crate::error::CliError;

/// Colour only for a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
pub fn colour_for(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stream.is_terminal()
}

/// Writes a result to stdout, all of it or an error.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Writes a note to stderr (a write error is an error, not a panic as with `eprintln!`).
pub fn note(text: &str) -> Result<(), CliError> {
    writeln!(io::stderr().lock(), "{text}")?;
    Ok(())
}

/// Reports diagnostics on stderr, beside a result that goes to stdout; coloured as stderr
/// allows, whatever stdout is.
pub fn report(diagnostics: &[Diagnostic], sources: &Sources) -> Result<(), CliError> {
    let stderr = io::stderr();
    let colour = colour_for(&stderr);
    let mut out = BufWriter::with_capacity(1 << 16, stderr.lock());
    emit::write_diagnostics(&mut out, diagnostics, sources, colour)?;
    out.flush()?;
    Ok(())
}
