//! Where an entry goes on an image-mode node ([`Placement`]) and how nodes are updated
//! ([`Target`]): the vocabulary of the layout policies, which the classification stage applies.

use crate::policy::layout::Place;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Target {
    /// bootc-managed image-mode nodes (the default).
    #[default]
    Bootc,
    RpmOstree,
    Legacy,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Bootc => "bootc",
            Target::RpmOstree => "rpm-ostree",
            Target::Legacy => "legacy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    Image,
    Etc,
    Var,
    Rebootless,
    Reject,
}

impl Placement {
    pub const ALL: [Placement; 5] =
        [Placement::Image, Placement::Etc, Placement::Var, Placement::Rebootless, Placement::Reject];

    pub fn from_name(name: &str) -> Option<Placement> {
        Placement::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Placement::Image => "image",
            Placement::Etc => "etc",
            Placement::Var => "var",
            Placement::Rebootless => "rebootless",
            Placement::Reject => "reject",
        }
    }

    pub(crate) fn from_place(place: Place) -> Self {
        match place {
            Place::Image => Placement::Image,
            Place::Etc => Placement::Etc,
            Place::Var => Placement::Var,
        }
    }
}

/// Which `/etc` files the layout's `relocate` rules move into `/usr` (`--relocate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RelocationMode {
    /// Nothing: every file is baked at the path its MachineConfig names, as the MCO writes it today.
    #[default]
    None,
    /// What the MCO's own generated MachineConfigs write (annotation
    /// `machineconfiguration.openshift.io/generated-by-controller-version`) and nobody overrides.
    Mco,
    /// Every file a rule covers, the user's MachineConfigs' too.
    All,
}

impl RelocationMode {
    pub const ALL: [RelocationMode; 3] = [RelocationMode::None, RelocationMode::Mco, RelocationMode::All];

    pub fn name(self) -> &'static str {
        match self {
            RelocationMode::None => "none",
            RelocationMode::Mco => "mco",
            RelocationMode::All => "all",
        }
    }
}

impl std::str::FromStr for RelocationMode {
    type Err = String;

    fn from_str(s: &str) -> Result<RelocationMode, String> {
        RelocationMode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown relocation mode `{s}`: the modes are `none`, `mco` and `all`"))
    }
}
