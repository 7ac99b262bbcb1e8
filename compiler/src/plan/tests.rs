//! `mcc plan`'s decisions (`spec/mco.md` §3, §4; image mode from `spec/image-mode.md`), one test
//! per rule, named after it, with the MCO's own examples where the spec gives them.

use base64::Engine as _;

use crate::load::reader::Spanned;
use crate::plan::actions::{calculate, combine};
use crate::plan::decide::{Inputs, fill_rules, plan_pool};
use crate::plan::diff::{Diff, diff};
use crate::plan::reconcile::reconcile;
use crate::plan::registries::is_safe_change;
use crate::plan::{ChangeKind, Op, PoolPlan, PoolState};
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, SshKeyRule, UnitRule};
use crate::policy::placement::{Placement, Target};
use crate::policy::stdlib::{self, OcpVersion, Policies, Profile};
use crate::source::{Sources, Span};
use crate::testing::{load, mc};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn policies_for(profile: Profile, ocp: &str) -> (Policies, Sources) {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let policies = stdlib::load(profile, OcpVersion::parse(ocp).unwrap(), &mut sources, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    (policies, sources)
}

fn policies(ocp: &str) -> Policies {
    policies_for(Profile::Rhcos, ocp).0
}

/// The worker pool rendered from these MachineConfigs.
fn state(mcs: &[String]) -> PoolState {
    let docs: Vec<&str> = mcs.iter().map(String::as_str).collect();
    let mut loaded = load(&docs);
    let pool = loaded.pool("worker");
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity() == crate::diagnostic::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    PoolState::from_rendered(&pool, &loaded.inputs)
}

/// A worker MachineConfig whose Ignition config (3.3.0) has `body`, indented at four spaces.
fn ign(name: &str, body: &str) -> String {
    mc(name, Some("worker"), &format!("  config:\n    ignition: {{version: 3.3.0}}\n{body}"))
}

/// A worker MachineConfig writing files; each content is a data URL payload (URL-safe text).
fn files(name: &str, entries: &[(&str, &str)]) -> String {
    let mut body = "    storage:\n      files:\n".to_string();
    for (path, data) in entries {
        body += &format!("      - {{path: '{path}', contents: {{source: 'data:,{data}'}}}}\n");
    }
    ign(name, &body)
}

/// A worker MachineConfig writing one file with arbitrary text (as base64).
fn text_file(name: &str, path: &str, text: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    ign(
        name,
        &format!(
            "    storage:\n      files:\n      - {{path: '{path}', contents: {{source: 'data:text/plain;charset=utf-8;base64,{data}'}}}}\n"
        ),
    )
}

fn units(name: &str, yaml: &str) -> String {
    ign(name, &format!("    systemd:\n      units:\n{yaml}"))
}

fn spec(name: &str, yaml: &str) -> String {
    mc(name, Some("worker"), yaml)
}

const BASE: &str = "00-worker-base";

fn base() -> String {
    files(BASE, &[("/etc/base", "base")])
}

fn plan_with(
    old: Option<&PoolState>,
    new: Option<&PoolState>,
    p: &Policies,
    target: Target,
    overrides: &[String],
) -> PoolPlan {
    plan_pool(&Inputs { pool: "worker", old, new, layout: &p.layout, policy: &p.disruption, target, overrides })
}

/// The plan of old → new under the newest defaults, RHCOS, for `target`.
fn plan(old: &PoolState, new: &PoolState, target: Target) -> PoolPlan {
    plan_with(Some(old), Some(new), &policies("4.22"), target, &[])
}

fn codes(errors: &[crate::plan::PlanError]) -> Vec<&'static str> {
    errors.iter().map(|e| e.code).collect()
}

fn messages(errors: &[crate::plan::PlanError]) -> Vec<String> {
    errors.iter().map(|e| e.message.clone()).collect()
}

fn span() -> Span {
    let mut sources = Sources::default();
    Span::new(sources.add("site.yaml", "x"), 0, 1)
}

fn file_rule(path: &str, actions: &[Action], origin: Origin) -> FileRule {
    FileRule {
        path: Spanned::new(path.into(), span()),
        actions: actions.iter().map(|a| Spanned::new(a.clone(), span())).collect(),
        span: span(),
        origin,
    }
}

fn reload(s: &str) -> Action {
    Action::Reload(s.into())
}

fn restart(s: &str) -> Action {
    Action::Restart(s.into())
}

/// A diff in which these files changed.
fn files_changed(paths: &[&str]) -> Diff {
    Diff { files: paths.iter().map(|p| (p.to_string(), Op::Change, ChangeKind::File)).collect(), ..Diff::default() }
}

fn actions_for(ocp: &str, paths: &[&str]) -> Vec<Action> {
    calculate(&files_changed(paths), &policies(ocp).disruption).actions
}

// ---------------------------------------------------------------------------------------------
// §3 Reconcilability
// ---------------------------------------------------------------------------------------------

#[test]
fn reconcile_passwd_groups_change_is_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-groups", "    passwd:\n      groups:\n      - {name: admins}\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4001"]);
    assert_eq!(messages(&errors), ["invalid passwd change(s): ignition Passwd Groups section contains changes"]);
}

#[test]
fn reconcile_passwd_non_core_user_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-admin",
            "    passwd:\n      users:\n      - {name: admin, sshAuthorizedKeys: [ssh-ed25519 AAAA]}\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4002"]);
    assert_eq!(
        messages(&errors),
        ["invalid passwd change(s): ignition passwd user section contains unsupported changes: non-core user"]
    );
}

#[test]
fn reconcile_passwd_core_user_with_extra_fields_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-ssh",
            "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [ssh-ed25519 AAAA], shell: /bin/zsh}\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4003"]);
    assert_eq!(messages(&errors), ["invalid passwd change(s): SSH keys and password hash are not reconcilable"]);
}

#[test]
fn reconcile_passwd_core_user_without_keys_or_hash_is_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-core", "    passwd:\n      users:\n      - {name: core}\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4004"]);
    assert_eq!(
        messages(&errors),
        [
            "invalid passwd change(s): ignition passwd user section contains unsupported changes: user must be core and have 1 or more sshKeys"
        ]
    );
}

#[test]
fn reconcile_passwd_ssh_keys_and_password_hash_of_core_are_allowed() {
    // TestReconcilableSSH: adding keys, changing them, setting a password hash.
    let old = state(&[
        base(),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1]}\n"),
    ]);
    for new in [
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1, key-2]}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-2]}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, passwordHash: '$6$x'}\n"),
    ] {
        assert_eq!(reconcile(&old, &state(&[base(), new.clone()]), &[]), [], "{new}");
    }
}

#[test]
fn reconcile_passwd_an_empty_new_user_list_is_allowed() {
    let old = state(&[
        base(),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [key-1]}\n"),
    ]);
    let new = state(&[base()]);
    assert_eq!(reconcile(&old, &new, &[]), []);
}

#[test]
fn reconcile_ignition_kernel_arguments_are_refused() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-kargs", "    kernelArguments:\n      shouldExist: [nosmt]\n")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4005"]);
    assert_eq!(messages(&errors), ["ignition kargs section contains changes"]);
}

const DISK: &str = "    storage:\n      disks:\n      - {device: /dev/sdb, wipeTable: true}\n";
const FILESYSTEM: &str =
    "    storage:\n      filesystems:\n      - {device: /dev/sdb1, format: xfs, path: /var/lib/data}\n";
const RAID: &str = "    storage:\n      raid:\n      - {name: data, level: raid1, devices: [/dev/sdb, /dev/sdc]}\n";

#[test]
fn reconcile_disks_are_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-disk", DISK)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4006"]);
    assert_eq!(messages(&errors), ["ignition disks section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["Disks".into()]), []);
    assert_eq!(codes(&reconcile(&old, &new, &["Raid".into(), "FileSystems".into()])), ["MCC4006"]);
}

#[test]
fn reconcile_filesystems_are_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-fs", FILESYSTEM)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4007"]);
    assert_eq!(messages(&errors), ["ignition filesystems section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["FileSystems".into()]), []);
    assert_eq!(codes(&reconcile(&old, &new, &["Filesystems".into()])), ["MCC4007"], "spelled as in the API");
}

#[test]
fn reconcile_raid_is_refused_unless_overridden() {
    let old = state(&[base()]);
    let new = state(&[base(), ign("99-worker-raid", RAID)]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4008"]);
    assert_eq!(messages(&errors), ["ignition raid section contains changes"]);
    assert_eq!(reconcile(&old, &new, &["Raid".into()]), []);
}

#[test]
fn reconcile_directories_are_refused_added_or_removed() {
    let with = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/myapp, mode: 493}\n"),
    ]);
    let without = state(&[base()]);
    for (old, new) in [(&without, &with), (&with, &without)] {
        let errors = reconcile(old, new, &[]);
        assert_eq!(codes(&errors), ["MCC4009"]);
        assert_eq!(messages(&errors), ["ignition directories section contains changes"]);
    }
    let other_mode = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/myapp, mode: 448}\n"),
    ]);
    assert_eq!(codes(&reconcile(&with, &other_mode, &[])), ["MCC4009"]);
}

#[test]
fn reconcile_links_are_refused_unless_all_are_removed() {
    let link = |target: &str| {
        ign(
            "99-worker-link",
            &format!("    storage:\n      links:\n      - {{path: /etc/localtime, target: {target}}}\n"),
        )
    };
    let without = state(&[base()]);
    let paris = state(&[base(), link("../usr/share/zoneinfo/Europe/Paris")]);
    let tokyo = state(&[base(), link("../usr/share/zoneinfo/Asia/Tokyo")]);
    let errors = reconcile(&without, &paris, &[]);
    assert_eq!(codes(&errors), ["MCC4010"]);
    assert_eq!(messages(&errors), ["ignition links section contains changes"]);
    assert_eq!(codes(&reconcile(&paris, &tokyo, &[])), ["MCC4010"]);
    assert_eq!(reconcile(&paris, &without, &[]), [], "removing every link is allowed");
}

#[test]
fn reconcile_removing_all_links_acts_like_no_policy_change() {
    // The links are not in the changed-file set, and nothing the policies cover changed: [None].
    let old = state(&[
        base(),
        ign(
            "99-worker-link",
            "    storage:\n      links:\n      - {path: /etc/localtime, target: ../usr/share/zoneinfo/UTC}\n",
        ),
    ]);
    let new = state(&[base()]);
    let p = plan(&old, &new, Target::Legacy);
    assert!(p.reconcilable);
    assert_eq!(p.actions, [Action::None]);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].op, p.changes[0].kind, p.changes[0].actions.clone()),
        (Op::Remove, ChangeKind::Link, vec![])
    );
    assert_eq!(p.changes[0].sources, ["99-worker-link"], "a removal names the old side's MachineConfig");
}

#[test]
fn reconcile_file_append_is_refused() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        ign(
            "99-worker-hosts",
            "    storage:\n      files:\n      - path: /etc/hosts\n        append: [{source: 'data:,x'}]\n",
        ),
    ]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4011"]);
    assert_eq!(messages(&errors), ["ignition file /etc/hosts includes append"]);
}

#[test]
fn reconcile_the_force_file_cannot_be_written() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-force", &[("/run/machine-config-daemon-force", "")])]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4012"]);
    assert_eq!(messages(&errors), ["cannot create /run/machine-config-daemon-force via Ignition"]);
}

#[test]
fn reconcile_fips_cannot_change() {
    // TestGenerateMachineConfigValidation: turning FIPS on in one MC fails.
    let old = state(&[base()]);
    let new = state(&[base(), spec("99-worker-fips", "  fips: true")]);
    let errors = reconcile(&old, &new, &[]);
    assert_eq!(codes(&errors), ["MCC4013"]);
    assert_eq!(messages(&errors), ["detected change to FIPS flag; refusing to modify FIPS on a running cluster"]);
    assert_eq!(codes(&reconcile(&new, &old, &[])), ["MCC4013"], "nor be turned off");
}

#[test]
fn reconcile_reports_every_failing_check_in_the_mco_order() {
    let old = state(&[base()]);
    let new = state(&[
        base(),
        spec("99-worker-fips", "  fips: true"),
        ign(
            "99-worker-many",
            "    passwd:\n      groups:\n      - {name: admins}\n    storage:\n      directories:\n      - {path: /etc/d}\n      disks:\n      - {device: /dev/sdb, wipeTable: true}\n",
        ),
    ]);
    assert_eq!(codes(&reconcile(&old, &new, &[])), ["MCC4001", "MCC4006", "MCC4009", "MCC4013"]);
}

#[test]
fn reconcile_allows_files_units_os_image_and_luks() {
    // TestReconcilableDiff: adding a file, removing all files, an osImageURL change.
    let old = state(&[base()]);
    let empty = state(&[ign("00-worker-base", "")]);
    for new in [
        vec![base(), files("99-worker-x", &[("/etc/x", "x")])],
        vec![files(BASE, &[("/etc/base", "changed")])],
        vec![
            base(),
            units(
                "99-worker-u",
                "      - {name: x.service, enabled: true, contents: \"[Unit]\\n[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n\"}\n",
            ),
        ],
        vec![
            base(),
            spec(
                "99-worker-os",
                "  osImageURL: quay.io/example/os@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ],
        vec![
            base(),
            spec("99-worker-kargs", "  kernelArguments: [nosmt]\n  extensions: [usbguard]\n  kernelType: realtime"),
        ],
    ] {
        assert_eq!(reconcile(&old, &state(&new), &[]), [], "{new:?}");
    }
    assert_eq!(reconcile(&old, &empty, &[]), [], "removing all files");
    // LuksClevisTang: removing a LUKS device with a Tang clevis is reconcilable.
    let luks = state(&[
        base(),
        ign(
            "99-worker-luks",
            "    storage:\n      luks:\n      - name: data\n        device: /dev/sdb\n        clevis: {tang: [{url: 'http://tang.example.com', thumbprint: abc}]}\n",
        ),
    ]);
    assert_eq!(reconcile(&luks, &old, &[]), []);
}

#[test]
fn reconcile_an_irreconcilable_plan_has_errors_and_no_actions() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-x", &[("/etc/x", "x")]), ign("99-worker-disk", DISK)]);
    let p = plan(&old, &new, Target::Bootc);
    assert!(!p.reconcilable);
    assert_eq!(codes(&p.errors), ["MCC4006"]);
    assert!(p.actions.is_empty() && !p.reboot && !p.drain && !p.rebuild && p.reboot_reason.is_none());
    assert_eq!(p.changes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["/etc/x"], "the diff is still shown");
    let with_override = plan_with(Some(&old), Some(&new), &policies("4.22"), Target::Legacy, &["Disks".into()]);
    assert!(with_override.reconcilable);
    assert_eq!(with_override.actions, [Action::Reboot], "/etc/x has no policy");
}

// ---------------------------------------------------------------------------------------------
// §4.2 The diff
// ---------------------------------------------------------------------------------------------

#[test]
fn diff_changed_file_set_has_added_removed_and_changed_paths_sorted() {
    let old = state(&[files(BASE, &[("/etc/b", "b"), ("/etc/same", "s"), ("/etc/gone", "g")])]);
    let new = state(&[files(BASE, &[("/etc/b", "b2"), ("/etc/same", "s"), ("/etc/a", "a")])]);
    let d = diff(&old, &new);
    assert_eq!(
        d.files,
        [
            ("/etc/a".to_string(), Op::Add, ChangeKind::File),
            ("/etc/b".to_string(), Op::Change, ChangeKind::File),
            ("/etc/gone".to_string(), Op::Remove, ChangeKind::File),
        ]
    );
    assert!(!d.files_reordered_only && d.units.is_empty() && !d.passwd);
}

#[test]
fn diff_a_mode_or_owner_change_changes_the_file() {
    let old = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 420, contents: {source: 'data:,x'}}\n",
    )]);
    let mode = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 384, contents: {source: 'data:,x'}}\n",
    )]);
    let owner = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/x, mode: 420, user: {name: core}, contents: {source: 'data:,x'}}\n",
    )]);
    for new in [&mode, &owner] {
        assert_eq!(diff(&old, new).files, [("/etc/x".to_string(), Op::Change, ChangeKind::File)]);
    }
}

#[test]
fn diff_a_dropin_change_counts_under_its_unit() {
    let dropin = |text: &str| {
        units(
            "99-worker-crio",
            &format!(
                "      - name: crio.service\n        dropins:\n        - {{name: 10-x.conf, contents: \"[Service]\\nEnvironment=X={text}\\n\"}}\n"
            ),
        )
    };
    let old = state(&[base(), dropin("1")]);
    let new = state(&[base(), dropin("2")]);
    let d = diff(&old, &new);
    assert_eq!(d.units, [("crio.service".to_string(), Op::Change)]);
    // crio.service has no unit policy: the dropin change reboots.
    let p = plan(&old, &new, Target::Legacy);
    assert_eq!(p.actions, [Action::Reboot]);
    assert_eq!(p.reboot_reason.as_deref(), Some("99-worker-crio: crio.service has no disruption policy"));
}

#[test]
fn diff_enabled_and_mask_changes_count_as_unit_changes() {
    let unit = |extra: &str| units("99-worker-u", &format!("      - {{name: x.service{extra}}}\n"));
    let plain = state(&[base(), unit("")]);
    for changed in [", enabled: true", ", enabled: false", ", mask: true"] {
        let new = state(&[base(), unit(changed)]);
        assert_eq!(diff(&plain, &new).units, [("x.service".to_string(), Op::Change)], "{changed}");
    }
    let none = state(&[base()]);
    assert_eq!(diff(&none, &plain).units, [("x.service".to_string(), Op::Add)]);
    assert_eq!(diff(&plain, &none).units, [("x.service".to_string(), Op::Remove)]);
}

#[test]
fn diff_password_hash_changes_are_recognized() {
    // TestMachineConfigDiff "PasswordHash changes recognized".
    let user = |hash: &str| {
        ign("99-worker-pw", &format!("    passwd:\n      users:\n      - {{name: core, passwordHash: '{hash}'}}\n"))
    };
    let d = diff(&state(&[user("a")]), &state(&[user("b")]));
    assert!(d.passwd);
    assert!(d.files.is_empty() && d.units.is_empty());
}

#[test]
fn diff_kernel_arguments_and_extensions_compare_as_ordered_lists() {
    let old = state(&[spec("99-worker-k", "  kernelArguments: [a, b]\n  extensions: [usbguard, kerberos]")]);
    let reordered = state(&[spec("99-worker-k", "  kernelArguments: [b, a]\n  extensions: [kerberos, usbguard]")]);
    let d = diff(&old, &reordered);
    assert!(d.kargs && d.extensions, "a reorder is a change");
    let none = state(&[base()]);
    let empty = state(&[base(), spec("99-worker-k", "  kernelArguments: []\n  extensions: []")]);
    let d = diff(&none, &empty);
    assert!(!d.kargs && !d.extensions, "nil and empty are equal");
}

#[test]
fn diff_kernel_type_compares_canonically() {
    let none = state(&[base()]);
    let explicit = state(&[base(), spec("99-worker-k", "  kernelType: default")]);
    assert!(!diff(&none, &explicit).kernel_type, "\"\" and default are equal");
    let rt = state(&[base(), spec("99-worker-k", "  kernelType: realtime")]);
    assert!(diff(&none, &rt).kernel_type);
}

#[test]
fn diff_files_or_units_differing_only_by_order_give_no_actions() {
    // `spec/mco.md` §4.3, edge case: the sets are empty, no action is collected.
    let old = state(&[ign(
        BASE,
        "    storage:\n      files:\n      - {path: /etc/a, contents: {source: 'data:,a'}}\n      - {path: /etc/b, contents: {source: 'data:,b'}}\n    systemd:\n      units:\n      - {name: a.service, mask: true}\n      - {name: b.service, mask: true}\n",
    )]);
    let mut new = old.clone();
    new.config.storage.files.reverse();
    new.config.systemd.units.reverse();
    let d = diff(&old, &new);
    assert!(d.files.is_empty() && d.units.is_empty());
    assert!(d.files_reordered_only && d.units_reordered_only);
    let calc = calculate(&d, &policies("4.22").disruption);
    assert_eq!(calc.actions, []);
    let p = plan(&old, &new, Target::Bootc);
    assert!(p.reconcilable && p.changes.is_empty() && p.actions.is_empty() && !p.reboot && !p.drain);
}

#[test]
fn diff_directories_and_links_are_listed_with_their_kind() {
    let d = diff(
        &state(&[base()]),
        &state(&[
            base(),
            ign(
                "99-worker-x",
                "    storage:\n      directories:\n      - {path: /etc/d}\n      links:\n      - {path: /etc/l, target: /etc/base}\n",
            ),
        ]),
    );
    assert_eq!(
        d.files,
        [("/etc/d".to_string(), Op::Add, ChangeKind::Directory), ("/etc/l".to_string(), Op::Add, ChangeKind::Link)]
    );
    assert!(!d.files_differ(), "storage.files did not change: the MCO's `files` flag is false");
}

// ---------------------------------------------------------------------------------------------
// §4.3–§4.5 Actions
// ---------------------------------------------------------------------------------------------

#[test]
fn actions_default_policies_of_every_release() {
    let ca = "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt";
    let rows: &[(&str, [Vec<Action>; 4])] = &[
        (
            "/etc/containers/registries.conf",
            [vec![Action::Special], vec![Action::Special], vec![Action::Special], vec![Action::Special]],
        ),
        (
            "/etc/containers/policy.json",
            [
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
            ],
        ),
        (
            "/etc/containers/registries.d/x.yaml",
            [
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
                vec![reload("crio.service")],
            ],
        ),
        (
            "/var/lib/kubelet/config.json",
            [vec![Action::None], vec![Action::None], vec![Action::None], vec![Action::None]],
        ),
        (
            "/etc/nmstate/openshift/cluster.yml",
            [vec![Action::Reboot], vec![Action::None], vec![Action::None], vec![Action::None]],
        ),
        (
            ca,
            [
                vec![Action::Reboot],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
                vec![restart("coreos-update-ca-trust.service"), restart("crio.service")],
            ],
        ),
        (
            "/etc/crio/policies/x.json",
            [vec![Action::Reboot], vec![Action::Reboot], vec![reload("crio.service")], vec![reload("crio.service")]],
        ),
        (
            "/etc/kubernetes/credential-providers/ecr.yaml",
            [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![restart("kubelet.service")]],
        ),
        // Not a default path: the legacy flow's None does not carry over to NDP.
        (
            "/etc/kubernetes/kubelet-ca.crt",
            [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot]],
        ),
        ("/etc/chrony.conf", [vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot], vec![Action::Reboot]]),
    ];
    for (path, expected) in rows {
        for (ocp, want) in ["4.16", "4.17", "4.18", "4.22"].iter().zip(expected) {
            assert_eq!(&actions_for(ocp, &[path]), want, "{path} under {ocp}");
        }
    }
    for ocp in ["4.19", "4.20", "4.21"] {
        assert_eq!(actions_for(ocp, &["/etc/crio/policies/x.json"]), [reload("crio.service")], "{ocp} uses 4.18's");
    }
    // The one default unit policy, from 4.22 on.
    let unit = Diff { units: vec![("iri-registry.service".into(), Op::Change)], ..Diff::default() };
    assert_eq!(calculate(&unit, &policies("4.18").disruption).actions, [Action::Reboot]);
    assert_eq!(
        calculate(&unit, &policies("4.22").disruption).actions,
        [Action::DaemonReload, restart("iri-registry.service")]
    );
}

#[test]
fn actions_a_directory_rule_matches_below_it_but_not_a_sibling_prefix() {
    let policy = DisruptionPolicy {
        files: vec![file_rule("/etc/mco/f1", &[reload("a.service")], Origin::MachineConfiguration)],
        ..Default::default()
    };
    let of = |path: &str| calculate(&files_changed(&[path]), &policy).actions;
    assert_eq!(of("/etc/mco/f1"), [reload("a.service")]);
    assert_eq!(of("/etc/mco/f1/f2/x"), [reload("a.service")]);
    assert_eq!(of("/etc/mco/f1x"), [Action::Reboot]);
    let slash = DisruptionPolicy {
        files: vec![file_rule("/etc/mco/f1/", &[reload("a.service")], Origin::MachineConfiguration)],
        ..Default::default()
    };
    assert_eq!(
        calculate(&files_changed(&["/etc/mco/f1/x"]), &slash).actions,
        [reload("a.service")],
        "a trailing slash works"
    );
}

#[test]
fn actions_the_longest_policy_path_wins() {
    let policy = DisruptionPolicy {
        files: vec![
            file_rule("/etc/containers", &[Action::Drain], Origin::SitePolicy),
            file_rule("/etc/containers/registries.d", &[reload("crio.service")], Origin::Stdlib),
        ],
        ..Default::default()
    };
    let calc =
        calculate(&files_changed(&["/etc/containers/registries.d/a.yaml", "/etc/containers/storage.conf"]), &policy);
    assert_eq!(calc.per_file[0].1, [reload("crio.service")]);
    assert_eq!(calc.per_file[1].1, [Action::Drain]);
    assert_eq!(calc.actions, [reload("crio.service"), Action::Drain], "file order, each policy's order kept");
}

#[test]
fn actions_a_user_policy_replaces_a_default_in_place() {
    let mut policy = policies("4.22").disruption;
    let index = policy.files.iter().position(|r| r.path.value == "/etc/containers/policy.json").unwrap();
    policy.merge(DisruptionPolicy {
        files: vec![
            file_rule("/etc/containers/policy.json", &[restart("crio.service")], Origin::MachineConfiguration),
            file_rule("/etc/chrony.conf", &[restart("chronyd.service")], Origin::MachineConfiguration),
        ],
        units: vec![UnitRule {
            name: Spanned::new("chronyd.service".into(), span()),
            actions: vec![Spanned::new(restart("chronyd.service"), span())],
            span: span(),
            origin: Origin::MachineConfiguration,
        }],
        sshkey: None,
    });
    assert_eq!(policy.files[index].path.value, "/etc/containers/policy.json", "same index");
    assert_eq!(policy.files[index].origin, Origin::MachineConfiguration);
    assert_eq!(policy.files.last().unwrap().path.value, "/etc/chrony.conf", "others are appended");
    let d = Diff {
        units: vec![("chronyd.service".into(), Op::Change)],
        ..files_changed(&["/etc/chrony.conf", "/etc/containers/policy.json"])
    };
    assert_eq!(
        calculate(&d, &policy).actions,
        [restart("chronyd.service"), restart("crio.service"), restart("chronyd.service")],
        "files by path, then units; no de-duplication"
    );
}

#[test]
fn actions_reboot_wins_alone() {
    assert_eq!(combine(vec![reload("crio.service"), Action::Reboot, Action::None]), [Action::Reboot]);
    // An unmatched file makes the whole result [Reboot] at once.
    let calc =
        calculate(&files_changed(&["/etc/chrony.conf", "/etc/containers/policy.json"]), &policies("4.22").disruption);
    assert_eq!(calc.actions, [Action::Reboot]);
    assert_eq!(calc.reboot_cause.as_deref(), Some("/etc/chrony.conf has no disruption policy"));
    assert_eq!(calc.per_file[1].1, [reload("crio.service")], "each file keeps its own policy");
}

#[test]
fn actions_none_is_dropped_beside_other_actions() {
    assert_eq!(combine(vec![Action::None, reload("crio.service"), Action::None]), [reload("crio.service")]);
    assert_eq!(
        actions_for("4.22", &["/var/lib/kubelet/config.json", "/etc/containers/policy.json"]),
        [reload("crio.service")]
    );
}

#[test]
fn actions_all_none_is_one_none() {
    assert_eq!(combine(vec![Action::None, Action::None]), [Action::None]);
    assert_eq!(actions_for("4.22", &["/var/lib/kubelet/config.json", "/etc/nmstate/openshift/a.yml"]), [Action::None]);
}

#[test]
fn actions_are_not_deduplicated() {
    assert_eq!(
        actions_for("4.22", &["/etc/containers/policy.json", "/etc/containers/registries.d/a.yaml"]),
        [reload("crio.service"), reload("crio.service")]
    );
    assert_eq!(combine(vec![Action::DaemonReload, Action::DaemonReload]), [Action::DaemonReload, Action::DaemonReload]);
}

#[test]
fn actions_order_only_changes_give_an_empty_list() {
    let d = Diff { files_reordered_only: true, units_reordered_only: true, ..Diff::default() };
    assert_eq!(calculate(&d, &policies("4.22").disruption).actions, []);
    assert_eq!(combine(vec![]), []);
}

#[test]
fn actions_nothing_the_policies_cover_changed_gives_none() {
    assert_eq!(calculate(&Diff::default(), &policies("4.22").disruption).actions, [Action::None]);
}

#[test]
fn actions_an_ssh_key_change_follows_the_sshkey_policy_default_none() {
    let user = |keys: &str| {
        ign(
            "99-worker-ssh",
            &format!("    passwd:\n      users:\n      - {{name: core, sshAuthorizedKeys: [{keys}]}}\n"),
        )
    };
    let old = state(&[base(), user("key-1")]);
    let new = state(&[base(), user("key-1, key-2")]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.actions, [Action::None]);
    assert!(!p.reboot && !p.drain && !p.rebuild);
    let change = &p.changes[0];
    assert_eq!(
        (change.kind, change.name.as_str(), change.placement),
        (ChangeKind::Passwd, "core", Placement::Rebootless)
    );
    assert_eq!(change.sources, ["99-worker-ssh"]);

    let mut p22 = policies("4.22");
    p22.disruption.merge(DisruptionPolicy {
        sshkey: Some(SshKeyRule {
            actions: vec![Spanned::new(Action::Drain, span())],
            span: span(),
            origin: Origin::MachineConfiguration,
        }),
        ..Default::default()
    });
    let p = plan_with(Some(&old), Some(&new), &p22, Target::Bootc, &[]);
    assert_eq!(p.actions, [Action::Drain]);
    assert!(p.drain && !p.reboot);
}

#[test]
fn actions_a_password_hash_only_change_follows_the_sshkey_policy() {
    let user = |hash: &str| {
        ign("99-worker-pw", &format!("    passwd:\n      users:\n      - {{name: core, passwordHash: '{hash}'}}\n"))
    };
    let p = plan(&state(&[base(), user("$6$a")]), &state(&[base(), user("$6$b")]), Target::Legacy);
    assert!(p.reconcilable);
    assert_eq!(p.actions, [Action::None]);
    assert_eq!(p.changes.iter().map(|c| c.kind).collect::<Vec<_>>(), [ChangeKind::Passwd]);
}

#[test]
fn actions_spec_fields_always_reboot_whatever_the_policy() {
    // A file with a rebootless policy changes alongside: the spec field still reboots.
    let registries = |search: &str| {
        text_file(
            "99-worker-reg",
            "/etc/containers/registries.conf",
            &format!("unqualified-search-registries = [{search}]\n"),
        )
    };
    let old = state(&[base(), registries("\"quay.io\"")]);
    for (field, yaml, kind, reason) in [
        (
            "kargs",
            "  kernelArguments: [nosmt]",
            ChangeKind::KernelArguments,
            "kernel arguments changed: the MCO always reboots",
        ),
        (
            "extensions",
            "  extensions: [usbguard]",
            ChangeKind::Extensions,
            "extensions changed: the MCO always reboots",
        ),
        (
            "kernelType",
            "  kernelType: realtime",
            ChangeKind::KernelType,
            "the kernel type changed: the MCO always reboots",
        ),
        (
            "osImageURL",
            "  osImageURL: quay.io/example/os@sha256:1111111111111111111111111111111111111111111111111111111111111111",
            ChangeKind::OsImageUrl,
            "the OS image (osImageURL) changed: the MCO always reboots",
        ),
    ] {
        let new = state(&[base(), registries("\"quay.io\", \"docker.io\""), spec("99-worker-spec", yaml)]);
        let p = plan(&old, &new, Target::Legacy);
        assert_eq!(p.actions, [Action::Reboot], "{field}");
        assert!(p.reboot && p.drain, "{field}");
        let change = p.changes.iter().find(|c| c.kind == kind).unwrap();
        assert_eq!(change.actions, [Action::Reboot]);
        assert_eq!(change.reason.as_deref(), Some(reason));
        assert_eq!(change.sources, ["99-worker-spec"], "{field}");
        assert_eq!(p.reboot_reason, Some(format!("99-worker-spec: {reason}")));
        let reg = p.changes.iter().find(|c| c.name == "/etc/containers/registries.conf").unwrap();
        assert_eq!(reg.actions, [Action::Special], "its own policy is still shown");
        assert_eq!(reg.reason, None);
    }
}

#[test]
fn actions_changes_come_in_order_files_units_passwd_spec() {
    let old = state(&[base()]);
    let new = state(&[
        files(BASE, &[("/etc/base", "2"), ("/etc/a", "a")]),
        units("99-worker-u", "      - {name: z.service, mask: true}\n"),
        ign("99-worker-ssh", "    passwd:\n      users:\n      - {name: core, sshAuthorizedKeys: [k]}\n"),
        spec("99-worker-k", "  kernelArguments: [a]\n  kernelType: realtime"),
    ]);
    let p = plan(&old, &new, Target::Legacy);
    let names: Vec<_> = p.changes.iter().map(|c| (c.op, c.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (Op::Add, "/etc/a"),
            (Op::Change, "/etc/base"),
            (Op::Add, "z.service"),
            (Op::Add, "core"),
            (Op::Add, "kernelArguments"),
            (Op::Change, "kernelType"),
        ]
    );
    assert_eq!(
        p.reboot_reason.as_deref(),
        Some("00-worker-base: /etc/a has no disruption policy"),
        "the first culprit"
    );
}

#[test]
fn actions_rule_locations_are_filled_on_request() {
    let (policies, sources) = policies_for(Profile::Rhcos, "4.22");
    let old = state(&[base()]);
    let new =
        state(&[base(), files("99-worker-x", &[("/etc/containers/policy.json", "x"), ("/etc/chrony.conf", "x")])]);
    let mut p = plan_with(Some(&old), Some(&new), &policies, Target::Legacy, &[]);
    assert!(p.changes.iter().all(|c| c.rule.is_none()));
    fill_rules(&mut p, &policies.disruption, &sources);
    let rules: Vec<_> = p.changes.iter().map(|c| c.rule.clone()).collect();
    assert_eq!(rules[0], None, "/etc/chrony.conf has no rule");
    assert!(rules[1].as_deref().is_some_and(|r| r.starts_with("stdlib/disruption/ocp-4.22.mcc:")), "{rules:?}");
}

// ---------------------------------------------------------------------------------------------
// §4.6 registries.conf and the drain
// ---------------------------------------------------------------------------------------------

fn safe(old: &str, new: &str) -> bool {
    is_safe_change(Some(old), Some(new)).unwrap()
}

const REGISTRY: &str = r#"
unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]

[[registry]]
prefix = ""
location = "quay.io/openshift"
mirror-by-digest-only = false

[[registry.mirror]]
location = "mirror.example.com/openshift"
pull-from-mirror = "digest-only"
"#;

#[test]
fn registries_appending_a_search_registry_is_safe() {
    // TestNodeDisruptionPolicySpecialAction: appending test.io gives "Drain calculated … false".
    let new = REGISTRY.replace("\"docker.io\"]", "\"docker.io\", \"test.io\"]");
    assert!(safe(REGISTRY, &new));
    assert!(!safe(&new, REGISTRY), "going back removes one: drain");
}

#[test]
fn registries_reordering_search_registries_is_unsafe() {
    let new = REGISTRY
        .replace(r#"["registry.access.redhat.com", "docker.io"]"#, r#"["docker.io", "registry.access.redhat.com"]"#);
    assert!(!safe(REGISTRY, &new));
}

#[test]
fn registries_adding_a_digest_only_mirror_is_safe() {
    let new = format!(
        "{REGISTRY}\n[[registry.mirror]]\nlocation = \"second.example.com/openshift\"\npull-from-mirror = \"digest-only\"\n"
    );
    assert!(safe(REGISTRY, &new));
}

#[test]
fn registries_adding_a_mirror_without_digest_only_is_unsafe() {
    let new = format!("{REGISTRY}\n[[registry.mirror]]\nlocation = \"second.example.com/openshift\"\n");
    assert!(!safe(REGISTRY, &new));
    let tag = format!(
        "{REGISTRY}\n[[registry.mirror]]\nlocation = \"second.example.com/openshift\"\npull-from-mirror = \"tag-only\"\n"
    );
    assert!(!safe(REGISTRY, &tag));
    // …unless the registry itself is mirror-by-digest-only.
    let by_registry = format!(
        "{}\n[[registry.mirror]]\nlocation = \"second.example.com/openshift\"\n",
        REGISTRY.replace("mirror-by-digest-only = false", "mirror-by-digest-only = true")
    );
    let old_by_registry = REGISTRY.replace("mirror-by-digest-only = false", "mirror-by-digest-only = true");
    assert!(safe(&old_by_registry, &by_registry));
}

#[test]
fn registries_adding_a_registry_with_mirror_by_digest_only_is_safe() {
    let added =
        format!("{REGISTRY}\n[[registry]]\nlocation = \"registry.example.com\"\nmirror-by-digest-only = true\n");
    assert!(safe(REGISTRY, &added));
    let mirrors_digest_only = format!(
        "{REGISTRY}\n[[registry]]\nlocation = \"registry.example.com\"\n[[registry.mirror]]\nlocation = \"m.example.com\"\npull-from-mirror = \"digest-only\"\n"
    );
    assert!(safe(REGISTRY, &mirrors_digest_only));
    // allDigestOnlyMirror: with mirrors, each must be digest-only; the registry's flag is not enough.
    let flag_with_mirror = format!(
        "{REGISTRY}\n[[registry]]\nlocation = \"registry.example.com\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.example.com\"\n"
    );
    assert!(!safe(REGISTRY, &flag_with_mirror));
    let plain = format!("{REGISTRY}\n[[registry]]\nlocation = \"registry.example.com\"\n");
    assert!(!safe(REGISTRY, &plain));
}

#[test]
fn registries_removing_a_registry_or_a_mirror_is_unsafe() {
    let without_registry = "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n";
    assert!(!safe(REGISTRY, without_registry));
    let without_mirror = REGISTRY.split("[[registry.mirror]]").next().unwrap().to_string();
    assert!(!safe(REGISTRY, &without_mirror));
}

#[test]
fn registries_changing_blocked_insecure_or_location_is_unsafe() {
    let keyed = REGISTRY.replace("prefix = \"\"", "prefix = \"quay.io/openshift\"");
    for (what, new) in [
        ("blocked", keyed.replace("mirror-by-digest-only = false", "mirror-by-digest-only = false\nblocked = true")),
        ("insecure", keyed.replace("mirror-by-digest-only = false", "mirror-by-digest-only = false\ninsecure = true")),
        ("location", keyed.replace("location = \"quay.io/openshift\"", "location = \"quay.example.com/openshift\"")),
    ] {
        assert!(!safe(&keyed, &new), "{what}");
    }
    // Without a prefix the location is the key: a new location is a removed registry.
    assert!(!safe(
        REGISTRY,
        &REGISTRY.replace("location = \"quay.io/openshift\"", "location = \"quay.example.com/x\"")
    ));
}

#[test]
fn registries_a_missing_file_counts_as_empty() {
    assert!(is_safe_change(None, None).unwrap());
    assert!(is_safe_change(None, Some("unqualified-search-registries = [\"quay.io\"]")).unwrap());
    assert!(!is_safe_change(Some(REGISTRY), None).unwrap());
}

#[test]
fn registries_not_toml_is_an_error() {
    for bad in [
        "unqualified-search-registries = [",
        "this is not toml",
        "unqualified-search-registries = \"quay.io\"",
        "[registry]\nlocation = \"quay.io\"",
        "[[registry]]\nlocation = \"quay.io\"\nblocked = \"yes\"",
    ] {
        let error = is_safe_change(Some(REGISTRY), Some(bad)).unwrap_err();
        assert!(
            error.starts_with("failed decoding TOML content from file /etc/containers/registries.conf"),
            "{bad}: {error}"
        );
        assert!(is_safe_change(Some(bad), Some(REGISTRY)).is_err(), "{bad}");
    }
    assert!(safe(REGISTRY, &format!("{REGISTRY}\nunknown-key = 1\n")), "keys the MCO does not know are ignored");
}

#[test]
fn registries_special_resolves_to_reload_crio_and_drains_only_when_unsafe() {
    let conf = |search: &str| {
        text_file(
            "99-worker-reg",
            "/etc/containers/registries.conf",
            &format!("unqualified-search-registries = [{search}]\n"),
        )
    };
    let before = state(&[base(), conf("\"quay.io\"")]);
    let appended = state(&[base(), conf("\"quay.io\", \"test.io\"")]);
    let p = plan(&before, &appended, Target::Bootc);
    assert_eq!(p.actions, [reload("crio.service")]);
    assert_eq!(p.changes[0].actions, [Action::Special], "the change keeps its policy's own action");
    assert_eq!(p.changes[0].placement, Placement::Rebootless);
    assert!(!p.drain && !p.reboot && !p.rebuild);
    let back = plan(&appended, &before, Target::Bootc);
    assert_eq!(back.actions, [reload("crio.service")]);
    assert!(back.drain && !back.reboot);
}

#[test]
fn registries_not_toml_fails_the_plan() {
    let before = state(&[
        base(),
        text_file(
            "99-worker-reg",
            "/etc/containers/registries.conf",
            "unqualified-search-registries = [\"quay.io\"]\n",
        ),
    ]);
    let broken = state(&[
        base(),
        text_file("99-worker-reg", "/etc/containers/registries.conf", "unqualified-search-registries = [\n"),
    ]);
    let p = plan(&before, &broken, Target::Legacy);
    assert_eq!(codes(&p.errors), ["MCC4014"]);
    assert!(p.reconcilable, "reconcilable: the update fails later, on the node");
    assert!(p.actions.is_empty() && !p.drain && !p.reboot);
}

// ---------------------------------------------------------------------------------------------
// Image mode: rebuilds
// ---------------------------------------------------------------------------------------------

#[test]
fn image_an_etc_file_rebuilds_under_bootc_but_not_under_legacy() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-chrony", &[("/etc/chrony.conf", "server%20x")])]);
    let bootc = plan(&old, &new, Target::Bootc);
    assert!(bootc.rebuild && bootc.reboot && bootc.drain);
    assert_eq!(bootc.actions, [Action::Reboot]);
    assert_eq!(bootc.changes[0].placement, Placement::Etc);
    assert_eq!(bootc.reboot_reason.as_deref(), Some("99-worker-chrony: /etc/chrony.conf has no disruption policy"));
    let rpm = plan(&old, &new, Target::RpmOstree);
    assert!(rpm.rebuild);
    let legacy = plan(&old, &new, Target::Legacy);
    assert!(!legacy.rebuild && legacy.reboot && legacy.drain);
    assert_eq!(legacy.actions, [Action::Reboot]);
}

#[test]
fn image_node_side_changes_do_not_rebuild() {
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-kubelet", &[("/var/lib/kubelet/config.json", "%7B%7D")])]);
    let p = plan(&old, &new, Target::Bootc);
    assert_eq!(p.changes[0].placement, Placement::Var);
    assert!(!p.rebuild && !p.reboot && !p.drain);
    assert_eq!(p.actions, [Action::None]);
}

#[test]
fn image_a_rebootless_policy_overridden_by_image_mode_says_so() {
    let (policies, _) = policies_for(Profile::FedoraBootc, "4.22");
    let path = "/usr/local/bin/load-registry-image.sh";
    let old = state(&[base()]);
    let new = state(&[base(), files("99-worker-iri", &[(path, "x")])]);
    let bootc = plan_with(Some(&old), Some(&new), &policies, Target::Bootc, &[]);
    let change = &bootc.changes[0];
    assert_eq!(change.placement, Placement::Image);
    assert_eq!(change.actions, [restart("iri-registry.service")], "its own policy");
    let reason = format!(
        "image mode bakes {path} into the image: a change rebuilds and reboots, although its policy is restart iri-registry.service"
    );
    assert_eq!(change.reason.as_deref(), Some(reason.as_str()));
    assert!(bootc.rebuild && bootc.reboot);
    assert_eq!(bootc.actions, [Action::Reboot], "a new image is an OS update");
    assert_eq!(bootc.reboot_reason, Some(format!("99-worker-iri: {reason}")));
    let legacy = plan_with(Some(&old), Some(&new), &policies, Target::Legacy, &[]);
    assert!(!legacy.rebuild && !legacy.reboot);
    assert_eq!(legacy.actions, [restart("iri-registry.service")]);
    assert_eq!(legacy.changes[0].reason, None);
}

#[test]
fn image_spec_fields_rebuild_and_kernel_arguments_only_under_bootc() {
    let old = state(&[base()]);
    let kargs = state(&[base(), spec("99-worker-k", "  kernelArguments: [nosmt]")]);
    assert!(plan(&old, &kargs, Target::Bootc).rebuild);
    let rpm = plan(&old, &kargs, Target::RpmOstree);
    assert!(!rpm.rebuild && rpm.reboot, "rpm-ostree applies kernel arguments on the node, and reboots");
    for yaml in ["  extensions: [usbguard]", "  kernelType: realtime"] {
        let new = state(&[base(), spec("99-worker-k", yaml)]);
        assert!(plan(&old, &new, Target::RpmOstree).rebuild, "{yaml}");
        assert!(!plan(&old, &new, Target::Legacy).rebuild, "{yaml}");
    }
}

// ---------------------------------------------------------------------------------------------
// The pool as a whole
// ---------------------------------------------------------------------------------------------

#[test]
fn pool_an_unchanged_pool_has_no_changes_and_no_actions() {
    let old = state(&[base(), files("99-worker-x", &[("/etc/x", "x")])]);
    let new = state(&[base(), files("99-worker-x", &[("/etc/x", "x")])]);
    let p = plan(&old, &new, Target::Bootc);
    assert!(p.reconcilable && p.errors.is_empty() && p.changes.is_empty() && p.actions.is_empty());
    assert!(!p.rebuild && !p.reboot && !p.drain && p.reboot_reason.is_none());
    assert_eq!(p.from, p.to);
}

#[test]
fn pool_a_first_install_adds_everything_and_skips_reconcilability() {
    let mut new = state(&[
        base(),
        ign("99-worker-dir", "    storage:\n      directories:\n      - {path: /etc/d}\n"),
        ign("99-worker-disk", DISK),
    ]);
    // The cluster's default image (`--base-image`), which the tests' renderings leave empty.
    new.os_image_url =
        "quay.io/openshift/os@sha256:2222222222222222222222222222222222222222222222222222222222222222".into();
    let p = plan_with(None, Some(&new), &policies("4.22"), Target::Legacy, &[]);
    assert!(p.reconcilable && p.errors.is_empty());
    assert_eq!(p.from, None);
    assert!(p.changes.iter().all(|c| c.op == Op::Add));
    assert_eq!(p.changes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["/etc/base", "/etc/d", "osImageURL"]);
    assert_eq!(p.actions, [Action::Reboot]);
    assert_eq!(p.reboot_reason.as_deref(), Some("00-worker-base: /etc/base has no disruption policy"));
    assert!(plan_with(None, Some(&new), &policies("4.22"), Target::Bootc, &[]).rebuild);
}

#[test]
fn pool_a_removed_pool_has_an_empty_plan() {
    let old = state(&[base()]);
    let p = plan_with(Some(&old), None, &policies("4.22"), Target::Bootc, &[]);
    assert_eq!((p.from.is_some(), p.to.is_none()), (true, true));
    assert!(p.changes.is_empty() && p.actions.is_empty() && p.reconcilable);
}

#[test]
fn pool_a_cluster_export_has_no_sources() {
    let mut old = state(&[base()]);
    let mut new = state(&[base(), files("99-worker-chrony", &[("/etc/chrony.conf", "x")])]);
    old.sources.clear();
    new.sources.clear();
    let p = plan(&old, &new, Target::Legacy);
    assert!(p.changes[0].sources.is_empty());
    assert_eq!(p.reboot_reason.as_deref(), Some("/etc/chrony.conf has no disruption policy"));
}
