//! Ignition's own validation rules (`config/validate`, `config/v3_x/types`), plus the MCO's one
//! extra rule on file modes, applied to each MachineConfig's config before the merge.

use std::collections::HashMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::content::{self, SourceKind};
use crate::ignition::types::*;
use crate::ignition::unit_syntax;
use crate::load::reader::{Diagnostics, Spanned};
use crate::source::{Sources, Span};

/// Unit types Ignition accepts as a unit name's suffix (`validations.ValidateUnitName`… in
/// `config/shared/validations/unit.go`), the same list as the NDP API's service names.
pub const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".snapshot",
    ".slice",
    ".scope",
];

pub fn validate(config: &Ignition, sources: &Sources, diagnostics: &mut Diagnostics) {
    let minor = config.version.as_ref().and_then(|v| minor_of(&v.value)).unwrap_or(5);
    let mut v = Validator { sources, minor, diagnostics };
    v.storage(config);
    v.units(&config.systemd.units);
    v.passwd(&config.passwd);
    v.kernel_arguments(&config.kernel_arguments);
    v.units_against_paths(config);
}

/// The 3.x minor version, for rules that changed between versions; 2.x configs read as 3.2
/// after conversion but keep 2.2's rules.
fn minor_of(version: &str) -> Option<u8> {
    let mut parts = version.split('.');
    match (parts.next()?, parts.next()?) {
        ("3", minor) => minor.parse().ok(),
        ("2", _) => Some(0),
        _ => None,
    }
}

struct Validator<'a> {
    sources: &'a Sources,
    minor: u8,
    diagnostics: &'a mut Diagnostics,
}

impl Validator<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn storage(&mut self, config: &Ignition) {
        let storage = &config.storage;
        // Files, directories and links share one path namespace (`Storage.MergedKeys` → "Node").
        let mut seen: HashMap<&str, Span> = HashMap::new();
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
        for file in &storage.files {
            self.file(file);
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
        } else if clean(p) != p {
            Some(("path is not fully simplified", format!("write `{}`", clean(p))))
        } else {
            None
        };
        if let Some((message, help)) = problem {
            self.push(Diagnostic::new(&codes::PATH_INVALID, path.span, message).with_help(help));
        }
    }

    fn owner(&mut self, owner: &Owner, what: &str) {
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

    fn file(&mut self, file: &File) {
        if let Some(mode) = &file.mode {
            self.mode(mode, &file.node.path.value, true);
        }
        self.resource(&file.contents);
        for fragment in &file.append {
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

    fn resource(&mut self, resource: &Resource) {
        self.resource_settings(resource);
        // An empty source is a valid URL to Ignition: an empty file.
        let Some(source) = resource.source.as_ref().filter(|s| !s.value.is_empty()) else {
            if let Some(hash) = &resource.hash {
                self.push(Diagnostic::new(
                    &codes::HASH_INVALID,
                    hash.span,
                    "source must be specified if verification is specified",
                ));
            }
            return;
        };
        let scheme = content::source_scheme(&source.value);
        let scheme = scheme.as_deref();
        let hash = resource.hash.as_ref().and_then(|h| self.hash(h));
        match content::classify_source(&source.value) {
            SourceKind::Data => self.data_url(source, resource, hash.as_ref()),
            SourceKind::Remote => {
                let since = match scheme {
                    Some("gs") => 2,
                    Some("arn") => 4,
                    _ => 0,
                };
                if self.minor < since {
                    self.invalid_scheme(
                        source,
                        &format!("the `{}` scheme arrived in spec 3.{since}.0", scheme.unwrap_or_default()),
                    );
                } else {
                    self.push(
                        Diagnostic::new(
                            &codes::REMOTE_SOURCE,
                            source.span,
                            "the contents come from a remote URL and cannot be known offline",
                        )
                        .with_help("inline the contents as a data URL so that mcc can check, place and bake them"),
                    );
                }
            }
            SourceKind::Unknown => {
                self.invalid_scheme(source, "Ignition reads data, http, https, tftp, s3, gs and arn URLs")
            }
        }
    }

    /// Compression and HTTP headers are checked whether or not there is a source.
    fn resource_settings(&mut self, resource: &Resource) {
        self.http_headers(&resource.http_headers);
        let scheme = resource.source.as_ref().and_then(|s| content::source_scheme(&s.value));
        let scheme = scheme.as_deref();
        if !resource.http_headers.is_empty() && !matches!(scheme, Some("http" | "https")) {
            let span = resource.http_headers[0].span;
            self.push(
                Diagnostic::new(&codes::HTTP_HEADERS_NOT_HTTP, span, "cannot use HTTP headers with this source scheme")
                    .with_help("HTTP headers go with an http or https source only"),
            );
        }
        if let Some(compression) = &resource.compression
            && !matches!(compression.value.as_str(), "" | "gzip")
        {
            self.push(
                Diagnostic::new(
                    &codes::COMPRESSION_INVALID,
                    compression.span,
                    format!("invalid compression method `{}`", compression.value),
                )
                .with_help("Ignition knows `gzip`, or no compression"),
            );
        }
    }

    /// Ignition's `HTTPHeaders.Validate`: a non-empty name, a non-empty value when one is given,
    /// and each name once.
    fn http_headers(&mut self, headers: &[Spanned<Json>]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for header in headers {
            let name = header.value.get("name").and_then(Json::as_str).unwrap_or("");
            let value = header.value.get("value");
            let problem = if name.is_empty() {
                Some("HTTP header name can't be empty")
            } else if value.is_some_and(|v| v.as_str() == Some("")) {
                Some("HTTP header value can't be empty")
            } else {
                None
            };
            if let Some(message) = problem {
                self.push(Diagnostic::new(&codes::HTTP_HEADER_INVALID, header.span, message).with_help(
                    "give every header a name and a value, such as `{name: Authorization, value: \"Bearer …\"}`",
                ));
            } else if let Some(first) = seen.insert(name, header.span) {
                self.push(
                    Diagnostic::new(
                        &codes::HTTP_HEADER_INVALID,
                        header.span,
                        format!("duplicate entry defined: HTTP header `{name}`"),
                    )
                    .with_related(first, "first defined here")
                    .with_help("give each header once"),
                );
            }
        }
    }

    fn invalid_scheme(&mut self, source: &Spanned<String>, help: &str) {
        self.push(
            Diagnostic::new(&codes::SOURCE_URL_INVALID, source.span, "invalid url scheme").with_help(help.to_string()),
        );
    }

    fn hash(&mut self, hash: &Spanned<String>) -> Option<content::HashSpec> {
        match content::parse_hash(&hash.value) {
            Ok(content::HashSpec::Sha256(_)) if self.minor < 1 => {
                self.push(
                    Diagnostic::new(&codes::HASH_INVALID, hash.span, "unrecognized hash function")
                        .with_help("sha256 arrived in spec 3.1.0; use sha512 or raise the version"),
                );
                None
            }
            Ok(spec) => Some(spec),
            Err(error) => {
                self.push(
                    Diagnostic::new(&codes::HASH_INVALID, hash.span, error.to_string())
                        .with_help("write `sha512-<128 hex digits>` or `sha256-<64 hex digits>`"),
                );
                None
            }
        }
    }

    /// Decodes a data URL as Ignition does, then decompresses and checks the hash, pointing at
    /// the exact character that does not decode.
    fn data_url(&mut self, source: &Spanned<String>, resource: &Resource, hash: Option<&content::HashSpec>) {
        let decoded = match content::decode_data_url(&source.value) {
            Ok(decoded) => decoded,
            Err(error) => {
                let at = self.value_offset(source.span) + error.offset;
                let span = Span::new(source.span.source, at, (at + 1).min(source.span.end as usize));
                self.push(
                    Diagnostic::new(&codes::DATA_URL_INVALID, span, format!("invalid data URL: {}", error.kind))
                        .with_label("this character")
                        .with_help("percent-encode the payload (space is %20, newline %0A) or use `;base64,`"),
                );
                return;
            }
        };
        let compression = resource.compression.as_ref().map(|c| c.value.as_str());
        if !matches!(compression, None | Some("" | "gzip")) {
            return; // reported as an invalid method
        }
        let bytes = match content::decompress(&decoded.bytes, compression) {
            Ok(bytes) => bytes,
            Err(error) => {
                let span = resource.compression.as_ref().map_or(source.span, |c| c.span);
                self.push(
                    Diagnostic::new(
                        &codes::COMPRESSION_INVALID,
                        span,
                        format!("the contents do not decompress: {error}"),
                    )
                    .with_related(source.span, "these contents"),
                );
                return;
            }
        };
        if let (Some(spec), Some(hash)) = (hash, &resource.hash)
            && let Err(mismatch) = content::verify_hash(spec, &bytes)
        {
            self.push(
                Diagnostic::new(&codes::HASH_MISMATCH, hash.span, mismatch.to_string())
                    .with_related(source.span, "these contents")
                    .with_help("the hash is over the decoded, decompressed bytes; recompute it or fix the contents"),
            );
        }
    }

    /// Where a scalar's value starts inside its span: after the opening quote of a quoted scalar.
    fn value_offset(&self, span: Span) -> usize {
        let text = self.sources.text(span);
        span.start as usize + usize::from(text.starts_with('"') || text.starts_with('\''))
    }

    fn links(&mut self, storage: &Storage) {
        let directories: Vec<&str> = storage.directories.iter().map(|d| d.node.path.value.as_str()).collect();
        let link_paths: Vec<&str> = storage.links.iter().map(|l| l.node.path.value.as_str()).collect();
        for link in &storage.links {
            // 3.3 made the target optional in the schema but required by validation, empty or not.
            match link.target.as_ref().filter(|t| !t.value.is_empty()) {
                None if self.minor >= 3 => self.push(
                    Diagnostic::new(&codes::LINK_TARGET_MISSING, link.node.span, "link target is required")
                        .with_help("add `target:` with the path the link points to"),
                ),
                Some(target)
                    if link.hard.as_ref().is_some_and(|h| h.value) && directories.contains(&target.value.as_str()) =>
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
        // No entry may be written through a link of the same config (`types/storage.go`).
        let entries = storage
            .files
            .iter()
            .map(|f| (&f.node, "file"))
            .chain(storage.directories.iter().map(|d| (&d.node, "directory")))
            .chain(storage.links.iter().map(|l| (&l.node, "link")));
        for (node, kind) in entries {
            if let Some(link) = link_paths.iter().find(|l| is_strictly_under(&node.path.value, l)) {
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

    fn units(&mut self, units: &[Unit]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for unit in units {
            let name = unit.name.value.as_str();
            if !UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                self.push(
                    Diagnostic::new(&codes::UNIT_NAME_INVALID, unit.name.span, "invalid systemd unit extension")
                        .with_help(format!("a unit name ends in one of {}", UNIT_SUFFIXES.join(", "))),
                );
            }
            if let Some(first) = seen.insert(name, unit.name.span) {
                self.push(duplicate(unit.name.span, first, &format!("unit `{name}`")));
            }
            if let Some(contents) = &unit.contents {
                self.unit_contents(contents, name);
                let enabled = unit.enabled.as_ref().is_some_and(|e| e.value);
                if unit_syntax::install_section_warning(enabled, &contents.value) {
                    self.push(
                        Diagnostic::new(
                            &codes::UNIT_ENABLED_NO_INSTALL,
                            contents.span,
                            format!("unit \"{name}\" is enabled, but has no install section so enable does nothing"),
                        )
                        .with_help(
                            "add an [Install] section (such as WantedBy=multi-user.target) or drop `enabled: true`",
                        ),
                    );
                }
            }
            let mut dropins: HashMap<&str, Span> = HashMap::new();
            for dropin in &unit.dropins {
                if !dropin.name.value.ends_with(".conf") {
                    self.push(
                        Diagnostic::new(
                            &codes::DROPIN_NAME_INVALID,
                            dropin.name.span,
                            "invalid systemd drop-in extension",
                        )
                        .with_help("a dropin's name ends in `.conf`"),
                    );
                }
                if let Some(first) = dropins.insert(&dropin.name.value, dropin.name.span) {
                    self.push(duplicate(dropin.name.span, first, &format!("dropin `{}`", dropin.name.value)));
                }
                if let Some(contents) = &dropin.contents {
                    self.unit_contents(contents, &dropin.name.value);
                }
            }
        }
    }

    fn unit_contents(&mut self, contents: &Spanned<String>, name: &str) {
        if let Err(error) = unit_syntax::parse_unit(&contents.value) {
            self.push(
                Diagnostic::new(
                    &codes::UNIT_CONTENTS_INVALID,
                    contents.span,
                    format!("invalid unit content in `{name}`: {}", error.message),
                )
                .with_help("systemd unit files are `[Section]` headers followed by `Key=value` lines"),
            );
        }
    }

    /// A storage entry may not write where a unit or dropin with contents goes (`types/config.go`).
    fn units_against_paths(&mut self, config: &Ignition) {
        let mut unit_paths: HashMap<String, Span> = HashMap::new();
        for unit in &config.systemd.units {
            if unit.contents.is_some() {
                unit_paths.insert(format!("/etc/systemd/system/{}", unit.name.value), unit.name.span);
            }
            for dropin in unit.dropins.iter().filter(|d| d.contents.is_some()) {
                unit_paths.insert(
                    format!("/etc/systemd/system/{}.d/{}", unit.name.value, dropin.name.value),
                    dropin.name.span,
                );
            }
        }
        let storage = &config.storage;
        let paths = storage
            .files
            .iter()
            .map(|f| &f.node.path)
            .chain(storage.directories.iter().map(|d| &d.node.path))
            .chain(storage.links.iter().map(|l| &l.node.path));
        for path in paths {
            if let Some(unit) = unit_paths.get(&path.value) {
                self.push(
                    Diagnostic::new(
                        &codes::PATH_CONFLICTS_WITH_UNIT,
                        path.span,
                        "path conflicts with systemd unit or dropin",
                    )
                    .with_related(*unit, "the unit or dropin written there")
                    .with_help("define the unit under `systemd.units` only"),
                );
            }
        }
    }

    fn passwd(&mut self, passwd: &Passwd) {
        let mut users: HashMap<&str, Span> = HashMap::new();
        for user in &passwd.users {
            if let Some(first) = users.insert(&user.name.value, user.name.span) {
                self.push(duplicate(user.name.span, first, &format!("user `{}`", user.name.value)));
            }
            let mut keys: HashMap<&str, Span> = HashMap::new();
            for key in &user.ssh_authorized_keys {
                if let Some(first) = keys.insert(&key.value, key.span) {
                    self.push(duplicate(key.span, first, "SSH key"));
                }
            }
        }
        let mut groups: HashMap<&str, Span> = HashMap::new();
        for group in &passwd.groups {
            if let Some(first) = groups.insert(&group.name.value, group.name.span) {
                self.push(duplicate(group.name.span, first, &format!("group `{}`", group.name.value)));
            }
        }
    }

    /// `shouldExist` and `shouldNotExist` share one namespace.
    fn kernel_arguments(&mut self, kargs: &KernelArguments) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for arg in kargs.should_exist.iter().chain(&kargs.should_not_exist) {
            if let Some(first) = seen.insert(&arg.value, arg.span) {
                self.push(duplicate(arg.span, first, &format!("kernel argument `{}`", arg.value)));
            }
        }
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

fn duplicate(span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(&codes::DUPLICATE_ENTRY, span, format!("duplicate entry defined: {what}"))
        .with_label("defined again here")
        .with_related(first, "first defined here")
        .with_help("keep one entry")
}

/// True when `path` lies strictly below `dir` (`/a/b` under `/a`, not `/ab`).
pub fn is_strictly_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path.len() > dir.len() + 1 && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// Go's `path.Clean`: the shortest equivalent path by purely lexical processing.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}
