//! MCC7101–MCC7107: a `MachineOSConfig` the API server or the MCO's build would refuse, checked
//! before it reaches the cluster (issue 14).
//!
//! The rules are the CRD's (openshift/api `machineconfiguration/v1`): one `MachineOSConfig` per
//! pool (the MCO builds for one and ignores the other), an `imageBuilder` of type `Job`, a `renderedImagePushSpec` that is a tag
//! reference on a registry host (`ImageTagFormat`) and a `currentImagePullSpec` that is a digest
//! reference (`ImageDigestFormat`), the required `renderedImagePushSecret` and every secret named
//! by a lowercase RFC 1123 subdomain, and at most four `containerFile` entries, one per
//! `containerfileArch` (`ARM64`, `AMD64`, `PPC64LE`, `S390X`, `NoArch`), each at most 4096
//! characters. The content must parse as the MCO's build validates it (known instructions with
//! their arguments, continuations that end, heredocs that close: `compile::user_containerfile`),
//! and its last stage must build on the MachineConfig stage (`FROM configs AS final`, as the
//! API's own example writes); a last stage from another image would drop every MachineConfig
//! from the image. Builder stages before it may start from any image.

use super::Context;
use super::pull_spec::{is_digest_format, is_dns1123_subdomain, is_tag_format};
use crate::codes;
use crate::compile::user_containerfile::{self, CONFIGS_STAGE};
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::load::reader::Spanned;
use crate::model::machine_os_config::{MachineOsConfig, NO_ARCH, SecretRef};
use crate::source::{Sources, Span};

/// The `containerfileArch` values the API accepts.
const ARCHES: &[&str] = &["ARM64", "AMD64", "PPC64LE", "S390X", NO_ARCH];
const MAX_ENTRIES: usize = 4;
const MAX_CONTENT: usize = 4096;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut first_for_pool: HashMap<&str, &Spanned<String>> = HashMap::default();
    for mosc in &cx.c.inputs.machine_os_configs {
        let name = mosc.name();
        match &mosc.pool {
            None => out.push(
                Diagnostic::new(
                    &codes::MISSING_FIELD,
                    mosc.spec_span,
                    format!("MachineOSConfig `{name}` names no pool"),
                )
                .with_help("set spec.machineConfigPool.name to the pool whose image this builds"),
            ),
            Some(pool) => {
                if let Some(first) = first_for_pool.get(pool.value.as_str()) {
                    out.push(
                        Diagnostic::new(
                            &codes::MOSC_DUPLICATE_POOL,
                            pool.span,
                            format!("a second MachineOSConfig for pool `{}`", pool.value),
                        )
                        .with_related(first.span, "the first one")
                        .with_help(
                            "a pool has at most one MachineOSConfig; merge their containerFile content into one",
                        ),
                    );
                } else {
                    first_for_pool.insert(&pool.value, pool);
                }
                if !cx.analysis.rendered.is_empty() && !cx.analysis.rendered.iter().any(|p| p.pool.name() == pool.value)
                {
                    out.push(
                        Diagnostic::new(
                            &codes::MOSC_POOL_UNKNOWN,
                            pool.span,
                            format!("no pool `{}` among the inputs", pool.value),
                        )
                        .with_help("name a MachineConfigPool the inputs define (worker, master, or a custom pool)"),
                    );
                }
            }
        }
        image_builder(mosc, out);
        image_specs(mosc, out);
        secrets(mosc, out);
        containerfiles(mosc, &cx.c.sources, out);
    }
}

/// `spec.imageBuilder.imageBuilderType` is required, and `Job` is the one builder the API knows.
fn image_builder(mosc: &MachineOsConfig, out: &mut Vec<Diagnostic>) {
    let help = "write imageBuilder: {imageBuilderType: Job}, the one builder the MCO has";
    match &mosc.image_builder {
        None => out.push(
            Diagnostic::new(
                &codes::MOSC_IMAGE_BUILDER_INVALID,
                mosc.spec_span,
                format!("MachineOSConfig `{}` has no imageBuilder", mosc.name()),
            )
            .with_help(help),
        ),
        Some((span, None)) => out.push(
            Diagnostic::new(&codes::MOSC_IMAGE_BUILDER_INVALID, *span, "imageBuilder has no imageBuilderType")
                .with_help(help),
        ),
        Some((_, Some(kind))) if kind.value != "Job" => out.push(
            Diagnostic::new(
                &codes::MOSC_IMAGE_BUILDER_INVALID,
                kind.span,
                format!("`{}` is not an image builder type", kind.value),
            )
            .with_help(help),
        ),
        Some(_) => {}
    }
}

fn image_specs(mosc: &MachineOsConfig, out: &mut Vec<Diagnostic>) {
    match &mosc.rendered_image_push_spec {
        None => out.push(
            Diagnostic::new(
                &codes::MOSC_IMAGE_SPEC_INVALID,
                mosc.spec_span,
                format!("MachineOSConfig `{}` has no renderedImagePushSpec", mosc.name()),
            )
            .with_help("set spec.renderedImagePushSpec to where built images go: host[:port]/namespace/name:tag"),
        ),
        Some(spec) if !is_tag_format(&spec.value) => out.push(
            Diagnostic::new(
                &codes::MOSC_IMAGE_SPEC_INVALID,
                spec.span,
                format!("`{}` is not a tag reference", spec.value),
            )
            .with_label("renderedImagePushSpec")
            .with_help(
                "write host[:port][/namespace]/name:tag (a registry host with a dot, and a tag, never a digest)",
            ),
        ),
        Some(_) => {}
    }
    if let Some(spec) = mosc.current_image_pull_spec.as_ref().filter(|s| !is_digest_format(&s.value)) {
        out.push(
            Diagnostic::new(
                &codes::MOSC_IMAGE_SPEC_INVALID,
                spec.span,
                format!("`{}` is not a digest reference", spec.value),
            )
            .with_label("currentImagePullSpec")
            .with_help("the API only accepts host[:port][/namespace]/name@sha256:<64 hex digits> here"),
        );
    }
}

fn secrets(mosc: &MachineOsConfig, out: &mut Vec<Diagnostic>) {
    if mosc.rendered_image_push_secret.is_none() {
        out.push(
            Diagnostic::new(
                &codes::MOSC_SECRET_INVALID,
                mosc.spec_span,
                format!("MachineOSConfig `{}` has no renderedImagePushSecret", mosc.name()),
            )
            .with_help("name the secret with the registry's push credentials: renderedImagePushSecret: {name: SECRET}"),
        );
    }
    let named = [
        ("renderedImagePushSecret", &mosc.rendered_image_push_secret),
        ("baseImagePullSecret", &mosc.base_image_pull_secret),
    ];
    for (field, secret) in named {
        let Some(SecretRef { span, name }) = secret else { continue };
        match name {
            None => out.push(
                Diagnostic::new(&codes::MOSC_SECRET_INVALID, *span, format!("{field} names no secret"))
                    .with_help("give the secret's name: {name: SECRET} (in openshift-machine-config-operator)"),
            ),
            Some(name) if !is_dns1123_subdomain(&name.value) => out.push(
                Diagnostic::new(
                    &codes::MOSC_SECRET_INVALID,
                    name.span,
                    format!("`{}` is not a secret name", name.value),
                )
                .with_help("a secret's name is lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"),
            ),
            Some(_) => {}
        }
    }
}

fn containerfiles(mosc: &MachineOsConfig, sources: &Sources, out: &mut Vec<Diagnostic>) {
    let invalid = |span: Span, message: String| Diagnostic::new(&codes::MOSC_CONTAINERFILE_INVALID, span, message);
    let mut arches: HashMap<&str, Span> = HashMap::default();
    for (i, entry) in mosc.containerfiles.iter().enumerate() {
        if i == MAX_ENTRIES {
            out.push(
                invalid(entry.span, format!("more than {MAX_ENTRIES} containerFile entries"))
                    .with_help("one entry per architecture: ARM64, AMD64, PPC64LE, S390X or NoArch"),
            );
        }
        let arch_span = entry.arch.as_ref().map_or(entry.span, |a| a.span);
        if !ARCHES.contains(&entry.arch()) {
            out.push(
                invalid(arch_span, format!("`{}` is not a containerfileArch", entry.arch()))
                    .with_help("write one of ARM64, AMD64, PPC64LE, S390X or NoArch (the default)"),
            );
        } else if let Some(first) = arches.get(entry.arch()) {
            out.push(
                invalid(arch_span, format!("a second containerFile entry for {}", entry.arch()))
                    .with_related(*first, "the first one")
                    .with_help("the list is keyed by containerfileArch: merge the two contents"),
            );
        } else {
            arches.insert(entry.arch(), arch_span);
        }
        let content = &entry.content;
        if content.value.trim().is_empty() {
            out.push(
                invalid(content.span, "this containerFile entry has no content".into())
                    .with_help("give its Containerfile in `content`, or remove the entry"),
            );
            continue;
        }
        if content.value.chars().count() > MAX_CONTENT {
            out.push(
                invalid(
                    content.span,
                    format!(
                        "the content is {} characters; the API allows {MAX_CONTENT}",
                        content.value.chars().count()
                    ),
                )
                .with_help("move the work into a script in an image you COPY --from, or into packages"),
            );
        }
        let parsed = user_containerfile::parse(&content.value);
        for problem in &parsed.problems {
            out.push(
                invalid(line_span(sources, content, problem.line), problem.message.clone())
                    .with_help("the MCO's build would fail on it; see Containerfile(5)"),
            );
        }
        if let Some(from) = user_containerfile::replaced_base(&parsed) {
            out.push(
                Diagnostic::new(
                    &codes::MOSC_REPLACES_BASE,
                    line_span(sources, content, from.line),
                    format!("the image's last stage starts from `{}`, not from the MachineConfig stage", from.arguments),
                )
                .with_label("last stage")
                .with_help(format!(
                    "end with a stage built on it: `FROM {CONFIGS_STAGE} AS final`, copying from builder stages with COPY --from"
                )),
            );
        }
    }
}

/// The span of the content's 0-based `line` in the YAML: the content's non-blank lines are
/// matched in order against the source's (a block scalar holds them verbatim, indented); the
/// whole value when they cannot be (a quoted string with escapes).
fn line_span(sources: &Sources, content: &Spanned<String>, line: usize) -> Span {
    let Some(wanted) = content.value.lines().nth(line).map(str::trim).filter(|l| !l.is_empty()) else {
        return content.span;
    };
    let mut pending = content.value.lines().enumerate().map(|(i, l)| (i, l.trim())).filter(|(_, l)| !l.is_empty());
    let mut next = pending.next();
    let text = sources.text(content.span);
    let mut offset = 0;
    for source_line in text.split_inclusive('\n') {
        let trimmed = source_line.trim();
        if let Some((index, expected)) = next
            && trimmed == expected
        {
            if index == line && trimmed == wanted {
                let start = offset + source_line.find(trimmed).unwrap_or(0);
                return content.span.sub(start, trimmed.len());
            }
            next = pending.next();
        }
        offset += source_line.len();
    }
    content.span
}

#[cfg(test)]
#[path = "machine_os_config_tests.rs"]
mod tests;
