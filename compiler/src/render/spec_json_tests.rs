//! The streamed spec is byte for byte the serialised `emit::spec`: over every pool the real
//! corpus and the examples render, so the rendered names and source digests never change.

use camino::Utf8Path;

use super::SpecJson;
use crate::driver::{analyze, load};
use crate::load::InputPath;
use crate::render::RenderOptions;
use crate::render::emit;
use crate::session::PolicyOptions;

/// Every rendered pool of the state at `path`, its spec both ways; how many pools there were.
fn compare(path: &Utf8Path) -> usize {
    let mut c = load(&[InputPath::Path(path.to_path_buf())], &[], &mut || Ok(String::new()));
    let analysis = analyze(&mut c, &RenderOptions::default(), &PolicyOptions::default(), None);
    for pool in &analysis.rendered {
        let built = serde_json::to_string(&emit::spec(pool)).unwrap();
        let streamed = serde_json::to_string(&SpecJson(pool)).unwrap();
        assert!(built == streamed, "{path}, pool {}:\n{built}\n{streamed}", pool.pool.name());
    }
    analysis.rendered.len()
}

#[test]
fn the_streamed_spec_is_the_serialised_value_on_the_examples_and_the_corpus() {
    let root = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut pools = 0;
    for example in ["cluster/before", "cluster/after", "cluster-dump", "image-mode", "relocate"] {
        pools += compare(&root.join("examples").join(example));
    }
    // The corpus one file at a time: files that clash on a path would hide each other's entries.
    let corpus = root.join("../shared/corpus/real");
    let mut files: Vec<_> = corpus.read_dir_utf8().unwrap().map(|e| e.unwrap().into_path()).collect();
    files.sort();
    files.retain(|f| f.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    assert!(files.len() > 50, "the corpus was read: {}", files.len());
    for file in &files {
        pools += compare(file);
    }
    assert!(pools > 50, "pools rendered: {pools}");
}
