//! What `mcc apply` reports when a step cannot be carried out: a stable code (`MCC51xx`, from
//! [`mcc_contract::codes`]), a message and, when there is one, what to do about it. Every one is an
//! error. The CLI renders them as it renders the compiler's diagnostics, with the code's page
//! behind `mcc explain`.

use std::fmt;

use mcc_contract::codes;

use super::resolve::ResolveError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// One of [`codes::APPLY_CODES`].
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { code, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A step that could not be carried out (MCC5106).
pub(super) fn failed(message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(codes::APPLY_STEP_FAILED, message))
}

/// A path that could not be resolved beneath the root: an escape or a loop is MCC5102.
pub(super) fn resolve_diagnostic(step: &str, error: ResolveError) -> Box<Diagnostic> {
    match error {
        ResolveError::Escape { .. } | ResolveError::Loop { .. } => {
            Box::new(Diagnostic::new(codes::APPLY_PATH_ESCAPES_ROOT, format!("{step}: refused: {error}")).with_help(
                "mcc apply never leaves the root: fix or remove the symlink in the root, or apply to the root it belongs to",
            ))
        }
        ResolveError::NotADirectory { .. } | ResolveError::Io { .. } => failed(format!("{step}: {error}")),
    }
}
