//! MCC7006: a dropin extends a unit that no MachineConfig of the pool and no known base unit
//! defines.
//!
//! A dropin (`systemd.units[].dropins`, or a file written to
//! `/etc/systemd/system/<unit>.d/<name>.conf`) only changes a unit that exists. For a unit the
//! node does not have, systemd loads a unit made of the dropin alone, which is almost always a
//! typo in the unit's name (`crio.serivce`, `kubelet`) or a unit that another MachineConfig was
//! meant to define. A unit exists when a MachineConfig of the same pool writes it (contents, or a
//! unit file in a unit directory) or when every node has it (`stdlib/base-units.txt`: RHCOS and
//! the MCO's own templates). Type dropins (`service.d`, for every service) and prefix dropins
//! (`crio-.scope.d`, for every `crio-*.scope`) are left alone.

use indexmap::IndexMap;

use super::{Context, UnitPath, defined_units, entries, has_unit_suffix, pools_phrase, unit_is_known, unit_path};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Where the dropin is written → (dropin, unit, pools).
    let mut found: IndexMap<Span, (String, String, Vec<String>)> = IndexMap::new();
    for (pool, graph) in cx.pools() {
        let defined = defined_units(pool);
        for entry in entries(graph) {
            let (unit, dropin) = match &entry.subject {
                Subject::Dropin { unit, name } => (unit.as_str(), name.as_str()),
                Subject::Path(path) => match unit_path(path) {
                    Some(UnitPath::Dropin { unit, name }) => (unit, name),
                    _ => continue,
                },
                _ => continue,
            };
            if is_type_or_prefix(unit) || unit_is_known(unit, &defined) {
                continue;
            }
            let (_, _, pools) =
                found.entry(entry.span).or_insert_with(|| (format!("{unit}.d/{dropin}"), unit.to_string(), Vec::new()));
            pools.push(pool.pool.name().to_string());
        }
    }
    for (span, (dropin, unit, pools)) in found {
        out.push(
            Diagnostic::new(
                &codes::DROPIN_WITHOUT_UNIT,
                span,
                format!("`{dropin}` extends `{unit}`, which no MachineConfig of {} and no known base unit defines", pools_phrase(&pools)),
            )
            .with_help(format!(
                "check the unit's name; if `{unit}` is new, define it (`contents:`) in a MachineConfig of the same pool; without it systemd loads a unit made of the dropin alone"
            )),
        );
    }
}

/// `service` (a dropin for every service) or `foo-.service` (for every `foo-*.service`).
fn is_type_or_prefix(unit: &str) -> bool {
    let types = crate::ignition::validate::UNIT_SUFFIXES;
    types.iter().any(|t| unit == &t[1..])
        || (has_unit_suffix(unit) && unit.rsplit_once('.').is_some_and(|(name, _)| name.ends_with('-')))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::DROPIN_WITHOUT_UNIT;

    #[test]
    fn a_dropin_for_an_unknown_unit_is_reported_and_known_ones_are_not() {
        let mc = worker(
            "99-worker-dropins",
            "    storage:\n      files:\n      - {path: /etc/systemd/system/crio.serivce.d/10-x.conf, contents: {source: 'data:,'}}\n      - {path: /etc/systemd/system/crio-.scope.d/10-x.conf, contents: {source: 'data:,'}}\n      - {path: /etc/systemd/system/service.d/10-x.conf, contents: {source: 'data:,'}}\n      - {path: /etc/systemd/system/mine.service, contents: {source: 'data:,'}}\n      - {path: /etc/systemd/system/mine.service.d/10-x.conf, contents: {source: 'data:,'}}\n    systemd:\n      units:\n      - name: kubelet.service\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]\n      - name: getty@tty1.service\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]\n      - name: nothere.service\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]",
        );
        let found = with_code(&check(&[&mc]), &DROPIN_WITHOUT_UNIT);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`crio.serivce.d/10-x.conf` extends `crio.serivce`, which no MachineConfig of pool `worker` and no known base unit defines",
                "`nothere.service.d/10-a.conf` extends `nothere.service`, which no MachineConfig of pool `worker` and no known base unit defines",
            ]
        );
    }

    #[test]
    fn a_unit_another_machine_config_of_the_pool_defines_counts() {
        let unit = worker(
            "99-worker-a",
            "    systemd:\n      units:\n      - name: app.service\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"",
        );
        let dropin = worker(
            "99-worker-b",
            "    systemd:\n      units:\n      - name: app.service\n        dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]",
        );
        assert!(with_code(&check(&[&unit, &dropin]), &DROPIN_WITHOUT_UNIT).is_empty());
    }
}
