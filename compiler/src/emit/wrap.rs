//! A report's message and help wrapped before miette draws it, only where a line is too wide.
//!
//! miette wraps the message and the help of every report with textwrap, which finds the break
//! opportunities of the whole text by Unicode line breaking even when the text fits on its line:
//! that was two thirds of the time spent drawing `mcc check`'s report. Here a text whose every
//! line fits is left as it is, a longer one is wrapped by the same textwrap call with indents of
//! the same widths (once per distinct help: a lint's help repeats in each of its findings), and
//! miette draws the report with its wrapping off, which only puts the indents back. That path
//! indents a blank line differently, so a text that would have one is left to miette's own
//! wrapping: either way the report is byte for byte what miette draws.

use std::borrow::Cow;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use rayon::prelude::*;
use textwrap::core::display_width;

use crate::hash::HashMap;

/// The width miette is given to draw in.
const WIDTH: usize = 100;

/// miette's graphical reports, their text wrapped before they are drawn where that is cheaper.
pub struct Drawer<'h> {
    /// miette's own wrapping, for a text [`lines`] leaves to it.
    wrapping: GraphicalReportHandler,
    /// Wrapping off, for a report whose text is wrapped already.
    unwrapping: GraphicalReportHandler,
    /// Without colours: the snippet of a report of the simple shape is drawn by
    /// [`super::snippet`].
    plain: bool,
    indents: Indents,
    /// The lines of each help given to [`Drawer::new`].
    helps: HashMap<&'h str, Option<Cow<'h, str>>>,
}

impl<'h> Drawer<'h> {
    /// Ready to draw reports (in colour or not) whose helps are among `helps`, each wrapped once
    /// here; a report with another help is drawn by miette's own wrapping.
    pub fn new(colour: bool, helps: impl Iterator<Item = &'h str>) -> Self {
        let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let indents = Indents::new(&theme);
        let wrapping = GraphicalReportHandler::new_themed(theme).with_width(WIDTH).with_links(false);
        let unwrapping = wrapping.clone().with_wrap_lines(false);
        let mut helps: Vec<&str> = helps.collect();
        helps.sort_unstable();
        helps.dedup();
        let helps = helps.into_par_iter().map(|help| (help, lines(help, HELP.0, HELP.1))).collect();
        Drawer { wrapping, unwrapping, plain: !colour, indents, helps }
    }

    /// Draws `report` as miette's wrapping handler does.
    pub fn render(&self, text: &mut String, report: &dyn miette::Diagnostic) -> fmt::Result {
        // Causes and related reports are wrapped too: such a report is left to miette whole.
        if report.source().is_some() || report.diagnostic_source().is_some() || report.related().is_some() {
            return self.wrapping.render_report(text, report);
        }
        let message = report.to_string();
        let help = report.help().map(|help| help.to_string());
        let help_lines = match help.as_deref() {
            None => Some(None),
            Some(help) => self.helps.get(help).and_then(|lines| lines.as_deref()).map(Some),
        };
        match (self.indents.message(&message, report.severity()), help_lines) {
            (Some(message), Some(help)) => {
                let wrapped = Wrapped { report, message: &message, help };
                let indent = self.indents.first(report.severity());
                match self.plain.then(|| super::snippet::draw(text, indent, &wrapped)).flatten() {
                    Some(()) => Ok(()),
                    None => self.unwrapping.render_report(text, &wrapped),
                }
            }
            _ => self.wrapping.render_report(text, report),
        }
    }
}

/// The indents miette puts before the message (by severity, then of its later lines), without
/// their colours: textwrap measures them without their escape sequences.
struct Indents {
    error: String,
    warning: String,
    advice: String,
    message_rest: String,
}

/// The help's indents, as miette writes them.
const HELP: (&str, &str) = ("  help: ", "        ");

impl Indents {
    fn new(theme: &GraphicalTheme) -> Indents {
        let icon = |icon: &str| format!("  {icon} ");
        Indents {
            error: icon(&theme.characters.error),
            warning: icon(&theme.characters.warning),
            advice: icon(&theme.characters.advice),
            message_rest: format!("  {} ", theme.characters.vbar),
        }
    }

    /// The indent of a message's first line under `severity`: its icon.
    fn first(&self, severity: Option<miette::Severity>) -> &str {
        match severity {
            Some(miette::Severity::Error) | None => &self.error,
            Some(miette::Severity::Warning) => &self.warning,
            Some(miette::Severity::Advice) => &self.advice,
        }
    }

    /// The message's lines as miette wraps them under `severity` (see [`lines`]).
    fn message<'t>(&self, message: &'t str, severity: Option<miette::Severity>) -> Option<Cow<'t, str>> {
        lines(message, self.first(severity), &self.message_rest)
    }
}

/// `text` as miette's wrapping at [`WIDTH`] leaves it after the indents `first` and `rest`,
/// without them: what miette's unwrapped path indents into the same lines. `None` when it would
/// not (a line blank after wrapping, which that path indents without its trailing spaces).
fn lines<'t>(text: &'t str, first: &str, rest: &str) -> Option<Cow<'t, str>> {
    // miette wraps to two columns less than its width.
    let width = WIDTH - 2;
    let room = width.saturating_sub(display_width(first).max(display_width(rest)));
    // textwrap keeps a line that fits whole but trims its trailing spaces; a line with a control
    // character (a tab, an escape sequence) is left to textwrap, which has its own measure of it.
    let fits = |line: &str| {
        !line.trim().is_empty()
            && !line.ends_with(' ')
            && !line.contains(char::is_control)
            && display_width(line) <= room
    };
    if text.split('\n').all(fits) {
        return Some(Cow::Borrowed(text));
    }
    // Only the indents' widths matter to textwrap, so the drawn ones, coloured or not, would
    // break the lines at the same places.
    let options = textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest).break_words(true);
    let mut unindented = String::with_capacity(text.len() + text.len() / width);
    for (i, line) in textwrap::wrap(text, options).iter().enumerate() {
        let content = line.strip_prefix(if i == 0 { first } else { rest })?;
        if content.trim().is_empty() {
            return None;
        }
        if i > 0 {
            unindented.push('\n');
        }
        unindented.push_str(content);
    }
    Some(Cow::Owned(unindented))
}

/// A report without causes or related reports whose message and help are already wrapped, for
/// a handler with wrapping off.
#[derive(Debug)]
struct Wrapped<'r> {
    report: &'r dyn miette::Diagnostic,
    message: &'r str,
    help: Option<&'r str>,
}

impl fmt::Display for Wrapped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for Wrapped<'_> {}

impl miette::Diagnostic for Wrapped<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.report.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.report.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.report.labels()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codes;
    use crate::diagnostic::{Diagnostic, Report, Severity};
    use crate::source::{Sources, Span};

    /// A report with `message` and `help`, drawn in colour and not, under each severity: as
    /// [`Drawer::render`] draws it, then as miette's own wrapping does.
    fn drawn_both_ways(message: &str, help: &str) -> Vec<(String, String)> {
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", "key: value\n");
        let mut drawn = Vec::new();
        for colour in [false, true] {
            let drawer = Drawer::new(colour, std::iter::once(help));
            for severity in [Severity::Error, Severity::Warning, Severity::Info] {
                let code = codes::ALL.iter().find(|code| code.severity == severity).expect("a code of each severity");
                let diagnostic = Diagnostic::new(code, Span::new(id, 0, 3), message).with_help(help);
                let report = Report::new(&diagnostic, &sources);
                let (mut rendered, mut wrapped_by_miette) = (String::new(), String::new());
                drawer.render(&mut rendered, &report).expect("drawn");
                drawer.wrapping.render_report(&mut wrapped_by_miette, &report).expect("drawn");
                drawn.push((rendered, wrapped_by_miette));
            }
        }
        drawn
    }

    fn assert_drawn_as_miette_wraps(message: &str, help: &str) {
        for (rendered, wrapped_by_miette) in drawn_both_ways(message, help) {
            assert_eq!(rendered, wrapped_by_miette, "message {message:?}, help {help:?}");
        }
    }

    #[test]
    fn texts_at_the_edge_of_fitting_are_drawn_as_miette_wraps_them() {
        // The message has 94 columns after its indent, the help 90.
        let edges = [
            "a".repeat(90),
            "a".repeat(91),
            "a".repeat(94),
            "a".repeat(95),
            format!("{} {}", "a".repeat(60), "b".repeat(33)),
            format!("{} {}", "a".repeat(60), "b".repeat(34)),
            "中".repeat(45),
            "中".repeat(46),
            "中".repeat(47),
            "中".repeat(48),
            format!("{}🦀", "a".repeat(93)),
            format!("{} ", "a".repeat(93)),
            format!("{}\t", "a".repeat(80)),
            format!("{}   ", "a".repeat(30)),
            "   leading spaces".to_string(),
            String::new(),
            " ".to_string(),
            "\n".to_string(),
            "ends with a newline\n".to_string(),
            "a blank line\n\nbetween".to_string(),
            "a line of spaces\n   \nbetween".to_string(),
            "two lines\nthat fit".to_string(),
            format!("{}\nthen a short one", "long ".repeat(30)),
            "a\u{3000}wide space".to_string(),
            "a line with \u{1b}[1mbold\u{1b}[0m".to_string(),
            "a line with \r a carriage return".to_string(),
            format!("`/var/usrlocal/bin/{}.sh` (1381 characters) in a file under /usr/lib/tmpfiles.d", "v".repeat(70)),
        ];
        for message in &edges {
            for help in &edges {
                assert_drawn_as_miette_wraps(message, help);
            }
        }
    }

    /// Pieces of text that wrap differently: words, spaces, break opportunities after `/` and
    /// `-`, wide and zero-width characters, control characters, a word too long for a line.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a",
            "word",
            "longer-word",
            " ",
            "  ",
            "-",
            "/",
            "/etc",
            "`--relocate all`",
            "(1381",
            ")",
            ",",
            ".",
            "é",
            "中文",
            "🦀",
            "\u{200b}",
            "\u{a0}",
            "\u{3000}",
            "\t",
            "\n",
            "\r\n",
            "\u{1b}[1m",
            "a-very-long-path/that/cannot/be/broken/anywhere/because/it/has/no/spaces/at/all/and/goes/on/and/on",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_text_is_drawn_as_miette_wraps_it(
            message in prop::collection::vec(piece(), 0..48),
            help in prop::collection::vec(piece(), 0..48),
        ) {
            let (message, help) = (message.concat(), help.concat());
            for (rendered, wrapped_by_miette) in drawn_both_ways(&message, &help) {
                prop_assert_eq!(rendered, wrapped_by_miette);
            }
        }
    }

    /// A report with a cause, which miette draws (and wraps) under the message.
    #[derive(Debug)]
    struct Caused {
        report: Report,
        cause: std::io::Error,
    }

    impl fmt::Display for Caused {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.report.fmt(f)
        }
    }

    impl std::error::Error for Caused {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.cause)
        }
    }

    impl miette::Diagnostic for Caused {
        fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
            self.report.code()
        }

        fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
            self.report.help()
        }

        fn source_code(&self) -> Option<&dyn SourceCode> {
            self.report.source_code()
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            self.report.labels()
        }
    }

    #[test]
    fn a_report_with_a_cause_is_drawn_as_miette_wraps_it() {
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", "key: value\n");
        let diagnostic = Diagnostic::new(&codes::UNKNOWN_FIELD, Span::new(id, 0, 3), "short").with_help("short");
        let cause = std::io::Error::other("a cause ".repeat(20));
        let report = Caused { report: Report::new(&diagnostic, &sources), cause };
        let drawer = Drawer::new(false, std::iter::once("short"));
        let (mut rendered, mut wrapped_by_miette) = (String::new(), String::new());
        drawer.render(&mut rendered, &report).expect("drawn");
        drawer.wrapping.render_report(&mut wrapped_by_miette, &report).expect("drawn");
        assert!(wrapped_by_miette.contains("a cause"), "{wrapped_by_miette}");
        assert_eq!(rendered, wrapped_by_miette);
    }

    #[test]
    fn a_long_unicode_help_keeps_its_wrapping() {
        let message = "the file `/usr/local/bin/überprüfung-der-schnittstellen.sh` in /var can be shipped in the image as a tmpfiles.d line";
        let help = "put an `f+` line for `/var/usrlocal/bin/überprüfung-der-schnittstellen.sh` (1381 characters) in a file under /usr/lib/tmpfiles.d of the image — 中文的说明也应该在这里正确换行 🦀🦀🦀 — systemd-tmpfiles applies it at every boot";
        let mut sources = Sources::default();
        let id = sources.add("f.yaml", "key: value\n");
        let diagnostic = Diagnostic::new(&codes::UNKNOWN_FIELD, Span::new(id, 0, 3), message).with_help(help);
        let mut rendered = String::new();
        Drawer::new(false, std::iter::once(help))
            .render(&mut rendered, &Report::new(&diagnostic, &sources))
            .expect("drawn");
        insta::assert_snapshot!(rendered);
    }
}
