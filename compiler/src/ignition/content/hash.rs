//! `verification.hash`: parsed in Ignition's order and checked over the decompressed contents.

use std::fmt;

use sha2::{Digest, Sha256, Sha512};

/// A parsed `verification.hash` with its expected digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashSpec {
    Sha256([u8; 32]),
    Sha512([u8; 64]),
}

/// Why a `verification.hash` string is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HashError {
    /// No `-` between function and digest.
    Malformed,
    /// A function other than `sha256` or `sha512` (case-sensitive).
    UnrecognizedFunction(String),
    /// The digest does not have the function's number of hex digits.
    WrongSize { expected: usize, found: usize },
    /// The digest has the right length but is not hex.
    InvalidHex,
}

impl fmt::Display for HashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("malformed hash specifier, expected `<function>-<hex digest>`"),
            Self::UnrecognizedFunction(function) => {
                write!(f, "unrecognized hash function {function:?}, expected sha512 or sha256")
            }
            Self::WrongSize { expected, found } => {
                write!(f, "incorrect size for hash sum, expected {expected} hex digits but found {found}")
            }
            Self::InvalidHex => f.write_str("hash sum is not a hexadecimal string"),
        }
    }
}

impl std::error::Error for HashError {}

/// The computed digest differs from the one in `verification.hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashMismatch {
    /// Expected digest, lowercase hex.
    pub expected: String,
    /// Digest of the decompressed contents, lowercase hex.
    pub computed: String,
}

impl fmt::Display for HashMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same wording as Ignition's ErrHashMismatch.
        write!(f, "hash verification failed (calculated {} but expected {})", self.computed, self.expected)
    }
}

impl std::error::Error for HashMismatch {}

/// Parses `<function>-<hex>`, checking in Ignition's order: the split on the
/// first `-`, the function name, the digest length, then the hex digits
/// (which Ignition decodes with `hex.DecodeString`, so either case works).
///
/// # Errors
///
/// The first of the checks above that fails.
pub fn parse_hash(spec: &str) -> Result<HashSpec, HashError> {
    let (function, sum) = spec.split_once('-').ok_or(HashError::Malformed)?;
    match function {
        "sha256" => decode_digest(sum).map(HashSpec::Sha256),
        "sha512" => decode_digest(sum).map(HashSpec::Sha512),
        _ => Err(HashError::UnrecognizedFunction(function.to_owned())),
    }
}

fn decode_digest<const N: usize>(sum: &str) -> Result<[u8; N], HashError> {
    if sum.len() != 2 * N {
        return Err(HashError::WrongSize { expected: 2 * N, found: sum.len() });
    }
    let mut digest = [0u8; N];
    hex::decode_to_slice(sum, &mut digest).map_err(|_| HashError::InvalidHex)?;
    Ok(digest)
}

/// Checks `bytes` against `spec`. Ignition hashes the contents after
/// decompression, so pass the output of [`decompress`](super::decompress).
///
/// # Errors
///
/// [`HashMismatch`] with both digests when they differ.
pub fn verify_hash(spec: &HashSpec, bytes: &[u8]) -> Result<(), HashMismatch> {
    let (expected, computed): (&[u8], Vec<u8>) = match spec {
        HashSpec::Sha256(expected) => (expected, Sha256::digest(bytes).to_vec()),
        HashSpec::Sha512(expected) => (expected, Sha512::digest(bytes).to_vec()),
    };
    if expected == computed.as_slice() {
        Ok(())
    } else {
        Err(HashMismatch { expected: hex::encode(expected), computed: hex::encode(computed) })
    }
}
#[cfg(test)]
mod tests {
    use super::super::decompress;
    use super::super::tests::gzip;
    use mcc_contract::sha256_hex;

    use super::*;

    fn sha512_hex(data: &[u8]) -> String {
        hex::encode(Sha512::digest(data))
    }

    #[test]
    fn sha512_hash_is_verified() {
        let data = b"server clock.example.com iburst\n";
        let spec = parse_hash(&format!("sha512-{}", sha512_hex(data))).expect("valid");
        assert!(matches!(spec, HashSpec::Sha512(_)));
        assert_eq!(verify_hash(&spec, data), Ok(()));
    }

    #[test]
    fn sha256_hash_is_verified() {
        let data = b"server clock.example.com iburst\n";
        let spec = parse_hash(&format!("sha256-{}", sha256_hex(data))).expect("valid");
        assert!(matches!(spec, HashSpec::Sha256(_)));
        assert_eq!(verify_hash(&spec, data), Ok(()));
    }

    #[test]
    fn hash_without_dash_is_malformed() {
        assert_eq!(parse_hash("sha512"), Err(HashError::Malformed));
        assert_eq!(parse_hash(""), Err(HashError::Malformed));
        assert!(parse_hash("sha512").expect_err("malformed").to_string().starts_with("malformed hash specifier"));
    }

    #[test]
    fn unknown_hash_function_is_rejected() {
        for function in ["md5", "SHA512", "sha1", ""] {
            let spec = format!("{function}-{}", sha256_hex(b""));
            assert_eq!(parse_hash(&spec), Err(HashError::UnrecognizedFunction(function.to_owned())));
        }
        assert!(parse_hash("md5-00").expect_err("bad").to_string().starts_with("unrecognized hash function"));
    }

    #[test]
    fn sha256_needs_64_hex_digits() {
        let digest = sha256_hex(b"");
        assert_eq!(
            parse_hash(&format!("sha256-{}", &digest[..63])),
            Err(HashError::WrongSize { expected: 64, found: 63 })
        );
        assert_eq!(parse_hash(&format!("sha256-{digest}0")), Err(HashError::WrongSize { expected: 64, found: 65 }));
        assert!(parse_hash("sha256-00").expect_err("bad").to_string().starts_with("incorrect size for hash sum"));
    }

    #[test]
    fn sha512_needs_128_hex_digits() {
        assert_eq!(
            parse_hash(&format!("sha512-{}", sha256_hex(b""))),
            Err(HashError::WrongSize { expected: 128, found: 64 })
        );
    }

    #[test]
    fn non_hex_digest_is_rejected() {
        let digest = sha256_hex(b"").replacen(|c: char| c.is_ascii_hexdigit(), "g", 1);
        assert_eq!(parse_hash(&format!("sha256-{digest}")), Err(HashError::InvalidHex));
        // Only the first dash separates; a later one lands in the digest.
        let dashed = format!("sha256--{}", &sha256_hex(b"")[1..]);
        assert_eq!(parse_hash(&dashed), Err(HashError::InvalidHex));
    }

    #[test]
    fn hash_hex_is_case_insensitive() {
        let data = b"upper case digest";
        let spec = parse_hash(&format!("sha512-{}", sha512_hex(data).to_ascii_uppercase())).expect("valid");
        assert_eq!(verify_hash(&spec, data), Ok(()));
    }

    #[test]
    fn hash_mismatch_reports_expected_and_computed() {
        let expected = sha256_hex(b"expected");
        let spec = parse_hash(&format!("sha256-{}", expected.to_ascii_uppercase())).expect("valid");
        let err = verify_hash(&spec, b"actual").expect_err("mismatch");
        assert_eq!(err.expected, expected);
        assert_eq!(err.computed, sha256_hex(b"actual"));
        assert_eq!(
            err.to_string(),
            format!("hash verification failed (calculated {} but expected {expected})", err.computed)
        );
    }

    #[test]
    fn hash_is_over_decompressed_bytes() {
        let original = b"[Unit]\nDescription=chrony tweak\n";
        let compressed = gzip(original);
        let spec = parse_hash(&format!("sha512-{}", sha512_hex(original))).expect("valid");
        assert!(verify_hash(&spec, &compressed).is_err());
        let contents = decompress(&compressed, Some("gzip")).expect("valid gzip");
        assert_eq!(verify_hash(&spec, &contents), Ok(()));
    }
}
