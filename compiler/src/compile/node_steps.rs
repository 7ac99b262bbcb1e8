//! The node-side steps that are not storage entries' own: contents inline or as blobs, owners
//! as written, SSH keys and password hashes, and the removals of what the `--from` config wrote.

use std::collections::{BTreeMap, BTreeSet};

use super::pool::Builder;
use super::storage::resolve_owner;
use crate::classify::{Subject, classify};
use mcc_contract::sha256_hex;
use mcc_contract::units;

use crate::ignition::types::Owner as IgnOwner;
use mcc_contract::node_actions::*;

/// Node-side content up to this size, when it is UTF-8, is written inline in `node-actions.json`.
pub const MAX_INLINE: usize = 4096;

impl Builder<'_, '_> {
    pub(super) fn content(&mut self, bytes: Vec<u8>) -> Content {
        let size = bytes.len() as u64;
        let sha256 = sha256_hex(&bytes);
        match String::from_utf8(bytes) {
            Ok(text) if text.len() <= MAX_INLINE => Content { size, sha256, inline: Some(text), blob: None },
            Ok(text) => {
                let digest = self.blob(text.into_bytes());
                Content { size, sha256, inline: None, blob: Some(format!("blobs/{digest}")) }
            }
            Err(e) => {
                let digest = self.blob(e.into_bytes());
                Content { size, sha256, inline: None, blob: Some(format!("blobs/{digest}")) }
            }
        }
    }

    fn owner(owner: &IgnOwner) -> (Option<i64>, Option<String>) {
        (owner.id.as_ref().map(|i| i.value), owner.name.as_ref().map(|n| n.value.clone()))
    }

    pub(super) fn step_owner(user: &IgnOwner, group: &IgnOwner) -> Owner {
        let (uid, user) = Self::owner(user);
        let (gid, group) = Self::owner(group);
        Owner { uid, user, gid, group }
    }

    pub(super) fn passwd(&mut self, user: &str, sources: Vec<String>) {
        let Some(u) = self.cx.pool.config.passwd.users.iter().rev().find(|u| u.name.value == user) else { return };
        if !u.ssh_authorized_keys.is_empty() {
            self.writes.push(Step::SshKeys {
                user: user.into(),
                path: ssh_keys_path(user),
                keys: u.ssh_authorized_keys.iter().map(|k| k.value.clone()).collect(),
                mode: "0600".into(),
                directory_mode: "0700".into(),
                sources: sources.clone(),
            });
        }
        if let Some(hash) = &u.password_hash {
            self.writes.push(Step::PasswordHash { user: user.into(), hash: hash.value.clone(), sources });
        }
    }

    /// What the `--from` config wrote on the node and the new one does not, deepest first.
    pub(super) fn removals(&self) -> Vec<Step> {
        let Some(old) = self.cx.old else { return Vec::new() };
        let new = &self.cx.pool.config;
        let (layout, policy) = (self.cx.layout, self.cx.policy);
        let node_side = |subject: &Subject| classify(subject, layout, policy, self.target).node_side;
        let mut new_paths: BTreeSet<&str> = BTreeSet::new();
        new_paths.extend(new.storage.files.iter().map(|f| f.node.path.value.as_str()));
        new_paths.extend(new.storage.directories.iter().map(|d| d.node.path.value.as_str()));
        new_paths.extend(new.storage.links.iter().map(|l| l.node.path.value.as_str()));
        let mut removed: BTreeMap<String, Step> = BTreeMap::new();
        let mut path_removal = |path: &str, node: &crate::ignition::types::NodeCommon, kind: RemovedKind| {
            let unresolvable = resolve_owner(&node.user).is_none() || resolve_owner(&node.group).is_none();
            if !new_paths.contains(path) && (node_side(&Subject::Path(path.into())) || unresolvable) {
                removed.insert(path.to_string(), Step::Remove { path: path.into(), kind, unit: None });
            }
        };
        for f in &old.config.storage.files {
            path_removal(&f.node.path.value, &f.node, RemovedKind::File);
        }
        for d in &old.config.storage.directories {
            path_removal(&d.node.path.value, &d.node, RemovedKind::Directory);
        }
        for l in &old.config.storage.links {
            path_removal(&l.node.path.value, &l.node, RemovedKind::Link);
        }
        let mut unit_steps = Vec::new();
        for unit in &old.config.systemd.units {
            let name = &unit.name.value;
            let new_unit = new.systemd.units.iter().find(|u| &u.name.value == name);
            if new_unit.is_none() {
                let path = format!("{}/{name}", units::UNIT_DIR);
                if node_side(&Subject::Unit(name.clone())) && (unit.contents.is_some() || unit.mask.is_some()) {
                    removed
                        .insert(path.clone(), Step::Remove { path, kind: RemovedKind::Unit, unit: Some(name.clone()) });
                } else if unit.enabled.as_ref().is_some_and(|e| e.value) && unit.contents.is_none() {
                    unit_steps.push(Step::DisableUnit { name: name.clone(), sources: Vec::new() });
                }
            }
            for dropin in &unit.dropins {
                let kept = new_unit.is_some_and(|u| u.dropins.iter().any(|d| d.name.value == dropin.name.value));
                let subject = Subject::Dropin { unit: name.clone(), name: dropin.name.value.clone() };
                if !kept && dropin.contents.is_some() && node_side(&subject) {
                    let path = format!("{}/{name}.d/{}", units::UNIT_DIR, dropin.name.value);
                    removed.insert(
                        path.clone(),
                        Step::Remove { path, kind: RemovedKind::Dropin, unit: Some(name.clone()) },
                    );
                }
            }
        }
        for user in &old.config.passwd.users {
            let keeps_keys =
                new.passwd.users.iter().any(|u| u.name.value == user.name.value && !u.ssh_authorized_keys.is_empty());
            if !user.ssh_authorized_keys.is_empty() && !keeps_keys {
                let path = ssh_keys_path(&user.name.value);
                removed.insert(path.clone(), Step::Remove { path, kind: RemovedKind::File, unit: None });
            }
        }
        // Reverse path order: children before their directories.
        let mut steps: Vec<Step> = removed.into_values().rev().collect();
        steps.extend(unit_steps);
        steps
    }
}

/// Where the MCO writes a user's SSH keys.
pub fn ssh_keys_path(user: &str) -> String {
    format!("/home/{user}/.ssh/authorized_keys.d/ignition")
}
