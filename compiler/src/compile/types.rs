//! The two documents `mcc compile` writes for a pool: the layer plan (`mcc.layer-plan/v1`) and
//! the node-side actions (`mcc.node-actions/v1`). Both are serialised from these structs, fields
//! in declaration order, so the same inputs give the same bytes; both are read back by
//! `mcc build` (and later `mcc apply`). Their JSON Schemas are in `docs/schemas/`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const LAYER_PLAN_SCHEMA: &str = "mcc.layer-plan/v1";
pub const NODE_ACTIONS_SCHEMA: &str = "mcc.node-actions/v1";

/// What goes into a pool's image: the base, one layer, the package changes and kernel arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LayerPlan {
    /// Always [`LAYER_PLAN_SCHEMA`].
    pub schema: String,
    pub pool: String,
    /// The rendered MachineConfig's name, `rendered-<pool>-<hash>`.
    pub rendered_config: String,
    /// `bootc`, `rpm-ostree` or `legacy`.
    pub target: String,
    /// `rhcos`, `fcos` or `fedora-bootc`.
    pub profile: String,
    /// The image the layer goes on: the rendered `osImageURL`, or `--base-image`.
    pub base_image: String,
    /// The extensions image bind-mounted by the package step, when one is known.
    pub extensions_image: Option<String>,
    /// `sha256:` of the rendered MachineConfig's canonical JSON spec (the rendered name's hash is
    /// its first 32 hex digits).
    pub source_digest: String,
    /// Every entry's mtime, in seconds: `SOURCE_DATE_EPOCH` when compile ran, else 0.
    pub mtime: u64,
    /// The image configuration's labels, also written into the Containerfile.
    pub labels: BTreeMap<String, String>,
    /// Every entry of the layer, sorted by path, parents before children.
    pub entries: Vec<ImageEntry>,
    pub packages: Packages,
    pub kernel_arguments: KernelArguments,
    /// `/var` entries shipped as `systemd-tmpfiles` lines (`--var-strategy tmpfiles`).
    pub tmpfiles: Vec<TmpfilesLine>,
    /// `sha256:` of the uncompressed `layer.tar`.
    pub diff_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    File,
    Directory,
    Symlink,
}

/// One entry of the layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageEntry {
    /// Absolute, in the image (links of the layout already followed).
    pub path: String,
    #[serde(rename = "type")]
    pub kind: EntryType,
    /// Octal, four digits: `0644`.
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    /// Files only.
    pub size: Option<u64>,
    /// Files only: hex SHA-256 of the contents, also the name of the blob that holds them.
    pub sha256: Option<String>,
    /// Symlinks only.
    pub target: Option<String>,
    /// `image` (immutable, replaced on update) or `etc` (3-way merged).
    pub placement: String,
    /// What the entry comes from: `file`, `directory`, `link`, `unit`, `dropin`, `mask`,
    /// `enablement`, `kargs`, `tmpfiles` or `parent` (a directory created for its children).
    pub origin: String,
    /// The MachineConfigs behind it, in override order.
    pub sources: Vec<String>,
}

impl ImageEntry {
    /// The mode as a number.
    pub fn mode_bits(&self) -> u32 {
        u32::from_str_radix(&self.mode, 8).unwrap_or(0)
    }
}

/// Package changes made in the image build (bootc and rpm-ostree targets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Packages {
    pub extensions: Vec<Extension>,
    /// Every extension's packages, in order: what `rpm-ostree install` gets.
    pub install: Vec<String>,
    /// `default`, `realtime` or `64k-pages`.
    pub kernel_type: String,
    /// The kernel swap, when the kernel type is not `default`.
    pub kernel_swap: Option<KernelSwap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Extension {
    pub name: String,
    /// The MCO's package list for it.
    pub packages: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KernelSwap {
    pub kernel_type: String,
    /// Installed in place of the kernel the base image has (detected in the build, as the MCO does).
    pub install: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KernelArguments {
    /// `spec.kernelArguments` of every MachineConfig, in merge order.
    pub args: Vec<String>,
    /// `image` (a `kargs.d` file, bootc) or `node` (`rpm-ostree kargs`, the other targets).
    pub placement: String,
    /// The `kargs.d` file, under bootc.
    pub file: Option<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TmpfilesLine {
    /// The path the line creates, as the MachineConfig names it.
    pub path: String,
    /// The line as written into the tmpfiles.d file.
    pub line: String,
    pub sources: Vec<String>,
}

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
