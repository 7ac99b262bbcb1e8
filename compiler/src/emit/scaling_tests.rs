//! Thousands of duplicate entries in one MachineConfig (issue 11: 8,000 took 16 s): validating
//! them and writing their diagnostics in every format must grow linearly, timed on an input and
//! on one four times its size in the same run.

use std::time::{Duration, Instant};

use super::testing::{emitted, run};
use super::{Emitter, Github, Human, Json, Markdown, Sarif, Short, write_diagnostics};

/// One MachineConfig with `count` files at the same path: `count - 1` duplicate entries.
fn duplicate_files(count: usize) -> String {
    let files = "      - {path: /etc/dup, mode: 420}\n".repeat(count);
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 99-worker-dup\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition: {{version: 3.4.0}}\n    storage:\n      files:\n{files}"
    )
}

/// Loading, validating and analysing the input, then every format of `mcc check`, and every
/// diagnostic drawn as the other commands draw them on stderr.
fn report_time(input: &str) -> Duration {
    let start = Instant::now();
    let (compilation, analysis) = run(input);
    let emitters: [&dyn Emitter; 6] =
        [&Human { colour: false }, &Json, &Sarif { tool_version: "0" }, &Github, &Markdown, &Short];
    for emitter in emitters {
        std::hint::black_box(emitted(emitter, &compilation, &analysis));
    }
    let mut drawn = Vec::new();
    write_diagnostics(&mut drawn, &compilation.diagnostics, &compilation.sources, false).expect("in memory");
    std::hint::black_box(drawn);
    start.elapsed()
}

#[test]
fn duplicate_entries_are_validated_and_reported_in_linear_time() {
    let inputs = [duplicate_files(500), duplicate_files(2_000)];
    let (compilation, _) = run(&inputs[1]);
    let duplicates = compilation.diagnostics.iter().filter(|d| d.code.code == "MCC1006").count();
    assert_eq!(duplicates, 1_999, "one duplicate entry a file after the first");
    crate::testing::assert_linear("duplicate entries reported", |scale| report_time(&inputs[usize::from(scale == 4)]));
}
