//! MCC7014: a private key or a token is written in a data URL under a mode every user can read.
//!
//! A data URL is the secret in plain text (base64 is no protection), and a mode with the read bit
//! for others (the default, 0644, has it) lets every user and every container that can see the
//! file read it. The contents are searched, not the name: PEM private keys, registry credentials
//! (`"auths"` with `"auth"`), kubeconfig client keys, JSON Web Tokens (service account tokens),
//! AWS access keys, GitHub and Slack tokens. When the entry is baked into the image, anyone who
//! can pull the image reads it too. A file the stdlib's path-based lint MCC6005 already reports
//! (a readable `*.key`) is not reported twice.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use super::{Context, baked, decoded, entries};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashSet;
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
            let Some(what) = secret_in(bytes) else { continue };
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

/// The keywords every secret's shape starts with, found together in one pass over the bytes; no
/// keyword is a prefix of another, so at most one starts at any byte.
const KEYWORDS: [(&str, Keyword); 13] = [
    ("PRIVATE KEY", Keyword::Pem),
    ("\"auths\"", Keyword::Auths),
    ("\"auth\"", Keyword::Auth),
    ("client-key-data:", Keyword::ClientKey),
    ("eyJ", Keyword::Jwt),
    ("AKIA", Keyword::Aws),
    ("ghp_", Keyword::GitHub),
    ("gho_", Keyword::GitHub),
    ("ghs_", Keyword::GitHub),
    ("ghu_", Keyword::GitHub),
    ("github_pat_", Keyword::GitHub),
    ("xoxb-", Keyword::Slack),
    ("xoxp-", Keyword::Slack),
];

#[derive(Clone, Copy)]
enum Keyword {
    Pem,
    Auths,
    Auth,
    ClientKey,
    Jwt,
    Aws,
    GitHub,
    Slack,
}

/// The secrets, in the order they are named when a file holds several.
const SECRETS: [&str; 7] = [
    "a private key",
    "registry credentials",
    "a kubeconfig client key",
    "a JSON Web Token",
    "an AWS access key",
    "a GitHub token",
    "a Slack token",
];

/// Finds every keyword with one search (SIMD where the CPU has it) instead of one per keyword.
static SCANNER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(KEYWORDS.map(|(keyword, _)| keyword))
        .expect("a handful of short keywords always builds")
});

/// What kind of secret the bytes hold, if any, read as text (`String::from_utf8_lossy`). Each
/// shape needs the secret's value itself, not only its keyword, so a script that handles keys
/// (`client-key-data: $KEY`) is not one.
///
/// One search finds every keyword; only there are the shapes checked, each in time bounded by
/// what it reads once, so a file costs one pass however many keywords it repeats. A keyword's
/// occurrences are taken without overlap (as `str::match_indices` takes them: `"auth"auth"` is
/// one `"auth"`), the definition this was derived from (kept in the tests, which compare the two).
fn secret_in(bytes: &[u8]) -> Option<&'static str> {
    // Which of `SECRETS` (by index) the bytes hold.
    let mut found = [false; SECRETS.len()];
    let (mut auths, mut auth_value) = (false, false);
    // Where each keyword's next occurrence may start.
    let mut free_from = [0; KEYWORDS.len()];
    // The end of the last line looked at for a PEM header.
    let mut pem_lines_to = 0;
    let mut jwt = JwtRun::default();
    let mut from = 0;
    while let Some(found_at) = SCANNER.find(Input::new(bytes).span(from..bytes.len())) {
        let (at, end) = (found_at.start(), found_at.end());
        from = at + 1;
        let index = found_at.pattern().as_usize();
        if at < free_from[index] {
            continue;
        }
        free_from[index] = end;
        match KEYWORDS[index].1 {
            Keyword::Pem if at >= pem_lines_to => {
                let (key, line_end) = pem_key_around(bytes, at);
                pem_lines_to = line_end;
                if key {
                    // Named first: nothing else can change the answer.
                    return Some(SECRETS[0]);
                }
            }
            Keyword::Pem => {}
            Keyword::Auths => auths = true,
            Keyword::Auth => auth_value |= value_after(bytes, end, 8, is_base64),
            Keyword::ClientKey => found[2] |= value_after(bytes, end, 40, is_base64),
            Keyword::Jwt => found[3] |= jwt.at(bytes, at),
            Keyword::Aws => found[4] |= token_at(bytes, at, end, 16, |b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            Keyword::GitHub => found[5] |= token_at(bytes, at, end, 30, |b| b.is_ascii_alphanumeric() || b == b'_'),
            Keyword::Slack => found[6] |= token_at(bytes, at, end, 20, |b| b.is_ascii_alphanumeric() || b == b'-'),
        }
    }
    found[1] = auths && auth_value;
    found.iter().position(|&f| f).map(|i| SECRETS[i])
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Whether the line around `at` (a `PRIVATE KEY`), trimmed, is a PEM private key's `BEGIN` line
/// and the next line starts its body (a header such as `Proc-Type:`, or base64); and where the
/// line ends. A line is what `str::lines` gives, trimmed of Unicode whitespace.
fn pem_key_around(bytes: &[u8], at: usize) -> (bool, usize) {
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    let line = String::from_utf8_lossy(&bytes[start..end]);
    let line = line.trim();
    let begins = line.starts_with("-----BEGIN ")
        && (line.ends_with("PRIVATE KEY-----") || line.ends_with("PRIVATE KEY BLOCK-----"));
    if !begins {
        return (false, end);
    }
    // The text after the line's `\n`, up to the next one; none at all reads as an empty line.
    let rest = bytes.get(end + 1..).unwrap_or_default();
    let next = String::from_utf8_lossy(&rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())]);
    let next = next.trim();
    let body = next.contains(':') || (!next.is_empty() && next.bytes().all(is_base64));
    (body, end)
}

/// After a key ending at `from`: `:`, quotes and whitespace, then at least `min` bytes of the
/// value's alphabet.
fn value_after(bytes: &[u8], from: usize, min: usize, alphabet: impl Fn(u8) -> bool) -> bool {
    let mut at = from;
    while let Some(&b) = bytes.get(at) {
        at += match b {
            b':' | b'"' => 1,
            _ if b.is_ascii() && char::from(b).is_whitespace() => 1,
            _ if b.is_ascii() => break,
            _ => match leading_char(&bytes[at..]) {
                Some(c) if c.is_whitespace() => c.len_utf8(),
                _ => break,
            },
        };
    }
    reaches(&bytes[at..], min, alphabet)
}

/// The character `bytes` starts with, or `None` where `String::from_utf8_lossy` puts U+FFFD.
fn leading_char(bytes: &[u8]) -> Option<char> {
    let width = match bytes.first()? {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    std::str::from_utf8(bytes.get(..width)?).ok()?.chars().next()
}

/// Whether `bytes` starts with at least `min` bytes of `alphabet` (read no further).
fn reaches(bytes: &[u8], min: usize, alphabet: impl Fn(u8) -> bool) -> bool {
    bytes.iter().take(min).take_while(|&&b| alphabet(b)).count() >= min
}

/// A token's prefix at `at..end`, not inside a word, followed by at least `min` bytes of the
/// token's alphabet. A byte that is not ASCII before it is no letter, as no character it is
/// part of (or U+FFFD) is.
fn token_at(bytes: &[u8], at: usize, end: usize, min: usize, alphabet: impl Fn(u8) -> bool) -> bool {
    let starts_word = at.checked_sub(1).is_none_or(|before| !bytes[before].is_ascii_alphanumeric());
    starts_word && reaches(&bytes[end..], min, alphabet)
}

fn is_jwt_segment(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Three base64url segments, the first two JSON objects (`eyJ`), joined by dots: the header run
/// of the last `eyJ` seen and whether what follows it is a JWT's payload and signature. Every
/// `eyJ` inside the same run shares them (only the header's length differs), so a run of many
/// `eyJ` is read once.
#[derive(Default)]
struct JwtRun {
    /// Where the header's run of segment bytes ends (at its `.`, for a JWT).
    end: usize,
    rest_is_jwt: bool,
}

impl JwtRun {
    fn at(&mut self, bytes: &[u8], at: usize) -> bool {
        if at >= self.end {
            self.end = at + segment_run(&bytes[at..]);
            self.rest_is_jwt = bytes.get(self.end) == Some(&b'.') && {
                let payload = &bytes[self.end + 1..];
                let length = segment_run(payload);
                payload.starts_with(b"eyJ")
                    && length >= 10
                    && payload.get(length) == Some(&b'.')
                    && reaches(&payload[length + 1..], 10, is_jwt_segment)
            };
        }
        self.rest_is_jwt && self.end - at >= 10
    }
}

fn segment_run(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&b| is_jwt_segment(b)).count()
}

#[cfg(test)]
#[path = "secret_world_readable_tests.rs"]
mod tests;
