//! Typed reading of [`Node`] trees, with a diagnostic (not a failure) for every surprise.
//!
//! A wrong type or an unknown key is reported at its exact span and the reader carries on, so a
//! single bad field never hides the problems of its neighbours.

use crate::codes::{self, CodeInfo};
use crate::diagnostic::Diagnostic;
use crate::load::node::{Entry, Node, Value};
use crate::source::Span;

/// A value together with the span of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

pub type Diagnostics = Vec<Diagnostic>;

/// The entries of a mapping; `null` reads as no entries (Go writes `null` for empty structs).
pub fn mapping<'n>(node: &'n Node, diagnostics: &mut Diagnostics) -> &'n [Entry] {
    match &node.value {
        Value::Map(entries) => entries,
        Value::Null => &[],
        _ => {
            diagnostics.push(wrong_type(node, "a mapping"));
            &[]
        }
    }
}

/// The items of a list; `null` reads as an empty list (Go writes `null` for empty slices).
pub fn list<'n>(node: &'n Node, diagnostics: &mut Diagnostics) -> &'n [Node] {
    match &node.value {
        Value::Seq(items) => items,
        Value::Null => &[],
        _ => {
            diagnostics.push(wrong_type(node, "a list"));
            &[]
        }
    }
}

pub fn string(node: &Node, diagnostics: &mut Diagnostics) -> Option<Spanned<String>> {
    match &node.value {
        Value::Str(s) => Some(Spanned::new(s.clone(), node.span)),
        Value::Null => None,
        _ => {
            diagnostics.push(wrong_type(node, "a string"));
            None
        }
    }
}

pub fn boolean(node: &Node, diagnostics: &mut Diagnostics) -> Option<Spanned<bool>> {
    match &node.value {
        Value::Bool(b) => Some(Spanned::new(*b, node.span)),
        Value::Null => None,
        _ => {
            diagnostics.push(wrong_type(node, "a boolean"));
            None
        }
    }
}

pub fn integer(node: &Node, diagnostics: &mut Diagnostics) -> Option<Spanned<i64>> {
    match &node.value {
        Value::Int(i) => Some(Spanned::new(*i, node.span)),
        // JSON has one number type: 420.0 is the integer 420 to Go's decoder.
        #[expect(clippy::cast_possible_truncation, reason = "a whole float below 9e15 is an exact i64")]
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(Spanned::new(*f as i64, node.span)),
        Value::Null => None,
        _ => {
            diagnostics.push(wrong_type(node, "an integer"));
            None
        }
    }
}

/// The strings of a list, in a list no longer than it: a collected `filter_map` starts at room for
/// four, and these lists (kernel arguments, SSH keys) are kept for the whole run, often of one.
pub fn string_list(node: &Node, diagnostics: &mut Diagnostics) -> Vec<Spanned<String>> {
    let items = list(node, diagnostics);
    let mut strings = Vec::with_capacity(items.len());
    strings.extend(items.iter().filter_map(|item| string(item, diagnostics)));
    strings
}

/// Reports every key not in `known` with `code` (a warning: Kubernetes and Ignition both ignore
/// unknown keys); `context` names the object for the message, such as `a file entry`.
pub fn unknown_keys(
    entries: &[Entry],
    known: &[&str],
    code: &'static CodeInfo,
    context: &str,
    diagnostics: &mut Diagnostics,
) {
    for entry in entries {
        if !known.contains(&entry.key.as_str()) {
            let mut diagnostic =
                Diagnostic::new(code, entry.key_span, format!("unused key `{}` in {context}", entry.key))
                    .with_label("not a field here, so it is ignored");
            if let Some(close) = closest(&entry.key, known) {
                diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
            }
            diagnostics.push(diagnostic);
        }
    }
}

/// A known key that differs from `key` by case or by one or two edits, for "did you mean".
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&key.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

pub fn wrong_type(node: &Node, expected: &str) -> Diagnostic {
    let found = node.type_name();
    let mut diagnostic = Diagnostic::new(&codes::WRONG_TYPE, node.span, format!("expected {expected}, found {found}"));
    // YAML 1.1 turns some unquoted words into booleans or numbers; say so where it bites.
    if expected == "a string" && matches!(node.value, Value::Bool(_) | Value::Int(_) | Value::Float(_)) {
        diagnostic =
            diagnostic.with_help("quote the value: under Kubernetes YAML rules this unquoted word is not a string");
    }
    diagnostic
}

/// JSON types of the fields mcc keeps as JSON but must still type-check, as Go's decoder would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Integer,
    Boolean,
    StringList,
}

/// True when `node` has the type; otherwise reports it (Go's decoder refuses the whole config).
pub fn json_of_type(node: &Node, expected: JsonType, diagnostics: &mut Diagnostics) -> bool {
    let before = diagnostics.len();
    match expected {
        JsonType::String => drop(string(node, diagnostics)),
        JsonType::Integer => drop(integer(node, diagnostics)),
        JsonType::Boolean => drop(boolean(node, diagnostics)),
        JsonType::StringList => drop(string_list(node, diagnostics)),
    }
    diagnostics.len() == before
}

/// The entry for `key`, if present.
pub fn field<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Node> {
    entries.iter().find(|e| e.key == key).map(|e| &e.value)
}
