//! Tests of the stdlib: it parses for every profile and release, every default Node Disruption
//! Policy entry of every release has its actions asserted, the layouts resolve every link and
//! reject, and site files take precedence as documented.

use super::*;
use crate::policy::disruption::{Action, REGISTRIES_CONF};
use crate::policy::layout::{Decision, Place};
use crate::policy::lint::{EntryFacts, EntryKind, LintLevel, Placement};

fn stdlib(profile: Profile, ocp: &str) -> (Policies, Sources, Vec<Diagnostic>) {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let policies = load(profile, OcpVersion::parse(ocp).unwrap(), &mut sources, &mut diagnostics);
    (policies, sources, diagnostics)
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.code).collect()
}

// ---------------------------------------------------------------------------------------------
// The stdlib parses

#[test]
fn every_stdlib_file_parses_on_its_own() {
    for (name, text) in FILES {
        let mut sources = Sources::default();
        let id = sources.add(*name, text);
        let mut diagnostics = Vec::new();
        let file = parse::parse(id, text, &mut diagnostics);
        assert!(file.is_some() && diagnostics.is_empty(), "{name}: {diagnostics:#?}");
    }
}

#[test]
fn the_stdlib_loads_without_diagnostics_for_every_profile_and_release() {
    for profile in Profile::ALL {
        for ocp in ["4.16", "4.17", "4.18", "4.19", "4.20", "4.21", "4.22", "4.23", "5.0"] {
            let (policies, _, diagnostics) = stdlib(profile, ocp);
            assert!(diagnostics.is_empty(), "{profile} {ocp}: {diagnostics:#?}");
            assert_eq!(policies.layout.name, profile.name());
            assert!(!policies.layout.links.is_empty() && !policies.layout.places.is_empty());
            assert!(!policies.disruption.files().is_empty(), "{ocp}");
            assert!(policies.disruption.sshkey.is_some(), "{ocp}");
            assert_eq!(policies.lints.len(), 6);
            // Every profile has the relocate rules it inherits from rhcos.
            assert!(policies.layout.relocations.len() >= 20, "{profile}");
            let origins = policies.disruption.files().iter().map(|r| r.origin);
            assert!(origins.chain(policies.layout.links.iter().map(|l| l.origin)).all(|o| o == Origin::Stdlib));
        }
    }
}

#[test]
fn the_defaults_file_follows_the_release() {
    let file = |v: &str| OcpVersion::parse(v).unwrap().defaults_file();
    assert_eq!(file("4.16"), "stdlib/disruption/ocp-4.16.mcc");
    assert_eq!(file("4.17.12"), "stdlib/disruption/ocp-4.17.mcc");
    for v in ["4.18", "4.19", "4.20", "v4.21"] {
        assert_eq!(file(v), "stdlib/disruption/ocp-4.18.mcc", "{v}");
    }
    for v in ["4.22", "4.23", "5.0"] {
        assert_eq!(file(v), "stdlib/disruption/ocp-4.22.mcc", "{v}");
    }
    assert_eq!(OcpVersion::default().defaults_file(), "stdlib/disruption/ocp-4.22.mcc", "the newest by default");
    assert_eq!(OcpVersion::default().to_string(), "4.22");
    assert!(OcpVersion::parse("4.15").unwrap_err().contains("no Node Disruption Policy"));
    for bad in ["", "4", "four.16", "4.16.x", "4.16.1.2", "4..16"] {
        assert!(OcpVersion::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!("fedora-bootc".parse::<Profile>(), Ok(Profile::FedoraBootc));
    assert_eq!(Profile::default(), Profile::Rhcos);
    assert!("rhel".parse::<Profile>().is_err());
}

// ---------------------------------------------------------------------------------------------
// The MCO's default Node Disruption Policy, release by release (spec/mco.md §4.4)

fn reload(s: &str) -> Action {
    Action::Reload(s.into())
}

fn restart(s: &str) -> Action {
    Action::Restart(s.into())
}

const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.json";
const GPG: &str = "/etc/machine-config-daemon/no-reboot/containers-gpg.pub";
const POLICY_JSON: &str = "/etc/containers/policy.json";
const REGISTRIES_D: &str = "/etc/containers/registries.d";
const CRIO_POLICIES: &str = "/etc/crio/policies";
const NMSTATE: &str = "/etc/nmstate/openshift";
const USER_CA: &str = "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt";
const CREDENTIAL_PROVIDERS: &str = "/etc/kubernetes/credential-providers";
const CRIO_CREDENTIAL_DROPIN: &str =
    "/etc/systemd/system/kubelet.service.d/40-kubelet-crio-image-credential-provider.conf";
const IRI_REGISTRY: &str = "/etc/iri-registry";
const LOAD_REGISTRY_IMAGE: &str = "/usr/local/bin/load-registry-image.sh";
const IRI_ROOT_CA: &str = "/etc/pki/ca-trust/source/anchors/iri-root-ca.crt";

fn values(actions: &[crate::load::reader::Spanned<Action>]) -> Vec<Action> {
    actions.iter().map(|a| a.value.clone()).collect()
}

/// Checks a release's whole policy: the file rules in list order with their actions, each found
/// by `match_file` for the path itself and (directory rules) for a file below it, the unit rules
/// through `match_unit`, and `sshkey`.
fn assert_defaults(ocp: &str, files: &[(&str, Vec<Action>)], directories: &[&str], units: &[(&str, Vec<Action>)]) {
    let (policies, _, diagnostics) = stdlib(Profile::Rhcos, ocp);
    assert!(diagnostics.is_empty());
    let policy = &policies.disruption;
    let listed: Vec<&str> = policy.files().iter().map(|r| r.path.value.as_str()).collect();
    let expected: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    assert_eq!(listed, expected, "{ocp}: the file rules, in the MCO's list order");
    for (path, actions) in files {
        let rule = policy.match_file(path).unwrap_or_else(|| panic!("{ocp}: no rule for {path}"));
        assert_eq!(&values(&rule.actions), actions, "{ocp}: {path}");
        assert_eq!(rule.path.value, *path);
        if directories.contains(path) {
            let below = format!("{path}/some/file.conf");
            let rule = policy.match_file(&below).unwrap_or_else(|| panic!("{ocp}: nothing for {below}"));
            assert_eq!(rule.path.value, *path, "{ocp}: {below} falls under the directory rule");
        }
    }
    let listed: Vec<&str> = policy.units().iter().map(|r| r.name.value.as_str()).collect();
    let expected: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
    assert_eq!(listed, expected, "{ocp}: the unit rules");
    for (unit, actions) in units {
        let rule = policy.match_unit(unit).unwrap_or_else(|| panic!("{ocp}: no rule for {unit}"));
        assert_eq!(&values(&rule.actions), actions, "{ocp}: {unit}");
    }
    assert_eq!(values(&policy.sshkey.as_ref().unwrap().actions), [Action::None], "{ocp}: sshkey");
    // What no default covers reboots: no rule matches it.
    for uncovered in ["/etc/chrony.conf", "/etc/containers/storage.conf", "/etc/kubernetes/kubelet-ca.crt"] {
        assert!(policy.match_file(uncovered).is_none(), "{ocp}: {uncovered}");
    }
    assert!(policy.match_unit("crio.service").is_none(), "{ocp}");
}

#[test]
fn ocp_4_16_defaults() {
    assert_defaults(
        "4.16",
        &[
            (KUBELET_CONFIG, vec![Action::None]),
            (GPG, vec![reload("crio.service")]),
            (POLICY_JSON, vec![reload("crio.service")]),
            (REGISTRIES_CONF, vec![Action::Special]),
            // 4.16's daemon hard-coded this for files directly inside the directory.
            (REGISTRIES_D, vec![reload("crio.service")]),
        ],
        &[REGISTRIES_D],
        &[],
    );
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.16");
    assert!(policies.disruption.match_file("/etc/nmstate/openshift/x.yaml").is_none(), "not before 4.17");
}

#[test]
fn ocp_4_17_defaults() {
    assert_defaults(
        "4.17",
        &[
            (KUBELET_CONFIG, vec![Action::None]),
            (GPG, vec![reload("crio.service")]),
            (POLICY_JSON, vec![reload("crio.service")]),
            (REGISTRIES_CONF, vec![Action::Special]),
            (REGISTRIES_D, vec![reload("crio.service")]),
            (NMSTATE, vec![Action::None]),
            (USER_CA, vec![restart("coreos-update-ca-trust.service"), restart("crio.service")]),
        ],
        &[REGISTRIES_D, NMSTATE],
        &[],
    );
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.17");
    assert!(policies.disruption.match_file("/etc/crio/policies/a.json").is_none(), "not before 4.18");
}

#[test]
fn ocp_4_18_to_4_21_defaults() {
    for ocp in ["4.18", "4.19", "4.20", "4.21"] {
        assert_defaults(
            ocp,
            &[
                (KUBELET_CONFIG, vec![Action::None]),
                (GPG, vec![reload("crio.service")]),
                (POLICY_JSON, vec![reload("crio.service")]),
                (REGISTRIES_CONF, vec![Action::Special]),
                (REGISTRIES_D, vec![reload("crio.service")]),
                (CRIO_POLICIES, vec![reload("crio.service")]),
                (NMSTATE, vec![Action::None]),
                (USER_CA, vec![restart("coreos-update-ca-trust.service"), restart("crio.service")]),
            ],
            &[REGISTRIES_D, CRIO_POLICIES, NMSTATE],
            &[],
        );
    }
}

#[test]
fn ocp_4_22_and_later_defaults() {
    for ocp in ["4.22", "4.23", "5.0"] {
        assert_defaults(
            ocp,
            &[
                (KUBELET_CONFIG, vec![Action::None]),
                (GPG, vec![reload("crio.service")]),
                (POLICY_JSON, vec![reload("crio.service")]),
                (REGISTRIES_CONF, vec![Action::Special]),
                (REGISTRIES_D, vec![reload("crio.service")]),
                (CRIO_POLICIES, vec![reload("crio.service")]),
                (NMSTATE, vec![Action::None]),
                (USER_CA, vec![restart("coreos-update-ca-trust.service"), restart("crio.service")]),
                (CREDENTIAL_PROVIDERS, vec![restart("kubelet.service")]),
                (CRIO_CREDENTIAL_DROPIN, vec![Action::DaemonReload, restart("kubelet.service")]),
                (IRI_REGISTRY, vec![restart("iri-registry.service")]),
                (LOAD_REGISTRY_IMAGE, vec![restart("iri-registry.service")]),
                (IRI_ROOT_CA, vec![restart("coreos-update-ca-trust.service")]),
            ],
            &[REGISTRIES_D, CRIO_POLICIES, NMSTATE, CREDENTIAL_PROVIDERS, IRI_REGISTRY],
            &[("iri-registry.service", vec![Action::DaemonReload, restart("iri-registry.service")])],
        );
    }
}

#[test]
fn the_two_ca_rules_do_not_shadow_each_other() {
    // Both live in one directory; neither is a prefix of the other.
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.22");
    let user = policies.disruption.match_file(USER_CA).unwrap();
    let iri = policies.disruption.match_file(IRI_ROOT_CA).unwrap();
    assert_ne!(user.span, iri.span);
    assert!(policies.disruption.match_file("/etc/pki/ca-trust/source/anchors/other.crt").is_none());
}

// ---------------------------------------------------------------------------------------------
// Layouts (spec/image-mode.md §1.3, §10)

/// (resolved path, `image`/`etc`/`var` or `reject`).
fn place(policies: &Policies, path: &str) -> (String, &'static str) {
    let placement = policies.layout.place(path);
    let decision = match placement.decision.unwrap_or_else(|| panic!("no rule for {path}")) {
        Decision::Place(rule) => rule.place.name(),
        Decision::Reject(rule) => {
            assert!(rule.reason.as_ref().is_some_and(|r| !r.value.is_empty()), "{path}: a reason");
            "reject"
        }
    };
    (placement.resolved.path, decision)
}

/// The paths every profile places alike.
const COMMON: &[(&str, &str, &str)] = &[
    ("/home/core/.ssh/authorized_keys", "/var/home/core/.ssh/authorized_keys", "var"),
    ("/root/.bashrc", "/var/roothome/.bashrc", "var"),
    ("/srv/www/index.html", "/var/srv/www/index.html", "var"),
    ("/mnt/data", "/var/mnt/data", "var"),
    ("/media/usb/x", "/run/media/usb/x", "reject"),
    ("/bin/tool", "/usr/bin/tool", "image"),
    ("/sbin/tool", "/usr/sbin/tool", "image"),
    ("/lib/udev/rules.d/99.rules", "/usr/lib/udev/rules.d/99.rules", "image"),
    ("/lib64/libx.so", "/usr/lib64/libx.so", "image"),
    ("/var/run/x.pid", "/run/x.pid", "reject"),
    ("/usr/lib/systemd/system/x.service", "/usr/lib/systemd/system/x.service", "image"),
    ("/usr/share/x", "/usr/share/x", "image"),
    ("/etc/chrony.conf", "/etc/chrony.conf", "etc"),
    ("/etc", "/etc", "etc"),
    ("/var/lib/kubelet/config.json", "/var/lib/kubelet/config.json", "var"),
    ("/afs/x", "/afs/x", "image"),
    // The reject list.
    ("/usr/etc/chrony.conf", "/usr/etc/chrony.conf", "reject"),
    ("/boot/loader/entries/x.conf", "/boot/loader/entries/x.conf", "reject"),
    ("/sysroot/ostree/repo", "/sysroot/ostree/repo", "reject"),
    ("/ostree/repo/config", "/ostree/repo/config", "reject"),
    ("/proc/sys/vm/x", "/proc/sys/vm/x", "reject"),
    ("/sys/kernel/mm/x", "/sys/kernel/mm/x", "reject"),
    ("/dev/x", "/dev/x", "reject"),
    ("/run/x", "/run/x", "reject"),
    ("/tmp/x", "/tmp/x", "reject"),
    ("/media", "/run/media", "reject"),
];

fn assert_layout(profile: Profile, specific: &[(&str, &str, &str)]) {
    let (policies, _, _) = stdlib(profile, "4.22");
    for (path, resolved, decision) in COMMON.iter().chain(specific) {
        assert_eq!(place(&policies, path), (resolved.to_string(), *decision), "{profile}: {path}");
    }
}

#[test]
fn rhcos_layout() {
    assert_layout(
        Profile::Rhcos,
        &[
            ("/opt", "/var/opt", "var"),
            ("/opt/app/bin/x", "/var/opt/app/bin/x", "var"),
            ("/opt/cni", "/usr/lib/opt/cni", "image"),
            ("/opt/cni/bin/bridge", "/usr/lib/opt/cni/bin/bridge", "image"),
            ("/opt/cnix/a", "/var/opt/cnix/a", "var"),
            ("/usr/local/bin/x", "/var/usrlocal/bin/x", "var"),
            ("/usr/localx/a", "/usr/localx/a", "image"),
        ],
    );
    // The links followed are named, in order: /opt/cni is the longest match.
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.22");
    let resolved = policies.layout.resolve("/opt/cni/bin/x");
    let links: Vec<&str> = resolved.links.iter().map(|l| l.from.value.as_str()).collect();
    assert_eq!(links, ["/opt/cni"]);
}

#[test]
fn fcos_layout_has_no_cni_link() {
    assert_layout(
        Profile::Fcos,
        &[
            ("/opt/cni/bin/bridge", "/var/opt/cni/bin/bridge", "var"),
            ("/opt/app", "/var/opt/app", "var"),
            ("/usr/local/bin/x", "/var/usrlocal/bin/x", "var"),
        ],
    );
}

#[test]
fn fedora_bootc_keeps_a_real_opt_and_usr_local() {
    assert_layout(
        Profile::FedoraBootc,
        &[
            ("/opt", "/opt", "image"),
            ("/opt/app/bin/x", "/opt/app/bin/x", "image"),
            ("/opt/cni/bin/bridge", "/opt/cni/bin/bridge", "image"),
            ("/usr/local/bin/x", "/usr/local/bin/x", "image"),
        ],
    );
}

#[test]
fn the_layout_places_are_the_three_of_the_model() {
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.22");
    let places: std::collections::BTreeSet<Place> = policies.layout.places.iter().map(|r| r.place).collect();
    assert_eq!(places.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Site files and precedence

fn with_sites(profile: Profile, sites: &[&str]) -> (Policies, Sources, Vec<Diagnostic>) {
    let (mut policies, mut sources, mut diagnostics) = stdlib(profile, "4.22");
    for (i, text) in sites.iter().enumerate() {
        policies.load_site(format!(".mcc/site-{i}.mcc"), text, &mut sources, &mut diagnostics);
    }
    (policies, sources, diagnostics)
}

fn first_action(policies: &Policies, path: &str) -> Action {
    policies.disruption.match_file(path).unwrap().actions[0].value.clone()
}

#[test]
fn a_site_disruption_rule_replaces_the_default_in_place_and_new_ones_are_appended() {
    let site = "disruption site {\n  path /etc/containers/policy.json => restart crio.service\n  \
                path /etc/myapp => none\n  unit myapp.service => restart myapp.service\n  sshkey => drain\n}";
    let (policies, _, diagnostics) = with_sites(Profile::Rhcos, &[site]);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let files = &policies.disruption.files();
    assert_eq!(files.len(), 14);
    assert_eq!(files[2].path.value, POLICY_JSON, "replaced in place, keeping its index");
    assert_eq!(files[2].origin, Origin::SitePolicy);
    assert_eq!(first_action(&policies, POLICY_JSON), restart("crio.service"));
    assert_eq!(files[13].path.value, "/etc/myapp", "appended");
    assert_eq!(first_action(&policies, "/etc/myapp/conf.d/a"), Action::None);
    let units: Vec<&str> = policies.disruption.units().iter().map(|u| u.name.value.as_str()).collect();
    assert_eq!(units, ["iri-registry.service", "myapp.service"]);
    assert_eq!(policies.disruption.sshkey.as_ref().unwrap().actions[0].value, Action::Drain);
    assert_eq!(first_action(&policies, REGISTRIES_CONF), Action::Special, "the rest is the default");
}

#[test]
fn the_longest_path_wins_whichever_file_it_comes_from() {
    let site = "disruption site { path /etc/containers => drain }";
    let (policies, _, _) = with_sites(Profile::Rhcos, &[site]);
    assert_eq!(first_action(&policies, "/etc/containers/storage.conf"), Action::Drain);
    assert_eq!(first_action(&policies, POLICY_JSON), reload("crio.service"), "the longer default still wins");
}

#[test]
fn a_later_site_file_overrides_an_earlier_one() {
    let first = "disruption a { path /etc/myapp => none }\nlayout rhcos { place /data/** in var }\n\
                 lint SITE0001 warning \"first\" { when unit }";
    let second = "disruption b { path /etc/myapp => restart myapp.service }\nlayout rhcos { place /data/** in etc }\n\
                  lint SITE0001 error \"second\" { when dropin }";
    let (policies, _, diagnostics) = with_sites(Profile::Rhcos, &[first, second]);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(first_action(&policies, "/etc/myapp"), restart("myapp.service"));
    assert_eq!(policies.disruption.files().iter().filter(|r| r.path.value == "/etc/myapp").count(), 1);
    assert_eq!(place(&policies, "/data/x").1, "etc", "on equal patterns the later file wins");
    let lint = policies.lint("SITE0001").unwrap();
    assert_eq!((lint.message.value.as_str(), lint.level.value), ("second", LintLevel::Error));
    assert_eq!(policies.lints.iter().filter(|l| l.code.value == "SITE0001").count(), 1);
}

#[test]
fn a_site_layout_rule_beats_the_stdlib_on_a_tie_and_loses_to_a_more_specific_one() {
    let site = "layout rhcos {\n  place /etc/** in var\n  place /usr/share/myapp/** in var\n  link /opt -> /usr/opt\n}";
    for profile in [Profile::Rhcos, Profile::FedoraBootc] {
        let (policies, _, diagnostics) = with_sites(profile, &[site]);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        assert_eq!(place(&policies, "/etc/chrony.conf").1, "var", "{profile}: tie → the site");
        assert_eq!(place(&policies, "/usr/share/myapp/x").1, "var", "{profile}");
        assert_eq!(place(&policies, "/usr/etc/x").1, "reject", "{profile}: the stdlib's more specific reject");
    }
    let (policies, _, _) = with_sites(Profile::Rhcos, &[site]);
    assert_eq!(place(&policies, "/opt/app"), ("/usr/opt/app".to_string(), "image"), "the later link wins");
    assert_eq!(place(&policies, "/opt/cni/x").0, "/usr/lib/opt/cni/x", "the longer link still wins");
    // fedora-bootc unlinks /opt after everything rhcos has, the site's link included.
    let (policies, _, _) = with_sites(Profile::FedoraBootc, &[site]);
    assert_eq!(place(&policies, "/opt/app"), ("/opt/app".to_string(), "image"));
}

#[test]
fn a_site_reopens_the_selected_profile() {
    let site = "layout fedora-bootc { place /opt/data/** in var }";
    let (policies, _, diagnostics) = with_sites(Profile::FedoraBootc, &[site]);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(place(&policies, "/opt/data/x").1, "var");
    assert_eq!(place(&policies, "/opt/app/x").1, "image");
}

#[test]
fn a_site_changes_turns_off_and_adds_lints() {
    let site = "lint MCC6001 error\nlint MCC6003 off\nlint MCC6004 info \"big\" { when file and size > 10 MiB }\n\
                lint SITE0001 error \"no kernel arguments outside the platform MachineConfigs\" {\n  \
                when kernel-argument and not source 00-platform-*\n}";
    let (policies, _, diagnostics) = with_sites(Profile::Rhcos, &[site]);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let codes: Vec<&str> = policies.lints.iter().map(|l| l.code.value.as_str()).collect();
    assert_eq!(codes, ["MCC6001", "MCC6002", "MCC6003", "MCC6004", "MCC6005", "MCC6006", "SITE0001"]);
    assert_eq!(policies.lint("MCC6001").unwrap().level.value, LintLevel::Error);
    assert_eq!(policies.lint("MCC6001").unwrap().message.value, "world-writable file", "only the severity");
    assert_eq!(policies.lint("MCC6003").unwrap().severity(), None);
    assert!(policies.enabled_lints().all(|l| l.code.value != "MCC6003"));
    let big = policies.lint("MCC6004").unwrap();
    assert_eq!(big.origin, Origin::SitePolicy);
    let mut facts =
        EntryFacts { size: Some(5 << 20), placement: Some(Placement::Etc), ..EntryFacts::new(EntryKind::File) };
    assert!(!big.matches(&facts));
    facts.size = Some(11 << 20);
    assert!(big.matches(&facts));
    let site_lint = policies.lint("SITE0001").unwrap();
    let mut karg = EntryFacts { name: Some("nosmt".into()), ..EntryFacts::new(EntryKind::KernelArgument) };
    karg.sources = vec!["99-worker-kargs".into()];
    assert!(site_lint.matches(&karg));
    karg.sources = vec!["00-platform-kargs".into()];
    assert!(!site_lint.matches(&karg));
}

#[test]
fn site_diagnostics_point_into_the_site_file_and_are_not_repeated() {
    let site = "disruption site { path /etc/x => restart crio }\nlayout mine extends rhcos { }";
    let (mut policies, mut sources, mut diagnostics) = with_sites(Profile::Rhcos, &[site]);
    assert_eq!(codes(&diagnostics), ["MCC3005", "MCC3005", "MCC3008"]);
    for d in &diagnostics {
        assert_eq!(sources.get(d.span.unwrap().source).name, ".mcc/site-0.mcc");
    }
    assert!(diagnostics[2].message.contains("layout `mine` is never used"), "{}", diagnostics[2].message);
    let before = diagnostics.len();
    policies.load_site("b.mcc", "", &mut sources, &mut diagnostics);
    assert_eq!(diagnostics.len(), before, "loading another file does not repeat them");
}

#[test]
fn a_syntax_error_in_a_site_file_leaves_the_stdlib_in_force() {
    let (policies, _, diagnostics) = with_sites(Profile::Rhcos, &["disruption site { path /etc/x => }"]);
    assert_eq!(codes(&diagnostics), ["MCC3001"]);
    assert_eq!(policies.disruption.files().len(), 13);
}

// ---------------------------------------------------------------------------------------------
// The default lints

#[test]
fn the_default_lints() {
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.22");
    let file = |path: &str, mode: u32| EntryFacts {
        path: Some(path.into()),
        mode: Some(mode),
        placement: Some(Placement::Etc),
        size: Some(100),
        ..EntryFacts::new(EntryKind::File)
    };
    let matches = |code: &str, facts: &EntryFacts| policies.lint(code).unwrap().matches(facts);
    assert!(matches("MCC6001", &file("/etc/a", 0o666)));
    assert!(!matches("MCC6001", &file("/etc/a", 0o664)));
    assert!(matches("MCC6002", &file("/etc/a", 0o4755)));
    assert!(matches("MCC6002", &EntryFacts { mode: Some(0o2775), ..EntryFacts::new(EntryKind::Directory) }));
    assert!(!matches("MCC6002", &file("/etc/a", 0o1777)), "sticky is neither");
    let var = EntryFacts { placement: Some(Placement::Var), ..file("/var/lib/a", 0o644) };
    assert!(matches("MCC6003", &var));
    assert!(!matches("MCC6003", &file("/etc/a", 0o644)));
    assert!(!matches("MCC6003", &EntryFacts { placement: Some(Placement::Var), ..EntryFacts::new(EntryKind::User) }));
    let big = EntryFacts { size: Some(2 << 20), ..file("/etc/big.bin", 0o644) };
    assert!(matches("MCC6004", &big));
    assert!(!matches("MCC6004", &EntryFacts { placement: Some(Placement::Image), ..big.clone() }));
    assert!(matches("MCC6005", &file("/etc/pki/tls/private/server.key", 0o644)));
    assert!(matches("MCC6005", &file("/etc/kubernetes/x/tls.key", 0o604)));
    assert!(!matches("MCC6005", &file("/etc/pki/tls/private/server.key", 0o600)));
    assert!(!matches("MCC6005", &file("/etc/ssl/cert.pem", 0o644)));
    let relocatable =
        EntryFacts { relocatable: true, placement: Some(Placement::Etc), ..file("/etc/sysctl.d/a.conf", 0o644) };
    assert!(matches("MCC6006", &relocatable));
    assert!(!matches("MCC6006", &EntryFacts { relocatable: false, ..relocatable.clone() }));
    assert!(!matches("MCC6006", &EntryFacts { placement: Some(Placement::Image), ..relocatable.clone() }));
    assert!(!matches("MCC6006", &EntryFacts { relocatable: true, ..EntryFacts::new(EntryKind::Unit) }), "files only");
    let levels: Vec<(&str, LintLevel)> =
        policies.lints.iter().map(|l| (l.code.value.as_str(), l.level.value)).collect();
    assert_eq!(
        levels,
        [
            ("MCC6001", LintLevel::Warning),
            ("MCC6002", LintLevel::Warning),
            ("MCC6003", LintLevel::Info),
            ("MCC6004", LintLevel::Warning),
            ("MCC6005", LintLevel::Warning),
            ("MCC6006", LintLevel::Warning)
        ]
    );
}

#[test]
fn every_default_lint_is_documented_in_the_grammar_readme() {
    let readme = include_str!("../../../grammar/README.md");
    let (policies, _, _) = stdlib(Profile::Rhcos, "4.22");
    for lint in &policies.lints {
        let code = &lint.code.value;
        assert!(code.starts_with("MCC6"), "{code}: the stdlib's lints are MCC6xxx");
        assert!(readme.contains(&format!("`{code}`")), "grammar/README.md documents {code}");
    }
}

#[test]
fn a_lint_has_a_page_for_mcc_explain() {
    let (policies, sources, _) = stdlib(Profile::Rhcos, "4.22");
    let page = policies.lint_page("mcc6003", &sources).unwrap();
    insta::assert_snapshot!(page);
    assert!(policies.lint_page("MCC1005", &sources).is_none(), "not a lint");
    let (policies, sources, _) = with_sites(Profile::Rhcos, &["lint SITE0001 error \"m\" { when fips }"]);
    let page = policies.lint_page("SITE0001", &sources).unwrap();
    assert_eq!(
        page,
        "# SITE0001: m\n\nSeverity: error (lint defined in .mcc/site-0.mcc:1).\n\n## Definition\n```\nlint SITE0001 error \"m\" { when fips }\n```\n"
    );
}

#[test]
fn a_site_file_with_a_byte_order_mark_has_exact_spans() {
    let (_, sources, diagnostics) = with_sites(Profile::Rhcos, &["\u{feff}disruption site { path etc/x => none }"]);
    assert_eq!(codes(&diagnostics), ["MCC3007"]);
    assert_eq!(sources.text(diagnostics[0].span.unwrap()), "etc/x");
}
