//! The import graph of the compiler's top-level modules, read from the source: no cycles, and no
//! arrow from a stage back to an earlier one. Test code (files declared under `#[cfg(test)]`,
//! inline `#[cfg(test)]` modules and items) may import from anywhere and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages in data-flow order. A module may import from its own stage and earlier ones; the
/// first row is the vocabulary every stage shares. A new top-level module must be placed here.
const STAGES: &[(&str, &[&str])] = &[
    ("shared vocabulary", &["source", "codes", "diagnostic", "glob", "hash"]),
    ("load", &["load"]),
    ("model", &["ignition", "model"]),
    ("render", &["render"]),
    ("policy", &["policy"]),
    ("graph", &["classify", "graph", "facts", "relocate"]),
    ("session", &["session"]),
    ("lints", &["lints"]),
    ("explain, plan, compile", &["explain", "plan", "compile"]),
    ("checks", &["checks", "suppress"]),
    ("output", &["emit"]),
    ("driver", &["driver", "hostile_input", "shared_load"]),
];

/// The crate root: only the facade for code outside the crate, never imported from inside.
const ROOT: &str = "crate root";

type Edges = BTreeMap<String, BTreeSet<String>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn imports_run_one_way_without_cycles() {
    let modules = top_level_modules(&std::fs::read_to_string(src_dir().join("lib.rs")).unwrap());
    let unplaced: Vec<&String> = modules.iter().filter(|m| stage_of(m).is_none()).collect();
    assert!(unplaced.is_empty(), "modules without a stage in STAGES: {unplaced:?}");
    let edges = import_graph(&src_dir(), &modules);
    assert!(edges.len() > 10, "the import graph was not read: {edges:?}");
    let problems = violations(&edges);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Maps and sets hash with `crate::hash`'s hasher (see there why), never std's SipHash default.
#[test]
fn hash_maps_come_from_the_hash_module() {
    let mut files = vec![src_dir().join("lib.rs")];
    let mut offenders = Vec::new();
    while let Some(file) = files.pop() {
        let text = std::fs::read_to_string(&file).unwrap();
        files.extend(child_files(&file, &text));
        let std_map = ["collections::HashMap", "collections::HashSet", "collections::{"]
            .iter()
            .any(|spelling| text.lines().any(|l| l.contains(spelling) && l.contains("Hash")));
        if std_map && !file.ends_with("hash.rs") {
            offenders.push(file.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "std's HashMap or HashSet in {offenders:?}: use crate::hash");
}

#[test]
fn a_back_edge_is_reported() {
    let edges = edges_of(&[("classify", "policy"), ("policy", "classify")]);
    let problems = violations(&edges);
    assert!(problems.iter().any(|p| p == "policy (stage policy) imports from classify (stage graph)"), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("cycle: ")), "{problems:?}");
}

#[test]
fn a_cycle_within_a_stage_is_reported() {
    let edges = edges_of(&[("model", "ignition"), ("ignition", "model"), ("render", "model")]);
    assert_eq!(violations(&edges), ["cycle: ignition -> model -> ignition"]);
}

#[test]
fn importing_from_the_crate_root_is_reported() {
    let edges = edges_of(&[("plan", ROOT)]);
    assert_eq!(violations(&edges), ["plan imports from the crate root: name the module instead"]);
}

#[test]
fn imports_are_read_from_paths_braces_and_super() {
    let modules: BTreeSet<String> = ["codes", "diagnostic", "graph", "plan", "policy"].map(String::from).into();
    let text = "use crate::codes;\nuse crate::{diagnostic::Diagnostic, graph::{self, Node}};\n\
                use super::policy::Layout;\n// crate::plan in a comment\nfn f() { crate::Analysis::new(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::plan::PoolPlan;\n}\n";
    let found = imports(text, &["checks".to_string()], &modules);
    assert_eq!(found, ["codes", "diagnostic", "graph", "policy", ROOT].map(String::from).into());
}

fn edges_of(pairs: &[(&str, &str)]) -> Edges {
    let mut edges = Edges::new();
    for (from, to) in pairs {
        edges.entry(from.to_string()).or_default().insert(to.to_string());
    }
    edges
}

fn stage_of(module: &str) -> Option<usize> {
    STAGES.iter().position(|(_, modules)| modules.contains(&module))
}

/// Every arrow into the crate root or back to an earlier stage, then every cycle.
fn violations(edges: &Edges) -> Vec<String> {
    let mut problems = Vec::new();
    for (from, targets) in edges {
        for to in targets {
            if to == ROOT {
                problems.push(format!("{from} imports from the crate root: name the module instead"));
            } else if let (Some(a), Some(b)) = (stage_of(from), stage_of(to))
                && b > a
            {
                problems.push(format!("{from} (stage {}) imports from {to} (stage {})", STAGES[a].0, STAGES[b].0));
            }
        }
    }
    problems.extend(cycles(edges).into_iter().map(|cycle| format!("cycle: {}", cycle.join(" -> "))));
    problems
}

/// One cycle through each module that can reach itself, found by depth-first search, each
/// reported once (starting at its smallest module).
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    fn path_back(edges: &Edges, start: &str, at: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        for next in edges.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if path_back(edges, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut found: Vec<Vec<String>> = Vec::new();
    for start in edges.keys() {
        let mut path = vec![start.clone()];
        if path_back(edges, start, start, &mut path, &mut BTreeSet::new()) {
            let members: BTreeSet<&String> = path.iter().collect();
            if members.iter().next() == Some(&start)
                && !found.iter().any(|c| c.iter().collect::<BTreeSet<_>>() == members)
            {
                found.push(path);
            }
        }
    }
    found
}

/// The modules `lib.rs` declares, test-only ones left out.
fn top_level_modules(lib: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = lib.lines().collect();
    let mut modules = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = declared_module(line)
            && !under_cfg_test(&lines, i)
        {
            modules.insert(name.to_string());
        }
    }
    modules
}

/// Whether the item on line `i` has `#[cfg(test)]` among the attributes right above it.
fn under_cfg_test(lines: &[&str], i: usize) -> bool {
    lines[..i].iter().rev().map(|l| l.trim()).take_while(|l| l.starts_with("#[")).any(|l| l == "#[cfg(test)]")
}

/// `NAME` of a line `[pub[(crate)]] mod NAME;`.
fn declared_module(line: &str) -> Option<&str> {
    let rest = line.trim().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
    rest.strip_prefix("mod ")?.strip_suffix(';')
}

/// Which top-level modules import from which, over every non-test source file.
fn import_graph(src: &Path, modules: &BTreeSet<String>) -> Edges {
    let mut edges = Edges::new();
    let mut files = vec![src.join("lib.rs")];
    while let Some(file) = files.pop() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let path = module_path(src, &file);
        files.extend(child_files(&file, &text));
        if let Some(top) = path.first() {
            let mut found = imports(&text, &path, modules);
            found.remove(top);
            edges.entry(top.clone()).or_default().extend(found);
        }
    }
    edges
}

/// The module path of a file: `plan/decide.rs` is `[plan, decide]`, `plan/mod.rs` is `[plan]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = relative.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
        path.pop();
    }
    path
}

/// The files of the non-test modules a file declares.
fn child_files(file: &Path, text: &str) -> Vec<PathBuf> {
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("lib.rs" | "mod.rs") => file.parent().unwrap().to_path_buf(),
        _ => file.with_extension(""),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut children = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = declared_module(line)
            && !under_cfg_test(&lines, i)
        {
            let flat = dir.join(format!("{name}.rs"));
            children.push(if flat.exists() { flat } else { dir.join(name).join("mod.rs") });
        }
    }
    children
}

/// The top-level modules a file's code names through `crate::` or `super::` paths (the crate
/// root itself as [`ROOT`]), leaving out comments and test code.
fn imports(text: &str, path: &[String], modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = without_tests_and_comments(text);
    let mut found = BTreeSet::new();
    let name_at = |rest: &str, found: &mut BTreeSet<String>| {
        for name in first_segments(rest) {
            found.insert(if modules.contains(&name) { name } else { ROOT.to_string() });
        }
    };
    for (i, _) in code.match_indices("crate::") {
        if !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            name_at(&code[i + "crate::".len()..], &mut found);
        }
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") || code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut rest = &code[i..];
        let mut levels = 0;
        while let Some(after) = rest.strip_prefix("super::") {
            levels += 1;
            rest = after;
        }
        // Only a path that climbs out of its top-level module reaches another one.
        if levels == path.len() {
            name_at(rest, &mut found);
        }
    }
    found
}

/// The first segment of a path, or of each path in a `{…}` group.
fn first_segments(rest: &str) -> Vec<String> {
    let identifier = |s: &str| s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let Some(group) = rest.strip_prefix('{') else {
        return vec![identifier(rest)];
    };
    let mut names = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                names.push(identifier(&group[start..i]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(identifier(&group[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    names.into_iter().filter(|n: &String| !n.is_empty() && n != "self").collect()
}

/// The code without `//` comments and `#[cfg(test)]` items: a one-line item, or a block up to
/// its closing `}` at the item's own indentation (as rustfmt writes it).
fn without_tests_and_comments(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            let item = lines.next().unwrap_or("");
            if item.trim_end().ends_with('{') {
                let close = format!("{}}}", &item[..item.len() - item.trim_start().len()]);
                lines.by_ref().take_while(|l| *l != close).for_each(drop);
            }
            continue;
        }
        code.push_str(line.split("//").next().unwrap_or(""));
        code.push('\n');
    }
    code
}
