//! Data URLs (`data:[type/subtype][;attr=value]*[;base64],payload`) decoded as the Go library
//! `github.com/vincent-petithory/dataurl` does: the header grammar, then the payload.

mod header;
mod payload;

use std::fmt;

use header::parse_header;
use payload::{decode_base64_payload, decode_percent_payload};

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

pub(super) fn error_at(offset: usize, kind: DataUrlErrorKind) -> DataUrlError {
    DataUrlError { offset, kind }
}
#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn decode_err(url: &str) -> DataUrlError {
        decode_data_url(url).expect_err(url)
    }

    pub(super) fn assert_rejected(url: &str, offset: usize, kind: DataUrlErrorKind) {
        assert_eq!(decode_err(url), DataUrlError { offset, kind }, "{url:?}");
    }

    #[test]
    fn error_display_includes_offset() {
        let err = decode_err("data:,ab cd");
        assert_eq!(err.to_string(), "invalid data character at byte 8");
    }
}
