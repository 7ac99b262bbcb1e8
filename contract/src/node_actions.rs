//! The node-side actions (`mcc.node-actions/v1`): the ordered steps `mcc compile` leaves on the
//! node, executed by `mcc apply`. Serialised from these structs, fields in declaration order, so
//! the same inputs give the same bytes. Its JSON Schema is `docs/schemas/node-actions.schema.json`.

use serde::{Deserialize, Serialize};

pub const NODE_ACTIONS_SCHEMA: &str = "mcc.node-actions/v1";

/// The node-side steps of a pool, in the order they are applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeActions {
    /// Always [`NODE_ACTIONS_SCHEMA`].
    pub schema: String,
    pub pool: String,
    pub rendered_config: String,
    /// The rendered config of `--from`, when given.
    pub from: Option<String>,
    pub target: String,
    /// `node` or `tmpfiles`.
    pub var_strategy: String,
    /// From the plan: a new image must be built and booted.
    pub rebuild: bool,
    pub drain: bool,
    pub reboot: bool,
    /// The OS image the pool's nodes must boot (bootc and rpm-ostree targets; `None` for legacy,
    /// whose nodes keep their image). Absent from documents written before it existed.
    #[serde(default)]
    pub image: Option<NodeImage>,
    pub steps: Vec<Step>,
}

/// The image a pool's nodes need: the one built from this compile's layer, known by its digest
/// reference once pushed (`mcc compile --image`), or not known yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeImage {
    /// `HOST/REPO@sha256:…`, from `--image`; `None` until the image is built and pushed.
    pub reference: Option<String>,
    /// The layer plan's source digest (`layer-plan.json`): the build the node needs.
    pub source_digest: String,
}

/// File contents: inline when short UTF-8 text, else a blob beside the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Content {
    pub size: u64,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
    /// `blobs/<sha256>`, relative to the pool's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// Who owns a node-side entry: numeric ids, or names resolved on the node; root when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// What a removed entry was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovedKind {
    File,
    Directory,
    Link,
    Unit,
    Dropin,
}

/// One node-side step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum Step {
    /// Cordon and drain the node before anything changes.
    Drain,
    /// Create a directory (parents 0755 root, as Ignition does).
    Mkdir {
        path: String,
        mode: String,
        #[serde(flatten)]
        owner: Owner,
        placement: String,
        sources: Vec<String>,
    },
    /// Write a file, replacing what is there; `append` fragments follow the contents.
    Write {
        path: String,
        mode: String,
        #[serde(flatten)]
        owner: Owner,
        content: Content,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        append: Vec<Content>,
        placement: String,
        sources: Vec<String>,
    },
    /// Create a symbolic (or hard) link, replacing what is there.
    Link {
        path: String,
        target: String,
        hard: bool,
        #[serde(flatten)]
        owner: Owner,
        placement: String,
        sources: Vec<String>,
    },
    /// Remove what the old config wrote and the new one does not (`--from`); a unit is disabled first.
    Remove {
        path: String,
        kind: RemovedKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// Write a user's SSH keys: the file mode 0600, its directories 0700, all owned by the user.
    SshKeys {
        user: String,
        path: String,
        keys: Vec<String>,
        mode: String,
        directory_mode: String,
        sources: Vec<String>,
    },
    /// Set a user's password hash (`usermod -p`).
    PasswordHash {
        user: String,
        hash: String,
        sources: Vec<String>,
    },
    /// `rpm-ostree kargs --delete-if-present=… --append=…` (rpm-ostree and legacy targets).
    KernelArguments {
        delete: Vec<String>,
        append: Vec<String>,
        sources: Vec<String>,
    },
    /// Install the extensions' packages on the node (legacy target).
    Extensions {
        extensions: Vec<String>,
        install: Vec<String>,
        sources: Vec<String>,
    },
    /// Swap the kernel on the node (legacy target).
    KernelType {
        kernel_type: String,
        install: Vec<String>,
        sources: Vec<String>,
    },
    /// Write a unit file to `/etc/systemd/system`.
    WriteUnit {
        name: String,
        path: String,
        content: Content,
        placement: String,
        sources: Vec<String>,
    },
    /// Write a dropin to `/etc/systemd/system/<unit>.d/`.
    WriteDropin {
        unit: String,
        name: String,
        path: String,
        content: Content,
        placement: String,
        sources: Vec<String>,
    },
    /// `systemctl mask`.
    MaskUnit {
        name: String,
        sources: Vec<String>,
    },
    /// `systemctl enable`.
    EnableUnit {
        name: String,
        sources: Vec<String>,
    },
    /// `systemctl disable`.
    DisableUnit {
        name: String,
        sources: Vec<String>,
    },
    DaemonReload,
    Reload {
        service: String,
    },
    Restart {
        service: String,
    },
    /// Switch the node to the pool's image, staged for the next boot: `bootc switch --transport
    /// registry IMAGE` (bootc) or `rpm-ostree rebase ostree-unverified-registry:IMAGE` (rpm-ostree);
    /// with `signed`, the forms that enforce the node's containers signature policy.
    Switch {
        /// A digest reference, `HOST/REPO@sha256:…`.
        image: String,
        /// The node's `/etc/containers/policy.json` requires a signature for the image's
        /// repository: `bootc switch --enforce-container-sigpolicy`, `ostree-image-signed:docker://`.
        signed: bool,
    },
    Reboot,
}

impl Step {
    /// The contents the step writes: a write's and its appends, a unit's or a drop-in's.
    pub fn contents(&self) -> Vec<&Content> {
        match self {
            Step::Write { content, append, .. } => std::iter::once(content).chain(append).collect(),
            Step::WriteUnit { content, .. } | Step::WriteDropin { content, .. } => vec![content],
            _ => Vec::new(),
        }
    }

    /// The `op` name.
    pub fn op(&self) -> &'static str {
        match self {
            Step::Drain => "drain",
            Step::Mkdir { .. } => "mkdir",
            Step::Write { .. } => "write",
            Step::Link { .. } => "link",
            Step::Remove { .. } => "remove",
            Step::SshKeys { .. } => "ssh-keys",
            Step::PasswordHash { .. } => "password-hash",
            Step::KernelArguments { .. } => "kernel-arguments",
            Step::Extensions { .. } => "extensions",
            Step::KernelType { .. } => "kernel-type",
            Step::WriteUnit { .. } => "write-unit",
            Step::WriteDropin { .. } => "write-dropin",
            Step::MaskUnit { .. } => "mask-unit",
            Step::EnableUnit { .. } => "enable-unit",
            Step::DisableUnit { .. } => "disable-unit",
            Step::DaemonReload => "daemon-reload",
            Step::Reload { .. } => "reload",
            Step::Restart { .. } => "restart",
            Step::Switch { .. } => "switch",
            Step::Reboot => "reboot",
        }
    }
}

/// The command that switches a node of `target` to `image` ([`Step::Switch`]), as the node runs
/// it; `None` for a target that does not boot images (legacy).
pub fn switch_command(target: &str, image: &str, signed: bool) -> Option<Vec<String>> {
    let words: Vec<String> = match (target, signed) {
        ("bootc", false) => {
            vec!["bootc".into(), "switch".into(), "--transport".into(), "registry".into(), image.into()]
        }
        ("bootc", true) => vec![
            "bootc".into(),
            "switch".into(),
            "--transport".into(),
            "registry".into(),
            "--enforce-container-sigpolicy".into(),
            image.into(),
        ],
        ("rpm-ostree", false) => {
            vec!["rpm-ostree".into(), "rebase".into(), format!("ostree-unverified-registry:{image}")]
        }
        ("rpm-ostree", true) => {
            vec!["rpm-ostree".into(), "rebase".into(), format!("ostree-image-signed:docker://{image}")]
        }
        _ => return None,
    };
    Some(words)
}

/// The command that makes a node of `target` boot its previous deployment again (the rollback of
/// a [`Step::Switch`]); `None` for legacy.
pub fn rollback_command(target: &str) -> Option<Vec<String>> {
    match target {
        "bootc" => Some(vec!["bootc".into(), "rollback".into()]),
        "rpm-ostree" => Some(vec!["rpm-ostree".into(), "rollback".into()]),
        _ => None,
    }
}

/// Why `reference` is not an image reference by digest (`[HOST[:PORT]/]REPO[:TAG]@sha256:<64 hex>`),
/// or `Ok`. A reference without a digest is [`ReferenceProblem::Tag`]: it names whatever the tag
/// points at when the node pulls.
pub fn check_image_reference(reference: &str) -> Result<(), ReferenceProblem> {
    let malformed = |why: &str| Err(ReferenceProblem::Malformed(why.into()));
    if reference.is_empty() || reference.len() > 4096 {
        return malformed("it is empty or longer than 4096 bytes");
    }
    if reference.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return malformed("it holds whitespace or a control character");
    }
    if reference.contains("://") {
        return malformed("it has a transport (`docker://`): give the reference alone, `HOST/REPO@sha256:…`");
    }
    let (name, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    let (path, _tag) = match name.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
        _ => (name, None),
    };
    let components: Vec<&str> = path.split('/').collect();
    if path.starts_with('-') || components.iter().any(|c| c.is_empty()) {
        return malformed("its repository has an empty component or starts with `-`");
    }
    let repository = if components.len() > 1 && (components[0].contains(['.', ':']) || components[0] == "localhost") {
        &components[1..]
    } else {
        &components[..]
    };
    let valid = |c: &&str| c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !repository.iter().all(valid) {
        return malformed(
            "a repository component holds something other than lowercase letters, digits, `.`, `_` and `-`",
        );
    }
    match digest {
        None => Err(ReferenceProblem::Tag),
        Some(digest) => match digest.strip_prefix("sha256:") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
                Ok(())
            }
            _ => malformed("its digest is not `sha256:` and 64 lowercase hex digits"),
        },
    }
}

/// What is wrong with an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceProblem {
    /// Not a reference at all; why.
    Malformed(String),
    /// A tag (or a bare repository), not a digest.
    Tag,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digest_references_are_accepted() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for good in [format!("quay.io/x/y@{digest}"), format!("localhost:5000/y:v1@{digest}"), format!("y@{digest}")] {
            assert_eq!(check_image_reference(&good), Ok(()), "{good}");
        }
        for tag in ["quay.io/x/y:latest", "quay.io/x/y", "localhost:5000/y"] {
            assert_eq!(check_image_reference(tag), Err(ReferenceProblem::Tag), "{tag}");
        }
        for bad in [
            String::new(),
            format!("docker://quay.io/x/y@{digest}"),
            format!("quay.io/X/y@{digest}"),
            "quay.io/x/y@sha256:abc".into(),
            format!("quay.io//y@{digest}"),
            format!("quay.io/x/y @{digest}"),
        ] {
            assert!(matches!(check_image_reference(&bad), Err(ReferenceProblem::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn each_target_switches_and_rolls_back_with_its_own_tool() {
        let image = format!("quay.io/x/y@sha256:{}", "a".repeat(64));
        assert_eq!(
            switch_command("bootc", &image, false).unwrap().join(" "),
            format!("bootc switch --transport registry {image}")
        );
        assert_eq!(
            switch_command("rpm-ostree", &image, false).unwrap().join(" "),
            format!("rpm-ostree rebase ostree-unverified-registry:{image}")
        );
        assert_eq!(
            switch_command("rpm-ostree", &image, true).unwrap().join(" "),
            format!("rpm-ostree rebase ostree-image-signed:docker://{image}")
        );
        assert_eq!(switch_command("legacy", &image, false), None);
        assert_eq!(rollback_command("bootc").unwrap().join(" "), "bootc rollback");
        assert_eq!(rollback_command("legacy"), None);
    }
}
