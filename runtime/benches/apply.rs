//! `mcc apply` of N node-side files (default 10,000) against the floor of writing the same files
//! the plain safe way (a temporary file, written, fsynced, renamed into place), measured in one
//! run so the ratio holds on a noisy machine. Two trees: a fresh root (every file new) and a root
//! where every file already exists with other contents (every file replaced, so every one is
//! kept for `--rollback` first).
//!
//! `cargo bench -p mcc-runtime --bench apply -- 10000` (needs root: `mcc apply` gives files their owner). The
//! trees are under `target/apply-bench`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mcc_runtime::apply::{self, NodeSteps, Options};
use serde_json::{Value, json};

const RUNS: usize = 1;
const FILES_PER_DIR: usize = 100;

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let scratch = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/apply-bench");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("target/apply-bench can be made");
    let files = files(count);
    let plan = write_plan(&scratch.join("plan"), &files);
    let steps = NodeSteps::load(&plan).expect("the generated plan loads");
    assert!(steps.check().is_empty(), "the generated plan is valid");
    println!("mcc apply of {count} files ({} KiB) vs temp file + fsync + rename, best of {RUNS}", total_kib(&files));
    for replacing in [false, true] {
        let mut floor = Duration::MAX;
        let mut mcc = Duration::MAX;
        for run in 0..RUNS {
            let root = scratch.join(format!("floor-{replacing}-{run}"));
            prepare(&root, &files, replacing);
            floor = floor.min(time(|| write_plainly(&root, &files)));
            let root = scratch.join(format!("mcc-{replacing}-{run}"));
            prepare(&root, &files, replacing);
            mcc = mcc.min(time(|| apply_plan(&plan, &root, count)));
        }
        println!(
            "{}: temp+fsync+rename {:.2} s, mcc apply {:.2} s = {:.2}× the floor",
            if replacing { "replacing every file" } else { "fresh root" },
            floor.as_secs_f64(),
            mcc.as_secs_f64(),
            mcc.as_secs_f64() / floor.as_secs_f64()
        );
    }
    let _ = fs::remove_dir_all(&scratch);
}

/// The files: in-root paths, 100 a directory, with contents of 100 B to 3.9 KiB (`mcc compile`
/// writes contents up to 4 KiB inline).
fn files(count: usize) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|i| {
            let path = format!("/etc/bench/d{:03}/f{i:05}.conf", i / FILES_PER_DIR);
            let size = 100 + (i * 7919) % 3900;
            let line = format!("key{i} = value {i}\n");
            (path, line.bytes().cycle().take(size).collect())
        })
        .collect()
}

fn total_kib(files: &[(String, Vec<u8>)]) -> usize {
    files.iter().map(|(_, b)| b.len()).sum::<usize>() / 1024
}

/// A `mcc.node-actions/v1` plan writing every file.
fn write_plan(dir: &Path, files: &[(String, Vec<u8>)]) -> PathBuf {
    fs::create_dir_all(dir).expect("the plan directory can be made");
    let steps: Vec<Value> = files
        .iter()
        .map(|(path, bytes)| {
            let text = String::from_utf8(bytes.clone()).expect("ASCII contents");
            let content = json!({ "size": bytes.len(), "sha256": mcc_contract::sha256_hex(bytes), "inline": text });
            json!({ "op": "write", "path": path, "mode": "0644", "content": content, "placement": "etc", "sources": ["bench"] })
        })
        .collect();
    let actions = json!({
        "schema": "mcc.node-actions/v1", "pool": "worker", "renderedConfig": "rendered-worker-bench", "from": null,
        "target": "legacy", "varStrategy": "node", "rebuild": false, "drain": false, "reboot": false, "steps": steps,
    });
    fs::write(dir.join("node-actions.json"), serde_json::to_vec(&actions).expect("the plan serializes"))
        .expect("the plan can be written");
    dir.to_path_buf()
}

/// A root for one run: empty, or holding every file with other contents; on disk before the
/// clock starts.
fn prepare(root: &Path, files: &[(String, Vec<u8>)], replacing: bool) {
    fs::create_dir_all(root).expect("the root can be made");
    if replacing {
        for (path, _) in files {
            let at = root.join(&path[1..]);
            fs::create_dir_all(at.parent().expect("a parent")).expect("a directory");
            fs::write(&at, format!("old contents of {path}\n")).expect("a file");
        }
    }
    rustix::fs::sync();
}

fn time(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

/// The floor: each file written to a temporary file beside it, fsynced, renamed into place.
fn write_plainly(root: &Path, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let at = root.join(&path[1..]);
        let dir = at.parent().expect("a parent");
        fs::create_dir_all(dir).expect("a directory");
        let temp = dir.join(format!(".{}.tmp", at.file_name().expect("a name").to_string_lossy()));
        let mut file = fs::File::create(&temp).expect("a temporary file");
        file.write_all(bytes).expect("written");
        file.sync_all().expect("fsynced");
        fs::rename(&temp, &at).expect("renamed");
    }
}

/// What `mcc apply PLAN --root ROOT` does, in process: load, check, apply.
fn apply_plan(plan: &Path, root: &Path, count: usize) {
    let steps = NodeSteps::load(plan).expect("the plan loads");
    assert!(steps.check().is_empty());
    let report = apply::apply(&steps, root, &Options::default(), &mut std::io::sink());
    assert!(!report.failed(), "{:?}", report.diagnostics);
    assert_eq!(report.changed, count, "every file written");
}
