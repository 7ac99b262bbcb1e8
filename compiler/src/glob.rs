//! Glob matching on paths, for layout patterns, lint conditions and `--exclude`: `**` matches
//! anything (including `/`), `*` anything but `/`, `?` one byte but `/`. A pattern ending in `/**`
//! also matches the directory itself. Matching takes time proportional to the pattern's length
//! times the path's, whatever the pattern: policy files and arguments come from pull requests.

/// Whether `path` matches `pattern`, by the rules above.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let (pattern_bytes, path_bytes) = (pattern.as_bytes(), path.as_bytes());
    // The bytes before the first wildcard match only themselves: pattern and path are walked
    // together up to it, so most paths are told apart at their first differing byte, without
    // a scan of the pattern or its tokens (every path entry of a fleet meets every layout rule
    // here). Bytes, not chars: a wildcard is ASCII.
    let mut literal_len = 0;
    while let Some(&byte) = pattern_bytes.get(literal_len).filter(|&&b| !matches!(b, b'*' | b'?')) {
        if path_bytes.get(literal_len) != Some(&byte) {
            // `dir/**` with a literal `dir` also matches the directory itself.
            return literal_len == path_bytes.len() && &pattern_bytes[literal_len..] == b"/**";
        }
        literal_len += 1;
    }
    if literal_len == pattern.len() {
        return path.len() == literal_len;
    }
    let (rest, path_rest) = (&pattern[literal_len..], &path[literal_len..]);
    // `dir/**`, the commonest shape: `**` alone matches whatever follows.
    if rest == "**" {
        return true;
    }
    // The bytes after the last wildcard match only themselves, at the path's end: `*.conf`
    // tells most paths apart there, again without the table.
    let tail = &rest[rest.bytes().rposition(|b| matches!(b, b'*' | b'?')).map_or(0, |i| i + 1)..];
    if !path_rest.ends_with(tail) {
        return false;
    }
    // `*.conf` (one `*`, then literal bytes), the commonest shape after `dir/**`: the `*` takes
    // what precedes the tail, which must hold no `/`.
    if rest.len() == tail.len() + 1 && rest.starts_with('*') {
        return !path_rest[..path_rest.len() - tail.len()].contains('/');
    }
    matches(rest.as_bytes(), path_rest.as_bytes())
}

/// One unit of a glob pattern. `**` is read before `*`, so `***` is `**` then `*`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    AnyPath,
    AnyName,
    OneChar,
    Byte(u8),
}

fn tokens(pattern: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some((&first, tail)) = rest.split_first() {
        let (token, tail) = match (first, tail) {
            (b'*', [b'*', tail @ ..]) => (Token::AnyPath, tail),
            (b'*', _) => (Token::AnyName, tail),
            (b'?', _) => (Token::OneChar, tail),
            (byte, _) => (Token::Byte(byte), tail),
        };
        tokens.push(token);
        rest = tail;
    }
    tokens
}

/// Dynamic programming over (pattern token, path position), one row at a time from the last
/// token back: O(tokens × path) time whatever the pattern, where backtracking over several
/// `**` is exponential. `row[j]` says whether the tokens from the current one match `path[j..]`.
fn matches(pattern: &[u8], path: &[u8]) -> bool {
    let mut next = vec![false; path.len() + 1];
    next[path.len()] = true;
    let mut row = vec![false; path.len() + 1];
    for token in tokens(pattern).into_iter().rev() {
        row[path.len()] = matches!(token, Token::AnyPath | Token::AnyName) && next[path.len()];
        for j in (0..path.len()).rev() {
            let byte = path[j];
            row[j] = match token {
                Token::AnyPath => next[j] || row[j + 1],
                Token::AnyName => next[j] || (byte != b'/' && row[j + 1]),
                Token::OneChar => byte != b'/' && next[j + 1],
                Token::Byte(expected) => byte == expected && next[j + 1],
            };
        }
        std::mem::swap(&mut row, &mut next);
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn globs_match_paths() {
        assert!(glob_matches("/usr/**", "/usr/lib/x"));
        assert!(glob_matches("/usr/**", "/usr"));
        assert!(!glob_matches("/usr/**", "/usrx/a"));
        assert!(glob_matches("/etc/*.conf", "/etc/chrony.conf"));
        assert!(!glob_matches("/etc/*.conf", "/etc/a/chrony.conf"));
        assert!(glob_matches("/etc/?", "/etc/a"));
        assert!(glob_matches("/**/*.rules", "/etc/udev/rules.d/99.rules"));
    }

    /// The backtracking matcher mcc used before, exponential in the number of `**`: the
    /// definition the linear matcher must agree with.
    fn backtracking(pattern: &[u8], path: &[u8]) -> bool {
        match pattern {
            [] => path.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=path.len()).any(|i| backtracking(rest, &path[i..])),
            [b'*', rest @ ..] => {
                let limit = path.iter().position(|&c| c == b'/').unwrap_or(path.len());
                (0..=limit).any(|i| backtracking(rest, &path[i..]))
            }
            [b'?', rest @ ..] => path.first().is_some_and(|&c| c != b'/') && backtracking(rest, &path[1..]),
            [c, rest @ ..] => path.first() == Some(c) && backtracking(rest, &path[1..]),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Small alphabets, so that patterns and paths often match.
        #[test]
        fn agrees_with_the_backtracking_matcher(pattern in "[ab/*?]{0,10}", path in "[ab/]{0,10}") {
            prop_assert_eq!(matches(pattern.as_bytes(), path.as_bytes()), backtracking(pattern.as_bytes(), path.as_bytes()));
        }

        /// The shortcuts of `glob_matches` (literal prefix, `/**` tail, literal suffix, one `*`) change no answer.
        #[test]
        fn glob_matches_agrees_with_the_definition(pattern in "[ab/*?]{0,10}", path in "[ab/]{0,10}") {
            let directory_itself =
                pattern.strip_suffix("/**").is_some_and(|dir| !dir.contains(['*', '?']) && path == dir);
            let expected = directory_itself || backtracking(pattern.as_bytes(), path.as_bytes());
            prop_assert_eq!(glob_matches(&pattern, &path), expected);
        }

        #[test]
        fn never_panics_and_stays_fast(pattern in "\\PC{0,200}", path in "\\PC{0,200}") {
            let started = std::time::Instant::now();
            glob_matches(&pattern, &path);
            // Microseconds when linear; the bound only catches a blow-up, with room for a loaded machine.
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(5));
        }
    }
}
