//! How diagnostics look: one emitter a format, each writing to any [`Write`].
//!
//! The emitters never print, exit or look at a terminal: the caller hands them the stream and
//! says whether to colour it, so every format can be tested byte for byte in memory (Ruff's
//! `Emitter` does the same). A write error is returned, never swallowed: the caller decides
//! that a broken pipe is quiet and a full disk is not.

mod github;
mod group;
mod human;
mod json;
mod location;
mod markdown;
mod report;
mod sarif;
#[cfg(test)]
mod scaling_tests;
mod short;
mod snippet;
#[cfg(test)]
mod testing;
mod window;
mod wrap;

use std::io::{self, Write};

pub use github::{Github, GithubSummary};
pub use human::{Human, write_diagnostics};
pub use json::Json;
use location::{Place, Region, place, region, repo_path};
pub use markdown::Markdown;
pub use report::CheckReport;
pub use sarif::Sarif;
pub use short::Short;
use short::short_line;

/// One output format of `mcc check`.
pub trait Emitter {
    /// Writes the whole report to `out`.
    fn emit(&self, out: &mut dyn Write, report: &CheckReport) -> io::Result<()>;
}
