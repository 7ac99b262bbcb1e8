//! The image a pool's nodes need (`node-actions.json`'s `image`) and, once it is known by digest
//! (`mcc compile --image`), the step that switches a node to it.
//!
//! Whether the switch must enforce signatures is read from the pool's own rendered
//! `/etc/containers/policy.json` (containers-policy.json(5), which the MCO renders from the
//! cluster's image policies): when the policy that applies to the image's repository requires a
//! signature (`signedBy` or `sigstoreSigned`), the unverified forms (`ostree-unverified-registry:`,
//! a plain `bootc switch`) would bypass it, so the switch uses the forms that enforce it.

use mcc_contract::node_actions::{NodeImage, ReferenceProblem, Step, check_image_reference};

use super::pool::Builder;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::placement::Target;

/// Where the node's signature policy lives.
pub const CONTAINERS_POLICY: &str = "/etc/containers/policy.json";

impl Builder<'_, '_> {
    /// The pool's image: its reference when `--image` gave one for this pool (checked: a digest
    /// reference, MCC5020/MCC5021), and the switch step; `None` on the legacy target.
    pub(super) fn node_image(&mut self, pool: &str, source_digest: &str) -> Option<(NodeImage, Option<Step>)> {
        if self.target == Target::Legacy {
            return None;
        }
        let reference = self.cx.options.images.get(pool).cloned();
        let step = match &reference {
            None => None,
            Some(reference) => match check_image_reference(reference) {
                Ok(()) => Some(Step::Switch { image: reference.clone(), signed: self.signature_required(reference) }),
                Err(problem) => {
                    self.errors.push(reference_diagnostic(pool, reference, &problem));
                    None
                }
            },
        };
        Some((NodeImage { reference, source_digest: source_digest.to_string() }, step))
    }

    /// Whether the rendered containers policy requires a signature for `reference`.
    fn signature_required(&mut self, reference: &str) -> bool {
        let Some(file) = self.storage.file(CONTAINERS_POLICY) else { return false };
        let Some(bytes) = self.decode(CONTAINERS_POLICY, &file.contents) else { return false };
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|policy| requirements_require_signature(policy_for(&policy, reference)))
    }
}

fn reference_diagnostic(pool: &str, reference: &str, problem: &ReferenceProblem) -> Diagnostic {
    match problem {
        ReferenceProblem::Tag => Diagnostic::general(
            &codes::COMPILE_IMAGE_TAG,
            format!("pool `{pool}`: the image `{reference}` is named by a tag, not a digest"),
        )
        .with_help(
            "give the digest reference `mcc build --push` printed (DIR/<pool>/image.json): `HOST/REPO@sha256:…`; \
             `skopeo inspect --format '{{.Digest}}' docker://REF` prints a tag's current digest",
        ),
        ReferenceProblem::Malformed(why) => Diagnostic::general(
            &codes::COMPILE_IMAGE_REFERENCE_INVALID,
            format!("pool `{pool}`: `{reference}` is not an image reference: {why}"),
        )
        .with_help("give the reference `mcc build --push` printed: `HOST/REPO@sha256:<64 hex digits>`"),
    }
}

/// The requirements containers-policy.json(5) applies to a `docker` reference: the most specific
/// scope of `transports.docker` (the repository, then each parent namespace, the host with its
/// port, then `*.`-wildcards of the host's domains), else the transport's `""`, else `default`.
fn policy_for<'p>(policy: &'p serde_json::Value, reference: &str) -> &'p serde_json::Value {
    let name = reference.split_once('@').map_or(reference, |(name, _)| name);
    let repository = match name.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => path,
        _ => name,
    };
    let repository = normalise(repository);
    let scopes = &policy["transports"]["docker"];
    let mut candidates = vec![name.to_string(), repository.clone()];
    let mut prefix = repository.as_str();
    while let Some((parent, _)) = prefix.rsplit_once('/') {
        candidates.push(parent.to_string());
        prefix = parent;
    }
    let host = repository.split('/').next().unwrap_or_default();
    let domain = host.split(':').next().unwrap_or_default();
    let mut rest = domain;
    while let Some((_, parent)) = rest.split_once('.') {
        candidates.push(format!("*.{parent}"));
        rest = parent;
    }
    candidates.push(String::new());
    candidates.iter().find_map(|scope| scopes.get(scope.as_str())).unwrap_or(&policy["default"])
}

/// A reference's repository as containers normalise it: `docker.io/library/` added to one without
/// a host.
fn normalise(repository: &str) -> String {
    let first = repository.split('/').next().unwrap_or_default();
    let has_host = repository.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    match (has_host, repository.contains('/')) {
        (true, _) => repository.to_string(),
        (false, true) => format!("docker.io/{repository}"),
        (false, false) => format!("docker.io/library/{repository}"),
    }
}

fn requirements_require_signature(requirements: &serde_json::Value) -> bool {
    requirements
        .as_array()
        .is_some_and(|list| list.iter().any(|r| matches!(r["type"].as_str(), Some("signedBy" | "sigstoreSigned"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn required(policy: &serde_json::Value, reference: &str) -> bool {
        requirements_require_signature(policy_for(policy, reference))
    }

    #[test]
    fn the_most_specific_scope_decides() {
        let signed = json!([{ "type": "sigstoreSigned", "keyPath": "/etc/pki/key.pub" }]);
        let open = json!([{ "type": "insecureAcceptAnything" }]);
        let digest = format!("@sha256:{}", "a".repeat(64));
        let policy = json!({
            "default": open,
            "transports": { "docker": {
                "quay.io/signed": signed,
                "quay.io/signed/open": open,
                "*.example.com": [{ "type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k" }],
                "docker.io/library/busybox": signed,
            } }
        });
        assert!(required(&policy, &format!("quay.io/signed/worker{digest}")), "a parent namespace");
        assert!(!required(&policy, &format!("quay.io/signed/open{digest}")), "the repository itself wins");
        assert!(required(&policy, &format!("registry.example.com:5000/x{digest}")), "a wildcard domain");
        assert!(required(&policy, &format!("busybox{digest}")), "docker.io/library/ added");
        assert!(!required(&policy, &format!("quay.io/other/x{digest}")), "the default");
        let global = json!({ "default": signed });
        assert!(required(&global, &format!("quay.io/x/y{digest}")));
        let transport = json!({ "default": signed, "transports": { "docker": { "": open } } });
        assert!(!required(&transport, &format!("quay.io/x/y{digest}")), "the transport's default first");
    }
}
