//! Class F: content errors Ignition's validator does not see fail on the node, not the render.

use super::{errors, ign, side};

const SHA512_OF_A: &str = "sha512-1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75";

fn file_with(contents: &str) -> String {
    ign(
        "99-worker-f",
        "3.4.0",
        &format!("    storage:\n      files:\n      - {{path: /etc/f, contents: {contents}}}\n"),
    )
}

// MCO: pkg/controller/common/helpers.go ValidateMachineConfig runs Ignition's validator, which
// checks only the hash's syntax (vendored ignition config/v3_5/types Resource.Validate); the
// daemon's write fails later. The pool renders; mcc keeps the error (MCC1018).
#[test]
fn f_a_wrong_hash_on_a_data_url_is_an_error_but_the_pool_renders() {
    let (c, analysis) = side(&[&file_with(&format!("{{source: 'data:,b', verification: {{hash: {SHA512_OF_A}}}}}"))]);
    assert_eq!(analysis.rendered.len(), 1, "the MCO renders the pool");
    let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code.code).filter(|c| c.starts_with("MCC1")).collect();
    assert_eq!(codes, ["MCC1018"]);
    assert_eq!(errors(&c).len(), 1);
}

// MCO: Resource.Validate accepts `compression: gzip` whatever the data; the daemon's
// DecodeIgnitionFileContents fails when it writes the file. The pool renders (MCC1031).
#[test]
fn f_gzip_compression_on_data_that_is_not_gzip_is_an_error_but_the_pool_renders() {
    let (c, analysis) = side(&[&file_with("{source: 'data:,plain', compression: gzip}")]);
    assert_eq!(analysis.rendered.len(), 1, "the MCO renders the pool");
    let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code.code).filter(|c| c.starts_with("MCC10")).collect();
    assert_eq!(codes, ["MCC1031"]);
}

// MCO: the vendored validator refuses an unknown method ("invalid compression method"), so that
// one still stops the render (MCC1016).
#[test]
fn f_an_unknown_compression_method_still_stops_the_render() {
    let (_, analysis) = side(&[&file_with("{source: 'data:,plain', compression: xz}")]);
    assert!(analysis.rendered.is_empty());
}
