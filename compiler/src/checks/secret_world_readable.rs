//! MCC7014: a private key or a token is written in a data URL under a mode every user can read.
//!
//! A data URL is the secret in plain text (base64 is no protection), and a mode with the read bit
//! for others (the default, 0644, has it) lets every user and every container that can see the
//! file read it. The contents are searched, not the name: PEM private keys, registry credentials
//! (`"auths"` with `"auth"`), kubeconfig client keys, JSON Web Tokens (service account tokens),
//! AWS access keys, GitHub and Slack tokens. When the entry is baked into the image, anyone who
//! can pull the image reads it too. A file the stdlib's path-based lint MCC6005 already reports
//! (a readable `*.key`) is not reported twice.

use std::collections::HashSet;

use super::{Context, baked, decoded, entries};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::content::{SourceKind, classify_source};
use crate::source::Span;

/// The stdlib lint for readable `*.key` files, which this check does not repeat.
const KEY_LINT: &str = "MCC6005";

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>, earlier: &[Diagnostic]) {
    // Looked up once a finding: a fleet has thousands of earlier diagnostics.
    let key_lint_spans: HashSet<Span> =
        earlier.iter().filter(|d| d.code.code == KEY_LINT).filter_map(|d| d.span).collect();
    for (pool, graph) in cx.pools() {
        for entry in entries(graph) {
            let Subject::Path(path) = &entry.subject else { continue };
            let Some(file) = pool.index.file(&pool.config, path) else { continue };
            let Some(source) = file.contents.source.as_ref().filter(|s| classify_source(&s.value) == SourceKind::Data)
            else {
                continue;
            };
            let mode = file.applied_mode();
            if mode.bits() & 0o004 == 0 {
                continue;
            }
            let Some(bytes) = decoded(&file.contents) else { continue };
            let Some(what) = secret_in(&String::from_utf8_lossy(bytes)) else { continue };
            let reported = pool
                .provenance
                .get(&crate::render::EntryKey::Path(path.as_str().into()))
                .is_some_and(|d| d.iter().any(|d| key_lint_spans.contains(&d.span)));
            if reported {
                continue;
            }
            let mut help = format!(
                "set mode 0600 (`mode: 384`), or 0640 (`mode: 416`) for a group that needs it: mode {mode} lets every user on the node read it"
            );
            if baked(entry, graph.target) {
                help.push_str("; it is also baked into the pool's image, which everyone who can pull the image reads");
            }
            help.push_str("; better, deliver secrets another way than a MachineConfig, which every cluster reader with access to MachineConfigs sees");
            let mut diagnostic = Diagnostic::new(
                &codes::SECRET_WORLD_READABLE,
                source.span,
                format!("`{path}` holds {what} and every user can read it (mode {mode})"),
            )
            .with_label(format!("{what}, in plain text"));
            if let Some(m) = &file.mode {
                diagnostic = diagnostic.with_related(m.span, "readable by others");
            }
            out.push(diagnostic.with_help(help));
        }
    }
}

/// What kind of secret the text holds, if any. Each shape needs the secret's value itself, not
/// only its keyword, so a script that handles keys (`client-key-data: $KEY`) is not one.
fn secret_in(text: &str) -> Option<&'static str> {
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    // Most files hold no key: their lines are not collected to find that out.
    let lines: Vec<&str> =
        if text.contains("PRIVATE KEY") { text.lines().map(str::trim).collect() } else { Vec::new() };
    let pem_key = lines.iter().enumerate().any(|(i, l)| {
        l.starts_with("-----BEGIN ")
            && (l.ends_with("PRIVATE KEY-----") || l.ends_with("PRIVATE KEY BLOCK-----"))
            && lines.get(i + 1).is_some_and(|next| next.contains(':') || (!next.is_empty() && next.chars().all(base64)))
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

/// `key`, then `:`, spaces and quotes, then at least `min` characters of the value's alphabet.
fn has_value(text: &str, key: &str, min: usize, alphabet: impl Fn(char) -> bool) -> bool {
    text.match_indices(key).any(|(at, _)| {
        let rest = text[at + key.len()..].trim_start_matches(|c: char| c == ':' || c == '"' || c.is_whitespace());
        rest.chars().take_while(|&c| alphabet(c)).count() >= min
    })
}

/// `prefix` followed by at least `min` characters of the token's alphabet, not inside a word.
fn has_token(text: &str, prefix: &str, min: usize, alphabet: impl Fn(char) -> bool) -> bool {
    text.match_indices(prefix).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let starts_word = before.is_none_or(|c| !c.is_ascii_alphanumeric());
        starts_word && text[at + prefix.len()..].chars().take_while(|&c| alphabet(c)).count() >= min
    })
}

/// Three base64url segments, the first two JSON objects (`eyJ`), joined by dots.
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

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use super::secret_in;
    use crate::codes::SECRET_WORLD_READABLE;

    #[test]
    fn secrets_are_recognized_by_their_shape() {
        assert_eq!(secret_in("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"), Some("a private key"));
        assert_eq!(secret_in("-----BEGIN CERTIFICATE-----\nabc\n"), None);
        assert_eq!(secret_in("{\"auths\":{\"quay.io\":{\"auth\":\"dXNlcjpwYXNz\"}}}"), Some("registry credentials"));
        assert_eq!(secret_in("token: eyJhbGciOiJSUzI1.eyJpc3MiOiJrdWJl.c2lnbmF0dXJlc2ln"), Some("a JSON Web Token"));
        assert_eq!(secret_in("key=AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
        assert_eq!(secret_in("ghp_0123456789abcdefghijklmnopqrstuvwxyz"), Some("a GitHub token"));
        assert_eq!(
            secret_in("users:\n- user:\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n"),
            Some("a kubeconfig client key")
        );
        assert_eq!(secret_in("plain configuration, eyJ alone"), None);
        assert_eq!(secret_in("sed -e \"s/client-key: tls.key/client-key-data: $TLS_KEY/g\""), None);
        assert_eq!(secret_in("echo '-----BEGIN RSA PRIVATE KEY-----' >> $out"), None);
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
}
