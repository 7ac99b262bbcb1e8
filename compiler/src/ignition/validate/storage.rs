//! Ignition's rules on storage entries: paths, owners, file and directory modes (with the MCO's
//! extra rule on file modes), overwrite, and links.

use std::sync::Arc;

use super::{Validator, clean, is_clean_absolute};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::{HashMap, HashSet};
use crate::ignition::types::*;
use crate::load::reader::Spanned;
use crate::source::Span;

impl Validator<'_> {
    pub(super) fn storage(&mut self, config: &mut Ignition) {
        let storage = &mut config.storage;
        // Files, directories and links share one path namespace (`Storage.MergedKeys` → "Node").
        let mut seen: HashMap<&str, Span> = HashMap::default();
        let nodes = storage
            .directories
            .iter()
            .map(|d| &d.node)
            .chain(storage.files.iter().map(|f| &f.node))
            .chain(storage.links.iter().map(|l| &l.node));
        for node in nodes {
            self.path(&node.path);
            self.owner(&node.user, "user");
            self.owner(&node.group, "group");
            if node.path.value.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(node.path.value.as_str()) {
                self.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_ENTRY,
                        node.path.span,
                        format!("duplicate entry defined: `{}`", node.path.value),
                    )
                    .with_label("defined again here")
                    .with_related(*first, "first defined here")
                    .with_help("files, directories and links share one path namespace; keep one entry"),
                );
            } else {
                seen.insert(&node.path.value, node.path.span);
            }
        }
        // Each file is still the MachineConfig's own while it is read: no copy is made.
        for file in &mut storage.files {
            self.file(Arc::make_mut(file));
        }
        for directory in &storage.directories {
            if let Some(mode) = &directory.mode {
                self.mode(mode, &directory.node.path.value, false);
            }
        }
        self.links(storage);
    }

    /// `path not specified`, `path not absolute`, `path is not fully simplified` (`types/path.go`).
    fn path(&mut self, path: &Spanned<String>) {
        let p = path.value.as_str();
        let problem = if p.is_empty() {
            Some(("path not specified", "give the absolute path of the entry".to_string()))
        } else if !p.starts_with('/') {
            Some(("path not absolute", format!("write `/{p}`")))
        } else if !is_clean_absolute(p) {
            Some(("path is not fully simplified", format!("write `{}`", clean(p))))
        } else {
            None
        };
        if let Some((message, help)) = problem {
            self.push(Diagnostic::new(&codes::PATH_INVALID, path.span, message).with_help(help));
        }
    }

    fn owner(&mut self, owner: &Owner, what: &str) {
        if let Some(id) = &owner.id {
            self.id(id.clone(), &format!("{what} id"));
        }
        if let (Some(id), Some(name)) = (&owner.id, &owner.name) {
            self.push(
                Diagnostic::new(
                    &codes::OWNER_ID_AND_NAME,
                    id.span.to(name.span),
                    format!("cannot set both id and name of the {what}"),
                )
                .with_help("keep the numeric id (it can be baked into an image) or the name, not both"),
            );
        }
    }

    fn file(&mut self, file: &mut File) {
        if let Some(mode) = &file.mode {
            self.mode(mode, &file.node.path.value, true);
        }
        self.resource(&mut file.contents);
        for fragment in &mut file.append {
            self.resource(fragment);
        }
        if let Some(overwrite) = file.node.overwrite.as_ref().filter(|o| o.value)
            && file.contents.source.is_none()
        {
            self.push(
                Diagnostic::new(
                    &codes::OVERWRITE_WITHOUT_SOURCE,
                    overwrite.span,
                    "overwrite must be false if source is unspecified",
                )
                .with_help("give `contents.source` (an empty file is `data:,`) or drop `overwrite`"),
            );
        }
    }

    /// Ignition: 0…07777 (`illegal file mode`); the MCO: no file above 0777
    /// (`validateIgn3FileModes`). Directories keep Ignition's warning only.
    fn mode(&mut self, mode: &Spanned<i64>, path: &str, is_file: bool) {
        let m = mode.value;
        if !(0..=0o7777).contains(&m) {
            self.push(
                Diagnostic::new(&codes::MODE_INVALID, mode.span, format!("illegal file mode {m}"))
                    .with_help("modes are decimal numbers in JSON: 0644 is 420, 0755 is 493"),
            );
        } else if m & 0o7000 != 0 && is_file {
            self.push(
                Diagnostic::new(
                    &codes::MODE_SPECIAL_BITS,
                    mode.span,
                    format!("invalid mode 0{m:o} for {path}, cannot exceed 0777"),
                )
                .with_label(format!("{m} is {m:#o}"))
                .with_help(mode_help(m)),
            );
        } else if m & 0o7000 != 0 {
            self.push(
                Diagnostic::new(
                    &codes::SPECIAL_MODE_IGNORED,
                    mode.span,
                    format!("mode {m:#o} sets setuid, setgid or sticky bits"),
                )
                .with_help("Ignition ignores these bits before spec 3.6; set them with a tmpfiles.d line instead"),
            );
        }
    }

    fn links(&mut self, storage: &Storage) {
        // Sets and maps built once, so each entry is one look-up, not a scan of every other.
        let directories: HashSet<&str> = storage.directories.iter().map(|d| d.node.path.value.as_str()).collect();
        let links = LinkIndex::new(&storage.links);
        for link in &storage.links {
            // 3.3 made the target optional in the schema but required by validation, empty or not.
            match link.target.as_ref().filter(|t| !t.value.is_empty()) {
                None if self.minor >= 3 => self.push(
                    Diagnostic::new(&codes::LINK_TARGET_MISSING, link.node.span, "link target is required")
                        .with_help("add `target:` with the path the link points to"),
                ),
                Some(target)
                    if link.hard.as_ref().is_some_and(|h| h.value) && directories.contains(target.value.as_str()) =>
                {
                    self.push(Diagnostic::new(
                        &codes::HARD_LINK_TO_DIRECTORY,
                        target.span,
                        "hard link target is a directory",
                    ))
                }
                _ => {}
            }
        }
        if links.is_empty() {
            return;
        }
        // No entry may be written through a link of the same config (`types/storage.go`).
        let entries = storage
            .files
            .iter()
            .map(|f| (&f.node, "file"))
            .chain(storage.directories.iter().map(|d| (&d.node, "directory")))
            .chain(storage.links.iter().map(|l| (&l.node, "link")));
        for (node, kind) in entries {
            if let Some(link) = links.first_above(&node.path.value) {
                self.push(
                    Diagnostic::new(
                        &codes::PATH_THROUGH_LINK,
                        node.path.span,
                        format!("{kind} path includes link in config"),
                    )
                    .with_label(format!("`{link}` is a link of this config"))
                    .with_help("write the entry at the link's target instead"),
                );
            }
        }
    }
}

/// The links of a config by their path less its trailing `/`s (what
/// [`is_strictly_under`](super::is_strictly_under) compares), as a tree of path components: a
/// path's every ancestor is then found in one walk down its components, costing its length
/// however many links or `/`s there are (a look-up per ancestor would hash each prefix again).
struct LinkIndex<'s> {
    /// A node's child by component; node 0 is the root, before the first component.
    children: HashMap<(usize, &'s str), usize>,
    /// By node: the first link in the config's order whose path ends there, its order and path.
    links: Vec<Option<(usize, &'s str)>>,
}

impl<'s> LinkIndex<'s> {
    fn new(links: &'s [Arc<Link>]) -> Self {
        let mut index = LinkIndex { children: HashMap::default(), links: vec![None] };
        for (order, link) in links.iter().enumerate() {
            let path = link.node.path.value.as_str();
            let mut node = 0;
            for component in path.trim_end_matches('/').split('/') {
                let next = index.links.len();
                node = *index.children.entry((node, component)).or_insert(next);
                if node == next {
                    index.links.push(None);
                }
            }
            index.links[node].get_or_insert((order, path));
        }
        index
    }

    fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// The first link in the config's order that `path` lies strictly under, as a scan of every
    /// link with `is_strictly_under` finds it: `path` lies strictly under `dir` exactly when
    /// `dir` is `path` cut before one of its `/`s that has a byte after it.
    fn first_above(&self, path: &str) -> Option<&'s str> {
        let mut node = 0;
        let mut end = 0;
        let mut first: Option<(usize, &'s str)> = None;
        for component in path.split('/') {
            end += component.len();
            let Some(&child) = self.children.get(&(node, component)) else { break };
            node = child;
            // `path[..end]` is this node's path; a `/` follows it, then at least one byte.
            if end + 1 < path.len()
                && let Some(link) = self.links[node]
                && first.is_none_or(|(order, _)| link.0 < order)
            {
                first = Some(link);
            }
            end += 1;
        }
        first.map(|(_, link)| link)
    }
}

/// A mode such as 664 was almost certainly meant as octal 0664 (decimal 436): say so.
fn mode_help(mode: i64) -> String {
    let digits = mode.to_string();
    if (3..=4).contains(&digits.len()) && digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let meant = i64::from_str_radix(&digits, 8).unwrap_or(mode);
        format!("`{mode}` is decimal in JSON; if you meant octal 0{digits}, write `{meant}` (or `0o{digits}` in YAML)")
    } else {
        format!("the MCO refuses setuid, setgid and sticky bits; use 0{:o}", mode & 0o777)
    }
}
