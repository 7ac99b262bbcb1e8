//! The Node Disruption Policy calculation (`spec/mco.md` §4.3:
//! `calculatePostConfigChangeNodeDisruptionAction` and `…FromMCDiffs`) over a merged policy
//! (§4.5, already merged into the [`DisruptionPolicy`]).

use crate::plan::diff::Diff;
use crate::plan::{ChangeKind, Op};
use crate::policy::disruption::{Action, DisruptionPolicy};
use crate::source::Span;

/// Each changed entry's own policy, and the pool's combined result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calculation {
    /// Each changed file (the MCO's changed-file set: files only, not directories or links),
    /// removed ones first, each group in path order: the matching rule's actions, or `[Reboot]` when none matches; and the rule.
    pub per_file: Vec<(String, Vec<Action>, Option<Span>)>,
    /// Each changed unit, added, then changed, then removed, each group in name order, likewise.
    pub per_unit: Vec<(String, Vec<Action>, Option<Span>)>,
    /// The `sshkey` actions, when `passwd` changed (`[None]` when no rule says otherwise).
    pub passwd: Option<Vec<Action>>,
    /// The final list after the combination rules; `Special` is not resolved yet.
    pub actions: Vec<Action>,
    /// Why the result is `[Reboot]`, naming the first culprit.
    pub reboot_cause: Option<String>,
}

/// The reason the MCO reboots for a spec field, whatever any policy says.
pub fn always_reboot_reason(kind: ChangeKind) -> String {
    let what = match kind {
        ChangeKind::OsImageUrl => "the OS image (osImageURL) changed",
        ChangeKind::KernelArguments => "kernel arguments changed",
        ChangeKind::Extensions => "extensions changed",
        ChangeKind::KernelType => "the kernel type changed",
        ChangeKind::Fips => "FIPS changed",
        _ => "the config changed",
    };
    format!("{what}: the MCO always reboots")
}

/// The reason a changed file or unit reboots, from its own policy; `None` when it does not.
pub fn policy_reboot_reason(name: &str, actions: &[Action], matched: bool) -> Option<String> {
    if !matched {
        Some(format!("{name} has no disruption policy"))
    } else if actions.contains(&Action::Reboot) {
        Some(format!("the disruption policy of {name} is reboot"))
    } else {
        None
    }
}

/// The MCO's calculation for a diff under a merged policy.
pub fn calculate(diff: &Diff, policy: &DisruptionPolicy) -> Calculation {
    let mut calc = Calculation::default();
    let mut causes: Vec<String> = Vec::new();
    // The daemon's order (`CalculateConfigFileDiffs`): removed files, then added or changed ones;
    // inside each group Go map order, which is unspecified, so by path here.
    let mut files: Vec<_> = diff.files.iter().filter(|(_, _, kind)| *kind == ChangeKind::File).collect();
    files.sort_by_key(|(_, op, _)| *op != Op::Remove);
    for (path, _, _) in files {
        let rule = policy.match_file(path);
        let actions =
            rule.map_or_else(|| vec![Action::Reboot], |r| r.actions.iter().map(|a| a.value.clone()).collect());
        causes.extend(policy_reboot_reason(path, &actions, rule.is_some()));
        calc.per_file.push((path.clone(), actions, rule.map(|r| r.span)));
    }
    // `update()` passes units added, then updated, then removed (`GetChangedConfigUnitsByType`),
    // each group in map order: by name here.
    let mut units: Vec<_> = diff.units.iter().collect();
    units.sort_by_key(|(_, op)| *op);
    for (name, _) in units {
        let rule = policy.match_unit(name);
        let actions =
            rule.map_or_else(|| vec![Action::Reboot], |r| r.actions.iter().map(|a| a.value.clone()).collect());
        causes.extend(policy_reboot_reason(name, &actions, rule.is_some()));
        calc.per_unit.push((name.clone(), actions, rule.map(|r| r.span)));
    }
    if diff.passwd {
        let actions = policy
            .sshkey
            .as_ref()
            .map_or_else(|| vec![Action::None], |r| r.actions.iter().map(|a| a.value.clone()).collect());
        if actions.contains(&Action::Reboot) {
            causes.push("the sshkey disruption policy is reboot".into());
        }
        calc.passwd = Some(actions);
    }

    // Step 3: a spec change reboots, whatever any policy says.
    let spec = [
        (diff.os_update, ChangeKind::OsImageUrl),
        (diff.kargs, ChangeKind::KernelArguments),
        (diff.fips, ChangeKind::Fips),
        (diff.kernel_type, ChangeKind::KernelType),
        (diff.extensions, ChangeKind::Extensions),
    ];
    if let Some((_, kind)) = spec.iter().find(|(changed, _)| *changed) {
        calc.actions = vec![Action::Reboot];
        calc.reboot_cause = Some(always_reboot_reason(*kind));
        return calc;
    }
    // Step 4: nothing the policies cover changed.
    if !diff.files_differ() && !diff.units_differ() && !diff.passwd {
        calc.actions = vec![Action::None];
        return calc;
    }
    // Step 5: files, then units, then sshkey; the first entry without a rule reboots at once.
    let mut actions = Vec::new();
    for (_, a, _) in calc.per_file.iter().chain(&calc.per_unit) {
        actions.extend(a.iter().cloned());
    }
    if let Some(a) = &calc.passwd {
        actions.extend(a.iter().cloned());
    }
    calc.actions = combine(actions);
    if calc.actions == [Action::Reboot] {
        calc.reboot_cause = causes.into_iter().next();
    }
    calc
}

/// The combination rules: any Reboot gives `[Reboot]`; None is dropped beside any other action;
/// only Nones give one `[None]`; nothing is de-duplicated; no actions stay no actions.
pub fn combine(actions: Vec<Action>) -> Vec<Action> {
    if actions.contains(&Action::Reboot) {
        return vec![Action::Reboot];
    }
    if actions.contains(&Action::None) {
        if actions.iter().any(|a| *a != Action::None) {
            return actions.into_iter().filter(|a| *a != Action::None).collect();
        }
        return vec![Action::None];
    }
    actions
}
