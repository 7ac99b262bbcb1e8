//! `--cluster DUMP`: which files of a cluster dump are read.
//!
//! A dump is either what `oc get machineconfigs,machineconfigpools,controllerconfigs,machineconfigurations -o yaml`
//! prints (a `List`, YAML or JSON: a file, or a directory of such files), or a must-gather
//! directory, of which only the resources mcc models are read.

use camino::{Utf8Path, Utf8PathBuf};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::InputPath;

/// The directory every must-gather keeps cluster-scoped objects in.
pub const MUST_GATHER_ROOT: &str = "cluster-scoped-resources";

/// The must-gather directories mcc reads, below [`MUST_GATHER_ROOT`].
pub const MUST_GATHER_RESOURCES: &[&str] = &[
    "machineconfiguration.openshift.io/machineconfigs",
    "machineconfiguration.openshift.io/machineconfigpools",
    "machineconfiguration.openshift.io/controllerconfigs",
    "operator.openshift.io/machineconfigurations",
];

/// The paths to read for a dump: for a must-gather (the directory holding
/// `cluster-scoped-resources/`, or its parent or grandparent, as `oc adm must-gather` nests it
/// under `must-gather.local.*/<image>/`), its resource directories that exist; otherwise the
/// dump itself. A must-gather is a directory input like any other: a directory of it that is a
/// symlink leading out of the dump is not read (MCC0016, with the diagnostics returned).
pub fn dump_paths(dump: &Utf8Path) -> (Vec<InputPath>, Vec<Diagnostic>) {
    let mut outside = Vec::new();
    let inside = Inside { dump: dump.canonicalize_utf8().ok() };
    let paths = match must_gather_root(dump) {
        // Nothing else of a must-gather is read, so a root leading out of it leaves nothing.
        Some(root) if !inside.keeps(&root, &mut outside) => Vec::new(),
        Some(root) => MUST_GATHER_RESOURCES
            .iter()
            .map(|resource| root.join(resource))
            .filter(|dir| dir.is_dir() && inside.keeps(dir, &mut outside))
            .map(InputPath::Path)
            .collect(),
        None => vec![InputPath::Path(dump.to_path_buf())],
    };
    (paths, outside)
}

/// Whether a directory found in a must-gather really lies inside it.
struct Inside {
    /// The dump's real path.
    dump: Option<Utf8PathBuf>,
}

impl Inside {
    /// Whether `dir` resolves to a directory inside the dump; when it does not, the MCC0016
    /// that says so is added to `outside`.
    fn keeps(&self, dir: &Utf8Path, outside: &mut Vec<Diagnostic>) -> bool {
        let (Some(dump), Ok(target)) = (&self.dump, dir.canonicalize_utf8()) else { return false };
        if target.starts_with(dump) {
            return true;
        }
        outside.push(
            Diagnostic::about_path(
                &codes::SYMLINK_OUTSIDE_INPUT,
                dir.as_str(),
                format!("this directory of the must-gather leads outside it, to {target}; it is not read"),
            )
            .with_help("a must-gather holds its resources itself: copy them into the dump"),
        );
        false
    }
}

fn must_gather_root(dump: &Utf8Path) -> Option<Utf8PathBuf> {
    let direct = dump.join(MUST_GATHER_ROOT);
    if direct.is_dir() {
        return Some(direct);
    }
    let mut levels = vec![dump.to_path_buf()];
    for _ in 0..2 {
        let mut children: Vec<Utf8PathBuf> = levels
            .iter()
            .filter_map(|dir| dir.read_dir_utf8().ok())
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.into_path())
            .collect();
        children.sort();
        if let Some(found) = children.iter().map(|c| c.join(MUST_GATHER_ROOT)).find(|c| c.is_dir()) {
            return Some(found);
        }
        levels = children;
    }
    None
}
