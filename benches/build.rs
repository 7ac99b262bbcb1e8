//! `mcc compile` + `mcc build` of a 10 MB layer against `tar -c DIR | gzip -6 > /dev/null` of the
//! same tree (issue 12's row), timed in one run so the ratio holds on a noisy machine.
//!
//! `cargo bench --bench build [-- MB]` (default 10). It writes, under `target/build-bench/`, a
//! tree of text files made from the real corpus (`/work/shared/corpus/real`, or
//! `MCC_FLEET_CORPUS`), the MachineConfigs that write the same files under `/etc` (plain base64
//! data URLs, 1 MB of file contents a MachineConfig), then times, best of five interleaved runs,
//! the release `mcc` compiling and building them, and the shell pipeline over the tree. The
//! in-process compression of the same tar is printed too, to show how much of the build it is:
//! mcc's gzip (zlib-rs) and, for comparison, the miniz_oxide deflate it replaced at the same level.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

const CORPUS: &str = "/work/shared/corpus/real";
const RUNS: usize = 5;
const BASE: &str = "quay.io/example/rhcos@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mcc = PathBuf::from(std::env::var("MCC_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_mcc").to_string()));
    let corpus = std::env::var("MCC_FLEET_CORPUS").unwrap_or_else(|_| CORPUS.to_string());
    let mb: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10);
    let work = root.join("target/build-bench");
    // Everything the bench would delete (the last bench's files, each run's output) is moved
    // here, untimed, and deleted after the last run: on ext4, files made within about 30 s of
    // deleting thousands cost up to a millisecond each (the inode allocator skips every recently
    // deleted inode), which would time the file system's bookkeeping of the bench's own
    // deletions rather than mcc.
    let trash = root.join("target/build-bench-trash");
    let _ = fs::remove_dir_all(&trash);
    fs::create_dir_all(&trash).expect("the trash directory can be made");
    let _ = fs::rename(&work, trash.join("previous"));
    let (tree, inputs) = (work.join("tree"), work.join("inputs"));
    let files = generate(Path::new(&corpus), &tree, &inputs, mb << 20);
    println!("{mb} MB in {files} files under /etc, {} with {RUNS} runs each, best of each", mcc.display());

    let (compiled, layout) = (work.join("compiled"), work.join("image"));
    let compile = || {
        let out = compiled.to_str().expect("a UTF-8 path");
        run(Command::new(&mcc).args(["compile", inputs.to_str().expect("UTF-8"), "--out", out, "--base-image", BASE]));
    };
    let build = || {
        let pool = compiled.join("worker");
        let out = format!("oci:{}:latest", layout.display());
        run(Command::new(&mcc).args(["build", pool.to_str().expect("UTF-8"), "--out", &out]));
    };
    let pipeline = format!("tar -c -C {} etc | gzip -6 > /dev/null", tree.display());
    let tar_gzip = || run(Command::new("sh").args(["-c", &pipeline]));

    // Each run writes everything anew; the last run's output goes to the trash.
    let discard = |dir: &Path, run: usize| {
        let name = format!("{}-{run}", dir.file_name().expect("a name").to_string_lossy());
        let _ = fs::rename(dir, trash.join(name));
    };
    // Wall time, and the CPU time (user + system) of the commands, which a loaded machine
    // changes far less: the best of each.
    let (mut best, mut cpu) = ([Duration::MAX; 3], [Duration::MAX; 3]);
    let mut measure = |i: usize, f: &dyn Fn()| {
        let before = children_cpu();
        best[i] = best[i].min(time(f));
        cpu[i] = cpu[i].min(children_cpu().saturating_sub(before));
    };
    for run in 0..RUNS {
        discard(&compiled, run);
        measure(0, &compile);
        discard(&layout, run);
        measure(1, &build);
        measure(2, &tar_gzip);
    }
    let _ = fs::remove_dir_all(&trash);
    let [compile_time, build_time, floor] = best;
    let ours = compile_time + build_time;
    let tar = Command::new("tar").args(["-c", "-C"]).arg(&tree).arg("etc").output().expect("tar runs").stdout;
    let gzip = (0..RUNS).map(|_| time(|| drop(std::hint::black_box(mcc_runtime::layer::gzip(&tar))))).min();
    let gzip = gzip.expect("at least one run");
    let miniz = (0..RUNS).map(|_| time(|| drop(std::hint::black_box(miniz_oxide::deflate::compress_to_vec(&tar, 6)))));
    let miniz = miniz.min().expect("at least one run");
    println!(
        "mcc compile {:.3} s + mcc build {:.3} s = {:.3} s; `{pipeline}` {:.3} s; ratio {:.2}×",
        compile_time.as_secs_f64(),
        build_time.as_secs_f64(),
        ours.as_secs_f64(),
        floor.as_secs_f64(),
        ours.as_secs_f64() / floor.as_secs_f64()
    );
    let [compile_cpu, build_cpu, floor_cpu] = cpu;
    println!(
        "CPU time (user + system): mcc compile {:.3} s + mcc build {:.3} s = {:.3} s; the pipeline {:.3} s; ratio {:.2}×",
        compile_cpu.as_secs_f64(),
        build_cpu.as_secs_f64(),
        (compile_cpu + build_cpu).as_secs_f64(),
        floor_cpu.as_secs_f64(),
        (compile_cpu + build_cpu).as_secs_f64() / floor_cpu.as_secs_f64()
    );
    println!(
        "in process: gzip of the {:.1} MB tar {:.3} s ({:.0}% of mcc build); miniz_oxide at level 6 {:.3} s",
        tar.len() as f64 / f64::from(1u32 << 20),
        gzip.as_secs_f64(),
        100.0 * gzip.as_secs_f64() / build_time.as_secs_f64(),
        miniz.as_secs_f64()
    );
    let before = ours - gzip + miniz;
    println!(
        "with miniz_oxide instead (estimated from the above): {:.3} s, ratio {:.2}×",
        before.as_secs_f64(),
        before.as_secs_f64() / floor.as_secs_f64()
    );
}

/// The CPU time (user + system) of this process's waited-for children and theirs, from
/// `/proc/self/stat` (`cutime`, `cstime`, in ticks of 1/100 s); zero where it cannot be read.
fn children_cpu() -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses: `state` is the first of them.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: u64 = [13, 14].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn run(cmd: &mut Command) {
    let output = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("the command runs");
    assert!(output.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Writes `size` bytes of text files into `tree/etc/mcc-bench/` and the MachineConfigs that write
/// them into `inputs/`; returns how many files. Each file is one corpus file with a line naming
/// its copy, so copies differ and repeats lie further apart than gzip's 32 KiB window.
fn generate(corpus: &Path, tree: &Path, inputs: &Path, size: usize) -> usize {
    let mut texts: Vec<(String, Vec<u8>)> = fs::read_dir(corpus)
        .expect("the corpus is readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            (p.file_name().expect("a name").to_string_lossy().replace(|c: char| !c.is_ascii_alphanumeric(), "_"), p)
        })
        .map(|(name, p)| (name, fs::read(p).expect("a corpus file is readable")))
        .filter(|(_, bytes)| !bytes.is_empty())
        .collect();
    texts.sort();
    assert!(!texts.is_empty(), "no corpus files in {}", corpus.display());
    fs::create_dir_all(tree.join("etc/mcc-bench")).expect("the tree can be made");
    fs::create_dir_all(inputs).expect("the inputs directory can be made");
    let (mut written, mut count, mut document, mut in_document, mut documents) = (0, 0, String::new(), 0, 0);
    while written < size {
        let (name, text) = &texts[count % texts.len()];
        let mut contents = format!("# copy {}\n", count / texts.len()).into_bytes();
        contents.extend_from_slice(text);
        let path = format!("etc/mcc-bench/{count:05}-{name}");
        fs::write(tree.join(&path), &contents).expect("a tree file can be written");
        let data = base64::engine::general_purpose::STANDARD.encode(&contents);
        let _ = write!(
            document,
            "        - path: /{path}\n          mode: 420\n          contents:\n            source: data:;base64,{data}\n"
        );
        (written, count, in_document) = (written + contents.len(), count + 1, in_document + contents.len());
        if in_document >= 1 << 20 || written >= size {
            write_machine_config(inputs, documents, &document);
            (document, in_document, documents) = (String::new(), 0, documents + 1);
        }
    }
    count
}

fn write_machine_config(inputs: &Path, index: usize, files: &str) {
    let text = format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: 50-bench-{index:03}\n  \
         labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.4.0\n    \
         storage:\n      files:\n{files}"
    );
    fs::write(inputs.join(format!("50-bench-{index:03}.yaml")), text).expect("a MachineConfig can be written");
}
