//! The diagnostic codes `mcc apply` reports (`MCC51xx`). They are registered, with their pages
//! (`docs/codes/MCC51xx.md`, `mcc explain`), in the compiler's code table like every other code;
//! a test of the root package checks that each one here is registered there as an error.

/// A step has a path that is not absolute and simplified, or an invalid mode, name or reference.
pub const APPLY_STEP_INVALID: &str = "MCC5101";
/// Resolving a path beneath the root would leave it.
pub const APPLY_PATH_ESCAPES_ROOT: &str = "MCC5102";
/// A user or group is not in the root's `/etc/passwd`, `/etc/group` or `/etc/shadow`.
pub const APPLY_OWNER_UNKNOWN: &str = "MCC5103";
/// `node-actions.json` or a blob it names cannot be read, or is not a node-actions document.
pub const APPLY_PLAN_UNREADABLE: &str = "MCC5104";
/// A step's contents do not match the size and digest the document records.
pub const APPLY_CONTENT_MISMATCH: &str = "MCC5105";
/// A step could not be applied to the root.
pub const APPLY_STEP_FAILED: &str = "MCC5106";
/// A post-change action (systemctl, rpm-ostree) failed.
pub const APPLY_ACTION_FAILED: &str = "MCC5107";

/// `--run-actions` with a root that is not `/`: the actions would act on the machine running mcc.
pub const APPLY_ACTIONS_OFF_HOST: &str = "MCC5108";
/// The root's password database lock (`/etc/.pwd.lock`) is not a regular file or stays held.
pub const APPLY_PASSWD_LOCK: &str = "MCC5109";

/// `--rollback` found no journal of an apply of this plan in the root.
pub const APPLY_NOTHING_TO_ROLL_BACK: &str = "MCC5110";
/// `--rollback` found a path changed since the apply that it would restore.
pub const APPLY_ROLLBACK_TREE_CHANGED: &str = "MCC5111";

/// Every code `mcc apply` reports, in code order.
pub const APPLY_CODES: &[&str] = &[
    APPLY_STEP_INVALID,
    APPLY_PATH_ESCAPES_ROOT,
    APPLY_OWNER_UNKNOWN,
    APPLY_PLAN_UNREADABLE,
    APPLY_CONTENT_MISMATCH,
    APPLY_STEP_FAILED,
    APPLY_ACTION_FAILED,
    APPLY_ACTIONS_OFF_HOST,
    APPLY_PASSWD_LOCK,
    APPLY_NOTHING_TO_ROLL_BACK,
    APPLY_ROLLBACK_TREE_CHANGED,
];
