//! The derived image's blobs: the gzipped layer, and the config and manifest as `oci-spec`
//! values. Alone, the image is the layer with mcc's labels; on a base, the base's config and
//! manifest (every field of them, known or not) with the layer, its `diff_id`, a history entry
//! and the labels appended.

use std::collections::{BTreeMap, HashMap};

use oci_spec::image::{
    Arch, Config, Descriptor, Digest, History, HistoryBuilder, ImageConfiguration, ImageConfigurationBuilder,
    ImageManifest, ImageManifestBuilder, MediaType, Os, RootFsBuilder,
};

use super::json::{self, Unknown};
use super::{BASE_DIGEST, Base, rfc3339};
use crate::platform::Platform;
use crate::{Error, Result, layer};

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

/// The blobs of a derived image, and its layer's `diff_id`.
pub(super) struct Composed {
    pub gz: Vec<u8>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    pub diff_id: String,
}

/// A descriptor of `bytes`.
pub(super) fn descriptor(media: MediaType, bytes: &[u8]) -> Result<Descriptor> {
    let digest: Digest = layer::digest(bytes).parse().map_err(|e| Error::new(format!("a digest: {e}")))?;
    Ok(Descriptor::new(media, bytes.len() as u64, digest))
}

fn built<T, E: std::fmt::Display>(value: std::result::Result<T, E>) -> Result<T> {
    value.map_err(|e| Error::new(format!("cannot make the image's documents: {e}")))
}

/// The config and manifest of the derived image, as bytes, with the gzipped layer.
pub(super) fn compose(image: &Image<'_>) -> Result<Composed> {
    // The digest on a thread of its own while the layer is compressed: both read the same tar.
    let (gz, diff_id) = std::thread::scope(|scope| {
        let diff_id = scope.spawn(|| layer::digest(image.layer_tar));
        let gz = layer::gzip(image.layer_tar);
        (gz, diff_id.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let created = rfc3339(image.created);
    let history = built(
        HistoryBuilder::default().created(created.clone()).created_by(image.created_by).comment(image.comment).build(),
    )?;
    let (config, config_unknown) = match image.base {
        None => (alone_config(image, &created, &diff_id, history)?, Unknown::default()),
        Some(base) => (on_base_config(base, image.labels, &created, &diff_id, history), base.config_unknown.clone()),
    };
    let config_bytes = json::to_bytes(&config, &config_unknown)?;
    let config_descriptor = descriptor(MediaType::ImageConfig, &config_bytes)?;
    let layer_descriptor = descriptor(MediaType::ImageLayerGzip, &gz)?;
    let (manifest, manifest_unknown) = match image.base {
        None => (
            built(
                ImageManifestBuilder::default()
                    .schema_version(2u32)
                    .media_type(MediaType::ImageManifest)
                    .config(config_descriptor)
                    .layers(vec![layer_descriptor])
                    .build(),
            )?,
            Unknown::default(),
        ),
        Some(base) => (on_base_manifest(base, config_descriptor, layer_descriptor), base.manifest_unknown.clone()),
    };
    let manifest_bytes = json::to_bytes(&manifest, &manifest_unknown)?;
    Ok(Composed { gz, config: config_bytes, manifest: manifest_bytes, diff_id })
}

fn labels(labels: &BTreeMap<String, String>) -> HashMap<String, String> {
    labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn alone_config(image: &Image<'_>, created: &str, diff_id: &str, history: History) -> Result<ImageConfiguration> {
    let mut runtime = Config::default();
    runtime.set_labels(Some(labels(image.labels)));
    let rootfs = built(RootFsBuilder::default().typ("layers").diff_ids(vec![diff_id.to_string()]).build())?;
    let mut config = built(
        ImageConfigurationBuilder::default()
            .created(created)
            .architecture(Arch::from(image.platform.architecture.as_str()))
            .os(Os::from(image.platform.os.as_str()))
            .config(runtime)
            .rootfs(rootfs)
            .history(vec![history])
            .build(),
    )?;
    config.set_variant(image.platform.variant.clone());
    Ok(config)
}

fn on_base_config(
    base: &Base,
    new_labels: &BTreeMap<String, String>,
    created: &str,
    diff_id: &str,
    history: History,
) -> ImageConfiguration {
    let mut config = base.config.clone();
    config.set_created(Some(created.to_string()));
    let mut runtime = config.config().clone().unwrap_or_default();
    runtime.labels_mut().get_or_insert_with(HashMap::new).extend(labels(new_labels));
    config.set_config(Some(runtime));
    config.rootfs_mut().diff_ids_mut().push(diff_id.to_string());
    config.history_mut().get_or_insert_with(Vec::new).push(history);
    config
}

fn on_base_manifest(base: &Base, config: Descriptor, layer: Descriptor) -> ImageManifest {
    let mut manifest = base.manifest.clone();
    manifest.set_config(config);
    manifest.layers_mut().push(layer);
    manifest
        .annotations_mut()
        .get_or_insert_with(HashMap::new)
        .insert(BASE_DIGEST.into(), base.manifest_digest.clone());
    manifest
}
