//! A site policy file in mcc's policy language: parsed, lowered and its layouts checked, as
//! `mcc check --policy FILE` does.

use mcc_compiler::policy::disruption::Origin;
use mcc_compiler::policy::lower::Program;
use mcc_compiler::policy::parse::parse;
use mcc_compiler::source::Sources;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let mut sources = Sources::default();
        let id = sources.add("fuzz.mcc", text);
        let mut diagnostics = Vec::new();
        let Some(file) = parse(id, text, &mut diagnostics) else { return };
        let mut program = Program::default();
        program.add(&file, Origin::SitePolicy, &sources, &mut diagnostics);
        let roots: Vec<String> = program.layout_names().map(str::to_string).collect();
        let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
        program.check_layouts(&roots, &mut diagnostics);
    });
}
