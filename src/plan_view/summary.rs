//! What `mcc plan` says about the inputs' diagnostics beside the plan: the errors in full (each
//! one fails the plan or keeps a pool from rendering), the rest counted by code, unless
//! `--diagnostics` asks for every one. A plan of a fleet may meet a hundred thousand warnings
//! that `mcc check` exists to list; the plan's reader wants the plan.

use std::collections::BTreeMap;

use mcc_compiler::codes;
use mcc_compiler::diagnostic::{Diagnostic, Severity};

/// The diagnostics shown in full by default: the errors, the plan's own findings (MCC4040:
/// a rule arriving with the change it makes rebootless), which are about this plan and not about
/// the inputs alone, and a pool left unrendered (MCC2007), which says why that pool is missing
/// from the plan.
pub fn shown(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics.iter().filter(|d| in_full(d)).cloned().collect()
}

fn in_full(d: &Diagnostic) -> bool {
    d.severity() == Severity::Error || d.code == &codes::NDP_RULE_IN_SAME_CHANGE || d.code == &codes::POOL_NOT_RENDERED
}

/// The lines that stand for the diagnostics [`shown`] leaves out (warnings and notes): one for
/// their counts, then one a code, most severe first, then by code. `None` when there are none.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let mut by_code: BTreeMap<(std::cmp::Reverse<Severity>, &str), (usize, &str)> = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| !in_full(d)) {
        let entry = by_code.entry((std::cmp::Reverse(d.severity()), d.code.code)).or_insert((0, d.code.summary));
        entry.0 += 1;
    }
    if by_code.is_empty() {
        return None;
    }
    let count = |severity| by_code.iter().filter(|((s, _), _)| s.0 == severity).map(|(_, (n, _))| n).sum::<usize>();
    let counts: Vec<String> = [(Severity::Warning, "warning"), (Severity::Info, "note")]
        .into_iter()
        .map(|(severity, word)| (count(severity), word))
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}{}", if n == 1 { "" } else { "s" }))
        .collect();
    let mut text = format!(
        "mcc plan: {} in the inputs, not shown (`mcc plan --diagnostics` or `mcc check` lists them):\n",
        counts.join(", ")
    );
    for ((severity, code), (n, summary)) in &by_code {
        let severity = if severity.0 == Severity::Info { "note".to_string() } else { severity.0.to_string() };
        text.push_str(&format!("  {severity}[{code}] ×{n}: {summary}\n"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about(code: &'static mcc_compiler::codes::CodeInfo) -> Diagnostic {
        Diagnostic::general(code, "x")
    }

    #[test]
    fn errors_are_shown_and_the_rest_counted_by_code() {
        let warning = codes::ALL.iter().copied().find(|c| c.severity == Severity::Warning).unwrap();
        let error = codes::ALL.iter().copied().find(|c| c.severity == Severity::Error).unwrap();
        let info = codes::ALL.iter().copied().find(|c| c.severity == Severity::Info).unwrap();
        let diagnostics = vec![about(warning), about(error), about(info), about(warning)];
        assert_eq!(shown(&diagnostics), vec![about(error)]);
        let text = summary(&diagnostics).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("mcc plan: 2 warnings, 1 note in the inputs, not shown"), "{text}");
        assert_eq!(lines[1], format!("  warning[{}] ×2: {}", warning.code, warning.summary));
        assert_eq!(lines[2], format!("  note[{}] ×1: {}", info.code, info.summary));
        assert_eq!(lines.len(), 3, "{text}");
    }

    #[test]
    fn errors_the_plans_own_findings_and_unrendered_pools_need_no_summary() {
        let error = codes::ALL.iter().copied().find(|c| c.severity == Severity::Error).unwrap();
        assert_eq!(summary(&[about(error)]), None);
        let plans_own = about(&codes::NDP_RULE_IN_SAME_CHANGE);
        assert_eq!(shown(std::slice::from_ref(&plans_own)), vec![plans_own.clone()]);
        assert_eq!(summary(&[plans_own]), None);
        let unrendered = about(&codes::POOL_NOT_RENDERED);
        assert_eq!(shown(std::slice::from_ref(&unrendered)), vec![unrendered.clone()]);
        assert_eq!(summary(&[unrendered]), None);
        assert_eq!(summary(&[]), None);
    }
}
