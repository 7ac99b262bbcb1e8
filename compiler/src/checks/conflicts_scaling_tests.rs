//! The conflicts check must grow linearly with the entries of one MachineConfig: each
//! definition's entry was found by scanning its MachineConfig's lists, O(n²) in them. Timed on
//! two MachineConfigs that disagree on every entry, and on two four times their size, in the
//! same run.

use std::time::{Duration, Instant};

use super::super::Context;
use crate::codes::CONFLICTING_DEFINITIONS;
use crate::render::RenderOptions;
use crate::session::{Analysis, Compilation, PolicyOptions};

/// A worker MachineConfig with `count` files, directories, links, units and dropins (all of one
/// unit), whose contents, modes, targets and enablement are its own (`tag`).
fn machine_config(name: &str, count: usize, tag: usize) -> String {
    let mut config = String::from("  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n");
    for i in 0..count {
        config.push_str(&format!("      - {{path: /etc/app/f{i}, contents: {{source: 'data:,{tag}'}}}}\n"));
    }
    config.push_str("      directories:\n");
    for i in 0..count {
        config.push_str(&format!("      - {{path: /etc/dirs/d{i}, mode: {}}}\n", 448 + tag));
    }
    config.push_str("      links:\n");
    for i in 0..count {
        config.push_str(&format!("      - {{path: /etc/links/l{i}, target: /etc/app/f{tag}}}\n"));
    }
    config.push_str("    systemd:\n      units:\n");
    for i in 0..count {
        config.push_str(&format!("      - {{name: u{i}.service, enabled: {}}}\n", tag == 0));
    }
    config.push_str("      - name: app.service\n        dropins:\n");
    for i in 0..count {
        config.push_str(&format!("        - {{name: d{i}.conf, contents: \"[Service]\\nNice={tag}\\n\"}}\n"));
    }
    crate::testing::mc(name, Some("worker"), &config)
}

/// The inputs analysed once: only the check is timed.
fn analysed(count: usize) -> (Compilation, Analysis) {
    let texts = [machine_config("99-worker-a", count, 0), machine_config("99-worker-b", count, 1)];
    let mut compilation = crate::testing::compilation(&[&texts[0], &texts[1]]);
    let analysis = crate::driver::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
    (compilation, analysis)
}

/// What the check finds, and how long it took.
fn conflicts(c: &Compilation, analysis: &Analysis) -> (Vec<crate::diagnostic::Diagnostic>, Duration) {
    let cx = Context { c, analysis, rendered: &analysis.rendered, graphs: &analysis.graphs };
    let mut found = Vec::new();
    let start = Instant::now();
    super::check(&cx, &mut found);
    (found, start.elapsed())
}

#[test]
fn conflicts_of_one_machine_configs_entries_are_found_in_linear_time() {
    let inputs = [analysed(500), analysed(2_000)];
    let (found, _) = conflicts(&inputs[1].0, &inputs[1].1);
    assert_eq!(found.len(), 5 * 2_000, "one conflict an entry");
    assert!(found.iter().all(|d| d.code == &CONFLICTING_DEFINITIONS));
    crate::testing::assert_linear("conflicts found", |scale| {
        let (c, analysis) = &inputs[usize::from(scale == 4)];
        conflicts(c, analysis).1
    });
}
