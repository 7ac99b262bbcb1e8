//! The generator's model of a case: MachineConfigs as plain data, emitted as the JSON the API
//! server would hold for each Ignition spec version. Mutating and shrinking work on the model, so
//! every emitted config stays well formed.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::{Map, Value, json};

pub const ROLE_LABEL: &str = "machineconfiguration.openshift.io/role";
pub const MCO_API: &str = "machineconfiguration.openshift.io/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Render,
    Plan,
}

/// How a file's text is written into its `data:` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `data:,` with percent-encoding.
    Plain,
    Base64,
    /// Base64 of gzip bytes, with `compression: gzip` (spec 3.1 and later).
    Gzip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Id(u32),
    Name(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileModel {
    pub path: String,
    /// `None`: no `contents` at all.
    pub text: Option<String>,
    pub encoding: Encoding,
    pub mode: Option<u32>,
    pub overwrite: Option<bool>,
    pub user: Option<Owner>,
    pub group: Option<Owner>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitModel {
    pub name: String,
    pub enabled: Option<bool>,
    pub mask: Option<bool>,
    pub contents: Option<String>,
    pub dropins: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct McModel {
    pub name: String,
    pub role: String,
    /// `2.2.0`, `3.0.0` … `3.5.0`.
    pub version: &'static str,
    pub files: Vec<FileModel>,
    pub units: Vec<UnitModel>,
    /// The `core` user's keys; `None`: no passwd section.
    pub ssh_keys: Option<Vec<String>>,
    pub kernel_arguments: Vec<String>,
    pub extensions: Vec<String>,
    pub kernel_type: Option<String>,
    pub fips: Option<bool>,
    pub os_image_url: Option<String>,
}

/// One case: a pool, its MachineConfigs (render: `new` only; plan: both sides), the cluster's
/// images and, for a plan, the `MachineConfiguration`.
#[derive(Debug, Clone)]
pub struct Case {
    pub kind: Kind,
    pub seed: u64,
    pub pool: Value,
    pub base_image: String,
    pub extensions_image: String,
    pub old: Vec<McModel>,
    pub new: Vec<McModel>,
    pub machine_configuration: Option<Value>,
}

impl Case {
    pub fn pool_name(&self) -> &str {
        self.pool["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The oracle's input (its README, "Input").
    pub fn oracle_input(&self) -> Value {
        let mcs = |side: &[McModel]| Value::Array(side.iter().map(McModel::to_json).collect());
        let mut input = json!({
            "pool": self.pool,
            "controllerConfig": {"osImageURL": self.base_image, "baseOSExtensionsContainerImage": self.extensions_image},
        });
        match self.kind {
            Kind::Render => {
                input["kind"] = "render".into();
                input["configs"] = mcs(&self.new);
            }
            Kind::Plan => {
                input["kind"] = "plan".into();
                input["old"] = mcs(&self.old);
                input["new"] = mcs(&self.new);
                if let Some(mc) = &self.machine_configuration {
                    input["machineConfiguration"] = mc.clone();
                }
            }
        }
        input
    }

    /// A side as one Kubernetes `List`: the pool, the MachineConfigs and (on the new side) the
    /// `MachineConfiguration`, as a cluster repository would hold them.
    pub fn side_list(&self, side: &[McModel], with_policy: bool) -> Value {
        let mut items = vec![self.pool.clone()];
        items.extend(side.iter().map(McModel::to_json));
        if with_policy && let Some(mc) = &self.machine_configuration {
            items.push(mc.clone());
        }
        json!({"apiVersion": "v1", "kind": "List", "items": items})
    }
}

impl McModel {
    pub fn is_spec2(&self) -> bool {
        self.version.starts_with('2')
    }

    pub fn to_json(&self) -> Value {
        let mut config = Map::new();
        config.insert("ignition".into(), json!({"version": self.version}));
        if !self.files.is_empty() {
            let files: Vec<Value> = self.files.iter().map(|f| f.to_json(self.is_spec2())).collect();
            config.insert("storage".into(), json!({"files": files}));
        }
        if !self.units.is_empty() {
            let units: Vec<Value> = self.units.iter().map(UnitModel::to_json).collect();
            config.insert("systemd".into(), json!({"units": units}));
        }
        if let Some(keys) = &self.ssh_keys {
            config.insert("passwd".into(), json!({"users": [{"name": "core", "sshAuthorizedKeys": keys}]}));
        }
        let mut spec = Map::new();
        spec.insert("config".into(), config.into());
        if !self.kernel_arguments.is_empty() {
            spec.insert("kernelArguments".into(), json!(self.kernel_arguments));
        }
        if !self.extensions.is_empty() {
            spec.insert("extensions".into(), json!(self.extensions));
        }
        if let Some(kernel_type) = &self.kernel_type {
            spec.insert("kernelType".into(), kernel_type.clone().into());
        }
        if let Some(fips) = self.fips {
            spec.insert("fips".into(), fips.into());
        }
        if let Some(url) = &self.os_image_url {
            spec.insert("osImageURL".into(), url.clone().into());
        }
        json!({
            "apiVersion": MCO_API,
            "kind": "MachineConfig",
            "metadata": {"name": self.name, "labels": {ROLE_LABEL: self.role}},
            "spec": spec,
        })
    }
}

impl FileModel {
    fn to_json(&self, spec2: bool) -> Value {
        let mut file = Map::new();
        if spec2 {
            file.insert("filesystem".into(), "root".into());
        }
        file.insert("path".into(), self.path.clone().into());
        if let Some(text) = &self.text {
            let mut contents = Map::new();
            contents.insert("source".into(), data_url(text, self.encoding).into());
            if self.encoding == Encoding::Gzip {
                contents.insert("compression".into(), "gzip".into());
            }
            file.insert("contents".into(), contents.into());
        }
        if let Some(mode) = self.mode {
            file.insert("mode".into(), mode.into());
        }
        if let Some(overwrite) = self.overwrite {
            // Spec 2 has no `overwrite`; its `append` is the closest spelling of "do not replace".
            if spec2 {
                file.insert("append".into(), (!overwrite).into());
            } else {
                file.insert("overwrite".into(), overwrite.into());
            }
        }
        for (key, owner) in [("user", &self.user), ("group", &self.group)] {
            match owner {
                Some(Owner::Id(id)) => file.insert(key.into(), json!({"id": id})),
                Some(Owner::Name(name)) => file.insert(key.into(), json!({"name": name})),
                None => None,
            };
        }
        file.into()
    }
}

impl UnitModel {
    fn to_json(&self) -> Value {
        let mut unit = Map::new();
        unit.insert("name".into(), self.name.clone().into());
        if let Some(enabled) = self.enabled {
            unit.insert("enabled".into(), enabled.into());
        }
        if let Some(mask) = self.mask {
            unit.insert("mask".into(), mask.into());
        }
        if let Some(contents) = &self.contents {
            unit.insert("contents".into(), contents.clone().into());
        }
        if !self.dropins.is_empty() {
            let dropins: Vec<Value> =
                self.dropins.iter().map(|(name, contents)| json!({"name": name, "contents": contents})).collect();
            unit.insert("dropins".into(), dropins.into());
        }
        unit.into()
    }
}

/// A `data:` URL for `text`.
pub fn data_url(text: &str, encoding: Encoding) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    match encoding {
        Encoding::Plain => format!("data:,{}", percent_encode(text)),
        Encoding::Base64 => format!("data:;base64,{}", engine.encode(text)),
        Encoding::Gzip => {
            // A fixed header (no name, no mtime) so the bytes depend on the text alone.
            let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
            gz.write_all(text.as_bytes()).expect("writing to memory");
            format!("data:;base64,{}", engine.encode(gz.finish().expect("writing to memory")))
        }
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
