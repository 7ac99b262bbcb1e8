//! Lint blocks lowered into [`Lint`]s: codes checked, overrides in place, and conditions that
//! can never hold reported.

use super::Program;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::policy::ast::{self, ConditionKind};
use crate::policy::disruption::Origin;
use crate::policy::lint::{Comparison, Condition, EntryKind, KindSet, Lint};
use crate::source::{Sources, Span};

impl Program {
    pub(super) fn add_lint(
        &mut self,
        block: &ast::LintBlock,
        origin: Origin,
        codes_in_file: &mut HashMap<String, Span>,
        sources: &Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let code = &block.code;
        if !is_lint_code(&code.value) {
            let upper = code.value.to_ascii_uppercase();
            let mut d = Diagnostic::new(
                &codes::LINT_CODE_INVALID,
                code.span,
                format!("lint code `{}` is not capital letters followed by four digits", code.value),
            );
            d = d.with_help(if is_lint_code(&upper) {
                format!("write it `{upper}`")
            } else {
                "a lint code looks like `SITE0001`: a prefix of capital letters, then exactly four digits".into()
            });
            diagnostics.push(d);
            return;
        }
        if let Some(first) = codes_in_file.get(&code.value) {
            diagnostics.push(
                Diagnostic::new(
                    &codes::DUPLICATE_LINT,
                    code.span,
                    format!("lint `{}` is defined twice in this file", code.value),
                )
                .with_related(*first, "the first definition")
                .with_help("give each lint its own code; to override a lint of the stdlib or of an earlier file, define it in a later file"),
            );
            return;
        }
        codes_in_file.insert(code.value.clone(), code.span);
        let existing = self.lint_positions.get(&code.value).copied();
        let Some(body) = &block.body else {
            // `lint CODE SEVERITY`: a new severity for a lint defined earlier.
            match existing {
                Some(i) => self.lints[i].level = block.level.clone(),
                None => diagnostics.push(
                    Diagnostic::new(
                        &codes::RULE_NEVER_MATCHES,
                        block.span,
                        format!(
                            "`lint {} {}` has no effect: no earlier file defines lint `{}`",
                            code.value,
                            block.level.value.name(),
                            code.value
                        ),
                    )
                    .with_help("the short form changes the severity of a lint defined by the stdlib or an earlier policy file; check the code, or write the whole lint"),
                ),
            }
            return;
        };
        let condition = lower_condition(&body.when, sources, diagnostics);
        let lint = Lint {
            code: code.clone(),
            level: block.level.clone(),
            message: body.message.clone(),
            help: body.help.clone(),
            condition,
            span: block.span,
            origin,
        };
        match existing {
            Some(i) => self.lints[i] = lint,
            None => {
                self.lint_positions.insert(code.value.clone(), self.lints.len());
                self.lints.push(lint);
            }
        }
    }
}

/// `[A-Z]+[0-9]{4}`.
pub fn is_lint_code(code: &str) -> bool {
    let letters = code.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = &code[letters..];
    letters > 0 && digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Lowers a condition and warns about the parts of it that can never be true.
pub(super) fn lower_condition(
    cond: &ast::Condition,
    sources: &Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> Condition {
    let lowered = lower_condition_quietly(cond);
    check_condition(cond, sources, diagnostics);
    lowered
}

pub(super) fn lower_condition_quietly(cond: &ast::Condition) -> Condition {
    match &cond.kind {
        ConditionKind::And(cs) => Condition::All(cs.iter().map(lower_condition_quietly).collect()),
        ConditionKind::Or(cs) => Condition::Any(cs.iter().map(lower_condition_quietly).collect()),
        ConditionKind::Not(c) => Condition::Not(Box::new(lower_condition_quietly(c))),
        ConditionKind::Kind(k) => Condition::Kind(*k),
        ConditionKind::Path(g) => Condition::Path(g.value.clone()),
        ConditionKind::Name(g) => Condition::Name(g.value.clone()),
        ConditionKind::ModeHas(n) => Condition::ModeHas(u32::try_from(n.value).unwrap_or(u32::MAX)),
        ConditionKind::Mode(op, n) => Condition::Mode(*op, u32::try_from(n.value).unwrap_or(u32::MAX)),
        ConditionKind::Size(op, n) => Condition::Size(*op, n.value),
        ConditionKind::Owner(o) => Condition::Owner(o.value.clone()),
        ConditionKind::Group(g) => Condition::Group(g.value.clone()),
        ConditionKind::Placement(p) => Condition::Placement(*p),
        ConditionKind::Pool(g) => Condition::Pool(g.value.clone()),
        ConditionKind::Source(g) => Condition::Source(g.value.clone()),
        ConditionKind::Relocatable => Condition::Relocatable,
    }
}

/// The largest mode Ignition accepts.
const MAX_MODE: u64 = 0o7777;

fn check_condition(cond: &ast::Condition, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
    let never = |span: Span, why: String| {
        Diagnostic::new(&codes::RULE_NEVER_MATCHES, span, format!("this condition can never be true: {why}"))
    };
    match &cond.kind {
        ConditionKind::ModeHas(mask) if mask.value & MAX_MODE == 0 => {
            diagnostics.push(
                never(cond.span, format!("no mode has any bit of {:#o}", mask.value))
                    .with_help("modes go from 0 to 0o7777; write the bits in octal, such as `mode has 0o002`"),
            );
            return;
        }
        ConditionKind::Mode(op, value) if !(0..=MAX_MODE).any(|mode| op.holds(mode, value.value)) => {
            diagnostics.push(
                never(cond.span, format!("modes go from 0 to 0o7777, so none is {} {:#o}", op.symbol(), value.value))
                    .with_help("write the mode in octal, such as `0o644`"),
            );
            return;
        }
        ConditionKind::Size(Comparison::Lt, size) if size.value == 0 => {
            diagnostics.push(never(cond.span, "no size is below zero".to_string()));
            return;
        }
        _ => {}
    }
    let kinds = lower_condition_quietly(cond).possible_kinds();
    if kinds.is_empty() {
        let mut d = never(cond.span, "no kind of entry can satisfy all of it".to_string());
        if let ConditionKind::And(parts) = &cond.kind {
            // Name the part that empties the set.
            let mut acc = KindSet::ALL;
            for part in parts {
                let own = lower_condition_quietly(part).possible_kinds();
                if acc.and(own).is_empty() && !acc.is_empty() && !own.is_empty() {
                    d = never(
                        cond.span,
                        format!(
                            "`{}` only holds for {}, but the condition before it only for {}",
                            sources.text(part.span),
                            kinds_text(own),
                            kinds_text(acc)
                        ),
                    );
                    break;
                }
                acc = acc.and(own);
            }
        }
        diagnostics.push(d.with_help(
            "each entry has one kind, and only files and directories have a mode, only files a size, only files, \
             directories and links an owner",
        ));
        return;
    }
    match &cond.kind {
        ConditionKind::And(cs) | ConditionKind::Or(cs) => {
            for c in cs {
                check_condition(c, sources, diagnostics);
            }
        }
        ConditionKind::Not(c) => check_condition(c, sources, diagnostics),
        _ => {}
    }
}

/// `a file or directory`, `a unit`, `every kind of entry`.
fn kinds_text(kinds: KindSet) -> String {
    if kinds == KindSet::ALL {
        return "every kind of entry".to_string();
    }
    let names: Vec<&str> = EntryKind::ALL.into_iter().filter(|k| kinds.contains(*k)).map(EntryKind::name).collect();
    match names.as_slice() {
        [] => "no entry".to_string(),
        [one] => format!("a {one}"),
        [rest @ .., last] => format!("a {} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_codes_are_capitals_then_four_digits() {
        for good in ["MCC6001", "SITE0001", "A0000"] {
            assert!(is_lint_code(good), "{good}");
        }
        for bad in ["mcc6001", "MCC601", "MCC60011", "6001", "MCC-6001", "MCC600a", ""] {
            assert!(!is_lint_code(bad), "{bad}");
        }
    }

    /// A site file of n lints: each one's code was looked up by scanning the lints before it,
    /// n² in all (8,000 lints: 1.1 s of `mcc check`'s 1.8 s).
    #[test]
    fn a_file_of_n_lints_is_lowered_in_linear_time() {
        use crate::policy::parse::parse;
        let mut sources = Sources::default();
        let files = [2_000, 8_000].map(|n| {
            let text: String =
                (0..n).map(|i| format!("lint SITE{i:04} warning \"r{i}\" {{ when path /etc/r/{i}.conf }}\n")).collect();
            let id = sources.add("site.mcc", &text);
            (parse(id, &text, &mut Vec::new()).expect("the file parses"), n)
        });
        crate::testing::assert_linear("lowering a file of lints", |scale| {
            let (file, n) = &files[usize::from(scale == 4)];
            let (mut program, mut diagnostics) = (Program::default(), Vec::new());
            let start = std::time::Instant::now();
            program.add(file, Origin::SitePolicy, &sources, &mut diagnostics);
            let elapsed = start.elapsed();
            assert!(diagnostics.is_empty(), "{diagnostics:#?}");
            assert_eq!(program.lints().len(), *n);
            elapsed
        });
    }
}
