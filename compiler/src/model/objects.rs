//! Kind dispatch: which documents mcc reads, skips or refuses.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::content::DecodeBudget;
use crate::load::node::{Entry, Node, Value};
use crate::load::reader::{self, Diagnostics, field};
use crate::load::yaml::Document;
use crate::model::controller_config::{self, ControllerConfig};
use crate::model::machine_config::{self, MachineConfig};
use crate::model::machine_os_config::{self, MachineOsConfig};
use crate::model::metadata::{Metadata, first_line, metadata};
use crate::model::pool::{self, MachineConfigPool};
use crate::source::{Sources, Span};

pub const MCO_GROUP: &str = "machineconfiguration.openshift.io/v1";
pub const OPERATOR_GROUP: &str = "operator.openshift.io/v1";

/// Every object mcc understood, in input order.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub machine_configs: Vec<MachineConfig>,
    pub pools: Vec<MachineConfigPool>,
    pub machine_configurations: Vec<MachineConfiguration>,
    pub machine_os_configs: Vec<MachineOsConfig>,
    /// From a cluster dump: where the base OS and extensions images come from.
    pub controller_configs: Vec<ControllerConfig>,
    /// What the data URLs read so far may still decode to (MCC0019).
    pub data_url_budget: DecodeBudget,
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.machine_configs.is_empty()
            && self.pools.is_empty()
            && self.machine_configurations.is_empty()
            && self.machine_os_configs.is_empty()
            && self.controller_configs.is_empty()
    }

    /// Adds the objects of `other` after these (its budget is not this one's: it is dropped).
    pub fn append(&mut self, other: Inputs) {
        let Inputs {
            machine_configs,
            pools,
            machine_configurations,
            machine_os_configs,
            controller_configs,
            data_url_budget: _,
        } = other;
        join(&mut self.machine_configs, machine_configs);
        join(&mut self.pools, pools);
        join(&mut self.machine_configurations, machine_configurations);
        join(&mut self.machine_os_configs, machine_os_configs);
        join(&mut self.controller_configs, controller_configs);
    }
}

/// `more` after `objects`, taken whole when there is nothing before it: a single file of many
/// MachineConfigs is not copied into a second list as large while the first is still held.
fn join<T>(objects: &mut Vec<T>, more: Vec<T>) {
    if objects.is_empty() {
        *objects = more;
    } else {
        objects.extend(more);
    }
}

/// `operator.openshift.io/v1` `MachineConfiguration`: kept whole for the Node Disruption Policy
/// stage, which validates it against its CRD.
#[derive(Debug, Clone)]
pub struct MachineConfiguration {
    pub metadata: Metadata,
    pub spec: Option<Node>,
    pub span: Span,
}

/// Reads the objects of every document, reporting what is skipped or malformed.
pub fn read_objects(documents: &[Document], sources: &Sources, inputs: &mut Inputs, diagnostics: &mut Diagnostics) {
    for document in documents {
        read_document(document, sources, inputs, diagnostics);
    }
}

/// Reads the objects of one document, as [`read_objects`] does each.
pub fn read_document(document: &Document, sources: &Sources, inputs: &mut Inputs, diagnostics: &mut Diagnostics) {
    read_object(&document.root, sources, inputs, diagnostics);
}

fn read_object(root: &Node, sources: &Sources, inputs: &mut Inputs, diagnostics: &mut Diagnostics) {
    let Value::Map(entries) = &root.value else {
        if !root.is_null() {
            diagnostics.push(
                Diagnostic::new(
                    &codes::NOT_AN_OBJECT,
                    root.span,
                    format!("expected a Kubernetes object, found {}", root.type_name()),
                )
                .with_help("each YAML document must be a mapping with `apiVersion`, `kind` and `metadata`"),
            );
        }
        return;
    };
    if let Some(variant) = field(entries, "variant").and_then(Node::as_str) {
        diagnostics.push(butane(root, entries, variant));
        return;
    }
    let Some(kind_node) = field(entries, "kind") else {
        diagnostics.push(
            Diagnostic::new(&codes::NOT_AN_OBJECT, first_line(root), "this document has no `kind`")
                .with_help("each YAML document must be a Kubernetes object with `apiVersion`, `kind` and `metadata`"),
        );
        return;
    };
    let Some(kind) = reader::string(kind_node, diagnostics) else {
        return;
    };
    let api_version = field(entries, "apiVersion").and_then(|n| reader::string(n, diagnostics));
    let expected = match kind.value.as_str() {
        "MachineConfig" | "MachineConfigPool" | "MachineOSConfig" | "MachineConfigList" | "ControllerConfig" => {
            Some(MCO_GROUP)
        }
        "MachineConfiguration" => Some(OPERATOR_GROUP),
        _ => None,
    };
    if api_version.is_none() && expected.is_some() {
        diagnostics.push(
            Diagnostic::new(&codes::MISSING_FIELD, kind.span, format!("this {} has no `apiVersion`", kind.value))
                .with_help("kubectl and the API server refuse an object without `apiVersion`"),
        );
    }
    if let (Some(expected), Some(api_version)) = (expected, &api_version)
        && api_version.value != expected
    {
        diagnostics.push(
            Diagnostic::new(
                &codes::WRONG_API_VERSION,
                api_version.span,
                format!("`{}` is not the apiVersion of a {}", api_version.value, kind.value),
            )
            .with_help(format!("write `apiVersion: {expected}`")),
        );
        return;
    }
    match kind.value.as_str() {
        "MachineConfig" => {
            let metadata = metadata(root, entries, diagnostics);
            let mc = machine_config::read(root, entries, metadata, sources, &mut inputs.data_url_budget, diagnostics);
            inputs.machine_configs.push(mc);
        }
        "MachineConfigPool" => {
            let metadata = metadata(root, entries, diagnostics);
            inputs.pools.push(pool::read(root, entries, metadata, diagnostics));
        }
        "MachineConfiguration" => {
            reader::unknown_keys(entries, &["apiVersion", "kind", "metadata", "spec", "status"], &codes::UNKNOWN_FIELD, "a MachineConfiguration", diagnostics);
            let metadata = metadata(root, entries, diagnostics);
            inputs.machine_configurations.push(MachineConfiguration { metadata, spec: field(entries, "spec").cloned(), span: root.span });
        }
        "ControllerConfig" => {
            let metadata = metadata(root, entries, diagnostics);
            inputs.controller_configs.push(controller_config::read(root, entries, metadata, diagnostics));
        }
        "MachineOSConfig" => {
            let metadata = metadata(root, entries, diagnostics);
            inputs.machine_os_configs.push(machine_os_config::read(root, entries, metadata, diagnostics));
        }
        // `kubectl get -o yaml` lists and `MachineConfigList`s: read their items.
        "List" | "MachineConfigList" => {
            for item in field(entries, "items").map_or(&[][..], |i| reader::list(i, diagnostics)) {
                read_object(item, sources, inputs, diagnostics);
            }
        }
        other => diagnostics.push(
            Diagnostic::new(&codes::SKIPPED_KIND, kind.span, format!("skipped a `{other}`: mcc reads MachineConfig, MachineConfigPool, MachineConfiguration and MachineOSConfig"))
                .with_label("not read"),
        ),
    }
}

fn butane(root: &Node, entries: &[Entry], variant: &str) -> Diagnostic {
    let span = entries.iter().find(|e| e.key == "variant").map_or(root.span, |e| e.key_span.to(e.value.span));
    Diagnostic::new(
        &codes::BUTANE_INPUT,
        span,
        format!("this is a Butane config (variant `{variant}`), not a MachineConfig"),
    )
    .with_label("Butane source")
    .with_help("translate it first: `butane --files-dir . in.bu -o out.yaml`, then give mcc the MachineConfig")
}
