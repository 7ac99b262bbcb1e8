//! Decoding of Ignition file contents (`contents.source`, `compression`,
//! `verification.hash`) exactly as Ignition v2 (spec 3.x) and the MCO do.
//!
//! Both Ignition (config validation and `FetchFromDataURL`) and the MCO
//! (`DecodeIgnitionFileContents`) decode data URLs with the Go library
//! `github.com/vincent-petithory/dataurl`, so its grammar is reproduced here
//! rule by rule, including the corners where it differs from RFC 2397 or the
//! WHATWG fetch spec (no form decoding, strict padded base64, newlines allowed
//! only inside base64 payloads).

mod compression;
mod data_url;
mod decoded;
mod hash;

pub use compression::{CompressionError, MAX_DECOMPRESSED_SIZE, decompress, decompress_within};
pub use data_url::decode_data_url;
pub use decoded::{DecodeBudget, Decoded, budget_size, bytes, shared};
pub use hash::{HashSpec, parse_hash, verify_hash};

/// A file's contents as the node gets them, copied out of what validation decoded (see
/// [`bytes`], which does not copy). `None` for a remote source, or contents that do not decode
/// (reported by Ignition validation).
pub fn decoded(resource: &crate::ignition::types::Resource) -> Option<Vec<u8>> {
    bytes(resource).map(<[u8]>::to_vec)
}

/// How a `contents.source` URL will be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Inline `data:` URL, decodable at compile time.
    Data,
    /// Fetched by Ignition on the node: `http`, `https`, `s3`, `gs`, `tftp`, `arn`.
    Remote,
    /// No scheme, or one Ignition does not fetch from.
    Unknown,
}

/// The scheme of `url`, lowercased, or `None` when the URL has no scheme.
///
/// Follows Go's `net/url` scheme rules, which Ignition uses before switching
/// on the scheme: a letter, then letters, digits, `+`, `-` or `.`, then `:`.
/// Go lowercases the scheme, so `HTTPS://` counts as `https`.
#[must_use]
pub fn source_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_is_valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_is_letter && rest_is_valid).then(|| scheme.to_ascii_lowercase())
}

/// Classifies a source URL by scheme, as Ignition's `validateURL` does.
///
/// Ignition 3.4+ also accepts `oem://`, which reads from the OEM partition
/// at first boot; it is neither inline nor remote, so it is `Unknown` here.
#[must_use]
pub fn classify_source(url: &str) -> SourceKind {
    match source_scheme(url).as_deref() {
        Some("data") => SourceKind::Data,
        Some("http" | "https" | "s3" | "gs" | "tftp" | "arn") => SourceKind::Remote,
        _ => SourceKind::Unknown,
    }
}
#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    /// Gzip as the configs carry it, for the compression and hash tests.
    pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    }

    #[test]
    fn source_scheme_is_lowercased() {
        assert_eq!(source_scheme("HTTPS://example.com/x").as_deref(), Some("https"));
        assert_eq!(source_scheme("data:,x").as_deref(), Some("data"));
        assert_eq!(source_scheme("s3+x.y-z:thing").as_deref(), Some("s3+x.y-z"));
    }

    #[test]
    fn url_without_valid_scheme_has_no_scheme() {
        for url in ["/etc/chrony.conf", ":data", "1http://x", "da ta:,x", "", "noscheme"] {
            assert_eq!(source_scheme(url), None, "{url:?}");
        }
    }

    #[test]
    fn data_scheme_is_classified_as_data() {
        assert_eq!(classify_source("data:,x"), SourceKind::Data);
        assert_eq!(classify_source("Data:,x"), SourceKind::Data);
    }

    #[test]
    fn ignition_fetch_schemes_are_classified_as_remote() {
        for url in [
            "http://mirror.example.com/chrony.conf",
            "https://mirror.example.com/chrony.conf",
            "s3://bucket/chrony.conf",
            "gs://bucket/chrony.conf",
            "tftp://10.0.0.1/chrony.conf",
            "arn:aws:s3:::bucket/chrony.conf",
        ] {
            assert_eq!(classify_source(url), SourceKind::Remote, "{url:?}");
        }
    }

    #[test]
    fn other_schemes_are_unknown() {
        for url in ["ftp://x/y", "file:///etc/x", "/etc/x", "oem:///x", ""] {
            assert_eq!(classify_source(url), SourceKind::Unknown, "{url:?}");
        }
    }
}
