//! Ignition's rules on users, groups and kernel arguments: each defined once; and what a node
//! can hold at all: ids that fit a `uid_t`, password hashes that fit one `/etc/shadow` field.

use super::{Validator, duplicate};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::ignition::types::*;
use crate::load::reader::Spanned;
use crate::source::Span;

impl Validator<'_> {
    pub(super) fn passwd(&mut self, passwd: &Passwd) {
        let mut users: HashMap<&str, Span> = HashMap::default();
        for user in &passwd.users {
            if let Some(first) = users.insert(&user.name.value, user.name.span) {
                self.push(duplicate(user.name.span, first, &format!("user `{}`", user.name.value)));
            }
            let mut keys: HashMap<&str, Span> = HashMap::default();
            for key in &user.ssh_authorized_keys {
                if let Some(first) = keys.insert(&key.value, key.span) {
                    self.push(duplicate(key.span, first, "SSH key"));
                }
            }
            if let Some(hash) = &user.password_hash {
                self.password_hash(hash.span, &hash.value);
            }
            self.json_id(user.other.get("uid"), "uid");
        }
        let mut groups: HashMap<&str, Span> = HashMap::default();
        for group in &passwd.groups {
            if let Some(first) = groups.insert(&group.name.value, group.name.span) {
                self.push(duplicate(group.name.span, first, &format!("group `{}`", group.name.value)));
            }
            if let Some(hash) = group.other.get("passwordHash")
                && let Some(text) = hash.value.as_str()
            {
                self.password_hash(hash.span, text);
            }
            self.json_id(group.other.get("gid"), "gid");
        }
    }

    /// `/etc/passwd`, `/etc/group` and `/etc/shadow` are `:`-separated, one entry a line: a
    /// hash holding either would write fields or entries of its own.
    fn password_hash(&mut self, span: Span, hash: &str) {
        if hash.contains([':', '\n', '\r']) {
            self.push(
                Diagnostic::new(&codes::PASSWORD_HASH_INVALID, span, "the password hash contains `:` or a line break")
                    .with_help("a crypt(3) hash such as `$6$salt$…` has neither; paste the hash alone"),
            );
        }
    }

    /// `uid` and `gid` are type-checked as integers of Go's `int` when read.
    fn json_id(&mut self, id: Option<&Spanned<Json>>, what: &str) {
        if let Some(id) = id
            && let Some(value) = id.value.as_i64()
        {
            self.id(Spanned { value, span: id.span }, what);
        }
    }

    /// A node's ids are 32-bit unsigned (`uid_t`, `gid_t`): anything else cannot be written.
    pub(super) fn id(&mut self, id: Spanned<i64>, what: &str) {
        if !(0..1 << 32).contains(&id.value) {
            self.push(
                Diagnostic::new(&codes::ID_OUT_OF_RANGE, id.span, format!("the {what} is outside 0 to 4294967295"))
                    .with_help("ids are 32-bit unsigned numbers on a node; give the id the account really has"),
            );
        }
    }

    /// `shouldExist` and `shouldNotExist` share one namespace.
    pub(super) fn kernel_arguments(&mut self, kargs: &KernelArguments) {
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for arg in kargs.should_exist.iter().chain(&kargs.should_not_exist) {
            if let Some(first) = seen.insert(&arg.value, arg.span) {
                self.push(duplicate(arg.span, first, &format!("kernel argument `{}`", arg.value)));
            }
        }
    }
}
