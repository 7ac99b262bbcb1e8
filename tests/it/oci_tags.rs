//! `mcc build --out oci:DIR:TAG` into a layout that holds other images: from skopeo, from umoci,
//! from mcc itself under other tags. Every tag survives and the tools agree on each (`umoci ls`,
//! `skopeo inspect`, `oci-image-tool validate`, a verifying `skopeo copy`); blobs are shared,
//! index.json is the same when the same builds are run again, and what is not a layout is
//! refused with MCC5205 and left untouched. The layer's digest is the same in two processes.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::oci::{BASE, FIXTURE, base_image, blob, compile, json, run, tool};
use crate::support::mcc;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

fn build(dir: &Path, out: &str, base: Option<&str>) -> String {
    let mut args = vec!["build", dir.to_str().unwrap(), "--out", out];
    if let Some(base) = base {
        args.extend(["--base", base]);
    }
    let run = mcc(&args, None);
    run.expect_code(0);
    run.stdout.clone()
}

/// Tag → manifest digest, from index.json.
fn tags(layout: &Path) -> Vec<(String, String)> {
    let index = json(&layout.join("index.json"));
    let entries = index["manifests"].as_array().unwrap().iter();
    entries
        .map(|m| (m["annotations"][REF_NAME].as_str().unwrap().into(), m["digest"].as_str().unwrap().into()))
        .collect()
}

/// Every digest the layout's manifests name: manifests, configs and layers.
fn referenced(layout: &Path) -> BTreeSet<String> {
    let mut digests = BTreeSet::new();
    for (_, manifest_digest) in tags(layout) {
        let manifest = json(&blob(layout, &manifest_digest));
        digests.insert(manifest_digest);
        digests.insert(manifest["config"]["digest"].as_str().unwrap().to_string());
        for layer in manifest["layers"].as_array().unwrap() {
            digests.insert(layer["digest"].as_str().unwrap().to_string());
        }
    }
    digests
}

fn blobs(layout: &Path) -> BTreeSet<String> {
    let entries = std::fs::read_dir(layout.join("blobs/sha256")).unwrap();
    entries.map(|e| format!("sha256:{}", e.unwrap().file_name().to_str().unwrap())).collect()
}

#[test]
fn a_layout_keeps_the_tags_of_skopeo_umoci_and_earlier_builds() {
    let work = tempfile::tempdir().unwrap();
    let base = base_image(work.path());
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("shared");
    let at = |tag: &str| format!("oci:{}:{tag}", layout.display());
    let have_tools = tool("skopeo") && tool("umoci");
    if have_tools {
        run(Command::new("umoci").args(["init", "--layout"]).arg(&layout));
        run(Command::new("umoci").args(["new", "--image", &format!("{}:from-umoci", layout.display())]));
        let file = work.path().join("hello.txt");
        std::fs::write(&file, "hello\n").unwrap();
        let image = format!("{}:from-umoci", layout.display());
        run(Command::new("umoci").args(["insert", "--rootless", "--image", &image]).arg(&file).arg("/etc/hello.txt"));
        run(Command::new("skopeo").args(["copy", "-q", &format!("oci:{}:latest", base.display()), &at("base-copy")]));
        // umoci leaves the empty image's blobs behind after the insert.
        run(Command::new("umoci").args(["gc", "--layout"]).arg(&layout));
    }
    build(&dir, &at("v1"), None);
    // On a base inside the same layout: its layers are there already.
    let base_in_layout = if have_tools { at("base-copy") } else { format!("oci:{}:latest", base.display()) };
    build(&dir, &at("v2"), Some(&base_in_layout));
    let expected: Vec<&str> = if have_tools { vec!["base-copy", "from-umoci", "v1", "v2"] } else { vec!["v1", "v2"] };
    let names: Vec<String> = tags(&layout).into_iter().map(|(t, _)| t).collect();
    assert_eq!(names, expected, "every tag kept, sorted by tag");
    assert_eq!(blobs(&layout), referenced(&layout), "each blob once, none missing, none left over");
    let leftovers: Vec<_> = std::fs::read_dir(&layout).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 3, "no temporary file: {leftovers:?}");

    // Building a tag again with the same inputs changes nothing; with others, only its entry.
    let index = std::fs::read(layout.join("index.json")).unwrap();
    build(&dir, &at("v1"), None);
    assert_eq!(std::fs::read(layout.join("index.json")).unwrap(), index, "index.json is deterministic");
    let before = tags(&layout);
    let other = compile(&["tests/fixtures/compile/base"], &work.path().join("other"), &["--base-image", BASE]);
    build(&other, &at("v1"), None);
    let after = tags(&layout);
    for ((tag, old), (same_tag, new)) in before.iter().zip(&after) {
        assert_eq!(tag, same_tag);
        assert_eq!(old == new, tag != "v1", "only v1 changes ({tag})");
    }

    if have_tools {
        let listed = run(Command::new("umoci").args(["ls", "--layout"]).arg(&layout));
        let listed: BTreeSet<&str> = listed.lines().collect();
        assert_eq!(listed, expected.iter().copied().collect(), "umoci ls");
        for (tag, digest) in &after {
            let inspect: Value =
                serde_json::from_str(&run(Command::new("skopeo").args(["inspect", &at(tag)]))).unwrap();
            assert_eq!(inspect["Digest"], digest.as_str(), "skopeo inspect {tag}");
            let copy = format!("oci:{}:{tag}", work.path().join("copies").display());
            run(Command::new("skopeo").args(["copy", "-q", &at(tag), &copy]));
        }
    }
    if tool("oci-image-tool") {
        // Without --ref it validates every tag (this version cannot pick one among several).
        run(Command::new("oci-image-tool").args(["validate", "--type", "image"]).arg(&layout));
    }
}

#[test]
fn what_is_not_a_layout_is_refused_with_a_code_and_left_untouched() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let notes = work.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("todo.txt"), "keep me").unwrap();
    let out = format!("oci:{}:latest", notes.display());
    let refused = mcc(&["build", dir.to_str().unwrap(), "--out", &out], None);
    refused.expect_code(1);
    assert!(refused.stderr.contains("MCC5205") && refused.stderr.contains("no `oci-layout`"), "{refused}");
    let names: Vec<_> = std::fs::read_dir(&notes).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["todo.txt"]);

    let damaged = work.path().join("damaged");
    build(&dir, &format!("oci:{}:v1", damaged.display()), None);
    std::fs::write(damaged.join("index.json"), "{\"schemaVersion\": 2,").unwrap();
    let refused = mcc(&["build", dir.to_str().unwrap(), "--out", &format!("oci:{}:v2", damaged.display())], None);
    refused.expect_code(1);
    assert!(refused.stderr.contains("MCC5205") && refused.stderr.contains("index.json is not valid JSON"), "{refused}");
    assert_eq!(std::fs::read_to_string(damaged.join("index.json")).unwrap(), "{\"schemaVersion\": 2,");
}

#[test]
fn builds_into_one_layout_at_once_keep_every_tag() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layout = work.path().join("layout");
    // The first ones find no layout: each makes one, or adds to the one another just made.
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_mcc"))
                .args(["build", dir.to_str().unwrap(), "--out", &format!("oci:{}:t{i}", layout.display())])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let names: Vec<String> = tags(&layout).into_iter().map(|(t, _)| t).collect();
    assert_eq!(names, ["t0", "t1", "t2", "t3", "t4", "t5"]);
}

#[test]
fn the_layer_is_the_same_in_two_processes_and_unzips_to_its_diff_id() {
    let work = tempfile::tempdir().unwrap();
    let dir = compile(&[FIXTURE], &work.path().join("compiled"), &["--base-image", BASE]);
    let layer = |name: &str| {
        let layout = work.path().join(name);
        build(&dir, &format!("oci:{}:latest", layout.display()), None);
        let manifest = json(&blob(&layout, &tags(&layout)[0].1));
        let digest = manifest["layers"][0]["digest"].as_str().unwrap().to_string();
        (digest.clone(), std::fs::read(blob(&layout, &digest)).unwrap())
    };
    let (first, bytes) = layer("a");
    let (second, _) = layer("b");
    assert_eq!(first, second);
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut tar).unwrap();
    let diff_id = format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&tar)));
    assert_eq!(json(&dir.join("layer-plan.json"))["diffId"], diff_id.as_str());
}
