//! One small run for the emitters' snapshots: an error with a related place, a warning, an info.

use super::{CheckReport, Emitter};
use crate::load::InputPath;
use crate::render::RenderOptions;
use crate::session::{Analysis, Compilation, PolicyOptions};

/// A relative path (an error), a legacy octal mode (a warning), a duplicate name (an error with
/// a related place), and the worker pool left unrendered by them (an info).
const INPUT: &str = "apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-relative
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: etc/relative.conf
          mode: 420
          contents:
            source: data:,relative
---
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-relative
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: /etc/octal.conf
          mode: 0644
          contents:
            source: data:,octal
";

pub fn fixture_report() -> (Compilation, Analysis) {
    run(INPUT)
}

/// Loads and analyzes one input file, `clusters/prod/input.yaml`.
pub fn run(text: &str) -> (Compilation, Analysis) {
    let paths = [InputPath::Read { name: "clusters/prod/input.yaml".into(), text: text.to_string() }];
    let mut compilation = crate::driver::load(&paths, &[], &mut || Ok(String::new()));
    let analysis = crate::driver::analyze(&mut compilation, &RenderOptions::default(), &PolicyOptions::default(), None);
    (compilation, analysis)
}

/// What `emitter` writes for the whole run, with one suppressed and two ignored diagnostics.
pub fn emitted(emitter: &dyn Emitter, compilation: &Compilation, analysis: &Analysis) -> String {
    let report = CheckReport {
        compilation,
        analysis,
        suppressed: 1,
        ignored: 2,
        inputs: &["clusters/prod".to_string()],
        help_uri_base: "https://example.com/codes/",
        working_dir: Some("/repo"),
    };
    let mut out = Vec::new();
    emitter.emit(&mut out, &report).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("emitters write UTF-8")
}
