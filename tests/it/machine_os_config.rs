//! A `MachineOSConfig`'s custom Containerfile content: `mcc check` validates it, `mcc compile`
//! appends it after the labels of the generated Containerfile (its stage named `configs`, as
//! the MCO's template names it) and names the MachineOSConfig in the layer plan and a label, and
//! `buildah bud` of that Containerfile on a base with a shell runs the custom step.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::oci::{Cleanup, FIXTURE, buildah, is_root, json, run, tool, umoci_unpack, unpacked};
use crate::support::mcc;

const MOSC_FIXTURE: &str = "tests/fixtures/compile/machine-os-config";
const EXAMPLE: &str = "examples/image-mode";

/// `mcc compile FIXTURE MOSC_FIXTURE --out OUT EXTRA...`; the worker pool's directory.
fn compile_with_mosc(out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["compile", FIXTURE, MOSC_FIXTURE, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    mcc(&args, None).expect_code(0);
    out.join("worker")
}

#[test]
fn the_example_checks_clean_and_a_broken_machine_os_config_fails_check() {
    let clean = mcc(&["check", EXAMPLE], None);
    clean.expect_code(0);
    let broken = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: worker\nspec:\n  machineConfigPool:\n    name: worker\n  renderedImagePushSpec: quay.io/example/os\n  containerFile:\n  - content: |\n      FROM quay.io/other/os:1\n      RUNN true\n";
    let run = mcc(&["check", "--format", "short", EXAMPLE, "-"], Some(broken));
    run.expect_code(1);
    for code in ["MCC7102", "MCC7103", "MCC7104", "MCC7105"] {
        assert!(run.stdout.contains(code) || run.stderr.contains(code), "{code}\n{run}");
    }
}

#[test]
fn compile_appends_the_content_after_the_labels_and_names_the_machine_os_config() {
    let out = tempfile::tempdir().unwrap();
    let dir = compile_with_mosc(out.path(), &["--base-image", crate::oci::BASE]);
    let containerfile = std::fs::read_to_string(dir.join("Containerfile")).unwrap();
    let from = containerfile.find(&format!("FROM {} AS configs\n", crate::oci::BASE)).expect("the stage is named");
    let labels = containerfile.find("LABEL ").unwrap();
    let custom = containerfile.find("FROM configs AS final\n").unwrap();
    let lint = containerfile.find("RUN bootc container lint").unwrap();
    assert!(from < labels && labels < custom && custom < lint, "{containerfile}");
    assert!(containerfile.contains("# MachineOSConfig worker-custom (containerFile: "), "{containerfile}");
    assert!(containerfile.contains("io.openshift.mcc.machine-os-config=\"worker-custom\""), "{containerfile}");

    // The entry for this machine's architecture, else NoArch.
    let (arch, wanted) =
        if std::env::consts::ARCH == "s390x" { ("S390X", "echo s390x") } else { ("NoArch", "echo noarch") };
    assert!(containerfile.contains(wanted), "{containerfile}");
    let plan = json(&dir.join("layer-plan.json"));
    assert_eq!(plan["machineOSConfig"]["name"], "worker-custom");
    assert_eq!(plan["machineOSConfig"]["containerfileArch"], arch);
    assert_eq!(plan["labels"]["io.openshift.mcc.machine-os-config"], "worker-custom");

    // mcc build appends the layer alone, and says the custom content is not in its image.
    let layout = format!("oci:{}:v1", out.path().join("layout").display());
    let built = mcc(&["build", dir.to_str().unwrap(), "--out", &layout], None);
    built.expect_code(0);
    assert!(
        built.stderr.contains("custom Containerfile content of MachineOSConfig worker-custom is not in this image"),
        "{built}"
    );

    // Without a MachineOSConfig nothing changes: no stage name, no field, no label.
    let plain = tempfile::tempdir().unwrap();
    mcc(&["compile", FIXTURE, "--out", plain.path().to_str().unwrap(), "--base-image", crate::oci::BASE], None)
        .expect_code(0);
    let text = std::fs::read_to_string(plain.path().join("worker/Containerfile")).unwrap();
    assert!(!text.contains(" AS configs") && !text.contains("MachineOSConfig"), "{text}");
    assert!(json(&plain.path().join("worker/layer-plan.json")).get("machineOSConfig").is_none());
}

/// A base image with a shell: the host's `/bin/sh` and the libraries `ldd` names, committed
/// by buildah from scratch and pushed to an OCI layout.
fn shell_base(buildah: &dyn Fn(&[&str]) -> String, layout: &Path) {
    let shell = std::fs::canonicalize("/bin/sh").unwrap();
    let ldd = run(Command::new("ldd").arg(&shell));
    let libraries: Vec<&str> =
        ldd.split_whitespace().filter(|w| w.starts_with('/') && Path::new(w).is_file()).collect();
    let container = buildah(&["from", "scratch"]).trim().to_string();
    buildah(&["copy", &container, shell.to_str().unwrap(), "/bin/sh"]);
    for library in &libraries {
        let dir = Path::new(library).parent().unwrap().to_str().unwrap().to_string();
        buildah(&["copy", &container, library, &format!("{dir}/")]);
    }
    buildah(&["commit", &container, "localhost/mcc-shell-base:latest"]);
    buildah(&["push", "localhost/mcc-shell-base:latest", &format!("oci:{}:latest", layout.display())]);
}

#[test]
fn buildah_runs_the_custom_content_on_a_base_with_a_shell() {
    if !(tool("buildah") && tool("umoci")) {
        return;
    }
    if !is_root() {
        eprintln!("skipping: buildah --isolation chroot with the vfs driver needs root here");
        return;
    }
    // buildah names an `oci:` base after its path: lowercase, no component starting with a dot.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let work = Cleanup(std::env::temp_dir().join(format!("mcc-mosc-{}-{nanos}", std::process::id())));
    std::fs::create_dir_all(work.path()).unwrap();
    let buildah = buildah(&work.path().join("storage"));
    let base = work.path().join("shell-base");
    shell_base(&|args| buildah.run(args), &base);
    let base_ref = format!("oci:{}:latest", base.display());
    let dir = compile_with_mosc(&work.path().join("compiled"), &["--base-image", &base_ref, "--no-lint"]);
    let built = work.path().join("built");
    buildah.build_pool(&dir, "mcc-mosc", &built);
    let tree = unpacked(&umoci_unpack(&built, "latest", &work.path().join("bundle")));
    let data = |path: &str| match tree.get(Path::new(path)) {
        Some(crate::oci::Node::File { data, .. }) => String::from_utf8_lossy(data).into_owned(),
        other => panic!("{path}: {other:?}"),
    };
    assert_eq!(data("custom-step"), "custom content ran\n", "the custom RUN ran");
    let arch = if std::env::consts::ARCH == "s390x" { "s390x\n" } else { "noarch\n" };
    assert_eq!(data("custom-arch"), arch);
    // The MachineConfig content is under it: the final stage builds on `configs`.
    assert!(tree.contains_key(Path::new("etc/app/app.conf")), "{:?}", tree.keys().collect::<Vec<_>>());
    assert!(tree.contains_key(Path::new("bin/sh")));
}
