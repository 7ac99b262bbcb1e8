//! /etc/containers/registries.conf as the MCO decodes it to decide whether a change needs a
//! drain: the input is the old file, a NUL byte, and the new file (no NUL: old is missing).

use mcc_compiler::hostile_input::registries_change;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        match text.split_once('\0') {
            Some((old, new)) => registries_change(Some(old), Some(new)),
            None => registries_change(None, Some(text)),
        };
    });
}
