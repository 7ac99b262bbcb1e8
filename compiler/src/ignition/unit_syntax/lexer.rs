//! go-systemd's state-function lexer (`unit/deserialize.go`), one state a function, over the
//! buffered reader.

use std::ops::Range;

use super::reader::Reader;
use super::{Section, UnitOption, UnitSyntaxError, error};

/// A step of go-systemd's state-function lexer; each variant names the function it mirrors.
pub(super) enum State {
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
pub(super) struct PendingOption {
    name: String,
    start: usize,
    value: String,
    end: usize,
}

pub(super) struct Lexer<'a> {
    pub(super) reader: Reader<'a>,
    pub(super) sections: Vec<Section>,
}

impl Lexer<'_> {
    /// Runs one step; `None` once the contents end cleanly.
    pub(super) fn step(&mut self, state: State) -> Result<Option<State>, UnitSyntaxError> {
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
