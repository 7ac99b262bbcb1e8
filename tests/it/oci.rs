//! `mcc build`, run as the real binary: real OCI image layouts that skopeo (full digest
//! verification), umoci and oci-image-tool accept, byte-identical for the same inputs, on a base
//! image or alone; and the generated Containerfile, built by buildah, unpacks to the same tree.
//!
//! The external tools come from Debian (`.ci/run` installs them). A test that needs a missing tool
//! is skipped with a message, except in CI (`CI` set), where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{mcc, root};
use serde_json::Value;

pub(crate) const FIXTURE: &str = "tests/fixtures/compile/worker";
const BASE_FIXTURE: &str = "tests/fixtures/compile/base";
pub(crate) const BASE: &str =
    "quay.io/example/rhcos@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Whether `tool` can run; panics in CI when it cannot.
pub(crate) fn tool(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
        || Command::new(tool).arg("--help").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("`{tool}` is required in CI (.ci/run installs it)");
        }
        eprintln!("skipping: `{tool}` is not installed");
    }
    found
}

pub(crate) fn run(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// `buildah` with its own storage under `storage` (the vfs driver: no overlay mounts needed).
pub(crate) fn buildah(storage: &Path) -> Buildah {
    Buildah { storage: storage.to_path_buf() }
}

pub(crate) struct Buildah {
    storage: PathBuf,
}

impl Buildah {
    pub(crate) fn run(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("buildah");
        cmd.arg("--root").arg(self.storage.join("root")).arg("--runroot").arg(self.storage.join("runroot"));
        cmd.args(["--storage-driver", "vfs"]).args(args);
        run(&mut cmd)
    }

    /// `buildah bud` of a compiled pool's Containerfile and context (`dir`), the image pushed to
    /// the OCI layout `out` as `latest`.
    pub(crate) fn build_pool(&self, dir: &Path, name: &str, out: &Path) {
        let (file, context, tag) = (dir.join("Containerfile"), dir.join("context"), format!("localhost/{name}:latest"));
        let (file, context) = (file.to_str().unwrap(), context.to_str().unwrap());
        self.run(&["bud", "--isolation", "chroot", "--timestamp", "0", "-f", file, "-t", &tag, context]);
        self.run(&["push", &tag, &format!("oci:{}:latest", out.display())]);
    }
}

pub(crate) fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `mcc compile PATHS... --out OUT EXTRA...`, then the pool's directory.
pub(crate) fn compile(paths: &[&str], out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["compile"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    mcc(&args, None).expect_code(0);
    out.join("worker")
}

/// `mcc build DIR --out oci:LAYOUT:TAG [--base oci:BASE:latest]`.
fn build(dir: &Path, layout: &Path, tag: &str, base: Option<&Path>) {
    let out = format!("oci:{}:{tag}", layout.display());
    let base_ref = base.map(|b| format!("oci:{}:latest", b.display()));
    let mut args = vec!["build", dir.to_str().unwrap(), "--out", out.as_str()];
    if let Some(b) = &base_ref {
        args.extend(["--base", b.as_str()]);
    }
    let run = mcc(&args, None);
    run.expect_code(0);
    assert!(run.stdout.starts_with(&format!("wrote {out}: manifest sha256:")), "{run}");
}

/// A base image: the base fixture compiled and built alone.
pub(crate) fn base_image(work: &Path) -> PathBuf {
    let dir = compile(&[BASE_FIXTURE], &work.join("base-compiled"), &["--base-image", BASE]);
    let layout = work.join("base");
    build(&dir, &layout, "latest", None);
    layout
}

pub(crate) fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

pub(crate) fn blob(layout: &Path, digest: &str) -> PathBuf {
    layout.join("blobs/sha256").join(digest.strip_prefix("sha256:").unwrap())
}

/// The manifest and config of the one image of a layout.
fn manifest_and_config(layout: &Path) -> (Value, Value) {
    let index = json(&layout.join("index.json"));
    let manifest = json(&blob(layout, index["manifests"][0]["digest"].as_str().unwrap()));
    let config = json(&blob(layout, manifest["config"]["digest"].as_str().unwrap()));
    (manifest, config)
}

/// One file system entry, as compared between two unpacked trees.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Dir { mode: u32, uid: u32, gid: u32 },
    File { mode: u32, uid: u32, gid: u32, data: Vec<u8> },
    Link { target: PathBuf, uid: u32, gid: u32 },
}

pub(crate) fn unpacked(root: &Path) -> BTreeMap<PathBuf, Node> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Node>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(base).unwrap().to_path_buf();
            let (mode, uid, gid) = (meta.permissions().mode() & 0o7777, meta.uid(), meta.gid());
            if meta.file_type().is_symlink() {
                out.insert(rel, Node::Link { target: std::fs::read_link(&path).unwrap(), uid, gid });
            } else if meta.is_dir() {
                out.insert(rel, Node::Dir { mode, uid, gid });
                walk(base, &path, out);
            } else {
                out.insert(rel, Node::File { mode, uid, gid, data: std::fs::read(&path).unwrap() });
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// `umoci unpack` of `layout:tag` into `bundle`; its rootfs.
pub(crate) fn umoci_unpack(layout: &Path, tag: &str, bundle: &Path) -> PathBuf {
    let image = format!("{}:{tag}", layout.display());
    let mut cmd = Command::new("umoci");
    cmd.args(["unpack", "--image", &image]);
    if !is_root() {
        cmd.arg("--rootless");
    }
    cmd.arg(bundle);
    run(&mut cmd);
    bundle.join("rootfs")
}

#[test]
fn an_image_without_a_base_is_one_layer_that_the_tools_accept() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("image");
    build(&dir, &layout, "v1", None);
    let (manifest, config) = manifest_and_config(&layout);
    let plan = json(&dir.join("layer-plan.json"));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
    assert_eq!(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
    assert_eq!(config["rootfs"]["diff_ids"], serde_json::json!([plan["diffId"]]));
    assert_eq!(config["created"], "1970-01-01T00:00:00Z");
    assert_eq!(config["config"]["Labels"]["machineconfigpool"], "worker");
    assert_eq!(config["config"]["Labels"]["io.openshift.mcc.source-digest"], plan["sourceDigest"]);
    assert_eq!(json(&layout.join("oci-layout")), serde_json::json!({"imageLayoutVersion": "1.0.0"}));

    if tool("skopeo") {
        let copy = work.path().join("copy");
        run(Command::new("skopeo").args([
            "copy",
            &format!("oci:{}:v1", layout.display()),
            &format!("oci:{}:v1", copy.display()),
        ]));
    }
    if tool("oci-image-tool") {
        run(Command::new("oci-image-tool").args(["validate", "--type", "image", "--ref", "name=v1"]).arg(&layout));
    }
    if tool("umoci") {
        let rootfs = umoci_unpack(&layout, "v1", &work.path().join("bundle"));
        let tree = unpacked(&rootfs);
        let conf = &tree[Path::new("etc/app/app.conf")];
        let Node::File { mode, uid, gid, data } = conf else { panic!("{conf:?}") };
        assert_eq!((*mode, data.as_slice()), (0o600, &b"listen = 0.0.0.0:8080\nlog = /var/log/app\n"[..]));
        if is_root() {
            assert_eq!((*uid, *gid), (1000, 10));
        }
        assert!(
            matches!(&tree[Path::new("etc/systemd/system/rpcbind.service")], Node::Link { target, .. } if target == Path::new("/dev/null"))
        );
        assert!(matches!(&tree[Path::new("etc/app")], Node::Dir { mode: 0o700, .. }));
    }
}

#[test]
fn a_corrupted_blob_fails_skopeos_verification() {
    if !tool("skopeo") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("image");
    build(&dir, &layout, "latest", None);
    let (manifest, _) = manifest_and_config(&layout);
    let layer = blob(&layout, manifest["layers"][0]["digest"].as_str().unwrap());
    let mut bytes = std::fs::read(&layer).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff;
    std::fs::write(&layer, bytes).unwrap();
    let output = Command::new("skopeo")
        .args([
            "copy",
            &format!("oci:{}:latest", layout.display()),
            &format!("oci:{}:latest", work.path().join("copy").display()),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success(), "skopeo copied a corrupted layer");
}

#[test]
fn the_same_inputs_give_the_same_image_in_any_order() {
    let work = tempfile::tempdir().unwrap();
    let mut inputs: Vec<String> = crate::support::files_in(&root().join(FIXTURE))
        .iter()
        .map(|p| format!("{FIXTURE}/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    let base = base_image(work.path());
    let mut layouts = Vec::new();
    for (i, order) in [false, false, true].into_iter().enumerate() {
        if order {
            inputs.reverse();
        }
        let paths: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let dir = compile(&paths, &work.path().join(format!("compiled-{i}")), &["--base-image", BASE]);
        for (kind, base) in [("alone", None), ("on-base", Some(base.as_path()))] {
            let layout = work.path().join(format!("image-{kind}-{i}"));
            build(&dir, &layout, "latest", base);
            layouts.push((kind, layout));
        }
    }
    for kind in ["alone", "on-base"] {
        let trees: Vec<_> = layouts.iter().filter(|(k, _)| *k == kind).map(|(_, l)| crate::support::tree(l)).collect();
        assert!(trees[0].len() >= 5);
        assert_eq!(trees[0], trees[1], "two runs ({kind})");
        assert_eq!(trees[0], trees[2], "shuffled inputs ({kind})");
    }
}

/// `layer.tar` with its entries in reverse order and mtime 1: the plan's files, but not its
/// layer, as another tool might repack it; `tamper` changes every file's contents.
fn repack(tar: &Path, tamper: bool) {
    let bytes = std::fs::read(tar).unwrap();
    let mut entries = Vec::new();
    for entry in tar::Archive::new(bytes.as_slice()).entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        entries.push((entry.header().clone(), entry.path().unwrap().into_owned(), data));
    }
    for (header, _, data) in entries.iter_mut().filter(|(h, ..)| tamper && h.entry_type().is_file()) {
        *data = b"tampered".to_vec();
        header.set_size(data.len() as u64);
    }
    let mut builder = tar::Builder::new(Vec::new());
    for (mut header, path, data) in entries.into_iter().rev() {
        header.set_mtime(1);
        builder.append_data(&mut header, path, data.as_slice()).unwrap();
    }
    std::fs::write(tar, builder.into_inner().unwrap()).unwrap();
}

#[test]
fn build_takes_the_compiled_layer_when_it_is_the_plans_and_builds_it_from_its_files_otherwise() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let (tar, image) = (dir.join("context/layer.tar"), |name: &str| work.path().join(name));
    build(&dir, &image("compiled-layer"), "latest", None);
    let expected = crate::support::tree(&image("compiled-layer"));
    let compiled = std::fs::read(&tar).unwrap();
    repack(&tar, false);
    build(&dir, &image("repacked"), "latest", None);
    assert_eq!(crate::support::tree(&image("repacked")), expected, "the plan's layer, from the repacked tar's files");
    let fails = |name: &str, needle: &str| {
        let out = format!("oci:{}:latest", image(name).display());
        let run = mcc(&["build", dir.to_str().unwrap(), "--out", &out], None);
        assert!(run.code != Some(0) && run.stderr.contains(needle), "{name}: {run}");
    };
    std::fs::write(&tar, &compiled).unwrap();
    repack(&tar, true);
    fails("tampered-tar", "neither blobs/ nor context/layer.tar holds the contents");
    std::fs::write(&tar, b"not the layer the plan names").unwrap();
    fails("not-a-tar", "neither blobs/ nor context/layer.tar holds the contents");
    // A blob of the file in blobs/ (as compile wrote before it kept the layer's files in the
    // tar alone) is taken first, and checked against the plan too.
    let plan = json(&dir.join("layer-plan.json"));
    let layer_file = plan["entries"].as_array().unwrap().iter().find_map(|e| e["sha256"].as_str()).unwrap();
    std::fs::write(dir.join("blobs").join(layer_file), b"tampered").unwrap();
    let out = format!("oci:{}:latest", image("tampered").display());
    let run = mcc(&["build", dir.to_str().unwrap(), "--out", &out], None);
    run.expect_code(1);
    assert!(run.stderr.contains("MCC5207") && run.stderr.contains("does not match the"), "{run}");
}

#[test]
fn on_a_base_the_layer_is_appended_to_its_manifest_and_config() {
    let work = tempfile::tempdir().unwrap();
    let base = base_image(work.path());
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("image");
    build(&dir, &layout, "latest", Some(&base));
    let (base_manifest, base_config) = manifest_and_config(&base);
    let (manifest, config) = manifest_and_config(&layout);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0], base_manifest["layers"][0], "the base's layer comes first, unchanged");
    let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    assert_eq!(diff_ids[0], base_config["rootfs"]["diff_ids"][0]);
    assert_eq!(diff_ids[1], json(&dir.join("layer-plan.json"))["diffId"]);
    assert_eq!(config["history"].as_array().unwrap().len(), 2);
    let base_index = json(&base.join("index.json"));
    assert_eq!(manifest["annotations"]["org.opencontainers.image.base.digest"], base_index["manifests"][0]["digest"]);

    if tool("skopeo") {
        run(Command::new("skopeo").args([
            "copy",
            &format!("oci:{}:latest", layout.display()),
            &format!("oci:{}:latest", work.path().join("copy").display()),
        ]));
    }
    if tool("oci-image-tool") {
        run(Command::new("oci-image-tool").args(["validate", "--type", "image", "--ref", "name=latest"]).arg(&layout));
    }
    if tool("umoci") {
        let tree = unpacked(&umoci_unpack(&layout, "latest", &work.path().join("bundle")));
        assert!(tree.contains_key(Path::new("usr/share/base/os-release")), "the base's files");
        assert!(tree.contains_key(Path::new("usr/lib/app/tool")), "the layer's files");
    }
}

/// A directory removed when the test ends.
pub(crate) struct Cleanup(pub(crate) PathBuf);

impl Cleanup {
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn buildah_builds_the_containerfile_into_the_tree_mcc_build_makes() {
    if !(tool("buildah") && tool("umoci")) {
        return;
    }
    if !is_root() {
        eprintln!("skipping: buildah --isolation chroot with the vfs driver needs root here");
        return;
    }
    // buildah names an `oci:` base after its path, which must then be a valid repository name:
    // lowercase, no component starting with a dot (which tempfile's names break).
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let work = Cleanup(std::env::temp_dir().join(format!("mcc-buildah-{}-{nanos}", std::process::id())));
    std::fs::create_dir_all(work.path()).unwrap();
    let base = base_image(work.path());
    let base_ref = format!("oci:{}:latest", base.display());
    // No RUN at all: no extensions, no kernel swap, and --no-lint (the stand-in base has no shell).
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", &base_ref, "--no-lint"]);
    let containerfile = std::fs::read_to_string(dir.join("Containerfile")).unwrap();
    assert!(!containerfile.contains("RUN "), "{containerfile}");

    let built = work.path().join("buildah-image");
    buildah(&work.path().join("storage")).build_pool(&dir, "mcc-test", &built);

    let layout = work.path().join("mcc-image");
    build(&dir, &layout, "latest", Some(&base));
    let from_buildah = unpacked(&umoci_unpack(&built, "latest", &work.path().join("bundle-buildah")));
    let from_mcc = unpacked(&umoci_unpack(&layout, "latest", &work.path().join("bundle-mcc")));
    assert!(from_mcc.len() > 10, "{from_mcc:?}");
    let keys = |t: &BTreeMap<PathBuf, Node>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&from_buildah), keys(&from_mcc), "the same paths");
    for (path, node) in &from_mcc {
        assert_eq!(&from_buildah[path], node, "{}", path.display());
    }
    let (_, config) = manifest_and_config(&built);
    assert_eq!(config["config"]["Labels"]["machineconfigpool"], "worker", "the Containerfile's labels");
}
