//! Stage 5, classify: where every rendered entry goes on an image-mode node, and why.
//!
//! Each entry gets exactly one [`Placement`] for the chosen [`Target`]:
//! - `image`: baked into the derived image under `/usr` (and kernel type, extensions, kernel
//!   arguments under bootc as `kargs.d`);
//! - `etc`: baked into the image's `/etc`;
//! - `var`: written on the node, because the path is or resolves into `/var`;
//! - `rebootless`: written on the node with its Node Disruption Policy actions, because its policy
//!   has no Reboot (baking it would turn a reload into a rebuild and a reboot);
//! - `reject`: a path no node can hold.
//!
//! Under `legacy` (today's non-layered MCO) everything is applied on the node; the placement is
//! still computed, for reporting.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, SshKeyRule, UnitRule};
use crate::policy::layout::{Decision, Layout};
use crate::policy::placement::{Placement, Target};
use crate::source::Span;

/// The disruption rule a change to an entry matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DisruptionMatch<'p> {
    File(&'p FileRule),
    Unit(&'p UnitRule),
    SshKey(&'p SshKeyRule),
    /// The MCO's default for `passwd` changes when no rule is given: `[None]`.
    SshKeyDefault,
    /// Always a reboot, whatever any policy says (OS image, kernel arguments, extensions, kernel
    /// type, FIPS: `spec/mco.md` §4.3 step 3).
    AlwaysReboot,
    /// No rule matches: a change reboots (`spec/mco.md` §4.3 step 5).
    Unmatched,
}

impl DisruptionMatch<'_> {
    /// The actions a change to the entry implies.
    pub fn actions(&self) -> Vec<Action> {
        let of = |actions: &[crate::load::reader::Spanned<Action>]| actions.iter().map(|a| a.value.clone()).collect();
        match self {
            DisruptionMatch::File(r) => of(&r.actions),
            DisruptionMatch::Unit(r) => of(&r.actions),
            DisruptionMatch::SshKey(r) => of(&r.actions),
            DisruptionMatch::SshKeyDefault => vec![Action::None],
            DisruptionMatch::AlwaysReboot | DisruptionMatch::Unmatched => vec![Action::Reboot],
        }
    }

    pub fn reboots(&self) -> bool {
        self.actions().contains(&Action::Reboot)
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            DisruptionMatch::File(r) => Some(r.span),
            DisruptionMatch::Unit(r) => Some(r.span),
            DisruptionMatch::SshKey(r) => Some(r.span),
            _ => None,
        }
    }
}

/// What a rendered entry is, for classification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A file, directory or link, by its path as written.
    Path(String),
    /// A unit file, written to `/etc/systemd/system/<name>`.
    Unit(String),
    /// A dropin, written to `/etc/systemd/system/<unit>.d/<name>`; its changes count under the unit.
    Dropin {
        unit: String,
        name: String,
    },
    /// SSH keys or the password hash of a user.
    Passwd(String),
    KernelArguments,
    Extensions,
    KernelType,
    OsImage,
    Fips,
}

impl Subject {
    /// Where Ignition (and the MCO) writes the entry.
    pub fn path(&self) -> Option<String> {
        match self {
            Subject::Path(p) => Some(p.clone()),
            Subject::Unit(name) => Some(format!("/etc/systemd/system/{name}")),
            Subject::Dropin { unit, name } => Some(format!("/etc/systemd/system/{unit}.d/{name}")),
            _ => None,
        }
    }
}

/// The decision for one entry and everything that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified<'p> {
    pub placement: Placement,
    /// Applied on the node rather than baked (always under `legacy`; kernel arguments under
    /// `rpm-ostree`; `var`, `rebootless` and `reject` everywhere).
    pub node_side: bool,
    /// The path after following the layout's links, when it has one.
    pub resolved_path: Option<String>,
    /// The layout rule that placed it, and the ones it shadowed.
    pub layout_rule: Option<Decision<'p>>,
    pub shadowed: Vec<Decision<'p>>,
    pub disruption: DisruptionMatch<'p>,
    /// Set when image mode overrides a rebootless policy (the path is read-only on the node).
    pub note: Option<String>,
}

/// Classifies one entry; `note` in the result says when image mode overrode a rebootless policy.
pub fn classify<'p>(
    subject: &Subject,
    layout: &'p Layout,
    policy: &'p DisruptionPolicy,
    target: Target,
) -> Classified<'p> {
    let disruption = disruption_of(subject, policy);
    let Some(path) = subject.path() else {
        let placement = match subject {
            Subject::Passwd(_) => Placement::Rebootless,
            _ => Placement::Image,
        };
        // SSH keys and the password hash always go node-side; kernel arguments too under
        // rpm-ostree, which does not read kargs.d.
        let node_side = matches!(
            (subject, target),
            (_, Target::Legacy) | (Subject::Passwd(_), _) | (Subject::KernelArguments, Target::RpmOstree)
        );
        return Classified {
            placement,
            node_side,
            resolved_path: None,
            layout_rule: None,
            shadowed: Vec::new(),
            disruption,
            note: None,
        };
    };
    let placed = layout.place(&path);
    let mut note = None;
    let placement = match placed.decision {
        None => Placement::Reject,
        Some(Decision::Reject(_)) => Placement::Reject,
        Some(Decision::Place(rule)) => {
            let base = Placement::from_place(rule.place);
            let rebootless = !disruption.reboots() && !matches!(disruption, DisruptionMatch::Unmatched);
            match (base, rebootless) {
                (Placement::Etc, true) => Placement::Rebootless,
                (Placement::Image, true) => {
                    note = Some(format!(
                        "its disruption policy ({}) is rebootless, but `{}` is read-only on image-mode nodes, so it is baked into the image and a change rebuilds and reboots",
                        disruption.actions().iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                        placed.resolved.path
                    ));
                    Placement::Image
                }
                (base, _) => base,
            }
        }
    };
    let node_side =
        target == Target::Legacy || matches!(placement, Placement::Var | Placement::Rebootless | Placement::Reject);
    Classified {
        placement,
        node_side,
        resolved_path: Some(placed.resolved.path.clone()),
        layout_rule: placed.decision,
        shadowed: placed.shadowed,
        disruption,
        note,
    }
}

/// The rule a change matches, with the MCO's semantics: a dropin counts under its unit.
pub fn disruption_of<'p>(subject: &Subject, policy: &'p DisruptionPolicy) -> DisruptionMatch<'p> {
    match subject {
        Subject::Path(path) => policy.match_file(path).map_or(DisruptionMatch::Unmatched, DisruptionMatch::File),
        Subject::Unit(name) | Subject::Dropin { unit: name, .. } => {
            policy.match_unit(name).map_or(DisruptionMatch::Unmatched, DisruptionMatch::Unit)
        }
        Subject::Passwd(_) => policy.sshkey.as_ref().map_or(DisruptionMatch::SshKeyDefault, DisruptionMatch::SshKey),
        Subject::KernelArguments | Subject::Extensions | Subject::KernelType | Subject::OsImage | Subject::Fips => {
            DisruptionMatch::AlwaysReboot
        }
    }
}

/// The diagnostic for a rebootless policy overridden by image mode.
pub fn read_only_rebootless(span: Span, subject: &Subject, note: &str) -> Diagnostic {
    let name = subject.path().unwrap_or_default();
    Diagnostic::new(
        &codes::REBOOTLESS_ON_IMAGE_PATH,
        span,
        format!("`{name}` has a rebootless policy but is read-only on image-mode nodes"),
    )
    .with_help(format!("{note}; write it under /etc instead, or accept the reboot"))
}
