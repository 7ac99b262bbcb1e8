//! One input file, as bytes: the YAML front-end, the model of every object it holds, then the
//! render, policies, graph and lints of every pool, as `mcc check FILE` runs them.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            mcc_compiler::hostile_input::input_file(text);
        }
    });
}
