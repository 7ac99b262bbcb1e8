//! Reading a base image from a layout: the manifest a tag names (through nested indexes to this
//! platform's), and its config, each blob checked against its descriptor.

use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest, MediaType, Os};

use super::json::{self, Unknown};
use super::{OciRef, REF_NAME, blob_path};
use crate::read::{ReadError, Symlinks, read_regular};
use crate::{Error, Result, layer};

/// The largest `index.json` of a base layout read: one entry a tag, some hundred bytes each.
pub(super) const MAX_INDEX_SIZE: u64 = 64 << 20;
/// The largest manifest, nested index or config read from a layout: containers/image's limit
/// for manifests and configs (`iolimits`), whatever size a descriptor claims.
pub(super) const MAX_METADATA_SIZE: u64 = 4 << 20;

/// A base image read from a layout: its manifest and config, and where its blobs are.
#[derive(Debug, Clone)]
pub struct Base {
    pub layout: PathBuf,
    pub manifest: ImageManifest,
    pub manifest_digest: String,
    pub config: ImageConfiguration,
    /// The fields of the manifest and the config that `oci-spec` does not know, kept for the
    /// derived image.
    pub(super) manifest_unknown: Unknown,
    pub(super) config_unknown: Unknown,
}

/// Reads a manifest, index or config blob and checks its digest and size: never more than the
/// descriptor's size, nor than [`MAX_METADATA_SIZE`].
pub(super) fn read_blob(layout: &Path, descriptor: &Descriptor) -> Result<Vec<u8>> {
    let digest = descriptor.digest().to_string();
    let path = blob_path(layout, &digest)?;
    if descriptor.size() > MAX_METADATA_SIZE {
        return Err(Error::new(format!(
            "blob {digest} in {} is {} bytes by its descriptor, over the {} MiB a manifest or config may be",
            layout.display(),
            descriptor.size(),
            MAX_METADATA_SIZE >> 20
        )));
    }
    let bytes = match read_regular(&path, descriptor.size(), Symlinks::Follow) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge(_)) => {
            return Err(Error::new(format!(
                "blob {digest} in {} is longer than its descriptor's {} bytes",
                layout.display(),
                descriptor.size()
            )));
        }
        Err(e) => return Err(Error::new(format!("cannot read {}: {e}", path.display()))),
    };
    let actual = layer::digest(&bytes);
    if actual != digest || descriptor.size() != bytes.len() as u64 {
        return Err(Error::new(format!(
            "blob {digest} in {} does not match its descriptor (digest {actual}, {} bytes)",
            layout.display(),
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// The descriptor's `org.opencontainers.image.ref.name`.
pub(super) fn ref_name(descriptor: &Descriptor) -> Option<&str> {
    descriptor.annotations().as_ref()?.get(REF_NAME).map(String::as_str)
}

/// Reads the image `reference` names: the manifest tagged `TAG`, or the only one when no tag is
/// given; an index is followed to the manifest for linux on `architecture` (a `GOARCH` name).
pub fn read_base(reference: &OciRef, architecture: &str) -> Result<Base> {
    let layout = &reference.path;
    let index_path = layout.join("index.json");
    let index_bytes = read_regular(&index_path, MAX_INDEX_SIZE, Symlinks::Follow)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", index_path.display())))?;
    let (index, _) = json::from_bytes::<ImageIndex>(&index_bytes, "index.json", &[])?;
    let chosen: Vec<&Descriptor> = match &reference.tag {
        Some(tag) => index.manifests().iter().filter(|m| ref_name(m) == Some(tag)).collect(),
        None => index.manifests().iter().collect(),
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
        if descriptor.media_type() != &MediaType::ImageIndex {
            break;
        }
        let (nested, _) = json::from_bytes::<ImageIndex>(&read_blob(layout, &descriptor)?, "an image index", &[])?;
        descriptor = nested
            .manifests()
            .iter()
            .find(|m| {
                m.platform()
                    .as_ref()
                    .is_some_and(|p| p.os() == &Os::Linux && p.architecture().to_string() == architecture)
            })
            .cloned()
            .ok_or_else(|| Error::new(format!("{reference}: the index has no linux/{architecture} image")))?;
    }
    if descriptor.media_type() != &MediaType::ImageManifest {
        return Err(Error::new(format!(
            "{reference}: the image's manifest is `{}`; convert it to OCI first (`skopeo copy --format oci`)",
            descriptor.media_type()
        )));
    }
    let manifest_bytes = read_blob(layout, &descriptor)?;
    let (manifest, manifest_unknown) = json::from_bytes::<ImageManifest>(&manifest_bytes, "the base manifest", &[])?;
    if let Some(media) = manifest.media_type().as_ref().filter(|m| **m != MediaType::ImageManifest) {
        return Err(Error::new(format!(
            "{reference}: the manifest's mediaType is `{media}`, not an OCI image manifest"
        )));
    }
    for layer in manifest.layers() {
        let media = layer.media_type().to_string();
        if !media.starts_with("application/vnd.oci.image.layer.") {
            return Err(Error::new(format!(
                "{reference}: a base layer is `{media}`; convert the image to OCI first (`skopeo copy --format oci`)"
            )));
        }
    }
    let config_bytes = read_blob(layout, manifest.config())?;
    let (config, config_unknown) =
        json::from_bytes::<ImageConfiguration>(&config_bytes, "the base config", &["config"])?;
    Ok(Base {
        layout: layout.clone(),
        manifest,
        manifest_digest: layer::digest(&manifest_bytes),
        config,
        manifest_unknown,
        config_unknown,
    })
}
