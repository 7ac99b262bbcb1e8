//! OCI image layouts (image-spec v1.1 `image-layout.md`): reading a base image and writing a
//! derived one, with the `oci-spec` types for manifests, configs and indexes. A layout is
//! `oci-layout`, `index.json` and `blobs/sha256/<hex>`; every digest is over the exact bytes
//! written, and [`json`] serializes the typed values in a fixed field order with sorted
//! dictionaries, so the same inputs give the same layout byte for byte.
//!
//! `base` reads a base image, `compose` makes the derived image's blobs, and `layout` writes
//! them: a new layout, or one more tag in a layout that holds others.

mod base;
mod compose;
pub mod json;
mod layout;

pub use base::{Base, read_base};
pub use compose::{Image, Written};
pub use layout::{LayoutError, write_layout};

use std::path::{Path, PathBuf};

use crate::{Error, Result};

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// `oci:PATH[:TAG]`, split on the first colon after `oci:` as containers/image does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    pub path: PathBuf,
    pub tag: Option<String>,
}

impl OciRef {
    pub fn parse(text: &str) -> Result<OciRef> {
        let rest = text
            .strip_prefix("oci:")
            .ok_or_else(|| Error::new(format!("`{text}` is not an OCI layout reference: write oci:PATH[:TAG]")))?;
        let (path, tag) = match rest.split_once(':') {
            Some((path, tag)) => (path, Some(tag.to_string())),
            None => (rest, None),
        };
        if path.is_empty() {
            return Err(Error::new(format!("`{text}` names no directory: write oci:PATH[:TAG]")));
        }
        if let Some(tag) = &tag {
            let valid = !tag.is_empty()
                && tag.len() <= 128
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && !tag.starts_with(['.', '-']);
            if !valid {
                return Err(Error::new(format!("`{tag}` is not a valid tag in `{text}`")));
            }
        }
        Ok(OciRef { path: PathBuf::from(path), tag })
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci:{}", self.path.display())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        Ok(())
    }
}

/// The hex part of a `sha256:` digest (sha256 only).
fn digest_hex(digest: &str) -> Result<&str> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .ok_or_else(|| Error::new(format!("unsupported or malformed digest `{digest}` (sha256 only)")))
}

/// Where a blob lives in a layout.
fn blob_path(layout: &Path, digest: &str) -> Result<PathBuf> {
    Ok(layout.join("blobs").join("sha256").join(digest_hex(digest)?))
}

/// The `GOARCH` name of the machine mcc runs on.
pub fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        other => other,
    }
}

/// RFC 3339 UTC time of a Unix timestamp.
pub fn rfc3339(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).expect("u64::MAX / 86400 fits in an i64");
    let rem = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_on_the_first_colon() {
        assert_eq!(OciRef::parse("oci:/tmp/out").unwrap(), OciRef { path: "/tmp/out".into(), tag: None });
        assert_eq!(OciRef::parse("oci:out:v1.2").unwrap(), OciRef { path: "out".into(), tag: Some("v1.2".into()) });
        assert!(OciRef::parse("docker://x").is_err());
        assert!(OciRef::parse("oci:").is_err());
        assert!(OciRef::parse("oci:out:bad/tag").is_err());
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}

#[cfg(test)]
mod layout_tests;
