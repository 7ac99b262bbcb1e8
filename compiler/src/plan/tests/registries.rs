//! §4.6 registries.conf and the drain.

use super::*;

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
