//! Stage 7, compile: each pool's image layer plan, node-side actions and Containerfile, read
//! straight off its classified graph (`mcc compile`).
//!
//! An entry the graph bakes goes into the layer at its resolved path, with its exact mode and
//! numeric owners; one it keeps on the node becomes a step, in the graph's apply order. Units are
//! written to `/etc/systemd/system`, enabled with the links `systemctl enable` makes, masked with a
//! link to `/dev/null`; bootc kernel arguments become a `kargs.d` file. The tar itself, its
//! `diff_id` and the files on disk are the runtime's: this module stays pure.

pub mod containerfile;
pub mod packages;
#[cfg(test)]
mod tests;
pub mod tmpfiles;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mcc_contract::layer_plan::{
    EntryType, Extension, ImageEntry, KernelArguments, KernelSwap, LAYER_PLAN_SCHEMA, LayerPlan, Packages, TmpfilesLine,
};
use mcc_contract::node_actions::{Content, NODE_ACTIONS_SCHEMA, NodeActions, Owner, RemovedKind, Step};
use mcc_contract::{sha256_hex, units};

use crate::classify::{Placement, Subject, Target, classify};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::graph::{Entry, Node, PoolGraph};
use crate::ignition::content::{SourceKind, classify_source, decode_data_url, decompress};
use crate::ignition::types::{Directory, File, Ignition, Link, Owner as IgnOwner, Resource, Unit};
use crate::model::Inputs;
use crate::plan::sides::Side;
use crate::plan::{PoolPlan, PoolState};
use crate::policy::disruption::{Action, DisruptionPolicy};
use crate::policy::layout::Layout;
use crate::render::{RenderedPool, emit};
use crate::source::Span;
use crate::{PolicyOptions, plan};

/// Where bootc reads the image's kernel arguments (`spec/image-mode.md` §2).
pub const KARGS_FILE: &str = "/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml";

/// Node-side content up to this size, when it is UTF-8, is written inline in `node-actions.json`.
pub const MAX_INLINE: usize = 4096;

/// Image label keys.
pub const LABEL_RENDERED: &str = "machineconfig";
pub const LABEL_POOL: &str = "machineconfigpool";
pub const LABEL_BASE: &str = "baseOSContainerImage";
pub const LABEL_SOURCE_DIGEST: &str = "io.openshift.mcc.source-digest";

/// Where small `/var` entries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VarStrategy {
    /// Written on the node, like every other node-side entry.
    #[default]
    Node,
    /// Shipped in the image as `/usr/lib/tmpfiles.d` lines when they can be.
    Tmpfiles,
}

impl VarStrategy {
    pub fn name(self) -> &'static str {
        match self {
            VarStrategy::Node => "node",
            VarStrategy::Tmpfiles => "tmpfiles",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// The target and profile (the analysis already used them).
    pub policy: PolicyOptions,
    pub var_strategy: VarStrategy,
    /// Every layer entry's mtime: `SOURCE_DATE_EPOCH`, or 0.
    pub mtime: u64,
    /// End the Containerfile with `bootc container lint` / `ostree container commit`.
    pub lint: bool,
}

/// Everything compile produced for one pool. `layer_plan.diff_id` is empty until the runtime
/// builds the layer.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledPool {
    pub pool: String,
    pub layer_plan: LayerPlan,
    pub node_actions: NodeActions,
    pub containerfile: String,
    /// Contents by hex SHA-256: every file of the layer and every node-side file not inline.
    pub blobs: BTreeMap<String, Vec<u8>>,
}

/// Compiles every pool the new side rendered. A pool with an error gets its diagnostics instead.
pub fn compile(
    new: &Side<'_>,
    old: Option<&Side<'_>>,
    options: &CompileOptions,
) -> Vec<(String, Result<CompiledPool, Vec<Diagnostic>>)> {
    let plans = plan::sides::plan(old, new, &options.policy, None);
    let old_states = old.map(plan::sides::states).unwrap_or_default();
    new.analysis
        .rendered
        .iter()
        .zip(&new.analysis.graphs)
        .map(|(pool, graph)| {
            let name = pool.pool.name().to_string();
            let plan = plans.iter().find(|p| p.pool == name);
            let old_state = old_states.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
            let context = Context {
                pool,
                graph,
                inputs: &new.compilation.inputs,
                layout: &new.analysis.policies.layout,
                policy: &new.analysis.policies.disruption,
                plan,
                old: old_state,
                options,
            };
            (name, compile_pool(&context))
        })
        .collect()
}

/// Everything one pool's compile reads.
pub struct Context<'a> {
    pub pool: &'a RenderedPool,
    pub graph: &'a PoolGraph,
    pub inputs: &'a Inputs,
    pub layout: &'a Layout,
    pub policy: &'a DisruptionPolicy,
    /// The pool's plan (from `--from`, or a first install).
    pub plan: Option<&'a PoolPlan>,
    /// The pool's state in `--from`.
    pub old: Option<&'a PoolState>,
    pub options: &'a CompileOptions,
}

/// A numeric owner, when mcc knows it at build time: an id, `root`, or unset (root).
pub fn resolve_owner(owner: &IgnOwner) -> Option<u32> {
    match (&owner.id, &owner.name) {
        (Some(id), _) => u32::try_from(id.value).ok(),
        (None, Some(name)) => matches!(name.value.as_str(), "root" | "").then_some(0),
        (None, None) => Some(0),
    }
}

/// Diagnostics `mcc check` reports about what compile will do: an entry the image would hold
/// whose owner is a name mcc cannot resolve to a number is applied on the node instead.
pub fn lint(pool: &RenderedPool, graph: &PoolGraph, diagnostics: &mut Vec<Diagnostic>) {
    let storage = Storage::of(&pool.config);
    for &node in graph.entries.values() {
        let Node::Entry(e) = &graph.graph[node] else { continue };
        let Subject::Path(path) = &e.subject else { continue };
        if e.node_side {
            continue;
        }
        let Some(owners) = storage.owners(path) else { continue };
        for (owner, what) in [(owners.0, "user"), (owners.1, "group")] {
            if resolve_owner(owner).is_none()
                && let Some(name) = &owner.name
            {
                diagnostics.push(
                    Diagnostic::new(
                        &codes::OWNER_NOT_RESOLVABLE,
                        name.span,
                        format!(
                            "`{path}` is owned by {what} `{}`, which mcc cannot resolve to a number when it builds the image, so it is written on the node",
                            name.value
                        ),
                    )
                    .with_label("a name, not an id")
                    .with_help(format!("give the numeric {what} id (`id:` instead of `name:`) to bake it into the image")),
                );
                break;
            }
        }
    }
}

/// The rendered config's storage entries by path (the last one wins, as in Ignition).
struct Storage<'a> {
    files: HashMap<&'a str, &'a File>,
    directories: HashMap<&'a str, &'a Directory>,
    links: HashMap<&'a str, &'a Link>,
    units: HashMap<&'a str, &'a Unit>,
}

impl<'a> Storage<'a> {
    fn of(config: &'a Ignition) -> Self {
        let s = &config.storage;
        Storage {
            files: s.files.iter().map(|f| (f.node.path.value.as_str(), f)).collect(),
            directories: s.directories.iter().map(|d| (d.node.path.value.as_str(), d)).collect(),
            links: s.links.iter().map(|l| (l.node.path.value.as_str(), l)).collect(),
            units: config.systemd.units.iter().map(|u| (u.name.value.as_str(), u)).collect(),
        }
    }

    fn owners(&self, path: &str) -> Option<(&'a IgnOwner, &'a IgnOwner)> {
        let node = self
            .files
            .get(path)
            .map(|f| &f.node)
            .or_else(|| self.directories.get(path).map(|d| &d.node))
            .or_else(|| self.links.get(path).map(|l| &l.node))?;
        Some((&node.user, &node.group))
    }
}

fn mode_text(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// `sha256:` of the rendered spec's canonical JSON.
pub fn source_digest(pool: &RenderedPool) -> String {
    let bytes = serde_json::to_vec(&emit::spec(pool)).unwrap_or_default();
    format!("sha256:{}", sha256_hex(&bytes))
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `kargs.d` file: `kargs = ["…", …]`.
pub fn kargs_toml(args: &[String]) -> String {
    format!(
        "# Written by mcc compile: spec.kernelArguments of the pool's MachineConfigs.\nkargs = [{}]\n",
        args.iter().map(|a| toml_string(a)).collect::<Vec<_>>().join(", ")
    )
}

/// Splits kernel arguments as the MCD does: on whitespace, keeping double-quoted parts together.
pub fn split_kernel_arguments(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        let mut current = String::new();
        let mut quoted = false;
        for c in arg.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    current.push(c);
                }
                c if c.is_whitespace() && !quoted => {
                    if !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The placement of a generated entry (a parent, a link `systemctl enable` makes), by its path.
fn placement_of_path(path: &str) -> &'static str {
    if path == "/etc" || path.starts_with("/etc/") { "etc" } else { "image" }
}

struct Builder<'c, 'a> {
    cx: &'c Context<'a>,
    storage: Storage<'a>,
    target: Target,
    entries: BTreeMap<String, ImageEntry>,
    blobs: BTreeMap<String, Vec<u8>>,
    writes: Vec<Step>,
    unit_steps: Vec<Step>,
    tmpfiles: Vec<TmpfilesLine>,
    errors: Vec<Diagnostic>,
    enabled: BTreeSet<String>,
}

fn compile_pool(cx: &Context<'_>) -> Result<CompiledPool, Vec<Diagnostic>> {
    let pool = cx.pool;
    let target = cx.options.policy.target;
    let mut b = Builder {
        cx,
        storage: Storage::of(&pool.config),
        target,
        entries: BTreeMap::new(),
        blobs: BTreeMap::new(),
        writes: Vec::new(),
        unit_steps: Vec::new(),
        tmpfiles: Vec::new(),
        errors: Vec::new(),
        enabled: BTreeSet::new(),
    };
    let name = pool.pool.name().to_string();
    if pool.os_image_url.url.is_empty() {
        b.errors.push(
            Diagnostic::general(
                &codes::COMPILE_NO_BASE_IMAGE,
                format!(
                    "pool `{name}` has no base image: no MachineConfig sets osImageURL and no --base-image was given"
                ),
            )
            .with_help("pass the cluster's OS image with --base-image (a digest reference), or set spec.osImageURL"),
        );
    }
    if let Some(plan) = cx.plan
        && !plan.reconcilable
    {
        for error in &plan.errors {
            b.errors.push(
                Diagnostic::general(
                    &codes::COMPILE_IRRECONCILABLE,
                    format!(
                        "pool `{name}`: the update from {} is one the MCO refuses ({}: {})",
                        plan.from.as_deref().unwrap_or("the --from state"),
                        error.code,
                        error.message
                    ),
                )
                .with_help(format!("`mcc explain {}` says why; compile writes nothing for this pool", error.code)),
            );
        }
    }
    for node in cx.graph.apply_order() {
        let Node::Entry(e) = &cx.graph.graph[node] else { continue };
        let sources: Vec<String> = dedup(cx.graph.definitions(node).into_iter().map(|(n, _)| n));
        if e.placement == Placement::Reject {
            b.errors.push(
                Diagnostic::new(
                    &codes::COMPILE_REJECTED_ENTRY,
                    e.span,
                    format!(
                        "`{}` is placed in reject: no image or node can hold it",
                        crate::graph::describe(&e.subject)
                    ),
                )
                .with_help("`mcc explain --entry` names the rule that rejects it; move the entry elsewhere"),
            );
            continue;
        }
        match &e.subject {
            Subject::Path(path) => b.path_entry(path, e, sources),
            Subject::Unit(unit) => b.unit_file(unit, e, sources),
            Subject::Dropin { unit, name } => b.dropin(unit, name, e, sources),
            Subject::Passwd(user) => b.passwd(user, sources),
            _ => {}
        }
    }
    b.unit_states();
    let kernel_arguments = b.kernel_arguments();
    let packages = b.packages();
    if !b.tmpfiles.is_empty() {
        let lines: Vec<String> = b.tmpfiles.iter().map(|l| l.line.clone()).collect();
        let sources = dedup(b.tmpfiles.iter().flat_map(|l| l.sources.clone()));
        let bytes = tmpfiles::file_contents(&name, &lines).into_bytes();
        b.add_file(tmpfiles::PATH, 0o644, (0, 0), bytes, "image", "tmpfiles", sources, None);
    }
    b.add_parents();
    let removals = b.removals();
    if !b.errors.is_empty() {
        return Err(b.errors);
    }

    let base_image = pool.os_image_url.url.clone();
    let extensions_image =
        Some(pool.base_os_extensions_container_image.url.clone()).filter(|u| !u.is_empty() && target != Target::Legacy);
    let source_digest = source_digest(pool);
    let labels: BTreeMap<String, String> = [
        (LABEL_RENDERED, pool.name.clone()),
        (LABEL_POOL, name.clone()),
        (LABEL_BASE, base_image.clone()),
        (LABEL_SOURCE_DIGEST, source_digest.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let layer_plan = LayerPlan {
        schema: LAYER_PLAN_SCHEMA.into(),
        pool: name.clone(),
        rendered_config: pool.name.clone(),
        target: target.name().into(),
        profile: cx.options.policy.profile.name().into(),
        base_image,
        extensions_image,
        source_digest,
        mtime: cx.options.mtime,
        labels,
        entries: b.entries.into_values().collect(),
        packages,
        kernel_arguments,
        tmpfiles: b.tmpfiles,
        diff_id: String::new(),
    };

    let mut steps = Vec::new();
    let plan = cx.plan;
    if plan.is_some_and(|p| p.drain) {
        steps.push(Step::Drain);
    }
    steps.extend(b.writes);
    steps.extend(removals);
    steps.extend(b.unit_steps);
    for action in plan.map(|p| p.actions.as_slice()).unwrap_or_default() {
        steps.extend(match action {
            Action::Reboot => Some(Step::Reboot),
            Action::DaemonReload => Some(Step::DaemonReload),
            Action::Reload(service) => Some(Step::Reload { service: service.clone() }),
            Action::Restart(service) => Some(Step::Restart { service: service.clone() }),
            Action::Special => Some(Step::Reload { service: plan::decide::SPECIAL_SERVICE.into() }),
            // The drain, when there is one, is the first step.
            Action::Drain | Action::None => None,
        });
    }
    let node_actions = NodeActions {
        schema: NODE_ACTIONS_SCHEMA.into(),
        pool: name.clone(),
        rendered_config: pool.name.clone(),
        from: plan.and_then(|p| p.from.clone()),
        target: target.name().into(),
        var_strategy: cx.options.var_strategy.name().into(),
        rebuild: plan.is_some_and(|p| p.rebuild),
        drain: plan.is_some_and(|p| p.drain),
        reboot: plan.is_some_and(|p| p.reboot),
        steps,
    };
    let containerfile = containerfile::render(&layer_plan, target, cx.options.lint);
    Ok(CompiledPool { pool: name, layer_plan, node_actions, containerfile, blobs: b.blobs })
}

impl Builder<'_, '_> {
    fn baked(&self, e: &Entry) -> bool {
        !e.node_side && self.target != Target::Legacy
    }

    fn as_tmpfiles(&self, e: &Entry) -> bool {
        self.cx.options.var_strategy == VarStrategy::Tmpfiles
            && e.placement == Placement::Var
            && self.target != Target::Legacy
    }

    fn blob(&mut self, bytes: Vec<u8>) -> String {
        let digest = sha256_hex(&bytes);
        self.blobs.entry(digest.clone()).or_insert(bytes);
        digest
    }

    fn content(&mut self, bytes: Vec<u8>) -> Content {
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

    /// Adds a layer entry; the same path twice is a conflict unless both are the same entry.
    fn add(&mut self, entry: ImageEntry, span: Option<Span>) {
        if let Some(existing) = self.entries.get_mut(&entry.path) {
            let same = existing.kind == entry.kind
                && existing.mode == entry.mode
                && (existing.uid, existing.gid) == (entry.uid, entry.gid)
                && existing.sha256 == entry.sha256
                && existing.target == entry.target;
            if same {
                for s in entry.sources {
                    if !existing.sources.contains(&s) {
                        existing.sources.push(s);
                    }
                }
                return;
            }
            let message = format!(
                "two entries land on `{}` in the image: {} (from {}) and {} (from {})",
                entry.path,
                existing.origin,
                if existing.sources.is_empty() { "mcc".into() } else { existing.sources.join(", ") },
                entry.origin,
                if entry.sources.is_empty() { "mcc".into() } else { entry.sources.join(", ") },
            );
            let diagnostic = match span {
                Some(span) => Diagnostic::new(&codes::IMAGE_PATH_CONFLICT, span, message),
                None => Diagnostic::general(&codes::IMAGE_PATH_CONFLICT, message),
            };
            self.errors.push(diagnostic.with_help("keep one of them; links of the layout (such as /bin → /usr/bin) are followed before entries are compared"));
            return;
        }
        self.entries.insert(entry.path.clone(), entry);
    }

    #[allow(clippy::too_many_arguments)]
    fn add_file(
        &mut self,
        path: &str,
        mode: u32,
        (uid, gid): (u32, u32),
        bytes: Vec<u8>,
        placement: &str,
        origin: &str,
        sources: Vec<String>,
        span: Option<Span>,
    ) {
        let size = bytes.len() as u64;
        let digest = self.blob(bytes);
        self.add(
            ImageEntry {
                path: path.to_string(),
                kind: EntryType::File,
                mode: mode_text(mode),
                uid,
                gid,
                size: Some(size),
                sha256: Some(digest),
                target: None,
                placement: placement.into(),
                origin: origin.into(),
                sources,
            },
            span,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn add_special(
        &mut self,
        path: &str,
        kind: EntryType,
        mode: u32,
        owner: (u32, u32),
        target: Option<String>,
        placement: &str,
        origin: &str,
        sources: Vec<String>,
        span: Option<Span>,
    ) {
        self.add(
            ImageEntry {
                path: path.to_string(),
                kind,
                mode: mode_text(mode),
                uid: owner.0,
                gid: owner.1,
                size: None,
                sha256: None,
                target,
                placement: placement.into(),
                origin: origin.into(),
                sources,
            },
            span,
        );
    }

    /// Decodes a resource; a remote source is an error (its bytes are not known offline).
    fn decode(&mut self, path: &str, resource: &Resource) -> Option<Vec<u8>> {
        let Some(source) = &resource.source else { return Some(Vec::new()) };
        if classify_source(&source.value) != SourceKind::Data {
            self.errors.push(
                Diagnostic::new(
                    &codes::COMPILE_REMOTE_SOURCE,
                    source.span,
                    format!("the contents of `{path}` come from a remote source, which compile cannot read"),
                )
                .with_label("not a data URL")
                .with_help("inline the contents as a data URL (Butane's `contents.local` does this); the MCO does not fetch remote contents on day 2 either"),
            );
            return None;
        }
        let decoded = decode_data_url(&source.value).map_err(|e| e.to_string()).and_then(|d| {
            decompress(&d.bytes, resource.compression.as_ref().map(|c| c.value.as_str())).map_err(|e| e.to_string())
        });
        match decoded {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                self.errors.push(Diagnostic::new(
                    &codes::DATA_URL_INVALID,
                    source.span,
                    format!("the contents of `{path}` do not decode: {error}"),
                ));
                None
            }
        }
    }

    fn owner(owner: &IgnOwner) -> (Option<i64>, Option<String>) {
        (owner.id.as_ref().map(|i| i.value), owner.name.as_ref().map(|n| n.value.clone()))
    }

    fn step_owner(user: &IgnOwner, group: &IgnOwner) -> Owner {
        let (uid, user) = Self::owner(user);
        let (gid, group) = Self::owner(group);
        Owner { uid, user, gid, group }
    }

    fn path_entry(&mut self, path: &str, e: &Entry, sources: Vec<String>) {
        let image_path = e.resolved_path.clone().unwrap_or_else(|| path.to_string());
        let placement = e.placement.name().to_string();
        let file = self.storage.files.get(path).copied();
        let dir = self.storage.directories.get(path).copied();
        let link = self.storage.links.get(path).copied();
        if let Some(file) = file {
            let Some(bytes) = self.decode(path, &file.contents) else { return };
            let mut append = Vec::new();
            for fragment in &file.append {
                let Some(more) = self.decode(path, fragment) else { return };
                append.push(more);
            }
            let mode = file.mode.as_ref().map_or(0o644, |m| m.value as u32 & 0o7777);
            let owners = resolve_owner(&file.node.user).zip(resolve_owner(&file.node.group));
            match owners {
                Some(owners) if self.baked(e) && append.is_empty() => {
                    self.add_file(&image_path, mode, owners, bytes, &placement, "file", sources, Some(e.span));
                }
                Some((uid, gid))
                    if self.as_tmpfiles(e)
                        && append.is_empty()
                        && tmpfiles::fits(&bytes)
                        && tmpfiles::escape_path(&image_path).is_some() =>
                {
                    let line = tmpfiles::file(&image_path, mode, uid, gid, &bytes).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => {
                    let content = self.content(bytes);
                    let append = append.into_iter().map(|a| self.content(a)).collect();
                    self.writes.push(Step::Write {
                        path: path.into(),
                        mode: mode_text(mode),
                        owner: Self::step_owner(&file.node.user, &file.node.group),
                        content,
                        append,
                        placement,
                        sources,
                    });
                }
            }
        } else if let Some(dir) = dir {
            let mode = dir.mode.as_ref().map_or(0o755, |m| m.value as u32 & 0o7777);
            match resolve_owner(&dir.node.user).zip(resolve_owner(&dir.node.group)) {
                Some(owners) if self.baked(e) => {
                    self.add_special(
                        &image_path,
                        EntryType::Directory,
                        mode,
                        owners,
                        None,
                        &placement,
                        "directory",
                        sources,
                        Some(e.span),
                    );
                }
                Some((uid, gid)) if self.as_tmpfiles(e) && tmpfiles::escape_path(&image_path).is_some() => {
                    let line = tmpfiles::directory(&image_path, mode, uid, gid).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => self.writes.push(Step::Mkdir {
                    path: path.into(),
                    mode: mode_text(mode),
                    owner: Self::step_owner(&dir.node.user, &dir.node.group),
                    placement,
                    sources,
                }),
            }
        } else if let Some(link) = link {
            let target = link.target.as_ref().map(|t| t.value.clone()).unwrap_or_default();
            let hard = link.hard.as_ref().is_some_and(|h| h.value);
            match resolve_owner(&link.node.user).zip(resolve_owner(&link.node.group)) {
                Some(owners) if self.baked(e) && !hard => {
                    self.add_special(
                        &image_path,
                        EntryType::Symlink,
                        0o777,
                        owners,
                        Some(target),
                        &placement,
                        "link",
                        sources,
                        Some(e.span),
                    );
                }
                Some(_) if self.as_tmpfiles(e) && !hard && tmpfiles::escape_path(&image_path).is_some() => {
                    let line = tmpfiles::symlink(&image_path, &target).unwrap_or_default();
                    self.tmpfiles.push(TmpfilesLine { path: path.into(), line, sources });
                }
                _ => self.writes.push(Step::Link {
                    path: path.into(),
                    target,
                    hard,
                    owner: Self::step_owner(&link.node.user, &link.node.group),
                    placement,
                    sources,
                }),
            }
        }
    }

    fn unit_file(&mut self, name: &str, e: &Entry, sources: Vec<String>) {
        let Some(&unit) = self.storage.units.get(name) else { return };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{name}", units::UNIT_DIR));
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

    fn dropin(&mut self, unit: &str, name: &str, e: &Entry, sources: Vec<String>) {
        let Some(&u) = self.storage.units.get(unit) else { return };
        let Some(contents) = u.dropins.iter().rev().find(|d| d.name.value == name).and_then(|d| d.contents.as_ref())
        else {
            return;
        };
        let path = e.resolved_path.clone().unwrap_or_else(|| format!("{}/{unit}.d/{name}", units::UNIT_DIR));
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

    fn passwd(&mut self, user: &str, sources: Vec<String>) {
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

    /// Masks, enables and disables, in rendered unit order, after every unit file is written.
    fn unit_states(&mut self) {
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
        let enablement = units::enablement(name, &contents.value);
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

    fn spec_sources(&self, ids: impl IntoIterator<Item = usize>) -> Vec<String> {
        dedup(ids.into_iter().map(|i| self.cx.inputs.machine_configs[i].name().to_string()))
    }

    fn kernel_arguments(&mut self) -> KernelArguments {
        let pool = self.cx.pool;
        let args: Vec<String> = pool.kernel_arguments.iter().map(|k| k.value.value.clone()).collect();
        let sources = self.spec_sources(pool.kernel_arguments.iter().map(|k| k.machine_config));
        if self.target == Target::Bootc {
            // Always written, even empty, so bootc removes what an earlier image's file added.
            let bytes = kargs_toml(&args).into_bytes();
            self.add_file(KARGS_FILE, 0o644, (0, 0), bytes, "image", "kargs", sources.clone(), None);
            return KernelArguments { args, placement: "image".into(), file: Some(KARGS_FILE.into()), sources };
        }
        let old: Vec<String> = self.cx.old.map(|o| o.kernel_arguments.clone()).unwrap_or_default();
        if old != args {
            self.unit_steps.insert(
                0,
                Step::KernelArguments {
                    delete: split_kernel_arguments(&old),
                    append: split_kernel_arguments(&args),
                    sources: sources.clone(),
                },
            );
        }
        KernelArguments { args, placement: "node".into(), file: None, sources }
    }

    fn packages(&mut self) -> Packages {
        let pool = self.cx.pool;
        let mut extensions: Vec<Extension> = Vec::new();
        for e in &pool.extensions {
            let source = self.cx.inputs.machine_configs[e.machine_config].name().to_string();
            match extensions.iter_mut().find(|x| x.name == e.value.value) {
                Some(x) => {
                    if !x.sources.contains(&source) {
                        x.sources.push(source);
                    }
                }
                None => extensions.push(Extension {
                    name: e.value.value.clone(),
                    packages: packages::extension_packages(&e.value.value)
                        .unwrap_or_default()
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                    sources: vec![source],
                }),
            }
        }
        let install = dedup(extensions.iter().flat_map(|x| x.packages.clone()));
        let kernel_type = pool.kernel_type_name().to_string();
        let kernel_swap = pool.kernel_type.as_ref().map(|k| KernelSwap {
            kernel_type: kernel_type.clone(),
            install: packages::kernel_packages(&kernel_type).iter().map(|p| p.to_string()).collect(),
            sources: vec![self.cx.inputs.machine_configs[k.machine_config].name().to_string()],
        });
        if self.target == Target::Legacy {
            let mut steps = Vec::new();
            if !extensions.is_empty() {
                steps.push(Step::Extensions {
                    extensions: extensions.iter().map(|x| x.name.clone()).collect(),
                    install: install.clone(),
                    sources: dedup(extensions.iter().flat_map(|x| x.sources.clone())),
                });
            }
            if let Some(swap) = kernel_swap {
                steps.push(Step::KernelType {
                    kernel_type: swap.kernel_type,
                    install: swap.install,
                    sources: swap.sources,
                });
            }
            let at = self.unit_steps.iter().take_while(|s| matches!(s, Step::KernelArguments { .. })).count();
            self.unit_steps.splice(at..at, steps);
            return Packages { extensions: Vec::new(), install: Vec::new(), kernel_type, kernel_swap: None };
        }
        if (!install.is_empty() || kernel_swap.is_some()) && pool.base_os_extensions_container_image.url.is_empty() {
            self.errors.push(
                Diagnostic::general(
                    &codes::COMPILE_NO_EXTENSIONS_IMAGE,
                    format!(
                        "pool `{}` installs extensions or a {} kernel, which come from the extensions image, but none is known",
                        pool.pool.name(),
                        kernel_type
                    ),
                )
                .with_help("pass the cluster's extensions image with --base-extensions-image, or set spec.baseOSExtensionsContainerImage"),
            );
        }
        Packages { extensions, install, kernel_type, kernel_swap }
    }

    /// The directories above every entry, created for it when the config does not: 0755 root.
    fn add_parents(&mut self) {
        let paths: Vec<String> = self.entries.keys().cloned().collect();
        for path in paths {
            let mut parent = path.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if up.is_empty() {
                    break;
                }
                parent = up;
                match self.entries.get(parent) {
                    Some(existing) if existing.kind == EntryType::Directory => {}
                    Some(existing) => {
                        let message = format!(
                            "`{path}` is below `{parent}`, which the image holds as a {:?}, not a directory",
                            existing.kind
                        )
                        .to_lowercase();
                        self.errors.push(Diagnostic::general(&codes::IMAGE_PATH_CONFLICT, message));
                        break;
                    }
                    None => {
                        let placement = placement_of_path(parent);
                        self.add_special(
                            parent,
                            EntryType::Directory,
                            0o755,
                            (0, 0),
                            None,
                            placement,
                            "parent",
                            Vec::new(),
                            None,
                        );
                    }
                }
            }
        }
    }

    /// What the `--from` config wrote on the node and the new one does not, deepest first.
    fn removals(&self) -> Vec<Step> {
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
