//! Syntax check for systemd unit contents, exactly as Ignition does it.
//!
//! Ignition validates `systemd.units[].contents` and `dropins[].contents` by handing the string,
//! through a `strings.Reader`, to go-systemd v22's `unit.Deserialize` (unit/deserialize.go) and
//! reporting `invalid unit content: <error>` when that fails (Ignition's `ParseUnitContents`).
//! This module re-implements that lexer rule for rule, quirks included, so mcc rejects what
//! Ignition rejects and nothing more. It is *not* systemd's own parser: go-systemd is both
//! stricter (a 2048-byte line limit, no `=`-less lines) and looser (text before the first section
//! is skipped, a section name runs to the next `]` wherever it is).
//!
//! All byte ranges index into the contents string, so callers can map them to source spans.
//!
//! It is part of the contract because both sides read `[Install]` sections with it: `mcc compile`
//! to bake the links of enabled units into the image, `mcc apply` to make them on the node
//! ([`crate::units::enablement`]); one parser keeps the two agreeing on every unit.

use std::fmt;
use std::ops::Range;

/// go-systemd's `SYSTEMD_LINE_MAX`: the lexer refuses a line that reaches this many bytes.
const LINE_MAX: usize = 2048;
/// The buffer size of Go's `bufio.NewReader`, which go-systemd wraps around the contents. Its
/// line-length check only inspects buffered bytes, so whether a long line is caught depends on
/// how far this buffer has read ahead.
const BUF_SIZE: usize = 4096;

/// A unit file or drop-in as go-systemd understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// Sections in file order; repeated headers (`[Route]` twice) stay separate sections.
    pub sections: Vec<Section>,
}

/// One `[Name]` header and the options that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Everything between `[` and the next `]`, untrimmed (go-systemd does not trim it).
    pub name: String,
    /// Byte range of `name` in the contents.
    pub name_span: Range<usize>,
    /// Options in file order.
    pub options: Vec<UnitOption>,
}

/// One `Name=Value` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOption {
    /// The text before the first `=`, trimmed.
    pub name: String,
    /// The value as go-systemd returns it: trimmed, and for a backslash-continued value the raw
    /// lines joined with `\n`, backslashes kept (systemd itself would join them with spaces).
    pub value: String,
    /// Byte range from the option name to the end of its last line, line terminator excluded.
    pub span: Range<usize>,
}

/// Why go-systemd (and so Ignition) refuses the contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSyntaxError {
    /// Byte offset in the contents where the problem is.
    pub offset: usize,
    /// Length in bytes of the offending text.
    pub len: usize,
    /// Lowercase, one sentence, meaning what go-systemd's error means. Ignition prefixes it with
    /// `invalid unit content: `.
    pub message: String,
}

impl fmt::Display for UnitSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnitSyntaxError {}

impl UnitFile {
    /// The first section called exactly `name` (go-systemd compares names case-sensitively).
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Whether a section called exactly `name` exists, even an empty one.
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// Values of every `option` in every section called `section`, in file order.
    pub fn values<'a>(&'a self, section: &str, option: &str) -> impl Iterator<Item = &'a str> {
        self.options_in(section).filter(move |o| o.name == option).map(|o| o.value.as_str())
    }

    /// Every option of every section called `section`, in file order.
    pub fn options_in<'a>(&'a self, section: &str) -> impl Iterator<Item = &'a UnitOption> {
        self.sections.iter().filter(move |s| s.name == section).flat_map(|s| &s.options)
    }
}

/// Parses unit or drop-in contents the way go-systemd's `unit.Deserialize` does.
///
/// # Errors
///
/// The first problem go-systemd stops at, located in `contents`.
pub fn parse_unit(contents: &str) -> Result<UnitFile, UnitSyntaxError> {
    let mut lexer = Lexer { reader: Reader::new(contents), sections: Vec::new() };
    let mut state = State::BeforeSection;
    loop {
        // go-systemd's lex() runs its line-length check before every lexer step.
        if let Some(error) = lexer.reader.line_too_long() {
            return Err(error);
        }
        match lexer.step(state)? {
            Some(next) => state = next,
            None => {
                return Ok(UnitFile { sections: lexer.sections });
            }
        }
    }
}

/// A step of go-systemd's state-function lexer; each variant names the function it mirrors.
enum State {
    /// `lexNextSection`: before the first header, one character per step.
    BeforeSection,
    /// `lexSectionName`: the `[` at `open` has been read.
    SectionName { open: usize },
    /// `lexSectionSuffixFunc`: the rest of the header line.
    SectionSuffix { name: Range<usize> },
    /// `lexNextSectionOrOptionFunc`: inside a section, one character per step.
    InSection,
    /// `lexOptionNameFunc`: up to the `=`.
    OptionName,
    /// `lexOptionValueFunc`: one value line per step.
    OptionValue(PendingOption),
    /// `ignoreLineFunc`: a comment and its continuation lines, then back to where it started.
    Comment { in_section: bool },
}

/// An option whose value is still being read.
struct PendingOption {
    name: String,
    start: usize,
    value: String,
    end: usize,
}

struct Lexer<'a> {
    reader: Reader<'a>,
    sections: Vec<Section>,
}

impl Lexer<'_> {
    /// Runs one step; `None` once the contents end cleanly.
    fn step(&mut self, state: State) -> Result<Option<State>, UnitSyntaxError> {
        match state {
            State::BeforeSection => Ok(self.before_section()),
            State::SectionName { open } => self.section_name(open).map(Some),
            State::SectionSuffix { name } => self.section_suffix(name).map(Some),
            State::InSection => Ok(self.in_section()),
            State::OptionName => self.option_name().map(Some),
            State::OptionValue(pending) => Ok(Some(self.option_value(pending))),
            State::Comment { in_section } => Ok(Some(self.comment(in_section))),
        }
    }

    /// Before any header go-systemd skips every character that is not `[` or a comment start, so
    /// `Key=value` lines there are silently ignored, not refused.
    fn before_section(&mut self) -> Option<State> {
        let at = self.reader.pos;
        Some(match self.reader.read_char()? {
            '[' => State::SectionName { open: at },
            c if is_comment(c) => State::Comment { in_section: false },
            _ => State::BeforeSection,
        })
    }

    /// The name is everything up to the next `]`, across lines; only a missing `]` is an error.
    fn section_name(&mut self, open: usize) -> Result<State, UnitSyntaxError> {
        let (name, found) = self.reader.read_until(b']');
        if !found {
            let line = open..line_end(self.reader.text, open);
            return Err(error(line, "unable to find end of section".into()));
        }
        Ok(State::SectionSuffix { name })
    }

    /// Only whitespace may follow the `]` on its line.
    fn section_suffix(&mut self, name: Range<usize>) -> Result<State, UnitSyntaxError> {
        let text = self.reader.text;
        let (line, _) = self.reader.read_line();
        let garbage = trimmed(text, line);
        if !garbage.is_empty() {
            let message = format!("found garbage after section name {:?}", &text[name]);
            return Err(error(garbage, message));
        }
        self.sections.push(Section { name: text[name.clone()].to_owned(), name_span: name, options: Vec::new() });
        Ok(State::InSection)
    }

    /// Whitespace (Go's `unicode.IsSpace`, the same set as `char::is_whitespace`) is skipped,
    /// `[` opens a header, `#` or `;` a comment, anything else starts an option name.
    fn in_section(&mut self) -> Option<State> {
        let at = self.reader.pos;
        Some(match self.reader.read_char()? {
            c if c.is_whitespace() => State::InSection,
            '[' => State::SectionName { open: at },
            c if is_comment(c) => State::Comment { in_section: true },
            c => {
                self.reader.unread_char(c);
                State::OptionName
            }
        })
    }

    /// An option name must reach `=` before a line break (`\n` or `\r`) or the end of the file.
    fn option_name(&mut self) -> Result<State, UnitSyntaxError> {
        let text = self.reader.text;
        let start = self.reader.pos;
        loop {
            let at = self.reader.pos;
            let message = match self.reader.read_char() {
                Some('=') => break,
                Some('\n' | '\r') => "unexpected newline encountered while parsing option name",
                // go-systemd passes bufio's bare `EOF` through here.
                None => "unexpected end of file while parsing option name",
                Some(_) => continue,
            };
            return Err(error(start..at, message.into()));
        }
        let value_start = self.reader.pos;
        Ok(State::OptionValue(PendingOption {
            name: text[start..value_start - 1].trim().to_owned(),
            start,
            value: String::new(),
            end: value_start,
        }))
    }

    /// A value line ending in `\` continues onto the next line unless that line is blank. The
    /// backslash must be the very last byte, so a CRLF line (which keeps its `\r`, see
    /// [`Reader::read_line`]) never continues.
    fn option_value(&mut self, mut pending: PendingOption) -> State {
        let text = self.reader.text;
        let (line, eof) = self.reader.read_line();
        let content = &text[line.clone()];
        if !content.trim().is_empty() {
            pending.value.push_str(content);
            pending.end = line.start + content.trim_end_matches('\r').len();
            if content.ends_with('\\') {
                if !eof {
                    pending.value.push('\n');
                }
                return State::OptionValue(pending);
            }
        }
        self.push_option(pending);
        State::InSection
    }

    /// go-systemd trims the value but keeps a trailing newline that a continuation left behind.
    fn push_option(&mut self, pending: PendingOption) {
        let value = match pending.value.strip_suffix('\n') {
            Some(_) => format!("{}\n", pending.value.trim()),
            None => pending.value.trim().to_owned(),
        };
        // Options are only lexed after a header was pushed (go-systemd's "option before section"
        // sanity check can never fire either).
        if let Some(section) = self.sections.last_mut() {
            section.options.push(UnitOption { name: pending.name, value, span: pending.start..pending.end });
        }
    }

    /// A comment swallows following lines while it ends in `\`, after dropping exactly one
    /// trailing space.
    fn comment(&mut self, in_section: bool) -> State {
        let text = self.reader.text;
        loop {
            let (line, _) = self.reader.read_line();
            let content = &text[line];
            if !content.strip_suffix(' ').unwrap_or(content).ends_with('\\') {
                break;
            }
        }
        if in_section { State::InSection } else { State::BeforeSection }
    }
}

fn is_comment(c: char) -> bool {
    c == '#' || c == ';'
}

/// Reads the contents as go-systemd's `bufio.Reader` over a `strings.Reader` does, tracking how
/// far the buffer has read ahead because the line-length check depends on it.
struct Reader<'a> {
    text: &'a str,
    /// Next byte to read; always on a character boundary between operations.
    pos: usize,
    /// End of what bufio has pulled from the `strings.Reader` so far.
    buffered_to: usize,
    /// Cache for the line-length check: `Some((from, at))` says the first line break at or
    /// after `from` is at `at` (or `at` is the end of the text).
    next_break: Option<(usize, usize)>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader { text, pos: 0, buffered_to: 0, next_break: None }
    }

    /// `bufio.Reader.fill`: slide unread bytes to the buffer's front and fill the rest; a
    /// `strings.Reader` always supplies all it can.
    fn fill(&mut self) {
        self.buffered_to = self.text.len().min(self.pos + BUF_SIZE);
    }

    /// The check in go-systemd's `lex()`: with at least `LINE_MAX` bytes buffered, the next
    /// `LINE_MAX` bytes must hold a `\r` or `\n`. With fewer buffered it checks nothing.
    fn line_too_long(&mut self) -> Option<UnitSyntaxError> {
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
    fn read_char(&mut self) -> Option<char> {
        let c = self.text[self.pos..].chars().next()?;
        if self.buffered_to - self.pos < c.len_utf8() {
            self.fill();
        }
        self.pos += c.len_utf8();
        Some(c)
    }

    /// `bufio.Reader.UnreadRune` of the character just read.
    fn unread_char(&mut self, c: char) {
        self.pos -= c.len_utf8();
    }

    /// `bufio.Reader.ReadBytes`: the bytes before the next `delim` (consumed, not returned) and
    /// whether it was found, or everything up to the end.
    fn read_until(&mut self, delim: u8) -> (Range<usize>, bool) {
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
    fn read_line(&mut self) -> (Range<usize>, bool) {
        let (line, found) = self.read_until(b'\n');
        let keeps_cr = found || !self.text[line.clone()].ends_with('\r');
        let end = if keeps_cr { line.end } else { line.end - 1 };
        (line.start..end, !found)
    }
}

/// `range` without leading and trailing whitespace (Go's `bytes.TrimSpace`).
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    start..start + slice.trim().len()
}

/// Offset of the `\n` ending the line that contains `from`, or the end of the text.
fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |i| from + i)
}

fn error(range: Range<usize>, message: String) -> UnitSyntaxError {
    UnitSyntaxError { offset: range.start, len: range.end - range.start, message }
}

#[cfg(test)]
mod tests;
