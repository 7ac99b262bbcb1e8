//! File contents as Ignition carries them: a `data:` URL, decoded and then gunzipped, or (for
//! input that is not a data URL) the bytes gunzipped directly, so that the fuzzer reaches the
//! gzip reader without having to find a valid URL first.

use mcc_compiler::hostile_input::{data_url, gzip};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        match std::str::from_utf8(data) {
            Ok(url) if url.starts_with("data:") => {
                data_url(url);
            }
            _ => {
                gzip(data);
            }
        }
    });
}
