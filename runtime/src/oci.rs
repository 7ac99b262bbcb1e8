//! OCI image layouts (image-spec v1.1 `image-layout.md`): reading a base image and writing a
//! derived one. A layout is `oci-layout`, `index.json` and `blobs/sha256/<hex>`; every digest is
//! over the exact bytes written, and JSON is serialised in a fixed field order, so the same
//! inputs give the same layout byte for byte.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::platform::Platform;
use crate::{Error, Result, layer};

pub const MEDIA_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// `oci:PATH[:TAG]`, split on the first colon after `oci:` as containers/image does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    pub path: PathBuf,
    pub tag: Option<String>,
}

impl OciRef {
    pub fn parse(text: &str) -> Result<OciRef> {
        let rest = text
            .strip_prefix("oci:")
            .ok_or_else(|| Error::new(format!("`{text}` is not an OCI layout reference: write oci:PATH[:TAG]")))?;
        let (path, tag) = match rest.split_once(':') {
            Some((path, tag)) => (path, Some(tag.to_string())),
            None => (rest, None),
        };
        if path.is_empty() {
            return Err(Error::new(format!("`{text}` names no directory: write oci:PATH[:TAG]")));
        }
        if let Some(tag) = &tag {
            let valid = !tag.is_empty()
                && tag.len() <= 128
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                && !tag.starts_with(['.', '-']);
            if !valid {
                return Err(Error::new(format!("`{tag}` is not a valid tag in `{text}`")));
            }
        }
        Ok(OciRef { path: PathBuf::from(path), tag })
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci:{}", self.path.display())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        Ok(())
    }
}

/// The hex part of a descriptor's `sha256:` digest (sha256 only).
fn digest_hex(digest: &str) -> Result<&str> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .ok_or_else(|| Error::new(format!("unsupported or malformed digest `{digest}` (sha256 only)")))
}

fn blob_path(layout: &Path, digest: &str) -> Result<PathBuf> {
    Ok(layout.join("blobs").join("sha256").join(digest_hex(digest)?))
}

/// Reads a blob and checks its digest and size.
fn read_blob(layout: &Path, descriptor: &Value) -> Result<Vec<u8>> {
    let digest = descriptor["digest"].as_str().ok_or_else(|| Error::new("a descriptor has no digest"))?;
    let path = blob_path(layout, digest)?;
    let bytes = fs::read(&path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
    let actual = layer::digest(&bytes);
    if actual != digest || descriptor["size"].as_u64() != Some(bytes.len() as u64) {
        return Err(Error::new(format!(
            "blob {digest} in {} does not match its descriptor (digest {actual}, {} bytes)",
            layout.display(),
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn parse_json(bytes: &[u8], what: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| Error::new(format!("{what} is not valid JSON: {e}")))
}

/// The `GOARCH` name of the machine mcc runs on.
pub fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        other => other,
    }
}

/// A base image read from a layout: its manifest and config, and where its blobs are.
#[derive(Debug, Clone)]
pub struct Base {
    pub layout: PathBuf,
    pub manifest: Value,
    pub manifest_digest: String,
    pub config: Value,
}

/// Reads the image `reference` names: the manifest tagged `TAG`, or the only one when no tag is
/// given; an index is followed to the manifest for linux on `architecture` (a `GOARCH` name).
pub fn read_base(reference: &OciRef, architecture: &str) -> Result<Base> {
    let layout = &reference.path;
    let index_path = layout.join("index.json");
    let index_bytes =
        fs::read(&index_path).map_err(|e| Error::new(format!("cannot read {}: {e}", index_path.display())))?;
    let index = parse_json(&index_bytes, "index.json")?;
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let chosen: Vec<&Value> = match &reference.tag {
        Some(tag) => manifests.iter().filter(|m| m["annotations"][REF_NAME].as_str() == Some(tag)).collect(),
        None => manifests.iter().collect(),
    };
    let mut descriptor = match chosen.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(Error::new(format!("{reference}: no image with that tag in {}", index_path.display()))),
        _ => {
            return Err(Error::new(format!(
                "{reference}: several images in {}; name one with :TAG",
                index_path.display()
            )));
        }
    };
    // Follow nested indexes to this platform's manifest.
    for _ in 0..4 {
        if descriptor["mediaType"].as_str() != Some(MEDIA_INDEX) {
            break;
        }
        let nested = parse_json(&read_blob(layout, &descriptor)?, "an image index")?;
        let arch = architecture;
        descriptor = nested["manifests"]
            .as_array()
            .and_then(|ms| {
                ms.iter().find(|m| {
                    m["platform"]["os"].as_str() == Some("linux")
                        && m["platform"]["architecture"].as_str() == Some(arch)
                })
            })
            .cloned()
            .ok_or_else(|| Error::new(format!("{reference}: the index has no linux/{arch} image")))?;
    }
    match descriptor["mediaType"].as_str() {
        Some(MEDIA_MANIFEST) | None => {}
        Some(other) => {
            return Err(Error::new(format!(
                "{reference}: the image's manifest is `{other}`; convert it to OCI first (`skopeo copy --format oci`)"
            )));
        }
    }
    let manifest_bytes = read_blob(layout, &descriptor)?;
    let manifest = parse_json(&manifest_bytes, "the base manifest")?;
    if let Some(media) = manifest["mediaType"].as_str().filter(|m| *m != MEDIA_MANIFEST) {
        return Err(Error::new(format!(
            "{reference}: the manifest's mediaType is `{media}`, not an OCI image manifest"
        )));
    }
    for layer in manifest["layers"].as_array().into_iter().flatten() {
        let media = layer["mediaType"].as_str().unwrap_or("");
        if !media.starts_with("application/vnd.oci.image.layer.") {
            return Err(Error::new(format!(
                "{reference}: a base layer is `{media}`; convert the image to OCI first (`skopeo copy --format oci`)"
            )));
        }
    }
    let config = parse_json(&read_blob(layout, &manifest["config"])?, "the base config")?;
    Ok(Base { layout: layout.clone(), manifest, manifest_digest: layer::digest(&manifest_bytes), config })
}

/// What goes into the derived image besides the base.
pub struct Image<'a> {
    /// The uncompressed layer.
    pub layer_tar: &'a [u8],
    pub labels: &'a BTreeMap<String, String>,
    /// Seconds since the epoch for `created` and the history entry.
    pub created: u64,
    /// The history entry's `created_by` and `comment`.
    pub created_by: &'a str,
    pub comment: &'a str,
    pub base: Option<&'a Base>,
    /// The platform of an image without a base (`--platform`, or this machine's); an image on a
    /// base keeps the base's.
    pub platform: &'a Platform,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub manifest_digest: String,
    pub config_digest: String,
    pub layer_digest: String,
    pub diff_id: String,
}

/// RFC 3339 UTC time of a Unix timestamp.
pub fn rfc3339(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).expect("u64::MAX / 86400 fits in an i64");
    let rem = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

fn descriptor(media: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media, "digest": layer::digest(bytes), "size": bytes.len()})
}

/// The blobs of a derived image, and its layer's `diff_id`.
struct Composed {
    gz: Vec<u8>,
    config: Vec<u8>,
    manifest: Vec<u8>,
    diff_id: String,
}

/// The config and manifest of the derived image, as bytes, with the gzipped layer.
fn compose(image: &Image<'_>) -> Result<Composed> {
    let gz = layer::gzip(image.layer_tar);
    let diff_id = layer::digest(image.layer_tar);
    let created = rfc3339(image.created);
    let history = json!({"created": created, "created_by": image.created_by, "comment": image.comment});
    let labels: Map<String, Value> = image.labels.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
    let mut config = match image.base {
        None => json!({
            "created": created,
            "architecture": image.platform.architecture,
            "os": image.platform.os,
            "config": {"Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [history],
        }),
        Some(base) => {
            let mut config = base.config.clone();
            let object = config.as_object_mut().ok_or_else(|| Error::new("the base config is not a JSON object"))?;
            object.insert("created".into(), created.clone().into());
            let runtime = object.entry("config").or_insert_with(|| json!({}));
            let runtime =
                runtime.as_object_mut().ok_or_else(|| Error::new("the base config's `config` is not an object"))?;
            let merged = runtime.entry("Labels").or_insert_with(|| json!({}));
            if merged.is_null() {
                *merged = json!({});
            }
            let merged =
                merged.as_object_mut().ok_or_else(|| Error::new("the base config's labels are not an object"))?;
            for (k, v) in labels {
                merged.insert(k, v);
            }
            let rootfs = object
                .get_mut("rootfs")
                .and_then(|r| r.get_mut("diff_ids"))
                .and_then(Value::as_array_mut)
                .ok_or_else(|| Error::new("the base config has no rootfs.diff_ids"))?;
            rootfs.push(diff_id.clone().into());
            let entries = object.entry("history").or_insert_with(|| json!([]));
            entries.as_array_mut().ok_or_else(|| Error::new("the base config's history is not a list"))?.push(history);
            config
        }
    };
    if image.base.is_none()
        && let Some(variant) = &image.platform.variant
    {
        config["variant"] = variant.clone().into();
    }
    let config_bytes = serde_json::to_vec(&config).map_err(|e| Error::new(e.to_string()))?;
    let layer_descriptor = descriptor(MEDIA_LAYER_GZIP, &gz);
    let manifest = match image.base {
        None => json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "config": descriptor(MEDIA_CONFIG, &config_bytes),
            "layers": [layer_descriptor],
        }),
        Some(base) => {
            let mut manifest = base.manifest.clone();
            let object =
                manifest.as_object_mut().ok_or_else(|| Error::new("the base manifest is not a JSON object"))?;
            object.insert("config".into(), descriptor(MEDIA_CONFIG, &config_bytes));
            object
                .get_mut("layers")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| Error::new("the base manifest has no layers"))?
                .push(layer_descriptor);
            let annotations = object.entry("annotations").or_insert_with(|| json!({}));
            if let Some(a) = annotations.as_object_mut() {
                a.insert(BASE_DIGEST.into(), base.manifest_digest.clone().into());
            }
            manifest
        }
    };
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| Error::new(e.to_string()))?;
    Ok(Composed { gz, config: config_bytes, manifest: manifest_bytes, diff_id })
}

fn write_blob(layout: &Path, bytes: &[u8]) -> io::Result<String> {
    let digest = layer::digest(bytes);
    let hex = &digest["sha256:".len()..];
    fs::write(layout.join("blobs").join("sha256").join(hex), bytes)?;
    Ok(digest)
}

/// Copies a base blob, checking its digest on the way.
fn copy_blob(from: &Path, to: &Path, descriptor: &Value) -> Result<()> {
    let digest = descriptor["digest"].as_str().ok_or_else(|| Error::new("a base layer has no digest"))?;
    let source = blob_path(from, digest)?;
    let target = blob_path(to, digest)?;
    let mut input =
        fs::File::open(&source).map_err(|e| Error::new(format!("cannot read {}: {e}", source.display())))?;
    let mut output =
        fs::File::create(&target).map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buffer).map_err(|e| Error::new(format!("cannot read {}: {e}", source.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
        output.write_all(&buffer[..n]).map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))?;
    }
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if actual != digest || descriptor["size"].as_u64() != Some(size) {
        return Err(Error::new(format!(
            "base blob {digest} does not match its descriptor (digest {actual}, {size} bytes)"
        )));
    }
    Ok(())
}

/// Writes the image as a complete OCI layout in `dir` (which must exist and be empty), tagged `tag`.
pub fn write_layout(dir: &Path, tag: &str, image: &Image<'_>) -> Result<Written> {
    let Composed { gz, config, manifest, diff_id } = compose(image)?;
    let io_error = |e: io::Error| Error::new(format!("cannot write the layout in {}: {e}", dir.display()));
    fs::create_dir_all(dir.join("blobs").join("sha256")).map_err(io_error)?;
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).map_err(io_error)?;
    if let Some(base) = image.base {
        for layer in base.manifest["layers"].as_array().into_iter().flatten() {
            copy_blob(&base.layout, dir, layer)?;
        }
    }
    let layer_digest = write_blob(dir, &gz).map_err(io_error)?;
    let config_digest = write_blob(dir, &config).map_err(io_error)?;
    let manifest_digest = write_blob(dir, &manifest).map_err(io_error)?;
    let mut manifest_descriptor = descriptor(MEDIA_MANIFEST, &manifest);
    manifest_descriptor["annotations"] = json!({ REF_NAME: tag });
    let index = json!({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": [manifest_descriptor]});
    let index_bytes = serde_json::to_vec(&index).map_err(|e| Error::new(e.to_string()))?;
    fs::write(dir.join("index.json"), index_bytes).map_err(io_error)?;
    Ok(Written { manifest_digest, config_digest, layer_digest, diff_id })
}

/// Whether a directory holds an OCI layout (which `mcc build --out` may replace).
pub fn is_layout(dir: &Path) -> bool {
    dir.join("oci-layout").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_on_the_first_colon() {
        assert_eq!(OciRef::parse("oci:/tmp/out").unwrap(), OciRef { path: "/tmp/out".into(), tag: None });
        assert_eq!(OciRef::parse("oci:out:v1.2").unwrap(), OciRef { path: "out".into(), tag: Some("v1.2".into()) });
        assert!(OciRef::parse("docker://x").is_err());
        assert!(OciRef::parse("oci:").is_err());
        assert!(OciRef::parse("oci:out:bad/tag").is_err());
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    fn single_layer(dir: &Path, tar: &[u8]) -> Written {
        let labels: BTreeMap<String, String> = [("machineconfigpool".to_string(), "worker".to_string())].into();
        let image = Image {
            layer_tar: tar,
            labels: &labels,
            created: 0,
            created_by: "mcc build",
            comment: "test",
            base: None,
            platform: &Platform::host(),
        };
        write_layout(dir, "latest", &image).unwrap()
    }

    #[test]
    fn a_layout_is_reproducible_and_reads_back_as_a_base() {
        let tar = vec![0u8; 1024];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let wa = single_layer(a.path(), &tar);
        let wb = single_layer(b.path(), &tar);
        assert_eq!(wa, wb);
        for file in ["index.json", "oci-layout"] {
            assert_eq!(fs::read(a.path().join(file)).unwrap(), fs::read(b.path().join(file)).unwrap());
        }
        let base =
            read_base(&OciRef { path: a.path().into(), tag: Some("latest".into()) }, host_architecture()).unwrap();
        assert_eq!(base.manifest_digest, wa.manifest_digest);
        assert_eq!(base.config["rootfs"]["diff_ids"][0], wa.diff_id.as_str());

        // A derived image keeps the base's layers and history, and appends its own.
        let c = tempfile::tempdir().unwrap();
        let labels: BTreeMap<String, String> = [("machineconfig".to_string(), "rendered-worker-1".to_string())].into();
        let other = vec![1u8; 0].into_iter().chain(vec![0u8; 2048]).collect::<Vec<_>>();
        let image = Image {
            layer_tar: &other,
            labels: &labels,
            created: 0,
            created_by: "mcc build",
            comment: "x",
            base: Some(&base),
            platform: &Platform::host(),
        };
        let derived = write_layout(c.path(), "v1", &image).unwrap();
        let back = read_base(&OciRef { path: c.path().into(), tag: Some("v1".into()) }, host_architecture()).unwrap();
        assert_eq!(back.manifest["layers"].as_array().unwrap().len(), 2);
        assert_eq!(back.config["rootfs"]["diff_ids"][1], derived.diff_id.as_str());
        assert_eq!(back.config["history"].as_array().unwrap().len(), 2);
        assert_eq!(back.config["config"]["Labels"]["machineconfigpool"], "worker", "base labels kept");
        assert_eq!(back.config["config"]["Labels"]["machineconfig"], "rendered-worker-1");
        assert_eq!(back.manifest["annotations"][BASE_DIGEST], wa.manifest_digest.as_str());
    }

    #[test]
    fn a_corrupted_base_blob_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let written = single_layer(a.path(), &[0u8; 1024]);
        let hex = &written.layer_digest["sha256:".len()..];
        fs::write(a.path().join("blobs/sha256").join(hex), b"corrupt").unwrap();
        let base = read_base(&OciRef { path: a.path().into(), tag: None }, host_architecture()).unwrap();
        let labels = BTreeMap::new();
        let image = Image {
            layer_tar: &[0u8; 1024],
            labels: &labels,
            created: 0,
            created_by: "",
            comment: "",
            base: Some(&base),
            platform: &Platform::host(),
        };
        let out = tempfile::tempdir().unwrap();
        let err = write_layout(out.path(), "latest", &image).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }
}
