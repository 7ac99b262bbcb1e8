//! `MachineOSConfig` (`machineconfiguration.openshift.io/v1`): a pool's on-cluster build. mcc
//! reads what decides the image (the pool, the custom Containerfile content by architecture) and
//! what `mcc check` validates (the push spec, the secrets), each with its span; the checks are
//! `checks/machine_os_config.rs`.

use crate::codes;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::model::metadata::Metadata;
use crate::source::Span;

/// The fields of `spec` in `machineconfiguration.openshift.io/v1`.
const SPEC_KEYS: &[&str] = &[
    "machineConfigPool",
    "imageBuilder",
    "baseImagePullSecret",
    "renderedImagePushSecret",
    "renderedImagePushSpec",
    "containerFile",
];

/// The `containerfileArch` an entry without one has (the CRD's default).
pub const NO_ARCH: &str = "NoArch";

/// `MachineOSConfig`: one per pool, naming where on-cluster builds push and what custom
/// Containerfile content ends the build.
#[derive(Debug, Clone)]
pub struct MachineOsConfig {
    pub metadata: Metadata,
    pub pool: Option<Spanned<String>>,
    /// `spec`'s key, or the object's first line: where a missing spec field is reported.
    pub spec_span: Span,
    pub rendered_image_push_spec: Option<Spanned<String>>,
    /// `spec.imageBuilder`: its span, and `imageBuilderType` when given.
    pub image_builder: Option<(Span, Option<Spanned<String>>)>,
    pub rendered_image_push_secret: Option<SecretRef>,
    pub base_image_pull_secret: Option<SecretRef>,
    /// `status.currentImagePullSpec`, when an exported object carries it.
    pub current_image_pull_spec: Option<Spanned<String>>,
    pub containerfiles: Vec<UserContainerfile>,
    pub span: Span,
}

/// A reference to a Secret: the field's span, and its `name` when given.
#[derive(Debug, Clone)]
pub struct SecretRef {
    pub span: Span,
    pub name: Option<Spanned<String>>,
}

/// One `spec.containerFile[]` entry.
#[derive(Debug, Clone)]
pub struct UserContainerfile {
    /// `containerfileArch`; `None` reads as [`NO_ARCH`].
    pub arch: Option<Spanned<String>>,
    pub content: Spanned<String>,
    pub span: Span,
}

impl UserContainerfile {
    pub fn arch(&self) -> &str {
        self.arch.as_ref().map_or(NO_ARCH, |a| a.value.as_str())
    }
}

impl MachineOsConfig {
    pub fn name(&self) -> &str {
        self.metadata.name.value.as_str()
    }

    /// The custom content for a build on `architecture` (a `GOARCH` name, e.g. `amd64`): the
    /// entry for that architecture, else the `NoArch` one.
    pub fn containerfile_for(&self, architecture: &str) -> Option<&UserContainerfile> {
        let wanted = api_arch(architecture);
        self.containerfiles
            .iter()
            .find(|c| Some(c.arch()) == wanted)
            .or_else(|| self.containerfiles.iter().find(|c| c.arch() == NO_ARCH))
    }
}

/// The `containerfileArch` value of a `GOARCH` name.
pub fn api_arch(goarch: &str) -> Option<&'static str> {
    match goarch {
        "amd64" => Some("AMD64"),
        "arm64" => Some("ARM64"),
        "ppc64le" => Some("PPC64LE"),
        "s390x" => Some("S390X"),
        _ => None,
    }
}

pub fn read(root: &Node, entries: &[Entry], metadata: Metadata, diagnostics: &mut Diagnostics) -> MachineOsConfig {
    let spec_node = field(entries, "spec");
    let spec_span = entries.iter().find(|e| e.key == "spec").map_or(root.span, |e| e.key_span);
    let spec = spec_node.map_or(&[][..], |s| reader::mapping(s, diagnostics));
    // A misspelt `containerFile` would drop the custom content without a word.
    reader::unknown_keys(spec, SPEC_KEYS, &codes::UNKNOWN_FIELD, "a MachineOSConfig spec", diagnostics);
    let pool = field(spec, "machineConfigPool")
        .and_then(|p| field(reader::mapping(p, diagnostics), "name"))
        .and_then(|n| reader::string(n, diagnostics));
    let secret = |key: &str, diagnostics: &mut Diagnostics| {
        let entry = spec.iter().find(|e| e.key == key)?;
        let name =
            field(reader::mapping(&entry.value, diagnostics), "name").and_then(|n| reader::string(n, diagnostics));
        Some(SecretRef { span: entry.key_span.to(entry.value.span), name })
    };
    let rendered_image_push_secret = secret("renderedImagePushSecret", diagnostics);
    let base_image_pull_secret = secret("baseImagePullSecret", diagnostics);
    let rendered_image_push_spec = field(spec, "renderedImagePushSpec").and_then(|n| reader::string(n, diagnostics));
    let image_builder = spec.iter().find(|e| e.key == "imageBuilder").map(|entry| {
        let kind = field(reader::mapping(&entry.value, diagnostics), "imageBuilderType")
            .and_then(|n| reader::string(n, diagnostics));
        (entry.key_span.to(entry.value.span), kind)
    });
    let current_image_pull_spec = field(entries, "status")
        .and_then(|s| field(reader::mapping(s, diagnostics), "currentImagePullSpec"))
        .and_then(|n| reader::string(n, diagnostics));
    let mut containerfiles = Vec::new();
    for item in field(spec, "containerFile").map_or(&[][..], |l| reader::list(l, diagnostics)) {
        let fields = reader::mapping(item, diagnostics);
        reader::unknown_keys(
            fields,
            &["containerfileArch", "content"],
            &codes::UNKNOWN_FIELD,
            "a containerFile entry",
            diagnostics,
        );
        let arch = field(fields, "containerfileArch").and_then(|n| reader::string(n, diagnostics));
        // A missing `content` is an empty Containerfile: the check reports it at the entry.
        let content = field(fields, "content")
            .and_then(|n| reader::string(n, diagnostics))
            .unwrap_or_else(|| Spanned::new(String::new(), item.span));
        containerfiles.push(UserContainerfile { arch, content, span: item.span });
    }
    MachineOsConfig {
        metadata,
        pool,
        spec_span,
        rendered_image_push_spec,
        image_builder,
        rendered_image_push_secret,
        base_image_pull_secret,
        current_image_pull_spec,
        containerfiles,
        span: root.span,
    }
}
