//! A pool's analysis (its graph, then the lints, which read every entry's facts) must grow
//! linearly with its directories and links: each entry's kind was found by scanning the pool's
//! lists, n² for n entries. Timed on a pool and on one four times its size in the same run, so
//! the ratio holds on a busy machine where absolute times do not.

use std::time::{Duration, Instant};

use crate::lints;
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::render::{RenderOptions, RenderedPool};
use crate::session::PolicyOptions;
use crate::source::Sources;
use crate::testing::{Loaded, assert_linear, load, mc};

/// One MachineConfig of `n` directories and `n` links, each link pointing at the next.
fn pool_text(n: usize) -> String {
    let mut spec = String::from("  config:\n    ignition: {version: 3.4.0}\n    storage:\n      directories:\n");
    for i in 0..n {
        spec.push_str(&format!("      - {{path: /etc/d/{i}}}\n"));
    }
    spec.push_str("      links:\n");
    for i in 0..n {
        spec.push_str(&format!("      - {{path: /etc/l/{i}, target: /etc/l/{}}}\n", (i + 1) % n));
    }
    mc("99-worker-many", Some("worker"), &spec)
}

fn worker(loaded: &mut Loaded) -> RenderedPool {
    let pools = loaded.render(&RenderOptions::default());
    pools.into_iter().find(|p| p.pool.name() == "worker").expect("the worker pool renders")
}

/// One analysis of the rendered worker pool.
fn analysis_time(loaded: &Loaded, pool: &RenderedPool, policies: &Policies) -> Duration {
    let options = PolicyOptions::default();
    let start = Instant::now();
    let graph = lints::analyze_pool(pool, &loaded.inputs, policies, &options, &mut Vec::new());
    let elapsed = start.elapsed();
    let storage = &pool.config.storage;
    assert!(graph.entries.len() >= storage.directories.len() + storage.links.len());
    elapsed
}

#[test]
fn four_times_the_directories_and_links_take_less_than_eight_times_as_long() {
    let policies = stdlib::load(Profile::Rhcos, OcpVersion::default(), &mut Sources::default(), &mut Vec::new());
    let texts = [pool_text(500), pool_text(2_000)];
    let mut loaded = texts.each_ref().map(|text| load(&[text.as_str()]));
    let pools = loaded.each_mut().map(worker);
    assert_linear("a pool's analysis of its directories and links", |scale| {
        let which = usize::from(scale == 4);
        analysis_time(&loaded[which], &pools[which], &policies)
    });
}
