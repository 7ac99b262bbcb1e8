//! Writing an image into a layout under a tag: a new layout, or one more tag in a layout that
//! holds others.
//!
//! A missing or empty directory gets a whole new layout, built beside it and renamed into place
//! (when another build made one there meanwhile, the tag is added to that one instead).
//! An existing layout keeps everything it has: the blobs are added content-addressed (a blob
//! already there under its digest, with its size, is shared rather than written again, as
//! containers/image does), then `index.json` is replaced through a temporary file and a rename,
//! so a reader sees the old index or the new one and a kill leaves at worst unreferenced blobs.
//! Only an index entry with the same `org.opencontainers.image.ref.name` is replaced; blobs that
//! no entry references any more are left for `umoci gc`, as skopeo leaves them. A directory that
//! is neither empty nor a layout is refused ([`LayoutError::NotALayout`], MCC5205) and left as
//! it was. Writers take an exclusive `flock` on the layout directory, so two builds into one
//! layout at once both keep their tag.
//!
//! The order of `index.json`'s manifests: the tagged ones sorted by tag (byte order), then the
//! untagged ones in the order they had. The index is then the same whatever order the tags
//! were built in.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use oci_spec::image::{Descriptor, ImageIndex, ImageIndexBuilder, MediaType, OciLayout};
use sha2::{Digest, Sha256};

use super::base::ref_name;
use super::base::{MAX_INDEX_SIZE, MAX_METADATA_SIZE};
use super::compose::{Composed, Image, Written, compose, descriptor};
use super::json::{self, Unknown};
use super::{REF_NAME, blob_path};
use crate::read::{ReadError, Symlinks, open_regular, read_regular};
use crate::{Error, Result, layer, write};

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// Why an image was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The directory holds something other than an OCI layout (MCC5205); nothing was changed.
    NotALayout(String),
    /// A layer of the base image cannot be copied: not a regular file, or not what its
    /// descriptor records (MCC5208). The index was not changed.
    Base(Error),
    Failed(Error),
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::NotALayout(reason) | LayoutError::Base(Error(reason)) | LayoutError::Failed(Error(reason)) => {
                f.write_str(reason)
            }
        }
    }
}

impl From<Error> for LayoutError {
    fn from(error: Error) -> Self {
        LayoutError::Failed(error)
    }
}

/// Writes the image into the layout `dir` tagged `tag`: a new layout when `dir` is missing or
/// empty, else one more tag in the layout there.
pub fn write_layout(dir: &Path, tag: &str, image: &Image<'_>) -> std::result::Result<Written, LayoutError> {
    let composed = compose(image)?;
    let io_error = |e: io::Error| Error::new(format!("cannot write the layout in {}: {e}", dir.display()));
    if is_missing_or_empty(dir) {
        let mut written = None;
        let mut base_error = None;
        let fill = |fresh: &Path| {
            write_whole(fresh, &fresh.join("oci-layout"), |file| {
                file.write_all(OCI_LAYOUT).map_err(|e| Error::new(e.to_string()))
            })
            .map_err(io::Error::other)?;
            let empty = ImageIndexBuilder::default()
                .schema_version(2u32)
                .media_type(MediaType::ImageIndex)
                .manifests(Vec::new())
                .build();
            let empty = empty.map_err(io::Error::other)?;
            match add(fresh, tag, image, &composed, (empty, Unknown::default())) {
                Ok(added) => written = Some(added),
                Err(LayoutError::Base(error)) => {
                    base_error = Some(error.clone());
                    return Err(io::Error::other(error));
                }
                Err(error) => return Err(io::Error::other(error.to_string())),
            }
            Ok(())
        };
        let replaced = write::replace_dir(dir, write::is_empty_dir, fill);
        if let Some(error) = base_error {
            return Err(LayoutError::Base(error));
        }
        match replaced {
            Ok(()) => return written.ok_or_else(|| LayoutError::Failed(Error::new("nothing was written"))),
            // Another build made the layout meanwhile: add the tag to it, below.
            Err(_) if !is_missing_or_empty(dir) => {}
            Err(error) => return Err(io_error(error).into()),
        }
    }
    let lock = File::open(dir).map_err(io_error)?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).map_err(|e| io_error(e.into()))?;
    let index = existing_index(dir)?;
    add(dir, tag, image, &composed, index)
}

/// Whether `dir` is missing, or an empty directory: a place for a new layout.
fn is_missing_or_empty(dir: &Path) -> bool {
    match fs::symlink_metadata(dir) {
        Err(e) => e.kind() == io::ErrorKind::NotFound,
        Ok(m) => m.is_dir() && fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none()),
    }
}

/// The index of the layout in `dir`, or why `dir` is not one.
fn existing_index(dir: &Path) -> std::result::Result<(ImageIndex, Unknown), LayoutError> {
    let not_a_layout =
        |why: String| LayoutError::NotALayout(format!("{} is not an OCI image layout: {why}", dir.display()));
    if !fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Err(not_a_layout("it is not a directory".into()));
    }
    let header = match read_regular(&dir.join("oci-layout"), MAX_METADATA_SIZE, Symlinks::Follow) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
            return Err(not_a_layout("it holds files but no `oci-layout`".into()));
        }
        Err(e) => return Err(not_a_layout(format!("cannot read its `oci-layout`: {e}"))),
    };
    let version = serde_json::from_slice::<OciLayout>(&header).map(|l| l.image_layout_version().clone());
    match version {
        Ok(version) if version == "1.0.0" => {}
        Ok(version) => return Err(not_a_layout(format!("its `oci-layout` is version `{version}`, not 1.0.0"))),
        Err(e) => return Err(not_a_layout(format!("its `oci-layout` is not valid: {e}"))),
    }
    let bytes = read_regular(&dir.join("index.json"), MAX_INDEX_SIZE, Symlinks::Follow)
        .map_err(|e| not_a_layout(format!("cannot read its index.json: {e}")))?;
    let index =
        json::from_bytes::<ImageIndex>(&bytes, "its index.json", &[]).map_err(|e| not_a_layout(e.to_string()))?;
    let blobs = dir.join("blobs").join("sha256");
    match fs::symlink_metadata(&blobs) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(not_a_layout("its blobs/sha256 is not a directory".into())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(not_a_layout(format!("cannot read its blobs/sha256: {e}"))),
    }
    Ok(index)
}

/// Adds the blobs (the base's layers, then the layer, the config and the manifest), then the
/// index naming the manifest as `tag`.
fn add(
    dir: &Path,
    tag: &str,
    image: &Image<'_>,
    composed: &Composed,
    index: (ImageIndex, Unknown),
) -> std::result::Result<Written, LayoutError> {
    let io_error = |e: io::Error| Error::new(format!("cannot write the layout in {}: {e}", dir.display()));
    fs::create_dir_all(dir.join("blobs").join("sha256")).map_err(io_error)?;
    if let Some(base) = image.base {
        for layer in base.manifest.layers() {
            copy_blob(&base.layout, dir, layer)?;
        }
    }
    let layer_digest = put_blob(dir, &composed.gz)?;
    let config_digest = put_blob(dir, &composed.config)?;
    let manifest_digest = put_blob(dir, &composed.manifest)?;
    let mut entry = descriptor(MediaType::ImageManifest, &composed.manifest)?;
    entry.set_annotations(Some([(REF_NAME.to_string(), tag.to_string())].into()));
    let (mut index, unknown) = index;
    let manifests = with_tag(index.manifests(), tag, entry);
    index.set_manifests(manifests);
    let bytes = json::to_bytes(&index, &unknown)?;
    let index_path = dir.join("index.json");
    write_whole(dir, &index_path, |file| {
        file.write_all(&bytes).map_err(|e| Error::new(format!("cannot write {}: {e}", index_path.display())))
    })?;
    Ok(Written { manifest_digest, config_digest, layer_digest, diff_id: composed.diff_id.clone() })
}

/// The index's manifests with `entry` as the only one tagged `tag`, in the documented order.
fn with_tag(manifests: &[Descriptor], tag: &str, entry: Descriptor) -> Vec<Descriptor> {
    let mut kept: Vec<Descriptor> = manifests.iter().filter(|m| ref_name(m) != Some(tag)).cloned().collect();
    kept.push(entry);
    // A stable sort: untagged entries keep their order among themselves.
    kept.sort_by(|a, b| match (ref_name(a), ref_name(b)) {
        (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    kept
}

/// Whether the layout already holds the blob `digest` of `size` bytes.
fn present(path: &Path, size: u64) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == size)
}

/// Writes `target` whole: a temporary file in the layout's directory (not in `blobs/sha256`,
/// which holds only digests) filled by `fill`, made readable by all (0644, as other OCI tools
/// write layouts, so that an unprivileged reader can pull from it), synced, and renamed into
/// place. A kill leaves the old file or the new one, never a part.
fn write_whole(dir: &Path, target: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let io_error = |e: io::Error| Error::new(format!("cannot write {}: {e}", target.display()));
    let mut temp = tempfile::Builder::new().prefix(".mcc-write-").tempfile_in(dir).map_err(io_error)?;
    fill(temp.as_file_mut())?;
    set_readable(temp.as_file()).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(target).map_err(|e| io_error(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn set_readable(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_: &File) -> io::Result<()> {
    Ok(())
}

/// Writes a blob under its digest, unless the layout has it already.
fn put_blob(dir: &Path, bytes: &[u8]) -> Result<String> {
    let digest = layer::digest(bytes);
    let target = blob_path(dir, &digest)?;
    if !present(&target, bytes.len() as u64) {
        write_whole(dir, &target, |file| {
            file.write_all(bytes).map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))
        })?;
    }
    Ok(digest)
}

/// Copies a base blob, checking its digest on the way, unless the layout has it already. The
/// source must be a regular file, opened without blocking, and is read only up to one byte more
/// than its descriptor's size, so a longer one is a mismatch, never a read without end.
fn copy_blob(from: &Path, to: &Path, descriptor: &Descriptor) -> std::result::Result<(), LayoutError> {
    let digest = descriptor.digest().to_string();
    let source = blob_path(from, &digest).map_err(LayoutError::Base)?;
    let target = blob_path(to, &digest)?;
    if present(&target, descriptor.size()) {
        return Ok(());
    }
    let read_error = |e: io::Error| Error::new(format!("cannot read {}: {e}", source.display()));
    let (input, _) = open_regular(&source, Symlinks::Follow)
        .map_err(|e| LayoutError::Base(Error::new(format!("cannot read {}: {e}", source.display()))))?;
    let mut input = input.take(descriptor.size().saturating_add(1));
    // The copy's own write errors are failures; what was read being wrong is the base's.
    let mut base_error = None;
    let copied = write_whole(to, &target, |output| {
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = match input.read(&mut buffer) {
                Ok(n) => n,
                Err(e) => {
                    let error = read_error(e);
                    base_error = Some(error.clone());
                    return Err(error);
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            size += n as u64;
            output
                .write_all(&buffer[..n])
                .map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))?;
        }
        let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
        if actual != digest || descriptor.size() != size {
            let error = Error::new(format!(
                "base blob {digest} in {} does not match its descriptor (digest {actual}, {size} bytes)",
                from.display()
            ));
            base_error = Some(error.clone());
            return Err(error);
        }
        Ok(())
    });
    match (copied, base_error) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(error)) => Err(LayoutError::Base(error)),
        (Err(error), None) => Err(LayoutError::Failed(error)),
    }
}
