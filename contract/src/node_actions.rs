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
    pub steps: Vec<Step>,
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
    Reboot,
}

impl Step {
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
            Step::Reboot => "reboot",
        }
    }
}
