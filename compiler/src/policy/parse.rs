//! Policy text → [`ast::File`], with a span on every node.
//!
//! The grammar is `grammar/mcc.pest`. pest stops at the first syntax error, so a file with one
//! gives exactly one MCC3001 diagnostic and no tree; the "expected …" list is built with pest's
//! `renamed_rules`, every rule named the way a reader of the file would say it. Literal values
//! that parse but are out of range (a number too large, an unknown string escape) are reported
//! as MCC3001 too, and the tree is still returned.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::reader::Spanned;
use crate::policy::ast::{
    ActionExpr, Condition, ConditionKind, DisruptionBlock, DisruptionRule, File, Item, LayoutBlock, LayoutStatement,
    LintBlock, LintBody, Target,
};
use crate::policy::depth::{self, MAX_CONDITION_DEPTH};
use crate::policy::layout::Place;
use crate::policy::lint::{Comparison, EntryKind, LintLevel, Placement};
use crate::source::{SourceId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/mcc.pest"]
struct PolicyParser;

/// Parses one policy file. `None` after a syntax error (reported as MCC3001).
pub fn parse(source: SourceId, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<File> {
    // pest recurses once per level of nesting: refuse what would overflow the stack before it runs.
    if let Some((start, end)) = depth::too_deep(text) {
        let message = format!("this condition nests more than {MAX_CONDITION_DEPTH} levels deep");
        diagnostics.push(
            Diagnostic::new(&codes::CONDITION_TOO_DEEP, Span::new(source, start, end), message)
                .with_help("write it flatter: two `not`s cancel out, and `not (a or b)` is `not a and not b`"),
        );
        return None;
    }
    match PolicyParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let file = pairs.next().expect("the `file` rule always produces one pair");
            let mut builder = Builder { source, diagnostics };
            Some(builder.file(file))
        }
        Err(error) => {
            diagnostics.push(syntax_error(source, text, error));
            None
        }
    }
}

/// How a rule is named in "expected …" messages.
fn rule_name(rule: &Rule) -> String {
    let name = match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE | Rule::COMMENT | Rule::bom => "white space",
        Rule::item => "`layout`, `disruption` or `lint`",
        Rule::layout_stmt => "`link`, `unlink`, `place`, `reject` or `relocate`",
        Rule::disruption_rule => "`path`, `unit` or `sshkey`",
        Rule::primary | Rule::test => "a condition",
        Rule::name_char => "a name",
        Rule::file => "`layout`, `disruption` or `lint`",
        Rule::name => "a name",
        Rule::string | Rule::string_inner => "a string",
        Rule::bare | Rule::path => "a path",
        Rule::glob | Rule::glob_bare => "a pattern",
        Rule::number => "a number",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::comma => "`,`",
        Rule::arrow => "`->`",
        Rule::fat_arrow => "`=>`",
        Rule::layout_kw | Rule::layout => "`layout`",
        Rule::extends_kw => "`extends`",
        Rule::link_kw | Rule::link => "`link`",
        Rule::unlink_kw | Rule::unlink => "`unlink`",
        Rule::place_kw | Rule::place => "`place`",
        Rule::in_kw => "`in`",
        Rule::reject_kw | Rule::reject => "`reject`",
        Rule::disruption_kw | Rule::disruption => "`disruption`",
        Rule::path_kw | Rule::path_rule => "`path`",
        Rule::unit_kw | Rule::unit_rule => "`unit`",
        Rule::sshkey_kw | Rule::sshkey_rule => "`sshkey`",
        Rule::lint_kw | Rule::lint => "`lint`",
        Rule::when_kw | Rule::when => "`when`",
        Rule::help_kw | Rule::help => "`help`",
        Rule::and_kw => "`and`",
        Rule::or_kw => "`or`",
        Rule::not_kw => "`not`",
        Rule::has_kw => "`has`",
        Rule::relocate_kw | Rule::relocate => "`relocate`",
        Rule::to_kw => "`to`",
        Rule::relocatable => "`relocatable`",
        Rule::place_name => "a place (`image`, `etc` or `var`)",
        Rule::actions | Rule::action | Rule::verb => "an action",
        Rule::service => "a service name",
        Rule::lint_code => "a lint code",
        Rule::severity => "a severity (`error`, `warning`, `info` or `off`)",
        Rule::condition | Rule::conjunction | Rule::negation => "a condition",
        Rule::kind => "an entry kind (`file`, `unit`, …)",
        Rule::path_test | Rule::path_field => "`path`",
        Rule::name_test | Rule::name_field => "`name`",
        Rule::mode_test | Rule::mode_field => "`mode`",
        Rule::size_test | Rule::size_field => "`size`",
        Rule::owner_test | Rule::owner_field => "`owner`",
        Rule::group_test | Rule::group_field => "`group`",
        Rule::placement_test | Rule::placement_field => "`placement`",
        Rule::pool_test | Rule::pool_field => "`pool`",
        Rule::source_test | Rule::source_field => "`source`",
        Rule::comparison => "a comparison (`==`, `!=`, `<`, `<=`, `>` or `>=`)",
        Rule::size_unit => "a size unit (`B`, `KiB`, `MiB`, `GiB`, `kB`, `MB` or `GB`)",
        Rule::placement => "a placement (`image`, `etc`, `var`, `rebootless` or `reject`)",
    };
    name.to_string()
}

fn syntax_error(source: SourceId, text: &str, mut error: pest::error::Error<Rule>) -> Diagnostic {
    // After a verb that takes no service (`none`, `drain`, …) a service is no real option.
    let previous = text[..error_start(&error)].trim_end();
    let word_start = previous
        .char_indices()
        .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let previous = &previous[word_start..];
    let no_service = !matches!(previous, "reload" | "restart");
    if let ErrorVariant::ParsingError { positives, negatives } = &mut error.variant {
        if no_service && positives.len() > 1 {
            positives.retain(|r| *r != Rule::service);
        }
        // Several rules may share a name (`path` and `bare`): name each once, in pest's order.
        let mut seen = Vec::new();
        positives.retain(|r| {
            let name = rule_name(r);
            let new = !seen.contains(&name);
            seen.push(name);
            new
        });
        negatives.clear();
    }
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let error = error.renamed_rules(rule_name);
    let found = found_at(text, start);
    let end = if end > start { end } else { start + found.as_ref().map_or(0, |f| f.len()) };
    let unclosed = text.get(start..).is_some_and(|rest| {
        rest.starts_with('"')
            && !rest[1..].split('\n').next().unwrap_or("").replace("\\\\", "").replace("\\\"", "").contains('"')
    });
    if unclosed {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        return Diagnostic::new(
            &codes::POLICY_SYNTAX,
            Span::new(source, start, line_end),
            "this string has no closing `\"` before the end of the line",
        )
        .with_help("close the string on the same line; write a newline inside it as `\\n`");
    }
    let message = match found {
        Some(word) => format!("{}, found `{word}`", error.variant.message()),
        None => format!("{}, found the end of the file", error.variant.message()),
    };
    Diagnostic::new(&codes::POLICY_SYNTAX, Span::new(source, start, end), message)
}

fn error_start(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

/// The word (or the single punctuation character) at `offset`.
fn found_at(text: &str, offset: usize) -> Option<&str> {
    let rest = text.get(offset..)?;
    let first = rest.chars().next()?;
    if first.is_alphanumeric() || "/_-.*?~".contains(first) {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || "/_-.*?~@:".contains(c))).unwrap_or(rest.len());
        Some(&rest[..end])
    } else {
        Some(&rest[..first.len_utf8()])
    }
}

/// The length of `text` up to the end of its last token: trailing blanks and comments cut.
fn significant_len(text: &str) -> usize {
    let mut end = 0;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            in_comment = true;
            continue;
        } else if c.is_whitespace() {
            continue;
        }
        end = i + c.len_utf8();
    }
    end
}

struct Builder<'d> {
    source: SourceId,
    diagnostics: &'d mut Vec<Diagnostic>,
}

/// Keywords and punctuation: structure only, never values.
fn is_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::comma
            | Rule::arrow
            | Rule::fat_arrow
            | Rule::layout_kw
            | Rule::extends_kw
            | Rule::link_kw
            | Rule::unlink_kw
            | Rule::place_kw
            | Rule::in_kw
            | Rule::reject_kw
            | Rule::disruption_kw
            | Rule::path_kw
            | Rule::unit_kw
            | Rule::sshkey_kw
            | Rule::lint_kw
            | Rule::when_kw
            | Rule::help_kw
            | Rule::and_kw
            | Rule::or_kw
            | Rule::not_kw
            | Rule::has_kw
            | Rule::relocate_kw
            | Rule::to_kw
            | Rule::path_field
            | Rule::name_field
            | Rule::mode_field
            | Rule::size_field
            | Rule::owner_field
            | Rule::group_field
            | Rule::placement_field
            | Rule::pool_field
            | Rule::source_field
            | Rule::EOI
    )
}

fn values(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

impl Builder<'_> {
    /// The pair's span without the white space and comments pest skips after its last token
    /// (`action = { verb ~ service? }` takes the blanks before a service that is not there).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.source, s.start(), s.start() + significant_len(s.as_str()))
    }

    fn error(&mut self, span: Span, message: String) {
        self.diagnostics.push(Diagnostic::new(&codes::POLICY_SYNTAX, span, message));
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let span = self.span(&pair);
        let items = values(pair)
            .map(|item| match item.as_rule() {
                Rule::layout => Item::Layout(self.layout(item)),
                Rule::disruption => Item::Disruption(self.disruption(item)),
                Rule::lint => Item::Lint(self.lint(item)),
                rule => unreachable!("item {rule:?}"),
            })
            .collect();
        File { items, span }
    }

    fn word(&self, pair: Pair<'_, Rule>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    /// A `path`, `glob` or `service`: a bare word or a quoted string.
    fn text(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let inner = match pair.as_rule() {
            Rule::path | Rule::glob | Rule::service => values(pair).next().expect("a word or a string"),
            _ => pair,
        };
        match inner.as_rule() {
            Rule::string => self.string(inner),
            _ => Spanned::new(inner.as_str().to_string(), span),
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let raw = &pair.as_str()[1..pair.as_str().len() - 1];
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, other)) => {
                    let at = span.sub(1 + i, 1 + other.len_utf8());
                    self.error(
                        at,
                        format!("unknown escape `\\{other}` in a string; the escapes are \\\" \\\\ \\n \\t"),
                    );
                }
                None => {}
            }
        }
        Spanned::new(value, span)
    }

    fn layout(&mut self, pair: Pair<'_, Rule>) -> LayoutBlock {
        let span = self.span(&pair);
        let mut inner = values(pair).peekable();
        let name = self.word(inner.next().expect("layout name"));
        let extends = inner.next_if(|p| p.as_rule() == Rule::name).map(|p| self.word(p));
        let statements = inner.map(|s| self.layout_statement(s)).collect();
        LayoutBlock { name, extends, statements, span }
    }

    fn layout_statement(&mut self, pair: Pair<'_, Rule>) -> LayoutStatement {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut paths = Vec::new();
        let mut place = None;
        let mut reason = None;
        let mut when = None;
        for p in values(pair) {
            match p.as_rule() {
                Rule::path => paths.push(self.text(p)),
                Rule::place_name => {
                    let value = match p.as_str() {
                        "image" => Place::Image,
                        "etc" => Place::Etc,
                        _ => Place::Var,
                    };
                    place = Some(Spanned::new(value, self.span(&p)));
                }
                Rule::string => reason = Some(self.string(p)),
                Rule::when => when = Some(self.condition(values(p).next().expect("condition"))),
                other => unreachable!("layout statement part {other:?}"),
            }
        }
        match rule {
            Rule::link => {
                let to = paths.pop().expect("link target");
                let from = paths.pop().expect("link path");
                LayoutStatement::Link { from, to, span }
            }
            Rule::unlink => LayoutStatement::Unlink { paths, span },
            Rule::place => LayoutStatement::Place { patterns: paths, place: place.expect("a place"), span },
            Rule::reject => LayoutStatement::Reject { patterns: paths, reason, span },
            Rule::relocate => {
                let to = paths.pop().expect("relocation directory");
                LayoutStatement::Relocate { patterns: paths, to, when, span }
            }
            other => unreachable!("layout statement {other:?}"),
        }
    }

    fn disruption(&mut self, pair: Pair<'_, Rule>) -> DisruptionBlock {
        let span = self.span(&pair);
        let mut inner = values(pair);
        let name = self.word(inner.next().expect("disruption name"));
        let rules = inner.map(|r| self.disruption_rule(r)).collect();
        DisruptionBlock { name, rules, span }
    }

    fn disruption_rule(&mut self, pair: Pair<'_, Rule>) -> DisruptionRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let keyword = pair.clone().into_inner().next().map(|k| self.span(&k)).unwrap_or(span);
        let mut target = None;
        let mut actions = Vec::new();
        for p in values(pair) {
            match p.as_rule() {
                Rule::path => {
                    let value = self.text(p);
                    target = Some(if rule == Rule::unit_rule { Target::Unit(value) } else { Target::Path(value) });
                }
                Rule::actions => actions = values(p).map(|a| self.action(a)).collect(),
                other => unreachable!("disruption rule part {other:?}"),
            }
        }
        DisruptionRule { target: target.unwrap_or(Target::SshKey(keyword)), actions, span }
    }

    fn action(&mut self, pair: Pair<'_, Rule>) -> ActionExpr {
        let span = self.span(&pair);
        let mut inner = values(pair);
        let verb = self.word(inner.next().expect("a verb"));
        let service = inner.next().map(|s| self.text(s));
        ActionExpr { verb, service, span }
    }

    fn lint(&mut self, pair: Pair<'_, Rule>) -> LintBlock {
        let span = self.span(&pair);
        let mut inner = values(pair);
        let code = self.word(inner.next().expect("lint code"));
        let level_pair = inner.next().expect("severity");
        let level = LintLevel::from_name(level_pair.as_str()).expect("the grammar only accepts severities");
        let level = Spanned::new(level, self.span(&level_pair));
        let body = match inner.next() {
            Some(message) => {
                let message = self.string(message);
                let when = inner.next().expect("when");
                let when = self.condition(values(when).next().expect("condition"));
                let help = inner.next().map(|h| {
                    let string = values(h).next().expect("help string");
                    self.string(string)
                });
                Some(LintBody { message, when, help })
            }
            None => None,
        };
        LintBlock { code, level, body, span }
    }

    fn condition(&mut self, pair: Pair<'_, Rule>) -> Condition {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        match rule {
            Rule::condition | Rule::conjunction => {
                let mut parts: Vec<Condition> = values(pair).map(|p| self.condition(p)).collect();
                if parts.len() == 1 {
                    return parts.pop().expect("one part");
                }
                let kind = if rule == Rule::condition { ConditionKind::Or(parts) } else { ConditionKind::And(parts) };
                Condition { kind, span }
            }
            Rule::negation => {
                // `negation` wraps every primary; only a real `not` makes a node. Parentheses
                // leave no node either: the tree's nesting says the same.
                let mut inner = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::lparen | Rule::rparen));
                let first = inner.next().expect("a condition");
                if first.as_rule() == Rule::not_kw {
                    let negated = self.condition(inner.next().expect("a negated condition"));
                    Condition { kind: ConditionKind::Not(Box::new(negated)), span }
                } else {
                    self.condition(first)
                }
            }
            Rule::relocatable => Condition { kind: ConditionKind::Relocatable, span },
            Rule::kind => {
                let kind = EntryKind::from_name(pair.as_str()).expect("the grammar only accepts kinds");
                Condition { kind: ConditionKind::Kind(kind), span }
            }
            Rule::mode_test => {
                let mut inner = pair.into_inner().skip(1);
                let operator = inner.next().expect("`has` or a comparison");
                let number = self.number(inner.next().expect("a number"), 1);
                let kind = match operator.as_rule() {
                    Rule::has_kw => ConditionKind::ModeHas(number),
                    _ => ConditionKind::Mode(comparison(operator.as_str()), number),
                };
                Condition { kind, span }
            }
            Rule::size_test => {
                let mut inner = values(pair);
                let op = comparison(inner.next().expect("a comparison").as_str());
                let number = inner.next().expect("a number");
                let multiplier = match inner.next().map(|u| u.as_str().to_string()).as_deref() {
                    Some("KiB") => 1 << 10,
                    Some("MiB") => 1 << 20,
                    Some("GiB") => 1 << 30,
                    Some("kB") => 1_000,
                    Some("MB") => 1_000_000,
                    Some("GB") => 1_000_000_000,
                    _ => 1,
                };
                let size = self.number(number, multiplier);
                Condition { kind: ConditionKind::Size(op, size), span }
            }
            Rule::placement_test => {
                let word = values(pair).next().expect("a placement");
                let placement = Placement::from_name(word.as_str()).expect("the grammar only accepts placements");
                Condition { kind: ConditionKind::Placement(placement), span }
            }
            Rule::path_test
            | Rule::name_test
            | Rule::owner_test
            | Rule::group_test
            | Rule::pool_test
            | Rule::source_test => {
                let value = self.text(values(pair).next().expect("a glob"));
                let kind = match rule {
                    Rule::path_test => ConditionKind::Path(value),
                    Rule::name_test => ConditionKind::Name(value),
                    Rule::owner_test => ConditionKind::Owner(value),
                    Rule::group_test => ConditionKind::Group(value),
                    Rule::pool_test => ConditionKind::Pool(value),
                    _ => ConditionKind::Source(value),
                };
                Condition { kind, span }
            }
            other => unreachable!("condition {other:?}"),
        }
    }

    /// A number literal times `multiplier`; too large a value is an error (and reads as 0).
    fn number(&mut self, pair: Pair<'_, Rule>, multiplier: u64) -> Spanned<u64> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let parsed = if let Some(octal) = text.strip_prefix("0o").or_else(|| text.strip_prefix("0O")) {
            u64::from_str_radix(octal, 8)
        } else if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            u64::from_str_radix(hex, 16)
        } else if text.len() > 1 && text.starts_with('0') {
            u64::from_str_radix(&text[1..], 8)
        } else {
            text.parse::<u64>()
        };
        match parsed.ok().and_then(|n| n.checked_mul(multiplier)) {
            Some(n) => Spanned::new(n, span),
            None => {
                let why = if text.starts_with('0') && text.len() > 1 && text.bytes().all(|b| b.is_ascii_digit()) {
                    format!("`{text}` is not an octal number: a leading zero means octal, as in chmod")
                } else {
                    format!("`{text}` is too large a number")
                };
                self.error(span, why);
                Spanned::new(0, span)
            }
        }
    }
}

fn comparison(symbol: &str) -> Comparison {
    Comparison::from_symbol(symbol).expect("the grammar only accepts comparisons")
}
