//! Class D: the group order of the daemon's changed files and units.

use crate::load::reader::Spanned;
use crate::plan::ChangeKind;
use crate::plan::Op;
use crate::plan::actions::calculate;
use crate::plan::diff::Diff;
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, UnitRule};
use crate::source::{Sources, Span};

fn span() -> Span {
    Span::new(Sources::default().add("t", "x"), 0, 1)
}

fn restart(service: &str) -> Vec<Spanned<Action>> {
    vec![Spanned::new(Action::Restart(service.into()), span())]
}

/// A policy restarting `a.service` for /etc/aa and the unit a.service, `z.service` for /etc/zz
/// and the unit z.service.
fn policy() -> DisruptionPolicy {
    let file = |path: &str, service: &str| FileRule {
        path: Spanned::new(path.into(), span()),
        actions: restart(service),
        span: span(),
        origin: Origin::MachineConfiguration,
    };
    let unit = |name: &str| UnitRule {
        name: Spanned::new(name.into(), span()),
        actions: restart(name),
        span: span(),
        origin: Origin::MachineConfiguration,
    };
    DisruptionPolicy::new(
        vec![file("/etc/aa", "a.service"), file("/etc/zz", "z.service")],
        vec![unit("a.service"), unit("m.service"), unit("z.service")],
        None,
    )
}

fn restarts(actions: &[Action]) -> Vec<&str> {
    actions.iter().filter_map(Action::service).collect()
}

// MCO: pkg/controller/common/helpers.go CalculateConfigFileDiffs lists removed paths before added
// or changed ones (each group in Go map order), and pkg/daemon/update.go update() passes that
// list to calculatePostConfigChangeNodeDisruptionAction.
#[test]
fn d_removed_files_come_before_added_and_changed_ones() {
    let diff = Diff {
        files: vec![("/etc/aa".into(), Op::Add, ChangeKind::File), ("/etc/zz".into(), Op::Remove, ChangeKind::File)],
        ..Diff::default()
    };
    assert_eq!(restarts(&calculate(&diff, &policy()).actions), ["z.service", "a.service"]);
}

// MCO: pkg/daemon/update.go update(): units added, then updated, then removed
// (GetChangedConfigUnitsByType in pkg/controller/common/helpers.go), each group in map order.
#[test]
fn d_units_come_added_then_updated_then_removed() {
    let diff = Diff {
        units: vec![("a.service".into(), Op::Remove), ("m.service".into(), Op::Change), ("z.service".into(), Op::Add)],
        ..Diff::default()
    };
    assert_eq!(restarts(&calculate(&diff, &policy()).actions), ["z.service", "m.service", "a.service"]);
}
