//! The units and dropins of the graph: their files in the layer or written on the node, then
//! their masks, enables and disables, in rendered unit order after every unit file. A unit the
//! image holds is enabled with links beside its file: in `/etc/systemd/system` as
//! `systemctl enable` makes them, or in `/usr/lib/systemd/system` for a relocated unit.

use super::layer::placement_of_path;
use super::pool::{Builder, dedup};
use crate::classify::Subject;
use crate::graph::Entry;
use crate::ignition::types::Unit;
use mcc_contract::Mode;
use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;
use mcc_contract::units::{UNIT_DIR, enablement, enablement_in};

impl Builder<'_, '_> {
    pub(super) fn unit_file(&mut self, name: &str, e: &Entry, sources: Vec<String>) {
        let Some(unit) = self.storage.unit(name) else { return };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{name}", UNIT_DIR));
        let masked = unit.mask.as_ref().is_some_and(|m| m.value);
        let placement = e.placement.name().to_string();
        if self.baked(e) {
            if masked {
                self.add_special(
                    &path,
                    EntryType::Symlink,
                    Mode::LINK,
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
                    Mode::FILE,
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
        let Some(u) = self.storage.unit(unit) else { return };
        let Some(contents) = u.dropins.iter().rev().find(|d| d.name.value == name).and_then(|d| d.contents.as_ref())
        else {
            return;
        };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{unit}.d/{name}", UNIT_DIR));
        let placement = e.placement.name().to_string();
        let bytes = contents.value.clone().into_bytes();
        if self.baked(e) {
            self.add_file(&path, Mode::FILE, (0, 0), bytes, &placement, "dropin", sources, Some(e.span));
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
        let units: Vec<&Unit> = self.cx.pool.config.systemd.units.iter().map(|u| &**u).collect();
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
        let unit = self.storage.unit(name);
        let e = self.cx.graph.entry(&Subject::Unit(name.to_string()));
        let in_image = e.is_some_and(|e| self.baked(e));
        let masked = unit.and_then(|u| u.mask.as_ref()).is_some_and(|m| m.value);
        let contents = unit.and_then(|u| u.contents.as_ref()).filter(|_| in_image && !masked);
        let Some(contents) = contents else {
            self.unit_steps.push(Step::EnableUnit { name: name.into(), sources });
            return;
        };
        let span = e.map(|e| e.span);
        // A unit relocated into /usr is enabled there, as an image enables the units it ships.
        let enablement = match e.and_then(|e| e.relocation.as_ref().and(e.resolved_path.as_deref())) {
            Some(path) => enablement_in(path.rsplit_once('/').map_or(UNIT_DIR, |(dir, _)| dir), name, &contents.value),
            None => enablement(name, &contents.value),
        };
        for (link, target) in enablement.links {
            let placement = placement_of_path(&link);
            self.add_special(
                &link,
                EntryType::Symlink,
                Mode::LINK,
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
                if self.storage.unit(&also).is_some() { self.unit_sources(&also) } else { sources.clone() };
            self.enable(&also, also_sources);
        }
    }
}
