//! Properties over arbitrary input: the YAML front-end with the model and the analysis, and the
//! policy parser with its checks, return diagnostics for anything and never panic. The inputs
//! are real files mutated a few bytes at a time, and soups of the languages' own tokens, so that
//! most cases get past the first syntax check. The fuzz targets in `fuzz/` go much further; these
//! keep the property in every `cargo test`.

use mcc_compiler::hostile_input::{input_file, policy_file};
use proptest::prelude::*;

const MACHINE_CONFIG: &str = include_str!("../../examples/cluster/after/99-worker-registries.yaml");
const POOL: &str = include_str!("../../examples/cluster/after/infra-pool.yaml");
const NODE_DISRUPTION_POLICY: &str = include_str!("../../examples/cluster/after/machineconfiguration.yaml");
const LINTS: &str = include_str!("../../stdlib/lints.mcc");
const LAYOUT: &str = include_str!("../../stdlib/layout/rhcos.mcc");
const DISRUPTION: &str = include_str!("../../stdlib/disruption/ocp-4.22.mcc");

const YAML_TOKENS: &[&str] = &[
    "apiVersion: machineconfiguration.openshift.io/v1\n",
    "kind: MachineConfig\n",
    "kind: MachineConfigPool\n",
    "metadata:\n  name: x\n  labels:\n    machineconfiguration.openshift.io/role: worker\n",
    "spec:\n",
    "  config:\n    ignition:\n      version: 3.4.0\n",
    "    storage:\n      files:\n",
    "      - path: /etc/x\n        mode: 0644\n        contents:\n          source: data:,a\n",
    "  kernelArguments: [nosmt, a=b]\n",
    "  machineConfigSelector:\n    matchLabels: {a: b}\n",
    "---\n",
    "&a [*a, *a]\n",
    "{\"a\": [1, 2]}",
    "- ",
    ": ",
    "  ",
    "\n",
    "'",
    "\"",
    "\u{FEFF}",
    "🙂",
];

const POLICY_TOKENS: &[&str] = &[
    "layout x ",
    "extends y ",
    "disruption d ",
    "lint SITE0001 warning \"m\" ",
    "{ ",
    "} ",
    "when ",
    "help \"h\" ",
    "not ",
    "and ",
    "or ",
    "( ",
    ") ",
    "file ",
    "path /etc/** ",
    "mode has 0o002 ",
    "size > 1 MiB ",
    "placement var ",
    "link /opt -> /var/opt ",
    "place /usr/** in image ",
    "reject /boot/** \"r\" ",
    "path /a => restart a.service, reboot ",
    "sshkey => none ",
    "\"",
    "#",
    "\n",
    "\u{FEFF}",
    "🙂",
    "**",
    "?",
];

/// `text` with a few bytes replaced, inserted or removed, cut back to valid UTF-8.
fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8).prop_map(move |edits| {
        let mut bytes = text.as_bytes().to_vec();
        for (at, byte, how) in edits {
            let at = at.index(bytes.len() + 1);
            match how {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => bytes[at] = byte,
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|parts| parts.concat())
}

fn yaml_input() -> impl Strategy<Value = String> {
    prop_oneof![
        mutated(MACHINE_CONFIG),
        mutated(POOL),
        mutated(NODE_DISRUPTION_POLICY),
        soup(YAML_TOKENS),
        "\\PC{0,200}",
    ]
}

fn policy_input() -> impl Strategy<Value = String> {
    prop_oneof![mutated(LINTS), mutated(LAYOUT), mutated(DISRUPTION), soup(POLICY_TOKENS), "\\PC{0,200}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_yaml_front_end_and_model_never_panic(text in yaml_input()) {
        input_file(&text);
    }

    #[test]
    fn the_policy_parser_and_its_checks_never_panic(text in policy_input()) {
        policy_file(&text);
    }
}
