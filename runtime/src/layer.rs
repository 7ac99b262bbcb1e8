//! The layer tar, built from a layer plan and the blobs it names and nothing else
//! (`spec/dependencies.md` §2.2): entries sorted by path with parents first, relative paths
//! (directories end in `/`), exact modes, numeric owners with empty names, one mtime, no
//! atime/ctime and no xattrs. Headers are plain ustar, written here byte by byte; a PAX record is
//! added only when a value does not fit (a long or non-ASCII path or link target, a large id).
//! Same plan, same bytes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

use mcc_contract::layer_plan::{EntryType, ImageEntry, LayerPlan};
use mcc_contract::{Mode, sha256_hex};

use crate::{Error, Result};

mod gzip;

const BLOCK: usize = 512;

/// `sha256:<hex>` of some bytes.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// The most [`build`] reserves up front for a layer's data.
const MAX_CAPACITY_HINT: u64 = 1 << 30;

/// The largest the layer of `plan` can be, in bytes: each entry's header, its PAX header and
/// records (for a long path or link target, at most one block more than both together), and its
/// padded data, then the two end blocks. A file longer than this is not the plan's layer.
pub fn max_size(plan: &LayerPlan) -> u64 {
    let block = BLOCK as u64;
    let padded = |n: u64| n.div_ceil(block).saturating_mul(block);
    plan.entries.iter().fold(2 * block, |total, entry| {
        let names = (entry.path.len() + entry.target.as_deref().map_or(0, str::len)) as u64;
        total.saturating_add(3 * block).saturating_add(padded(names)).saturating_add(padded(entry.size.unwrap_or(0)))
    })
}

/// The uncompressed layer of a plan. `blob` returns the contents of a file entry by its hex
/// SHA-256 (borrowed when they are in memory already); sizes and digests are checked against
/// the plan.
pub fn build<'b>(plan: &LayerPlan, blob: &mut dyn FnMut(&str) -> std::io::Result<Cow<'b, [u8]>>) -> Result<Vec<u8>> {
    let mut entries: Vec<&ImageEntry> = plan.entries.iter().collect();
    entries.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    // Each entry's header (a PAX one besides, at most, for a long path) and its padded data; a
    // hint only, never more than what a real layer holds (a plan may claim any size: its blobs,
    // read later, are what count).
    let data: u64 = entries.iter().filter_map(|e| e.size).map(|size| size.div_ceil(BLOCK as u64) * BLOCK as u64).sum();
    let hint = usize::try_from(data.min(MAX_CAPACITY_HINT)).unwrap_or(0);
    let mut out = Vec::with_capacity(hint + (entries.len() + 2) * 2 * BLOCK);
    for entry in entries {
        let relative = entry
            .path
            .strip_prefix('/')
            .filter(|p| !p.is_empty() && !p.split('/').any(|c| c.is_empty() || c == "." || c == ".."))
            .ok_or_else(|| Error::new(format!("layer plan entry `{}` is not a clean absolute path", entry.path)))?;
        let mode = Mode::parse_octal(&entry.mode).map(Mode::bits).ok_or_else(|| {
            Error::new(format!("layer plan entry `{}` has an invalid mode `{}`", entry.path, entry.mode))
        })?;
        match entry.kind {
            EntryType::Directory => {
                let name = format!("{relative}/");
                append(&mut out, name.as_bytes(), b'5', mode, entry, plan.mtime, b"", &[])?;
            }
            EntryType::Symlink => {
                let target = entry
                    .target
                    .as_deref()
                    .ok_or_else(|| Error::new(format!("symlink `{}` has no target", entry.path)))?;
                append(&mut out, relative.as_bytes(), b'2', mode, entry, plan.mtime, target.as_bytes(), &[])?;
            }
            EntryType::File => {
                let sha = entry
                    .sha256
                    .as_deref()
                    .ok_or_else(|| Error::new(format!("file `{}` has no sha256", entry.path)))?;
                let data = blob(sha)
                    .map_err(|e| Error::new(format!("cannot read the blob of `{}` ({sha}): {e}", entry.path)))?;
                let actual = sha256_hex(&data);
                if actual != sha || Some(data.len() as u64) != entry.size {
                    return Err(Error::new(format!(
                        "the blob of `{}` does not match the plan (sha256 {actual}, {} bytes; the plan says {sha}, {:?} bytes)",
                        entry.path,
                        data.len(),
                        entry.size
                    )));
                }
                append(&mut out, relative.as_bytes(), b'0', mode, entry, plan.mtime, b"", &data)?;
            }
        }
    }
    out.extend_from_slice(&[0u8; 2 * BLOCK]);
    Ok(out)
}

/// The regular files of a layer tar by the hex SHA-256 of their contents, read up to the first
/// entry that cannot be read: where `mcc build` finds the layer's files when the tar is not, as a
/// whole, the plan's layer (another tool's repacking of it); [`build`] checks each against the
/// plan as it does a blob.
pub fn files_of(tar: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(tar);
    let Ok(entries) = archive.entries() else { return files };
    for entry in entries {
        let Ok(mut entry) = entry else { break };
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        // The entry's data is a slice of `tar`: it can be no larger.
        let mut data = Vec::new();
        if entry.read_to_end(&mut data).is_err() {
            break;
        }
        files.insert(sha256_hex(&data), data);
    }
    files
}

/// gzip with a pinned compressor, level 6, header mtime 0, no file name, OS byte 255: the same tar
/// always gives the same bytes, whatever the machine and the number of threads.
///
/// The compressor is zlib-rs (flate2's `zlib-rs` backend, its version pinned by Cargo.lock), about
/// three times as fast as the miniz_oxide backend it replaced, run on every core over fixed 1 MiB
/// blocks (`layer/gzip.rs`). Its output depends on the level and the input alone: its hash
/// function is fixed (not chosen by CPU), and the CPU-specific code it picks at run time (AVX2 or
/// NEON match comparison, hash-table sliding, checksums) computes the same values as the portable
/// code. A golden digest in the tests notices any change of compressor, version or block size;
/// the layer's `diff_id` (over the uncompressed tar) does not depend on it.
pub use gzip::gzip;

/// Writes `value` as octal digits filling all but the last byte of `field`, then a NUL; `false`
/// when it does not fit.
fn octal(field: &mut [u8], value: u64) -> bool {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    if text.len() > digits {
        return false;
    }
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
    true
}

/// Splits a path into ustar `prefix` and `name`, when it fits.
fn split_ustar(path: &[u8]) -> Option<(&[u8], &[u8])> {
    if !path.is_ascii() {
        return None;
    }
    if path.len() <= 100 {
        return Some((b"", path));
    }
    // The last `/` (ignoring a directory's trailing one) that leaves both halves in bounds.
    let body = path.strip_suffix(b"/").unwrap_or(path);
    (0..body.len()).rev().filter(|&i| body[i] == b'/').find_map(|i| {
        let (prefix, name) = (&path[..i], &path[i + 1..]);
        (prefix.len() <= 155 && name.len() <= 100 && !name.is_empty()).then_some((prefix, name))
    })
}

/// One PAX record: `LEN key=value\n`, LEN counting the whole record.
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let rest = key.len() + value.len() + 3; // space, '=', newline
    let mut len = rest + 1;
    while len != rest + len.to_string().len() {
        len = rest + len.to_string().len();
    }
    let mut record = format!("{len} {key}=").into_bytes();
    record.extend_from_slice(value);
    record.push(b'\n');
    record
}

#[allow(clippy::too_many_arguments)]
fn header(
    name: &[u8],
    prefix: &[u8],
    kind: u8,
    mode: u32,
    ids: (u64, u64),
    size: u64,
    mtime: u64,
    link: &[u8],
) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name);
    // Values that do not fit are in a PAX record already; the header gets 0 then.
    octal(&mut h[100..108], u64::from(mode));
    if !octal(&mut h[108..116], ids.0) {
        octal(&mut h[108..116], 0);
    }
    if !octal(&mut h[116..124], ids.1) {
        octal(&mut h[116..124], 0);
    }
    if !octal(&mut h[124..136], size) {
        octal(&mut h[124..136], 0);
    }
    if !octal(&mut h[136..148], mtime) {
        octal(&mut h[136..148], 0);
    }
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    // uname and gname stay empty: owners are numeric only.
    octal(&mut h[329..337], 0);
    octal(&mut h[337..345], 0);
    h[345..345 + prefix.len()].copy_from_slice(prefix);
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % BLOCK;
    if rem != 0 {
        out.resize(out.len() + BLOCK - rem, 0);
    }
}

#[allow(clippy::too_many_arguments)]
fn append(
    out: &mut Vec<u8>,
    path: &[u8],
    kind: u8,
    mode: u32,
    entry: &ImageEntry,
    mtime: u64,
    link: &[u8],
    data: &[u8],
) -> Result<()> {
    let size = data.len() as u64;
    let (uid, gid) = (u64::from(entry.uid), u64::from(entry.gid));
    let mut records = Vec::new();
    let split = split_ustar(path);
    if split.is_none() {
        records.extend(pax_record("path", path));
    }
    let link_fits = link.len() <= 100 && link.is_ascii();
    if !link_fits {
        records.extend(pax_record("linkpath", link));
    }
    let max7 = 0o7777777u64;
    let max11 = 0o77777777777u64;
    for (key, value, max) in [("uid", uid, max7), ("gid", gid, max7), ("size", size, max11), ("mtime", mtime, max11)] {
        if value > max {
            records.extend(pax_record(key, value.to_string().as_bytes()));
        }
    }
    // With a PAX path, the ustar name is only a placeholder readers ignore.
    let placeholder: Vec<u8> = {
        let tail: Vec<u8> =
            path.iter().rev().take(99).rev().map(|&b| if b.is_ascii() && b != 0 { b } else { b'_' }).collect();
        tail
    };
    let (prefix, name): (&[u8], &[u8]) = split.unwrap_or((b"", &placeholder));
    let link_field: &[u8] = if link_fits { link } else { b"" };
    if !records.is_empty() {
        let mut pax_name = b"PaxHeaders/".to_vec();
        pax_name.extend(name.iter().rev().take(88).rev());
        let h = header(&pax_name, b"", b'x', 0o644, (0, 0), records.len() as u64, mtime.min(max11), b"");
        out.extend_from_slice(&h);
        out.extend_from_slice(&records);
        pad(out);
    }
    let h = header(name, prefix, kind, mode, (uid, gid), size, mtime, link_field);
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    pad(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use mcc_contract::layer_plan::{KernelArguments, Packages};

    use super::*;

    fn entry(path: &str, kind: EntryType, mode: &str, data: Option<&[u8]>, target: Option<&str>) -> ImageEntry {
        ImageEntry {
            path: path.into(),
            kind,
            mode: mode.into(),
            uid: 0,
            gid: 0,
            size: data.map(|d| d.len() as u64),
            sha256: data.map(sha256_hex),
            target: target.map(Into::into),
            placement: "etc".into(),
            origin: "file".into(),
            sources: Vec::new(),
            relocated_from: None,
        }
    }

    fn plan(entries: Vec<ImageEntry>) -> LayerPlan {
        LayerPlan {
            schema: "mcc.layer-plan/v1".into(),
            pool: "worker".into(),
            rendered_config: "rendered-worker-x".into(),
            target: "bootc".into(),
            profile: "rhcos".into(),
            base_image: "example.com/base@sha256:00".into(),
            extensions_image: None,
            source_digest: "sha256:00".into(),
            mtime: 0,
            labels: BTreeMap::new(),
            entries,
            packages: Packages::default(),
            kernel_arguments: KernelArguments::default(),
            tmpfiles: Vec::new(),
            diff_id: String::new(),
            machine_os_config: None,
        }
    }

    fn blobs(entries: &[&[u8]]) -> BTreeMap<String, Vec<u8>> {
        entries.iter().map(|d| (sha256_hex(d), d.to_vec())).collect()
    }

    #[test]
    fn no_layer_of_a_plan_is_larger_than_its_max_size() {
        // Every PAX record at once: a long path, a long link target, ids and a time too large
        // for ustar fields.
        let (long, target) = (format!("/etc/{}", "p".repeat(300)), format!("/{}", "t".repeat(300)));
        let data: [&[u8]; 1] = [b"x"];
        let mut p = plan(vec![
            entry(&long, EntryType::File, "0644", Some(data[0]), None),
            entry(&format!("{long}l"), EntryType::Symlink, "0777", None, Some(&target)),
        ]);
        p.mtime = u64::from(u32::MAX) * 64;
        for e in &mut p.entries {
            (e.uid, e.gid) = (u32::MAX, u32::MAX);
        }
        let map = blobs(&data);
        let tar = build(&p, &mut |sha| Ok(Cow::Borrowed(&map[sha][..]))).unwrap();
        assert!(tar.len() as u64 <= max_size(&p), "{} > {}", tar.len(), max_size(&p));
    }

    #[test]
    fn the_tar_holds_exactly_the_plan_in_path_order() {
        let long = format!("/etc/{}/{}", "d".repeat(120), "f".repeat(90));
        let unicode = "/etc/caf\u{e9}.conf";
        let data: [&[u8]; 3] = [b"server x\n", b"long", b"u"];
        let mut p = plan(vec![
            entry("/etc/chrony.conf", EntryType::File, "0600", Some(data[0]), None),
            entry("/etc", EntryType::Directory, "0755", None, None),
            entry("/etc/systemd/system/x.service", EntryType::Symlink, "0777", None, Some("/dev/null")),
            entry(&long, EntryType::File, "0644", Some(data[1]), None),
            entry(unicode, EntryType::File, "0644", Some(data[2]), None),
        ]);
        p.mtime = 1_700_000_000;
        p.entries[0].uid = 1000;
        p.entries[0].gid = 10;
        let map = blobs(&data);
        let tar = build(&p, &mut |sha| Ok(Cow::Borrowed(&map[sha][..]))).unwrap();
        assert_eq!(tar.len() % BLOCK, 0);
        assert!(tar.len() as u64 <= max_size(&p), "{} > {}", tar.len(), max_size(&p));
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut seen = Vec::new();
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let header = e.header().clone();
            let path = String::from_utf8(e.path_bytes().to_vec()).unwrap();
            assert_eq!(header.mtime().unwrap(), 1_700_000_000);
            assert!(header.username_bytes().is_none_or(|u| u.is_empty()));
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            seen.push((path, header.mode().unwrap(), header.uid().unwrap(), header.gid().unwrap(), body));
        }
        let paths: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            paths,
            ["etc/", "etc/caf\u{e9}.conf", "etc/chrony.conf", &long[1..], "etc/systemd/system/x.service"],
            "sorted by path bytes, directories with a trailing slash, long and non-ASCII paths via PAX"
        );
        let chrony = &seen[2];
        assert_eq!((chrony.1, chrony.2, chrony.3, chrony.4.as_slice()), (0o600, 1000, 10, &b"server x\n"[..]));
        assert_eq!(files_of(&tar), map, "the tar's regular files, by digest");
        assert!(files_of(b"not a tar").is_empty());
        // The same plan gives the same bytes, whatever order its entries come in.
        let mut shuffled = p.clone();
        shuffled.entries.reverse();
        assert_eq!(build(&shuffled, &mut |sha| Ok(Cow::Borrowed(&map[sha][..]))).unwrap(), tar);
    }

    #[test]
    fn gnu_tar_reads_the_headers_as_written() {
        let data: [&[u8]; 1] = [b"x"];
        let map = blobs(&data);
        let p = plan(vec![
            entry("/etc", EntryType::Directory, "0755", None, None),
            entry("/etc/a", EntryType::File, "0640", Some(data[0]), None),
            entry("/etc/l", EntryType::Symlink, "0777", None, Some("a")),
        ]);
        let tar = build(&p, &mut |sha| Ok(Cow::Borrowed(&map[sha][..]))).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("layer.tar");
        std::fs::write(&file, &tar).unwrap();
        let Ok(output) = std::process::Command::new("tar").arg("--numeric-owner").arg("-tvf").arg(&file).output()
        else {
            return; // no tar binary: the tar crate's reading above is the check
        };
        let listing = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{listing}");
        let lines: Vec<&str> = listing.lines().collect();
        assert!(lines[0].starts_with("drwxr-xr-x 0/0") && lines[0].ends_with("1970-01-01 00:00 etc/"), "{listing}");
        assert!(lines[1].starts_with("-rw-r----- 0/0") && lines[1].ends_with("etc/a"), "{listing}");
        assert!(lines[2].starts_with("lrwxrwxrwx 0/0") && lines[2].ends_with("etc/l -> a"), "{listing}");
    }

    #[test]
    fn a_blob_that_does_not_match_the_plan_is_refused() {
        let p = plan(vec![entry("/etc/a", EntryType::File, "0644", Some(b"x"), None)]);
        let err = build(&p, &mut |_| Ok(Cow::Borrowed(b"y"))).unwrap_err();
        assert!(err.to_string().contains("does not match the plan"), "{err}");
    }

    #[test]
    fn pax_records_count_their_own_length() {
        for value_len in [0, 1, 5, 6, 7, 90, 95, 96, 97, 98, 99, 100, 995, 996, 997, 1000] {
            let record = pax_record("path", &vec![b'a'; value_len]);
            let len: usize = std::str::from_utf8(&record).unwrap().split(' ').next().unwrap().parse().unwrap();
            assert_eq!(len, record.len(), "value of {value_len} bytes");
        }
    }

    #[test]
    fn gzip_is_reproducible_and_decompresses_to_the_tar() {
        let tar = vec![7u8; 10_000];
        let a = gzip(&tar);
        assert_eq!(a, gzip(&tar));
        assert_eq!(&a[4..8], &[0, 0, 0, 0], "header mtime 0");
        assert_eq!(a[9], 255, "OS byte: unknown");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(a.as_slice()).read_to_end(&mut back).unwrap();
        assert_eq!(back, tar);
    }

    /// The compressed bytes of a fixed input: a change of compressor, of its version or of its
    /// settings changes every layer digest mcc writes, and must be a deliberate one.
    #[test]
    fn gzip_output_is_pinned() {
        let mut state = 0x2545_f491_u32;
        let mut text = String::new();
        for line in 0..4000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            text.push_str(&format!("key{} = value-{} {}\n", line % 97, state >> 20, "x".repeat((state % 7) as usize)));
        }
        let gz = gzip(text.as_bytes());
        assert_eq!(
            (text.len(), gz.len(), digest(&gz).as_str()),
            (90_324, 19_811, "sha256:eaa531d3258a807bc2b5d680ea22abbe06ebd92d78bc94b83b94fe7cb30799f7")
        );
    }
}
