//! A state loaded over another is the state a plain load makes: the same objects in the same
//! order, the same diagnostics under its own file names, the same renderings.

use camino::{Utf8Path, Utf8PathBuf};

use super::load_sharing;
use crate::driver::{analyze, load_filtered};
use crate::load::InputPath;
use crate::load::filter::InputFilter;
use crate::render::RenderOptions;
use crate::render::emit::rendered_machine_config;
use crate::session::{Compilation, PolicyOptions};
use crate::source::Span;

fn mc(name: &str, path: &str, mode: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n  labels:\n    \
         machineconfiguration.openshift.io/role: worker\nspec:\n  config:\n    ignition:\n      version: 3.2.0\n    \
         storage:\n      files:\n        - path: {path}\n          mode: {mode}\n          contents:\n            \
         source: data:,{name}\n"
    )
}

fn write(dir: &Utf8Path, files: &[(&str, String)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn dir(tmp: &tempfile::TempDir) -> Utf8PathBuf {
    Utf8PathBuf::from_path_buf(tmp.path().to_path_buf()).unwrap()
}

/// What a state's load and analysis show: each diagnostic with its file's name and offsets (and
/// its labels'), each MachineConfig with its validity, each pool's rendered config.
fn seen(mut c: Compilation) -> (Vec<String>, Vec<(String, bool)>, Vec<String>) {
    let analysis = analyze(&mut c, &RenderOptions::default(), &PolicyOptions::default(), None);
    let place = |span: Span| (c.sources.get(span.source).name.to_string(), span.start, span.end);
    let diagnostics = c
        .diagnostics
        .iter()
        .map(|d| {
            let related: Vec<_> = d.related.iter().map(|l| (place(l.span), &l.message)).collect();
            format!("{:?} {} {} {:?} {related:?}", d.span.map(place), d.code.code, d.message, d.help)
        })
        .collect();
    let mcs = c.inputs.machine_configs.iter().map(|mc| (mc.name().to_string(), mc.valid)).collect();
    let name = |i: usize| c.inputs.machine_configs[i].name().to_string();
    let rendered = analysis.rendered.iter().map(|p| rendered_machine_config(p, &name).to_string()).collect();
    (diagnostics, mcs, rendered)
}

fn load(path: &Utf8Path) -> Compilation {
    load_filtered(&[InputPath::Path(path.to_path_buf())], &InputFilter::default(), &[], &mut || Ok(String::new()))
}

#[test]
fn a_state_loaded_over_another_is_the_state_a_plain_load_makes() {
    let (new_tmp, old_tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (new, old) = (dir(&new_tmp), dir(&old_tmp));
    let same = [
        ("10-a.yaml", mc("10-a", "/etc/a.conf", "420")),
        // A warning (octal under Kubernetes YAML rules) and an error, both kept.
        ("20-b.yaml", mc("20-b", "/etc/b.conf", "0644")),
        ("30-broken.yaml", "kind: MachineConfig\nmetadata: [\n".to_string()),
        ("40-pool.yaml", "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: worker\nspec:\n  machineConfigSelector:\n    matchLabels:\n      machineconfiguration.openshift.io/role: worker\n".to_string()),
    ];
    write(&new, &same);
    write(&old, &same);
    write(
        &new,
        &[("50-c.yaml", mc("50-c", "/etc/c.conf", "420")), ("60-only-new.yaml", mc("60-n", "/etc/n.conf", "420"))],
    );
    // Changed, only old, and a second copy of a shared text (a duplicate name, parsed again).
    write(
        &old,
        &[("50-c.yaml", mc("50-c", "/etc/c.conf", "384")), ("05-only-old.yaml", mc("05-o", "/etc/o.conf", "420"))],
    );
    write(&old, &[("15-copy-of-a.yaml", mc("10-a", "/etc/a.conf", "420"))]);
    let other = load(&new);
    let shared =
        load_sharing(&[InputPath::Path(old.clone())], &InputFilter::default(), &[], &mut || Ok(String::new()), &other);
    let plain = load(&old);
    let (shared, plain) = (seen(shared), seen(plain));
    assert_eq!(shared, plain);
    assert!(plain.0.iter().any(|d| d.contains("15-copy-of-a.yaml") && d.contains("MCC")), "{:#?}", plain.0);
    assert!(plain.0.iter().any(|d| d.contains("30-broken.yaml")), "{:#?}", plain.0);
    assert!(plain.0.iter().all(|d| d.starts_with(old.as_str()) || !d.contains(new.as_str())), "{:#?}", plain.0);
    assert_eq!(plain.1.len(), 5, "{:?}", plain.1);
}

#[test]
fn the_example_states_load_alike_either_way() {
    let root = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("examples");
    for (old, new) in
        [("cluster/before", "cluster/after"), ("cluster/after", "cluster/before"), ("image-mode", "cluster/after")]
    {
        let (old, new) = (root.join(old), root.join(new));
        let shared = load_sharing(
            &[InputPath::Path(old.clone())],
            &InputFilter::default(),
            &[],
            &mut || Ok(String::new()),
            &load(&new),
        );
        assert_eq!(seen(shared), seen(load(&old)), "{old} over {new}");
    }
}

#[test]
fn the_real_corpus_loads_alike_over_a_changed_copy() {
    let corpus = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/real");
    let copy_tmp = tempfile::tempdir().unwrap();
    let copy = dir(&copy_tmp);
    let mut names: Vec<Utf8PathBuf> = corpus.read_dir_utf8().unwrap().map(|e| e.unwrap().into_path()).collect();
    names.sort();
    // Every seventh file changed (a comment line added), every eleventh left out.
    for (i, path) in names.iter().enumerate().filter(|(i, _)| i % 11 != 5) {
        let text = std::fs::read_to_string(path).unwrap();
        let text = if i % 7 == 3 { format!("# changed\n{text}") } else { text };
        std::fs::write(copy.join(path.file_name().unwrap()), text).unwrap();
    }
    for (old, new) in [(&corpus, &copy), (&copy, &corpus)] {
        let shared = load_sharing(
            &[InputPath::Path(old.clone())],
            &InputFilter::default(),
            &[],
            &mut || Ok(String::new()),
            &load(new),
        );
        let plain = seen(load(old));
        assert!(plain.1.len() > 50, "the corpus was read: {:?}", plain.1.len());
        assert_eq!(seen(shared), plain, "{old} over {new}");
    }
}
