//! The site's Node Disruption Policy: the `operator.openshift.io/v1` `MachineConfiguration`
//! named `cluster`, validated with every rule of its CRD (`spec/mco.md` §5) and lowered into
//! [`DisruptionPolicy`], ready to merge over the defaults with [`DisruptionPolicy::merge`]
//! exactly as the MCO's `MergeClusterPolicies` does (§4.5).
//!
//! The API server refuses an object that breaks any rule, so a `MachineConfiguration` with an
//! error contributes nothing: the cluster keeps its previous policy, and mcc falls back to the
//! defaults. Warnings (an unknown key, a relative path) do not stop the object. The status
//! section (`status.nodeDisruptionPolicyStatus`) is the MCO's output and is never read.

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::hash::HashMap;
use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Spanned};
use crate::model::objects::Inputs;
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, SshKeyRule, UnitRule};
use crate::source::Span;

/// The only name the MCO honours.
pub const CLUSTER: &str = "cluster";
/// `files` and `units`: `+kubebuilder:validation:MaxItems=50`.
pub const MAX_ENTRIES: usize = 50;
/// Every `actions` list: `+kubebuilder:validation:MaxItems=10`.
pub const MAX_ACTIONS: usize = 10;
/// `NodeDisruptionPolicyServiceName`: `+kubebuilder:validation:MaxLength=255` (characters).
pub const MAX_SERVICE_NAME: usize = 255;

/// The spec action enum, in the API's order. `Special` is status-only.
const ACTION_TYPES: [&str; 6] = ["Reboot", "Drain", "Reload", "Restart", "DaemonReload", "None"];
/// The unit types of the service-name suffix rule.
const UNIT_TYPES: [&str; 12] = [
    "service",
    "socket",
    "device",
    "mount",
    "automount",
    "swap",
    "target",
    "path",
    "timer",
    "snapshot",
    "slice",
    "scope",
];
/// `IrreconcilableValidationOverridesStorage`.
const STORAGE_OVERRIDES: [&str; 3] = ["Disks", "FileSystems", "Raid"];

/// The CEL messages of `NodeDisruptionPolicyServiceName`, verbatim (typos included).
pub const SERVICE_TYPE_MESSAGE: &str = r#"Invalid ${SERVICETYPE} in service name. Expected format is ${NAME}${SERVICETYPE}, where ${SERVICETYPE} must be one of ".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path", ".timer",".snapshot", ".slice" or ".scope"."#;
pub const SERVICE_NAME_MESSAGE: &str = r#"Invalid ${NAME} in service name. Expected format is ${NAME}${SERVICETYPE}, where {NAME} must be atleast 1 character long and can only consist of alphabets, digits, ":", "-", "_", ".", and "\""#;
/// The admission message for a `MachineConfiguration` not named `cluster`.
pub const NOT_CLUSTER_MESSAGE: &str =
    "Only a single object of MachineConfiguration is allowed and it must be named cluster";

/// What the site's `MachineConfiguration` contributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SitePolicy {
    /// The user's policy in its own list order, every rule [`Origin::MachineConfiguration`] with
    /// spans into the YAML. Merge it over the defaults with [`DisruptionPolicy::merge`]. Empty
    /// when there is no object named `cluster`, when it has no `nodeDisruptionPolicy`, or when
    /// it has errors (the API server would refuse it).
    pub disruption: DisruptionPolicy,
    /// `spec.irreconcilableValidationOverrides.storage`: a set of `Disks`, `FileSystems`, `Raid`
    /// (1 to 3 items). The field is behind the `IrreconcilableMachineConfig` feature gate.
    pub irreconcilable_overrides: Vec<Spanned<String>>,
    /// The honoured object, when one was accepted.
    pub source: Option<Span>,
}

/// Reads every `MachineConfiguration` among the inputs, validates each, and returns the policy
/// of the one named `cluster`. Other names and a second `cluster` are errors.
pub fn site_policy(inputs: &Inputs, diagnostics: &mut Vec<Diagnostic>) -> SitePolicy {
    let mut honoured: Option<(&Spanned<String>, SitePolicy)> = None;
    for object in &inputs.machine_configurations {
        let name = &object.metadata.name;
        // No name at all: the loader already reported it, and it is no object the API would hold.
        if name.value.is_empty() {
            continue;
        }
        let before = diagnostics.len();
        let (disruption, irreconcilable_overrides) =
            object.spec.as_ref().map(|spec| read_spec(spec, diagnostics)).unwrap_or_default();
        let accepted = !diagnostics[before..].iter().any(|d| d.severity() == Severity::Error);
        if name.value != CLUSTER {
            diagnostics.push(
                Diagnostic::new(&codes::MACHINE_CONFIGURATION_NOT_CLUSTER, name.span, NOT_CLUSTER_MESSAGE)
                    .with_label("the MCO only reads the object named `cluster`")
                    .with_help("rename it `cluster`, or move its settings into the `cluster` object"),
            );
            continue;
        }
        if let Some((first, _)) = &honoured {
            diagnostics.push(
                Diagnostic::new(
                    &codes::DUPLICATE_MACHINE_CONFIGURATION,
                    name.span,
                    "a second MachineConfiguration named `cluster`",
                )
                .with_related(first.span, "the first one, which mcc uses")
                .with_help("there is one `cluster` object: applying both keeps only the last one; merge them into one"),
            );
            continue;
        }
        let policy = if accepted {
            SitePolicy { disruption, irreconcilable_overrides, source: Some(object.span) }
        } else {
            SitePolicy::default()
        };
        honoured = Some((name, policy));
    }
    honoured.map(|(_, policy)| policy).unwrap_or_default()
}

/// `StaticPodOperatorSpec` (with `OperatorSpec`) inlined, then the MCO's own fields.
const SPEC_KEYS: [&str; 12] = [
    "managementState",
    "logLevel",
    "operatorLogLevel",
    "unsupportedConfigOverrides",
    "observedConfig",
    "forceRedeploymentReason",
    "failedRevisionLimit",
    "succeededRevisionLimit",
    "managedBootImages",
    "nodeDisruptionPolicy",
    "irreconcilableValidationOverrides",
    "bootImageSkewEnforcement",
];

fn read_spec(spec: &Node, d: &mut Vec<Diagnostic>) -> (DisruptionPolicy, Vec<Spanned<String>>) {
    let entries = reader::mapping(spec, d);
    unknown_keys(entries, &SPEC_KEYS, "a MachineConfiguration spec", d);
    let disruption = present(entries, "nodeDisruptionPolicy").map(|e| read_ndp(&e.value, d)).unwrap_or_default();
    let overrides =
        present(entries, "irreconcilableValidationOverrides").map(|e| read_overrides(e, d)).unwrap_or_default();
    (disruption, overrides)
}

const NDP: &str = "spec.nodeDisruptionPolicy";

fn read_ndp(node: &Node, d: &mut Vec<Diagnostic>) -> DisruptionPolicy {
    let entries = reader::mapping(node, d);
    unknown_keys(entries, &["files", "units", "sshkey"], "a nodeDisruptionPolicy", d);
    let mut policy = DisruptionPolicy::default();
    for (path, actions, span) in read_keyed(entries, "files", "path", "file", d) {
        policy.push_file(FileRule { path, actions, span, origin: Origin::MachineConfiguration });
    }
    for (name, actions, span) in read_keyed(entries, "units", "name", "unit", d) {
        policy.push_unit(UnitRule { name, actions, span, origin: Origin::MachineConfiguration });
    }
    if let Some(sshkey) = present(entries, "sshkey")
        && let Some(fields) = fields(&sshkey.value, d)
    {
        let at = format!("{NDP}.sshkey");
        unknown_keys(fields, &["actions"], "the sshkey policy", d);
        if let Some(actions) = read_actions(fields, sshkey.key_span, &at, "sshkey policy", d) {
            policy.sshkey = Some(SshKeyRule {
                actions,
                span: sshkey.key_span.to(sshkey.value.span),
                origin: Origin::MachineConfiguration,
            });
        }
    }
    policy
}

/// `files` (keyed by `path`) or `units` (keyed by `name`): a list-map of at most 50 entries,
/// each with its key and its `actions`. Returns the entries complete enough to lower.
fn read_keyed(
    entries: &[Entry],
    list: &str,
    key: &str,
    what: &str,
    d: &mut Vec<Diagnostic>,
) -> Vec<(Spanned<String>, Vec<Spanned<Action>>, Span)> {
    let Some(entry) = present(entries, list) else { return Vec::new() };
    let items = reader::list(&entry.value, d);
    too_many_entries(entry, items.len(), &format!("{NDP}.{list}"), what, d);
    let what = format!("{what} policy");
    let mut seen: HashMap<String, Span> = HashMap::default();
    let mut rules = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{NDP}.{list}[{i}]");
        let Some(fields) = fields(item, d) else { continue };
        unknown_keys(fields, &[key, "actions"], &format!("a {what}"), d);
        let value = required_string(item, fields, key, &at, &what, d);
        let actions = read_actions(fields, head(item), &at, &what, d);
        let Some(value) = value else { continue };
        if key == "name" {
            check_service_name(&value, &format!("{at}.name"), d);
        } else if !value.value.starts_with('/') {
            relative_path(&at, &value, d);
        }
        match seen.get(&value.value) {
            Some(&first) => duplicate(&at, key, &value, first, d),
            None => drop(seen.insert(value.value.clone(), value.span)),
        }
        if let Some(actions) = actions {
            rules.push((value, actions, item.span));
        }
    }
    rules
}

/// An `actions` list: required, at most 10, Reboot and None standalone. `None` when absent.
fn read_actions(
    fields: &[Entry],
    owner: Span,
    at: &str,
    what: &str,
    d: &mut Vec<Diagnostic>,
) -> Option<Vec<Spanned<Action>>> {
    let Some(list) = present(fields, "actions") else {
        required(owner, &format!("{at}.actions"), &format!("this {what} has no `actions`"), d);
        return None;
    };
    let at = format!("{at}.actions");
    let items = reader::list(&list.value, d);
    if items.len() > MAX_ACTIONS {
        d.push(
            Diagnostic::new(
                &codes::NDP_TOO_MANY_ACTIONS,
                list.key_span,
                format!("{at}: Too many: {}: must have at most {MAX_ACTIONS} items", items.len()),
            )
            .with_label(format!("{} actions", items.len()))
            .with_help("an entry takes at most 10 actions, run in order and never de-duplicated: drop repeated ones"),
        );
    }
    let mut actions = Vec::new();
    let mut types = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (kind, action) = read_action(item, &format!("{at}[{i}]"), d);
        types.extend(kind);
        actions.extend(action);
    }
    for standalone in ["Reboot", "None"] {
        if items.len() > 1
            && let Some(kind) = types.iter().find(|t| t.value == standalone)
        {
            let help = if standalone == "Reboot" {
                "a reboot supersedes every other action: keep only `- type: Reboot`, or drop it"
            } else {
                "None means nothing is done: keep only `- type: None`, or drop it and keep the other actions"
            };
            d.push(
                Diagnostic::new(
                    &codes::NDP_ACTION_NOT_STANDALONE,
                    kind.span,
                    format!("{at}: {standalone} action can only be specified standalone, as it will override any other actions"),
                )
                .with_related(list.key_span, format!("a list of {} actions", items.len()))
                .with_help(help),
            );
        }
    }
    Some(actions)
}

/// One action: its `type` as written (for the standalone rules) and, when valid, the action.
fn read_action(item: &Node, at: &str, d: &mut Vec<Diagnostic>) -> (Option<Spanned<String>>, Option<Spanned<Action>>) {
    let Some(fields) = fields(item, d) else { return (None, None) };
    unknown_keys(fields, &["type", "reload", "restart"], "an action", d);
    let kind = match present(fields, "type") {
        Some(entry) => reader::string(&entry.value, d),
        None => {
            required(head(item), &format!("{at}.type"), "this action has no `type`", d);
            None
        }
    };
    let known = kind.as_ref().and_then(|k| check_action_type(k, at, d));
    let reload = present(fields, "reload");
    let restart = present(fields, "restart");
    if let (Some(known), Some(kind)) = (known, &kind) {
        check_union(known, "Reload", "reload", reload, kind, at, d);
        check_union(known, "Restart", "restart", restart, kind, at, d);
    }
    let reload = reload.and_then(|e| read_service(e, &format!("{at}.reload"), d));
    let restart = restart.and_then(|e| read_service(e, &format!("{at}.restart"), d));
    let action = match known {
        Some("Reboot") => Some(Action::Reboot),
        Some("Drain") => Some(Action::Drain),
        Some("Reload") => reload.map(|s| Action::Reload(s.value)),
        Some("Restart") => restart.map(|s| Action::Restart(s.value)),
        Some("DaemonReload") => Some(Action::DaemonReload),
        Some("None") => Some(Action::None),
        _ => None,
    };
    (kind, action.map(|a| Spanned::new(a, item.span)))
}

/// The spec enum; `Special` is refused with its own help.
fn check_action_type(kind: &Spanned<String>, at: &str, d: &mut Vec<Diagnostic>) -> Option<&'static str> {
    if let Some(known) = ACTION_TYPES.iter().find(|t| **t == kind.value) {
        return Some(known);
    }
    let supported = ACTION_TYPES.map(|t| format!("\"{t}\"")).join(", ");
    let mut diagnostic = Diagnostic::new(
        &codes::NDP_ACTION_TYPE_INVALID,
        kind.span,
        format!("{at}.type: Unsupported value: {}: supported values: {supported}", quote(&kind.value)),
    );
    if kind.value == "Special" {
        diagnostic = diagnostic.with_label("status-only").with_help(
            "`Special` appears only in the MCO's status, for its own registries.conf default; a user policy cannot set it",
        );
    } else if let Some(close) = ACTION_TYPES.iter().find(|t| t.eq_ignore_ascii_case(&kind.value)) {
        diagnostic = diagnostic.with_help(format!("types are case-sensitive: did you mean `{close}`?"));
    } else {
        diagnostic = diagnostic.with_help("use one of Reboot, Drain, Reload, Restart, DaemonReload or None");
    }
    d.push(diagnostic);
    None
}

/// `has(self.type) && self.type == 'Reload' ? has(self.reload) : !has(self.reload)`, and the
/// same for Restart.
fn check_union(
    known: &str,
    wants: &str,
    key: &str,
    entry: Option<&Entry>,
    kind: &Spanned<String>,
    at: &str,
    d: &mut Vec<Diagnostic>,
) {
    let message = format!("{at}: {key} is required when type is {wants}, and forbidden otherwise");
    match entry {
        None if known == wants => d.push(
            Diagnostic::new(&codes::NDP_ACTION_SERVICE_MISMATCH, kind.span, message)
                .with_label(format!("`{wants}` needs `{key}.serviceName`"))
                .with_help(format!("name the unit: `{key}: {{serviceName: crio.service}}`")),
        ),
        Some(entry) if known != wants => d.push(
            Diagnostic::new(&codes::NDP_ACTION_SERVICE_MISMATCH, entry.key_span, message)
                .with_label(format!("only allowed with `type: {wants}`"))
                .with_related(kind.span, format!("the type is `{known}`"))
                .with_help(format!("drop `{key}`, or set `type: {wants}`")),
        ),
        _ => {}
    }
}

/// `reload` or `restart`: a required `serviceName` with the service-name rules.
fn read_service(entry: &Entry, at: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    let fields = fields(&entry.value, d)?;
    unknown_keys(fields, &["serviceName"], &format!("a {}", entry.key), d);
    let Some(name) = present(fields, "serviceName") else {
        required(entry.key_span, &format!("{at}.serviceName"), &format!("this {} has no `serviceName`", entry.key), d);
        return None;
    };
    let name = reader::string(&name.value, d)?;
    check_service_name(&name, &format!("{at}.serviceName"), d);
    Some(name)
}

/// `NodeDisruptionPolicyServiceName`: MaxLength 255 and two CEL rules, all checked (the API
/// server reports every failing rule).
fn check_service_name(name: &Spanned<String>, at: &str, d: &mut Vec<Diagnostic>) {
    let length = name.value.chars().count();
    if length > MAX_SERVICE_NAME {
        d.push(
            Diagnostic::new(
                &codes::NDP_SERVICE_NAME_TOO_LONG,
                name.span,
                format!("{at}: Too long: may not be longer than {MAX_SERVICE_NAME}"),
            )
            .with_label(format!("{length} characters"))
            .with_help("systemd unit names are at most 255 characters long too; shorten the name"),
        );
    }
    if !has_unit_type_suffix(&name.value) {
        d.push(
            Diagnostic::new(&codes::NDP_SERVICE_TYPE_INVALID, name.span, format!("{at}: {SERVICE_TYPE_MESSAGE}"))
                .with_label("no unit type suffix")
                .with_help("write the full unit name with its type, such as `crio.service`"),
        );
    }
    if !has_valid_name(&name.value) {
        d.push(
            Diagnostic::new(&codes::NDP_SERVICE_NAME_INVALID, name.span, format!("{at}: {SERVICE_NAME_MESSAGE}"))
                .with_label("no valid name before the unit type")
                .with_help(
                    "the name must start with letters, digits, `:`, `-`, `_`, `.` or `\\` and reach a `.` from them; \
                     template instances (`name@instance.service`) cannot be named",
                ),
        );
    }
}

/// `self.matches('\\.(service|socket|…|scope)$')`: RE2 search, `$` only at the very end.
pub fn has_unit_type_suffix(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, kind)| UNIT_TYPES.contains(&kind))
}

/// `self.matches('^[a-zA-Z0-9:._\\\\-]+\\..')`: one or more characters of the class, then a
/// literal dot, then any character but a newline. The class holds the dot itself, so the dot
/// may be any dot of the leading run except its first character.
pub fn has_valid_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let in_class = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '\\' | '-');
    let run = chars.iter().take_while(|c| in_class(**c)).count();
    (1..run).any(|k| chars[k] == '.' && chars.get(k + 1).is_some_and(|c| *c != '\n'))
}

/// `spec.irreconcilableValidationOverrides`: MinProperties 1; `storage` a set of 1 to 3 values
/// of its enum.
fn read_overrides(entry: &Entry, d: &mut Vec<Diagnostic>) -> Vec<Spanned<String>> {
    let at = "spec.irreconcilableValidationOverrides";
    let fields = reader::mapping(&entry.value, d);
    unknown_keys(fields, &["storage"], "irreconcilableValidationOverrides", d);
    let Some(storage) = present(fields, "storage") else {
        d.push(
            Diagnostic::new(
                &codes::IRRECONCILABLE_OVERRIDES_INVALID,
                entry.key_span,
                format!("{at}: {at} in body should have at least 1 properties"),
            )
            .with_label("no `storage`")
            .with_help("list the sections to allow, `storage: [Disks]`, or remove the field"),
        );
        return Vec::new();
    };
    let at = format!("{at}.storage");
    let items = reader::list(&storage.value, d);
    fn problem(span: Span, message: String, help: &str, d: &mut Vec<Diagnostic>) {
        d.push(Diagnostic::new(&codes::IRRECONCILABLE_OVERRIDES_INVALID, span, message).with_help(help.to_string()));
    }
    if items.is_empty() {
        problem(
            storage.key_span,
            format!("{at}: {at} in body should have at least 1 items"),
            "list at least one of Disks, FileSystems, Raid, or remove irreconcilableValidationOverrides",
            d,
        );
    } else if items.len() > STORAGE_OVERRIDES.len() {
        problem(
            storage.key_span,
            format!("{at}: Too many: {}: must have at most {} items", items.len(), STORAGE_OVERRIDES.len()),
            "the set holds at most Disks, FileSystems and Raid, once each",
            d,
        );
    }
    let mut overrides: Vec<Spanned<String>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(value) = reader::string(item, d) else { continue };
        if !STORAGE_OVERRIDES.contains(&value.value.as_str()) {
            problem(
                value.span,
                format!(
                    "{at}[{i}]: Unsupported value: {}: supported values: \"Disks\", \"FileSystems\", \"Raid\", <nil>",
                    quote(&value.value)
                ),
                "use Disks, FileSystems or Raid, with this case",
                d,
            );
        } else if let Some(first) = overrides.iter().find(|o| o.value == value.value) {
            let first = first.span;
            d.push(
                Diagnostic::new(
                    &codes::IRRECONCILABLE_OVERRIDES_INVALID,
                    value.span,
                    format!("{at}[{i}]: Duplicate value: {}", quote(&value.value)),
                )
                .with_related(first, "first listed here")
                .with_help("the list is a set: list each section once"),
            );
        } else {
            overrides.push(value);
        }
    }
    overrides
}

fn too_many_entries(list: &Entry, count: usize, at: &str, what: &str, d: &mut Vec<Diagnostic>) {
    if count > MAX_ENTRIES {
        d.push(
            Diagnostic::new(
                &codes::NDP_TOO_MANY_ENTRIES,
                list.key_span,
                format!("{at}: Too many: {count}: must have at most {MAX_ENTRIES} items"),
            )
            .with_label(format!("{count} {what} policies"))
            .with_help(format!(
                "the API takes at most {MAX_ENTRIES} {what} policies; a directory path covers every file below it"
            )),
        );
    }
}

fn duplicate(at: &str, key: &str, value: &Spanned<String>, first: Span, d: &mut Vec<Diagnostic>) {
    d.push(
        Diagnostic::new(
            &codes::NDP_DUPLICATE_ENTRY,
            value.span,
            format!("{at}: Duplicate value: map[string]interface {{}}{{\"{key}\":{}}}", quote(&value.value)),
        )
        .with_related(first, "first listed here")
        .with_help(format!("the list is keyed by `{key}`: merge the two entries' actions into one")),
    );
}

fn relative_path(at: &str, path: &Spanned<String>, d: &mut Vec<Diagnostic>) {
    let help = if path.value.is_empty() {
        "write the absolute path of a file or directory, such as `/etc/chrony.conf`".to_string()
    } else {
        format!("Ignition paths are absolute: write `/{}`", path.value.trim_start_matches("./"))
    };
    d.push(
        Diagnostic::new(
            &codes::NDP_PATH_RELATIVE,
            path.span,
            format!("{at}.path: {} is not an absolute path, so it never matches a changed file", quote(&path.value)),
        )
        .with_label("relative path")
        .with_help(help),
    );
}

fn required(span: Span, at: &str, label: &str, d: &mut Vec<Diagnostic>) {
    d.push(
        Diagnostic::new(&codes::NDP_FIELD_REQUIRED, span, format!("{at}: Required value"))
            .with_label(label.to_string())
            .with_help(format!("add `{}`", at.rsplit('.').next().unwrap_or(at))),
    );
}

fn required_string(
    item: &Node,
    fields: &[Entry],
    key: &str,
    at: &str,
    what: &str,
    d: &mut Vec<Diagnostic>,
) -> Option<Spanned<String>> {
    match present(fields, key) {
        Some(entry) => reader::string(&entry.value, d),
        None => {
            required(head(item), &format!("{at}.{key}"), &format!("this {what} has no `{key}`"), d);
            None
        }
    }
}

fn unknown_keys(entries: &[Entry], known: &[&str], context: &str, d: &mut Vec<Diagnostic>) {
    reader::unknown_keys(entries, known, &codes::NDP_UNKNOWN_FIELD, context, d);
}

/// The entry for `key` unless absent or `null` (the API server prunes a null field, so CEL's
/// `has()` and `required` both see it as absent).
fn present<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|e| e.key == key && !e.value.is_null())
}

/// The entries of a mapping (`null` has none); `None`, reported, for any other type, so that a
/// wrong type is not also reported as missing fields.
fn fields<'n>(node: &'n Node, d: &mut Vec<Diagnostic>) -> Option<&'n [Entry]> {
    let before = d.len();
    let entries = reader::mapping(node, d);
    (d.len() == before).then_some(entries)
}

/// Where to point for a field missing from a mapping: its first key, or the node itself.
fn head(node: &Node) -> Span {
    node.entries().first().map_or(node.span, |e| e.key_span)
}

/// A string as Go's `%q` prints it (close enough: JSON escaping).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
#[path = "ndp_tests/mod.rs"]
mod tests;
