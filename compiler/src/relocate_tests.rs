//! Relocation, from MachineConfig text to the classified graph and the compiled layer.

use mcc_contract::layer_plan::EntryType;

use crate::classify::Subject;
use crate::compile::{CompileOptions, compile};
use crate::load::InputPath;
use crate::load::site::PolicyText;
use crate::plan::sides::Side;
use crate::policy::placement::{Placement, RelocationMode};
use crate::render::RenderOptions;
use crate::session::{Analysis, Compilation, PolicyOptions};

const BASE: &str = "quay.io/example/rhcos@sha256:1111111111111111111111111111111111111111111111111111111111111111";
const GENERATED: &str = "machineconfiguration.openshift.io/generated-by-controller-version";

/// A worker MachineConfig with these files (path, contents) and units (YAML list items).
fn machine_config(name: &str, generated: bool, files: &[&str], units: &str) -> String {
    let annotation = if generated { format!("  annotations: {{{GENERATED}: 4.18.0}}\n") } else { String::new() };
    let files: String = files
        .iter()
        .map(|p| format!("      - {{path: {p}, mode: 420, contents: {{source: 'data:,x%0A'}}}}\n"))
        .collect();
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n  labels: {{machineconfiguration.openshift.io/role: worker}}\n{annotation}spec:\n  config:\n    ignition: {{version: 3.4.0}}\n    storage:\n      files:\n{files}    systemd:\n      units: {units}\n"
    )
}

fn analyze(files: &[String], site: Option<&str>, mode: RelocationMode) -> (Compilation, Analysis) {
    let paths: Vec<InputPath> = files
        .iter()
        .enumerate()
        .map(|(i, text)| InputPath::Read { name: format!("input-{i}.yaml").into(), text: text.clone() })
        .collect();
    let mut c = crate::driver::load(&paths, &[], &mut || Ok(String::new()));
    if let Some(text) = site {
        c.site_policies.push(PolicyText { path: "site.mcc".into(), text: text.to_string() });
    }
    let render = RenderOptions { base_image: Some(BASE.into()), base_extensions_image: None };
    let options = PolicyOptions { relocate: mode, ..Default::default() };
    let a = crate::driver::analyze(&mut c, &render, &options, None);
    (c, a)
}

/// `(placement, final path, relocated from)` of an entry of the worker pool.
fn placed(a: &Analysis, subject: Subject) -> (Placement, String, Option<String>) {
    let g = a.graphs.iter().find(|g| g.pool == "worker").expect("the worker pool");
    let e = g.entry(&subject).unwrap_or_else(|| panic!("no entry {subject:?}"));
    (e.placement, e.resolved_path.clone().unwrap_or_default(), e.relocation.as_ref().map(|r| r.from.clone()))
}

fn path(p: &str) -> Subject {
    Subject::Path(p.into())
}

const UNIT: &str = "[{name: app.service, enabled: true, contents: \"[Service]\\nExecStart=/usr/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n\", dropins: [{name: 10-a.conf, contents: \"[Service]\\n\"}]}]";

#[test]
fn none_moves_nothing_and_all_moves_every_covered_file_unit_and_dropin() {
    let files = [machine_config("99-worker-a", false, &["/etc/sysctl.d/10-a.conf", "/etc/chrony.conf"], UNIT)];
    let (_, a) = analyze(&files, None, RelocationMode::None);
    assert_eq!(placed(&a, path("/etc/sysctl.d/10-a.conf")), (Placement::Etc, "/etc/sysctl.d/10-a.conf".into(), None));
    let (_, a) = analyze(&files, None, RelocationMode::All);
    assert_eq!(
        placed(&a, path("/etc/sysctl.d/10-a.conf")),
        (Placement::Image, "/usr/lib/sysctl.d/10-a.conf".into(), Some("/etc/sysctl.d/10-a.conf".into()))
    );
    assert_eq!(placed(&a, path("/etc/chrony.conf")).0, Placement::Etc, "only read from /etc: no rule");
    assert_eq!(placed(&a, Subject::Unit("app.service".into())).1, "/usr/lib/systemd/system/app.service");
    let dropin = Subject::Dropin { unit: "app.service".into(), name: "10-a.conf".into() };
    assert_eq!(placed(&a, dropin).1, "/usr/lib/systemd/system/app.service.d/10-a.conf");
}

#[test]
fn mco_moves_what_the_generated_machine_configs_alone_define() {
    let files = [
        machine_config("00-worker", true, &["/etc/sysctl.d/10-mco.conf", "/etc/sysctl.d/20-both.conf"], UNIT),
        machine_config(
            "99-worker-user",
            false,
            &["/etc/sysctl.d/30-user.conf", "/etc/sysctl.d/20-both.conf"],
            "[{name: app.service, dropins: [{name: 20-user.conf, contents: \"[Service]\\n\"}]}]",
        ),
    ];
    let (_, a) = analyze(&files, None, RelocationMode::Mco);
    assert_eq!(placed(&a, path("/etc/sysctl.d/10-mco.conf")).0, Placement::Image);
    assert_eq!(placed(&a, path("/etc/sysctl.d/20-both.conf")).0, Placement::Etc, "the user overrides it");
    assert_eq!(placed(&a, path("/etc/sysctl.d/30-user.conf")).0, Placement::Etc);
    assert_eq!(
        placed(&a, Subject::Unit("app.service".into())).0,
        Placement::Image,
        "a user's dropin leaves the unit the MCO's"
    );
    let user_dropin = Subject::Dropin { unit: "app.service".into(), name: "20-user.conf".into() };
    assert_eq!(placed(&a, user_dropin).0, Placement::Etc);
}

#[test]
fn rebootless_node_written_and_masked_entries_stay() {
    let files = [machine_config(
        "99-worker-a",
        false,
        &["/etc/modules-load.d/10-a.conf", "/etc/ssh/ssh_host_rsa_key"],
        "[{name: masked.service, mask: true}]",
    )];
    let site = "disruption site { path /etc/modules-load.d/10-a.conf => none }\n\
                layout rhcos { relocate /etc/ssh/* to /usr/lib/ssh/ }";
    let (c, a) = analyze(&files, Some(site), RelocationMode::All);
    assert!(c.diagnostics.iter().all(|d| d.severity() != crate::diagnostic::Severity::Error), "{:#?}", c.diagnostics);
    assert_eq!(placed(&a, path("/etc/modules-load.d/10-a.conf")).0, Placement::Rebootless);
    assert_eq!(placed(&a, path("/etc/ssh/ssh_host_rsa_key")).0, Placement::Etc, "sshd-keygen writes it");
    assert_eq!(placed(&a, Subject::Unit("masked.service".into())).0, Placement::Etc);
    let g = &a.graphs[0];
    let note = |s: Subject| g.entry(&s).and_then(|e| e.relocation_note.clone()).unwrap_or_default();
    assert!(
        note(path("/etc/ssh/ssh_host_rsa_key")).contains("sshd-keygen"),
        "{}",
        note(path("/etc/ssh/ssh_host_rsa_key"))
    );
    assert!(note(path("/etc/modules-load.d/10-a.conf")).contains("rebootless"));
}

#[test]
fn a_file_kept_in_etc_that_would_shadow_the_usr_copy_blocks_the_move() {
    let files = [machine_config("99-worker-a", false, &["/etc/app/10-x.conf", "/etc/sysctl.d/10-x.conf"], "[]")];
    // The sysctl file stays on the node (rebootless), so /etc/sysctl.d/10-x.conf would shadow
    // /usr/lib/sysctl.d/10-x.conf, where the site rule sends /etc/app/10-x.conf.
    let site = "disruption site { path /etc/sysctl.d/10-x.conf => none }\n\
                layout rhcos { relocate /etc/app/*.conf to /usr/lib/sysctl.d/ }";
    let (c, a) = analyze(&files, Some(site), RelocationMode::All);
    assert_eq!(placed(&a, path("/etc/app/10-x.conf")).0, Placement::Etc);
    let shadowed: Vec<_> = c.diagnostics.iter().filter(|d| d.code.code == "MCC3203").collect();
    assert_eq!(shadowed.len(), 1, "{:#?}", c.diagnostics);
    assert!(shadowed[0].message.contains("`/etc/sysctl.d/10-x.conf` stays in /etc"), "{}", shadowed[0].message);
    assert_eq!(shadowed[0].related.len(), 2);
}

#[test]
fn a_rule_applies_when_its_condition_holds() {
    let files = [
        machine_config("00-platform-a", false, &["/etc/app/a.conf"], "[]"),
        machine_config("99-worker-b", false, &["/etc/app/b.conf"], "[]"),
    ];
    let site = "layout rhcos { relocate /etc/app/*.conf to /usr/lib/app/ when source 00-platform-* }";
    let (_, a) = analyze(&files, Some(site), RelocationMode::All);
    assert_eq!(placed(&a, path("/etc/app/a.conf")).1, "/usr/lib/app/a.conf");
    assert_eq!(placed(&a, path("/etc/app/b.conf")).1, "/etc/app/b.conf");
}

#[test]
fn a_relocated_unit_is_enabled_from_usr_and_its_layer_entries_say_where_they_came_from() {
    let files = [machine_config("99-worker-a", false, &["/etc/sysctl.d/10-a.conf"], UNIT)];
    let (c, a) = analyze(&files, None, RelocationMode::All);
    let side = Side { compilation: &c, analysis: &a };
    let options = CompileOptions {
        policy: PolicyOptions { relocate: RelocationMode::All, ..Default::default() },
        ..Default::default()
    };
    let compiled = compile(&side, None, &options).into_iter().find(|(n, _)| n == "worker").unwrap().1.unwrap();
    let entries = &compiled.layer_plan.entries;
    let find = |p: &str| entries.iter().find(|e| e.path == p).unwrap_or_else(|| panic!("no {p} in {entries:#?}"));
    let link = find("/usr/lib/systemd/system/multi-user.target.wants/app.service");
    assert_eq!((link.kind, link.target.as_deref()), (EntryType::Symlink, Some("/usr/lib/systemd/system/app.service")));
    assert_eq!(find("/usr/lib/sysctl.d/10-a.conf").relocated_from.as_deref(), Some("/etc/sysctl.d/10-a.conf"));
    assert_eq!(
        find("/usr/lib/systemd/system/app.service").relocated_from.as_deref(),
        Some("/etc/systemd/system/app.service")
    );
    assert!(entries.iter().all(|e| !e.path.starts_with("/etc/")), "nothing left in the image's /etc: {entries:#?}");
}
