//! The "safe registries.conf change" test behind `Special`'s drain decision (`spec/mco.md` §4.6,
//! `MCO:pkg/daemon/drain.go` `isSafeContainerRegistryConfChanges`).
//!
//! Both files are decoded as the MCO decodes them: BurntSushi's TOML decoder into
//! `sysregistriesv2.V2RegistriesConf`. So a value of the wrong type in a field the struct knows
//! (`blocked = "yes"`, a `[registry]` table where an array of tables belongs) is an error like a
//! syntax error, keys the struct does not know are ignored, and a key matches its field exactly
//! or else case-insensitively.

use indexmap::IndexMap;
use toml::{Table, Value};

use crate::policy::disruption::REGISTRIES_CONF;

/// `sysregistriesv2.MirrorByDigestOnly`, the `pull-from-mirror` value that keeps a mirror to
/// digest pulls.
pub const DIGEST_ONLY: &str = "digest-only";

/// `sysregistriesv2.Endpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub location: String,
    pub insecure: bool,
    pub pull_from_mirror: String,
}

/// `sysregistriesv2.Registry`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    pub prefix: String,
    pub endpoint: Endpoint,
    pub mirrors: Vec<Endpoint>,
    pub blocked: bool,
    pub mirror_by_digest_only: bool,
}

impl Registry {
    /// The key the MCO compares registries by: the prefix, or else the location.
    pub fn scope(&self) -> &str {
        if self.prefix.is_empty() { &self.endpoint.location } else { &self.prefix }
    }

    fn mirror(&self, location: &str) -> Option<&Endpoint> {
        self.mirrors.iter().find(|m| m.location == location)
    }

    /// `allDigestOnlyMirror`: every mirror is digest-only; without mirrors, the registry's
    /// `mirror-by-digest-only`.
    fn all_digest_only(&self) -> bool {
        if self.mirrors.is_empty() {
            self.mirror_by_digest_only
        } else {
            self.mirrors.iter().all(|m| m.pull_from_mirror == DIGEST_ONLY)
        }
    }
}

/// The parts of `sysregistriesv2.V2RegistriesConf` the test looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistriesConf {
    pub unqualified_search_registries: Vec<String>,
    pub registries: Vec<Registry>,
}

/// Whether the change from `old` to `new` (each the text of registries.conf; `None` for a
/// missing file, which counts as empty) lets the node skip the drain. `Err` when either is not
/// TOML the MCO can decode, which fails the update.
pub fn is_safe_change(old: Option<&str>, new: Option<&str>) -> Result<bool, String> {
    let old = parse(old.unwrap_or(""))?;
    let new = parse(new.unwrap_or(""))?;
    Ok(unsafe_reason(&old, &new).is_none())
}

/// Why the change is not safe (the daemon's log line), or `None` when it is.
pub fn unsafe_reason(old: &RegistriesConf, new: &RegistriesConf) -> Option<String> {
    // Search registries: appending only; order matters for lookups.
    let (old_search, new_search) = (&old.unqualified_search_registries, &new.unqualified_search_registries);
    if old_search.len() > new_search.len() || old_search.iter().zip(new_search).any(|(a, b)| a != b) {
        return Some("unqualified-search-registries lost an entry or changed order".into());
    }
    // Keyed by scope; a later registry with the same scope replaces an earlier one (a Go map).
    let map = |conf: &RegistriesConf| -> IndexMap<String, Registry> {
        conf.registries.iter().map(|r| (r.scope().to_string(), r.clone())).collect()
    };
    let (old_map, new_map) = (map(old), map(new));
    if let Some(removed) = old_map.keys().find(|k| !new_map.contains_key(*k)) {
        return Some(format!("registry {removed} has been removed"));
    }
    for (scope, new_reg) in &new_map {
        let Some(old_reg) = old_map.get(scope) else {
            if !new_reg.all_digest_only() {
                return Some(format!(
                    "registry {scope} has been added with mirror does not set pull-from-mirror=digest-only"
                ));
            }
            continue;
        };
        if old_reg == new_reg {
            continue;
        }
        if old_reg.prefix != new_reg.prefix {
            return Some(format!("prefix value for registry {scope} has changed"));
        }
        if old_reg.endpoint.location != new_reg.endpoint.location {
            return Some(format!("location value for registry {scope} has changed"));
        }
        if old_reg.blocked != new_reg.blocked {
            return Some(format!("blocked value for registry {scope} has changed"));
        }
        if old_reg.endpoint.insecure != new_reg.endpoint.insecure {
            return Some(format!("insecure value for registry {scope} has changed"));
        }
        if let Some(m) = old_reg.mirrors.iter().find(|m| new_reg.mirror(&m.location).is_none()) {
            return Some(format!("mirror {} has been removed in registry {scope}", m.location));
        }
        for m in &new_reg.mirrors {
            match old_reg.mirror(&m.location) {
                Some(old_m) if m.pull_from_mirror != old_m.pull_from_mirror && m.pull_from_mirror != DIGEST_ONLY => {
                    return Some(format!("pull-from-mirror value for mirror {} has changed", m.location));
                }
                Some(_) => {}
                None if m.pull_from_mirror != DIGEST_ONLY && !new_reg.mirror_by_digest_only => {
                    return Some(format!(
                        "mirror {} has been added in registry {scope} that has pull-from-mirror set to {:?}",
                        m.location, m.pull_from_mirror
                    ));
                }
                None => {}
            }
        }
    }
    None
}

/// Decodes registries.conf as `toml.Decode` into `V2RegistriesConf` does.
pub fn parse(text: &str) -> Result<RegistriesConf, String> {
    let fail = |e: String| format!("failed decoding TOML content from file {REGISTRIES_CONF}: {e}");
    let table: Table = text.parse().map_err(|e: toml::de::Error| fail(e.message().to_string()))?;
    let conf = decode_conf(&table).map_err(fail)?;
    Ok(conf)
}

fn decode_conf(table: &Table) -> Result<RegistriesConf, String> {
    let mut conf = RegistriesConf::default();
    if let Some(v) = field(table, "registry") {
        conf.registries = tables(v, "registry")?.into_iter().map(decode_registry).collect::<Result<_, _>>()?;
    }
    if let Some(v) = field(table, "unqualified-search-registries") {
        conf.unqualified_search_registries = strings(v, "unqualified-search-registries")?;
    }
    // Fields the test ignores, still type-checked by the decoder.
    if let Some(v) = field(table, "credential-helpers") {
        strings(v, "credential-helpers")?;
    }
    for key in ["short-name-mode", "additional-layer-store-auth-helper"] {
        if let Some(v) = field(table, key) {
            string(v, key)?;
        }
    }
    if let Some(v) = field(table, "aliases") {
        let Value::Table(aliases) = v else {
            return Err(mismatch("aliases", v, "a table"));
        };
        for (k, v) in aliases {
            string(v, k)?;
        }
    }
    Ok(conf)
}

fn decode_registry(table: &Table) -> Result<Registry, String> {
    let mut registry = Registry { endpoint: decode_endpoint(table)?, ..Registry::default() };
    if let Some(v) = field(table, "prefix") {
        registry.prefix = string(v, "prefix")?;
    }
    if let Some(v) = field(table, "mirror") {
        registry.mirrors = tables(v, "mirror")?.into_iter().map(decode_endpoint).collect::<Result<_, _>>()?;
    }
    if let Some(v) = field(table, "blocked") {
        registry.blocked = boolean(v, "blocked")?;
    }
    if let Some(v) = field(table, "mirror-by-digest-only") {
        registry.mirror_by_digest_only = boolean(v, "mirror-by-digest-only")?;
    }
    Ok(registry)
}

fn decode_endpoint(table: &Table) -> Result<Endpoint, String> {
    let mut endpoint = Endpoint::default();
    if let Some(v) = field(table, "location") {
        endpoint.location = string(v, "location")?;
    }
    if let Some(v) = field(table, "insecure") {
        endpoint.insecure = boolean(v, "insecure")?;
    }
    if let Some(v) = field(table, "pull-from-mirror") {
        endpoint.pull_from_mirror = string(v, "pull-from-mirror")?;
    }
    Ok(endpoint)
}

/// The value of a struct field's key: the exact key, or else a key equal ignoring case.
fn field<'t>(table: &'t Table, name: &str) -> Option<&'t Value> {
    table.get(name).or_else(|| table.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

fn mismatch(key: &str, value: &Value, expected: &str) -> String {
    format!("`{key}` is {} where {expected} belongs", type_name(value))
}

fn string(value: &Value, key: &str) -> Result<String, String> {
    value.as_str().map(str::to_string).ok_or_else(|| mismatch(key, value, "a string"))
}

fn boolean(value: &Value, key: &str) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| mismatch(key, value, "a boolean"))
}

fn strings(value: &Value, key: &str) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err(mismatch(key, value, "an array of strings"));
    };
    items.iter().map(|i| string(i, key)).collect()
}

fn tables<'v>(value: &'v Value, key: &str) -> Result<Vec<&'v Table>, String> {
    let Value::Array(items) = value else {
        return Err(mismatch(key, value, "an array of tables"));
    };
    items
        .iter()
        .map(|i| match i {
            Value::Table(t) => Ok(t),
            other => Err(mismatch(key, other, "a table")),
        })
        .collect()
}
