//! Ignition's rules on users, groups and kernel arguments: each defined once.

use std::collections::HashMap;

use super::{Validator, duplicate};
use crate::ignition::types::*;
use crate::source::Span;

impl Validator<'_> {
    pub(super) fn passwd(&mut self, passwd: &Passwd) {
        let mut users: HashMap<&str, Span> = HashMap::new();
        for user in &passwd.users {
            if let Some(first) = users.insert(&user.name.value, user.name.span) {
                self.push(duplicate(user.name.span, first, &format!("user `{}`", user.name.value)));
            }
            let mut keys: HashMap<&str, Span> = HashMap::new();
            for key in &user.ssh_authorized_keys {
                if let Some(first) = keys.insert(&key.value, key.span) {
                    self.push(duplicate(key.span, first, "SSH key"));
                }
            }
        }
        let mut groups: HashMap<&str, Span> = HashMap::new();
        for group in &passwd.groups {
            if let Some(first) = groups.insert(&group.name.value, group.name.span) {
                self.push(duplicate(group.name.span, first, &format!("group `{}`", group.name.value)));
            }
        }
    }

    /// `shouldExist` and `shouldNotExist` share one namespace.
    pub(super) fn kernel_arguments(&mut self, kargs: &KernelArguments) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for arg in kargs.should_exist.iter().chain(&kargs.should_not_exist) {
            if let Some(first) = seen.insert(&arg.value, arg.span) {
                self.push(duplicate(arg.span, first, &format!("kernel argument `{}`", arg.value)));
            }
        }
    }
}
