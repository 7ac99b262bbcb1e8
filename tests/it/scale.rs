//! Fleet scale (issue 12): `--timings`, outputs that do not depend on the thread count, and the
//! run's budget of decoded data-URL bytes (MCC0019, issue 11).

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::support::{Run, mcc, only, root, tree, with_code};

/// `mcc ARGS` with extra environment variables.
fn mcc_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("MCC_TIMINGS")
        .env_remove("MCC_DATA_URL_BUDGET")
        .envs(env.iter().copied())
        .output()
        .expect("the mcc binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn gzip_base64(bytes: &[u8]) -> String {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    base64::engine::general_purpose::STANDARD.encode(encoder.finish().expect("writing to a Vec cannot fail"))
}

/// A MachineConfig of `role` writing `files` (path, data URL, gzip or not).
fn machine_config(name: &str, role: &str, files: &[(String, String, bool)], extra: &str) -> String {
    let mut text = format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n  labels:\n    machineconfiguration.openshift.io/role: {role}\nspec:\n{extra}  config:\n    ignition:\n      version: 3.4.0\n    storage:\n      files:\n"
    );
    for (path, url, gzip) in files {
        text.push_str(&format!(
            "      - path: {path}\n        mode: 420\n        contents:\n          source: {url}\n"
        ));
        if *gzip {
            text.push_str("          compression: gzip\n");
        }
    }
    text
}

fn pool(name: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: {name}\nspec:\n  machineConfigSelector:\n    matchExpressions:\n      - key: machineconfiguration.openshift.io/role\n        operator: In\n        values: [worker, {name}]\n  nodeSelector:\n    matchLabels:\n      node-role.kubernetes.io/{name}: \"\"\n"
    )
}

/// Six pools of 60 MachineConfigs (about 2 MiB, so parsing spans several batches), with
/// findings of several kinds: duplicate kernel arguments, a readable key, files under /var,
/// contents written by two MachineConfigs.
fn write_fleet(dir: &Path) {
    let filler = "x".repeat(4000);
    for p in 0..6 {
        let pool_name = format!("pool{p}");
        std::fs::write(dir.join(format!("{pool_name}.yaml")), pool(&pool_name)).unwrap();
        for m in 0..60 {
            let plain = format!("data:,{filler}{p}{m}%0A");
            let zipped = format!("data:;base64,{}", gzip_base64(format!("setting={p}.{m}\n{filler}").as_bytes()));
            let mut files = vec![
                (format!("/etc/app/{pool_name}/m{m}.conf"), plain, false),
                (format!("/etc/app/{pool_name}/z{m}.conf"), zipped, true),
                ("/etc/app/shared.conf".to_string(), format!("data:,from%20{m}"), false),
            ];
            if m % 10 == 0 {
                files.push((
                    format!("/var/lib/app/{pool_name}-{m}.key"),
                    "data:,-----BEGIN%20PRIVATE%20KEY-----".into(),
                    false,
                ));
            }
            let extra = if m % 7 == 0 { "  kernelArguments: [nosmt, nosmt]\n" } else { "" };
            let text = machine_config(&format!("99-{pool_name}-{m:03}"), &pool_name, &files, extra);
            std::fs::write(dir.join(format!("99-{pool_name}-{m:03}.yaml")), text).unwrap();
        }
    }
}

#[test]
fn outputs_are_the_same_with_one_thread_and_with_two() {
    let fleet = tempfile::tempdir().unwrap();
    write_fleet(fleet.path());
    let dir = fleet.path().to_str().unwrap();
    let outputs = |threads: &str| {
        let env = [("RAYON_NUM_THREADS", threads)];
        let check = mcc_with(&["check", dir, "--format", "json"], &env);
        let render = mcc_with(&["render", dir], &env);
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().to_str().unwrap();
        let compile =
            mcc_with(&["compile", dir, "--out", out_dir, "--base-image", crate::apply_support::BASE_IMAGE], &env);
        (check.code, check.stdout, render.stdout, compile.code, compile.stderr, tree(out.path()))
    };
    let one = outputs("1");
    let report: serde_json::Value = serde_json::from_str(&one.1).expect("the check prints JSON");
    let codes: std::collections::BTreeSet<&str> =
        crate::support::diagnostics(&report).iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.len() >= 3, "the check reports findings of several kinds: {codes:?}");
    assert_eq!(one.2.matches("kind: MachineConfig\n").count(), 6, "every pool renders");
    assert_eq!(one.3, Some(0), "every pool compiles: {}", one.4);
    let two = outputs("2");
    assert!(one == two, "outputs differ between one thread and two");
}

#[test]
fn timings_print_each_stage_on_stderr_and_leave_stdout_alone() {
    let args = ["check", "examples/cluster/before", "--format", "json"];
    let plain = mcc(&args, None);
    let timed = mcc_with(&[&args[..], &["--timings"]].concat(), &[]);
    assert_eq!(timed.code, plain.code);
    assert_eq!(timed.stdout, plain.stdout, "--timings changes nothing on stdout");
    assert!(plain.stderr.is_empty(), "{plain}");
    for stage in ["load", "render", "analyze", "check", "total"] {
        assert!(timed.stderr.contains(&format!("mcc timings: {stage:<8}")), "no {stage} line\n{timed}");
    }
    assert!(timed.stderr.contains("mcc timings: peak RSS "), "{timed}");
    // On a command that reads no inputs too, and as the environment variable.
    let explain = mcc_with(&["explain", "MCC0019"], &[("MCC_TIMINGS", "1")]);
    assert!(explain.stdout.contains("# MCC0019"), "{explain}");
    assert!(explain.stderr.contains("mcc timings: total") && explain.stderr.contains("peak RSS"), "{explain}");
}

/// 40 MachineConfigs of one small gzip bomb each (1 MiB of zeros in about 1 KiB), in files
/// named so that input order is `bomb-00` … `bomb-39`.
fn write_bombs(dir: &Path) -> Vec<String> {
    let bomb = format!("data:;base64,{}", gzip_base64(&vec![0; 1 << 20]));
    assert!(bomb.len() < 4096, "a small bomb: {} bytes", bomb.len());
    std::fs::write(dir.join("pool.yaml"), pool("bombs")).unwrap();
    (0..40)
        .map(|i| {
            let name = format!("bomb-{i:02}");
            let files = [(format!("/etc/bomb/{i}"), bomb.clone(), true)];
            std::fs::write(dir.join(format!("{name}.yaml")), machine_config(&name, "bombs", &files, "")).unwrap();
            name
        })
        .collect()
}

#[test]
fn many_small_gzip_bombs_stop_at_the_data_url_budget() {
    let bombs = tempfile::tempdir().unwrap();
    let names = write_bombs(bombs.path());
    let dir = bombs.path().to_str().unwrap();
    // 40 MiB in all, under the default budget of 1 GiB: nothing to report.
    let within = mcc_with(&["check", dir, "--format", "json"], &[]);
    assert!(with_code(&within.json(), "MCC0019").is_empty(), "{within}");
    // A budget of 16 MiB: the 17th bomb in input order crosses it.
    let run = mcc_with(&["check", dir, "--format", "json"], &[("MCC_DATA_URL_BUDGET", "16777216")]);
    run.expect_code(1);
    let report = run.json();
    let crossing = only(&report, "MCC0019");
    assert_eq!(crossing["severity"], "error");
    let location = &crossing["location"];
    assert!(location["file"].as_str().unwrap().ends_with(&format!("{}.yaml", names[16])), "{crossing}");
    let text = std::fs::read_to_string(bombs.path().join(format!("{}.yaml", names[16]))).unwrap();
    let (line, _) = crate::support::start_of(location);
    let url_line = text.lines().position(|l| l.trim_start().starts_with("source: data:")).unwrap() + 1;
    assert_eq!(line, url_line as u64, "the span is the URL that crossed the budget");
    assert!(crossing["message"].as_str().unwrap().contains("16 MiB"), "{crossing}");
    assert!(crossing["help"].as_str().unwrap().contains("MCC_DATA_URL_BUDGET"), "{crossing}");
}
