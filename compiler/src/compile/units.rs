//! What `systemctl enable` creates for a unit in `/etc/systemd/system`, computed from its
//! `[Install]` section, so an enabled unit is enabled in the image itself. A preset file would
//! only apply on a node's first boot, so it could never carry an update.

use super::layer::placement_of_path;
use super::pool::{Builder, dedup};
use crate::classify::Subject;
use crate::compile::types::*;
use crate::graph::Entry;
use crate::ignition::types::Unit;
use crate::ignition::unit_syntax::parse_unit;

pub const UNIT_DIR: &str = "/etc/systemd/system";

/// The symlinks and the other units `systemctl enable NAME` would act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enablement {
    /// `(link path, target)`, in `[Install]` order: `WantedBy` (`.wants/`), `RequiredBy`
    /// (`.requires/`), `UpheldBy` (`.upholds/`), then `Alias`.
    pub links: Vec<(String, String)>,
    /// `Also=`: units enabled together with this one.
    pub also: Vec<String>,
    /// A template without `DefaultInstance=`: `systemctl enable` creates no dependency link.
    pub template_without_instance: bool,
}

/// `foo@.service` → `Some(("foo", "service"))`.
fn template_parts(name: &str) -> Option<(&str, &str)> {
    let (stem, suffix) = name.rsplit_once('.')?;
    let prefix = stem.strip_suffix('@')?;
    Some((prefix, suffix))
}

/// Computes the links for `name`, whose file is `/etc/systemd/system/<name>` with `contents`.
/// Contents that do not parse enable nothing (Ignition reports them already).
pub fn enablement(name: &str, contents: &str) -> Enablement {
    let Ok(unit) = parse_unit(contents) else {
        return Enablement::default();
    };
    let unit_path = format!("{UNIT_DIR}/{name}");
    let words = |option: &str| -> Vec<String> {
        unit.values("Install", option).flat_map(|v| v.split_whitespace()).map(str::to_string).collect()
    };
    let mut out = Enablement::default();
    // A template is enabled under its default instance's name, the link pointing at the template.
    let link_name = match template_parts(name) {
        Some((prefix, suffix)) => {
            words("DefaultInstance").last().map(|instance| format!("{prefix}@{instance}.{suffix}"))
        }
        None => Some(name.to_string()),
    };
    match &link_name {
        Some(link_name) => {
            for (option, dir) in [("WantedBy", "wants"), ("RequiredBy", "requires"), ("UpheldBy", "upholds")] {
                for target in words(option) {
                    let link = format!("{UNIT_DIR}/{target}.{dir}/{link_name}");
                    if !out.links.iter().any(|(l, _)| *l == link) {
                        out.links.push((link, unit_path.clone()));
                    }
                }
            }
        }
        None => {
            out.template_without_instance =
                ["WantedBy", "RequiredBy", "UpheldBy"].iter().any(|option| !words(option).is_empty());
        }
    }
    for alias in words("Alias") {
        let link = format!("{UNIT_DIR}/{alias}");
        if alias != name && !out.links.iter().any(|(l, _)| *l == link) {
            out.links.push((link, unit_path.clone()));
        }
    }
    for also in words("Also") {
        if also != name && !out.also.contains(&also) {
            out.also.push(also);
        }
    }
    out
}

impl Builder<'_, '_> {
    pub(super) fn unit_file(&mut self, name: &str, e: &Entry, sources: Vec<String>) {
        let Some(&unit) = self.storage.units.get(name) else { return };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{name}", UNIT_DIR));
        let masked = unit.mask.as_ref().is_some_and(|m| m.value);
        let placement = e.placement.name().to_string();
        if self.baked(e) {
            if masked {
                self.add_special(
                    &path,
                    EntryType::Symlink,
                    0o777,
                    (0, 0),
                    Some("/dev/null".into()),
                    &placement,
                    "mask",
                    sources,
                    Some(e.span),
                );
            } else if let Some(contents) = &unit.contents {
                self.add_file(
                    &path,
                    0o644,
                    (0, 0),
                    contents.value.clone().into_bytes(),
                    &placement,
                    "unit",
                    sources,
                    Some(e.span),
                );
            }
        } else if let Some(contents) = unit.contents.as_ref().filter(|_| !masked) {
            let content = self.content(contents.value.clone().into_bytes());
            self.writes.push(Step::WriteUnit { name: name.into(), path, content, placement, sources });
        }
    }

    pub(super) fn dropin(&mut self, unit: &str, name: &str, e: &Entry, sources: Vec<String>) {
        let Some(&u) = self.storage.units.get(unit) else { return };
        let Some(contents) = u.dropins.iter().rev().find(|d| d.name.value == name).and_then(|d| d.contents.as_ref())
        else {
            return;
        };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{unit}.d/{name}", UNIT_DIR));
        let placement = e.placement.name().to_string();
        let bytes = contents.value.clone().into_bytes();
        if self.baked(e) {
            self.add_file(&path, 0o644, (0, 0), bytes, &placement, "dropin", sources, Some(e.span));
        } else {
            let content = self.content(bytes);
            self.writes.push(Step::WriteDropin {
                unit: unit.into(),
                name: name.into(),
                path,
                content,
                placement,
                sources,
            });
        }
    }

    /// Masks, enables and disables, in rendered unit order, after every unit file is written.
    pub(super) fn unit_states(&mut self) {
        let units: Vec<&Unit> = self.cx.pool.config.systemd.units.iter().collect();
        for unit in units {
            let name = unit.name.value.as_str();
            let Some(e) = self.cx.graph.entry(&Subject::Unit(name.to_string())) else { continue };
            let sources = self.unit_sources(name);
            if unit.mask.as_ref().is_some_and(|m| m.value) {
                if !self.baked(e) {
                    self.unit_steps.push(Step::MaskUnit { name: name.into(), sources });
                }
                continue;
            }
            match unit.enabled.as_ref().map(|b| b.value) {
                Some(true) => self.enable(name, sources),
                Some(false) => self.unit_steps.push(Step::DisableUnit { name: name.into(), sources }),
                None => {}
            }
        }
    }

    fn unit_sources(&self, name: &str) -> Vec<String> {
        self.cx
            .graph
            .entries
            .get(&Subject::Unit(name.to_string()))
            .map(|&n| dedup(self.cx.graph.definitions(n).into_iter().map(|(m, _)| m)))
            .unwrap_or_default()
    }

    /// Enables a unit in the image with the links of its `[Install]` section when the image holds
    /// its file; otherwise on the node (`systemctl enable`), since mcc cannot read the base's units.
    fn enable(&mut self, name: &str, sources: Vec<String>) {
        if !self.enabled.insert(name.to_string()) {
            return;
        }
        let unit = self.storage.units.get(name).copied();
        let e = self.cx.graph.entry(&Subject::Unit(name.to_string()));
        let in_image = e.is_some_and(|e| self.baked(e));
        let masked = unit.and_then(|u| u.mask.as_ref()).is_some_and(|m| m.value);
        let contents = unit.and_then(|u| u.contents.as_ref()).filter(|_| in_image && !masked);
        let Some(contents) = contents else {
            self.unit_steps.push(Step::EnableUnit { name: name.into(), sources });
            return;
        };
        let span = e.map(|e| e.span);
        let enablement = enablement(name, &contents.value);
        for (link, target) in enablement.links {
            let placement = placement_of_path(&link);
            self.add_special(
                &link,
                EntryType::Symlink,
                0o777,
                (0, 0),
                Some(target),
                placement,
                "enablement",
                sources.clone(),
                span,
            );
        }
        for also in enablement.also {
            let also_sources =
                if self.storage.units.contains_key(also.as_str()) { self.unit_sources(&also) } else { sources.clone() };
            self.enable(&also, also_sources);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(e: &Enablement) -> Vec<(&str, &str)> {
        e.links.iter().map(|(l, t)| (l.as_str(), t.as_str())).collect()
    }

    #[test]
    fn wanted_by_required_by_and_alias_become_links_to_the_unit_file() {
        let e = enablement(
            "app.service",
            "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/true\n[Install]\nWantedBy=multi-user.target graphical.target\nRequiredBy=crio.service\nAlias=application.service\nAlso=app.socket\n",
        );
        assert_eq!(
            links(&e),
            [
                ("/etc/systemd/system/multi-user.target.wants/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/graphical.target.wants/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/crio.service.requires/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/application.service", "/etc/systemd/system/app.service"),
            ]
        );
        assert_eq!(e.also, ["app.socket"]);
    }

    #[test]
    fn a_template_is_enabled_under_its_default_instance() {
        let e = enablement(
            "getty@.service",
            "[Service]\nExecStart=/x\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n",
        );
        assert_eq!(
            links(&e),
            [("/etc/systemd/system/getty.target.wants/getty@tty1.service", "/etc/systemd/system/getty@.service")]
        );
        let e = enablement("getty@.service", "[Service]\nExecStart=/x\n[Install]\nWantedBy=getty.target\n");
        assert!(e.links.is_empty() && e.template_without_instance);
    }

    #[test]
    fn no_install_section_enables_nothing() {
        assert_eq!(enablement("a.service", "[Service]\nExecStart=/x\n"), Enablement::default());
        assert_eq!(enablement("a.service", "[Install\n"), Enablement::default());
    }
}
