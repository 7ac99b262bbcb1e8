//! File contents as Ignition carries them: a `data:` URL, decoded and then gunzipped, or (for
//! input that is not a data URL) the bytes gunzipped directly, so that the fuzzer reaches the
//! gzip reader without having to find a valid URL first.

use mcc_compiler::ignition::content::{decode_data_url, decompress};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        match std::str::from_utf8(data) {
            Ok(url) if url.starts_with("data:") => {
                if let Ok(decoded) = decode_data_url(url) {
                    let _ = decompress(&decoded.bytes, Some("gzip"));
                }
            }
            _ => {
                let _ = decompress(data, Some("gzip"));
            }
        }
    });
}
