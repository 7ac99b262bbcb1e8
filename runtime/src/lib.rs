//! mcc's runtime: executes what the compiler planned.
//!
//! [`layer`] builds a pool's layer tar from its layer plan, [`oci`] writes (and reads) OCI image
//! layouts for `mcc build`, [`push`] sends one to a registry, and [`mod@write`] puts whole directories in place atomically. [`apply`]
//! executes a pool's node-side steps against a root (`mcc apply`). [`mod@read`] is how every
//! file they read back is read: a regular file only, opened without blocking, never past a limit.

#![forbid(unsafe_code)]

pub mod apply;
pub mod layer;
pub mod oci;
pub mod platform;
pub mod push;
pub mod read;
pub mod write;

use std::fmt;

/// A runtime failure, with a message meant for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
