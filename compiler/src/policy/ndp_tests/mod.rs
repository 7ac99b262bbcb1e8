//! One test per rule of the `MachineConfiguration` CRD (`spec/mco.md` §5), named after the
//! rule. The YAML is the API's own validation tests
//! (api:`operator/v1/tests/machineconfigurations.operator.openshift.io/NodeDisruptionPolicy.yaml`)
//! where they have a case, with `metadata.name: cluster` added.

mod corpus;
mod merge;
mod overrides;
mod schema;
mod service_names;

use super::*;
use crate::testing::{Loaded, load};

/// The objects read, the site policy, and every diagnostic (loader and policy).
fn run(files: &[&str]) -> (Loaded, SitePolicy) {
    let mut loaded = load(files);
    let policy = site_policy(&loaded.inputs, &mut loaded.diagnostics);
    (loaded, policy)
}

/// A `MachineConfiguration` named `name` whose `spec` is `spec`, written at column 0.
fn object(name: &str, spec: &str) -> String {
    let spec: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: {name}\nspec:\n{spec}"
    )
}

/// The `cluster` object with `spec.nodeDisruptionPolicy` set to `ndp`, written at column 0.
fn cluster(ndp: &str) -> String {
    let ndp: String = ndp.lines().map(|l| format!("  {l}\n")).collect();
    object(CLUSTER, &format!("nodeDisruptionPolicy:\n{ndp}"))
}

/// `(code, text under the caret)` of every diagnostic, in order.
fn found(loaded: &Loaded) -> Vec<(&'static str, &str)> {
    loaded.diagnostics.iter().map(|d| (d.code.code, d.span.map_or("", |s| loaded.sources.text(s)))).collect()
}

fn messages(loaded: &Loaded) -> Vec<&str> {
    loaded.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

/// Asserts the object is refused with exactly `expected`, and contributes nothing.
fn refused(files: &[&str], expected: &[(&str, &str)]) -> Loaded {
    let (loaded, policy) = run(files);
    assert_eq!(found(&loaded), expected, "{:#?}", loaded.diagnostics);
    assert_eq!(policy, SitePolicy::default(), "a refused object contributes nothing");
    loaded
}

fn actions(rule: &[Spanned<Action>]) -> Vec<Action> {
    rule.iter().map(|a| a.value.clone()).collect()
}

fn reload(s: &str) -> Action {
    Action::Reload(s.into())
}

fn restart(s: &str) -> Action {
    Action::Restart(s.into())
}

// --- Accepted objects and lowering ---

#[test]
fn a_valid_policy_is_lowered_in_order_with_spans() {
    // "Should be able to create a valid node disruption policy".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: my.service
units:
  - name: "my.service"
    actions:
      - type: Restart
        restart:
          serviceName: my-other.service
sshkey:
  actions:
    - type: None"#,
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let ndp = &policy.disruption;
    assert_eq!(ndp.files().len(), 1);
    let file = &ndp.files()[0];
    assert_eq!(file.path.value, "/etc/my-file");
    assert_eq!(loaded.sources.text(file.path.span), "\"/etc/my-file\"");
    assert_eq!(file.origin, Origin::MachineConfiguration);
    assert_eq!(actions(&file.actions), [Action::DaemonReload, reload("my.service")]);
    assert!(loaded.sources.text(file.actions[1].span).starts_with("type: Reload"));
    assert_eq!(ndp.units()[0].name.value, "my.service");
    assert_eq!(actions(&ndp.units()[0].actions), [restart("my-other.service")]);
    let sshkey = ndp.sshkey.as_ref().unwrap();
    assert_eq!(actions(&sshkey.actions), [Action::None]);
    assert!(loaded.sources.text(sshkey.span).starts_with("sshkey:"));
    assert_eq!(policy.source, Some(loaded.inputs.machine_configurations[0].span));
}

#[test]
fn several_entries_of_one_list_keep_their_order() {
    // "Should be able to define a node disruption policy with multiple entries of the same type".
    let text = cluster(
        r#"files:
  - path: "/etc/my-file"
    actions:
      - type: DaemonReload
      - type: Reload
        reload:
          serviceName: my.service
  - path: "/etc/my-other-file"
    actions:
      - type: Drain
      - type: Restart
        restart:
          serviceName: my.service"#,
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let files: Vec<_> =
        policy.disruption.files().iter().map(|f| (f.path.value.as_str(), actions(&f.actions))).collect();
    assert_eq!(
        files,
        [
            ("/etc/my-file", vec![Action::DaemonReload, reload("my.service")]),
            ("/etc/my-other-file", vec![Action::Drain, restart("my.service")]),
        ]
    );
}

#[test]
fn an_object_without_a_node_disruption_policy_is_fine() {
    // The MCO's own `manifests/operator-config.yaml`: `spec:` is null.
    let text = "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata:\n  name: cluster\n  annotations:\n    release.openshift.io/create-only: \"true\"\nspec:\n";
    let (loaded, policy) = run(&[text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption, DisruptionPolicy::default());
    assert!(policy.source.is_some());
    let (loaded, policy) = run(&[&object(CLUSTER, "managementState: Managed\nlogLevel: Normal")]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(policy.disruption, DisruptionPolicy::default());
}

#[test]
fn the_status_section_is_ignored() {
    let text = format!(
        "{}status:\n  nodeDisruptionPolicyStatus:\n    clusterPolicies:\n      files:\n        - path: /etc/containers/registries.conf\n          actions: [{{type: Special}}]\n",
        cluster("sshkey:\n  actions: [{type: Drain}]")
    );
    let (loaded, policy) = run(&[&text]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(policy.disruption.files().is_empty());
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::Drain]);
}

// --- The object must be named cluster ---

#[test]
fn the_object_must_be_named_cluster() {
    let other = object("iminvalid", "nodeDisruptionPolicy:\n  sshkey:\n    actions: [{type: Drain}]");
    let (loaded, policy) = run(&[&other]);
    assert_eq!(found(&loaded), [("MCC3101", "iminvalid")]);
    assert_eq!(messages(&loaded), [NOT_CLUSTER_MESSAGE]);
    assert_eq!(policy, SitePolicy::default());
    // Next to a `cluster` object, only `cluster` is honoured.
    let (loaded, policy) = run(&[&other, &cluster("sshkey:\n  actions: [{type: None}]")]);
    assert_eq!(found(&loaded), [("MCC3101", "iminvalid")]);
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::None]);
}

#[test]
fn a_misnamed_object_is_still_checked() {
    let other = object("my-ndp", "nodeDisruptionPolicy:\n  sshkey:\n    actions: [{type: Special}]");
    let (loaded, _) = run(&[&other]);
    assert_eq!(found(&loaded), [("MCC3108", "Special"), ("MCC3101", "my-ndp")]);
}

#[test]
fn only_one_object_may_be_named_cluster() {
    let first = cluster("sshkey:\n  actions: [{type: None}]");
    let second = cluster("sshkey:\n  actions: [{type: Drain}]");
    let (loaded, policy) = run(&[&first, &second]);
    assert_eq!(found(&loaded), [("MCC3102", "cluster")]);
    let diagnostic = &loaded.diagnostics[0];
    assert_eq!(diagnostic.span.unwrap().source, loaded.inputs.machine_configurations[1].span.source);
    assert_eq!(diagnostic.related[0].span.source, loaded.inputs.machine_configurations[0].span.source);
    assert_eq!(actions(&policy.disruption.sshkey.unwrap().actions), [Action::None], "the first one is used");
}

// --- Warnings: accepted, but said ---

#[test]
fn unknown_keys_are_warnings() {
    let text = object(
        CLUSTER,
        "component: machineconfigdaemon\nnodeDisruptionPolicy:\n  sshKey: {}\n  files:\n    - path: /etc/a\n      action: []\n      actions:\n        - type: Restart\n          restart:\n            service: a.service\n            serviceName: a.service",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(
        found(&loaded),
        [("MCC3115", "component"), ("MCC3115", "sshKey"), ("MCC3115", "action"), ("MCC3115", "service")]
    );
    assert!(loaded.diagnostics.iter().all(|d| d.severity() == Severity::Warning));
    assert_eq!(loaded.diagnostics[1].help.as_deref(), Some("did you mean `sshkey`?"));
    assert_eq!(
        actions(&policy.disruption.files()[0].actions),
        [restart("a.service")],
        "warnings do not refuse the object"
    );
}

#[test]
fn a_relative_path_is_accepted_but_can_never_match() {
    let text = cluster(
        "files:\n  - path: etc/chrony.conf\n    actions: [{type: None}]\n  - path: \"\"\n    actions: [{type: None}]",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(found(&loaded), [("MCC3113", "etc/chrony.conf"), ("MCC3113", "\"\"")]);
    assert_eq!(loaded.diagnostics[0].help.as_deref(), Some("Ignition paths are absolute: write `/etc/chrony.conf`"));
    assert_eq!(policy.disruption.files().len(), 2, "the API accepts it");
    assert!(policy.disruption.match_file("/etc/chrony.conf").is_none());
}

// --- The object is refused whole ---

#[test]
fn one_error_refuses_the_whole_object() {
    let text = cluster(
        "files:\n  - path: /etc/a\n    actions: [{type: None}]\n  - path: /etc/b\n    actions: [{type: Reload}]",
    );
    let (loaded, policy) = run(&[&text]);
    assert_eq!(found(&loaded), [("MCC3109", "Reload")]);
    assert!(policy.disruption.files().is_empty(), "the API server refuses the object: the previous policy stays");
    assert_eq!(policy.source, None);
}
