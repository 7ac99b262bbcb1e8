//! Suppressing diagnostics: codes ignored for a whole run (`--ignore CODE`), and codes ignored
//! inside one object by its `mcc.openshift.io/ignore` annotation.
//!
//! ```yaml
//! metadata:
//!   name: 99-worker-legacy
//!   annotations:
//!     mcc.openshift.io/ignore: MCC0006, MCC1019
//! ```
//!
//! The annotation works on a MachineConfig, a MachineConfigPool, a `MachineConfiguration` or a
//! `MachineOSConfig`, and covers every diagnostic whose primary span lies inside that object.
//! Codes are separated by commas or whitespace and compared without regard to case. Suppressing
//! only hides reports: a MachineConfig with a suppressed error is still invalid, and its pools
//! are still not rendered.

use crate::diagnostic::Diagnostic;
use crate::session::Compilation;
use crate::source::{Span, SpanIndex};

/// The annotation that lists the codes to suppress inside an object.
pub const IGNORE_ANNOTATION: &str = "mcc.openshift.io/ignore";

/// The diagnostics of a run, split by what became of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filtered {
    /// Those still reported, in their original order.
    pub kept: Vec<Diagnostic>,
    /// Those whose code was ignored for the whole run (`--ignore`).
    pub ignored: Vec<Diagnostic>,
    /// Those suppressed by an annotation on the object they point into.
    pub suppressed: Vec<Diagnostic>,
}

/// Splits `diagnostics` into those kept, those ignored by code (`ignore`, for the whole run) and
/// those suppressed by the `mcc.openshift.io/ignore` annotation of the object they lie in.
pub fn suppress(c: &Compilation, ignore: &[String], diagnostics: Vec<Diagnostic>) -> Filtered {
    let scopes = scopes(c);
    // Objects never overlap, so a diagnostic lies in one at most, found by its span: a fleet
    // whose every MachineConfig carries the annotation has as many scopes as diagnostics, and
    // testing each diagnostic against every scope cost their product (40,000 of each: 2 s).
    let by_span = SpanIndex::new(scopes.iter().enumerate().map(|(at, (span, _))| (*span, at)));
    let ignored = |d: &Diagnostic| ignore.iter().any(|i| i.trim().eq_ignore_ascii_case(d.code.code));
    let suppressed = |d: &Diagnostic| {
        let scope = d.span.and_then(|span| by_span.find(span));
        scope.is_some_and(|at| scopes[at].1.iter().any(|c| c.eq_ignore_ascii_case(d.code.code)))
    };
    // Those kept stay in the run's list, taken out in place: a fleet's list is the largest one
    // alive when the report starts, and a second copy of it would set the run's peak memory.
    let mut kept = diagnostics;
    let ignored: Vec<Diagnostic> = kept.extract_if(.., |d| ignored(d)).collect();
    let suppressed: Vec<Diagnostic> = kept.extract_if(.., |d| suppressed(d)).collect();
    Filtered { kept, ignored, suppressed }
}

/// The codes an annotation value lists: separated by commas or whitespace, empty ones dropped.
pub fn parse_codes(value: &str) -> Vec<&str> {
    value.split(|c: char| c == ',' || c.is_whitespace()).filter(|c| !c.is_empty()).collect()
}

/// Each annotated object's span with the codes it suppresses.
fn scopes(c: &Compilation) -> Vec<(Span, Vec<&str>)> {
    let i = &c.inputs;
    let objects = i
        .machine_configs
        .iter()
        .map(|m| (&m.metadata, m.span))
        .chain(i.pools.iter().map(|p| (&p.metadata, p.span)))
        .chain(i.machine_configurations.iter().map(|m| (&m.metadata, m.span)))
        .chain(i.machine_os_configs.iter().map(|m| (&m.metadata, m.span)));
    objects
        .filter_map(|(metadata, span)| {
            let value = metadata.annotations.get(IGNORE_ANNOTATION)?;
            Some((span, parse_codes(&value.value)))
        })
        .filter(|(_, codes)| !codes.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::InputPath;

    const LEGACY: &str = "\
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-legacy
  labels:
    machineconfiguration.openshift.io/role: worker
  annotations:
    mcc.openshift.io/ignore: mcc0006, MCC9999
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: /etc/legacy.conf
          mode: 0644
          contents:
            source: data:,x
";

    const PLAIN: &str = "\
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-plain
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: /etc/plain.conf
          mode: 0644
          contents:
            source: data:,x
";

    fn compile(text: &str) -> Compilation {
        let text = text.to_string();
        let mut c = crate::driver::load(&[InputPath::Stdin], &[], &mut || Ok(text.clone()));
        crate::driver::render(&mut c, &Default::default(), None);
        c
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.code).collect()
    }

    #[test]
    fn the_annotation_suppresses_its_codes_inside_its_object_only() {
        let c = compile(&format!("{LEGACY}---\n{PLAIN}"));
        assert_eq!(codes(&c.diagnostics), ["MCC0006", "MCC0006"]);
        let filtered = suppress(&c, &[], c.diagnostics.clone());
        assert_eq!(codes(&filtered.suppressed), ["MCC0006"]);
        assert_eq!(codes(&filtered.kept), ["MCC0006"]);
        assert!(filtered.ignored.is_empty());
        // The one kept is the other object's.
        assert!(c.sources.text(filtered.kept[0].span.unwrap()).contains("0644"));
        assert!(filtered.kept[0].span.unwrap().start > c.inputs.machine_configs[0].span.end);
    }

    #[test]
    fn ignored_codes_go_everywhere_before_annotations() {
        let c = compile(&format!("{LEGACY}---\n{PLAIN}"));
        let filtered = suppress(&c, &["mcc0006".to_string()], c.diagnostics.clone());
        assert_eq!(codes(&filtered.ignored), ["MCC0006", "MCC0006"]);
        assert!(filtered.kept.is_empty());
        assert!(filtered.suppressed.is_empty());
    }

    #[test]
    fn codes_are_split_on_commas_and_whitespace() {
        assert_eq!(parse_codes(" MCC0006,MCC1005  mcc2001,, "), ["MCC0006", "MCC1005", "mcc2001"]);
        assert!(parse_codes(" , ").is_empty());
    }

    /// n MachineConfigs, each annotated and each with a diagnostic of the code it suppresses:
    /// each diagnostic was tested against every annotated object (40,000 of each: 2 s of a
    /// `mcc check`).
    #[test]
    fn suppressing_grows_linearly_with_the_annotated_objects() {
        let compiled = |n: usize| {
            let text: Vec<String> = (0..n).map(|i| LEGACY.replace("99-worker-legacy", &format!("m{i}"))).collect();
            let c = compile(&text.join("---\n"));
            assert_eq!(c.diagnostics.len(), n, "one MCC0006 each");
            c
        };
        let runs = [compiled(500), compiled(2_000)];
        crate::testing::assert_linear("suppressing by annotation", |scale| {
            let c = &runs[usize::from(scale == 4)];
            let start = std::time::Instant::now();
            let filtered = suppress(c, &[], c.diagnostics.clone());
            let elapsed = start.elapsed();
            assert_eq!(filtered.suppressed.len(), c.diagnostics.len());
            elapsed
        });
    }
}
