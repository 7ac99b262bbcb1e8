//! gzip of a layer on every core, with bytes that depend on the input alone (issue 12: the
//! compressor was half of `mcc build`, on one core).
//!
//! The tar is cut into fixed blocks of [`BLOCK`] bytes, as pigz does. Each block is deflated on
//! its own, primed with the 32 KiB before it as the dictionary (so matches reach back as far as
//! in one stream), and ended with a sync flush (an empty stored block, which leaves the bit
//! stream at a byte boundary) except the last, which ends the stream; the blocks' deflate
//! streams joined in order are one deflate stream, in one gzip member. What a block compresses
//! to depends only on its bytes and the 32 KiB before it, never on which thread ran it or when:
//! one thread and many give the same bytes.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use rayon::prelude::*;

/// The bytes compressed as one unit. 1 MiB blocks: priming each with its 32 KiB dictionary adds
/// 3% to the hashing, a sync flush 5 bytes, and a 14 MB layer still makes 14 blocks to share.
const BLOCK: usize = 1 << 20;
/// deflate's window: the most a match can reach back, so all of the dictionary that is used.
const WINDOW: usize = 32 << 10;
/// zlib's level 6, the default of `gzip` and of most image tools.
const LEVEL: u32 = 6;

/// gzip of `data` at level 6, header mtime 0, no file name, OS byte 255.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![data] } else { data.chunks(BLOCK).collect() };
    let last = blocks.len() - 1;
    let parts: Vec<(Vec<u8>, Crc)> = blocks
        .par_iter()
        .enumerate()
        .map(|(i, block)| {
            let start = i * BLOCK;
            let dictionary = &data[start.saturating_sub(WINDOW)..start];
            let mut crc = Crc::new();
            crc.update(block);
            (deflate(dictionary, block, i == last), crc)
        })
        .collect();
    // Magic, deflate, no flags, mtime 0, XFL 0 (neither the fastest nor the best level), OS 255.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.reserve(parts.iter().map(|(part, _)| part.len()).sum::<usize>() + 8);
    let mut crc = Crc::new();
    for (part, part_crc) in &parts {
        out.extend_from_slice(part);
        crc.combine(part_crc);
    }
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32 (RFC 1952).
    let size = u32::try_from(data.len() % (1 << 32)).expect("a value below 2^32");
    out.extend_from_slice(&size.to_le_bytes());
    out
}

/// The raw deflate of one block, primed with `dictionary`: ended by a sync flush, or, for the
/// last block, by the end of the stream.
fn deflate(dictionary: &[u8], block: &[u8], last: bool) -> Vec<u8> {
    let mut compress = Compress::new(Compression::new(LEVEL), false);
    if !dictionary.is_empty() {
        compress.set_dictionary(dictionary).expect("a fresh raw deflate stream takes a dictionary");
    }
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    let mut out = Vec::with_capacity(block.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(compress.total_in()).expect("a block's length fits usize");
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let status = compress.compress_vec(&block[consumed..], &mut out, flush).expect("deflate of bytes in memory");
        let all_in = usize::try_from(compress.total_in()).expect("a block's length fits usize") == block.len();
        // A flush is complete when deflate returns with room left in the output.
        let done = if last { status == Status::StreamEnd } else { all_in && out.len() < out.capacity() };
        if done {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(gz).read_to_end(&mut back).expect("valid gzip");
        back
    }

    /// Text with repeats both within a block and across block boundaries, and some noise.
    fn sample(len: usize) -> Vec<u8> {
        let mut state = 0x1234_5678_u32;
        let mut out = Vec::with_capacity(len + 64);
        while out.len() < len {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            out.extend_from_slice(format!("line {} value={}\n", state % 5000, state >> 16).as_bytes());
        }
        out.truncate(len);
        out
    }

    #[test]
    fn one_thread_and_several_give_the_same_bytes() {
        let data = sample(3 * BLOCK + 12_345);
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
            pool.install(|| gzip(&data))
        };
        let one = on(1);
        assert_eq!(one, on(3));
        assert_eq!(one, on(8));
        assert_eq!(gunzip(&one), data);
    }

    #[test]
    fn block_edges_and_empty_input_decode() {
        for len in [0, 1, WINDOW - 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK] {
            let data = sample(len);
            let gz = gzip(&data);
            assert_eq!(gunzip(&gz), data, "{len} bytes");
            assert_eq!(&gz[gz.len() - 4..], &u32::try_from(len).unwrap().to_le_bytes(), "ISIZE of {len} bytes");
        }
    }

    /// The dictionary carries matches across blocks: a block repeating the one before it
    /// compresses to almost nothing.
    #[test]
    fn matches_reach_into_the_block_before() {
        let noise: Vec<u8> = sample(WINDOW / 2).iter().rev().copied().collect();
        let mut data = vec![0u8; BLOCK - noise.len()];
        data.extend_from_slice(&noise);
        data.extend_from_slice(&noise);
        let gz = gzip(&data);
        let alone = gzip(&noise);
        assert!(gz.len() < alone.len() + 2_000, "{} bytes, against {} for the noise once", gz.len(), alone.len());
        assert_eq!(gunzip(&gz), data);
    }

    /// The bytes of a layer of several blocks (`layer::tests` pins one of a single block): a
    /// change of block size, dictionary or flush changes every large layer's digest, and must be
    /// a deliberate one.
    #[test]
    fn output_of_several_blocks_is_pinned() {
        let data = sample(2 * BLOCK + 7);
        let gz = gzip(&data);
        assert_eq!(
            (gz.len(), crate::layer::digest(&gz).as_str()),
            (554_843, "sha256:1628ae542453ba6fa5f30f3220524d999c3bd807e825ae3615518a7fce7c04ea")
        );
    }

    #[test]
    fn gzip_t_accepts_it() {
        let data = sample(2 * BLOCK + 7);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("layer.tar.gz");
        std::fs::write(&file, gzip(&data)).expect("written");
        let Ok(output) = std::process::Command::new("gzip").arg("-t").arg(&file).output() else {
            return; // no gzip binary: flate2's decoding above is the check
        };
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
}
