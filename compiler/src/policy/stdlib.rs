//! The stdlib: mcc's own knowledge, written in the policy language and embedded in the binary,
//! and the site policy files that extend or override it.
//!
//! - `stdlib/layout/{rhcos,fcos,fedora-bootc}.mcc`: the filesystem layouts, one per
//!   [`Profile`] (`--profile`, default `rhcos`), and `stdlib/layout/relocate.mcc`, the `relocate`
//!   rules every profile inherits from `rhcos`;
//! - `stdlib/disruption/ocp-4.{16,17,18,22}.mcc`: the MCO's cluster-default Node Disruption
//!   Policy of each OpenShift release that changed it, picked by [`OcpVersion`]
//!   (`--ocp-version`, default the newest);
//! - `stdlib/lints.mcc`: the default lints (codes MCC6001–MCC6999).
//!
//! # Precedence
//!
//! Files are read in this order, and each later file extends or overrides the earlier ones:
//! the stdlib, then the site files of each input directory's `.mcc/` (by file name, see
//! [`crate::load::site::site_files`]), then every `--policy FILE` in command-line order; the inputs'
//! `MachineConfiguration` merges over the result last. Within that order:
//!
//! - **layout**: a `layout NAME { … }` block for a layout already defined adds its rules after
//!   the earlier ones. Links: the longest matching link wins, and of two links at one path the
//!   later. Place and reject rules: the most specific pattern (longest literal prefix) wins; on
//!   a tie a site rule beats a stdlib rule, and then the later rule the earlier.
//! - **disruption**: each site `disruption` block merges over the defaults exactly as a
//!   `MachineConfiguration` does ([`DisruptionPolicy::merge`]): a rule for the same path or
//!   unit replaces the default in place, others are appended, `sshkey` replaces the default.
//!   Matching then takes the longest policy path, the first in list order on a tie.
//! - **lints**: a lint with a code already defined replaces that definition; `lint CODE
//!   SEVERITY` changes only its severity (`off` turns it off).

use camino::Utf8PathBuf;

use crate::diagnostic::Diagnostic;
use crate::policy::disruption::{DisruptionPolicy, Origin};
use crate::policy::layout::Layout;
use crate::policy::lint::Lint;
use crate::policy::lower::Program;
use crate::policy::parse;
use crate::source::{SourceId, Sources};

/// The entries of a stdlib list file (`base-units.txt`, `node-written.txt`): each line's first
/// word and the rest of it, comments and blank lines skipped.
pub(crate) fn list_entries(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines().filter_map(|line| {
        let line = line.split_once('#').map_or(line, |(before, _)| before).trim();
        if line.is_empty() {
            return None;
        }
        Some(line.split_once(char::is_whitespace).map_or((line, ""), |(name, rest)| (name, rest.trim())))
    })
}

const RHCOS: &str = include_str!("../../../stdlib/layout/rhcos.mcc");
const FCOS: &str = include_str!("../../../stdlib/layout/fcos.mcc");
const FEDORA_BOOTC: &str = include_str!("../../../stdlib/layout/fedora-bootc.mcc");
const RELOCATE: &str = include_str!("../../../stdlib/layout/relocate.mcc");
const OCP_4_16: &str = include_str!("../../../stdlib/disruption/ocp-4.16.mcc");
const OCP_4_17: &str = include_str!("../../../stdlib/disruption/ocp-4.17.mcc");
const OCP_4_18: &str = include_str!("../../../stdlib/disruption/ocp-4.18.mcc");
const OCP_4_22: &str = include_str!("../../../stdlib/disruption/ocp-4.22.mcc");
const LINTS: &str = include_str!("../../../stdlib/lints.mcc");
/// The table `mcc plan --suggest` proposes Node Disruption Policy rules from.
pub const NDP_SUGGESTIONS: &str = include_str!("../../../stdlib/ndp-suggestions.txt");

/// Every embedded stdlib file: its name (as diagnostics show it) and its text.
pub const FILES: &[(&str, &str)] = &[
    ("stdlib/layout/rhcos.mcc", RHCOS),
    ("stdlib/layout/fcos.mcc", FCOS),
    ("stdlib/layout/fedora-bootc.mcc", FEDORA_BOOTC),
    ("stdlib/layout/relocate.mcc", RELOCATE),
    ("stdlib/disruption/ocp-4.16.mcc", OCP_4_16),
    ("stdlib/disruption/ocp-4.17.mcc", OCP_4_17),
    ("stdlib/disruption/ocp-4.18.mcc", OCP_4_18),
    ("stdlib/disruption/ocp-4.22.mcc", OCP_4_22),
    ("stdlib/lints.mcc", LINTS),
];

/// The base image family, which decides the filesystem layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Profile {
    /// Red Hat Enterprise Linux CoreOS (`/opt`, `/usr/local` link into `/var`; `/opt/cni` into
    /// `/usr/lib/opt/cni`).
    #[default]
    Rhcos,
    /// Fedora CoreOS: RHCOS's layout without OpenShift's `/opt/cni` link.
    Fcos,
    /// fedora-bootc and centos-bootc: real, immutable `/opt` and `/usr/local`.
    FedoraBootc,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Rhcos, Profile::Fcos, Profile::FedoraBootc];

    /// The `--profile` value, which is also the name of its layout.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Rhcos => "rhcos",
            Profile::Fcos => "fcos",
            Profile::FedoraBootc => "fedora-bootc",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}`: the profiles are `rhcos`, `fcos` and `fedora-bootc`"))
    }
}

/// An OpenShift release, `MAJOR.MINOR`: it picks the cluster-default Node Disruption Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OcpVersion {
    pub major: u32,
    pub minor: u32,
}

impl OcpVersion {
    /// The first release with a Node Disruption Policy.
    pub const OLDEST: OcpVersion = OcpVersion { major: 4, minor: 16 };
    /// The release of the newest defaults file; later releases use it too.
    pub const NEWEST: OcpVersion = OcpVersion { major: 4, minor: 22 };

    /// `4.18`, `4.18.3` (the patch is ignored) or `v4.18`.
    pub fn parse(text: &str) -> Result<OcpVersion, String> {
        let bad = || format!("`{text}` is not an OpenShift version such as `4.18`");
        let trimmed = text.trim().trim_start_matches('v');
        let mut parts = trimmed.split('.');
        let number = |p: Option<&str>| p.filter(|p| !p.is_empty()).and_then(|p| p.parse::<u32>().ok());
        let major = number(parts.next()).ok_or_else(bad)?;
        let minor = number(parts.next()).ok_or_else(bad)?;
        match parts.next() {
            None => {}
            Some(patch) if number(Some(patch)).is_some() && parts.next().is_none() => {}
            Some(_) => return Err(bad()),
        }
        let version = OcpVersion { major, minor };
        if version < OcpVersion::OLDEST {
            return Err(format!(
                "OpenShift {version} has no Node Disruption Policy: it arrived in {}; every change reboots",
                OcpVersion::OLDEST
            ));
        }
        Ok(version)
    }

    /// The stdlib file with this release's defaults: the newest release at or before it that
    /// changed them.
    pub fn defaults_file(self) -> &'static str {
        match (self.major, self.minor) {
            (4, 16) => "stdlib/disruption/ocp-4.16.mcc",
            (4, 17) => "stdlib/disruption/ocp-4.17.mcc",
            (4, 18..=21) => "stdlib/disruption/ocp-4.18.mcc",
            _ if self < OcpVersion::OLDEST => "stdlib/disruption/ocp-4.16.mcc",
            _ => "stdlib/disruption/ocp-4.22.mcc",
        }
    }
}

impl Default for OcpVersion {
    fn default() -> OcpVersion {
        OcpVersion::NEWEST
    }
}

impl std::fmt::Display for OcpVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for OcpVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<OcpVersion, String> {
        OcpVersion::parse(s)
    }
}

/// Every policy in force: the stdlib for a profile and a release, then the site files.
#[derive(Debug, Clone)]
pub struct Policies {
    pub profile: Profile,
    pub ocp: OcpVersion,
    /// The profile's layout, resolved (`extends` and `unlink` applied).
    pub layout: Layout,
    /// The release's defaults with every site `disruption` block merged over them.
    pub disruption: DisruptionPolicy,
    /// Every lint, those turned `off` included (see [`Policies::enabled_lints`]).
    pub lints: Vec<Lint>,
    program: Program,
}

/// Loads the stdlib for `profile` and `ocp`. Its files are added to `sources` so that
/// diagnostics and `mcc explain` can point into them; the stdlib has no diagnostics of its own
/// (a test makes sure), so any here would be a bug in mcc.
pub fn load(profile: Profile, ocp: OcpVersion, sources: &mut Sources, diagnostics: &mut Vec<Diagnostic>) -> Policies {
    let mut program = Program::default();
    let defaults = ocp.defaults_file();
    for (name, text) in FILES {
        let is_disruption = name.starts_with("stdlib/disruption/");
        if is_disruption && *name != defaults {
            continue;
        }
        add(&mut program, name, text, Origin::Stdlib, sources, diagnostics);
    }
    let mut policies = Policies {
        profile,
        ocp,
        layout: Layout::default(),
        disruption: DisruptionPolicy::default(),
        lints: Vec::new(),
        program,
    };
    policies.refresh(diagnostics);
    policies
}

fn add(
    program: &mut Program,
    name: &str,
    text: &str,
    origin: Origin,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> SourceId {
    let id = sources.add(name, text);
    // Parse the text as stored, so that spans index into it.
    let text = sources.get(id).text.clone();
    if let Some(file) = parse::parse(id, &text, diagnostics) {
        program.add(&file, origin, sources, diagnostics);
    }
    id
}

impl Policies {
    /// Reads a site policy file after everything read so far: it extends or overrides the
    /// stdlib and the earlier site files (see the module documentation). Returns the file's
    /// id in `sources`.
    pub fn load_site(
        &mut self,
        name: impl Into<Utf8PathBuf>,
        text: &str,
        sources: &mut Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> SourceId {
        let name: Utf8PathBuf = name.into();
        let id = add(&mut self.program, name.as_str(), text, Origin::SitePolicy, sources, diagnostics);
        self.refresh(diagnostics);
        id
    }

    /// The lints that are not `off`.
    pub fn enabled_lints(&self) -> impl Iterator<Item = &Lint> {
        self.lints.iter().filter(|l| l.severity().is_some())
    }

    /// The lint with a code, if any file defines it.
    pub fn lint(&self, code: &str) -> Option<&Lint> {
        self.lints.iter().find(|l| l.code.value == code)
    }

    /// A page for `mcc explain CODE` when `CODE` is a lint (lint codes live in policy files, not
    /// in the diagnostic registry): its summary line in the registry's format, its severity and
    /// where it is defined, the comment written just above it, and its definition as written.
    pub fn lint_page(&self, code: &str, sources: &Sources) -> Option<String> {
        let lint = self.lints.iter().find(|l| l.code.value.eq_ignore_ascii_case(code))?;
        let file = sources.get(lint.span.source);
        let (line, _) = file.line_col(lint.span.start as usize);
        let before = &file.text[..lint.span.start as usize];
        let mut comment: Vec<&str> = before
            .lines()
            .rev()
            // The part of the lint's own line before it is no comment line.
            .skip(usize::from(!before.is_empty() && !before.ends_with('\n')))
            .map(str::trim)
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim())
            .collect();
        comment.reverse();
        let mut page = format!(
            "# {}: {}\n\nSeverity: {} (lint defined in {}:{line}).\n",
            lint.code.value,
            lint.message.value,
            lint.level.value.name(),
            file.name
        );
        if !comment.is_empty() {
            page.push('\n');
            page.push_str(&comment.join("\n"));
            page.push('\n');
        }
        page.push_str(&format!("\n## Definition\n```\n{}\n```\n", sources.text(lint.span)));
        if let Some(help) = &lint.help {
            page.push_str(&format!("\n## Fix\n{}\n", help.value));
        }
        Some(page)
    }

    fn refresh(&mut self, diagnostics: &mut Vec<Diagnostic>) {
        let roots: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        self.program.check_layouts(&roots, diagnostics);
        self.layout = self.program.layout(self.profile.name(), diagnostics).unwrap_or_default();
        self.disruption = self.program.disruption.clone();
        self.lints = self.program.lints().to_vec();
    }
}

#[cfg(test)]
#[path = "stdlib_tests.rs"]
mod tests;
