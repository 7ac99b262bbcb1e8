use crate::checks::testing::{with_code, worker};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::render::RenderOptions;
use crate::session::{Analysis, Compilation, PolicyOptions};

/// A worker MachineConfig whose file path is relative: an error that makes it invalid.
fn invalid() -> String {
    worker(
        "10-worker-invalid",
        "    storage:\n      files:\n        - path: etc/relative.conf\n          contents: {source: 'data:,x'}\n",
    )
}

/// A worker MachineConfig writing `/etc/app.conf` with `text`.
fn app_conf(name: &str, text: &str) -> String {
    worker(
        name,
        &format!(
            "    storage:\n      files:\n        - path: /etc/app.conf\n          mode: 420\n          contents: {{source: 'data:,{text}'}}\n"
        ),
    )
}

/// `mcc check`'s analysis, before and after the unrendered pools are checked.
fn check(files: &[&str]) -> (Vec<Diagnostic>, Compilation, Analysis) {
    let mut c = crate::testing::compilation(files);
    let options = PolicyOptions::default();
    let analysis = crate::driver::analyze(&mut c, &RenderOptions::default(), &options, None);
    let before = c.diagnostics.clone();
    crate::driver::check_unrendered_pools(&mut c, &analysis, &RenderOptions::default(), &options);
    (before, c, analysis)
}

#[test]
fn a_conflict_among_the_valid_machine_configs_is_reported_beside_the_invalid_one() {
    let (before, c, analysis) = check(&[&invalid(), &app_conf("50-worker-a", "a"), &app_conf("60-worker-b", "b")]);
    assert!(analysis.rendered.iter().all(|p| p.pool.name() != "worker"), "the pool stays not rendered");
    assert_eq!(with_code(&before, &codes::POOL_NOT_RENDERED).len(), 1);
    assert!(with_code(&before, &codes::CONFLICTING_DEFINITIONS).is_empty(), "the main run cannot see it: {before:#?}");
    let [conflict] = &with_code(&c.diagnostics, &codes::CONFLICTING_DEFINITIONS)[..] else {
        panic!("one conflict: {:#?}", c.diagnostics)
    };
    assert!(
        conflict.message.ends_with("(found among the valid MachineConfigs of pool `worker`, which is not rendered)"),
        "{conflict:#?}"
    );
    let label = conflict.related.last().expect("a label at the invalid MachineConfig");
    assert_eq!(c.sources.text(label.span), "10-worker-invalid");
    assert_eq!(label.message, "pool `worker` is not rendered: this MachineConfig has errors");
    // Everything the main run reported is still there, once.
    for d in &before {
        assert_eq!(c.diagnostics.iter().filter(|e| *e == d).count(), 1, "{d:#?}");
    }
    assert_eq!(c.diagnostics.len(), before.len() + 1, "{:#?}", c.diagnostics);
}

#[test]
fn a_finding_the_main_run_reported_is_not_repeated() {
    // `infra` inherits the worker MachineConfigs and holds the invalid one: `worker` renders and
    // reports the conflict; `infra`'s check-only render finds it again and leaves it out.
    let pool = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: infra\nspec:\n  machineConfigSelector:\n    matchExpressions:\n      - {key: machineconfiguration.openshift.io/role, operator: In, values: [worker, infra]}\n";
    let bad_infra = crate::testing::mc(
        "10-infra-invalid",
        Some("infra"),
        "  config:\n    ignition: {version: 3.4.0}\n    storage:\n      files:\n        - path: etc/relative.conf\n          contents: {source: 'data:,x'}\n",
    );
    let (before, c, analysis) =
        check(&[pool, &bad_infra, &app_conf("50-worker-a", "a"), &app_conf("60-worker-b", "b")]);
    assert!(analysis.rendered.iter().any(|p| p.pool.name() == "worker"));
    assert!(analysis.rendered.iter().all(|p| p.pool.name() != "infra"));
    assert_eq!(with_code(&before, &codes::CONFLICTING_DEFINITIONS).len(), 1, "{before:#?}");
    assert_eq!(c.diagnostics, before, "nothing new: the conflict was reported by the main run");
}

#[test]
fn a_pool_of_invalid_machine_configs_alone_adds_nothing() {
    let (before, c, _) = check(&[&invalid()]);
    assert_eq!(c.diagnostics, before);
}

#[test]
fn pools_that_render_are_not_rendered_again() {
    let (before, c, _) = check(&[&app_conf("50-worker-a", "a"), &app_conf("60-worker-b", "b")]);
    assert_eq!(c.diagnostics, before);
}

#[test]
fn a_warning_wholly_inside_a_cluster_dump_stays_left_out_despite_its_label() {
    // The invalid MachineConfig is the repository's (input-0); the two that conflict are the
    // dump's (input-1): their conflict is the cluster's state, left out as the main run leaves
    // such warnings out, although the label added to it points into the repository.
    let dump = format!("{}---\n{}", app_conf("50-worker-a", "a"), app_conf("60-worker-b", "b"));
    let mut c = crate::testing::compilation(&[&invalid(), &dump]);
    let dump_source = c.sources.iter().nth(1).map(|(id, _)| id).unwrap();
    c.cluster = Some(crate::model::cluster::ClusterState {
        sources: [dump_source].into_iter().collect(),
        ..Default::default()
    });
    let options = PolicyOptions::default();
    let analysis = crate::driver::analyze(&mut c, &RenderOptions::default(), &options, None);
    crate::driver::check_unrendered_pools(&mut c, &analysis, &RenderOptions::default(), &options);
    assert!(with_code(&c.diagnostics, &codes::CONFLICTING_DEFINITIONS).is_empty(), "{:#?}", c.diagnostics);
    // The same MachineConfigs in the repository: reported.
    let (_, c, _) = check(&[&invalid(), &dump]);
    assert_eq!(with_code(&c.diagnostics, &codes::CONFLICTING_DEFINITIONS).len(), 1);
}
