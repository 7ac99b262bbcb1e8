//! A pool's analysis must grow linearly with its entries: rendering (the merge), the graph
//! (its ordering edges) and the lints, timed on a pool and on one four times its size in the
//! same run, so the ratio holds on a busy machine where absolute times do not.

use std::time::{Duration, Instant};

use crate::graph;
use crate::lints;
use crate::policy::placement::Target;
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::render::RenderOptions;
use crate::source::Sources;
use crate::testing::{load, mc};

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

/// The best of three runs of rendering, graphing and linting the worker pool.
fn analysis_time(texts: &[String], policies: &Policies) -> Duration {
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    (0..3)
        .map(|_| {
            let mut loaded = load(&texts);
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
        })
        .min()
        .expect("three runs")
}

#[test]
fn four_times_the_entries_take_less_than_five_times_as_long() {
    let policies = stdlib::load(Profile::Rhcos, OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
    let small = pool_texts(40, 20);
    let large = pool_texts(160, 20);
    analysis_time(&small, &policies); // warm-up
    let (one, four) = (analysis_time(&small, &policies), analysis_time(&large, &policies));
    let ratio = four.as_secs_f64() / one.as_secs_f64();
    assert!(ratio < 5.0, "4× the entries took {ratio:.1}× as long ({one:?} → {four:?}): a stage is not linear");
}
