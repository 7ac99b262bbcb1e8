//! The contract's types against the JSON Schemas published for them (`docs/schemas/`): a document
//! with one of every step and every kind of entry, serialised, must validate, so the types and the
//! schemas cannot drift apart.

use std::collections::BTreeMap;

use mcc_contract::layer_plan::{
    EntryType, Extension, ImageEntry, KernelArguments, LAYER_PLAN_SCHEMA, LayerPlan, MachineOsConfigSource, Packages,
    TmpfilesLine,
};
use mcc_contract::node_actions::{Content, NODE_ACTIONS_SCHEMA, NodeActions, NodeImage, Owner, RemovedKind, Step};
use mcc_contract::sha256_hex;
use serde_json::Value;

fn validate(schema: &str, document: &impl serde::Serialize) {
    let path = format!("{}/../docs/schemas/{schema}", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).expect("the schema is readable")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let instance = serde_json::to_value(document).unwrap();
    let errors: Vec<String> = validator.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{path}:\n{}\n{instance:#}", errors.join("\n"));
}

fn sources() -> Vec<String> {
    vec!["99-worker-test".into()]
}

fn inline(text: &str) -> Content {
    Content { size: text.len() as u64, sha256: sha256_hex(text.as_bytes()), inline: Some(text.into()), blob: None }
}

#[test]
fn node_actions_with_every_step_match_their_schema() {
    let blob = sha256_hex(b"\0binary");
    let steps = vec![
        Step::Drain,
        Step::Mkdir {
            path: "/var/lib/app".into(),
            mode: "0750".into(),
            owner: Owner { uid: Some(0), user: None, gid: None, group: Some("wheel".into()) },
            placement: "var".into(),
            sources: sources(),
        },
        Step::Write {
            path: "/etc/app.conf".into(),
            mode: "0644".into(),
            owner: Owner::default(),
            content: Content { size: 7, sha256: blob.clone(), inline: None, blob: Some(format!("blobs/{blob}")) },
            append: vec![inline("more\n")],
            placement: "etc".into(),
            sources: sources(),
        },
        Step::Link {
            path: "/etc/app.link".into(),
            target: "app.conf".into(),
            hard: false,
            owner: Owner::default(),
            placement: "etc".into(),
            sources: sources(),
        },
        Step::Remove {
            path: "/etc/systemd/system/old.service".into(),
            kind: RemovedKind::Unit,
            unit: Some("old.service".into()),
        },
        Step::SshKeys {
            user: "core".into(),
            path: "/home/core/.ssh/authorized_keys.d/ignition".into(),
            keys: vec!["ssh-ed25519 AAAA test".into()],
            mode: "0600".into(),
            directory_mode: "0700".into(),
            sources: sources(),
        },
        Step::PasswordHash { user: "core".into(), hash: "$6$salt$hash".into(), sources: sources() },
        Step::KernelArguments { delete: vec!["a=1".into()], append: vec!["b=2".into()], sources: sources() },
        Step::Extensions { extensions: vec!["usbguard".into()], install: vec!["usbguard".into()], sources: sources() },
        Step::KernelType { kernel_type: "realtime".into(), install: vec!["kernel-rt-core".into()], sources: sources() },
        Step::WriteUnit {
            name: "app.service".into(),
            path: "/etc/systemd/system/app.service".into(),
            content: inline("[Service]\nExecStart=/bin/true\n"),
            placement: "etc".into(),
            sources: sources(),
        },
        Step::WriteDropin {
            unit: "app.service".into(),
            name: "10-env.conf".into(),
            path: "/etc/systemd/system/app.service.d/10-env.conf".into(),
            content: inline("[Service]\nEnvironment=A=1\n"),
            placement: "etc".into(),
            sources: sources(),
        },
        Step::MaskUnit { name: "bad.service".into(), sources: sources() },
        Step::EnableUnit { name: "app.service".into(), sources: sources() },
        Step::DisableUnit { name: "old.service".into(), sources: sources() },
        Step::DaemonReload,
        Step::Reload { service: "crio.service".into() },
        Step::Restart { service: "app.service".into() },
        Step::Switch { image: format!("quay.io/example/worker@sha256:{blob}"), signed: false },
        Step::Switch { image: format!("registry.example.com:5000/worker@sha256:{blob}"), signed: true },
        Step::Reboot,
    ];
    let actions = NodeActions {
        schema: NODE_ACTIONS_SCHEMA.into(),
        pool: "worker".into(),
        rendered_config: "rendered-worker-00000000000000000000000000000000".into(),
        from: None,
        target: "legacy".into(),
        var_strategy: "node".into(),
        rebuild: false,
        drain: true,
        reboot: true,
        image: Some(NodeImage {
            reference: Some(format!("quay.io/example/worker@sha256:{blob}")),
            source_digest: format!("sha256:{blob}"),
        }),
        steps,
    };
    validate("node-actions.schema.json", &actions);
    let unknown = NodeActions {
        image: Some(NodeImage { reference: None, source_digest: format!("sha256:{blob}") }),
        ..actions.clone()
    };
    validate("node-actions.schema.json", &unknown);
    validate("node-actions.schema.json", &NodeActions { image: None, ..actions });
}

#[test]
fn a_layer_plan_with_every_kind_of_entry_matches_its_schema() {
    let entry = |path: &str, kind: EntryType| ImageEntry {
        path: path.into(),
        kind,
        mode: if kind == EntryType::File { "0644" } else { "0755" }.into(),
        uid: 0,
        gid: 0,
        size: (kind == EntryType::File).then_some(2),
        sha256: (kind == EntryType::File).then(|| sha256_hex(b"x\n")),
        target: (kind == EntryType::Symlink).then(|| "/etc/app.conf".into()),
        placement: "etc".into(),
        origin: if kind == EntryType::Directory { "parent" } else { "file" }.into(),
        sources: sources(),
        relocated_from: (kind == EntryType::File).then(|| "/etc/sysctl.d/90-app.conf".into()),
    };
    let plan = LayerPlan {
        schema: LAYER_PLAN_SCHEMA.into(),
        pool: "worker".into(),
        rendered_config: "rendered-worker-00000000000000000000000000000000".into(),
        target: "bootc".into(),
        profile: "rhcos".into(),
        base_image: "quay.io/example/base@sha256:00".into(),
        extensions_image: None,
        source_digest: format!("sha256:{}", sha256_hex(b"spec")),
        mtime: 0,
        labels: BTreeMap::from([("machineconfigpool".to_string(), "worker".to_string())]),
        entries: vec![
            entry("/etc", EntryType::Directory),
            entry("/etc/app.conf", EntryType::File),
            entry("/etc/app.link", EntryType::Symlink),
        ],
        packages: Packages {
            extensions: vec![Extension {
                name: "usbguard".into(),
                packages: vec!["usbguard".into()],
                sources: sources(),
            }],
            install: vec!["usbguard".into()],
            kernel_type: "default".into(),
            kernel_swap: None,
        },
        kernel_arguments: KernelArguments {
            args: vec!["a=1".into()],
            placement: "image".into(),
            file: Some("/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml".into()),
            sources: sources(),
        },
        tmpfiles: vec![TmpfilesLine {
            path: "/var/lib/x".into(),
            line: "d /var/lib/x 0755 root root -".into(),
            sources: sources(),
        }],
        diff_id: format!("sha256:{}", sha256_hex(b"layer")),
        machine_os_config: None,
    };
    validate("layer-plan.schema.json", &plan);
    // A pool with a MachineOSConfig names it.
    let with_mosc = LayerPlan {
        machine_os_config: Some(MachineOsConfigSource {
            name: "worker".into(),
            containerfile_arch: Some("NoArch".into()),
            content_sha256: Some(sha256_hex(b"RUN true\n")),
        }),
        ..plan
    };
    validate("layer-plan.schema.json", &with_mosc);
}
