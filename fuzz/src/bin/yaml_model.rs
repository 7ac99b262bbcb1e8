//! One input file, as bytes: the YAML front-end, the model of every object it holds, and the
//! render of every pool, exactly as `mcc render FILE` runs them.

use mcc_compiler::load::InputPath;
use mcc_compiler::render::RenderOptions;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let input = InputPath::Read { name: "fuzz.yaml".into(), text: text.to_string() };
        let mut no_stdin = || Ok(String::new());
        let mut compilation = mcc_compiler::load(&[input], &mut no_stdin);
        mcc_compiler::render(&mut compilation, &RenderOptions::default(), None);
    });
}
