//! What `mcc build` and `mcc compile` read back, made hostile, with the real binary: a FIFO in
//! place of a file (which would block the open or the read forever), a symlink to `/dev/zero`
//! (a read without end), a file larger than its limit (sparse, so the test writes nothing) and a
//! blob whose size differs from the one recorded for it. Each ends the run at once with its code
//! and exit code, never a hang (each run is killed after 20 s, which the test reports as one):
//!
//! - `mcc build`: `layer-plan.json` and the blobs (MCC5206, exit 3; a blob of the wrong size is
//!   MCC5207, exit 1), and `context/layer.tar`, which is then not used;
//! - `mcc build --base oci:DIR`: the base layout's `index.json`, manifest, config and layers
//!   (MCC5208, exit 3);
//! - `mcc build --out oci:DIR` into an existing layout: its `oci-layout` and `index.json`
//!   (MCC5205, exit 1);
//! - `mcc compile --image @FILE` (MCC0001 or MCC0018, exit 3), and the previous `layer-plan.json`
//!   and `image.json` of the pool's directory it reads back.

use std::fs;
use std::os::unix::fs::{FileTypeExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::oci::{BASE, FIXTURE, base_image, blob, compile, json};
use crate::support::{Run, root};

/// `mcc ARGS`, killed when it runs longer than 20 s (then its code is `None`).
pub(crate) fn mcc_bounded(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let killed = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            break true;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    // Words only: the human format wraps long messages in a frame.
    let collapse = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.split(|c: char| c.is_whitespace() || c == '│').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
    };
    Run {
        code: if killed { None } else { output.status.code() },
        stdout: collapse(&output.stdout),
        stderr: collapse(&output.stderr),
    }
}

/// Asserts that `run` ended (did not hang) with `exit` and printed `code` and `message`.
#[track_caller]
pub(crate) fn assert_refused(case: &str, run: &Run, exit: i32, code: &str, message: &str) {
    assert!(run.code.is_some(), "{case}: mcc hangs\n{run}");
    assert_eq!(run.code, Some(exit), "{case}\n{run}");
    assert!(run.stderr.contains(code) && run.stderr.contains(message), "{case}: {code}, `{message}`\n{run}");
}

pub(crate) fn mkfifo(path: &Path) {
    let _ = fs::remove_file(path);
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

pub(crate) fn link_to_dev_zero(path: &Path) {
    let _ = fs::remove_file(path);
    symlink("/dev/zero", path).unwrap();
}

/// Makes `path` a sparse file of `size` bytes: as large as a real one to `fstat`, without
/// writing anything.
pub(crate) fn sparse(path: &Path, size: u64) {
    let _ = fs::remove_file(path);
    fs::File::create(path).unwrap().set_len(size).unwrap();
}

/// A copy of the directory `from` (regular files and directories) at `to`.
fn copy_dir(from: &Path, to: &Path) -> PathBuf {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    to.to_path_buf()
}

/// The one blob the layer plan of `dir` names.
fn plan_blob(dir: &Path) -> PathBuf {
    let plan = json(&dir.join("layer-plan.json"));
    let sha = plan["entries"].as_array().unwrap().iter().find_map(|e| e["sha256"].as_str()).unwrap();
    dir.join("blobs").join(sha)
}

#[test]
fn build_refuses_a_hostile_layer_plan_or_blob_with_a_code_without_hanging() {
    let work = tempfile::tempdir().unwrap();
    let compiled = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let build = |dir: &Path, name: &str| {
        let out = format!("oci:{}:latest", work.path().join(name).display());
        mcc_bounded(&["build", dir.to_str().unwrap(), "--out", &out])
    };
    let reference = build(&compiled, "reference");
    assert_eq!(reference.code, Some(0), "{reference}");

    type Damage = fn(&Path);
    let cases: [(&str, Damage, i32, &str, &str); 7] = [
        ("a FIFO as the plan", |d| mkfifo(&d.join("layer-plan.json")), 3, "MCC5206", "not a regular file"),
        ("the plan linked to /dev/zero", |d| link_to_dev_zero(&d.join("layer-plan.json")), 3, "MCC5206", "symlink"),
        ("a plan over 256 MiB", |d| sparse(&d.join("layer-plan.json"), (256 << 20) + 1), 3, "MCC5206", "256 MiB"),
        ("a FIFO as a blob", |d| mkfifo(&plan_blob(d)), 3, "MCC5206", "FIFO"),
        ("a blob linked to /dev/zero", |d| link_to_dev_zero(&plan_blob(d)), 3, "MCC5206", "symlink"),
        (
            "a blob longer than the plan says",
            |d| sparse(&plan_blob(d), 1 << 30),
            1,
            "MCC5207",
            "does not match the plan",
        ),
        ("a blob shorter than the plan says", |d| sparse(&plan_blob(d), 1), 1, "MCC5207", "does not match the plan"),
    ];
    for (n, (case, damage, exit, code, message)) in cases.into_iter().enumerate() {
        let dir = copy_dir(&compiled, &work.path().join(format!("case-{n}")));
        // Without the compiled layer, the blobs are read.
        fs::remove_file(dir.join("context/layer.tar")).unwrap();
        damage(&dir);
        let run = build(&dir, &format!("image-{n}"));
        assert_refused(case, &run, exit, code, message);
        assert!(!work.path().join(format!("image-{n}")).exists(), "{case}: no image is written");
    }

    // The compiled layer is read only as a regular file no larger than the plan's layer can be:
    // a FIFO or an endless file there is not read. The layer's files are then in neither place
    // (compile keeps them in the tar alone), and the build says so instead of hanging.
    for (n, damage) in [mkfifo as fn(&Path), link_to_dev_zero].into_iter().enumerate() {
        let dir = copy_dir(&compiled, &work.path().join(format!("layer-{n}")));
        damage(&dir.join("context/layer.tar"));
        let run = build(&dir, &format!("no-layer-{n}"));
        assert_refused("a hostile layer.tar", &run, 3, "MCC5206", "neither blobs/ nor context/layer.tar holds");
        assert!(!work.path().join(format!("no-layer-{n}")).exists(), "no image is written");
    }
}

/// The manifest, config and layer blobs of the one image of `layout`.
fn image_blobs(layout: &Path) -> [PathBuf; 3] {
    let manifest_digest = json(&layout.join("index.json"))["manifests"][0]["digest"].as_str().unwrap().to_string();
    let manifest = json(&blob(layout, &manifest_digest));
    let config = manifest["config"]["digest"].as_str().unwrap().to_string();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap().to_string();
    [blob(layout, &manifest_digest), blob(layout, &config), blob(layout, &layer)]
}

/// Appends one byte to `path`, which is then longer than its descriptor says.
fn one_byte_more(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    bytes.push(b'\n');
    fs::remove_file(path).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_hostile_base_layout_is_refused_with_a_code_without_hanging() {
    let work = tempfile::tempdir().unwrap();
    let base = base_image(work.path());
    let compiled = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str); 8] = [
        ("a FIFO as index.json", |l| mkfifo(&l.join("index.json")), "FIFO"),
        ("index.json linked to /dev/zero", |l| link_to_dev_zero(&l.join("index.json")), "device"),
        ("an index.json over 64 MiB", |l| sparse(&l.join("index.json"), (64 << 20) + 1), "64 MiB"),
        ("a FIFO as the manifest", |l| mkfifo(&image_blobs(l)[0]), "FIFO"),
        (
            "a manifest longer than its descriptor",
            |l| sparse(&image_blobs(l)[0], 1 << 30),
            "longer than its descriptor",
        ),
        ("the config linked to /dev/zero", |l| link_to_dev_zero(&image_blobs(l)[1]), "device"),
        ("a FIFO as a layer", |l| mkfifo(&image_blobs(l)[2]), "FIFO"),
        ("a layer longer than its descriptor", |l| one_byte_more(&image_blobs(l)[2]), "does not match its descriptor"),
    ];
    for (n, (case, damage, message)) in cases.into_iter().enumerate() {
        let layout = copy_dir(&base, &work.path().join(format!("base-{n}")));
        damage(&layout);
        let (out, base_ref) = (
            format!("oci:{}:latest", work.path().join(format!("image-{n}")).display()),
            format!("oci:{}", layout.display()),
        );
        let run = mcc_bounded(&["build", compiled.to_str().unwrap(), "--out", &out, "--base", &base_ref]);
        assert_refused(case, &run, 3, "MCC5208", message);
        assert!(!work.path().join(format!("image-{n}")).exists(), "{case}: no image is written");
    }
}

#[test]
fn an_existing_out_layout_with_a_fifo_or_endless_file_is_refused_and_left_as_it_was() {
    let work = tempfile::tempdir().unwrap();
    let compiled = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("layout");
    let first = mcc_bounded(&["build", compiled.to_str().unwrap(), "--out", &format!("oci:{}:v1", layout.display())]);
    assert_eq!(first.code, Some(0), "{first}");
    type Damage = fn(&Path);
    let cases: [(&str, &str, Damage, &str); 4] = [
        ("a FIFO as oci-layout", "oci-layout", mkfifo, "FIFO"),
        ("a FIFO as index.json", "index.json", mkfifo, "FIFO"),
        ("index.json linked to /dev/zero", "index.json", link_to_dev_zero, "device"),
        ("an index.json over 64 MiB", "index.json", |p| sparse(p, (64 << 20) + 1), "64 MiB"),
    ];
    for (n, (case, file, damage, message)) in cases.into_iter().enumerate() {
        let copy = copy_dir(&layout, &work.path().join(format!("layout-{n}")));
        damage(&copy.join(file));
        let before = fs::symlink_metadata(copy.join(file)).unwrap();
        let out = format!("oci:{}:v2", copy.display());
        let run = mcc_bounded(&["build", compiled.to_str().unwrap(), "--out", &out]);
        assert_refused(case, &run, 1, "MCC5205", message);
        let after = fs::symlink_metadata(copy.join(file)).unwrap();
        assert_eq!((after.file_type().is_fifo(), after.len()), (before.file_type().is_fifo(), before.len()), "{case}");
    }
}

const MACHINE_CONFIG: &str = r#"
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-state
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: /etc/app.conf
          mode: 420
          contents:
            source: data:,ready
"#;

#[test]
fn compile_refuses_a_hostile_image_file_and_never_hangs_on_a_previous_output() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("mc.yaml");
    fs::write(&input, MACHINE_CONFIG).unwrap();
    let out = work.path().join("out");
    let compile = |extra: &[&str]| {
        let mut args = vec!["compile", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend(["--pool", "worker", "--target", "bootc", "--base-image", BASE]);
        args.extend(extra);
        mcc_bounded(&args)
    };
    let image_file = work.path().join("image.json");
    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str, &str); 4] = [
        ("a missing file", |_| {}, "MCC0001", "No such file"),
        ("a FIFO", mkfifo, "MCC0001", "FIFO"),
        ("a link to /dev/zero", link_to_dev_zero, "MCC0001", "device"),
        ("a file over 64 MiB", |p| sparse(p, (64 << 20) + 1), "MCC0018", "64 MiB"),
    ];
    for (case, damage, code, message) in cases {
        let _ = fs::remove_file(&image_file);
        damage(&image_file);
        let run = compile(&["--image", &format!("@{}", image_file.display())]);
        assert_refused(case, &run, 3, code, message);
        assert!(!out.exists(), "{case}: nothing is written");
    }

    // The pool's directory of an earlier compile: its image.json is kept only when it can be read,
    // and a layer-plan.json that is not a regular file makes the directory one mcc does not replace.
    let first = compile(&[]);
    assert_eq!(first.code, Some(0), "{first}");
    let pool = out.join("worker");
    mkfifo(&pool.join("image.json"));
    let again = compile(&[]);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(!pool.join("image.json").exists(), "an image.json that is a FIFO is not kept");
    mkfifo(&pool.join("layer-plan.json"));
    let refused = compile(&[]);
    assert!(refused.code.is_some(), "mcc hangs\n{refused}");
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(refused.stderr.contains("not something mcc may replace"), "{refused}");
    assert!(fs::symlink_metadata(pool.join("layer-plan.json")).unwrap().file_type().is_fifo(), "left as it was");
}
