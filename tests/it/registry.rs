//! `mcc build --push` against a real registry (`registry_support`): the digest mcc prints is the
//! one the registry serves, a second push uploads no blob again, the image pulled back unpacks to
//! the tree of the local layout, and basic auth refuses a push without credentials and accepts
//! one with an auth file. Also `--platform`, and the code for a missing skopeo.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::oci::{BASE, FIXTURE, base_image, blob, compile, json, run, tool, umoci_unpack, unpacked};
use crate::registry_support::{Registry, auth_file};
use crate::support::{Run, root};

/// `mcc ARGS` with a private HOME and XDG_RUNTIME_DIR under `work` (so no auth file of the
/// machine's is found), `extra` variables set, and PATH replaced when `path` is given.
fn mcc_isolated(work: &Path, args: &[&str], extra: &[(&str, &Path)], path: Option<&Path>) -> Run {
    let (home, runtime) = (work.join("home"), work.join("run"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcc"));
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1").env("HOME", &home).env("XDG_RUNTIME_DIR", &runtime);
    cmd.env_remove("REGISTRY_AUTH_FILE");
    for (name, value) in extra {
        cmd.env(name, value);
    }
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The reference on the `pushed …: REF` line.
fn pushed_reference(run: &Run) -> String {
    let line = run.stdout.lines().find(|l| l.starts_with("pushed docker://")).unwrap_or_else(|| panic!("{run}"));
    line.rsplit(' ').next().unwrap().to_string()
}

fn local_manifest_digest(layout: &Path) -> String {
    json(&layout.join("index.json"))["manifests"][0]["digest"].as_str().unwrap().to_string()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[test]
fn every_code_mcc_build_reports_is_a_registered_error_and_no_other_is() {
    use mcc_compiler::{codes, diagnostic::Severity};
    use mcc_runtime::push::codes::BUILD_CODES;
    for code in BUILD_CODES {
        let info = codes::find(code).unwrap_or_else(|| panic!("{code} is not in the compiler's code table"));
        assert_eq!(info.severity, Severity::Error, "{code}");
    }
    let registered: Vec<&str> = codes::ALL.iter().map(|c| c.code).filter(|c| c.starts_with("MCC52")).collect();
    assert_eq!(registered, BUILD_CODES);
}

#[test]
fn a_pushed_image_is_the_one_built_and_a_second_push_uploads_no_blob() {
    let Some(registry) = Registry::start(None) else { return };
    let work = tempfile::tempdir().unwrap();
    let base = base_image(work.path());
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("layout");
    let dest = format!("docker://{}/mcc/worker:v1", registry.host);
    let (out, base_ref) = (format!("oci:{}:v1", layout.display()), format!("oci:{}:latest", base.display()));
    let args =
        ["build", dir.to_str().unwrap(), "--out", &out, "--base", &base_ref, "--push", &dest, "--tls-verify=false"];
    let first = mcc_isolated(work.path(), &args, &[], None);
    first.expect_code(0);
    let reference = pushed_reference(&first);
    let digest = local_manifest_digest(&layout);
    assert_eq!(reference, format!("{}/mcc/worker@{digest}", registry.host), "{first}");

    let record = json(&dir.join("image.json"));
    let schema = json(&root().join("docs/schemas/image.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(&record).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "image.json does not match its schema: {errors:?}");
    assert_eq!(record["schema"], "mcc.image/v1");
    assert_eq!(record["reference"], reference.as_str());
    assert_eq!(record["digest"], digest.as_str());
    assert_eq!(record["tag"], format!("{}/mcc/worker:v1", registry.host));
    assert_eq!(record["pool"], "worker");

    // What the registry serves under the tag is the manifest built, byte for byte.
    let remote = format!("docker://{}/mcc/worker:v1", registry.host);
    let inspected =
        run(Command::new("skopeo").args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}", &remote]));
    assert_eq!(inspected.trim(), digest);
    let raw = Command::new("skopeo").args(["inspect", "--tls-verify=false", "--raw", &remote]).output().unwrap();
    assert_eq!(sha256(&raw.stdout), digest);
    let manifest: Value = serde_json::from_slice(&raw.stdout).unwrap();
    let blobs = manifest["layers"].as_array().unwrap().len() + 1;
    assert_eq!(registry.uploads("mcc/worker"), blobs, "every layer and the config uploaded once\n{}", registry.log());

    // Again: the registry has every blob, so nothing is uploaded; the digest is the same.
    let second = mcc_isolated(work.path(), &args, &[], None);
    second.expect_code(0);
    assert_eq!(pushed_reference(&second), reference);
    assert_eq!(registry.uploads("mcc/worker"), blobs, "no blob uploaded again");

    // Pulled back by digest, it unpacks to the tree of the local layout.
    if tool("umoci") {
        let pulled = work.path().join("pulled");
        let source = format!("docker://{reference}");
        let target = format!("oci:{}:v1", pulled.display());
        run(Command::new("skopeo").args(["copy", "--src-tls-verify=false", &source, &target]));
        assert_eq!(local_manifest_digest(&pulled), digest);
        let from_registry = unpacked(&umoci_unpack(&pulled, "v1", &work.path().join("bundle-pulled")));
        let from_layout = unpacked(&umoci_unpack(&layout, "v1", &work.path().join("bundle-local")));
        assert!(from_layout.len() > 10, "{from_layout:?}");
        assert!(from_registry == from_layout, "the pulled image unpacks to the local layout's tree");
    }
}

#[test]
fn basic_auth_refuses_a_push_without_credentials_and_accepts_one_with_an_auth_file() {
    let Some(registry) = Registry::start(Some(("mcc", "s3cret"))) else { return };
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let dest = format!("docker://{}/mcc/secure:v1", registry.host);
    let args = ["build", dir.to_str().unwrap(), "--out", &dest, "--tls-verify=false"];

    let anonymous = mcc_isolated(work.path(), &args, &[], None);
    anonymous.expect_code(1);
    assert!(anonymous.stderr.contains("MCC5202"), "{anonymous}");
    assert!(!dir.join("image.json").exists(), "nothing recorded for a refused push");

    let missing = work.path().join("no-such-auth.json");
    let typo = mcc_isolated(work.path(), &args, &[("REGISTRY_AUTH_FILE", &missing)], None);
    typo.expect_code(1);
    assert!(typo.stderr.contains("MCC5202") && typo.stderr.contains("REGISTRY_AUTH_FILE"), "{typo}");

    let wrong = work.path().join("wrong.json");
    auth_file(&wrong, &registry.host, "mcc", "not-the-password");
    let refused = mcc_isolated(work.path(), &args, &[("REGISTRY_AUTH_FILE", &wrong)], None);
    refused.expect_code(1);
    assert!(refused.stderr.contains("MCC5202"), "{refused}");

    let auth = work.path().join("auth.json");
    auth_file(&auth, &registry.host, "mcc", "s3cret");
    let pushed = mcc_isolated(work.path(), &args, &[("REGISTRY_AUTH_FILE", &auth)], None);
    pushed.expect_code(0);
    let reference = pushed_reference(&pushed);
    let remote = format!("docker://{}/mcc/secure:v1", registry.host);
    let authfile = auth.to_str().unwrap();
    let inspected = run(Command::new("skopeo").args([
        "inspect",
        "--tls-verify=false",
        "--authfile",
        authfile,
        "--format",
        "{{.Digest}}",
        &remote,
    ]));
    assert!(reference.ends_with(inspected.trim()), "{reference} vs {inspected}");
    assert_eq!(json(&dir.join("image.json"))["reference"], reference.as_str());

    // ~/.docker/config.json is read when nothing else names an auth file.
    let docker = work.path().join("home/.docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::copy(&auth, docker.join("config.json")).unwrap();
    let from_home = mcc_isolated(work.path(), &args, &[], None);
    from_home.expect_code(0);
    assert_eq!(pushed_reference(&from_home), reference);
}

#[test]
fn without_skopeo_the_push_fails_with_its_code_after_writing_the_layout() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let empty: PathBuf = work.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let layout = work.path().join("layout");
    let out = format!("oci:{}:v1", layout.display());
    let args = ["build", dir.to_str().unwrap(), "--out", &out, "--push", "docker://127.0.0.1:9/mcc/x:v1"];
    let result = mcc_isolated(work.path(), &args, &[], Some(&empty));
    result.expect_code(1);
    assert!(result.stderr.contains("MCC5201") && result.stderr.contains("skopeo"), "{result}");
    assert!(layout.join("index.json").is_file(), "the layout is written before the push");
}

/// A registry that accepts the connection and never answers: `--push-timeout` ends the push with
/// its code instead of hanging.
#[test]
fn a_registry_that_never_answers_fails_the_push_at_its_timeout() {
    if !tool("skopeo") {
        return;
    }
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let out = format!("oci:{}:v1", work.path().join("layout").display());
    let push = format!("docker://127.0.0.1:{port}/mcc/x:v1");
    let args =
        ["build", dir.to_str().unwrap(), "--out", &out, "--push", &push, "--tls-verify=false", "--push-timeout", "2"];
    let result = mcc_isolated(work.path(), &args, &[], None);
    result.expect_code(1);
    assert!(result.stderr.contains("MCC5203") && result.stderr.contains("did not answer in time"), "{result}");
    drop(silent);
}

#[test]
fn two_registries_or_a_malformed_one_are_usage_errors() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("pool");
    for args in [
        vec!["build", dir.to_str().unwrap(), "--out", "docker://quay.io/a/b:1", "--push", "docker://quay.io/a/b:2"],
        vec!["build", dir.to_str().unwrap(), "--push", "docker://quay.io/a/b"],
        vec!["build", dir.to_str().unwrap(), "--push", "docker://quay.io/a/b:1", "--platform", "amd64"],
        vec!["build", dir.to_str().unwrap()],
    ] {
        let result = mcc_isolated(work.path(), &args, &[], None);
        assert!(matches!(result.code, Some(2 | 64)), "{args:?}\n{result}");
    }
}

#[test]
fn the_platform_is_written_without_a_base_and_checked_against_one() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("arm");
    let out = format!("oci:{}:v1", layout.display());
    mcc_isolated(
        work.path(),
        &["build", dir.to_str().unwrap(), "--out", &out, "--platform", "linux/arm64/v8"],
        &[],
        None,
    )
    .expect_code(0);
    let manifest = json(&blob(&layout, &local_manifest_digest(&layout)));
    let config = json(&blob(&layout, manifest["config"]["digest"].as_str().unwrap()));
    assert_eq!((config["os"].as_str(), config["architecture"].as_str()), (Some("linux"), Some("arm64")));
    assert_eq!(config["variant"], "v8");

    // The base (built for this machine) is not for s390x.
    let base = base_image(work.path());
    let base_ref = format!("oci:{}:latest", base.display());
    let out = format!("oci:{}:v1", work.path().join("s390x").display());
    let args = ["build", dir.to_str().unwrap(), "--out", &out, "--base", &base_ref, "--platform", "linux/s390x"];
    let refused = mcc_isolated(work.path(), &args, &[], None);
    refused.expect_code(1);
    assert!(refused.stderr.contains("MCC5204"), "{refused}");
    assert!(!work.path().join("s390x").exists(), "nothing written");
}

#[test]
fn the_end_to_end_path_switches_the_node_to_the_pushed_digest() {
    let Some(registry) = Registry::start(None) else { return };
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("build");
    let dir = compile(&[FIXTURE], &out, &["--base-image", BASE]);
    let dest = format!("docker://{}/mcc/e2e:v1", registry.host);
    let pushed =
        mcc_isolated(work.path(), &["build", dir.to_str().unwrap(), "--out", &dest, "--tls-verify=false"], &[], None);
    pushed.expect_code(0);
    let reference = pushed_reference(&pushed);
    // Kept beside the build: compiling again replaces the pool's directory.
    let record = work.path().join("image.json");
    std::fs::copy(dir.join("image.json"), &record).unwrap();
    let image = format!("@{}", record.display());
    let again = ["--base-image", BASE, "--pool", "worker", "--image", image.as_str()];
    compile(&[FIXTURE], &out, &again);
    let actions = json(&dir.join("node-actions.json"));
    let switches: Vec<&Value> = actions["steps"].as_array().unwrap().iter().filter(|s| s["op"] == "switch").collect();
    assert_eq!(switches.len(), 1, "{actions:#}");
    assert_eq!(switches[0]["image"], reference.as_str());
}
