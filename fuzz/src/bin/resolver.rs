//! The root-confined path resolver of `mcc apply` against a hostile tree: one input is a script
//! that makes directories and symlinks with any targets beneath a root, then resolves plan paths
//! (with and without creating missing directories). Any resolution that lands outside the root,
//! or any change outside it, panics (`mcc_runtime::apply::hostile_input`).

use mcc_runtime::apply::hostile_input::resolve_script;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        resolve_script(data);
    });
}
