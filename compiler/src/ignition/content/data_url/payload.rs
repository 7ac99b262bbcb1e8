//! The payload of a data URL after its comma: percent-encoded or base64, decoded with the
//! library's character rules and Go's standard base64.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::{DataUrlError, DataUrlErrorKind, error_at};

/// The library's `isURLCharRune`: printable ASCII minus RFC 2396 delims and
/// "unwise" characters. `%` is allowed here and validated by unescaping.
fn is_url_char(b: u8) -> bool {
    URL_CHARS[usize::from(b)]
}

/// [`is_url_char`] for every byte, computed once: payloads are checked a byte at a time.
const URL_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte: u8 = 0;
    loop {
        table[byte as usize] = byte.is_ascii_graphic()
            && !matches!(byte, b'<' | b'>' | b'#' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'[' | b']' | b'`');
        if byte == u8::MAX {
            break table;
        }
        byte += 1;
    }
};

/// The library's `isBase64Rune`, plus `\n` which it allows for wrapped payloads.
fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n')
}

/// A non-base64 payload: character check first (the lexer), then
/// percent-decoding (the parser). `+` is not form-decoded to a space.
pub(super) fn decode_percent_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    if let Some(i) = payload.iter().position(|&b| !is_url_char(b)) {
        return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
    }
    percent_decode(payload, base)
}

/// RFC 2396 unescaping: `%HH` (either case) becomes one byte; anything else
/// after `%` is an error reported at the `%`.
pub(super) fn percent_decode(input: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b != b'%' {
            // The run up to the next escape, copied at once.
            let run = input[i..].iter().position(|&c| c == b'%').unwrap_or(input.len() - i);
            out.extend_from_slice(&input[i..i + run]);
            i += run;
        } else {
            let byte = input
                .get(i + 1..i + 3)
                .and_then(|hex| radix_run(hex, 2, 16))
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| error_at(base + i, DataUrlErrorKind::MalformedPercentEscape))?;
            out.push(byte);
            i += 3;
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
pub(super) fn decode_base64_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
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

/// Value of the first `len` bytes of `digits` read as digits in `radix`.
pub(super) fn radix_run(digits: &[u8], len: usize, radix: u32) -> Option<u32> {
    digits.get(..len)?.iter().try_fold(0u32, |acc, &d| {
        let digit = char::from(d).to_digit(radix)?;
        Some(acc * radix + digit)
    })
}

#[cfg(test)]
mod tests {
    use super::super::decode_data_url;
    use super::super::tests::assert_rejected;
    use super::*;

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
}
