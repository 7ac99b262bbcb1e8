//! The driver's own decisions: which duplicate is blamed.

use camino::Utf8PathBuf;

use super::load;
use crate::codes;
use crate::load::InputPath;
use crate::session::Compilation;
use crate::testing::mc;

fn read(files: &[(&str, &str)]) -> Compilation {
    let paths: Vec<InputPath> = files
        .iter()
        .map(|(name, text)| InputPath::Read { name: Utf8PathBuf::from(name), text: text.to_string() })
        .collect();
    load(&paths, &[], &mut || Ok(String::new()))
}

/// Where each MCC0012 points: (file, offset).
fn blamed(c: &Compilation) -> Vec<(String, usize)> {
    c.diagnostics
        .iter()
        .filter(|d| d.code == &codes::DUPLICATE_OBJECT)
        .map(|d| {
            let span = d.span.unwrap();
            (c.sources.get(span.source).name.to_string(), span.start as usize)
        })
        .collect()
}

#[test]
fn a_duplicate_name_blames_the_same_object_whatever_the_input_order() {
    let first = mc("99-worker-x", Some("worker"), "  kernelArguments: [a]");
    let second = mc("99-worker-x", Some("worker"), "  kernelArguments: [b]");
    let both = format!("{first}---\n{second}");
    let forward = read(&[("a.yaml", &first), ("b.yaml", &second)]);
    let backward = read(&[("b.yaml", &second), ("a.yaml", &first)]);
    assert_eq!(blamed(&forward).len(), 1);
    assert_eq!(blamed(&forward)[0].0, "b.yaml");
    assert_eq!(blamed(&forward), blamed(&backward));
    let one_file = read(&[("c.yaml", &both)]);
    assert!(blamed(&one_file)[0].1 > first.len(), "the later document of one file is blamed");
}

#[test]
fn every_later_object_of_a_repeated_name_is_blamed_and_no_other() {
    let x = |argument: &str| mc("99-worker-x", Some("worker"), &format!("  kernelArguments: [{argument}]"));
    let other = mc("99-worker-y", Some("worker"), "  kernelArguments: [y]");
    let c = read(&[("c.yaml", &x("c")), ("a.yaml", &x("a")), ("m.yaml", &other), ("b.yaml", &x("b"))]);
    let files: Vec<String> = blamed(&c).into_iter().map(|(file, _)| file).collect();
    assert_eq!(files, ["b.yaml", "c.yaml"], "a.yaml's is the first; m.yaml's name is its own");
}

/// Deciding which MachineConfigs are valid asks, for every error, which MachineConfig holds it:
/// n log n, not errors × MachineConfigs.
#[test]
fn settling_many_machine_configs_with_errors_is_not_quadratic() {
    let loaded = [1_000, 4_000].map(|count| {
        let text: Vec<String> =
            (0..count).map(|i| mc(&format!("99-worker-{i}"), Some("worker"), "  kernelType: rt")).collect();
        let loaded = crate::testing::load(&[&text.join("---\n")]);
        assert_eq!(loaded.codes().len(), count, "one error a MachineConfig");
        loaded
    });
    crate::testing::assert_linear("settling MachineConfigs with errors", |scale| {
        let loaded = &loaded[usize::from(scale == 4)];
        let (mut inputs, mut diagnostics) = (loaded.inputs.clone(), loaded.diagnostics.clone());
        let start = std::time::Instant::now();
        super::settle(&mut inputs, &mut diagnostics);
        assert!(inputs.machine_configs.iter().all(|mc| !mc.valid));
        start.elapsed()
    });
}
