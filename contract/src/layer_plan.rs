//! The layer plan (`mcc.layer-plan/v1`): what `mcc compile` puts into a pool's image, read back
//! by `mcc build`. Serialised from these structs, fields in declaration order, so the same inputs
//! give the same bytes. Its JSON Schema is `docs/schemas/layer-plan.schema.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const LAYER_PLAN_SCHEMA: &str = "mcc.layer-plan/v1";

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
    /// The pool's `MachineOSConfig`, whose custom Containerfile content ends the Containerfile.
    /// Left out when the pool has none (added to v1: fields are only ever added).
    #[serde(rename = "machineOSConfig", default, skip_serializing_if = "Option::is_none")]
    pub machine_os_config: Option<MachineOsConfigSource>,
}

/// Where the custom part of the Containerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MachineOsConfigSource {
    /// The `MachineOSConfig`'s name.
    pub name: String,
    /// The `containerfileArch` of the `spec.containerFile[]` entry used (`NoArch`, `AMD64`, …), or
    /// `None` when no entry applies to the build's architecture.
    pub containerfile_arch: Option<String>,
    /// Hex SHA-256 of that entry's content, as appended.
    pub content_sha256: Option<String>,
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
    /// The `/etc` path its MachineConfig names, when a `relocate` rule baked it into `/usr`
    /// instead (`mcc compile --relocate`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relocated_from: Option<String>,
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
