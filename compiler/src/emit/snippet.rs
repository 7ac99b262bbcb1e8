//! The shape nearly every report has, drawn as miette draws it, without miette's general layout.
//!
//! miette lays out a report for any number of labels, spans over several lines, tabs, wide
//! characters, colours and cause chains: most of the time `mcc check` spent drawing a report went
//! there, for reports that are almost all one label on one line of plain text. Such a report
//! (its message and help already wrapped, see `wrap.rs`) is written here exactly as miette
//! writes it in that shape: its code, its message, the snippet and its help, the snippet's lines
//! read with miette's own call (`read_span`, with the same context). Anything else (colours,
//! more than one label, an empty span, a span over a line's end, a context line with a tab, a
//! control character or a byte outside ASCII) is left to miette whole: [`draw`] says `None`.
//! The tests compare the two on every shape they can draw.

use miette::{Diagnostic, LabeledSpan, SourceCode};

/// `report` as miette draws it without colours or wrapping, when it has the simple shape: its
/// message's first line after `indent` (the severity's icon); `None` (and nothing written)
/// otherwise.
pub(super) fn draw(out: &mut String, indent: &str, report: &dyn Diagnostic) -> Option<()> {
    let source = report.source_code()?;
    let mut labels = report.labels()?;
    let label = labels.next()?;
    if labels.next().is_some() {
        return None;
    }
    let snippet = snippet(source, &label)?;
    // `render_header`, without links: the code (and its page), then a blank line.
    if let Some(code) = report.code() {
        out.push_str(&code.to_string());
        if let Some(url) = report.url() {
            out.push_str(&format!(" ({url})"));
        }
        out.push_str("\n\n");
    }
    // `render_causes`, a report without causes: the message.
    unwrapped(out, &report.to_string(), indent, "  │ ");
    out.push_str(&snippet);
    // `render_footer`: the help.
    if let Some(help) = report.help() {
        unwrapped(out, &help.to_string(), "  help: ", "        ");
    }
    Some(())
}

/// One line of a snippet's context, as miette splits it (`get_lines`).
struct Line<'a> {
    number: usize,
    offset: usize,
    /// Without its line break.
    text: &'a str,
}

/// The snippet of one label on one line of plain text: the frame, the numbered lines around
/// it, and its underline (with its text, if any).
fn snippet(source: &dyn SourceCode, label: &LabeledSpan) -> Option<String> {
    let (start, len) = (label.offset(), label.len());
    let label_text = label.label();
    if len == 0 || label_text.is_some_and(|text| text.contains('\n')) {
        return None;
    }
    let context = source.read_span(label.inner(), 1, 1).ok()?;
    let data = std::str::from_utf8(context.data()).ok()?;
    if !data.bytes().all(|b| b == b'\n' || (0x20..0x7f).contains(&b)) {
        return None;
    }
    let lines = lines(data, context.line(), context.span().offset());
    let at = lines.iter().position(|line| start >= line.offset && start + len <= line.offset + line.text.len())?;
    let primary = source.read_span(label.inner(), 0, 0).ok()?;
    let name = primary.name()?;
    let width = digits(lines.last()?.number);
    // Written piece by piece: `format!`'s padding cost more than the rest of the snippet.
    let mut out = String::with_capacity(data.len() + 8 * (width + 8) + name.len());
    spaces(&mut out, width + 2);
    out.push_str("╭─[");
    out.push_str(name);
    out.push(':');
    number(&mut out, primary.line() + 1);
    out.push(':');
    number(&mut out, primary.column() + 1);
    out.push_str("]\n");
    for (i, line) in lines.iter().enumerate() {
        out.push(' ');
        spaces(&mut out, width - digits(line.number));
        number(&mut out, line.number);
        out.push_str(" │ ");
        out.push_str(line.text);
        out.push('\n');
        if i == at {
            // As `render_single_line_highlights`: the underline's middle is its label's mark.
            let from = start - line.offset;
            let to = from + len;
            let middle = (from + to) / 2;
            no_number(&mut out, width);
            spaces(&mut out, from);
            out.push_str(&"─".repeat(middle - from));
            out.push(if label_text.is_some() { '┬' } else { '─' });
            out.push_str(&"─".repeat(to - middle - 1));
            out.push('\n');
            if let Some(text) = label_text {
                no_number(&mut out, width);
                spaces(&mut out, middle);
                out.push_str("╰── ");
                out.push_str(text);
                out.push('\n');
            }
        }
    }
    spaces(&mut out, width + 2);
    out.push_str("╰────\n");
    Some(out)
}

/// The gutter of a line without a number (`write_no_linum`).
fn no_number(out: &mut String, width: usize) {
    out.push(' ');
    spaces(out, width);
    out.push_str(" · ");
}

fn spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

fn digits(mut n: usize) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

/// `n` in decimal.
fn number(out: &mut String, n: usize) {
    let mut buffer = [0u8; 20];
    let mut at = buffer.len();
    let mut n = n;
    loop {
        at -= 1;
        buffer[at] = b"0123456789"[n % 10];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buffer[at..].iter().map(|&b| char::from(b)));
}

/// The context's lines as miette's `get_lines` splits plain text without `\r`: each line's number
/// counted from `first` (the context's first line, from 0) plus one, and a last line without a
/// line break kept.
fn lines(data: &str, first: usize, offset: usize) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let (mut number, mut from) = (first, 0);
    while from < data.len() {
        let (text, length) = match data[from..].find('\n') {
            Some(end) => (&data[from..from + end], end + 1),
            None => (&data[from..], data.len() - from),
        };
        number += 1;
        lines.push(Line { number, offset: offset + from, text });
        from += length;
    }
    lines
}

/// `text` as miette writes it with its wrapping off (its `wrap`), after the indents `first` and
/// `rest` (each without its trailing spaces before a blank line), and a line break.
fn unwrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    for (i, line) in text.split_terminator('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let indent = if i == 0 { first } else { rest };
        out.push_str(if line.trim().is_empty() { indent.trim_end() } else { indent });
        out.push_str(line);
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use miette::GraphicalTheme;
    use proptest::prelude::*;

    use super::*;
    use crate::codes;
    use crate::diagnostic::{Diagnostic as Finding, Report};
    use crate::emit::window::{CutReport, WindowReport};
    use crate::source::{Sources, Span};

    /// miette without colours or wrapping, as the human format draws a wrapped report.
    fn handler() -> miette::GraphicalReportHandler {
        miette::GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false)
            .with_wrap_lines(false)
    }

    /// Reports drawn here, and of them those of the simple shape.
    static DRAWN: AtomicUsize = AtomicUsize::new(0);
    static SIMPLE: AtomicUsize = AtomicUsize::new(0);

    /// `report` drawn here equals `report` drawn by miette, whenever it is drawn here.
    fn assert_drawn_as_miette_draws(report: &dyn Diagnostic) -> Result<(), TestCaseError> {
        let handler = handler();
        let mut expected = String::new();
        handler.render_report(&mut expected, report).expect("miette draws it");
        let mut drawn = String::new();
        DRAWN.fetch_add(1, Ordering::Relaxed);
        let indent = match report.severity() {
            Some(miette::Severity::Error) | None => "  × ",
            Some(miette::Severity::Warning) => "  ⚠ ",
            Some(miette::Severity::Advice) => "  ☞ ",
        };
        if draw(&mut drawn, indent, report).is_some() {
            SIMPLE.fetch_add(1, Ordering::Relaxed);
            prop_assert_eq!(drawn, expected);
        } else {
            prop_assert!(drawn.is_empty(), "nothing written when miette draws it");
        }
        Ok(())
    }

    /// Lines of plain text and the characters that leave a report to miette.
    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            30 => "[a-z0-9 :/{}\"'.,-]{0,40}",
            1 => "[a-z ]{0,8}\t[a-z]{0,8}",
            1 => "[a-z ]{0,8}é[a-z]{0,8}",
            1 => "[a-z ]{0,8}\r[a-z]{0,8}",
            1 => "x{250,300}",
        ]
    }

    fn label() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            4 => Just(None),
            1 => Just(Some(String::new())),
            2 => "[a-z ]{1,20}".prop_map(Some),
            1 => Just(Some("two\nlines".to_string())),
            1 => Just(Some("ünïcode".to_string())),
        ]
    }

    fn help() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            "[a-z ]{1,30}".prop_map(Some),
            Just(Some("first\n\nafter a blank".to_string())),
            Just(Some("ends with a break\n".to_string())),
            Just(Some("  \nbegins blank".to_string())),
        ]
    }

    fn message() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z][a-z ]{0,30}",
            1 => Just("two\nlines".to_string()),
            1 => Just("a blank\n\nbetween".to_string()),
            1 => Just("ends with a break\n".to_string()),
            1 => Just(" \nbegins blank".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Every file shape (a last line with or without its break, empty lines, the first and
        /// the last line, line numbers of one, two and three digits) and every report source
        /// the human format uses.
        #[test]
        fn a_report_is_drawn_as_miette_draws_it(
            lines in prop::collection::vec(line(), 1..14),
            padding in prop_oneof![Just(0usize), Just(95), Just(990)],
            final_break in any::<bool>(),
            start in any::<prop::sample::Index>(),
            len in prop_oneof![1 => Just(0usize), 4 => 1usize..6, 2 => 6usize..60],
            label in label(),
            related in prop::option::weighted(0.2, any::<prop::sample::Index>()),
            message in message(),
            help in help(),
            severity in 0usize..3,
        ) {
            // `padding` empty lines first, so the labels' lines number in the hundreds.
            let mut text = "\n".repeat(padding) + &lines.join("\n");
            if final_break {
                text.push('\n');
            }
            let mut sources = Sources::default();
            let id = sources.add("dir/f.yaml", &text);
            let at = |index: prop::sample::Index| {
                let mut at = padding + index.index(text.len() - padding + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            };
            let start = at(start);
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let code = codes::ALL.iter().filter(|c| c.severity as usize == severity).chain(codes::ALL).next().expect("a code");
            let mut finding = Finding::new(code, Span::new(id, start, end), message);
            if let Some(label) = label {
                finding = finding.with_label(label);
            }
            if let Some(related) = related {
                let at = at(related);
                finding = finding.with_related(Span::new(id, at, at), "there");
            }
            if let Some(help) = help {
                finding = finding.with_help(help);
            }
            let span = finding.span.expect("a span");
            assert_drawn_as_miette_draws(&Report::new(&finding, &sources))?;
            if !text.contains('\r') && text.split('\n').all(|line| line.len() <= crate::emit::window::LONG_LINE) {
                assert_drawn_as_miette_draws(&WindowReport::new(&finding, span, &sources))?;
            } else {
                assert_drawn_as_miette_draws(&CutReport::new(&finding, span, &sources, text.contains('\r')))?;
            }
        }
    }

    #[test]
    fn most_generated_reports_take_the_simple_shape_and_some_do_not() {
        a_report_is_drawn_as_miette_draws_it();
        let (drawn, simple) = (DRAWN.load(Ordering::Relaxed), SIMPLE.load(Ordering::Relaxed));
        assert!(simple * 4 > drawn && simple < drawn, "{simple} of {drawn} drawn here");
    }
}
