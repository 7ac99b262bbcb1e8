//! A pool's `node-actions.json` as `mcc apply` reads it: loaded from a directory, checked, and,
//! when the check passes, applied as a dry run against an empty root, which resolves every path
//! through the root-confined resolver without writing. (A real apply is left out on purpose: a
//! fuzzer must not write files as root on the machine it runs on.)

use mcc_runtime::apply::{NodeSteps, Options, apply};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("node-actions.json"), data).expect("the plan written");
        let Ok(steps) = NodeSteps::load(dir.path()) else { return };
        if !steps.check().is_empty() {
            return;
        }
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("the root made");
        let options = Options {
            dry_run: true,
            run_actions: false,
            crash_after: None,
            crash_in_mkdir: None,
            crash_in_log_restart: false,
            now: 0,
        };
        apply(&steps, &root, &options, &mut std::io::sink());
    });
}
