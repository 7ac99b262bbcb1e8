//! Compile, from MachineConfig text to layer plan, node actions and Containerfile.

use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;

use super::*;
use crate::codes;
use crate::load::InputPath;
use crate::policy::placement::Target;
use crate::render::RenderOptions;
use crate::session::{Analysis, Compilation};
use crate::testing::mc;

const BASE: &str = "quay.io/example/rhcos@sha256:1111111111111111111111111111111111111111111111111111111111111111";
const EXTENSIONS: &str =
    "quay.io/example/extensions@sha256:2222222222222222222222222222222222222222222222222222222222222222";

struct Setup {
    target: Target,
    base: Option<&'static str>,
    extensions: Option<&'static str>,
    var_strategy: VarStrategy,
    images: BTreeMap<String, String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            target: Target::Bootc,
            base: Some(BASE),
            extensions: None,
            var_strategy: VarStrategy::Node,
            images: BTreeMap::new(),
        }
    }
}

fn analyze(files: &[String], setup: &Setup) -> (Compilation, Analysis) {
    let paths: Vec<InputPath> = files
        .iter()
        .enumerate()
        .map(|(i, text)| InputPath::Read { name: format!("input-{i}.yaml").into(), text: text.clone() })
        .collect();
    let mut c = crate::driver::load(&paths, &[], &mut || Ok(String::new()));
    let render = RenderOptions {
        base_image: setup.base.map(Into::into),
        base_extensions_image: setup.extensions.map(Into::into),
    };
    let policy = PolicyOptions { target: setup.target, ..Default::default() };
    let a = crate::driver::analyze(&mut c, &render, &policy, None);
    (c, a)
}

fn options(setup: &Setup) -> CompileOptions {
    CompileOptions {
        policy: PolicyOptions { target: setup.target, ..Default::default() },
        var_strategy: setup.var_strategy,
        mtime: 0,
        lint: true,
        architecture: Some("amd64".into()),
        images: setup.images.clone(),
    }
}

/// Compiles the worker pool (from `old`, when given).
fn compile_worker(files: &[String], old: Option<&[String]>, setup: &Setup) -> Result<CompiledPool, Vec<Diagnostic>> {
    let (c, a) = analyze(files, setup);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.severity() == crate::diagnostic::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let old = old.map(|files| analyze(files, setup));
    let new_side = Side { compilation: &c, analysis: &a };
    let old_side = old.as_ref().map(|(c, a)| Side { compilation: c, analysis: a });
    let mut results = compile(&new_side, old_side.as_ref(), &options(setup));
    let at = results.iter().position(|(n, _)| n == "worker").expect("the worker pool is compiled");
    results.swap_remove(at).1
}

fn ok(result: Result<CompiledPool, Vec<Diagnostic>>) -> CompiledPool {
    result.unwrap_or_else(|d| panic!("compile failed: {d:#?}"))
}

fn codes(result: Result<CompiledPool, Vec<Diagnostic>>) -> Vec<&'static str> {
    match result {
        Ok(_) => panic!("compile succeeded"),
        Err(d) => d.iter().map(|d| d.code.code).collect(),
    }
}

fn worker(name: &str, spec: &str) -> String {
    mc(name, Some("worker"), spec)
}

fn entry<'a>(c: &'a CompiledPool, path: &str) -> &'a ImageEntry {
    c.layer_plan
        .entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no entry {path}: {:#?}", c.layer_plan.entries))
}

fn has_entry(c: &CompiledPool, path: &str) -> bool {
    c.layer_plan.entries.iter().any(|e| e.path == path)
}

fn ops(c: &CompiledPool) -> Vec<&'static str> {
    c.node_actions.steps.iter().map(Step::op).collect()
}

/// The steps between the drain and the post-change actions.
fn changes(c: &CompiledPool) -> Vec<&'static str> {
    let actions = ["drain", "daemon-reload", "reload", "restart", "reboot"];
    ops(c).into_iter().filter(|op| !actions.contains(op)).collect()
}

const FILES: &str = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/app/app.conf, mode: 384, user: {id: 1000}, group: {id: 10}, contents: {source: 'data:,a%3D1%0A'}}\n      - {path: /usr/lib/app/tool, mode: 493, contents: {source: 'data:;base64,H4sIAAAAAAACAyvOz01VSK/KLChITVFIzs8rSc0rKeYCABgXgd0WAAAA', compression: gzip}}\n      directories:\n      - {path: /etc/app, mode: 448}\n      links:\n      - {path: /etc/app/current, target: app.conf}";

#[test]
fn baked_entries_keep_their_mode_owner_and_contents_and_get_their_parents() {
    let c = ok(compile_worker(&[worker("99-worker-app", FILES)], None, &Setup::default()));
    let conf = entry(&c, "/etc/app/app.conf");
    assert_eq!(
        (conf.kind, conf.mode.as_str(), conf.uid, conf.gid, conf.size),
        (EntryType::File, "0600", 1000, 10, Some(4))
    );
    assert_eq!(c.blobs[conf.sha256.as_ref().unwrap()], b"a=1\n");
    assert_eq!((conf.placement.as_str(), conf.sources.as_slice()), ("etc", &["99-worker-app".to_string()][..]));
    let tool = entry(&c, "/usr/lib/app/tool");
    assert_eq!((tool.mode.as_str(), tool.placement.as_str()), ("0755", "image"));
    assert_eq!(c.blobs[tool.sha256.as_ref().unwrap()], b"some gzipped contents\n", "decompressed");
    let dir = entry(&c, "/etc/app");
    assert_eq!((dir.kind, dir.mode.as_str(), dir.origin.as_str()), (EntryType::Directory, "0700", "directory"));
    let link = entry(&c, "/etc/app/current");
    assert_eq!((link.kind, link.target.as_deref(), link.mode.as_str()), (EntryType::Symlink, Some("app.conf"), "0777"));
    for parent in ["/etc", "/usr", "/usr/lib", "/usr/lib/app"] {
        let p = entry(&c, parent);
        assert_eq!((p.kind, p.mode.as_str(), p.uid, p.origin.as_str()), (EntryType::Directory, "0755", 0, "parent"));
    }
    let paths: Vec<&str> = c.layer_plan.entries.iter().map(|e| e.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "sorted by path, so parents come before children");
}

#[test]
fn the_layer_plan_does_not_depend_on_input_order() {
    let a = worker("50-a", FILES);
    let b = worker(
        "60-b",
        "  kernelArguments: [nosmt]\n  config:\n    ignition: {version: 3.4.0}\n    systemd:\n      units:\n      - {name: b.service, enabled: true, contents: \"[Service]\\nExecStart=/usr/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n\"}",
    );
    let one = ok(compile_worker(&[a.clone(), b.clone()], None, &Setup::default()));
    let two = ok(compile_worker(&[b, a], None, &Setup::default()));
    assert_eq!(one, two);
}

#[test]
fn an_enabled_unit_gets_the_links_systemctl_enable_makes() {
    let spec = "  config:\n    ignition: {version: 3.4.0}\n    systemd:\n      units:\n      - name: app.service\n        enabled: true\n        contents: \"[Service]\\nExecStart=/usr/bin/true\\n[Install]\\nWantedBy=multi-user.target\\nAlias=application.service\\nAlso=app.socket\\n\"\n        dropins: [{name: 10-env.conf, contents: \"[Service]\\nEnvironment=A=1\\n\"}]\n      - {name: app.socket, contents: \"[Socket]\\nListenStream=/run/app.sock\\n[Install]\\nWantedBy=sockets.target\\n\"}\n      - {name: old.service, mask: true}\n      - {name: base.service, enabled: true}\n      - {name: noisy.service, enabled: false}";
    let c = ok(compile_worker(&[worker("99-worker-units", spec)], None, &Setup::default()));
    let unit = entry(&c, "/etc/systemd/system/app.service");
    assert_eq!((unit.kind, unit.mode.as_str(), unit.origin.as_str()), (EntryType::File, "0644", "unit"));
    assert_eq!(entry(&c, "/etc/systemd/system/app.service.d/10-env.conf").origin, "dropin");
    let wants = entry(&c, "/etc/systemd/system/multi-user.target.wants/app.service");
    assert_eq!(
        (wants.kind, wants.target.as_deref(), wants.origin.as_str()),
        (EntryType::Symlink, Some("/etc/systemd/system/app.service"), "enablement")
    );
    assert_eq!(
        entry(&c, "/etc/systemd/system/application.service").target.as_deref(),
        Some("/etc/systemd/system/app.service")
    );
    assert_eq!(
        entry(&c, "/etc/systemd/system/sockets.target.wants/app.socket").target.as_deref(),
        Some("/etc/systemd/system/app.socket"),
        "Also= enables the socket too"
    );
    let masked = entry(&c, "/etc/systemd/system/old.service");
    assert_eq!(
        (masked.kind, masked.target.as_deref(), masked.origin.as_str()),
        (EntryType::Symlink, Some("/dev/null"), "mask")
    );
    assert!(
        !has_entry(&c, "/etc/systemd/system-preset/20-ignition.preset"),
        "no preset: it only applies on first boot"
    );
    // The base image's unit is enabled on the node; a disabled one is disabled there.
    assert!(
        c.node_actions
            .steps
            .contains(&Step::EnableUnit { name: "base.service".into(), sources: vec!["99-worker-units".into()] })
    );
    assert!(
        c.node_actions
            .steps
            .contains(&Step::DisableUnit { name: "noisy.service".into(), sources: vec!["99-worker-units".into()] })
    );
}

#[test]
fn an_owner_mcc_cannot_resolve_is_written_on_the_node_and_check_says_so() {
    let spec = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/app/secret.conf, mode: 384, user: {name: app}, contents: {source: 'data:,x'}}\n      - {path: /etc/app/root.conf, user: {name: root}, group: {name: root}, contents: {source: 'data:,y'}}";
    let files = [worker("99-worker-app", spec)];
    let (c, _) = analyze(&files, &Setup::default());
    let warnings: Vec<_> = c.diagnostics.iter().filter(|d| d.code == &codes::OWNER_NOT_RESOLVABLE).collect();
    assert_eq!(warnings.len(), 1, "{:#?}", c.diagnostics);
    assert!(warnings[0].message.contains("`/etc/app/secret.conf` is owned by user `app`"), "{}", warnings[0].message);
    let compiled = ok(compile_worker(&files, None, &Setup::default()));
    assert!(!has_entry(&compiled, "/etc/app/secret.conf"));
    assert_eq!(entry(&compiled, "/etc/app/root.conf").uid, 0, "root resolves to 0");
    let write = compiled
        .node_actions
        .steps
        .iter()
        .find(|s| matches!(s, Step::Write { path, .. } if path == "/etc/app/secret.conf"))
        .expect("a write step");
    let Step::Write { owner, mode, content, .. } = write else { unreachable!() };
    assert_eq!((owner.user.as_deref(), mode.as_str(), content.inline.as_deref()), (Some("app"), "0600", Some("x")));
}

#[test]
fn a_remote_source_or_a_rejected_path_stops_the_pool() {
    let remote = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /etc/motd, contents: {source: 'https://example.com/motd'}}";
    assert_eq!(codes(compile_worker(&[worker("99-worker-motd", remote)], None, &Setup::default())), ["MCC5001"]);
    let rejected = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /boot/extra.cfg, contents: {source: 'data:,x'}}";
    assert_eq!(codes(compile_worker(&[worker("99-worker-boot", rejected)], None, &Setup::default())), ["MCC5002"]);
}

#[test]
fn a_pool_without_a_base_image_or_an_extensions_image_it_needs_stops() {
    let files = [worker("99-worker-usbguard", "  extensions: [usbguard]")];
    let setup = Setup { base: None, ..Setup::default() };
    assert_eq!(codes(compile_worker(&files, None, &setup)), ["MCC5004", "MCC5005"]);
}

#[test]
fn extensions_and_the_kernel_swap_run_with_the_extensions_image_mounted() {
    let files = [
        worker("99-worker-usbguard", "  extensions: [usbguard, ipsec]"),
        worker("99-worker-rt", "  kernelType: realtime"),
    ];
    let setup = Setup { extensions: Some(EXTENSIONS), ..Setup::default() };
    let c = ok(compile_worker(&files, None, &setup));
    let p = &c.layer_plan.packages;
    assert_eq!(
        p.install,
        ["usbguard", "NetworkManager-libreswan", "libreswan", "openvswitch3.5-ipsec"],
        "merge order, then each list's"
    );
    assert_eq!(p.kernel_type, "realtime");
    assert_eq!(
        p.kernel_swap.as_ref().unwrap().install,
        ["kernel-rt-core", "kernel-rt-modules", "kernel-rt-modules-extra", "kernel-rt-kvm"]
    );
    let file = &c.containerfile;
    assert!(
        file.contains(&format!(
            "RUN --mount=type=bind,from={EXTENSIONS},source=/,target=/tmp/mco-extensions/os-extensions-content,"
        )),
        "{file}"
    );
    assert!(
        file.contains("rpm-ostree install usbguard NetworkManager-libreswan libreswan openvswitch3.5-ipsec && \\\n"),
        "{file}"
    );
    assert!(file.contains("| dnf -y shell"), "{file}");
    assert!(file.trim_end().ends_with("RUN bootc container lint"), "{file}");
}

#[test]
fn the_containerfile_adds_the_layer_to_the_base_and_labels_it() {
    let c = ok(compile_worker(&[worker("99-worker-app", FILES)], None, &Setup::default()));
    let lines: Vec<&str> = c.containerfile.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines[0], format!("FROM {BASE}"));
    assert_eq!(lines[1], "ADD layer.tar /");
    assert!(lines[2].starts_with("LABEL "), "{}", c.containerfile);
    assert!(c.containerfile.contains("machineconfigpool=\"worker\""));
    assert!(c.containerfile.contains(&format!("io.openshift.mcc.source-digest=\"{}\"", c.layer_plan.source_digest)));
    assert!(!c.containerfile.contains("RUN --mount"), "no packages, no package step");
    assert_eq!(*lines.last().unwrap(), "RUN bootc container lint");
    let rpm_ostree = Setup { target: Target::RpmOstree, ..Setup::default() };
    let c = ok(compile_worker(&[worker("99-worker-app", FILES)], None, &rpm_ostree));
    assert_eq!(c.containerfile.lines().last(), Some("RUN ostree container commit"));
    assert!(c.layer_plan.source_digest[7..].starts_with(&c.layer_plan.rendered_config["rendered-worker-".len()..]));
}

#[test]
fn the_source_digest_is_the_sha256_of_the_rendered_spec_hashed_once_at_render() {
    let (_, analysis) = analyze(&[worker("99-worker-app", FILES)], &Setup::default());
    let pool = analysis.rendered.iter().find(|p| p.pool.name() == "worker").unwrap();
    let spec = serde_json::to_vec(&crate::render::emit::spec(pool)).unwrap();
    assert_eq!(source_digest(pool), format!("sha256:{}", mcc_contract::sha256_hex(&spec)));
}

#[test]
fn kernel_arguments_are_a_kargs_file_under_bootc_and_a_node_step_otherwise() {
    let files = [worker("99-worker-kargs", "  kernelArguments: [nosmt, 'foo=\"a b\" bar']")];
    let c = ok(compile_worker(&files, None, &Setup::default()));
    let kargs = entry(&c, KARGS_FILE);
    assert_eq!(
        String::from_utf8_lossy(&c.blobs[kargs.sha256.as_ref().unwrap()]).lines().last(),
        Some(r#"kargs = ["nosmt", "foo=\"a b\" bar"]"#)
    );
    assert!(!ops(&c).contains(&"kernel-arguments"));
    let rpm_ostree = Setup { target: Target::RpmOstree, ..Setup::default() };
    let c = ok(compile_worker(&files, None, &rpm_ostree));
    assert!(!has_entry(&c, KARGS_FILE), "rpm-ostree does not read kargs.d");
    let step = c.node_actions.steps.iter().find(|s| s.op() == "kernel-arguments").unwrap();
    assert_eq!(
        step,
        &Step::KernelArguments {
            delete: vec![],
            append: vec!["nosmt".into(), "foo=\"a b\"".into(), "bar".into()],
            sources: vec!["99-worker-kargs".into()]
        }
    );
}

#[test]
fn under_legacy_everything_is_applied_on_the_node() {
    let setup = Setup { target: Target::Legacy, extensions: Some(EXTENSIONS), ..Setup::default() };
    let files = [worker("99-worker-app", FILES), worker("99-worker-usbguard", "  extensions: [usbguard]")];
    let c = ok(compile_worker(&files, None, &setup));
    assert!(c.layer_plan.entries.is_empty(), "{:#?}", c.layer_plan.entries);
    assert_eq!(changes(&c), ["write", "mkdir", "write", "link", "extensions"], "in the graph's apply order");
    assert_eq!((ops(&c)[0], ops(&c).last().copied()), ("drain", Some("reboot")));
    assert!(!c.containerfile.contains("RUN"), "legacy nodes do not boot images");
}

#[test]
fn var_entries_become_tmpfiles_lines_when_asked() {
    let spec = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /var/lib/app/state, mode: 416, contents: {source: 'data:,50%25%20done%0A'}}\n      - {path: /var/lib/app/by-name, user: {name: app}, contents: {source: 'data:,x'}}\n      directories:\n      - {path: /var/lib/app}\n      links:\n      - {path: /var/lib/app/current, target: /usr/lib/app}";
    let files = [worker("99-worker-var", spec)];
    let node = ok(compile_worker(&files, None, &Setup::default()));
    assert!(node.layer_plan.tmpfiles.is_empty());
    assert_eq!(changes(&node), ["mkdir", "write", "write", "link"]);
    let setup = Setup { var_strategy: VarStrategy::Tmpfiles, ..Setup::default() };
    let c = ok(compile_worker(&files, None, &setup));
    let lines: Vec<&str> = c.layer_plan.tmpfiles.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "d /var/lib/app 0755 0 0 -",
            "f+ /var/lib/app/state 0640 0 0 - 50%% done\\n",
            "L+ /var/lib/app/current - - - - /usr/lib/app"
        ]
    );
    let file = entry(&c, tmpfiles::PATH);
    let text = String::from_utf8(c.blobs[file.sha256.as_ref().unwrap()].clone()).unwrap();
    assert!(text.ends_with("L+ /var/lib/app/current - - - - /usr/lib/app\n"), "{text}");
    assert_eq!((file.placement.as_str(), file.origin.as_str()), ("image", "tmpfiles"));
    // A name mcc cannot resolve stays on the node.
    assert_eq!(ops(&c).iter().filter(|o| **o == "write").count(), 1);
}

#[test]
fn from_an_older_state_node_side_entries_it_dropped_are_removed() {
    let old = [worker(
        "99-worker-var",
        "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /var/lib/app/a, contents: {source: 'data:,a'}}\n      - {path: /var/lib/app/b, contents: {source: 'data:,b'}}\n      - {path: /etc/baked.conf, contents: {source: 'data:,c'}}",
    )];
    let new = [worker(
        "99-worker-var",
        "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /var/lib/app/a, contents: {source: 'data:,a2'}}",
    )];
    let c = ok(compile_worker(&new, Some(&old), &Setup::default()));
    let removes: Vec<&Step> = c.node_actions.steps.iter().filter(|s| s.op() == "remove").collect();
    assert_eq!(
        removes,
        [&Step::Remove { path: "/var/lib/app/b".into(), kind: RemovedKind::File, unit: None }],
        "a baked file leaves with the image"
    );
    assert!(c.node_actions.from.as_deref().is_some_and(|f| f.starts_with("rendered-worker-")));
    assert_eq!(ops(&c).last(), Some(&"reboot"), "a /var file without a policy reboots");

    let irreconcilable = [worker(
        "99-worker-var",
        "  config:\n    ignition: {version: 3.4.0}\n    passwd:\n      users:\n      - {name: someone, sshAuthorizedKeys: [ssh-ed25519 AAAA x]}",
    )];
    let codes = codes(compile_worker(&irreconcilable, Some(&old), &Setup::default()));
    assert!(!codes.is_empty() && codes.iter().all(|c| *c == "MCC5003"), "{codes:?}");
}

#[test]
fn ssh_keys_and_the_password_hash_are_node_side_steps() {
    let spec = "  config:\n    ignition: {version: 3.4.0}\n    passwd:\n      users:\n      - {name: core, passwordHash: '$6$x', sshAuthorizedKeys: [ssh-ed25519 AAAA a, ssh-ed25519 BBBB b]}";
    let c = ok(compile_worker(&[worker("50-worker-ssh", spec)], None, &Setup::default()));
    let steps: Vec<&Step> =
        c.node_actions.steps.iter().filter(|s| matches!(s, Step::SshKeys { .. } | Step::PasswordHash { .. })).collect();
    assert_eq!(
        *steps[0],
        Step::SshKeys {
            user: "core".into(),
            path: "/home/core/.ssh/authorized_keys.d/ignition".into(),
            keys: vec!["ssh-ed25519 AAAA a".into(), "ssh-ed25519 BBBB b".into()],
            mode: "0600".into(),
            directory_mode: "0700".into(),
            sources: vec!["50-worker-ssh".into()],
        }
    );
    assert_eq!(
        *steps[1],
        Step::PasswordHash { user: "core".into(), hash: "$6$x".into(), sources: vec!["50-worker-ssh".into()] }
    );
}

#[test]
fn two_entries_on_one_image_path_conflict() {
    let spec = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /bin/tool, contents: {source: 'data:,a'}}\n      - {path: /usr/bin/tool, contents: {source: 'data:,b'}}";
    assert_eq!(codes(compile_worker(&[worker("99-worker-tool", spec)], None, &Setup::default())), ["MCC5007"]);
}

#[test]
fn node_actions_serialise_with_their_op() {
    let step = Step::Restart { service: "chronyd.service".into() };
    assert_eq!(serde_json::to_string(&step).unwrap(), r#"{"op":"restart","service":"chronyd.service"}"#);
    let back: Step =
        serde_json::from_str(r#"{"op":"mkdir","path":"/var/x","mode":"0755","uid":0,"placement":"var","sources":[]}"#)
            .unwrap();
    assert!(matches!(back, Step::Mkdir { owner: Owner { uid: Some(0), .. }, .. }));
    assert_eq!(split_kernel_arguments(&[" a  b=\"c d\" ".into()]), ["a", "b=\"c d\""]);
}

const DIGEST: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

fn with_image(target: Target, image: &str) -> Setup {
    let images = [("worker".to_string(), image.to_string())].into_iter().collect();
    Setup { target, images, ..Setup::default() }
}

const VAR_FILE: &str = "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n      - {path: /var/lib/app/state, mode: 420, contents: {source: 'data:,x'}}";

#[test]
fn the_switch_comes_after_the_node_side_writes_and_right_before_the_reboot() {
    let image = format!("quay.io/acme/worker@{DIGEST}");
    let c = ok(compile_worker(&[worker("99-worker-var", VAR_FILE)], None, &with_image(Target::Bootc, &image)));
    let ops = ops(&c);
    assert_eq!(ops.first(), Some(&"drain"), "{ops:?}");
    assert_eq!(ops[ops.len() - 2..], ["switch", "reboot"], "{ops:?}");
    let write = ops.iter().position(|op| *op == "write").expect("the /var file is written on the node");
    assert!(write < ops.len() - 2, "{ops:?}");
    assert_eq!(c.node_actions.steps[ops.len() - 2], Step::Switch { image: image.clone(), signed: false });
    assert!(c.node_actions.drain && c.node_actions.reboot);
    let node_image = c.node_actions.image.as_ref().expect("bootc nodes boot an image");
    assert_eq!(node_image.reference.as_deref(), Some(image.as_str()));
    assert_eq!(node_image.source_digest, c.layer_plan.source_digest);
}

#[test]
fn without_image_the_node_actions_name_the_build_and_do_not_switch() {
    let c = ok(compile_worker(&[worker("99-worker-var", VAR_FILE)], None, &Setup::default()));
    assert!(!ops(&c).contains(&"switch"));
    let node_image = c.node_actions.image.as_ref().expect("the image the node needs");
    assert_eq!(
        (node_image.reference.as_deref(), node_image.source_digest.as_str()),
        (None, c.layer_plan.source_digest.as_str())
    );
    let legacy = Setup { target: Target::Legacy, ..Setup::default() };
    let c = ok(compile_worker(&[worker("99-worker-var", VAR_FILE)], None, &legacy));
    assert_eq!(c.node_actions.image, None, "legacy nodes keep their image");
}

#[test]
fn a_containers_policy_that_requires_signatures_makes_the_switch_enforce_them() {
    // {"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"quay.io/acme":[{"type":"sigstoreSigned","keyPath":"/etc/pki/acme.pub"}]}}}
    let policy = "eyJkZWZhdWx0IjpbeyJ0eXBlIjoiaW5zZWN1cmVBY2NlcHRBbnl0aGluZyJ9XSwidHJhbnNwb3J0cyI6eyJkb2NrZXIiOnsicXVheS5pby9hY21lIjpbeyJ0eXBlIjoic2lnc3RvcmVTaWduZWQiLCJrZXlQYXRoIjoiL2V0Yy9wa2kvYWNtZS5wdWIifV19fX0=";
    let spec = format!(
        "  config:\n    ignition: {{version: 3.4.0}}\n    storage:\n      files:\n      - {{path: /etc/containers/policy.json, mode: 420, contents: {{source: 'data:;base64,{policy}'}}}}"
    );
    let signed = format!("quay.io/acme/worker@{DIGEST}");
    let c = ok(compile_worker(&[worker("99-worker-policy", &spec)], None, &with_image(Target::RpmOstree, &signed)));
    assert!(c.node_actions.steps.contains(&Step::Switch { image: signed, signed: true }), "{:#?}", c.node_actions);
    let open = format!("quay.io/other/worker@{DIGEST}");
    let c = ok(compile_worker(&[worker("99-worker-policy", &spec)], None, &with_image(Target::RpmOstree, &open)));
    assert!(c.node_actions.steps.contains(&Step::Switch { image: open, signed: false }));
}

#[test]
fn a_tag_or_a_malformed_image_reference_is_refused() {
    let mc = [worker("99-worker-var", VAR_FILE)];
    assert_eq!(codes(compile_worker(&mc, None, &with_image(Target::Bootc, "quay.io/acme/worker:latest"))), ["MCC5021"]);
    let transport = format!("docker://quay.io/acme/worker@{DIGEST}");
    assert_eq!(codes(compile_worker(&mc, None, &with_image(Target::Bootc, &transport))), ["MCC5020"]);
}
