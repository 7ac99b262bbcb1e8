//! A pool's analysis must grow linearly with its entries: rendering (the merge), the graph
//! (its ordering edges) and the lints, timed on a pool and on one four times its size in the
//! same run, so the ratio holds on a busy machine where absolute times do not; likewise the line
//! lookups of diagnostics.

use std::time::{Duration, Instant};

use crate::graph;
use crate::lints;
use crate::policy::placement::Target;
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::render::RenderOptions;
use crate::source::{SourceId, Sources};
use crate::testing::{assert_linear, load, mc};

/// `machine_configs` MachineConfigs of `per_mc` files each, in shared directories (every file
/// nested under three of the pool's directories), with a unit and a dropin each.
fn pool_texts(machine_configs: usize, per_mc: usize) -> Vec<String> {
    (0..machine_configs)
        .map(|m| {
            let mut spec = String::from("  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n");
            for f in 0..per_mc {
                spec.push_str(&format!("      - {{path: /etc/app/d{}/m{m}/f{f}.conf, contents: {{source: 'data:,x'}}}}\n", f % 7));
            }
            spec.push_str("      directories:\n      - {path: /etc/app}\n");
            for d in 0..7 {
                spec.push_str(&format!("      - {{path: /etc/app/d{d}}}\n      - {{path: /etc/app/d{d}/m{m}}}\n"));
            }
            spec.push_str(&format!(
                "    systemd:\n      units:\n      - name: app{m}.service\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n\"\n        dropins: [{{name: 10-a.conf, contents: \"[Service]\\n\"}}]\n"
            ));
            mc(&format!("99-worker-{m:04}"), Some("worker"), &spec)
        })
        .collect()
}

/// One run of rendering, graphing and linting the worker pool.
fn analysis_time(texts: &[&str], policies: &Policies) -> Duration {
    let mut loaded = load(texts);
    let start = Instant::now();
    let pools = loaded.render(&RenderOptions::default());
    let pool = pools.iter().find(|p| p.pool.name() == "worker").expect("the worker pool renders");
    let g = graph::build(
        pool,
        &loaded.inputs,
        &policies.layout,
        &policies.disruption,
        Target::Bootc,
        &mut loaded.diagnostics,
    );
    lints::run(pool, &g, policies, &mut loaded.diagnostics);
    start.elapsed()
}

/// One lookup a line, for every line of a file of `lines` lines.
fn line_lookup_time(sources: &Sources, id: SourceId, offsets: &[usize]) -> Duration {
    let file = sources.get(id);
    let start = Instant::now();
    for &offset in offsets {
        std::hint::black_box(file.line_col(offset));
    }
    start.elapsed()
}

/// One test for every measurement, so that two measurements never run at once and slow each
/// other down (each thrashes the other's cache).
#[test]
fn four_times_the_input_takes_less_than_eight_times_as_long() {
    let policies = stdlib::load(Profile::Rhcos, OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
    let sizes = [pool_texts(40, 20), pool_texts(160, 20)];
    let texts: Vec<Vec<&str>> = sizes.iter().map(|texts| texts.iter().map(String::as_str).collect()).collect();
    assert_linear("a pool's analysis", |scale| analysis_time(&texts[usize::from(scale == 4)], &policies));

    // One file under thousands of directories: each of its directories was looked up whole (the
    // graph's nesting, the disruption rules, the layout's links): its length times its depth.
    let deep: [Vec<String>; 2] = [5_000, 20_000].map(|depth| {
        let path = format!("/etc{}", "/a".repeat(depth));
        let spec = format!("  config:\n    ignition: {{version: 3.4.0}}\n    storage:\n      files:\n      - {{path: {path}, contents: {{source: 'data:,x'}}}}\n");
        vec![mc("99-worker-deep", Some("worker"), &spec)]
    });
    let deep: Vec<Vec<&str>> = deep.iter().map(|texts| texts.iter().map(String::as_str).collect()).collect();
    assert_linear("a deep path's analysis", |scale| analysis_time(&deep[usize::from(scale == 4)], &policies));

    let mut sources = Sources::default();
    let ids =
        [3_000, 12_000].map(|lines| sources.add("big.yaml", &"      - {path: /etc/dup, mode: 420}\n".repeat(lines)));
    let offsets =
        ids.map(|id| -> Vec<usize> { sources.get(id).text.match_indices('\n').map(|(i, _)| i + 4).collect() });
    assert_linear("line lookups", |scale| {
        let which = usize::from(scale == 4);
        line_lookup_time(&sources, ids[which], &offsets[which])
    });
}
