//! Decoding of Ignition file contents (`contents.source`, `compression`,
//! `verification.hash`) exactly as Ignition v2 (spec 3.x) and the MCO do.
//!
//! Both Ignition (config validation and `FetchFromDataURL`) and the MCO
//! (`DecodeIgnitionFileContents`) decode data URLs with the Go library
//! `github.com/vincent-petithory/dataurl`, so its grammar is reproduced here
//! rule by rule, including the corners where it differs from RFC 2397 or the
//! WHATWG fetch spec (no form decoding, strict padded base64, newlines allowed
//! only inside base64 payloads).

use std::fmt;
use std::io::Read;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256, Sha512};

/// Largest decompressed file accepted; guards the compiler against gzip bombs.
pub const MAX_DECOMPRESSED_SIZE: usize = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Source URL schemes
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Data URLs
// ---------------------------------------------------------------------------

/// A decoded `data:` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataUrl {
    /// `type/subtype` as written, or `text/plain` (the library's default) when omitted.
    pub media_type: String,
    /// Whether the payload was `;base64`-encoded.
    pub base64: bool,
    /// The decoded payload (still compressed if `compression` is set).
    pub bytes: Vec<u8>,
}

/// A data URL that Ignition would reject, with the byte offset of the culprit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataUrlError {
    /// Byte offset within the URL string of the offending character.
    pub offset: usize,
    pub kind: DataUrlErrorKind,
}

/// Why a data URL was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataUrlErrorKind {
    /// The URL does not start with lowercase `data:`.
    MissingDataPrefix,
    /// The header runs to the end of the URL without the `,` before the payload.
    MissingComma,
    /// A character that is not allowed in a media type.
    InvalidMediaTypeCharacter,
    /// A media type without the `/` between type and subtype.
    MissingMediaTypeSlash,
    /// A media type that is not `text`, `image`, `audio`, `video`,
    /// `application`, `message`, `multipart` or an `x-` extension.
    UnknownMediaType,
    /// A character that is not allowed in a parameter name or value.
    InvalidParameterCharacter,
    /// A `;` not followed by a parameter name.
    UnterminatedParameter,
    /// A parameter without `=value` that is not the final `base64`.
    ExpectedBase64,
    /// A quoted parameter value without its closing `"`.
    UnclosedQuotedString,
    /// A quoted parameter value that Go's `strconv.Unquote` rejects.
    InvalidQuotedEscape,
    /// A payload character outside the allowed set.
    InvalidDataCharacter,
    /// A `%` not followed by two hex digits.
    MalformedPercentEscape,
    /// A base64 payload with bad padding or length.
    InvalidBase64,
}

impl fmt::Display for DataUrlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingDataPrefix => "data url must start with `data:`",
            Self::MissingComma => "missing comma before data",
            Self::InvalidMediaTypeCharacter => "invalid character in media type",
            Self::MissingMediaTypeSlash => "media type is missing the `/` before its subtype",
            Self::UnknownMediaType => {
                "media type must be text, image, audio, video, application, message, multipart or x-*"
            }
            Self::InvalidParameterCharacter => "invalid character in media type parameter",
            Self::UnterminatedParameter => "unterminated parameter sequence",
            Self::ExpectedBase64 => "a parameter without a value must be `base64`, just before the comma",
            Self::UnclosedQuotedString => "unclosed quoted string in parameter value",
            Self::InvalidQuotedEscape => "invalid escape in quoted parameter value",
            Self::InvalidDataCharacter => "invalid data character",
            Self::MalformedPercentEscape => "malformed percent escape, expected `%` and two hex digits",
            Self::InvalidBase64 => "invalid base64 data, padded standard base64 is required",
        })
    }
}

impl fmt::Display for DataUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for DataUrlError {}

/// Decodes a `data:` URL the way `dataurl.DecodeString` does.
///
/// Grammar: `data:` `[type/subtype]` `[;attr=value]*` `[;base64]` `,` payload.
/// The media type and parameters are validated but otherwise ignored.
///
/// # Errors
///
/// Any URL `dataurl.DecodeString` rejects, with the byte offset of the
/// offending character in [`DataUrlError::offset`].
pub fn decode_data_url(url: &str) -> Result<DataUrl, DataUrlError> {
    let header = parse_header(url)?;
    let payload = url.as_bytes().get(header.payload_start..).unwrap_or_default();
    let bytes = if header.base64 {
        decode_base64_payload(payload, header.payload_start)?
    } else {
        decode_percent_payload(payload, header.payload_start)?
    };
    Ok(DataUrl { media_type: header.media_type, base64: header.base64, bytes })
}

/// What the header (everything up to the comma) says about the payload.
struct Header {
    media_type: String,
    base64: bool,
    payload_start: usize,
}

/// A byte cursor over the URL; every syntactic character is ASCII, so
/// byte offsets are the offsets reported to the user.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Advances over a run of bytes matching `pred`, returning where it began.
    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        start
    }

    fn error(&self, kind: DataUrlErrorKind) -> DataUrlError {
        error_at(self.pos, kind)
    }
}

fn error_at(offset: usize, kind: DataUrlErrorKind) -> DataUrlError {
    DataUrlError { offset, kind }
}

/// Parses `data:[type/subtype][;attr=value]*[;base64],` and stops after the comma.
fn parse_header(url: &str) -> Result<Header, DataUrlError> {
    // The library matches the prefix case-sensitively. Ignition's validation
    // passes the URL through unchanged, so `DATA:,x` is rejected even though
    // Go's url.Parse would lowercase the scheme.
    let Some(rest_start) = url.strip_prefix("data:").map(|rest| url.len() - rest.len()) else {
        return Err(error_at(0, DataUrlErrorKind::MissingDataPrefix));
    };
    let mut cur = Cursor { bytes: url.as_bytes(), pos: rest_start };
    let media_type = match cur.peek() {
        None => return Err(cur.error(DataUrlErrorKind::MissingComma)),
        Some(b';' | b',') => "text/plain".to_owned(),
        Some(b) if is_token(b) => parse_media_type(url, &mut cur)?,
        Some(_) => return Err(cur.error(DataUrlErrorKind::InvalidMediaTypeCharacter)),
    };
    let mut base64 = false;
    while cur.peek() == Some(b';') {
        cur.pos += 1;
        base64 = parse_parameter(url, &mut cur)?;
    }
    // Every branch above stops on `,` or returns an error; the check keeps
    // that invariant local.
    if cur.peek() != Some(b',') {
        return Err(cur.error(DataUrlErrorKind::MissingComma));
    }
    Ok(Header { media_type, base64, payload_start: cur.pos + 1 })
}

/// Parses `type/subtype`, leaving the cursor on the following `;` or `,`.
fn parse_media_type(url: &str, cur: &mut Cursor<'_>) -> Result<String, DataUrlError> {
    let start = cur.skip_while(is_token);
    match cur.peek() {
        Some(b'/') => {}
        None | Some(b';' | b',') => return Err(cur.error(DataUrlErrorKind::MissingMediaTypeSlash)),
        Some(_) => return Err(cur.error(DataUrlErrorKind::InvalidMediaTypeCharacter)),
    }
    let main_type = url.get(start..cur.pos).unwrap_or_default();
    if !is_known_media_type(main_type) {
        return Err(error_at(start, DataUrlErrorKind::UnknownMediaType));
    }
    cur.pos += 1;
    // The subtype may be empty (`text/,x` is accepted by the library).
    cur.skip_while(is_token);
    match cur.peek() {
        Some(b';' | b',') => Ok(url.get(start..cur.pos).unwrap_or_default().to_owned()),
        None => Err(cur.error(DataUrlErrorKind::MissingComma)),
        Some(_) => Err(cur.error(DataUrlErrorKind::InvalidMediaTypeCharacter)),
    }
}

/// The library checks the type with a case-sensitive prefix match against
/// RFC 2045's discrete and composite types, or accepts an `x-`/`X-` extension.
fn is_known_media_type(main_type: &str) -> bool {
    const KNOWN: [&str; 7] = ["text", "image", "audio", "video", "application", "message", "multipart"];
    main_type.starts_with("x-") || main_type.starts_with("X-") || KNOWN.iter().any(|known| main_type.starts_with(known))
}

/// Parses one parameter after its `;`, leaving the cursor on `;` or `,`.
/// Returns whether it was the `base64` marker.
fn parse_parameter(url: &str, cur: &mut Cursor<'_>) -> Result<bool, DataUrlError> {
    match cur.peek() {
        Some(b) if is_token(b) => {}
        None | Some(b'=' | b',') => return Err(cur.error(DataUrlErrorKind::UnterminatedParameter)),
        Some(_) => return Err(cur.error(DataUrlErrorKind::InvalidParameterCharacter)),
    }
    let start = cur.skip_while(is_token);
    match cur.peek() {
        Some(b'=') => {
            cur.pos += 1;
            parse_parameter_value(cur)?;
            Ok(false)
        }
        // A bare attribute is only valid as the final `base64` marker.
        Some(b',') if url.get(start..cur.pos) == Some("base64") => Ok(true),
        Some(b',') => Err(error_at(start, DataUrlErrorKind::ExpectedBase64)),
        None => Err(cur.error(DataUrlErrorKind::UnterminatedParameter)),
        Some(_) => Err(cur.error(DataUrlErrorKind::InvalidParameterCharacter)),
    }
}

/// Parses a parameter value after its `=`, leaving the cursor on `;` or `,`.
fn parse_parameter_value(cur: &mut Cursor<'_>) -> Result<(), DataUrlError> {
    match cur.peek() {
        Some(b'"') => parse_quoted_value(cur)?,
        Some(b) if is_token(b) => {
            let start = cur.skip_while(is_token);
            // Unquoted values go through the library's percent-unescaping,
            // which fails on a malformed escape.
            let value = cur.bytes.get(start..cur.pos).unwrap_or_default();
            percent_decode(value, start)?;
        }
        None => return Err(cur.error(DataUrlErrorKind::MissingComma)),
        Some(_) => return Err(cur.error(DataUrlErrorKind::InvalidParameterCharacter)),
    }
    match cur.peek() {
        Some(b';' | b',') => Ok(()),
        None => Err(cur.error(DataUrlErrorKind::MissingComma)),
        Some(_) => Err(cur.error(DataUrlErrorKind::InvalidParameterCharacter)),
    }
}

/// Parses `"..."` with the cursor on the opening quote. The lexer allows any
/// ASCII inside, with `\` escaping one character; the parser then runs the
/// value through Go's `strconv.Unquote`, whose stricter rules apply too.
fn parse_quoted_value(cur: &mut Cursor<'_>) -> Result<(), DataUrlError> {
    let open = cur.pos;
    cur.pos += 1;
    loop {
        match cur.peek() {
            None => return Err(error_at(open, DataUrlErrorKind::UnclosedQuotedString)),
            Some(b'"') => break,
            Some(b'\\') => cur.pos += 1,
            Some(_) => {}
        }
        match cur.peek() {
            None => return Err(error_at(open, DataUrlErrorKind::UnclosedQuotedString)),
            Some(b) if b.is_ascii() => cur.pos += 1,
            Some(_) => return Err(cur.error(DataUrlErrorKind::InvalidParameterCharacter)),
        }
    }
    let content = cur.bytes.get(open + 1..cur.pos).unwrap_or_default();
    check_go_unquote(content, open + 1)?;
    cur.pos += 1;
    Ok(())
}

/// Rejects what Go's `strconv.Unquote` rejects in a double-quoted string:
/// raw newlines and escapes other than `\a \b \f \n \r \t \v \\ \"`,
/// `\xHH`, `\uHHHH`, `\UHHHHHHHH` (valid scalar values) and `\ooo` (<= 255).
fn check_go_unquote(content: &[u8], base: usize) -> Result<(), DataUrlError> {
    let mut i = 0;
    while let Some(&b) = content.get(i) {
        i += match b {
            b'\n' => return Err(error_at(base + i, DataUrlErrorKind::InvalidQuotedEscape)),
            b'\\' => {
                let rest = content.get(i + 1..).unwrap_or_default();
                1 + go_escape_len(rest).ok_or_else(|| error_at(base + i, DataUrlErrorKind::InvalidQuotedEscape))?
            }
            _ => 1,
        };
    }
    Ok(())
}

/// Length of a valid Go escape body (after the backslash), or `None`.
fn go_escape_len(rest: &[u8]) -> Option<usize> {
    let (&kind, digits) = rest.split_first()?;
    let is_scalar = |v: &u32| char::from_u32(*v).is_some();
    match kind {
        b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'"' => Some(1),
        b'x' => radix_run(digits, 2, 16).map(|_| 3),
        b'u' => radix_run(digits, 4, 16).filter(is_scalar).map(|_| 5),
        b'U' => radix_run(digits, 8, 16).filter(is_scalar).map(|_| 9),
        b'0'..=b'7' => radix_run(rest, 3, 8).filter(|v| *v <= 255).map(|_| 3),
        _ => None,
    }
}

/// Value of the first `len` bytes of `digits` read as digits in `radix`.
fn radix_run(digits: &[u8], len: usize, radix: u32) -> Option<u32> {
    digits.get(..len)?.iter().try_fold(0u32, |acc, &d| {
        let digit = char::from(d).to_digit(radix)?;
        Some(acc * radix + digit)
    })
}

/// RFC 2045 token characters: printable ASCII except tspecials.
fn is_token(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b)
}

/// The library's `isURLCharRune`: printable ASCII minus RFC 2396 delims and
/// "unwise" characters. `%` is allowed here and validated by unescaping.
fn is_url_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b"<>#\"{}|\\^[]`".contains(&b)
}

/// The library's `isBase64Rune`, plus `\n` which it allows for wrapped payloads.
fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n')
}

/// A non-base64 payload: character check first (the lexer), then
/// percent-decoding (the parser). `+` is not form-decoded to a space.
fn decode_percent_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    if let Some(i) = payload.iter().position(|&b| !is_url_char(b)) {
        return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
    }
    percent_decode(payload, base)
}

/// RFC 2396 unescaping: `%HH` (either case) becomes one byte; anything else
/// after `%` is an error reported at the `%`.
fn percent_decode(input: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%' {
            let byte = input
                .get(i + 1..i + 3)
                .and_then(|hex| radix_run(hex, 2, 16))
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| error_at(base + i, DataUrlErrorKind::MalformedPercentEscape))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

/// Go's `base64.StdEncoding`: padding required, `-`/`_` rejected, and
/// non-zero trailing bits tolerated (Go only rejects them in `Strict` mode).
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// A `;base64` payload: alphabet check (the lexer), then newlines dropped
/// (Go's decoder skips them) and a padded standard decode.
fn decode_base64_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    if let Some(i) = payload.iter().position(|&b| !is_base64_char(b)) {
        return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
    }
    let stripped: Vec<u8> = payload.iter().copied().filter(|&b| b != b'\n').collect();
    GO_STD_BASE64.decode(&stripped).map_err(|err| {
        let at_stripped = match err {
            base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
            base64::DecodeError::InvalidPadding => stripped.iter().position(|&b| b == b'=').unwrap_or(stripped.len()),
            base64::DecodeError::InvalidLength(_) => stripped.len(),
        };
        error_at(base + unstripped_offset(payload, at_stripped), DataUrlErrorKind::InvalidBase64)
    })
}

/// Maps an index into the newline-free payload back to the original payload.
fn unstripped_offset(payload: &[u8], stripped_index: usize) -> usize {
    payload.iter().enumerate().filter(|&(_, &b)| b != b'\n').nth(stripped_index).map_or(payload.len(), |(i, _)| i)
}

// ---------------------------------------------------------------------------
// Compression
// ---------------------------------------------------------------------------

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

/// Gunzips like Go's `gzip.Reader`: concatenated members are all decoded
/// (multistream is Go's default), CRC and length trailers are checked, and
/// empty, truncated or trailing-garbage input is an error.
fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, CompressionError> {
    let mut out = Vec::new();
    // Reading one byte past the limit tells "exactly at the limit" from "over it".
    let cap = u64::try_from(limit).map_or(u64::MAX, |l| l.saturating_add(1));
    MultiGzDecoder::new(bytes)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|err| CompressionError::InvalidGzip(err.to_string()))?;
    if out.len() > limit {
        return Err(CompressionError::TooLarge);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Verification hashes
// ---------------------------------------------------------------------------

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
/// decompression, so pass the output of [`decompress`].
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
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use mcc_contract::sha256_hex;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    }

    fn decode_err(url: &str) -> DataUrlError {
        decode_data_url(url).expect_err(url)
    }

    fn assert_rejected(url: &str, offset: usize, kind: DataUrlErrorKind) {
        assert_eq!(decode_err(url), DataUrlError { offset, kind }, "{url:?}");
    }

    // --- source schemes -----------------------------------------------------

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

    // --- data URL header ------------------------------------------------------

    #[test]
    fn missing_data_prefix_is_rejected() {
        assert_rejected("DATA:,x", 0, DataUrlErrorKind::MissingDataPrefix);
        assert_rejected("https://example.com", 0, DataUrlErrorKind::MissingDataPrefix);
        assert_rejected("data", 0, DataUrlErrorKind::MissingDataPrefix);
    }

    #[test]
    fn missing_comma_is_rejected() {
        assert_rejected("data:", 5, DataUrlErrorKind::MissingComma);
        assert_rejected("data:text/plain", 15, DataUrlErrorKind::MissingComma);
        assert_rejected("data:text/plain;charset=utf-8", 29, DataUrlErrorKind::MissingComma);
    }

    #[test]
    fn omitted_media_type_defaults_to_text_plain() {
        let url = decode_data_url("data:,x").expect("valid");
        assert_eq!(url.media_type, "text/plain");
        let url = decode_data_url("data:application/json;base64,e30=").expect("valid");
        assert_eq!(url.media_type, "application/json");
        assert!(url.base64);
    }

    #[test]
    fn media_type_must_be_known_or_an_extension() {
        assert_rejected("data:foo/bar,x", 5, DataUrlErrorKind::UnknownMediaType);
        assert_rejected("data:Text/plain,x", 5, DataUrlErrorKind::UnknownMediaType);
        assert_rejected("data:xtext/plain,x", 5, DataUrlErrorKind::UnknownMediaType);
        for ok in [
            "data:x-foo/bar,x",
            "data:X-Foo/bar,x",
            "data:application/octet-stream,x",
            "data:multipart/mixed,x",
            "data:textual/plain,x",
            "data:text/,x",
        ] {
            assert!(decode_data_url(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn media_type_needs_a_subtype_separator() {
        assert_rejected("data:text,x", 9, DataUrlErrorKind::MissingMediaTypeSlash);
        assert_rejected("data:text", 9, DataUrlErrorKind::MissingMediaTypeSlash);
        assert_rejected("data:text/plain/x,x", 15, DataUrlErrorKind::InvalidMediaTypeCharacter);
        assert_rejected("data: text/plain,x", 5, DataUrlErrorKind::InvalidMediaTypeCharacter);
    }

    #[test]
    fn parameter_without_value_must_be_base64() {
        assert_rejected("data:text/plain;charset,x", 16, DataUrlErrorKind::ExpectedBase64);
        assert_rejected("data:;BASE64,eA==", 6, DataUrlErrorKind::ExpectedBase64);
        assert_rejected("data:;,x", 6, DataUrlErrorKind::UnterminatedParameter);
        assert_rejected("data:;=x,x", 6, DataUrlErrorKind::UnterminatedParameter);
        assert_rejected("data:;base64", 12, DataUrlErrorKind::UnterminatedParameter);
    }

    #[test]
    fn base64_must_be_the_last_parameter() {
        assert_rejected("data:text/plain;base64;charset=utf-8,eA==", 22, DataUrlErrorKind::InvalidParameterCharacter);
        // `base64=...` is an ordinary parameter, so the payload stays percent-encoded.
        let url = decode_data_url("data:;base64=yes,eA==").expect("valid");
        assert!(!url.base64);
        assert_eq!(url.bytes, b"eA==");
    }

    #[test]
    fn parameter_value_must_be_a_token_or_quoted_string() {
        assert_rejected("data:;charset=,x", 14, DataUrlErrorKind::InvalidParameterCharacter);
        assert_rejected("data:;charset=a=b,x", 15, DataUrlErrorKind::InvalidParameterCharacter);
        assert_rejected("data:;charset=utf-8", 19, DataUrlErrorKind::MissingComma);
        assert_rejected("data:;charset=\"utf-8\"x,x", 21, DataUrlErrorKind::InvalidParameterCharacter);
    }

    #[test]
    fn parameter_value_percent_escapes_are_validated() {
        assert_rejected("data:;charset=%zz,x", 14, DataUrlErrorKind::MalformedPercentEscape);
        assert!(decode_data_url("data:;charset=utf%2D8,x").is_ok());
    }

    #[test]
    fn quoted_parameter_value_is_accepted() {
        let url = decode_data_url(r#"data:text/plain;charset="utf-8";base64,eA=="#).expect("valid");
        assert_eq!(url.bytes, b"x");
        assert!(decode_data_url(r#"data:;a="semi;colon, and \"quote\"",x"#).is_ok());
        assert_rejected(r#"data:;a="open,x"#, 8, DataUrlErrorKind::UnclosedQuotedString);
    }

    #[test]
    fn quoted_parameter_escapes_follow_go_unquote() {
        for ok in [r"\x41", r"\u00e9", r"\U0001F600", r"\101", r"\t\\", "tab\there"] {
            let url = format!("data:;a=\"{ok}\",x");
            assert!(decode_data_url(&url).is_ok(), "{url:?}");
        }
        for (bad, at) in
            [(r"\q", 0), (r"a\'", 1), (r"\x4", 0), (r"\uD800", 0), (r"\U00110000", 0), (r"\400", 0), ("new\nline", 3)]
        {
            let url = format!("data:;a=\"{bad}\",x");
            assert_rejected(&url, 9 + at, DataUrlErrorKind::InvalidQuotedEscape);
        }
    }

    // --- percent-encoded payloads ---------------------------------------------

    #[test]
    fn percent_encoded_payload_is_decoded() {
        let url = decode_data_url("data:,server%20clock.example.com%20iburst%0A").expect("valid");
        assert_eq!(url.bytes, b"server clock.example.com iburst\n");
        assert!(!url.base64);
    }

    #[test]
    fn percent_escapes_accept_upper_and_lower_hex() {
        let url = decode_data_url("data:,%2f%2F%c3%A9").expect("valid");
        assert_eq!(url.bytes, "//é".as_bytes());
    }

    #[test]
    fn plus_stays_literal_in_percent_encoded_payload() {
        let url = decode_data_url("data:,a+b%2Bc").expect("valid");
        assert_eq!(url.bytes, b"a+b+c");
    }

    #[test]
    fn commas_and_reserved_characters_are_literal_in_payload() {
        let url = decode_data_url("data:,a,b;c=d?e&f/g:h@i$j!k*l'm(n)o~p").expect("valid");
        assert_eq!(url.bytes, b"a,b;c=d?e&f/g:h@i$j!k*l'm(n)o~p");
    }

    #[test]
    fn malformed_percent_escape_is_rejected() {
        assert_rejected("data:,ab%2", 8, DataUrlErrorKind::MalformedPercentEscape);
        assert_rejected("data:,ab%", 8, DataUrlErrorKind::MalformedPercentEscape);
        assert_rejected("data:,%zz", 6, DataUrlErrorKind::MalformedPercentEscape);
        assert_rejected("data:,%4g", 6, DataUrlErrorKind::MalformedPercentEscape);
    }

    #[test]
    fn invalid_data_characters_are_rejected() {
        for c in [' ', '<', '>', '#', '"', '{', '}', '|', '\\', '^', '[', ']', '`'] {
            assert_rejected(&format!("data:,ab{c}"), 8, DataUrlErrorKind::InvalidDataCharacter);
        }
    }

    #[test]
    fn control_characters_are_rejected() {
        for c in ['\n', '\t', '\r', '\0', '\x7f'] {
            assert_rejected(&format!("data:,ab{c}"), 8, DataUrlErrorKind::InvalidDataCharacter);
        }
    }

    #[test]
    fn non_ascii_payload_is_rejected() {
        assert_rejected("data:,café", 9, DataUrlErrorKind::InvalidDataCharacter);
        assert_rejected("data:,é", 6, DataUrlErrorKind::InvalidDataCharacter);
    }

    #[test]
    fn invalid_character_is_reported_before_malformed_escape() {
        // The library's lexer checks every character before the parser unescapes.
        assert_rejected("data:,%zz ", 9, DataUrlErrorKind::InvalidDataCharacter);
    }

    #[test]
    fn empty_payload_is_an_empty_file() {
        for url in ["data:,", "data:;base64,", "data:text/plain;charset=utf-8,"] {
            assert_eq!(decode_data_url(url).expect(url).bytes, b"", "{url:?}");
        }
    }

    // --- base64 payloads --------------------------------------------------------

    #[test]
    fn base64_payload_is_decoded() {
        let url = decode_data_url("data:text/plain;charset=utf-8;base64,c2VydmVyIGZvbwo=").expect("valid");
        assert_eq!(url.bytes, b"server foo\n");
        assert_eq!(url.media_type, "text/plain");
        assert!(url.base64);
    }

    #[test]
    fn base64_newlines_are_stripped() {
        let url = decode_data_url("data:;base64,c2VydmVy\nIGZvbwo=\n").expect("valid");
        assert_eq!(url.bytes, b"server foo\n");
        let url = decode_data_url("data:;base64,eA=\n=").expect("valid");
        assert_eq!(url.bytes, b"x");
    }

    #[test]
    fn base64_rejects_characters_outside_alphabet() {
        assert_rejected("data:;base64,c2Vy dmVy", 17, DataUrlErrorKind::InvalidDataCharacter);
        assert_rejected("data:;base64,c2VydmVy\r\n", 21, DataUrlErrorKind::InvalidDataCharacter);
        assert_rejected("data:;base64,eA%3D%3D", 15, DataUrlErrorKind::InvalidDataCharacter);
    }

    #[test]
    fn url_safe_base64_is_rejected() {
        // "/+8=" in standard base64; the URL-safe form uses `_` and `-`.
        assert_eq!(decode_data_url("data:;base64,/+8=").expect("valid").bytes, [0xff, 0xef]);
        assert_rejected("data:;base64,_-8=", 13, DataUrlErrorKind::InvalidDataCharacter);
    }

    #[test]
    fn unpadded_base64_is_rejected() {
        assert_rejected("data:;base64,eA", 15, DataUrlErrorKind::InvalidBase64);
        assert_rejected("data:;base64,eA=", 15, DataUrlErrorKind::InvalidBase64);
        assert_rejected("data:;base64,eHl6e", 18, DataUrlErrorKind::InvalidBase64);
    }

    #[test]
    fn misplaced_base64_padding_is_rejected() {
        assert!(decode_data_url("data:;base64,eA==eA==").is_err());
        assert!(decode_data_url("data:;base64,====").is_err());
        assert!(decode_data_url("data:;base64,e===").is_err());
    }

    #[test]
    fn base64_error_offset_accounts_for_stripped_newlines() {
        // Each error points at the `=` at byte 21, past the skipped newlines.
        assert_rejected("data:;base64,eHl6\n\neA=A", 21, DataUrlErrorKind::InvalidBase64);
        assert_rejected("data:;base64,eHl6\n\neA=", 21, DataUrlErrorKind::InvalidBase64);
        assert_rejected("data:;base64,eHl6\neA\n=\n", 21, DataUrlErrorKind::InvalidBase64);
    }

    #[test]
    fn base64_trailing_bits_are_accepted_like_go() {
        // Go's StdEncoding is not Strict, so "eB==" decodes like "eA==".
        assert_eq!(decode_data_url("data:;base64,eB==").expect("valid").bytes, b"x");
    }

    #[test]
    fn error_display_includes_offset() {
        let err = decode_err("data:,ab cd");
        assert_eq!(err.to_string(), "invalid data character at byte 8");
    }

    // --- compression --------------------------------------------------------------

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

    #[test]
    fn decompressed_size_is_capped() {
        assert_eq!(MAX_DECOMPRESSED_SIZE, 64 * 1024 * 1024);
        let stream = gzip(&[0u8; 1025]);
        assert_eq!(gunzip(&stream, 1024), Err(CompressionError::TooLarge));
        assert_eq!(gunzip(&stream, 1025).expect("at the limit").len(), 1025);
    }

    // --- verification hashes --------------------------------------------------------

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
