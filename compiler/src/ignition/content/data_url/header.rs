//! The header of a data URL, up to its comma: the media type and the parameters, checked as
//! the library's lexer and parser check them.

use super::payload::{check_percent_escapes, radix_run};
use super::{DataUrlError, DataUrlErrorKind, error_at};

/// What the header (everything up to the comma) says about the payload.
pub(super) struct Header {
    pub(super) media_type: String,
    pub(super) base64: bool,
    pub(super) payload_start: usize,
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

/// Parses `data:[type/subtype][;attr=value]*[;base64],` and stops after the comma.
pub(super) fn parse_header(url: &str) -> Result<Header, DataUrlError> {
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
            check_percent_escapes(value, start)?;
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

/// RFC 2045 token characters: printable ASCII except tspecials.
fn is_token(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b)
}
#[cfg(test)]
mod tests {
    use super::super::decode_data_url;
    use super::super::tests::assert_rejected;
    use super::*;

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
}
