//! How long `mcc check` takes on one small MachineConfig, in process: `mcc_compiler::load` and
//! `analyze` (read, model, render every pool, load the stdlib policies, classify, lint).
//!
//! `cargo bench --bench check` (a plain `Instant` loop: no benchmark framework). The figures in
//! the README's Performance section come from this and from hyperfine on the release binary.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mcc_compiler::load::InputPath;
use mcc_compiler::{PolicyOptions, RenderOptions};

const INPUT: &str = "examples/cluster/before/99-worker-chrony.yaml";
const WARMUP: usize = 20;
const ITERATIONS: usize = 500;

fn check_once(paths: &[InputPath]) -> usize {
    let mut stdin = || Ok(String::new());
    let mut compilation = mcc_compiler::load(paths, &[], &mut stdin);
    let analysis = mcc_compiler::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
    compilation.diagnostics.len() + analysis.rendered.len()
}

fn main() {
    let path = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join(INPUT);
    let paths = [InputPath::Path(path)];
    for _ in 0..WARMUP {
        black_box(check_once(black_box(&paths)));
    }
    let mut times: Vec<Duration> = (0..ITERATIONS)
        .map(|_| {
            let start = Instant::now();
            black_box(check_once(black_box(&paths)));
            start.elapsed()
        })
        .collect();
    times.sort();
    let total: Duration = times.iter().sum();
    let mean = total / u32::try_from(ITERATIONS).unwrap();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "q is a quantile in 0..=1, so the index is a whole number in 0..ITERATIONS"
    )]
    let at = |q: f64| times[((ITERATIONS - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("check {INPUT}: {ITERATIONS} iterations after {WARMUP} warm-up");
    println!(
        "  mean {:.3} ms, min {:.3} ms, median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
        ms(mean),
        ms(times[0]),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(times[ITERATIONS - 1])
    );
}
