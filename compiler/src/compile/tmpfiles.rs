//! `systemd-tmpfiles` lines for small `/var` entries (`--var-strategy tmpfiles`,
//! `spec/image-mode.md` §8).
//!
//! systemd-tmpfiles reads a line as whitespace-separated fields, the first six unquoted and
//! C-unescaped; the argument is the rest of the line, stripped at both ends, then C-unescaped and
//! specifier-expanded (in that order, so a `%` is written `%%`, never `\x25`). The path is
//! specifier-expanded too. Content is written with `strlen`, so a NUL byte cannot be expressed.

use mcc_contract::Mode;

/// The largest file shipped as a tmpfiles line; bigger ones stay node-side.
pub const MAX_FILE_SIZE: usize = 4096;

/// Where the lines go in the image.
pub const PATH: &str = "/usr/lib/tmpfiles.d/mcc-machineconfig.conf";

/// Whether a file's contents can be a tmpfiles argument.
pub fn fits(contents: &[u8]) -> bool {
    contents.len() <= MAX_FILE_SIZE && !contents.contains(&0)
}

/// The path field, or `None` for a path no line can name (one with a control character).
///
/// systemd-tmpfiles (252, RHCOS 9's) unquotes the path field but does not C-unescape it: a path
/// with a space, quote or backslash is written in double quotes with `\"` and `\\`, non-ASCII
/// stays as is, and `%` is written `%%` (the path is specifier-expanded).
pub fn escape_path(path: &str) -> Option<String> {
    if path.chars().any(char::is_control) {
        return None;
    }
    let escaped = path.replace('%', "%%");
    if !escaped.contains([' ', '"', '\'', '\\']) {
        return Some(escaped);
    }
    Some(format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// The argument field: printable ASCII as is, `\\`, `\n`, `\t`, `%%`, `\xHH` for every other byte,
/// and spaces escaped at either end (where tmpfiles would strip them). An argument that is
/// exactly `-` (which means "none") is written `\x2d`.
pub fn escape_argument(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_escaped_argument(&mut out, bytes);
    out
}

/// Appends [`escape_argument`]'s text for `bytes` to `out` (a content's escape is most of its
/// line, so it is written in place; a byte outside printable ASCII costs two table look-ups, not a
/// `format!`).
fn push_escaped_argument(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if bytes == b"-" {
        out.push_str("\\x2d");
        return;
    }
    let last = bytes.len().saturating_sub(1);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'%' => out.push_str("%%"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b' ' if i != 0 && i != last => out.push(' '),
            0x21..=0x7e => out.push(char::from(b)),
            _ => {
                out.push_str("\\x");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

/// The length of [`escape_argument`]'s text for `bytes`, without writing it (a help that only
/// gives a long line's length needs no line). Counted branch-free, which the compiler vectorises:
/// a shipped file's contents are up to 4 KiB.
pub fn escaped_argument_len(bytes: &[u8]) -> usize {
    if bytes == b"-" {
        return "\\x2d".len();
    }
    // What a byte adds to its own one: `\\`, `%%`, `\n` and `\t` one, `\xHH` three.
    let added = |&b: &u8| {
        let doubled = b == b'\\' || b == b'%' || b == b'\n' || b == b'\t';
        let hex = !(0x20..=0x7e).contains(&b) && !doubled;
        u16::from(doubled) + 3 * u16::from(hex)
    };
    // A space is written `\x20` at either end, where tmpfiles would strip it.
    let ends = match bytes {
        [] => 0,
        [only] => usize::from(*only == b' '),
        [first, .., last] => usize::from(*first == b' ') + usize::from(*last == b' '),
    };
    // Summed in 16-bit lanes (at most 3 a byte, 4,096 bytes a chunk), which vectorise.
    let added: usize =
        bytes.chunks(4096).map(|chunk| usize::from(chunk.iter().map(added).fold(0u16, u16::wrapping_add))).sum();
    bytes.len() + added + 3 * ends
}

/// `f+ PATH MODE UID GID - ARGUMENT`: the image owns the file and rewrites it at every boot, as the
/// MCO rewrites files on every update.
pub fn file(path: &str, mode: Mode, uid: u32, gid: u32, contents: &[u8]) -> Option<String> {
    let mut line = file_fields(path, mode, uid, gid)?;
    if !contents.is_empty() {
        line.reserve(contents.len() + 1);
        line.push(' ');
        push_escaped_argument(&mut line, contents);
    }
    Some(line)
}

/// The length of [`file()`]'s line, without writing its argument.
pub fn file_len(path: &str, mode: Mode, uid: u32, gid: u32, contents: &[u8]) -> Option<usize> {
    let argument = if contents.is_empty() { 0 } else { 1 + escaped_argument_len(contents) };
    Some(file_fields(path, mode, uid, gid)?.len() + argument)
}

/// A file line's six fields.
fn file_fields(path: &str, mode: Mode, uid: u32, gid: u32) -> Option<String> {
    Some(format!("f+ {} {mode} {uid} {gid} -", escape_path(path)?))
}

/// `d PATH MODE UID GID -`.
pub fn directory(path: &str, mode: Mode, uid: u32, gid: u32) -> Option<String> {
    Some(format!("d {} {mode} {uid} {gid} -", escape_path(path)?))
}

/// `L+ PATH - - - - TARGET`: the link replaces whatever is at the path.
pub fn symlink(path: &str, target: &str) -> Option<String> {
    Some(format!("L+ {} - - - - {}", escape_path(path)?, escape_argument(target.as_bytes())))
}

/// The file holding the lines.
pub fn file_contents(pool: &str, lines: &[String]) -> String {
    let mut out = format!(
        "# Written by mcc compile for pool {pool}: /var entries of its MachineConfigs, created at every boot.\n"
    );
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Undoes [`escape_argument`] the way systemd-tmpfiles reads it (C unescape, then `%%` → `%`),
/// for tests.
#[cfg(test)]
pub fn unescape_argument(text: &str) -> Vec<u8> {
    let bytes = text.trim_matches(|c: char| c.is_ascii_whitespace()).as_bytes();
    let mut unescaped = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'n' => unescaped.push(b'\n'),
                b't' => unescaped.push(b'\t'),
                b'\\' => unescaped.push(b'\\'),
                b'x' => {
                    let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).unwrap();
                    unescaped.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                other => panic!("unexpected escape \\{}", other as char),
            }
            i += 2;
        } else {
            unescaped.push(bytes[i]);
            i += 1;
        }
    }
    let mut out = Vec::new();
    let mut j = 0;
    while j < unescaped.len() {
        if unescaped[j] == b'%' {
            assert_eq!(unescaped.get(j + 1), Some(&b'%'), "a lone % is a specifier");
            j += 1;
        }
        out.push(unescaped[j]);
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(bits: u32) -> Mode {
        Mode::new(bits).unwrap()
    }

    #[test]
    fn lines_have_the_six_fields_and_the_argument() {
        assert_eq!(
            file("/var/lib/app/x.conf", mode(0o640), 0, 10, b"a=1\n").unwrap(),
            "f+ /var/lib/app/x.conf 0640 0 10 - a=1\\n"
        );
        assert_eq!(file("/var/lib/app/empty", mode(0o644), 0, 0, b"").unwrap(), "f+ /var/lib/app/empty 0644 0 0 -");
        assert_eq!(directory("/var/lib/app", mode(0o755), 0, 0).unwrap(), "d /var/lib/app 0755 0 0 -");
        assert_eq!(
            symlink("/var/lib/app/current", "../app-1.2").unwrap(),
            "L+ /var/lib/app/current - - - - ../app-1.2"
        );
        assert_eq!(directory("/var/lib/a\nb", mode(0o755), 0, 0), None, "no line can name it");
    }

    proptest::proptest! {
        /// Any bytes come back from what tmpfiles reads, on one line; the file line carries them.
        #[test]
        fn any_bytes_survive_the_escape(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let escaped = escape_argument(&bytes);
            proptest::prop_assert!(!escaped.contains('\n') && !escaped.contains('\r'));
            proptest::prop_assert_eq!(unescape_argument(&escaped), bytes.clone());
            let line = file("/var/a", mode(0o644), 0, 0, &bytes).unwrap();
            let expected = if bytes.is_empty() { "f+ /var/a 0644 0 0 -".to_string() } else { format!("f+ /var/a 0644 0 0 - {escaped}") };
            proptest::prop_assert_eq!(escaped_argument_len(&bytes), escaped.len());
            proptest::prop_assert_eq!(file_len("/var/a", mode(0o644), 0, 0, &bytes), Some(line.len()));
            proptest::prop_assert_eq!(line, expected);
        }
    }

    proptest::proptest! {
        /// The length counted without writing is the written one, on the bytes escaped apart
        /// (spaces at the ends and inside, escapes, a lone `-`).
        #[test]
        fn the_escaped_length_is_the_escape_s(
            bytes in proptest::collection::vec(proptest::sample::select(b" a-\\%\n\t\x01\x7f\xff~".to_vec()), 0..12),
        ) {
            proptest::prop_assert_eq!(escaped_argument_len(&bytes), escape_argument(&bytes).len());
        }
    }

    #[test]
    fn escaping_survives_what_tmpfiles_does_to_the_argument() {
        let cases: &[&[u8]] = &[
            b"plain",
            b" leading and trailing spaces ",
            b"100% sure, %n is not a specifier\n",
            b"back\\slash \"quoted\" 'single'\ttab\r\n",
            "non-ASCII: caf\u{e9} \u{2603}\n".as_bytes(),
            b"-",
            b"\x01\x7f\xff binary",
        ];
        for &case in cases {
            let escaped = escape_argument(case);
            assert!(!escaped.contains('\n') && !escaped.contains('\r'), "{escaped:?} is one line");
            assert_eq!(unescape_argument(&escaped), case, "{escaped:?}");
            assert_eq!(escaped_argument_len(case), escaped.len(), "{escaped:?}");
        }
        assert_eq!(escape_argument(b"-"), "\\x2d", "a lone - means no argument");
        assert_eq!(escape_argument(b"50%"), "50%%");
    }

    #[test]
    fn paths_with_spaces_and_specifiers_stay_one_field() {
        assert_eq!(escape_path("/var/lib/my app/%h").unwrap(), "\"/var/lib/my app/%%h\"");
        assert_eq!(escape_path("/var/lib/q\"uote\\").unwrap(), "\"/var/lib/q\\\"uote\\\\\"");
        assert_eq!(escape_path("/var/lib/caf\u{e9}").unwrap(), "/var/lib/caf\u{e9}", "non-ASCII as is");
    }

    #[test]
    fn only_small_files_without_nul_fit() {
        assert!(fits(&[b'a'; MAX_FILE_SIZE]));
        assert!(!fits(&[b'a'; MAX_FILE_SIZE + 1]));
        assert!(!fits(b"a\0b"));
    }

    /// The lines as systemd-tmpfiles itself reads them, when it is installed (systemd 252 here,
    /// the RHCOS 9 generation).
    #[test]
    fn systemd_tmpfiles_creates_what_the_lines_say() {
        if std::process::Command::new("systemd-tmpfiles").arg("--version").output().is_err() {
            eprintln!("skipping: systemd-tmpfiles is not installed");
            return;
        }
        let root = std::env::temp_dir().join(format!("mcc-tmpfiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let contents: &[(&str, &[u8])] = &[
            ("/var/lib/app/state", b"50% done, %n stays\n"),
            ("/var/lib/app/spaces", b" lead and trail "),
            ("/var/lib/my app/q\"uote'\\%h", "caf\u{e9} back\\slash \"q\" 'q'\ttab\x01\r\n".as_bytes()),
            ("/var/lib/app/dash", b"-"),
            ("/var/lib/app/empty", b""),
        ];
        let mut lines = vec![directory("/var/lib/app", mode(0o750), 0, 0).unwrap()];
        for (path, bytes) in contents {
            lines.push(file(path, mode(0o640), 0, 0, bytes).unwrap());
        }
        lines.push(symlink("/var/lib/app/current", "../my app/%h").unwrap());
        let conf = root.join("mcc.conf");
        std::fs::write(&conf, file_contents("worker", &lines)).unwrap();
        let tree = root.join("root");
        std::fs::create_dir_all(&tree).unwrap();
        let output = std::process::Command::new("systemd-tmpfiles")
            .arg("--create")
            .arg(format!("--root={}", tree.display()))
            .arg(&conf)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        for (path, bytes) in contents {
            let on_disk = std::fs::read(tree.join(&path[1..])).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(on_disk, *bytes, "{path}");
        }
        let link = std::fs::read_link(tree.join("var/lib/app/current")).unwrap();
        assert_eq!(link.to_str(), Some("../my app/%h"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tree.join("var/lib/app")).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o750);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
