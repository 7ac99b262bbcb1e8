//! Writing layouts: reproducible, read back as bases, and one more tag added to a layout that
//! holds others (its tags, entries and fields kept, blobs shared), or a refusal that changes
//! nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::platform::Platform;

fn image<'a>(tar: &'a [u8], labels: &'a BTreeMap<String, String>, base: Option<&'a Base>) -> Image<'a> {
    static HOST: std::sync::LazyLock<Platform> = std::sync::LazyLock::new(Platform::host);
    Image { layer_tar: tar, labels, created: 0, created_by: "mcc build", comment: "test", base, platform: &HOST }
}

fn worker() -> BTreeMap<String, String> {
    [("machineconfigpool".to_string(), "worker".to_string())].into()
}

fn single_layer(dir: &Path, tag: &str, tar: &[u8]) -> Written {
    write_layout(dir, tag, &image(tar, &worker(), None)).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn tags(dir: &Path) -> Vec<String> {
    let index = json(&dir.join("index.json"));
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["annotations"][REF_NAME].as_str().unwrap_or("").into())
        .collect()
}

/// Files to put in a directory: names and contents.
type Files = &'static [(&'static str, &'static [u8])];

fn blob_count(dir: &Path) -> usize {
    fs::read_dir(dir.join("blobs/sha256")).unwrap().count()
}

#[test]
fn a_layout_is_reproducible_and_reads_back_as_a_base() {
    let tar = vec![0u8; 1024];
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let wa = single_layer(a.path(), "latest", &tar);
    let wb = single_layer(b.path(), "latest", &tar);
    assert_eq!(wa, wb);
    for file in ["index.json", "oci-layout"] {
        assert_eq!(fs::read(a.path().join(file)).unwrap(), fs::read(b.path().join(file)).unwrap());
    }
    let base = read_base(&OciRef { path: a.path().into(), tag: Some("latest".into()) }, host_architecture()).unwrap();
    assert_eq!(base.manifest_digest, wa.manifest_digest);
    assert_eq!(base.config.rootfs().diff_ids()[0], wa.diff_id);

    // A derived image keeps the base's layers and history, and appends its own.
    let c = tempfile::tempdir().unwrap();
    let labels: BTreeMap<String, String> = [("machineconfig".to_string(), "rendered-worker-1".to_string())].into();
    let derived = write_layout(c.path(), "v1", &image(&[0u8; 2048], &labels, Some(&base))).unwrap();
    let back = read_base(&OciRef { path: c.path().into(), tag: Some("v1".into()) }, host_architecture()).unwrap();
    assert_eq!(back.manifest.layers().len(), 2);
    assert_eq!(back.config.rootfs().diff_ids()[1], derived.diff_id);
    assert_eq!(back.config.history().as_ref().unwrap().len(), 2);
    let back_labels = back.config.config().as_ref().unwrap().labels().clone().unwrap();
    assert_eq!(back_labels["machineconfigpool"], "worker", "base labels kept");
    assert_eq!(back_labels["machineconfig"], "rendered-worker-1");
    assert_eq!(back.manifest.annotations().as_ref().unwrap()[BASE_DIGEST], wa.manifest_digest);
}

#[test]
fn a_corrupted_base_blob_is_refused() {
    let a = tempfile::tempdir().unwrap();
    let written = single_layer(a.path(), "latest", &[0u8; 1024]);
    let hex = &written.layer_digest["sha256:".len()..];
    fs::write(a.path().join("blobs/sha256").join(hex), b"corrupt").unwrap();
    let base = read_base(&OciRef { path: a.path().into(), tag: None }, host_architecture()).unwrap();
    let labels = BTreeMap::new();
    let out = tempfile::tempdir().unwrap();
    let err = write_layout(out.path(), "latest", &image(&[0u8; 1024], &labels, Some(&base))).unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn a_second_tag_keeps_the_first_and_shares_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let first = single_layer(&layout, "v2", &[0u8; 1024]);
    assert_eq!(blob_count(&layout), 3, "layer, config, manifest");
    // The same layer with other labels: a new config and manifest, the layer shared.
    let master: BTreeMap<String, String> = [("machineconfigpool".to_string(), "master".to_string())].into();
    let second = write_layout(&layout, "v1", &image(&[0u8; 1024], &master, None)).unwrap();
    assert_eq!(second.layer_digest, first.layer_digest);
    assert_eq!(blob_count(&layout), 5, "the layer is not written twice");
    assert_eq!(tags(&layout), ["v1", "v2"], "sorted by tag");
    let index = json(&layout.join("index.json"));
    assert_eq!(index["manifests"][1]["digest"], first.manifest_digest.as_str(), "v2 untouched");

    // Building v2 again with other contents replaces only v2's entry.
    let third = single_layer(&layout, "v2", &[1u8; 1024]);
    assert_eq!(tags(&layout), ["v1", "v2"]);
    let index = json(&layout.join("index.json"));
    assert_eq!(index["manifests"][0]["digest"], second.manifest_digest.as_str());
    assert_eq!(index["manifests"][1]["digest"], third.manifest_digest.as_str());
    let leftovers: Vec<_> = fs::read_dir(&layout).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 3, "oci-layout, index.json, blobs and no temporary file: {leftovers:?}");
    let blobs = fs::read_dir(layout.join("blobs/sha256")).unwrap().map(|e| e.unwrap().path());
    for file in blobs.chain([layout.join("index.json"), layout.join("oci-layout")]) {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{} is readable by all, as other tools write layouts", file.display());
    }

    // The same builds in another order give the same index.
    let other = dir.path().join("other");
    write_layout(&other, "v1", &image(&[0u8; 1024], &master, None)).unwrap();
    single_layer(&other, "v2", &[1u8; 1024]);
    assert_eq!(fs::read(other.join("index.json")).unwrap(), fs::read(layout.join("index.json")).unwrap());
    // And building a tag again with the same contents changes nothing.
    let before = fs::read(layout.join("index.json")).unwrap();
    single_layer(&layout, "v2", &[1u8; 1024]);
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), before);
}

#[test]
fn entries_and_fields_of_other_tools_survive() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path();
    let written = single_layer(layout, "mine", &[0u8; 1024]);
    let size = fs::metadata(blob_path(layout, &written.manifest_digest).unwrap()).unwrap().len();
    let untagged = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": written.manifest_digest, "size": size,
        "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}});
    let theirs = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": written.manifest_digest, "size": size,
        "annotations": {REF_NAME: "a-theirs", "org.opencontainers.image.created": "2024-01-01T00:00:00Z"}});
    let index = json!({"schemaVersion": 2, "manifests": [untagged, theirs], "annotations": {"z": "1", "a": "2"}, "x-tool": {"kept": true}});
    fs::write(layout.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    single_layer(layout, "mine", &[2u8; 1024]);
    let after = json(&layout.join("index.json"));
    assert_eq!(tags(layout), ["a-theirs", "mine", ""], "tagged sorted, then untagged");
    assert_eq!(after["manifests"][0], index["manifests"][1]);
    assert_eq!(after["manifests"][2], index["manifests"][0]);
    assert_eq!(after["x-tool"], json!({"kept": true}));
    assert_eq!(after.get("mediaType"), None, "an index without mediaType is not given one");
    let text = fs::read_to_string(layout.join("index.json")).unwrap();
    assert!(text.contains(r#""annotations":{"a":"2","z":"1"}"#), "{text}");
}

#[test]
fn what_is_not_a_layout_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    // (directory, its files, the reason given)
    let cases: [(&str, Files, &str); 5] = [
        ("files", &[("notes.txt", b"keep")], "it holds files but no `oci-layout`"),
        ("version", &[("oci-layout", br#"{"imageLayoutVersion":"2.0.0"}"#), ("index.json", b"{}")], "version `2.0.0`"),
        ("header", &[("oci-layout", b"nope")], "its `oci-layout` is not valid"),
        ("no-index", &[("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)], "cannot read its index.json"),
        (
            "bad-index",
            &[("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#), ("index.json", br#"{"schemaVersion":2}"#)],
            "its index.json is not valid: missing field `manifests`",
        ),
    ];
    for (name, files, reason) in cases {
        let target = dir.path().join(name);
        fs::create_dir(&target).unwrap();
        for (file, bytes) in files {
            fs::write(target.join(file), bytes).unwrap();
        }
        let err = write_layout(&target, "latest", &image(&[0u8; 1024], &worker(), None)).unwrap_err();
        assert!(matches!(&err, LayoutError::NotALayout(m) if m.contains(reason)), "{name}: {err}");
        let names: Vec<_> = fs::read_dir(&target).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), files.len(), "{name}: nothing added");
    }
    let file = dir.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let err = write_layout(&file, "latest", &image(&[0u8; 1024], &worker(), None)).unwrap_err();
    assert!(matches!(&err, LayoutError::NotALayout(m) if m.contains("not a directory")), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"x");
}
