use super::super::testing::{check, with_code};
use crate::codes::{self, CodeInfo};
use crate::diagnostic::Diagnostic;

fn worker() -> String {
    crate::checks::testing::worker(
        "99-worker-a",
        "    storage:\n      files:\n      - path: /etc/a\n        contents: {source: 'data:,a'}",
    )
}

/// A MachineOSConfig for `pool` with this `spec` YAML after the pool (indented two spaces).
fn mosc(name: &str, pool: &str, rest: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: {name}\nspec:\n  machineConfigPool:\n    name: {pool}\n{rest}"
    )
}

const VALID: &str = "  imageBuilder: {imageBuilderType: Job}\n  renderedImagePushSecret: {name: push-secret}\n  renderedImagePushSpec: quay.io/example/os:worker\n";

fn found(files: &[&str], code: &CodeInfo) -> Vec<Diagnostic> {
    with_code(&check(files), code)
}

/// The source text a diagnostic points at.
fn pointed(files: &[&str], d: &Diagnostic) -> String {
    let c = crate::testing::compilation(files);
    c.sources.text(d.span.expect("a span")).to_string()
}

#[test]
fn a_valid_machine_os_config_with_custom_content_has_no_finding() {
    let content = "  containerFile:\n  - containerfileArch: NoArch\n    content: |-\n      FROM configs AS final\n      RUN rpm-ostree install tree && \\\n          ostree container commit\n";
    let w = worker();
    let m = mosc("worker", "worker", &format!("{VALID}{content}"));
    let all = check(&[&w, &m]);
    let mosc_codes: Vec<_> = all.iter().filter(|d| d.code.code.starts_with("MCC71")).collect();
    assert!(mosc_codes.is_empty(), "{mosc_codes:#?}");
}

#[test]
fn two_for_one_pool_are_an_error_at_the_second() {
    let w = worker();
    let (a, b) = (mosc("a", "worker", VALID), mosc("b", "worker", VALID));
    let found = found(&[&w, &a, &b], &codes::MOSC_DUPLICATE_POOL);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "a second MachineOSConfig for pool `worker`");
    assert_eq!(found[0].related[0].message, "the first one");
}

#[test]
fn push_specs_must_be_tags_and_pull_specs_digests() {
    let w = worker();
    let digest = mosc(
        "worker",
        "worker",
        "  renderedImagePushSecret: {name: push}\n  renderedImagePushSpec: quay.io/example/os@sha256:0123\nstatus:\n  currentImagePullSpec: quay.io/example/os:latest\n",
    );
    let found_specs = found(&[&w, &digest], &codes::MOSC_IMAGE_SPEC_INVALID);
    let messages: Vec<&str> = found_specs.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`quay.io/example/os@sha256:0123` is not a tag reference",
            "`quay.io/example/os:latest` is not a digest reference"
        ]
    );
    let missing = mosc("worker", "worker", "  renderedImagePushSecret: {name: push}\n");
    assert_eq!(
        found(&[&w, &missing], &codes::MOSC_IMAGE_SPEC_INVALID)[0].message,
        "MachineOSConfig `worker` has no renderedImagePushSpec"
    );
}

#[test]
fn the_push_secret_is_required_and_names_are_checked() {
    let w = worker();
    let none = mosc(
        "worker",
        "worker",
        "  renderedImagePushSpec: quay.io/example/os:worker\n  baseImagePullSecret: {name: Bad_Name}\n",
    );
    let files = [w.as_str(), none.as_str()];
    let found = found(&files, &codes::MOSC_SECRET_INVALID);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["MachineOSConfig `worker` has no renderedImagePushSecret", "`Bad_Name` is not a secret name"]
    );
    assert_eq!(pointed(&files, &found[1]), "Bad_Name");
}

#[test]
fn a_containerfile_that_does_not_parse_is_reported_at_its_line() {
    let w = worker();
    let content = "  containerFile:\n  - content: |\n      FROM configs AS final\n      RUNN echo hi\n      COPY\n";
    let m = mosc("worker", "worker", &format!("{VALID}{content}"));
    let files = [w.as_str(), m.as_str()];
    let found = found(&files, &codes::MOSC_CONTAINERFILE_INVALID);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].message, "`RUNN` is not a Containerfile instruction");
    assert_eq!(pointed(&files, &found[0]), "RUNN echo hi");
    assert_eq!(pointed(&files, &found[1]), "COPY");
}

#[test]
fn the_containerfile_list_follows_the_api() {
    let w = worker();
    let content = "  containerFile:\n  - {containerfileArch: AMD64, content: 'RUN true'}\n  - {containerfileArch: AMD64, content: 'RUN true'}\n  - {containerfileArch: x86_64, content: 'RUN true'}\n  - {containerfileArch: NoArch, content: ''}\n";
    let m = mosc("worker", "worker", &format!("{VALID}{content}"));
    let messages: Vec<String> =
        found(&[&w, &m], &codes::MOSC_CONTAINERFILE_INVALID).into_iter().map(|d| d.message).collect();
    assert_eq!(
        messages,
        [
            "a second containerFile entry for AMD64",
            "`x86_64` is not a containerfileArch",
            "this containerFile entry has no content",
        ]
    );
}

#[test]
fn a_last_stage_from_another_image_replaces_the_machine_configs() {
    let w = worker();
    let content = "  containerFile:\n  - content: |\n      FROM configs AS final\n      FROM quay.io/fedora/fedora:41\n      RUN true\n";
    let m = mosc("worker", "worker", &format!("{VALID}{content}"));
    let files = [w.as_str(), m.as_str()];
    let found = found(&files, &codes::MOSC_REPLACES_BASE);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(pointed(&files, &found[0]), "FROM quay.io/fedora/fedora:41");
}

#[test]
fn a_pool_not_among_the_inputs_is_a_warning() {
    let w = worker();
    let m = mosc("infra", "infra", VALID);
    let found = found(&[&w, &m], &codes::MOSC_POOL_UNKNOWN);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "no pool `infra` among the inputs");
}

#[test]
fn hostile_machine_os_configs_are_diagnosed_without_panicking() {
    let w = worker();
    for rest in [
        "  containerFile: just a string\n",
        "  containerFile:\n  - content: 42\n    containerfileArch: {a: b}\n",
        "  renderedImagePushSecret: [a, b]\n  baseImagePullSecret: null\n  renderedImagePushSpec: {x: 1}\n",
        "  containerFile:\n  - content: \"RUN é \\\\\\n\\u00e9 <<\\n<<-\\nFROM\\n\"\n",
        "  containerFile:\n  - content: \"FROM configs AS\\nFROM AS x\\nFROM\\n\\\\\"\n",
    ] {
        let m = mosc("worker", "worker", rest);
        let all = crate::hostile_input::input_file(&format!("{w}---\n{m}"));
        assert!(all > 0, "{rest}");
    }
    let too_long = format!("  containerFile:\n  - content: \"{}\"\n", "RUN true\\n".repeat(500));
    let m = mosc("worker", "worker", &format!("{VALID}{too_long}"));
    let found = found(&[&w, &m], &codes::MOSC_CONTAINERFILE_INVALID);
    assert_eq!(found[0].message, "the content is 4500 characters; the API allows 4096");
}

#[test]
fn a_misspelt_field_is_reported_with_the_right_one() {
    let w = worker();
    let m = mosc("worker", "worker", &format!("{VALID}  containerfile:\n  - content: RUN true\n"));
    let found = found(&[&w, &m], &codes::UNKNOWN_FIELD);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "unused key `containerfile` in a MachineOSConfig spec");
    assert_eq!(found[0].help.as_deref(), Some("did you mean `containerFile`?"));
}

#[test]
fn the_image_builder_is_required_and_of_type_job() {
    let w = worker();
    let rest = "  renderedImagePushSecret: {name: push}\n  renderedImagePushSpec: quay.io/example/os:worker\n";
    let none = mosc("worker", "worker", rest);
    let other = mosc("worker", "worker", &format!("{rest}  imageBuilder: {{imageBuilderType: PodImageBuilder}}\n"));
    let empty = mosc("worker", "worker", &format!("{rest}  imageBuilder: {{}}\n"));
    let messages = |m: &str| -> Vec<String> {
        found(&[&w, m], &codes::MOSC_IMAGE_BUILDER_INVALID).into_iter().map(|d| d.message).collect()
    };
    assert_eq!(messages(&none), ["MachineOSConfig `worker` has no imageBuilder"]);
    assert_eq!(messages(&other), ["`PodImageBuilder` is not an image builder type"]);
    assert_eq!(messages(&empty), ["imageBuilder has no imageBuilderType"]);
}
