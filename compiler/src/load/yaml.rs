//! YAML (and JSON) text to [`Node`] trees, with Kubernetes' scalar rules and exact byte spans.
//!
//! We read the event stream of `granit-parser` (the parser under serde-saphyr) and build the tree
//! ourselves instead of deserializing with serde, because mcc must:
//! - resolve plain scalars as Kubernetes does (sigs.k8s.io/yaml on go-yaml v2: YAML 1.1, so a plain
//!   `0644` is the octal 420 and `yes` is `true`), and warn where that surprises;
//! - report duplicate keys and unknown fields as diagnostics instead of failing the document, so one
//!   bad field never hides the others;
//! - keep going after a syntax error, at the next `---`.

use granit_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::load::node::{Entry, Node, Value};
use crate::load::yaml_keys::MapEntries;
use crate::source::{SourceId, Span};

/// More nodes than this in one document (after alias expansion) is refused: a "billion laughs"
/// input must not exhaust memory.
const MAX_NODES: usize = 1_000_000;

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
}

/// Parses every document of a file; documents with syntax errors are reported and skipped.
pub fn parse_documents(source: SourceId, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Document> {
    let mut documents = Vec::new();
    parse_each(source, text, diagnostics, &mut |document| documents.push(document));
    documents
}

/// [`parse_documents`], each document handed to `each` as soon as it is built: a caller that
/// reads a document and drops it holds one tree at a time, not a file's (a file of 80,000 small
/// MachineConfigs parsed whole held its trees at once, four times its text).
pub fn parse_each(source: SourceId, text: &str, diagnostics: &mut Vec<Diagnostic>, each: &mut dyn FnMut(Document)) {
    // Comments are not data: not emitting them also avoids the parser's look-ahead limit on long
    // runs of comment lines (real files comment out whole config files).
    // A block scalar ending the file without a line break gets no line feed, as in go-yaml
    // (and libyaml): Kubernetes stores `contents: |` at EOF without a trailing newline.
    let options = granit_parser::options! { emit_comments: false, block_scalar_eof_without_line_feed: true };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut builder =
        Builder { text, stack: Vec::new(), anchors: HashMap::default(), nodes: 0, each, notes: Vec::new() };
    loop {
        let failure = match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                let span = Span::new(source, offset(text, &span.start), offset(text, &span.end));
                builder.event(event, span).err().map(|d| *d)
            }
            Some(Err(error)) => Some(syntax_error(source, text, &error)),
        };
        if let Some(diagnostic) = failure {
            diagnostics.push(diagnostic);
            builder.abandon_document();
            if !recover(&mut parser, source, text, diagnostics) {
                break;
            }
        }
    }
    diagnostics.append(&mut builder.notes);
}

fn recover<'a>(
    parser: &mut Parser<'a, granit_parser::StrInput<'a>>,
    source: SourceId,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    match parser.proceed_next_document() {
        Ok(more) => more,
        Err(error) => {
            diagnostics.push(syntax_error(source, text, &error));
            false
        }
    }
}

fn syntax_error(source: SourceId, text: &str, error: &ScanError) -> Diagnostic {
    let at = offset(text, error.marker());
    // Point at the character where parsing failed (or the end of the text).
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    Diagnostic::new(&codes::YAML_SYNTAX, Span::new(source, at, at + len), format!("invalid YAML: {}", error.info()))
        .with_label("the parser stopped here")
        .with_help("fix the syntax; the other documents of this file are still read")
}

/// Byte offset of a parser marker. For `&str` input the parser tracks bytes; the character index
/// fallback keeps us correct should it ever not.
fn offset(text: &str, marker: &granit_parser::Marker) -> usize {
    match marker.byte_offset() {
        Some(bytes) => bytes.min(text.len()),
        None => text.char_indices().nth(marker.index()).map_or(text.len(), |(i, _)| i),
    }
}

enum Frame {
    Seq { start: Span, anchor: usize, items: Vec<Node> },
    Map { start: Span, anchor: usize, entries: MapEntries, key: Option<(String, Span)> },
}

struct Builder<'t, 'e> {
    text: &'t str,
    stack: Vec<Frame>,
    /// Anchored nodes by the parser's anchor id (a later definition of a name gets a new id).
    anchors: HashMap<usize, Node>,
    nodes: usize,
    /// Where each document goes once its root is built.
    each: &'e mut dyn FnMut(Document),
    /// Diagnostics that do not stop the document (duplicate keys, legacy octal numbers).
    notes: Vec<Diagnostic>,
}

impl Builder<'_, '_> {
    fn abandon_document(&mut self) {
        self.stack.clear();
        self.anchors.clear();
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Box<Diagnostic>> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) => {}
            Event::DocumentEnd => self.abandon_document(),
            Event::Scalar(text, style, anchor, tag) => {
                let explicit_string = tag.as_ref().is_some_and(|t| t.suffix() == "str" || t.suffix().ends_with(":str"));
                let value = if style == ScalarStyle::Plain && !explicit_string {
                    let value = resolve_plain(&text);
                    if let (Value::Int(n), true) = (&value, is_legacy_octal(&text)) {
                        self.notes.push(legacy_octal_note(span, &text, *n));
                    }
                    value
                } else {
                    Value::Str(text.into_owned())
                };
                let node = Node { span, value };
                self.remember(anchor, &node)?;
                self.push(node)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.stack.push(Frame::Seq { start: span, anchor, items: Vec::new() })
            }
            Event::MappingStart(_, anchor, _) => {
                self.stack.push(Frame::Map { start: span, anchor, entries: MapEntries::default(), key: None })
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { start, anchor, items }) = self.stack.pop() {
                    let node = Node { span: start.to(span), value: Value::Seq(items) };
                    self.remember(anchor, &node)?;
                    self.push(node)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { start, anchor, entries, .. }) = self.stack.pop() {
                    let node = Node { span: start.to(span), value: Value::Map(entries.finish()) };
                    self.remember(anchor, &node)?;
                    self.push(node)?;
                }
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(Box::new(Diagnostic::new(&codes::YAML_SYNTAX, span, "alias to an unknown anchor")));
                };
                self.count_nodes(&node, span)?;
                self.push(Node { span, value: node.value })?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps a copy of an anchored node for the aliases to it. The copies count against
    /// [`MAX_NODES`] as alias expansions do: anchors nested in anchors each hold a copy of
    /// everything below them, so a 183 KB file of 250 nested anchors over a long list held
    /// 400 MB before they were counted.
    fn remember(&mut self, anchor: usize, node: &Node) -> Result<(), Box<Diagnostic>> {
        if anchor != 0 {
            self.count_nodes(node, node.span)?;
            self.anchors.insert(anchor, node.clone());
        }
        Ok(())
    }

    /// Adds the nodes of a copy of `node` to the document's count, refused past [`MAX_NODES`].
    fn count_nodes(&mut self, node: &Node, span: Span) -> Result<(), Box<Diagnostic>> {
        self.nodes += count(node);
        if self.nodes > MAX_NODES {
            return Err(Box::new(
                Diagnostic::new(
                    &codes::YAML_ALIAS_LIMIT,
                    span,
                    format!("this document expands to more than {MAX_NODES} nodes"),
                )
                .with_help(
                    "aliases, and anchors nested in anchors, may not multiply a document's size; write the values out",
                ),
            ));
        }
        Ok(())
    }

    fn push(&mut self, node: Node) -> Result<(), Box<Diagnostic>> {
        self.nodes += 1;
        match self.stack.last_mut() {
            None => (self.each)(Document { root: node }),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(key_text(self.text, node)?),
                Some((key, key_span)) => {
                    // The later value is kept so the rest of the document can still be checked,
                    // but said: Kubernetes' decoders refuse the document.
                    if let Some(first) = entries.push(Entry { key, key_span, value: node }) {
                        let message = format!("key `{}` is defined twice in this mapping", first.key);
                        let diagnostic = Diagnostic::new(&codes::DUPLICATE_KEY, key_span, message)
                            .with_label("defined again here")
                            .with_related(first.key_span, "first defined here")
                            .with_help("kubectl and the API server refuse duplicate keys (\"mapping key already defined\"); merge the two values under one key");
                        self.notes.push(diagnostic);
                    }
                }
            },
        }
        Ok(())
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
        _ => 0,
    }
}

/// Mapping keys are strings in Kubernetes objects; a scalar key is taken as written.
fn key_text(text: &str, node: Node) -> Result<(String, Span), Box<Diagnostic>> {
    let key = match node.value {
        Value::Str(s) => s,
        Value::Seq(_) | Value::Map(_) => Err(Box::new(
            Diagnostic::new(
                &codes::YAML_SYNTAX,
                node.span,
                "a mapping key must be a plain value, not a list or mapping",
            )
            .with_help("Kubernetes objects only have string keys"),
        ))?,
        _ => text.get(node.span.start as usize..node.span.end as usize).unwrap_or_default().to_string(),
    };
    Ok((key, node.span))
}

/// Resolves a plain scalar as go-yaml v2 does for Kubernetes (YAML 1.1 core types).
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::Str(text.to_string());
    }
    // go-yaml v2 drops underscores, then tries Go's strconv.ParseInt(s, 0, 64): base prefixes
    // 0x, 0o, 0b, and a bare leading 0 meaning octal.
    let plain = text.replace('_', "");
    if let Some(n) = parse_go_int(&plain) {
        return Value::Int(n);
    }
    if plain.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && let Ok(f) = plain.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, body) = if let Some(rest) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0o").or_else(|| digits.strip_prefix("0O")) {
        (8, rest)
    } else if let Some(rest) = digits.strip_prefix("0b").or_else(|| digits.strip_prefix("0B")) {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// `0644` (not `0`, `0x..`, `0o..`): octal only because of YAML 1.1, which surprises readers.
fn is_legacy_octal(text: &str) -> bool {
    let digits = text.trim_start_matches(['+', '-']);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

fn legacy_octal_note(span: Span, text: &str, value: i64) -> Diagnostic {
    Diagnostic::new(
        &codes::LEGACY_OCTAL,
        span,
        format!("`{text}` is the octal number {value} under Kubernetes YAML rules"),
    )
    .with_label(format!("read as {value} (octal {value:o})"))
    .with_help(format!("write `{value}` if a number is meant (Ignition's JSON modes are decimal), `0o{value:o}` to say octal, or quote it if a string is meant"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn parse(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let id = sources.add("t.yaml", text);
        let mut diagnostics = Vec::new();
        let docs = parse_documents(id, text, &mut diagnostics);
        (docs, diagnostics)
    }

    #[test]
    fn leading_zero_is_octal_under_kubernetes_rules() {
        assert_eq!(resolve_plain("0644"), Value::Int(420));
        assert_eq!(resolve_plain("0o644"), Value::Int(420));
        assert_eq!(resolve_plain("0x1A4"), Value::Int(420));
        assert_eq!(resolve_plain("420"), Value::Int(420));
        assert_eq!(resolve_plain("0"), Value::Int(0));
        let (_, diagnostics) = parse("mode: 0644\nother: 0o644\n");
        assert_eq!(diagnostics.len(), 1, "only the bare leading zero warns");
        assert_eq!(diagnostics[0].code.code, "MCC0006");
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("yesterday"), Value::Str("yesterday".into()));
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let (docs, _) = parse("a: \"0644\"\nb: 'true'\nc: !!str 12\n");
        let root = &docs[0].root;
        assert_eq!(root.get("a").unwrap().value, Value::Str("0644".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Str("true".into()));
        assert_eq!(root.get("c").unwrap().value, Value::Str("12".into()));
    }

    #[test]
    fn spans_are_byte_exact() {
        let text = "# é comment\nkind: MachineConfig\n";
        let (docs, _) = parse(text);
        let kind = docs[0].root.get("kind").unwrap();
        assert_eq!(&text[kind.span.start as usize..kind.span.end as usize], "MachineConfig");
    }

    #[test]
    fn a_syntax_error_does_not_hide_the_next_document() {
        let (docs, diagnostics) = parse("a: [1, 2\n---\nkind: Good\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code.code, "MCC0002");
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].root.get("kind").unwrap().as_str(), Some("Good"));
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_later_kept() {
        let (docs, diagnostics) = parse("storage: 1\nstorage: 2\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code.code, "MCC0003");
        assert_eq!(docs[0].root.get("storage").unwrap().value, Value::Int(2));
    }

    #[test]
    fn crlf_and_json_are_read() {
        let (docs, diagnostics) = parse("{\"kind\": \"A\",\r\n \"n\": 1}\r\n");
        assert!(diagnostics.is_empty());
        assert_eq!(docs[0].root.get("n").unwrap().value, Value::Int(1));
    }

    #[test]
    fn aliases_expand_and_are_bounded() {
        let (docs, _) = parse("a: &x {k: v}\nb: *x\n");
        assert_eq!(docs[0].root.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            laughs.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, diagnostics) = parse(&laughs);
        assert!(diagnostics.iter().any(|d| d.code.code == "MCC0014"));
    }

    #[test]
    fn anchors_nested_in_anchors_are_bounded_and_a_redefined_anchor_is_the_later() {
        // Each anchor holds a copy of everything below it: 100 levels over 20,000 items.
        let mut nested: String = (0..100).map(|i| format!("{}- &n{i}\n", " ".repeat(i))).collect();
        nested.push_str(&format!("{}- [{}]\n", " ".repeat(100), vec!["x"; 20_000].join(", ")));
        let (_, diagnostics) = parse(&nested);
        assert!(diagnostics.iter().any(|d| d.code.code == "MCC0014"), "{diagnostics:?}");
        let (docs, diagnostics) = parse("a: &x 1\nb: &x 2\nc: *x\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(docs[0].root.get("c").unwrap().value, Value::Int(2));
    }

    #[test]
    fn long_runs_of_comments_are_fine() {
        // As in a real file: a key, a long commented-out file, then the key's value.
        let comments = "    # commented out\n".repeat(200);
        let text = format!("a:\n  b:\n{comments}    source: x\nc: 1\n");
        let (docs, diagnostics) = parse(&text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(docs[0].root.get("c").unwrap().value, Value::Int(1));
    }

    #[test]
    fn a_block_scalar_at_the_end_of_the_file_gets_no_line_feed() {
        let (docs, _) = parse("a: |\n  text");
        assert_eq!(docs[0].root.get("a").unwrap().as_str(), Some("text"));
        let (docs, _) = parse("a: |\n  text\n");
        assert_eq!(docs[0].root.get("a").unwrap().as_str(), Some("text\n"));
    }
}
