//! Every reader of untrusted bytes, callable on its own: the entry points of the fuzz targets
//! in `fuzz/` and of the never-panics properties in `tests/`. Each takes what one reader takes,
//! runs it the way a command does, and returns how many diagnostics it made; none may panic,
//! abort or hang, whatever the input.

use crate::driver;
use crate::load::InputPath;
use crate::policy::disruption::Origin;
use crate::policy::lower::Program;
use crate::render::RenderOptions;
use crate::session::PolicyOptions;
use crate::source::Sources;

/// One input file: the YAML front-end and the model of every object (`mcc check FILE`'s load),
/// then the render, the policies, the graph and the lints of every pool.
pub fn input_file(text: &str) -> usize {
    let input = InputPath::Read { name: "input.yaml".into(), text: text.to_string() };
    let mut compilation = driver::load(&[input], &[], &mut || Ok(String::new()));
    driver::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
    compilation.diagnostics.len()
}

/// One site policy file: parsed, lowered with its checks, and its layouts checked.
pub fn policy_file(text: &str) -> usize {
    let mut sources = Sources::default();
    let id = sources.add("input.mcc", text);
    let mut diagnostics = Vec::new();
    if let Some(file) = crate::policy::parse::parse(id, text, &mut diagnostics) {
        let mut program = Program::default();
        program.add(&file, Origin::SitePolicy, &sources, &mut diagnostics);
        let roots: Vec<String> = program.layout_names().map(str::to_string).collect();
        let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
        program.check_layouts(&roots, &mut diagnostics);
    }
    diagnostics.len()
}

/// File contents as Ignition carries them: a `data:` URL decoded, then gunzipped. Whether the
/// contents decoded.
pub fn data_url(url: &str) -> bool {
    use crate::ignition::content::{decode_data_url, decompress};
    decode_data_url(url).is_ok_and(|decoded| decompress(&decoded.bytes, Some("gzip")).is_ok())
}

/// Bytes gunzipped as `compression: gzip` contents are. Whether they decompressed.
pub fn gzip(bytes: &[u8]) -> bool {
    crate::ignition::content::decompress(bytes, Some("gzip")).is_ok()
}

/// A change of `/etc/containers/registries.conf` (`None`: the file is missing), decoded as the
/// MCO decodes it to decide whether the change needs a drain. Whether both sides decoded.
pub fn registries_change(old: Option<&str>, new: Option<&str>) -> bool {
    crate::plan::registries::is_safe_change(old, new).is_ok()
}
