//! Class E: the Ignition versions a MachineConfig may name.

use crate::testing::load;

use super::ign;

fn codes(version: &str) -> Vec<&'static str> {
    load(&[&ign(
        "99-worker-v",
        version,
        "    storage:\n      files:\n      - {path: /etc/v, contents: {source: 'data:,v'}}\n",
    )])
    .codes()
}

// MCO: pkg/controller/common/helpers.go IgnParseWrapper, through the vendored ignition
// config/v3_5 ParseCompatibleVersion, which compares the whole version: 3.4.1 is "unknown
// version. Supported spec versions: 2.2,3.0,3.1,3.2,3.3,3.4,3.5", as is build metadata.
#[test]
fn e_patch_versions_and_build_metadata_are_unknown_versions() {
    for version in ["3.4.1", "3.5.2", "3.0.1", "3.4.0+x"] {
        assert_eq!(codes(version), ["MCC1001"], "{version}");
    }
    for version in ["3.0.0", "3.4.0", "3.5.0"] {
        assert!(codes(version).is_empty(), "{version}");
    }
}
