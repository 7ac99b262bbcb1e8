//! The bytes of an OCI document: mcc's own serialization of the `oci-spec` values.
//!
//! Why not `serde_json::to_vec` of the `oci-spec` value: its dictionaries (annotations, `Labels`,
//! `ExposedPorts`, `Volumes`) are `HashMap`s, so their order, and with it every digest, would
//! change from run to run. The value is serialized in its type's field order (the order of the
//! image spec's own documents), and each dictionary is then sorted by key (byte order). That is
//! the only rule; it keeps the bytes mcc wrote before it used these types, except that an image
//! config's `variant` now comes after `os`, where the spec and `oci-spec` put it, not last.
//!
//! Documents read from elsewhere (a base image's config and manifest, an existing `index.json`)
//! may hold fields the types do not know: Docker's `container_config` or `docker_version`, a
//! runtime config's `Healthcheck`, `Shell` or `ArgsEscaped`. [`Unknown`] keeps them aside when
//! such a document is read, and [`to_bytes`] puts them back after the known fields, in the order
//! they came in: an image built on a base keeps everything its base said.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The fields of the image-spec types that are maps, whose keys are sorted.
const DICTIONARIES: &[&str] = &["annotations", "Labels", "ExposedPorts", "Volumes"];

/// The fields of a document its `oci-spec` type does not know, at the top level and inside the
/// named nested objects (an image config's runtime `config`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unknown {
    top: Map<String, Value>,
    nested: Vec<(&'static str, Map<String, Value>)>,
}

/// Reads `bytes` as the `oci-spec` type `T`, keeping the fields it does not know (at the top
/// level, and inside each object named in `nested`).
pub fn from_bytes<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    what: &str,
    nested: &[&'static str],
) -> Result<(T, Unknown)> {
    let raw: Value = serde_json::from_slice(bytes).map_err(|e| Error::new(format!("{what} is not valid JSON: {e}")))?;
    let typed: T = serde_json::from_value(raw.clone()).map_err(|e| Error::new(format!("{what} is not valid: {e}")))?;
    let known = serde_json::to_value(&typed).map_err(|e| Error::new(e.to_string()))?;
    let unknown = Unknown {
        top: missing(&raw, &known),
        nested: nested
            .iter()
            .map(|&key| (key, missing(&raw[key], &known[key])))
            .filter(|(_, m)| !m.is_empty())
            .collect(),
    };
    Ok((typed, unknown))
}

/// The fields of the object `raw` that `known` lacks, in `raw`'s order.
fn missing(raw: &Value, known: &Value) -> Map<String, Value> {
    let (Some(raw), known) = (raw.as_object(), known.as_object()) else {
        return Map::new();
    };
    raw.iter().filter(|(k, _)| known.is_none_or(|m| !m.contains_key(*k))).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The bytes of `value`: its fields in its type's order, dictionaries sorted, then the
/// `unknown` fields it was read with.
pub fn to_bytes(value: &impl Serialize, unknown: &Unknown) -> Result<Vec<u8>> {
    let mut json = serde_json::to_value(value).map_err(|e| Error::new(e.to_string()))?;
    sort_dictionaries(&mut json);
    if let Some(object) = json.as_object_mut() {
        restore(object, &unknown.top);
        for (key, fields) in &unknown.nested {
            if let Some(inner) = object.get_mut(*key).and_then(Value::as_object_mut) {
                restore(inner, fields);
            }
        }
    }
    serde_json::to_vec(&json).map_err(|e| Error::new(e.to_string()))
}

fn restore(object: &mut Map<String, Value>, fields: &Map<String, Value>) {
    for (key, value) in fields {
        if !object.contains_key(key) {
            object.insert(key.clone(), value.clone());
        }
    }
}

fn sort_dictionaries(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match inner {
                    Value::Object(dictionary) if DICTIONARIES.contains(&key.as_str()) => dictionary.sort_keys(),
                    _ => sort_dictionaries(inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_dictionaries),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use oci_spec::image::ImageConfiguration;

    use super::*;

    #[test]
    fn dictionaries_are_sorted_and_unknown_fields_survive() {
        let base = br#"{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux",
            "config":{"Env":["A=1"],"Labels":{"z":"1","a":"2","m":"3"},"Healthcheck":{"Test":["NONE"]},"ArgsEscaped":true},
            "rootfs":{"type":"layers","diff_ids":[]},"docker_version":"20.10","container_config":{"Cmd":["sh"]}}"#;
        let (config, unknown) = from_bytes::<ImageConfiguration>(base, "a config", &["config"]).unwrap();
        let text = String::from_utf8(to_bytes(&config, &unknown).unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":["A=1"],"Labels":{"a":"2","m":"3","z":"1"},"Healthcheck":{"Test":["NONE"]},"ArgsEscaped":true},"rootfs":{"type":"layers","diff_ids":[]},"docker_version":"20.10","container_config":{"Cmd":["sh"]}}"#
        );
        // Many labels: a HashMap's order would differ between runs and between values.
        let many: Map<String, Value> = (0..64).map(|i| (format!("l{i}"), Value::from(i.to_string()))).collect();
        let mut raw: Value = serde_json::from_slice(base).unwrap();
        raw["config"]["Labels"] = Value::Object(many);
        let bytes = serde_json::to_vec(&raw).unwrap();
        let outputs: Vec<Vec<u8>> = (0..4)
            .map(|_| {
                let (config, unknown) = from_bytes::<ImageConfiguration>(&bytes, "a config", &["config"]).unwrap();
                to_bytes(&config, &unknown).unwrap()
            })
            .collect();
        assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn a_document_of_the_wrong_shape_is_refused_with_what_it_is() {
        let err = from_bytes::<ImageConfiguration>(br#"{"os":"linux"}"#, "the base config", &[]).unwrap_err();
        assert!(err.to_string().starts_with("the base config is not valid: missing field"), "{err}");
        let err = from_bytes::<ImageConfiguration>(b"{", "the base config", &[]).unwrap_err();
        assert!(err.to_string().starts_with("the base config is not valid JSON"), "{err}");
    }
}
