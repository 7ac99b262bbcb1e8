//! Classes B and C: a file policy's path is matched as the MCO writes it, never cleaned first.

use crate::policy::disruption::{Action, file_rule_matches};

use super::{file, file_policies, plan};

const RESTART_CHRONYD: &str = "[{type: Restart, restart: {serviceName: chronyd.service}}]";

/// The plan of one change to `/etc/chrony.conf` under a policy on `policy_path`.
fn chrony_change_under(policy_path: &str) -> crate::plan::PoolPlan {
    let ndp = file_policies(&[(policy_path, RESTART_CHRONYD)]);
    let old = file("99-worker-chrony", "/etc/chrony.conf", "a");
    let new = file("99-worker-chrony", "/etc/chrony.conf", "b");
    plan(&[&old, &ndp], &[&new, &ndp])
}

// MCO: pkg/controller/common/helpers.go FindClosestFilePolicyPathMatch and IsSubdirectory: a
// policy matches a changed path only when the two strings are equal, or when the cleaned path
// starts with the cleaned policy path plus "/". A non-canonical spelling of the file itself is
// neither, so the file has no policy and the node reboots.
#[test]
fn b_a_non_canonical_policy_path_never_matches_its_file_so_the_node_reboots() {
    for spelling in
        ["/etc/chrony.conf/", "/etc/./chrony.conf", "//etc/chrony.conf", "/etc//chrony.conf", "/etc/x/../chrony.conf"]
    {
        let plan = chrony_change_under(spelling);
        assert_eq!(plan.actions, [Action::Reboot], "{spelling}");
        assert!(plan.drain && plan.reboot, "{spelling}");
    }
    let canonical = chrony_change_under("/etc/chrony.conf");
    assert_eq!(canonical.actions, [Action::Restart("chronyd.service".into())]);
}

// MCO: pkg/controller/common/helpers.go IsSubdirectory: the same spellings still work as a
// directory prefix, because that test cleans both sides.
#[test]
fn b_a_non_canonical_directory_policy_still_covers_the_files_below_it() {
    for spelling in ["/etc/chrony.d/", "/etc/./chrony.d", "//etc/chrony.d", "/etc//chrony.d/"] {
        assert!(file_rule_matches(spelling, "/etc/chrony.d/a.conf"), "{spelling}");
        assert!(!file_rule_matches(spelling, "/etc/chrony.d"), "{spelling}");
    }
}

// MCO: pkg/apihelpers/apihelpers.go MergeClusterPolicies: a user entry replaces a default only
// when its path is the same string; `/etc/containers/registries.conf/` is appended instead, and
// the default (exact, Special) keeps deciding the registries.conf change.
#[test]
fn b_a_user_policy_replaces_a_default_only_on_an_equal_string() {
    let ndp = file_policies(&[("/etc/containers/registries.conf/", "[{type: None}]")]);
    let (_, analysis) = super::side(&[&ndp]);
    let files = analysis.policies.disruption.files();
    let registries: Vec<_> =
        files.iter().filter(|r| r.path.value.starts_with("/etc/containers/registries.conf")).collect();
    assert_eq!(registries.len(), 2, "the default kept, the user rule appended");
    assert_eq!(registries[0].actions[0].value, Action::Special);
    let best = analysis.policies.disruption.match_file("/etc/containers/registries.conf").unwrap();
    assert_eq!(best.actions[0].value, Action::Special);
}

// MCO: pkg/controller/common/helpers.go IsSubdirectory: a policy on `/` becomes the prefix `//`,
// which no cleaned path starts with, and `/` equals no file path: it matches nothing.
#[test]
fn c_a_policy_on_the_root_matches_nothing_so_the_node_reboots() {
    assert!(!file_rule_matches("/", "/etc/chrony.conf"));
    let ndp = file_policies(&[("/", "[{type: None}]")]);
    let old = file("99-worker-chrony", "/etc/chrony.conf", "a");
    let new = file("99-worker-chrony", "/etc/chrony.conf", "b");
    let plan = plan(&[&old, &ndp], &[&new, &ndp]);
    assert_eq!(plan.actions, [Action::Reboot]);
    assert!(plan.drain);
}

// MCO: pkg/controller/common/helpers.go FindClosestFilePolicyPathMatch: since the spelling
// decides, mcc says which one the MCO would match (MCC7011, with the cleaned path as the fix).
#[test]
fn b_a_non_canonical_policy_path_is_reported_with_its_canonical_spelling() {
    let ndp = file_policies(&[("/etc//chrony.conf", RESTART_CHRONYD), ("/", "[{type: None}]")]);
    let (c, _) = super::side(&[&ndp, &file("99-worker-chrony", "/etc/chrony.conf", "a")]);
    let helps: Vec<_> =
        c.diagnostics.iter().filter(|d| d.code.code == "MCC7011").filter_map(|d| d.help.clone()).collect();
    assert_eq!(helps.len(), 2, "{helps:?}");
    assert!(helps[0].contains("write `/etc/chrony.conf`"), "{helps:?}");
    assert!(helps[1].contains("a policy on `/` matches no file"), "{helps:?}");
}
