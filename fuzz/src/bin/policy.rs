//! A site policy file in mcc's policy language: parsed, lowered and its layouts checked, as
//! `mcc check --policy FILE` does.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            mcc_compiler::hostile_input::policy_file(text);
        }
    });
}
