//! Reconcilability (`spec/mco.md` §3): which changes the MCO refuses to apply to running nodes.
//!
//! The parse of both configs (`isReconcilable`), then the checks of `isConfigReconcilable` and `validatePasswdChanges`
//! (`MCO:pkg/controller/common/reconcile.go`), in the MCO's order and with its messages. The
//! MCO stops at the first failing check; mcc reports every failing check, in that order, so
//! the first error is the one the MCO shows (in `new machineconfig A is not reconcilable
//! against B: <message>`, and on the pool as RenderDegraded).

use std::sync::Arc;

use serde_json::Value;

use crate::codes::{self, CodeInfo};
use crate::ignition::types::{Directory, Link, User};
use crate::plan::PlanError;
use crate::plan::PoolState;
use crate::plan::diff::{config_json, directory_json, link_json, normalize, passwd_json};
use crate::plan::same::same;
use crate::render::validity;

/// The file whose presence makes the daemon reboot whatever the diff (`MachineConfigDaemonForceFile`).
pub const FORCE_FILE: &str = "/run/machine-config-daemon-force";

/// The `irreconcilableValidationOverrides.storage` values.
pub const OVERRIDE_DISKS: &str = "Disks";
pub const OVERRIDE_FILESYSTEMS: &str = "FileSystems";
pub const OVERRIDE_RAID: &str = "Raid";

/// Every reason `old` → `new` is not reconcilable, in the MCO's order; empty when it is.
/// `overrides` are the `irreconcilableValidationOverrides.storage` values in force.
pub fn reconcile(old: &PoolState, new: &PoolState, overrides: &[String]) -> Vec<PlanError> {
    // Both configs are parsed (and so validated by Ignition) first, the old one first; a config
    // that does not parse stops the check.
    if let Some(error) = unparsable(old, "old").or_else(|| unparsable(new, "new")) {
        return vec![error];
    }
    let mut errors = Vec::new();
    let mut fail = |code: &CodeInfo, message: String| errors.push(PlanError { code: code.code, message });
    let (o, n): (&crate::ignition::types::Ignition, &crate::ignition::types::Ignition) = (&old.config, &new.config);

    // passwd: only when it differs at all.
    if !same(&o.passwd, &n.passwd, passwd_json) {
        let passwd = |message: &str| format!("invalid passwd change(s): {message}");
        let groups = |c: &crate::ignition::types::Ignition| section(config_json(c), &["passwd", "groups"]);
        if groups(o) != groups(n) {
            fail(&codes::IRRECONCILABLE_GROUPS, passwd("ignition Passwd Groups section contains changes"));
        }
        let users = |c: &crate::ignition::types::Ignition| section(config_json(c), &["passwd", "users"]);
        if users(o) != users(n) {
            if n.passwd.users.iter().any(|u| u.name.value != "core") {
                fail(
                    &codes::IRRECONCILABLE_USER,
                    passwd("ignition passwd user section contains unsupported changes: non-core user"),
                );
            } else if let Some(last) = n.passwd.users.last() {
                // An empty new list is fine: leaving a user out does not delete it.
                if !has_keys_or_hash(last) {
                    fail(
                        &codes::IRRECONCILABLE_CORE_USER_EMPTY,
                        passwd(
                            "ignition passwd user section contains unsupported changes: user must be core and have 1 or more sshKeys",
                        ),
                    );
                } else if !extra_fields(last).is_empty() {
                    fail(&codes::IRRECONCILABLE_USER_FIELDS, passwd("SSH keys and password hash are not reconcilable"));
                }
            }
        }
    }

    let strings = |v: &[crate::load::reader::Spanned<String>]| v.iter().map(|s| s.value.clone()).collect::<Vec<_>>();
    if strings(&o.kernel_arguments.should_exist) != strings(&n.kernel_arguments.should_exist)
        || strings(&o.kernel_arguments.should_not_exist) != strings(&n.kernel_arguments.should_not_exist)
    {
        fail(&codes::IRRECONCILABLE_IGNITION_KARGS, "ignition kargs section contains changes".into());
    }

    let overridden = |name: &str| overrides.iter().any(|o| o == name);
    let raw = |items: &[crate::load::reader::Spanned<Value>]| {
        items.iter().map(|i| normalize(i.value.clone())).collect::<Vec<_>>()
    };
    if !overridden(OVERRIDE_DISKS) && raw(&o.storage.disks) != raw(&n.storage.disks) {
        fail(&codes::IRRECONCILABLE_DISKS, "ignition disks section contains changes".into());
    }
    if !overridden(OVERRIDE_FILESYSTEMS) && raw(&o.storage.filesystems) != raw(&n.storage.filesystems) {
        fail(&codes::IRRECONCILABLE_FILESYSTEMS, "ignition filesystems section contains changes".into());
    }
    if !overridden(OVERRIDE_RAID) && raw(&o.storage.raid) != raw(&n.storage.raid) {
        fail(&codes::IRRECONCILABLE_RAID, "ignition raid section contains changes".into());
    }

    let dirs = |d: &[Arc<Directory>]| Value::Array(d.iter().map(directory_json).collect());
    if !same(o.storage.directories.as_slice(), n.storage.directories.as_slice(), dirs) {
        fail(&codes::IRRECONCILABLE_DIRECTORIES, "ignition directories section contains changes".into());
    }
    let links = |l: &[Arc<Link>]| Value::Array(l.iter().map(link_json).collect());
    // Removing every link is allowed (an old bug's configs had links that had to go).
    if !same(o.storage.links.as_slice(), n.storage.links.as_slice(), links) && !n.storage.links.is_empty() {
        fail(&codes::IRRECONCILABLE_LINKS, "ignition links section contains changes".into());
    }

    for file in &n.storage.files {
        let path = &file.node.path.value;
        if !file.append.is_empty() {
            fail(&codes::IRRECONCILABLE_FILE_APPEND, format!("ignition file {path} includes append"));
        } else if path == FORCE_FILE {
            fail(&codes::IRRECONCILABLE_FORCE_FILE, format!("cannot create {path} via Ignition"));
        }
    }

    if old.fips != new.fips {
        fail(
            &codes::IRRECONCILABLE_FIPS,
            "detected change to FIPS flag; refusing to modify FIPS on a running cluster".into(),
        );
    }
    errors
}

/// `isReconcilable`'s `ParseAndConvertConfig` of one side: a rendered config that breaks a rule
/// of Ignition's validator (only a merge makes one: `render::validity`) does not parse.
pub fn unparsable(state: &PoolState, side: &str) -> Option<PlanError> {
    let problems = validity::problems(&state.config);
    if problems.is_empty() {
        return None;
    }
    let report: Vec<String> = problems.iter().map(|p| p.report()).collect();
    Some(PlanError {
        code: codes::MERGED_CONFIG_INVALID.code,
        message: format!(
            "parsing {side} Ignition config from machineconfig \"{}\" failed: config is not valid: {}",
            state.name,
            report.join("; ")
        ),
    })
}

/// `verifyUserFields`' first test: a password hash (even empty) or at least one SSH key.
fn has_keys_or_hash(user: &User) -> bool {
    user.name.value == "core" && (user.password_hash.is_some() || !user.ssh_authorized_keys.is_empty())
}

/// The user's fields other than name, SSH keys and password hash that are set (not empty).
pub fn extra_fields(user: &User) -> Vec<String> {
    user.other
        .iter()
        .filter(|(_, v)| {
            let v = normalize(v.value.clone());
            !matches!(&v, Value::Null) && v != Value::Array(Vec::new()) && v != Value::Object(Default::default())
        })
        .map(|(k, _)| k.clone())
        .collect()
}

fn section(mut value: Value, path: &[&str]) -> Value {
    for key in path {
        value = value.get(*key).cloned().unwrap_or(Value::Null);
    }
    value
}
