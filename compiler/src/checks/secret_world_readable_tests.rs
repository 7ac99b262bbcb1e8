use super::super::testing::{check, with_code, worker};
use proptest::prelude::*;

use super::secret_in;
use crate::codes::SECRET_WORLD_READABLE;

/// What [`secret_in`] answers, checked against its definition on the way.
fn secret(text: &str) -> Option<&'static str> {
    let answer = secret_in(text.as_bytes());
    assert_eq!(answer, definition::secret_in(text), "{text:?}");
    answer
}

/// The definition: one search per keyword over the text, as the check was first written. The
/// scanner must answer as it does on every file, read as text (`String::from_utf8_lossy`).
mod definition {
    pub(super) fn secret_in(text: &str) -> Option<&'static str> {
        let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
        let lines: Vec<&str> =
            if text.contains("PRIVATE KEY") { text.lines().map(str::trim).collect() } else { Vec::new() };
        let pem_key = lines.iter().enumerate().any(|(i, l)| {
            l.starts_with("-----BEGIN ")
                && (l.ends_with("PRIVATE KEY-----") || l.ends_with("PRIVATE KEY BLOCK-----"))
                && lines
                    .get(i + 1)
                    .is_some_and(|next| next.contains(':') || (!next.is_empty() && next.chars().all(base64)))
        });
        if pem_key {
            return Some("a private key");
        }
        if text.contains("\"auths\"") && has_value(text, "\"auth\"", 8, base64) {
            return Some("registry credentials");
        }
        if has_value(text, "client-key-data:", 40, base64) {
            return Some("a kubeconfig client key");
        }
        if has_jwt(text) {
            return Some("a JSON Web Token");
        }
        if has_token(text, "AKIA", 16, |c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Some("an AWS access key");
        }
        let token_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if ["ghp_", "gho_", "ghs_", "ghu_", "github_pat_"].iter().any(|p| has_token(text, p, 30, token_char)) {
            return Some("a GitHub token");
        }
        if ["xoxb-", "xoxp-"].iter().any(|p| has_token(text, p, 20, |c| c.is_ascii_alphanumeric() || c == '-')) {
            return Some("a Slack token");
        }
        None
    }

    fn has_value(text: &str, key: &str, min: usize, alphabet: impl Fn(char) -> bool) -> bool {
        text.match_indices(key).any(|(at, _)| {
            let rest = text[at + key.len()..].trim_start_matches(|c: char| c == ':' || c == '"' || c.is_whitespace());
            rest.chars().take_while(|&c| alphabet(c)).count() >= min
        })
    }

    fn has_token(text: &str, prefix: &str, min: usize, alphabet: impl Fn(char) -> bool) -> bool {
        text.match_indices(prefix).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let starts_word = before.is_none_or(|c| !c.is_ascii_alphanumeric());
            starts_word && text[at + prefix.len()..].chars().take_while(|&c| alphabet(c)).count() >= min
        })
    }

    fn has_jwt(text: &str) -> bool {
        let segment = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        text.match_indices("eyJ").any(|(at, _)| {
            let rest = &text[at..];
            let parts: Vec<&str> = rest.splitn(4, '.').collect();
            parts.len() >= 3
                && parts[0].chars().all(segment)
                && parts[0].len() >= 10
                && parts[1].starts_with("eyJ")
                && parts[1].chars().all(segment)
                && parts[1].len() >= 10
                && parts[2].chars().take_while(|&c| segment(c)).count() >= 10
        })
    }
}

#[test]
fn secrets_are_recognized_by_their_shape() {
    assert_eq!(secret("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"), Some("a private key"));
    assert_eq!(secret("-----BEGIN CERTIFICATE-----\nabc\n"), None);
    assert_eq!(secret("{\"auths\":{\"quay.io\":{\"auth\":\"dXNlcjpwYXNz\"}}}"), Some("registry credentials"));
    assert_eq!(secret("token: eyJhbGciOiJSUzI1.eyJpc3MiOiJrdWJl.c2lnbmF0dXJlc2ln"), Some("a JSON Web Token"));
    assert_eq!(secret("key=AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
    assert_eq!(secret("ghp_0123456789abcdefghijklmnopqrstuvwxyz"), Some("a GitHub token"));
    assert_eq!(
        secret("users:\n- user:\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n"),
        Some("a kubeconfig client key")
    );
    assert_eq!(secret("plain configuration, eyJ alone"), None);
    assert_eq!(secret("sed -e \"s/client-key: tls.key/client-key-data: $TLS_KEY/g\""), None);
    assert_eq!(secret("echo '-----BEGIN RSA PRIVATE KEY-----' >> $out"), None);
}

#[test]
fn a_readable_secret_is_reported_and_a_private_one_is_not() {
    let key = "data:,-----BEGIN%20RSA%20PRIVATE%20KEY-----%0Aabc%0A-----END%20RSA%20PRIVATE%20KEY-----%0A";
    let mc = worker(
        "99-worker-keys",
        &format!(
            "    storage:\n      files:\n      - {{path: /etc/app/tls.pem, contents: {{source: '{key}'}}}}\n      - {{path: /etc/app/private.pem, mode: 384, contents: {{source: '{key}'}}}}\n      - {{path: /etc/app/server.key, mode: 420, contents: {{source: '{key}'}}}}"
        ),
    );
    let diagnostics = check(&[&mc]);
    let found = with_code(&diagnostics, &SECRET_WORLD_READABLE);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "`/etc/app/tls.pem` holds a private key and every user can read it (mode 0644)");
    // server.key is the stdlib lint's.
    assert!(diagnostics.iter().any(|d| d.code.code == "MCC6005"));
}

#[test]
fn keywords_are_taken_without_overlap_as_the_definition_takes_them() {
    // The second `"auth"` starts inside the first, which `match_indices` skips.
    assert_eq!(secret("{\"auths\": 1, \"auth\"auth\"  dXNlcjpwYXNz"), None);
    assert_eq!(secret("{\"auths\": 1, \"auth\" \"auth\"  dXNlcjpwYXNz"), Some("registry credentials"));
    assert_eq!(secret("{\"auths\"auth\": \"dXNlcjpwYXNz\"}"), Some("registry credentials"));
}

#[test]
fn unicode_whitespace_and_invalid_bytes_read_as_the_text_does() {
    let key = "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=";
    assert_eq!(secret(&format!("client-key-data:\u{a0}\u{2003}{key}")), Some("a kubeconfig client key"));
    assert_eq!(secret(&format!("client-key-data: \u{200b}{key}")), None, "a zero-width space is no whitespace");
    let mut bytes = b"client-key-data: \xc2".to_vec();
    bytes.extend_from_slice(key.as_bytes());
    assert_eq!(secret_in(&bytes), None, "a broken character stops the separators");
    assert_eq!(secret_in(b"\xffAKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
    assert_eq!(secret_in(b"\xe2\x80AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
    assert_eq!(secret("\u{a0}-----BEGIN EC PRIVATE KEY-----\u{3000}\r\nMHcCAQEEI\n"), Some("a private key"));
}

#[test]
fn long_runs_of_one_keyword() {
    // Each `eyJ` or line is read once (the definition reads the rest of the text for each).
    let many_headers = "eyJ".repeat(200_000);
    assert_eq!(secret_in(many_headers.as_bytes()), None);
    let many_keys = "-----BEGIN PRIVATE KEY-----".repeat(50_000);
    assert_eq!(secret_in(many_keys.as_bytes()), None);
    let jwt = format!("{}.eyJpc3MiOiJrdWJl.c2lnbmF0dXJlc2ln", "eyJ".repeat(100_000));
    assert_eq!(secret_in(jwt.as_bytes()), Some("a JSON Web Token"));
}

/// Texts made of `fixed` pieces and runs of `run` (a regex), in any order.
fn texts(fixed: &[&'static str], raw: &[&'static [u8]], run: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let mut pieces: Vec<&'static [u8]> = fixed.iter().map(|p| p.as_bytes()).collect();
    pieces.extend_from_slice(raw);
    let piece = prop_oneof![
        2 => proptest::sample::select(pieces).prop_map(<[u8]>::to_vec),
        1 => run.prop_map(String::into_bytes),
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

/// Broken UTF-8 around the keywords (where `String::from_utf8_lossy` puts U+FFFD).
const BROKEN: [&[u8]; 3] = [b"\xff", b"\xc2", b"\xe2\x80"];

/// `eyJ…` header, separator, `eyJ…` payload, separator, signature: segments around the lengths
/// and separators a JWT needs.
fn jwt_like() -> impl Strategy<Value = Vec<u8>> {
    let separator = || proptest::sample::select(vec![&b"."[..], b".", b".", b"", b" ", b"\xff", "é".as_bytes()]);
    let run = || "[a-zA-Z0-9_-]{0,12}";
    (run(), separator(), run(), separator(), run()).prop_map(|(header, dot, payload, dot2, signature)| {
        [b"eyJ", header.as_bytes(), dot, b"eyJ", payload.as_bytes(), dot2, signature.as_bytes()].concat()
    })
}

fn agrees(bytes: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(secret_in(bytes), definition::secret_in(&String::from_utf8_lossy(bytes)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn private_keys_agree_with_the_definition(text in texts(
        &["-----BEGIN ", "RSA ", "PRIVATE KEY", "-----", " BLOCK", "\n", "\r\n", " ", ":", "\u{a0}", "\u{3000}", "é"],
        &BROKEN,
        "[A-Za-z0-9+/=]{0,6}",
    )) {
        agrees(&text)?;
    }

    #[test]
    fn values_agree_with_the_definition(text in texts(
        &["\"auths\"", "\"auth\"", "auth\"", "\"auth", "client-key-data:", "\"", ":", " ", "\n", "\x0b", "\u{a0}", "\u{85}", "\u{200b}", "é"],
        &BROKEN,
        "[A-Za-z0-9+/=]{0,45}",
    )) {
        agrees(&text)?;
    }

    #[test]
    fn tokens_agree_with_the_definition(text in texts(
        &["AKIA", "ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "xoxb-", "xoxp-", "a", "-", "_", " ", "é"],
        &BROKEN,
        "([A-Z0-9]{0,18}|[a-zA-Z0-9_]{0,32}|[a-zA-Z0-9-]{0,22})",
    )) {
        agrees(&text)?;
    }

    #[test]
    fn jwts_agree_with_the_definition(parts in proptest::collection::vec(jwt_like(), 1..4)) {
        agrees(&parts.concat())?;
    }

    /// Every keyword together: which secret is named when a text holds several.
    #[test]
    fn mixed_texts_agree_with_the_definition(text in texts(
        &[
            "-----BEGIN RSA PRIVATE KEY-----\n", "PRIVATE KEY", "\"auths\"", "\"auth\"", "client-key-data:", "eyJ",
            "eyJhbGciOiJSUzI1.eyJpc3MiOiJrdWJl.", "AKIA", "ghp_", "github_pat_", "xoxb-", ".", ":", "\"", " ", "\n",
        ],
        &BROKEN,
        "([A-Za-z0-9+/=]{0,45}|[A-Z0-9]{0,18}|[a-zA-Z0-9_-]{0,34})",
    )) {
        agrees(&text)?;
    }
}
