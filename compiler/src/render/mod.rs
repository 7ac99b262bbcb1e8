//! Stage 3, render: each pool's MachineConfigs merged into one rendered MachineConfig, exactly as
//! the MCO's render controller does (`MergeMachineConfigs`, `spec/mco.md` §2).

pub mod emit;
pub mod index;
mod json_merge;
mod keyed;
pub mod merge;
#[cfg(test)]
mod scaling_tests;
mod spec_json;
#[cfg(test)]
mod tests;
pub mod validity;

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::types::Ignition;
use crate::load::reader::{Diagnostics, Spanned};
use crate::load::yaml;
use crate::model::machine_config::{MachineConfig, ROLE_LABEL};
use crate::model::objects::{self, Inputs};
use crate::model::pool::MachineConfigPool;
use crate::source::Sources;
use index::EntryIndex;
pub use merge::{Definition, EntryKey, McId, Provenance};

const STOCK_POOLS: &str = include_str!("stock-pools.yaml");

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// The cluster's default OS image (`--base-image`), used when no MachineConfig overrides it.
    pub base_image: Option<String>,
    /// The cluster's default extensions image (`--base-extensions-image`).
    pub base_extensions_image: Option<String>,
}

/// A spec value and the MachineConfig that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: Spanned<T>,
    pub machine_config: McId,
}

/// One pool's rendered MachineConfig and how it came to be.
#[derive(Debug, Clone)]
pub struct RenderedPool {
    pub pool: MachineConfigPool,
    /// The selected MachineConfigs in merge order.
    pub machine_configs: Vec<McId>,
    pub config: Ignition,
    pub provenance: Provenance,
    pub kernel_arguments: Vec<Sourced<String>>,
    pub extensions: Vec<Sourced<String>>,
    /// The MachineConfigs that turned FIPS on (an OR: any one does).
    pub fips: Vec<McId>,
    /// The last `realtime` or `64k-pages`; `None` is the default kernel.
    pub kernel_type: Option<Sourced<String>>,
    pub os_image_url: Image,
    pub base_os_extensions_container_image: Image,
    /// The rendered config's entries by path and by unit name.
    pub index: EntryIndex,
    /// The hex SHA-256 of the rendered spec's canonical JSON (`emit::spec_sha256`), and the
    /// name `rendered-<pool>-<its first 32 digits>`: computed once, when first asked for. Only
    /// what shows or compares the rendered config's name asks (`mcc render`, `compile`, `plan`,
    /// a cluster dump's check); `mcc check` alone never pays for serialising and hashing every
    /// pool's spec.
    identity: OnceLock<(String, String)>,
}

impl RenderedPool {
    /// `rendered-<pool>-<hash>`.
    pub fn name(&self) -> &str {
        &self.identity().1
    }

    /// The hex SHA-256 of the rendered spec's canonical JSON: `mcc compile`'s source digest.
    pub fn spec_sha256(&self) -> &str {
        &self.identity().0
    }

    fn identity(&self) -> &(String, String) {
        self.identity.get_or_init(|| {
            let sha = emit::spec_sha256(self);
            let name = format!("rendered-{}-{}", self.pool.name(), &sha[..32]);
            (sha, name)
        })
    }
}

/// An OS or extensions image: the cluster default unless a MachineConfig overrides it.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub url: String,
    pub overridden_by: Option<McId>,
}

impl RenderedPool {
    pub fn kernel_type_name(&self) -> &str {
        self.kernel_type.as_ref().map_or("default", |k| k.value.value.as_str())
    }
}

/// The pools of a run: the stock ones (from an embedded manifest, so they have real spans),
/// each replaced by an input pool of the same name, then the other input pools by name.
pub fn pools(inputs: &Inputs, sources: &mut Sources, diagnostics: &mut Diagnostics) -> Vec<MachineConfigPool> {
    let id = sources.add("<builtin>/stock-pools.yaml", STOCK_POOLS);
    let mut stock = Inputs::default();
    let documents = yaml::parse_documents(id, STOCK_POOLS, diagnostics);
    objects::read_objects(&documents, sources, &mut stock, diagnostics);
    let mut pools: Vec<MachineConfigPool> = stock.pools;
    for pool in &mut pools {
        pool.builtin = true;
    }
    let mut custom: Vec<MachineConfigPool> = Vec::new();
    for pool in &inputs.pools {
        match pools.iter_mut().find(|p| p.name() == pool.name()) {
            Some(existing) => *existing = pool.clone(),
            None => custom.push(pool.clone()),
        }
    }
    // Custom pools by name, so the output never depends on the order of the inputs.
    custom.sort_by(|a, b| a.name().cmp(b.name()));
    pools.extend(custom);
    pools
}

/// Renders every pool that selects at least one MachineConfig (or the one pool asked for).
pub fn render(
    inputs: &Inputs,
    pools: &[MachineConfigPool],
    options: &RenderOptions,
    diagnostics: &mut Diagnostics,
) -> Vec<RenderedPool> {
    let mut selected_by_any = vec![false; inputs.machine_configs.len()];
    // Selection first: each pool's members, in merge order, found on every core (a scan of
    // every MachineConfig for each pool), then taken in pool order. The pools that select
    // anything are then merged on every core (on the worker threads, whose memory the parsed
    // YAML left free), and their results and diagnostics joined in pool order, so the output
    // does not depend on the thread count.
    let mut selected: Vec<Vec<McId>> = pools
        .par_iter()
        .map(|pool| {
            let Some(selector) = pool.machine_config_selector.as_ref().filter(|s| !s.is_empty()) else {
                return Vec::new();
            };
            let mut members = members(inputs, selector);
            merge_order(&mut members, &inputs.machine_configs);
            members
        })
        .collect();
    let mut jobs = Vec::new();
    for (pool, members) in pools.iter().zip(&mut selected) {
        let Some(selector) = &pool.machine_config_selector else {
            continue;
        };
        if selector.is_empty() {
            diagnostics.push(
                Diagnostic::new(&codes::EMPTY_SELECTOR, selector.span.unwrap_or(pool.span), format!("pool `{}` has an empty machineConfigSelector", pool.name()))
                    .with_label("selects nothing")
                    .with_help("the MCO refuses an empty selector (\"SelectingAll\"); select the role, e.g. `matchLabels: {machineconfiguration.openshift.io/role: worker}`"),
            );
            continue;
        }
        let members = std::mem::take(members);
        for &i in &members {
            selected_by_any[i] = true;
        }
        if members.is_empty() {
            if !pool.builtin {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::POOL_SELECTS_NOTHING,
                        pool.metadata.name.span,
                        format!("pool `{}` selects no MachineConfig among the inputs", pool.name()),
                    )
                    .with_help(
                        "the MCO marks such a pool RenderDegraded (\"no MachineConfigs found matching selector\")",
                    ),
                );
            }
            continue;
        }
        jobs.push((pool, members, std::mem::take(diagnostics)));
    }
    let merged: Vec<(Option<RenderedPool>, Diagnostics)> = jobs
        .par_iter_mut()
        .map(|(pool, members, _)| {
            let mut found = Vec::new();
            (render_pool(inputs, pool, std::mem::take(members), options, &mut found), found)
        })
        .collect();
    let mut rendered = Vec::with_capacity(merged.len());
    let mut before = Vec::new();
    for ((_, _, mut earlier), (pool, mut found)) in jobs.into_iter().zip(merged) {
        before.append(&mut earlier);
        before.append(&mut found);
        rendered.extend(pool);
    }
    before.append(diagnostics);
    *diagnostics = before;
    for (i, mc) in inputs.machine_configs.iter().enumerate() {
        // A nameless MachineConfig was already reported (MCC0010).
        if let Some(pool) = &mc.rendered_for {
            diagnostics.push(
                Diagnostic::new(
                    &codes::RENDERED_CONFIG_INPUT,
                    mc.metadata.name.span,
                    format!(
                        "`{}` is the rendered config of pool `{}`; it is not merged into any pool",
                        mc.name(),
                        pool.value
                    ),
                )
                .with_help("a rendered config is the result of rendering, not an input to it; keep it only as a record of a cluster's state"),
            );
        } else if !selected_by_any[i] && !mc.name().is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    &codes::UNSELECTED_MACHINE_CONFIG,
                    mc.metadata.name.span,
                    format!("no pool selects MachineConfig `{}`", mc.name()),
                )
                .with_help(match mc.role() {
                    Some(role) => {
                        format!("no pool selects role `{role}`; add a MachineConfigPool for it or fix the label")
                    }
                    None => format!("add the label `{ROLE_LABEL}: worker` (or another pool's role)"),
                }),
            );
        }
    }
    rendered
}

/// The MachineConfigs a selector selects (rendered configs exported from a cluster are never
/// merged), in input order.
pub fn members(inputs: &Inputs, selector: &crate::model::pool::Selector) -> Vec<McId> {
    (0..inputs.machine_configs.len())
        .filter(|&i| inputs.machine_configs[i].rendered_for.is_none())
        .filter(|&i| selector.matches(inputs.machine_configs[i].metadata.labels.as_ref()))
        .collect()
}

/// `MergeMachineConfigs`' order: MachineConfigs whose role label is exactly `worker` first, then
/// all others, each group sorted by name byte-wise (Go `<` on strings).
pub fn merge_order(members: &mut [McId], machine_configs: &[MachineConfig]) {
    members.sort_by(|&a, &b| {
        let (a, b) = (&machine_configs[a], &machine_configs[b]);
        let group = |mc: &MachineConfig| mc.role() != Some("worker");
        (group(a), a.name().as_bytes()).cmp(&(group(b), b.name().as_bytes()))
    });
}

/// Renders one pool from the MachineConfigs it selects, in merge order; `None`, with the reasons
/// reported, when the MCO would refuse to.
#[expect(
    clippy::too_many_lines,
    reason = "the MCO's merge steps in their order, kept together to read beside MergeMachineConfigs"
)]
pub(crate) fn render_pool(
    inputs: &Inputs,
    pool: &MachineConfigPool,
    members: Vec<McId>,
    options: &RenderOptions,
    diagnostics: &mut Diagnostics,
) -> Option<RenderedPool> {
    let mcs = &inputs.machine_configs;
    let mut failed = false;
    if let Some(&invalid) = members.iter().find(|&&i| !mcs[i].valid) {
        failed = true;
        // A stock pool has no text of its own to point at: point at the MachineConfig then.
        let (at, other, other_label) = if pool.builtin {
            (mcs[invalid].metadata.name.span, None, "")
        } else {
            (pool.metadata.name.span, Some(mcs[invalid].metadata.name.span), "this MachineConfig has errors")
        };
        let mut diagnostic = Diagnostic::new(
            &codes::POOL_NOT_RENDERED,
            at,
            format!("pool `{}` is not rendered: MachineConfig `{}` has errors", pool.name(), mcs[invalid].name()),
        )
        .with_help("the MCO refuses to render a pool with an invalid MachineConfig (RenderDegraded); fix the errors reported for it");
        if let Some(span) = other {
            diagnostic = diagnostic.with_related(span, other_label);
        }
        diagnostics.push(diagnostic);
    }
    for &i in &members {
        if mcs[i].metadata.labels.is_none() {
            failed = true;
            diagnostics.push(
                Diagnostic::new(
                    &codes::MACHINE_CONFIG_WITHOUT_LABELS,
                    mcs[i].metadata.name.span,
                    format!("MachineConfig `{}` has no labels", mcs[i].name()),
                )
                .with_label(format!("selected by pool `{}`", pool.name()))
                .with_help("the MCO's merge fails with \"cannot find label in MachineConfig\"; add the role label"),
            );
        }
    }
    let mut merger = merge::Merger::new();
    let mut kernel_arguments = Vec::new();
    let mut extensions = Vec::new();
    let mut fips = Vec::new();
    let mut kernel_type: Option<Sourced<String>> = None;
    let mut os_image_url = Image { url: options.base_image.clone().unwrap_or_default(), overridden_by: None };
    let mut extensions_image =
        Image { url: options.base_extensions_image.clone().unwrap_or_default(), overridden_by: None };
    for &i in &members {
        let spec = &mcs[i].spec;
        if let Some(config) = &spec.config {
            merger.merge(i, config);
        }
        let sourced = |v: &Spanned<String>| Sourced { value: v.clone(), machine_config: i };
        kernel_arguments.extend(spec.kernel_arguments.iter().map(sourced));
        extensions.extend(spec.extensions.iter().map(sourced));
        if spec.fips.as_ref().is_some_and(|f| f.value) {
            fips.push(i);
        }
        // Only a non-default type overrides: an explicit `default` never undoes `realtime`.
        if let Some(k) = spec.kernel_type.as_ref().filter(|k| matches!(k.value.as_str(), "realtime" | "64k-pages")) {
            kernel_type = Some(sourced(k));
        }
        // Controller-generated MachineConfigs cannot override the OS image (4.21+).
        if !mcs[i].is_generated() {
            if let Some(url) = spec.os_image_url.as_ref().filter(|u| !u.value.is_empty()) {
                os_image_url = Image { url: url.value.clone(), overridden_by: Some(i) };
            }
            if let Some(url) = spec.base_os_extensions_container_image.as_ref().filter(|u| !u.value.is_empty()) {
                extensions_image = Image { url: url.value.clone(), overridden_by: Some(i) };
            }
        }
    }
    if let Some(k) = &kernel_type
        && let Some(devel) = extensions.iter().find(|e| e.value.value == "kernel-devel")
    {
        failed = true;
        diagnostics.push(
            Diagnostic::new(
                &codes::KERNEL_DEVEL_WITH_KERNEL_TYPE,
                devel.value.span,
                format!("installing kernel-devel extension is not supported with kernelType: {}", k.value.value),
            )
            .with_related(k.value.span, "the kernel type")
            .with_help(format!("pool `{}` renders neither; drop one of the two", pool.name())),
        );
    }
    if let (Some(stream), Some(by)) = (&pool.os_image_stream, os_image_url.overridden_by) {
        failed = true;
        diagnostics.push(
            Diagnostic::new(&codes::OS_IMAGE_URL_WITH_STREAM, stream.span, "cannot override MachineConfig osImageURL and set MachineConfigPool spec.osImageStream.name simultaneously")
                .with_related(mcs[by].metadata.name.span, "overrides osImageURL")
                .with_help("remove the osImageURL override or the pool's osImageStream"),
        );
    }
    if failed {
        return None;
    }
    let (config, provenance, index) = merger.finish();
    for problem in validity::problems(&config) {
        let mut diagnostic = Diagnostic::new(
            &codes::MERGED_CONFIG_INVALID,
            problem.span,
            format!("the merged config of pool `{}` is invalid: {}", pool.name(), problem.report()),
        )
        .with_help(match problem.message {
            validity::OVERWRITE_WITHOUT_SOURCE => "the merge sets `overwrite: true` on every file that leaves it unset; give the file `contents.source` (`data:,` is empty) or `overwrite: false`. The MCO renders this config but then cannot parse it: the pool goes RenderDegraded",
            _ => "the merge keeps an owner's id from one MachineConfig and its name from another; give it the same way in each. The MCO renders this config but then cannot parse it: the pool goes RenderDegraded",
        });
        if let Some(related) = problem.related {
            diagnostic = diagnostic.with_related(related, "the id of the same owner, merged from another entry");
        }
        diagnostics.push(diagnostic);
    }
    let rendered = RenderedPool {
        pool: pool.clone(),
        machine_configs: members,
        config,
        provenance,
        kernel_arguments,
        extensions,
        fips,
        kernel_type,
        os_image_url,
        base_os_extensions_container_image: extensions_image,
        index,
        identity: OnceLock::new(),
    };
    Some(rendered)
}
