//! systemd units in the root: masks, and `systemctl --root ROOT enable|disable` made natively.

use std::collections::BTreeSet;

use mcc_contract::units::{UNIT_DIR, enablement};

use super::actions::strings;
use super::diagnostic::resolve_diagnostic;
use super::driver::Outcome;
use super::overlay::Node;
use super::validate::check_name;
use super::{Applier, Diagnostic};

/// Where unit files are looked for, in systemd's order (the system unit path under `--root`).
const UNIT_PATH: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

impl Applier<'_> {
    /// `mask-unit`: a link to `/dev/null`, made as the MCD makes it.
    pub(super) fn mask(&self, label: &str, name: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        self.put_symlink(label, &format!("{UNIT_DIR}/{name}"), "/dev/null", 0, 0)
    }

    /// `enable-unit`: `systemctl enable` with `--run-actions` (the root is then `/`), else the links made natively.
    pub(super) fn enable(&self, label: &str, name: &str) -> Result<Outcome, Box<Diagnostic>> {
        if self.options.run_actions {
            return self.action(label, strings(&["systemctl", "enable", name]));
        }
        let mut seen = BTreeSet::new();
        self.enable_natively(label, name, &mut seen).map(Outcome::done)
    }

    /// `disable-unit`: `systemctl disable` with `--run-actions`, else the links removed natively.
    pub(super) fn disable(&self, label: &str, name: &str) -> Result<Outcome, Box<Diagnostic>> {
        if self.options.run_actions {
            return self.action(label, strings(&["systemctl", "disable", name]));
        }
        self.disable_natively(label, name).map(Outcome::done)
    }

    /// The unit file `systemctl` would use for `name` (an instance falls back to its template):
    /// its in-root path in the unit path, and its contents. `Err(path)` when it is masked.
    fn find_unit(&self, name: &str) -> Result<Option<(String, String)>, String> {
        let template = name.split_once('@').and_then(|(prefix, rest)| {
            let (_, suffix) = rest.rsplit_once('.')?;
            (!rest.starts_with('.')).then(|| format!("{prefix}@.{suffix}"))
        });
        for dir in UNIT_PATH {
            for candidate in std::iter::once(name.to_string()).chain(template.clone()) {
                let path = format!("{dir}/{candidate}");
                if let Ok(Some((_, Node::Link { target, .. }))) = self.look(&path)
                    && target == "/dev/null"
                {
                    return Err(path);
                }
                if let Ok(Some(bytes)) = self.read(&path) {
                    return Ok(Some((path, String::from_utf8_lossy(&bytes).into_owned())));
                }
            }
        }
        Ok(None)
    }

    /// The links `systemctl enable NAME` makes, pointing at the unit file found in the root.
    fn links_of(&self, name: &str, unit_path: &str, contents: &str) -> (Vec<(String, String)>, Vec<String>) {
        let e = enablement(name, contents);
        let links = e.links.into_iter().map(|(link, _)| (link, unit_path.to_string())).collect();
        (links, e.also)
    }

    /// Enables `name` in the tree as `systemctl --root ROOT enable` does.
    fn enable_natively(
        &self,
        label: &str,
        name: &str,
        seen: &mut BTreeSet<String>,
    ) -> Result<Vec<String>, Box<Diagnostic>> {
        if !seen.insert(name.to_string()) {
            return Ok(Vec::new());
        }
        let (unit_path, contents) = match self.find_unit(name) {
            Ok(Some(found)) => found,
            Ok(None) => {
                return Ok(vec![format!("no unit file for {name} in the root: left as it is, as the MCD does")]);
            }
            Err(path) => return Ok(vec![format!("{name} is masked ({path} → /dev/null): not enabled")]),
        };
        let (links, also) = self.links_of(name, &unit_path, &contents);
        let mut changes = Vec::new();
        for (link, target) in links {
            changes.extend(self.put_symlink(label, &link, &target, 0, 0)?);
        }
        for other in also {
            if check_name(&other).is_ok() {
                changes.extend(self.enable_natively(label, &other, seen)?);
            }
        }
        Ok(changes)
    }

    /// Disables `name` in the tree as `systemctl --root ROOT disable` does: removes the links of
    /// its `[Install]` section and every `*.wants/`, `*.requires/`, `*.upholds/` link of that name
    /// and alias link to it in `/etc/systemd/system` (never a mask).
    pub(super) fn disable_natively(&self, label: &str, name: &str) -> Result<Vec<String>, Box<Diagnostic>> {
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        if let Ok(Some((unit_path, contents))) = self.find_unit(name) {
            candidates.extend(self.links_of(name, &unit_path, &contents).0.into_iter().map(|(l, _)| l));
        }
        let entries = self.entries(UNIT_DIR).map_err(|e| resolve_diagnostic(label, e))?.unwrap_or_default();
        for (entry, node) in entries {
            let path = format!("{UNIT_DIR}/{entry}");
            match node {
                Node::Dir { .. }
                    if entry.ends_with(".wants") || entry.ends_with(".requires") || entry.ends_with(".upholds") =>
                {
                    candidates.insert(format!("{path}/{name}"));
                }
                Node::Link { target, .. }
                    if entry != name && target != "/dev/null" && target.rsplit('/').next() == Some(name) =>
                {
                    candidates.insert(path);
                }
                _ => {}
            }
        }
        let mut changes = Vec::new();
        for link in candidates {
            if let Ok(Some((_, Node::Link { target, .. }))) = self.look(&link)
                && target != "/dev/null"
            {
                changes.extend(self.remove(label, &link, false)?);
            }
        }
        Ok(changes)
    }
}
