//! MCC7007: a unit is masked and also has contents or dropins.
//!
//! `mask: true` links the unit to `/dev/null`: systemd never loads it, whatever else the
//! MachineConfigs say about it. Contents or dropins given with the mask are dead text that a
//! reader takes for the unit's behaviour, and they usually mean that one MachineConfig masks
//! what another configures. The rendered pool is checked, so a mask and contents that come from
//! two MachineConfigs are found too; the finding points at the mask and at what it hides.

use super::Context;
use crate::codes;
use crate::diagnostic::Diagnostic;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (pool, _) in cx.pools() {
        for unit in &pool.config.systemd.units {
            let Some(mask) = unit.mask.as_ref().filter(|m| m.value) else { continue };
            let mut hidden = Vec::new();
            if let Some(contents) = &unit.contents {
                hidden.push((contents.span, "these contents never run".to_string()));
            }
            for dropin in &unit.dropins {
                hidden.push((dropin.name.span, format!("dropin `{}` never applies", dropin.name.value)));
            }
            if hidden.is_empty() {
                continue;
            }
            let what = match (unit.contents.is_some(), unit.dropins.is_empty()) {
                (true, true) => "contents",
                (true, false) => "contents and dropins",
                (false, _) => "dropins",
            };
            let mut diagnostic = Diagnostic::new(
                &codes::MASKED_UNIT_WITH_CONTENTS,
                mask.span,
                format!("`{}` is masked, so its {what} never run", unit.name.value),
            )
            .with_label("linked to /dev/null");
            for (span, message) in hidden {
                diagnostic = diagnostic.with_related(span, message);
            }
            out.push(
                diagnostic
                    .with_help("drop the mask to run the unit, or drop its contents and dropins to keep it masked"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use crate::codes::MASKED_UNIT_WITH_CONTENTS;

    #[test]
    fn a_mask_with_contents_from_another_machine_config_is_found() {
        let a = worker(
            "99-worker-a",
            "    systemd:\n      units:\n      - name: app.service\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"",
        );
        let b = worker("99-worker-b", "    systemd:\n      units:\n      - name: app.service\n        mask: true");
        let plain =
            worker("99-worker-c", "    systemd:\n      units:\n      - name: other.service\n        mask: true");
        let found = with_code(&check(&[&a, &b, &plain]), &MASKED_UNIT_WITH_CONTENTS);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].message, "`app.service` is masked, so its contents never run");
        assert_eq!(found[0].related.len(), 1);
    }
}
