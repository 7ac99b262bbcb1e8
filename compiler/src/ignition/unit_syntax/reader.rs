//! Go's `bufio.Reader` over a `strings.Reader`, as go-systemd reads unit contents: the read-ahead
//! matters, because the lexer's line-length check only sees buffered bytes.

use std::ops::Range;

use super::{UnitSyntaxError, error};

/// go-systemd's `SYSTEMD_LINE_MAX`: the lexer refuses a line that reaches this many bytes.
pub(super) const LINE_MAX: usize = 2048;
/// The buffer size of Go's `bufio.NewReader`, which go-systemd wraps around the contents. Its
/// line-length check only inspects buffered bytes, so whether a long line is caught depends on
/// how far this buffer has read ahead.
const BUF_SIZE: usize = 4096;

/// Reads the contents as go-systemd's `bufio.Reader` over a `strings.Reader` does, tracking how
/// far the buffer has read ahead because the line-length check depends on it.
pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    /// Next byte to read; always on a character boundary between operations.
    pub(super) pos: usize,
    /// End of what bufio has pulled from the `strings.Reader` so far.
    buffered_to: usize,
    /// Cache for the line-length check: `Some((from, at))` says the first line break at or
    /// after `from` is at `at` (or `at` is the end of the text).
    next_break: Option<(usize, usize)>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Reader { text, pos: 0, buffered_to: 0, next_break: None }
    }

    /// `bufio.Reader.fill`: slide unread bytes to the buffer's front and fill the rest; a
    /// `strings.Reader` always supplies all it can.
    fn fill(&mut self) {
        self.buffered_to = self.text.len().min(self.pos + BUF_SIZE);
    }

    /// The check in go-systemd's `lex()`: with at least `LINE_MAX` bytes buffered, the next
    /// `LINE_MAX` bytes must hold a `\r` or `\n`. With fewer buffered it checks nothing.
    pub(super) fn line_too_long(&mut self) -> Option<UnitSyntaxError> {
        if self.buffered_to - self.pos < LINE_MAX {
            return None;
        }
        let end = self.next_line_break();
        (end - self.pos >= LINE_MAX).then(|| error(self.pos..end, format!("line too long (max {LINE_MAX} bytes)")))
    }

    /// Offset of the first `\r` or `\n` at or after `pos`, or the end of the text. Reused while
    /// `pos` has not passed it, which keeps the check linear over character-by-character steps.
    fn next_line_break(&mut self) -> usize {
        if let Some((from, end)) = self.next_break
            && (from..=end).contains(&self.pos)
        {
            return end;
        }
        let end = self.text.as_bytes()[self.pos..]
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .map_or(self.text.len(), |i| self.pos + i);
        self.next_break = Some((self.pos, end));
        end
    }

    /// `bufio.Reader.ReadRune`: refills only when the next character is not wholly buffered.
    pub(super) fn read_char(&mut self) -> Option<char> {
        let c = self.text[self.pos..].chars().next()?;
        if self.buffered_to - self.pos < c.len_utf8() {
            self.fill();
        }
        self.pos += c.len_utf8();
        Some(c)
    }

    /// `bufio.Reader.UnreadRune` of the character just read.
    pub(super) fn unread_char(&mut self, c: char) {
        self.pos -= c.len_utf8();
    }

    /// `bufio.Reader.ReadBytes`: the bytes before the next `delim` (consumed, not returned) and
    /// whether it was found, or everything up to the end.
    pub(super) fn read_until(&mut self, delim: u8) -> (Range<usize>, bool) {
        let start = self.pos;
        let mut scan = self.pos;
        loop {
            let window = &self.text.as_bytes()[scan..self.buffered_to];
            if let Some(i) = window.iter().position(|&b| b == delim) {
                self.pos = scan + i + 1;
                return (start..scan + i, true);
            }
            if self.buffered_to == self.text.len() {
                self.pos = self.buffered_to;
                return (start..self.pos, false);
            }
            if self.buffered_to - self.pos >= BUF_SIZE {
                // ErrBufferFull: ReadBytes keeps the full buffer aside and reads on into an empty one.
                self.pos = self.buffered_to;
            }
            scan = self.buffered_to;
            self.fill();
        }
    }

    /// go-systemd's `toEOL`: up to `\n` or the end, then `TrimSuffix("\r")` *before*
    /// `TrimSuffix("\n")`, so a CRLF line keeps its `\r` and only a final line loses one. The
    /// flag tells whether the end of the contents was reached.
    pub(super) fn read_line(&mut self) -> (Range<usize>, bool) {
        let (line, found) = self.read_until(b'\n');
        let keeps_cr = found || !self.text[line.clone()].ends_with('\r');
        let end = if keeps_cr { line.end } else { line.end - 1 };
        (line.start..end, !found)
    }
}
