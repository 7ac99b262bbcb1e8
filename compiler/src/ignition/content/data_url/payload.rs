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

/// [`URL_CHARS`] but `%`: the bytes a payload holds as they are, told apart with one look-up.
const PLAIN_CHARS: [bool; 256] = {
    let mut table = URL_CHARS;
    table[b'%' as usize] = false;
    table
};

/// The library's `isBase64Rune`, plus `\n` which it allows for wrapped payloads.
fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n')
}

/// A non-base64 payload, decoded in one pass: the library's lexer checks every character before
/// its parser unescapes, so a malformed escape is reported only when no character after it is
/// invalid. `+` is not form-decoded to a space.
pub(super) fn decode_percent_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    // The decoded bytes are never more than the payload's: written in place, then cut to length.
    let mut out = vec![0; payload.len()];
    let mut len = 0;
    let mut i = 0;
    while let Some(&b) = payload.get(i) {
        let byte = if PLAIN_CHARS[usize::from(b)] {
            i += 1;
            b
        } else if b == b'%' {
            let Some(byte) = escaped_byte(payload, i) else {
                return Err(escape_error(payload, i, base));
            };
            i += 3;
            byte
        } else {
            return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
        };
        out[len] = byte;
        len += 1;
    }
    out.truncate(len);
    Ok(out)
}

/// The byte `%HH` (either case) at `at` stands for, if the two hex digits are there.
fn escaped_byte(input: &[u8], at: usize) -> Option<u8> {
    let [high, low] = *input.get(at + 1..at + 3)? else { return None };
    let (high, low) = (HEX_DIGITS[usize::from(high)], HEX_DIGITS[usize::from(low)]);
    ((high | low) < 16).then_some((high << 4) | low)
}

/// Each byte's value as a hex digit, or 255: escapes are a quarter of a payload's bytes.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [u8::MAX; 256];
    let mut byte: u8 = 0;
    loop {
        table[byte as usize] = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => u8::MAX,
        };
        if byte == u8::MAX {
            break table;
        }
        byte += 1;
    }
};

/// The error for the malformed escape at `at` of a payload whose characters before it are all
/// valid: an invalid character after it comes first, as the lexer finds it before the parser.
fn escape_error(payload: &[u8], at: usize, base: usize) -> DataUrlError {
    match payload[at + 1..].iter().position(|&b| !is_url_char(b)) {
        Some(i) => error_at(base + at + 1 + i, DataUrlErrorKind::InvalidDataCharacter),
        None => error_at(base + at, DataUrlErrorKind::MalformedPercentEscape),
    }
}

/// RFC 2396 unescaping, checked but not kept (an unquoted header parameter's value): `%HH`
/// (either case), and anything else after `%` is an error reported at the `%`.
pub(super) fn check_percent_escapes(input: &[u8], base: usize) -> Result<(), DataUrlError> {
    // No hex digit is a `%`, so every `%` starts an escape.
    match memchr::memchr_iter(b'%', input).find(|&at| escaped_byte(input, at).is_none()) {
        Some(at) => Err(error_at(base + at, DataUrlErrorKind::MalformedPercentEscape)),
        None => Ok(()),
    }
}

/// Go's `base64.StdEncoding`: padding required, `-`/`_` rejected, and
/// non-zero trailing bits tolerated (Go only rejects them in `Strict` mode).
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// A `;base64` payload: newlines dropped (Go's decoder skips them; a payload without any, the
/// usual case, is decoded without a copy) and a padded standard decode. The decoder accepts nothing but
/// the alphabet and padding, so a payload that decodes passed the lexer's character check too;
/// only one that does not is checked again, to report what the lexer would.
pub(super) fn decode_base64_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
    let decoded = if memchr::memchr(b'\n', payload).is_none() {
        GO_STD_BASE64.decode(payload)
    } else {
        GO_STD_BASE64.decode(without_newlines(payload))
    };
    decoded.map_err(|err| base64_error(payload, base, err))
}

fn without_newlines(payload: &[u8]) -> Vec<u8> {
    let mut stripped = Vec::with_capacity(payload.len());
    for line in payload.split(|&b| b == b'\n') {
        stripped.extend_from_slice(line);
    }
    stripped
}

/// Where a payload that does not decode fails: at its first character outside the alphabet (the
/// lexer), or where the decoder (`err`, over the payload without newlines) stopped.
fn base64_error(payload: &[u8], base: usize, err: base64::DecodeError) -> DataUrlError {
    if let Some(i) = payload.iter().position(|&b| !is_base64_char(b)) {
        return error_at(base + i, DataUrlErrorKind::InvalidDataCharacter);
    }
    let at = match err {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => {
            unstripped_offset(payload, i)
        }
        // The stripped payload's first `=` is the payload's.
        base64::DecodeError::InvalidPadding => payload.iter().position(|&b| b == b'=').unwrap_or(payload.len()),
        base64::DecodeError::InvalidLength(_) => payload.len(),
    };
    error_at(base + at, DataUrlErrorKind::InvalidBase64)
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
    use proptest::prelude::*;

    use super::super::decode_data_url;
    use super::super::tests::assert_rejected;
    use super::*;

    /// The decoders as first written, in separate passes (character check, newline strip,
    /// unescaping or decoding): the definition the one-pass decoders must agree with.
    mod definition {
        use base64::Engine as _;

        use super::super::{GO_STD_BASE64, is_base64_char, is_url_char, radix_run, unstripped_offset};
        use crate::ignition::content::data_url::{DataUrlError, DataUrlErrorKind, error_at};

        pub(super) fn decode_percent_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
            if let Some(i) = payload.iter().position(|&b| !is_url_char(b)) {
                return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
            }
            percent_decode(payload, base)
        }

        pub(super) fn percent_decode(input: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
            let mut out = Vec::with_capacity(input.len());
            let mut i = 0;
            while let Some(&b) = input.get(i) {
                if b != b'%' {
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

        pub(super) fn decode_base64_payload(payload: &[u8], base: usize) -> Result<Vec<u8>, DataUrlError> {
            if let Some(i) = payload.iter().position(|&b| !is_base64_char(b)) {
                return Err(error_at(base + i, DataUrlErrorKind::InvalidDataCharacter));
            }
            let stripped: Vec<u8> = payload.iter().copied().filter(|&b| b != b'\n').collect();
            GO_STD_BASE64.decode(&stripped).map_err(|err| {
                let at_stripped = match err {
                    base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                    base64::DecodeError::InvalidPadding => {
                        stripped.iter().position(|&b| b == b'=').unwrap_or(stripped.len())
                    }
                    base64::DecodeError::InvalidLength(_) => stripped.len(),
                };
                error_at(base + unstripped_offset(payload, at_stripped), DataUrlErrorKind::InvalidBase64)
            })
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Escapes (good, short, bad), plain characters and the characters the lexer rejects.
        #[test]
        fn percent_decoding_agrees_with_the_definition(
            pieces in proptest::collection::vec(
                "(%[0-9a-fA-F]{2}|%[0-9a-gG%]{0,2}|[a-zA-Z0-9.~+,;=/:-]{1,8}|[ <>#\"{}|^`\n\t]|é)",
                0..24,
            ),
            base in 0usize..100,
        ) {
            let payload = pieces.concat();
            prop_assert_eq!(
                decode_percent_payload(payload.as_bytes(), base),
                definition::decode_percent_payload(payload.as_bytes(), base)
            );
            // What a header parameter's value is checked with, too.
            prop_assert_eq!(
                check_percent_escapes(payload.as_bytes(), base),
                definition::percent_decode(payload.as_bytes(), base).map(drop)
            );
        }

        /// Real encodings, with newlines put in and a character changed, and bare alphabet soup.
        #[test]
        fn base64_decoding_agrees_with_the_definition(
            data in proptest::collection::vec(any::<u8>(), 0..40),
            newlines in proptest::collection::vec(0usize..64, 0..4),
            change in proptest::option::of((0usize..64, "[A-Za-z0-9+/=\n_ -]")),
            soup in "[A-Za-z0-9+/=\n-]{0,12}",
            base in 0usize..100,
        ) {
            let mut payload = base64::engine::general_purpose::STANDARD.encode(&data).into_bytes();
            for at in newlines {
                payload.insert(at.min(payload.len()), b'\n');
            }
            if let Some((at, with)) = change && let Some(b) = payload.get_mut(at) {
                *b = with.as_bytes()[0];
            }
            for payload in [payload, soup.into_bytes()] {
                prop_assert_eq!(
                    decode_base64_payload(&payload, base),
                    definition::decode_base64_payload(&payload, base)
                );
            }
        }
    }

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
