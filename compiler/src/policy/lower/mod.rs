//! Semantic checks, and lowering of policy files into the models: [`Layout`](crate::policy::layout::Layout),
//! [`DisruptionPolicy`] and [`Lint`].
//!
//! A [`Program`] takes files one at a time, in precedence order (the stdlib first, then each
//! site file), so that every later file extends or overrides the earlier ones:
//!
//! - **layouts**: a `layout` block whose name is already defined reopens it; its rules come after
//!   the earlier ones. Only the first definition may say `extends`. A layout is resolved (the
//!   parent's rules, then its own blocks' in order, `unlink` removing a link) when asked for.
//! - **disruption**: every block is merged over what came before exactly as the MCO merges a
//!   `MachineConfiguration` over its defaults ([`DisruptionPolicy::merge`]).
//! - **lints**: a lint whose code is already defined replaces that definition in place; the
//!   short form `lint CODE SEVERITY` only changes its severity.
//!
//! Every problem is a diagnostic; a rule with an error is left out of the model (or keeps its
//! valid actions), so one mistake never hides the next.

mod disruption;
mod layout;
mod lint;
mod relocation;

use indexmap::IndexMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::{HashMap, HashSet};
use crate::load::reader::Spanned;
use crate::policy::ast::{self, Item, LayoutStatement};
use crate::policy::disruption::{DisruptionPolicy, Origin};
use crate::policy::lint::Lint;
use crate::source::{Sources, Span};
pub use disruption::lower_disruption;

/// Policy files lowered so far.
#[derive(Debug, Clone, Default)]
pub struct Program {
    layouts: IndexMap<String, LayoutDef>,
    /// Every disruption block merged so far, in precedence order.
    pub disruption: DisruptionPolicy,
    /// Every lint, in definition order (an override keeps the first definition's place).
    lints: Vec<Lint>,
    /// The position in `lints` of each code: a lint's code was found by scanning them, and a
    /// site file of n lints cost n² (8,000: 1.1 s). Private, so it cannot fall out of step:
    /// `add_lint` alone appends or replaces a lint.
    lint_positions: HashMap<String, usize>,
    /// Resolution diagnostics already given, so that resolving again never repeats one.
    reported: HashSet<(&'static str, Option<Span>, String)>,
}

#[derive(Debug, Clone)]
struct LayoutDef {
    extends: Option<Spanned<String>>,
    /// Each block's statements, in the order the blocks were read.
    parts: Vec<(Origin, Vec<LayoutStatement>)>,
    /// The name of the first definition.
    name: Spanned<String>,
}

impl Program {
    /// Checks one parsed file and adds it after everything read so far.
    pub fn add(&mut self, file: &ast::File, origin: Origin, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
        let mut lint_codes: HashMap<String, Span> = HashMap::default();
        for item in &file.items {
            match item {
                Item::Layout(block) => self.add_layout(block, origin, sources, diagnostics),
                Item::Disruption(block) => {
                    let policy = lower_disruption(block, origin, diagnostics);
                    self.disruption.merge(policy);
                }
                Item::Lint(block) => self.add_lint(block, origin, &mut lint_codes, sources, diagnostics),
            }
        }
    }

    /// Every lint, in definition order (an override keeps the first definition's place).
    pub fn lints(&self) -> &[Lint] {
        &self.lints
    }

    /// The names of every layout defined, in definition order.
    pub fn layout_names(&self) -> impl Iterator<Item = &str> {
        self.layouts.keys().map(String::as_str)
    }
}

/// "The earlier rule never applies": a rule repeated in one block.
fn repeated(earlier: Span, later: Span, what: String, why: &str) -> Diagnostic {
    Diagnostic::new(
        &codes::RULE_NEVER_MATCHES,
        earlier,
        format!("this rule never applies: {what} appears again later in the same block"),
    )
    .with_related(later, "this one replaces it")
    .with_help(format!("{why}; delete one of the two"))
}

fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

fn check_absolute(path: &Spanned<String>, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    if is_absolute(&path.value) {
        return;
    }
    let (message, help) = if path.value.is_empty() {
        (format!("the {what} is empty"), "write an absolute path, such as `/etc/example.conf`".to_string())
    } else {
        (
            format!("the {what} `{}` is not an absolute path", path.value),
            format!(
                "MachineConfig paths are absolute, so a relative one never matches anything; write `/{}`",
                path.value.trim_start_matches("./")
            ),
        )
    };
    diagnostics.push(Diagnostic::new(&codes::POLICY_PATH_RELATIVE, path.span, message).with_help(help));
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (crate::load::reader::edit_distance(&word.to_ascii_lowercase(), c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(closest("restrat", &["reload", "restart"]), Some("restart"));
        assert_eq!(closest("fedora-boot", &["rhcos", "fcos", "fedora-bootc"]), Some("fedora-bootc"));
        assert_eq!(closest("xyz", &["rhcos"]), None);
    }
}
