//! `docker://HOST[:PORT]/REPOSITORY:TAG`, the destination of `mcc build --push`.
//!
//! mcc asks for the registry host explicitly (no implicit `docker.io`) and a tag, since the
//! digest of what is pushed is only known afterwards; the grammar is the distribution spec's
//! (`reference` package): lowercase path components separated by `.`, `_`, `__` or `-`, and a tag of
//! at most 128 word characters, dots and dashes not starting with either.

use crate::{Error, Result};

/// The longest name a reference may have, as the distribution reference grammar allows.
const MAX_NAME: usize = 255;
const MAX_TAG: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerRef {
    /// `HOST` or `HOST:PORT`.
    pub host: String,
    /// The repository path within the registry, without the host.
    pub repository: String,
    pub tag: String,
}

impl DockerRef {
    pub fn parse(text: &str) -> Result<DockerRef> {
        let usage = |why: &str| Error::new(format!("`{text}` {why}: write docker://HOST[:PORT]/REPOSITORY:TAG"));
        let rest = text.strip_prefix("docker://").ok_or_else(|| usage("is not a registry reference"))?;
        if rest.contains('@') {
            return Err(usage("names a digest; a push goes to a tag, and mcc prints the digest it got"));
        }
        let (host, path) = rest.split_once('/').ok_or_else(|| usage("names no repository"))?;
        if !is_host(host) {
            return Err(usage("does not start with a registry host (a name with a dot or a port, or localhost)"));
        }
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, tag),
            _ => return Err(usage("has no tag")),
        };
        if !repository.split('/').all(is_path_component) {
            return Err(usage(
                "has a repository that is not lowercase letters and digits separated by `.`, `_`, `__` or `-`",
            ));
        }
        if host.len() + 1 + repository.len() > MAX_NAME {
            return Err(usage("is longer than a registry allows"));
        }
        if !is_tag(tag) {
            return Err(usage("has a tag that is not 1 to 128 letters, digits, `_`, `.` or `-`"));
        }
        Ok(DockerRef { host: host.to_string(), repository: repository.to_string(), tag: tag.to_string() })
    }

    /// `HOST/REPOSITORY`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.host, self.repository)
    }

    /// `HOST/REPOSITORY@DIGEST`: the reference a node pulls, pinned to what was pushed.
    pub fn with_digest(&self, digest: &str) -> String {
        format!("{}@{digest}", self.name())
    }

    /// `HOST/REPOSITORY:TAG`.
    pub fn tagged(&self) -> String {
        format!("{}:{}", self.name(), self.tag)
    }
}

impl std::fmt::Display for DockerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "docker://{}", self.tagged())
    }
}

fn is_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let labels_ok = !name.is_empty()
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    port_ok && labels_ok && (name.contains('.') || port.is_some() || name == "localhost")
}

fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    // Separators: one `.` or `_`, two `_`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| !alnum(b)).count();
        let separator = &component[i..i + run];
        let valid = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
        i += run;
    }
    true
}

fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= MAX_TAG
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !tag.starts_with(['.', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_names_host_repository_and_tag() {
        let r = DockerRef::parse("docker://127.0.0.1:5000/ocp/worker-os:v1").unwrap();
        assert_eq!((r.host.as_str(), r.repository.as_str(), r.tag.as_str()), ("127.0.0.1:5000", "ocp/worker-os", "v1"));
        assert_eq!(r.with_digest("sha256:ab"), "127.0.0.1:5000/ocp/worker-os@sha256:ab");
        assert_eq!(r.to_string(), "docker://127.0.0.1:5000/ocp/worker-os:v1");
        assert!(DockerRef::parse("docker://quay.io/a__b/c.d-e:latest").is_ok());
        assert!(DockerRef::parse("docker://localhost/x:1").is_ok());
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in [
            "oci:out",
            "docker://quay.io/x",
            "docker://worker:5000",
            "docker://registry/x:1",
            "docker://quay.io/Upper:1",
            "docker://quay.io/a..b:1",
            "docker://quay.io/x:-bad",
            "docker://quay.io/x@sha256:0123",
            "docker://quay.io/x:",
            "docker://:5000/x:1",
        ] {
            assert!(DockerRef::parse(bad).is_err(), "{bad}");
        }
    }
}
