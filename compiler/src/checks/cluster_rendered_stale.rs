//! MCC2010: with `--cluster DUMP`, the rendered config a pool's status names differs from what
//! mcc renders for that pool from the dump's own MachineConfigs (generated and user ones, with
//! the dump's ControllerConfig). The MCO rendered it from exactly those, so a difference means
//! the dump is stale (taken while the render controller had not caught up, or incomplete) or mcc
//! renders differently from the MCO: either way a plan from the cluster's state should not be
//! trusted before it is understood.

use super::Context;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::plan::PoolState;
use crate::plan::diff::{diff, same_content};
use crate::render::{self, RenderOptions};
use crate::source::Sources;

/// The differing entries named, at most this many, then "and N more".
const NAMED: usize = 5;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cluster) = &cx.c.cluster else {
        return;
    };
    let running = &cluster.running;
    let options = RenderOptions {
        base_image: running.controller_configs.first().and_then(|cc| cc.base_image()).map(str::to_string),
        base_extensions_image: running
            .controller_configs
            .first()
            .and_then(|cc| cc.base_extensions_image())
            .map(str::to_string),
    };
    // The dump's own rendering: its problems were reported where its objects joined the inputs.
    let pools = render::pools(running, &mut Sources::default(), &mut Vec::new());
    let rendered = render::render(running, &pools, &options, &mut Vec::new());
    for pool in &running.pools {
        let Some((name, exported)) = cluster.current_rendered(pool.name()) else {
            continue;
        };
        let Some(ours) = rendered.iter().find(|r| r.pool.name() == pool.name()) else {
            continue;
        };
        let (theirs, ours) = (PoolState::from_export(exported), PoolState::from_rendered(ours, running));
        if same_content(&theirs, &ours) {
            continue;
        }
        let differences = differences(&theirs, &ours);
        out.push(
            Diagnostic::new(
                &codes::RENDERED_CONFIG_STALE,
                name.span,
                format!(
                    "`{}` in the dump differs from what mcc renders for pool `{}` from the dump's MachineConfigs ({})",
                    name.value,
                    pool.name(),
                    differences
                ),
            )
            .with_related(exported.metadata.name.span, "the rendered config in the dump")
            .with_help(format!(
                "the dump is stale (take it again once `oc get mcp {}` shows the newest config) or mcc renders this pool differently from the MCO (report it with the dump)",
                pool.name()
            )),
        );
    }
}

/// `file /etc/x, osImageURL, …`: what differs, the dump's side first.
fn differences(theirs: &PoolState, ours: &PoolState) -> String {
    let d = diff(theirs, ours);
    let mut names: Vec<String> = d.files.iter().map(|(path, _, kind)| format!("{} {path}", kind.name())).collect();
    names.extend(d.units.iter().map(|(unit, _)| format!("unit {unit}")));
    let fields = [
        (d.passwd, "passwd"),
        (d.kargs, "kernelArguments"),
        (d.extensions, "extensions"),
        (d.kernel_type, "kernelType"),
        (d.os_update, "osImageURL"),
        (d.fips, "fips"),
    ];
    names.extend(fields.iter().filter(|(differs, _)| *differs).map(|(_, name)| (*name).to_string()));
    if names.is_empty() {
        // Only the order of entries differs.
        return "the order of its entries".to_string();
    }
    let more = names.len().saturating_sub(NAMED);
    names.truncate(NAMED);
    let mut text = names.join(", ");
    if more > 0 {
        text.push_str(&format!(", and {more} more"));
    }
    text
}
