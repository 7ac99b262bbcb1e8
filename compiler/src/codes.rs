//! The registry of diagnostic codes.
//!
//! A code is a stable promise: once published it keeps its meaning. Each one has a doc page in
//! `docs/codes/<CODE>.md` (what it checks, why it matters, an example, the fix), embedded here so
//! that `mcc explain CODE` and the SARIF output serve the same text. A code without a page does not
//! compile; a page without a code fails the `every_doc_page_has_a_code` test.
//!
//! Ranges: `MCC0xxx` reading inputs, `MCC1xxx` Ignition and MachineConfig validation,
//! `MCC2xxx` pools and rendering, `MCC30xx` the policy language, `MCC31xx` the Node Disruption
//! Policy, `MCC32xx` classification, `MCC40xx` plans, `MCC50xx` compiling, `MCC51xx` applying,
//! `MCC52xx` building and pushing images, `MCC70xx` the checks of `mcc check`, `MCC71xx` its
//! `MachineOSConfig` checks.
//! Lints written in policy files have their own codes (`MCC6xxx` for the stdlib's).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// A short kebab-case name, as used by SARIF's `rule.name`.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub doc: &'static str,
}

/// Errors that Ignition's validator does not find and the MCO does not see when it renders: the
/// pool renders, and the node fails when it writes the file. They never make a MachineConfig
/// invalid.
pub fn fails_at_apply_time(code: &CodeInfo) -> bool {
    [&HASH_MISMATCH, &CONTENTS_NOT_DECOMPRESSIBLE, &ID_OUT_OF_RANGE, &PASSWORD_HASH_INVALID]
        .into_iter()
        .any(|apply_time| std::ptr::eq(code, apply_time))
}

macro_rules! codes {
    ($($ident:ident = $code:literal $name:literal $severity:ident $summary:literal;)*) => {
        $(
            #[doc = $summary]
            #[allow(rustdoc::broken_intra_doc_links, reason = "a summary is prose for users: `[Install]` names a unit section")]
            pub static $ident: CodeInfo = CodeInfo {
                code: $code,
                name: $name,
                severity: Severity::$severity,
                summary: $summary,
                doc: include_str!(concat!("../../docs/codes/", $code, ".md")),
            };
        )*
        /// Every code, in code order.
        pub static ALL: &[&CodeInfo] = &[$(&$ident),*];
    };
}

codes! {
    INPUT_UNREADABLE = "MCC0001" "input-unreadable" Error "an input path could not be read";
    YAML_SYNTAX = "MCC0002" "yaml-syntax" Error "a document is not valid YAML or JSON";
    DUPLICATE_KEY = "MCC0003" "duplicate-key" Error "a mapping defines the same key twice";
    SKIPPED_KIND = "MCC0004" "skipped-kind" Info "a document of a kind mcc does not read was skipped";
    BUTANE_INPUT = "MCC0005" "butane-input" Error "a Butane config must be translated before mcc reads it";
    LEGACY_OCTAL = "MCC0006" "legacy-octal" Warning "a number with a leading zero is octal under Kubernetes YAML rules";
    NOT_AN_OBJECT = "MCC0007" "not-an-object" Error "a document is not a Kubernetes object";
    UNKNOWN_FIELD = "MCC0008" "unknown-field" Warning "a Kubernetes object has a field its API does not define";
    WRONG_TYPE = "MCC0009" "wrong-type" Error "a value has the wrong type";
    MISSING_FIELD = "MCC0010" "missing-field" Error "a required field is missing";
    NO_INPUTS = "MCC0011" "no-inputs" Warning "no MachineConfig-related objects were found in the inputs";
    DUPLICATE_OBJECT = "MCC0012" "duplicate-object" Error "two objects of one kind have the same name";
    WRONG_API_VERSION = "MCC0013" "wrong-api-version" Error "an object has an apiVersion its kind does not have";
    YAML_ALIAS_LIMIT = "MCC0014" "yaml-alias-limit" Error "a document expands to too many nodes through aliases";
    RENDERED_CONFIG_INPUT = "MCC0015" "rendered-config-input" Info "a rendered MachineConfig from a cluster is read but not merged";
    SYMLINK_OUTSIDE_INPUT = "MCC0016" "symlink-outside-input" Warning "a symlink in a directory input points outside it, so it is not read";
    NOT_A_REGULAR_FILE = "MCC0017" "not-a-regular-file" Warning "a FIFO, socket or device in a directory input is not read";
    INPUT_TOO_LARGE = "MCC0018" "input-too-large" Error "an input file is larger than 64 MiB, so it is not read";
    DATA_URL_BUDGET = "MCC0019" "data-url-budget" Error "the data URLs of the inputs decode to more than the run's budget (1 GiB unless MCC_DATA_URL_BUDGET says otherwise)";
    CONFIG_UNKNOWN_KEY = "MCC0040" "config-unknown-key" Warning "a key of .mcc/config.toml is not one of its settings";
    CONFIG_INVALID = "MCC0041" "config-invalid" Error "a value of .mcc/config.toml is not valid TOML, has the wrong type, or is not a value its flag accepts";

    IGNITION_VERSION_UNSUPPORTED = "MCC1001" "ignition-version-unsupported" Error "the Ignition config version is not one the MCO accepts";
    IGNITION_VERSION_INVALID = "MCC1002" "ignition-version-invalid" Error "the Ignition config version does not parse";
    IGNITION_VERSION_MISSING = "MCC1003" "ignition-version-missing" Error "an Ignition config with content has no version";
    IGNITION_UNUSED_KEY = "MCC1004" "ignition-unused-key" Warning "an Ignition config has a key its spec version does not define";
    PATH_INVALID = "MCC1005" "path-invalid" Error "a path is empty, relative or not in its simplest form";
    DUPLICATE_ENTRY = "MCC1006" "duplicate-entry" Error "one config defines the same path, unit, dropin or user twice";
    MODE_INVALID = "MCC1007" "mode-invalid" Error "a mode is outside 0 to 07777";
    MODE_SPECIAL_BITS = "MCC1008" "mode-special-bits" Error "a mode sets setuid, setgid or sticky bits, which the MCO refuses";
    UNIT_NAME_INVALID = "MCC1009" "unit-name-invalid" Error "a systemd unit name has no valid unit type suffix";
    DROPIN_NAME_INVALID = "MCC1010" "dropin-name-invalid" Error "a systemd dropin name does not end in .conf";
    UNIT_CONTENTS_INVALID = "MCC1011" "unit-contents-invalid" Error "systemd unit or dropin contents do not parse";
    UNIT_ENABLED_NO_INSTALL = "MCC1012" "unit-enabled-no-install" Warning "an enabled unit has no [Install] section, so enabling it does nothing";
    LINK_TARGET_MISSING = "MCC1013" "link-target-missing" Error "a link has no target";
    OWNER_ID_AND_NAME = "MCC1014" "owner-id-and-name" Error "a user or group sets both id and name";
    DATA_URL_INVALID = "MCC1015" "data-url-invalid" Error "a data URL does not decode";
    COMPRESSION_INVALID = "MCC1016" "compression-invalid" Error "file contents name an unknown compression method";
    HASH_INVALID = "MCC1017" "hash-invalid" Error "a verification hash is malformed";
    HASH_MISMATCH = "MCC1018" "hash-mismatch" Error "file contents do not match their verification hash, so the node fails to write the file";
    REMOTE_SOURCE = "MCC1019" "remote-source" Warning "file contents come from a remote URL that cannot be known offline";
    SOURCE_URL_INVALID = "MCC1020" "source-url-invalid" Error "a content source URL has an unsupported scheme or does not parse";
    OVERWRITE_WITHOUT_SOURCE = "MCC1021" "overwrite-without-source" Error "a file sets overwrite without a content source";
    PATH_CONFLICTS_WITH_UNIT = "MCC1022" "path-conflicts-with-unit" Error "a storage entry writes the same path as a systemd unit or dropin";
    PATH_THROUGH_LINK = "MCC1023" "path-through-link" Error "a storage entry's path goes through a link of the same config";
    HTTP_HEADERS_NOT_HTTP = "MCC1024" "http-headers-not-http" Error "HTTP headers are set on a source that is not http or https";
    NON_CORE_USER_V2 = "MCC1025" "non-core-user-v2" Error "a spec 2.x config names a user other than core";
    FILESYSTEM_NOT_ROOT_V2 = "MCC1026" "filesystem-not-root-v2" Error "a spec 2.x file names a filesystem other than root";
    HARD_LINK_TO_DIRECTORY = "MCC1027" "hard-link-to-directory" Error "a hard link targets a directory of the same config";
    SPECIAL_MODE_IGNORED = "MCC1028" "special-mode-ignored" Warning "Ignition ignores setuid, setgid and sticky bits before spec 3.6";
    V2_NOT_CONVERTIBLE = "MCC1029" "v2-not-convertible" Error "a spec 2.x config uses a feature the conversion to spec 3 refuses";
    HTTP_HEADER_INVALID = "MCC1030" "http-header-invalid" Error "an HTTP header has an empty name or value, or is given twice";
    CONTENTS_NOT_DECOMPRESSIBLE = "MCC1031" "contents-not-decompressible" Error "file contents marked gzip do not decompress, so the node fails to write the file";
    STORAGE_ENTRY_INVALID = "MCC1032" "storage-entry-invalid" Error "a disk, partition, RAID array, filesystem or LUKS device breaks a rule of Ignition's validator";
    IGNITION_SECTION_INVALID = "MCC1033" "ignition-section-invalid" Error "a proxy or TLS certificate authority of the ignition section breaks a rule of Ignition's validator";
    ID_OUT_OF_RANGE = "MCC1034" "id-out-of-range" Error "a user or group id is negative or does not fit in 32 bits";
    PASSWORD_HASH_INVALID = "MCC1035" "password-hash-invalid" Error "a password hash contains a colon or a line break";

    KERNEL_TYPE_INVALID = "MCC1501" "kernel-type-invalid" Error "kernelType is not one the MCO accepts";
    EXTENSION_UNSUPPORTED = "MCC1502" "extension-unsupported" Error "an extension is not in the MCO's supported list";
    KERNEL_DEVEL_WITH_KERNEL_TYPE = "MCC1503" "kernel-devel-with-kernel-type" Error "the kernel-devel extension is requested with a non-default kernel type";
    OS_IMAGE_URL_NO_DIGEST = "MCC1504" "os-image-url-no-digest" Warning "osImageURL is not pinned by digest";

    UNSELECTED_MACHINE_CONFIG = "MCC2001" "unselected-machine-config" Warning "no pool selects this MachineConfig";
    EMPTY_SELECTOR = "MCC2002" "empty-selector" Warning "a pool's machineConfigSelector is empty, so it selects nothing";
    POOL_SELECTS_NOTHING = "MCC2003" "pool-selects-nothing" Warning "a pool selects no MachineConfig among the inputs";
    MACHINE_CONFIG_WITHOUT_LABELS = "MCC2004" "machine-config-without-labels" Error "a selected MachineConfig has no labels, which the MCO's merge refuses";
    SELECTOR_INVALID = "MCC2005" "selector-invalid" Error "a label selector expression is invalid";
    OS_IMAGE_URL_WITH_STREAM = "MCC2006" "os-image-url-with-stream" Error "a pool sets osImageStream while a MachineConfig overrides osImageURL";
    POOL_NOT_RENDERED = "MCC2007" "pool-not-rendered" Info "a pool is not rendered because a MachineConfig it selects has errors";
    MERGED_CONFIG_INVALID = "MCC2008" "merged-config-invalid" Error "a pool's merged config breaks a rule of Ignition's validator";
    MAX_UNAVAILABLE_INVALID = "MCC2009" "max-unavailable-invalid" Error "a pool's maxUnavailable is neither a number of nodes nor a percentage";
    RENDERED_CONFIG_STALE = "MCC2010" "rendered-config-stale" Warning "a cluster dump's rendered config differs from what mcc renders from the dump's MachineConfigs";

    // The policy language (MCC30xx).
    POLICY_SYNTAX = "MCC3001" "policy-syntax" Error "a policy file does not parse";
    UNKNOWN_ACTION = "MCC3002" "unknown-action" Error "a disruption action is not one the Node Disruption Policy knows";
    ACTION_SERVICE = "MCC3003" "action-service" Error "reload or restart has no service, or another action has one";
    ACTION_NOT_STANDALONE = "MCC3004" "action-not-standalone" Error "reboot or none is combined with other actions";
    SERVICE_NAME_INVALID = "MCC3005" "service-name-invalid" Error "a service or unit name is one the Node Disruption Policy API refuses";
    SPECIAL_OUTSIDE_REGISTRIES = "MCC3006" "special-outside-registries" Error "the special action is used for something other than /etc/containers/registries.conf";
    POLICY_PATH_RELATIVE = "MCC3007" "policy-path-relative" Error "a path or pattern in a policy is not absolute";
    RULE_NEVER_MATCHES = "MCC3008" "rule-never-matches" Warning "a policy rule can never match or has no effect";
    LAYOUT_EXTENDS_INVALID = "MCC3009" "layout-extends-invalid" Error "a layout extends an unknown layout, itself, or a layout already defined";
    UNLINK_UNKNOWN = "MCC3010" "unlink-unknown" Error "unlink names a link the layout does not have";
    LINT_CODE_INVALID = "MCC3011" "lint-code-invalid" Error "a lint code is not capital letters followed by four digits";
    DUPLICATE_LINT = "MCC3012" "duplicate-lint" Error "one policy file defines the same lint code twice";
    TOO_MANY_ACTIONS = "MCC3013" "too-many-actions" Error "a disruption rule has more than 10 actions";
    CONDITION_TOO_DEEP = "MCC3014" "condition-too-deep" Error "a lint condition nests parentheses and `not` more than 64 levels deep";
    RELOCATE_INVALID = "MCC3015" "relocate-invalid" Error "a relocate rule moves a path from outside /etc, or into a directory outside the image's /usr";

    // The Node Disruption Policy and MachineConfiguration (MCC31xx).
    MACHINE_CONFIGURATION_NOT_CLUSTER = "MCC3101" "machine-configuration-not-cluster" Error "a MachineConfiguration is not named cluster";
    DUPLICATE_MACHINE_CONFIGURATION = "MCC3102" "duplicate-machine-configuration" Error "two MachineConfiguration objects are named cluster";
    NDP_TOO_MANY_ENTRIES = "MCC3103" "ndp-too-many-entries" Error "a Node Disruption Policy lists more than 50 files or 50 units";
    NDP_DUPLICATE_ENTRY = "MCC3104" "ndp-duplicate-entry" Error "a Node Disruption Policy lists the same path or unit name twice";
    NDP_FIELD_REQUIRED = "MCC3105" "ndp-field-required" Error "a Node Disruption Policy entry lacks a required field";
    NDP_TOO_MANY_ACTIONS = "MCC3106" "ndp-too-many-actions" Error "a Node Disruption Policy entry has more than 10 actions";
    NDP_ACTION_NOT_STANDALONE = "MCC3107" "ndp-action-not-standalone" Error "a Reboot or None action is listed with other actions";
    NDP_ACTION_TYPE_INVALID = "MCC3108" "ndp-action-type-invalid" Error "an action type is not one a Node Disruption Policy accepts";
    NDP_ACTION_SERVICE_MISMATCH = "MCC3109" "ndp-action-service-mismatch" Error "reload or restart is missing for its action type, or set for another type";
    NDP_SERVICE_NAME_TOO_LONG = "MCC3110" "ndp-service-name-too-long" Error "a service or unit name is longer than 255 characters";
    NDP_SERVICE_TYPE_INVALID = "MCC3111" "ndp-service-type-invalid" Error "a service or unit name does not end in a systemd unit type";
    NDP_SERVICE_NAME_INVALID = "MCC3112" "ndp-service-name-invalid" Error "a service or unit name has no valid name before its unit type";
    NDP_PATH_RELATIVE = "MCC3113" "ndp-path-relative" Warning "a file policy path is not absolute, so it never matches";
    IRRECONCILABLE_OVERRIDES_INVALID = "MCC3114" "irreconcilable-overrides-invalid" Error "irreconcilableValidationOverrides is empty, repeats or names an unknown section";
    NDP_UNKNOWN_FIELD = "MCC3115" "ndp-unknown-field" Warning "a MachineConfiguration spec or Node Disruption Policy has a field its API does not define";

    // Classification (MCC32xx).
    REBOOTLESS_ON_IMAGE_PATH = "MCC3201" "rebootless-on-image-path" Warning "a rebootless disruption policy covers a path that is read-only on image-mode nodes";
    ENTRY_NOT_FOUND = "MCC3202" "entry-not-found" Error "no rendered pool has the entry `mcc explain --entry` asks about";
    RELOCATION_SHADOWED = "MCC3203" "relocation-shadowed" Warning "a file is not relocated into /usr because another entry keeps its name in /etc, which would shadow it";

    // Plans (MCC40xx).
    IRRECONCILABLE_GROUPS = "MCC4001" "irreconcilable-groups" Error "a change to passwd groups, which the MCO refuses on running nodes";
    IRRECONCILABLE_USER = "MCC4002" "irreconcilable-user" Error "a change to passwd users names a user other than core";
    IRRECONCILABLE_USER_FIELDS = "MCC4003" "irreconcilable-user-fields" Error "the core user sets fields other than SSH keys and password hash";
    IRRECONCILABLE_CORE_USER_EMPTY = "MCC4004" "irreconcilable-core-user-empty" Error "a change to passwd users leaves the last user without SSH keys or password hash";
    IRRECONCILABLE_IGNITION_KARGS = "MCC4005" "irreconcilable-ignition-kargs" Error "a change to the Ignition kernelArguments section, which the MCO refuses";
    IRRECONCILABLE_DISKS = "MCC4006" "irreconcilable-disks" Error "a change to storage.disks, which the MCO refuses unless overridden";
    IRRECONCILABLE_FILESYSTEMS = "MCC4007" "irreconcilable-filesystems" Error "a change to storage.filesystems, which the MCO refuses unless overridden";
    IRRECONCILABLE_RAID = "MCC4008" "irreconcilable-raid" Error "a change to storage.raid, which the MCO refuses unless overridden";
    IRRECONCILABLE_DIRECTORIES = "MCC4009" "irreconcilable-directories" Error "a change to storage.directories, which the MCO refuses";
    IRRECONCILABLE_LINKS = "MCC4010" "irreconcilable-links" Error "a change to storage.links other than removing them all, which the MCO refuses";
    IRRECONCILABLE_FILE_APPEND = "MCC4011" "irreconcilable-file-append" Error "a file appends contents, which the MCO refuses on running nodes";
    IRRECONCILABLE_FORCE_FILE = "MCC4012" "irreconcilable-force-file" Error "a file is written at /run/machine-config-daemon-force";
    IRRECONCILABLE_FIPS = "MCC4013" "irreconcilable-fips" Error "a change to fips, which the MCO refuses on a running cluster";
    REGISTRIES_CONF_INVALID = "MCC4014" "registries-conf-invalid" Error "registries.conf does not decode as the MCO's TOML, so the update fails";
    NDP_RULE_IN_SAME_CHANGE = "MCC4040" "ndp-rule-in-same-change" Warning "the MachineConfiguration rule that makes a change rebootless arrives in the same change, so a sync that applies it second reboots";

    // Compile (MCC50xx).
    COMPILE_REMOTE_SOURCE = "MCC5001" "compile-remote-source" Error "file contents come from a remote source, which compile cannot read";
    COMPILE_REJECTED_ENTRY = "MCC5002" "compile-rejected-entry" Error "an entry is placed in reject, so compile cannot place it in the image or on the node";
    COMPILE_IRRECONCILABLE = "MCC5003" "compile-irreconcilable" Error "the update from --from is one the MCO refuses, so compile writes nothing for the pool";
    COMPILE_NO_BASE_IMAGE = "MCC5004" "compile-no-base-image" Error "a pool has no base image to build on";
    COMPILE_NO_EXTENSIONS_IMAGE = "MCC5005" "compile-no-extensions-image" Error "a pool installs extensions or a kernel type without an extensions image";
    OWNER_NOT_RESOLVABLE = "MCC5006" "owner-not-resolvable" Warning "an entry's owner is a name mcc cannot resolve to a number, so it is written on the node";
    IMAGE_PATH_CONFLICT = "MCC5007" "image-path-conflict" Error "two entries land on the same path in the image";
    COMPILE_IMAGE_REFERENCE_INVALID = "MCC5020" "compile-image-reference-invalid" Error "the image given with --image is not an image reference";
    COMPILE_IMAGE_TAG = "MCC5021" "compile-image-tag" Error "the image given with --image is named by a tag, not a digest";

    // Apply (MCC51xx).
    APPLY_STEP_INVALID = "MCC5101" "apply-step-invalid" Error "a node-side step has a path that is not absolute and simplified, or an invalid mode, name or content reference";
    APPLY_PATH_ESCAPES_ROOT = "MCC5102" "apply-path-escapes-root" Error "resolving a path beneath the root would leave it, through a symlink that climbs above it or loops";
    APPLY_OWNER_UNKNOWN = "MCC5103" "apply-owner-unknown" Error "a user or group the plan names is not in the root's /etc/passwd, /etc/group or /etc/shadow";
    APPLY_PLAN_UNREADABLE = "MCC5104" "apply-plan-unreadable" Error "node-actions.json or a blob it names cannot be read, or is not a mcc.node-actions/v1 document";
    APPLY_CONTENT_MISMATCH = "MCC5105" "apply-content-mismatch" Error "a step's contents do not match the size and digest the plan records";
    APPLY_STEP_FAILED = "MCC5106" "apply-step-failed" Error "a step could not be applied to the root";
    APPLY_ACTION_FAILED = "MCC5107" "apply-action-failed" Error "a post-change action (systemctl, rpm-ostree) failed";
    APPLY_ACTIONS_OFF_HOST = "MCC5108" "apply-actions-off-host" Error "--run-actions was given with a root that is not `/`: the actions would act on the machine running mcc";
    APPLY_PASSWD_LOCK = "MCC5109" "apply-passwd-lock" Error "the root's password database lock (/etc/.pwd.lock) is not a regular file, or stays held longer than mcc waits";
    APPLY_NOTHING_TO_ROLL_BACK = "MCC5110" "apply-nothing-to-roll-back" Error "mcc apply --rollback found no apply of this plan to undo in the root";
    APPLY_ROLLBACK_TREE_CHANGED = "MCC5111" "apply-rollback-tree-changed" Error "a path the last apply changed was changed again since, so mcc apply --rollback refuses to overwrite it";

    // Build and push (MCC52xx).
    PUSH_TOOL_MISSING = "MCC5201" "push-tool-missing" Error "mcc build --push needs skopeo, which cannot be run";
    PUSH_UNAUTHORIZED = "MCC5202" "push-unauthorized" Error "the registry refused the push's credentials, or an auth file named for it is missing";
    PUSH_FAILED = "MCC5203" "push-failed" Error "the push to the registry failed";
    PLATFORM_MISMATCH = "MCC5204" "platform-mismatch" Error "--platform differs from the base image's platform";
    LAYOUT_INVALID = "MCC5205" "layout-invalid" Error "mcc build --out oci:DIR names a directory that holds something other than an OCI image layout";
    BUILD_PLAN_UNREADABLE = "MCC5206" "build-plan-unreadable" Error "layer-plan.json or a blob it names cannot be read, is not a regular file, is over its size limit, or is not a mcc.layer-plan/v1 document";
    BUILD_CONTENT_MISMATCH = "MCC5207" "build-content-mismatch" Error "a blob, or the layer built from the blobs, differs from the size and digest the layer plan records";
    BASE_UNREADABLE = "MCC5208" "base-unreadable" Error "the base image of mcc build --base oci:DIR cannot be read: a file of its layout is missing, not a regular file, over its size limit or not what its descriptor records";

    // Checks (MCC70xx).
    CONFLICTING_DEFINITIONS = "MCC7001" "conflicting-definitions" Warning "two MachineConfigs of one pool define the same path, unit or dropin differently, and the later one silently wins";
    PATH_REJECTED = "MCC7002" "path-rejected" Warning "a path is written where the layout says no node can hold it";
    VAR_AS_TMPFILES = "MCC7003" "var-as-tmpfiles" Info "a /var entry can be shipped in the image as a tmpfiles.d line";
    ETC_WRITTEN_BY_NODE = "MCC7004" "etc-written-by-node" Warning "an /etc file the node itself writes is also written by a MachineConfig";
    EXEC_RELATIVE_PATH = "MCC7005" "exec-relative-path" Warning "a unit's Exec line runs a relative path, which systemd refuses";
    DROPIN_WITHOUT_UNIT = "MCC7006" "dropin-without-unit" Warning "a dropin extends a unit that no MachineConfig or known base unit defines";
    MASKED_UNIT_WITH_CONTENTS = "MCC7007" "masked-unit-with-contents" Warning "a masked unit also has contents or dropins, which never run";
    KERNEL_ARGUMENT_DUPLICATE = "MCC7008" "kernel-argument-duplicate" Warning "a kernel argument is given twice";
    KERNEL_ARGUMENT_CONFLICT = "MCC7009" "kernel-argument-conflict" Warning "MachineConfigs give one kernel argument different values";
    KERNEL_ARGUMENT_SPLIT = "MCC7010" "kernel-argument-split" Warning "a kernelArguments entry is not the one argument it reads as";
    NDP_RULE_MATCHES_NOTHING = "MCC7011" "ndp-rule-matches-nothing" Warning "a file disruption policy matches no file of any pool";
    NDP_UNKNOWN_SERVICE = "MCC7012" "ndp-unknown-service" Warning "a disruption policy reloads or restarts a unit that no MachineConfig or known base unit provides";
    FILE_FORMAT_INVALID = "MCC7013" "file-format-invalid" Error "a file of a known format does not parse";
    SECRET_WORLD_READABLE = "MCC7014" "secret-world-readable" Warning "a private key or token is written in a data URL under a world-readable mode";

    // MachineOSConfig checks (MCC71xx).
    MOSC_DUPLICATE_POOL = "MCC7101" "machine-os-config-duplicate" Error "two MachineOSConfigs name the same pool";
    MOSC_IMAGE_SPEC_INVALID = "MCC7102" "machine-os-config-image-spec" Error "a MachineOSConfig's push spec is missing or not a tag reference, or its current pull spec is not a digest reference";
    MOSC_SECRET_INVALID = "MCC7103" "machine-os-config-secret" Error "a MachineOSConfig lacks its push secret, or a secret it references has no valid name";
    MOSC_CONTAINERFILE_INVALID = "MCC7104" "machine-os-config-containerfile" Error "a MachineOSConfig's custom Containerfile does not parse, or its containerFile list breaks the API's rules";
    MOSC_REPLACES_BASE = "MCC7105" "machine-os-config-replaces-base" Error "a MachineOSConfig's custom Containerfile ends in a stage that does not build on the MachineConfig content";
    MOSC_POOL_UNKNOWN = "MCC7106" "machine-os-config-pool-unknown" Warning "a MachineOSConfig names a pool that is not among the inputs";
    MOSC_IMAGE_BUILDER_INVALID = "MCC7107" "machine-os-config-image-builder" Error "a MachineOSConfig's imageBuilder is missing or not of type Job";
}

/// Looks a code up by its name as written by users (`MCC1005`, case-insensitive).
pub fn find(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().copied().find(|info| info.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        let codes: Vec<_> = ALL.iter().map(|c| c.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn every_doc_page_has_a_code() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/codes");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let code = name.strip_suffix(".md").expect("only .md pages live in docs/codes");
            assert!(find(code).is_some(), "docs/codes/{name} documents no code");
        }
    }

    #[test]
    fn every_page_opens_with_its_code_and_summary() {
        for info in ALL {
            let first = info.doc.lines().next().unwrap_or("");
            assert_eq!(
                first,
                format!("# {}: {}", info.code, info.summary),
                "first line of docs/codes/{}.md",
                info.code
            );
        }
    }
}
