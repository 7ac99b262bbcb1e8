//! The formats the `MachineOSConfig` API gives its image references and secret names, as its CRD
//! validates them (openshift/api `machineconfiguration/v1`, `ImageTagFormat`,
//! `ImageDigestFormat`, and the RFC 1123 subdomain of every name), written out by hand since the
//! patterns are small and mcc has no regex engine.

/// The longest image reference the API accepts.
const MAX_SPEC: usize = 447;
/// The longest secret name (a Kubernetes object name).
const MAX_NAME: usize = 253;

fn is_word(s: &str, extra: &[u8]) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

/// `([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+(:[0-9]{2,5})?`: a host with at least one dot, and a port.
fn is_registry_host(host: &str) -> bool {
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let port_ok = port.is_none_or(|p| (2..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    let labels: Vec<&str> = name.split('.').collect();
    port_ok && labels.len() >= 2 && labels.iter().all(|l| is_word(l, b"-"))
}

/// `host[:port][/namespace]/name:<tag>`, or `svc_name.namespace.svc[:port]/repository/name:<tag>`:
/// what `renderedImagePushSpec` must be (a tag, never a digest: the build makes the digest).
pub fn is_tag_format(spec: &str) -> bool {
    if spec.is_empty() || spec.len() > MAX_SPEC {
        return false;
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let tagged_name = |last: &str, name_extra: &[u8]| match last.split_once(':') {
        Some((name, tag)) => is_word(name, name_extra) && is_word(tag, b"._-"),
        None => false,
    };
    let registry = parts.len() >= 2
        && is_registry_host(parts[0])
        && parts[1..parts.len() - 1].iter().all(|p| p.len() <= 61 && is_word(p, b"-_"))
        && tagged_name(parts[parts.len() - 1], b"-_.");
    registry || is_service_tag(&parts)
}

/// `^[^.]+\.[^.]+\.svc:\d+/[^/]+/[^/]+:[^/]+$`: the in-cluster registry's service name.
fn is_service_tag(parts: &[&str]) -> bool {
    let [host, repository, last] = parts else { return false };
    let Some((service, port)) = host.split_once(':') else { return false };
    let labels: Vec<&str> = service.split('.').collect();
    let host_ok = matches!(labels.as_slice(), [a, b, "svc"] if !a.is_empty() && !b.is_empty())
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit());
    host_ok && !repository.is_empty() && last.split_once(':').is_some_and(|(n, t)| !n.is_empty() && !t.is_empty())
}

/// `host[:port][/namespace]/name@sha256:<64 lowercase hex>`: what `currentImagePullSpec` is.
pub fn is_digest_format(spec: &str) -> bool {
    if spec.is_empty() || spec.len() > MAX_SPEC {
        return false;
    }
    let Some((name, digest)) = spec.split_once('@') else { return false };
    let hex = digest.strip_prefix("sha256:").unwrap_or("");
    let digest_ok = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let parts: Vec<&str> = name.split('/').collect();
    let path_ok = match parts.as_slice() {
        [host, image] => is_registry_host(host) && (image.is_empty() || is_word(image, b"-_.")),
        [host, namespace, image] => {
            is_registry_host(host)
                && namespace.len() <= 61
                && (namespace.is_empty() || is_word(namespace, b"-_"))
                && (image.is_empty() || is_word(image, b"-_."))
        }
        _ => false,
    };
    digest_ok && path_ok
}

/// A lowercase RFC 1123 subdomain, as Kubernetes names a Secret.
pub fn is_dns1123_subdomain(name: &str) -> bool {
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    !name.is_empty() && name.len() <= MAX_NAME && name.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_specs_are_tags_on_a_registry_host() {
        for good in [
            "quay.io/myorg/os-images:worker",
            "registry.example.com:5000/a/b/c:v1.2",
            "image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest",
        ] {
            assert!(is_tag_format(good), "{good}");
        }
        for bad in [
            "",
            "quay.io/myorg/os-images",
            "quay.io/myorg/os-images@sha256:0123",
            "localhost:5000/os:v1",
            "os-images:latest",
            "quay.io/my org/os:v1",
        ] {
            assert!(!is_tag_format(bad), "{bad}");
        }
    }

    #[test]
    fn pull_specs_are_digests() {
        let hex = "0123456789abcdef".repeat(4);
        assert!(is_digest_format(&format!("quay.io/org/os@sha256:{hex}")));
        assert!(is_digest_format(&format!("quay.io/os@sha256:{hex}")));
        assert!(!is_digest_format("quay.io/org/os:latest"));
        assert!(!is_digest_format(&format!("quay.io/org/os@sha256:{}", hex.to_uppercase())));
        assert!(!is_digest_format(&format!("quay.io/a/b/c@sha256:{hex}")), "at most one namespace");
    }

    #[test]
    fn secret_names_are_rfc_1123_subdomains() {
        assert!(is_dns1123_subdomain("push-secret.v1"));
        for bad in ["", "Push", "-x", "x-", "a..b", "a_b"] {
            assert!(!is_dns1123_subdomain(bad), "{bad}");
        }
    }
}
