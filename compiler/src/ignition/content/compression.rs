//! A file's `compression`, applied as Ignition applies it: none or gzip, bounded in size.

use std::fmt;
use std::io::Read;

use flate2::bufread::MultiGzDecoder;

/// Largest decompressed file accepted; guards the compiler against gzip bombs.
pub const MAX_DECOMPRESSED_SIZE: usize = 64 * 1024 * 1024;

/// Why `compression` could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompressionError {
    /// A `compression` value other than absent, `""` or `"gzip"`.
    InvalidMethod(String),
    /// The decoded contents are not a valid gzip stream; holds the reason.
    InvalidGzip(String),
    /// The decompressed contents exceed [`MAX_DECOMPRESSED_SIZE`].
    TooLarge,
}

impl fmt::Display for CompressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMethod(method) => {
                write!(f, "invalid compression method {method:?}, expected \"gzip\" or none")
            }
            Self::InvalidGzip(reason) => {
                write!(f, "contents are not a valid gzip stream: {reason}")
            }
            Self::TooLarge => {
                write!(f, "decompressed contents exceed the {} MiB limit", MAX_DECOMPRESSED_SIZE / (1024 * 1024))
            }
        }
    }
}

impl std::error::Error for CompressionError {}

/// Applies a file's `compression` to its decoded contents.
///
/// Ignition accepts only absent/`""` (contents as is) and `"gzip"`, matched
/// case-sensitively; anything else is `ErrCompressionInvalid`.
///
/// # Errors
///
/// An unknown method, an invalid gzip stream, or output larger than
/// [`MAX_DECOMPRESSED_SIZE`].
pub fn decompress(bytes: &[u8], compression: Option<&str>) -> Result<Vec<u8>, CompressionError> {
    match compression {
        None | Some("") => Ok(bytes.to_vec()),
        Some("gzip") => gunzip(bytes, MAX_DECOMPRESSED_SIZE),
        Some(other) => Err(CompressionError::InvalidMethod(other.to_owned())),
    }
}

/// [`decompress`] of bytes the caller gives up, never to more than `limit` bytes: uncompressed
/// contents are kept as they are (no copy), and longer ones are [`CompressionError::TooLarge`].
///
/// # Errors
///
/// As [`decompress`], with `limit` in place of [`MAX_DECOMPRESSED_SIZE`].
pub fn decompress_within(bytes: Vec<u8>, compression: Option<&str>, limit: usize) -> Result<Vec<u8>, CompressionError> {
    match compression {
        None | Some("") if bytes.len() > limit => Err(CompressionError::TooLarge),
        None | Some("") => Ok(bytes),
        Some("gzip") => gunzip(&bytes, limit),
        Some(other) => Err(CompressionError::InvalidMethod(other.to_owned())),
    }
}

/// Gunzips like Go's `gzip.Reader`: concatenated members are all decoded
/// (multistream is Go's default), CRC and length trailers are checked, and
/// empty, truncated or trailing-garbage input is an error.
fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, CompressionError> {
    let mut out = Vec::with_capacity(size_hint(bytes).min(limit.saturating_add(1)));
    // Reading one byte past the limit tells "exactly at the limit" from "over it".
    let cap = u64::try_from(limit).map_or(u64::MAX, |l| l.saturating_add(1));
    // Read straight from the bytes (they are a `BufRead`), not through a copying buffer.
    MultiGzDecoder::new(bytes)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|err| CompressionError::InvalidGzip(err.to_string()))?;
    if out.len() > limit {
        return Err(CompressionError::TooLarge);
    }
    Ok(out)
}

/// The decompressed size the stream's last trailer gives (ISIZE, the size of its last member
/// modulo 2³²), so that the output is allocated once; never more than deflate can expand the
/// input to (1032:1), whatever a hostile trailer says.
fn size_hint(bytes: &[u8]) -> usize {
    let last_member = bytes.last_chunk::<4>().map_or(0, |trailer| u32::from_le_bytes(*trailer));
    usize::try_from(last_member).unwrap_or(usize::MAX).min(bytes.len().saturating_mul(1032))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::super::decode_data_url;
    use super::super::tests::gzip;
    use super::*;

    #[test]
    fn no_compression_returns_bytes_unchanged() {
        assert_eq!(decompress(b"pool 2.rhel.pool.ntp.org", None).expect("ok"), b"pool 2.rhel.pool.ntp.org");
        assert_eq!(decompress(b"\x1f\x8b raw", Some("")).expect("ok"), b"\x1f\x8b raw");
    }

    #[test]
    fn unknown_compression_is_rejected() {
        for method in ["zstd", "GZIP", "gz", " gzip"] {
            assert_eq!(decompress(b"x", Some(method)), Err(CompressionError::InvalidMethod(method.to_owned())));
        }
        assert!(
            decompress(b"x", Some("bzip2")).expect_err("invalid").to_string().starts_with("invalid compression method")
        );
    }

    #[test]
    fn gzip_then_base64_round_trip() {
        let original = b"server clock.example.com iburst\ndriftfile /var/lib/chrony/drift\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(gzip(original));
        let url = decode_data_url(&format!("data:;base64,{encoded}")).expect("valid");
        assert_eq!(decompress(&url.bytes, Some("gzip")).expect("valid gzip"), original);
    }

    #[test]
    fn invalid_gzip_stream_is_rejected() {
        let mut truncated = gzip(b"some file contents");
        truncated.truncate(truncated.len() - 4);
        let mut corrupt_crc = gzip(b"some file contents");
        let crc_at = corrupt_crc.len() - 8;
        corrupt_crc[crc_at] ^= 0xff;
        let mut trailing_garbage = gzip(b"x");
        trailing_garbage.extend_from_slice(b"garbage");
        for input in [&b"not gzip"[..], b"", &truncated, &corrupt_crc, &trailing_garbage] {
            assert!(matches!(decompress(input, Some("gzip")), Err(CompressionError::InvalidGzip(_))), "{input:?}");
        }
    }

    #[test]
    fn concatenated_gzip_members_are_all_decoded() {
        let mut stream = gzip(b"first\n");
        stream.extend(gzip(b"second\n"));
        assert_eq!(decompress(&stream, Some("gzip")).expect("valid"), b"first\nsecond\n");
    }

    /// Gunzip as first written: through `read::MultiGzDecoder`'s own buffer, into a growing Vec.
    fn gunzip_through_a_buffer(bytes: &[u8], limit: usize) -> Result<Vec<u8>, CompressionError> {
        let mut out = Vec::new();
        let cap = u64::try_from(limit).map_or(u64::MAX, |l| l.saturating_add(1));
        flate2::read::MultiGzDecoder::new(bytes)
            .take(cap)
            .read_to_end(&mut out)
            .map_err(|err| CompressionError::InvalidGzip(err.to_string()))?;
        if out.len() > limit {
            return Err(CompressionError::TooLarge);
        }
        Ok(out)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// The same bytes and the same errors (their messages reach the diagnostics) on streams
        /// cut short, with a byte changed, with a lying size trailer, and under limits.
        #[test]
        fn gunzip_agrees_with_the_buffered_reader(
            data in proptest::collection::vec(0u8..4, 0..3000),
            members in 1usize..3,
            cut in proptest::option::of(0usize..2000),
            flip in proptest::option::of((0usize..2000, 1u8..=255)),
            limit in 0usize..7000,
        ) {
            let mut stream = gzip(&data).repeat(members);
            if let Some((at, bits)) = flip && let Some(b) = stream.get_mut(at) {
                *b ^= bits;
            }
            if let Some(cut) = cut {
                stream.truncate(cut);
            }
            proptest::prop_assert_eq!(gunzip(&stream, limit), gunzip_through_a_buffer(&stream, limit));
        }
    }

    #[test]
    fn a_lying_size_trailer_changes_nothing() {
        let mut stream = gzip(b"some file contents");
        let size_at = stream.len() - 4;
        stream[size_at..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(gunzip(&stream, 1 << 20), Err(CompressionError::InvalidGzip(_))));
        stream[size_at..].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(gunzip(&stream, 1 << 20), Err(CompressionError::InvalidGzip(_))));
        assert_eq!(size_hint(&stream), 2);
        assert_eq!(size_hint(&gzip(&[0; 1 << 16])), 1 << 16);
        assert_eq!(size_hint(b"\xff\xff\xff\xff"), 4 * 1032, "no more than deflate expands to");
    }

    #[test]
    fn decompressed_size_is_capped() {
        assert_eq!(MAX_DECOMPRESSED_SIZE, 64 * 1024 * 1024);
        let stream = gzip(&[0u8; 1025]);
        assert_eq!(gunzip(&stream, 1024), Err(CompressionError::TooLarge));
        assert_eq!(gunzip(&stream, 1025).expect("at the limit").len(), 1025);
    }
}
