//! The two sides of a plan: from mcc's own rendering, or from a cluster's rendered config.

use std::borrow::Cow;

use indexmap::IndexMap;

use crate::ignition::types::Ignition;
use crate::model::{Inputs, MachineConfig};
use crate::plan::PoolState;
use crate::plan::shadowed::Definitions;
use crate::render::{EntryKey, RenderedPool};

impl<'a> PoolState<'a> {
    /// The state mcc rendered for a pool, with each entry's MachineConfigs.
    pub fn from_rendered(pool: &'a RenderedPool, inputs: &'a Inputs) -> PoolState<'a> {
        let name = |id: usize| inputs.machine_configs[id].name().to_string();
        let mut sources: IndexMap<String, Vec<String>> = IndexMap::new();
        for (key, definitions) in &pool.provenance {
            let entry = match key {
                EntryKey::Path(p) => p.to_string(),
                EntryKey::Unit(u) => u.clone(),
                EntryKey::Dropin { unit, .. } => unit.clone(),
                EntryKey::User(u) => format!("sshkey:{u}"),
                EntryKey::Group(g) => format!("group:{g}"),
            };
            let names = sources.entry(entry).or_default();
            for d in definitions {
                let n = name(d.machine_config);
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        let spec = |key: &str, ids: Vec<usize>| (key.to_string(), dedup(ids.into_iter().map(name).collect()));
        let spec_sources = [
            spec("kargs", pool.kernel_arguments.iter().map(|k| k.machine_config).collect()),
            spec("extensions", pool.extensions.iter().map(|k| k.machine_config).collect()),
            spec("kernelType", pool.kernel_type.iter().map(|k| k.machine_config).collect()),
            spec("osImageURL", pool.os_image_url.overridden_by.into_iter().collect()),
            spec("fips", pool.fips.clone()),
        ];
        sources.extend(spec_sources.into_iter().filter(|(_, v)| !v.is_empty()));
        let mut definitions = Definitions::default();
        for &id in &pool.machine_configs {
            definitions.add(&inputs.machine_configs[id]);
        }
        PoolState {
            name: pool.name().to_string(),
            config: Cow::Borrowed(&pool.config),
            kernel_arguments: pool.kernel_arguments.iter().map(|k| k.value.value.clone()).collect(),
            extensions: pool.extensions.iter().map(|k| k.value.value.clone()).collect(),
            kernel_type: pool.kernel_type_name().to_string(),
            fips: !pool.fips.is_empty(),
            os_image_url: pool.os_image_url.url.clone(),
            sources,
            definitions: Some(definitions),
        }
    }

    /// A rendered config exported from a cluster: taken as it is, not merged again.
    pub fn from_export(mc: &'a MachineConfig) -> PoolState<'a> {
        let spec = &mc.spec;
        let canonical = match spec.kernel_type.as_ref().map(|k| k.value.as_str()) {
            Some(k @ ("realtime" | "64k-pages")) => k.to_string(),
            _ => "default".to_string(),
        };
        PoolState {
            name: mc.name().to_string(),
            config: spec.config.as_deref().map_or_else(|| Cow::Owned(Ignition::default()), Cow::Borrowed),
            kernel_arguments: spec.kernel_arguments.iter().map(|k| k.value.clone()).collect(),
            extensions: spec.extensions.iter().map(|k| k.value.clone()).collect(),
            kernel_type: canonical,
            fips: spec.fips.as_ref().is_some_and(|f| f.value),
            os_image_url: spec.os_image_url.as_ref().map(|u| u.value.clone()).unwrap_or_default(),
            sources: IndexMap::new(),
            definitions: None,
        }
    }

    /// The MachineConfigs behind an entry (named as `graph::describe` names it).
    pub fn sources_of(&self, entry: &str) -> Vec<String> {
        self.sources.get(entry).cloned().unwrap_or_default()
    }
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    names.retain(|n| {
        let new = !seen.contains(n);
        seen.push(n.clone());
        new
    });
    names
}
