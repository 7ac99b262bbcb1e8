//! Lints: a site's (or the stdlib's) rules about entries, each with a stable code, a severity,
//! a message, an optional help and a condition on the entry's facts.
//!
//! Written in the policy language as
//! `lint MCC6001 warning "world-writable file" { when file and mode has 0o002  help "…" }` and
//! lowered into [`Lint`]. The stage that classifies entries describes each one as [`EntryFacts`]
//! and asks every enabled lint whether it [`matches`](Lint::matches).
//!
//! A test on a fact the entry does not have is false (`mode has 0o002` on a unit, `size > 0` on
//! a file whose size is unknown), so `not` of it is true.

use std::fmt;

use crate::diagnostic::Severity;
use crate::glob::glob_matches;
use crate::load::reader::Spanned;
use crate::policy::disruption::Origin;
use crate::source::Span;

/// What an entry of a MachineConfig is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Directory,
    Link,
    Unit,
    Dropin,
    User,
    KernelArgument,
    Extension,
    KernelType,
    OsImage,
    Fips,
}

impl EntryKind {
    pub const ALL: [EntryKind; 11] = [
        EntryKind::File,
        EntryKind::Directory,
        EntryKind::Link,
        EntryKind::Unit,
        EntryKind::Dropin,
        EntryKind::User,
        EntryKind::KernelArgument,
        EntryKind::Extension,
        EntryKind::KernelType,
        EntryKind::OsImage,
        EntryKind::Fips,
    ];

    /// The policy language's word for it.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Directory => "directory",
            EntryKind::Link => "link",
            EntryKind::Unit => "unit",
            EntryKind::Dropin => "dropin",
            EntryKind::User => "user",
            EntryKind::KernelArgument => "kernel-argument",
            EntryKind::Extension => "extension",
            EntryKind::KernelType => "kernel-type",
            EntryKind::OsImage => "os-image",
            EntryKind::Fips => "fips",
        }
    }

    pub fn from_name(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Where an entry ends up (the classification stage's placements).
pub use crate::policy::placement::Placement;

/// `==`, `!=`, `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }

    pub fn from_symbol(symbol: &str) -> Option<Comparison> {
        Some(match symbol {
            "==" => Comparison::Eq,
            "!=" => Comparison::Ne,
            "<" => Comparison::Lt,
            "<=" => Comparison::Le,
            ">" => Comparison::Gt,
            ">=" => Comparison::Ge,
            _ => return None,
        })
    }

    pub fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Ne => left != right,
            Comparison::Lt => left < right,
            Comparison::Le => left <= right,
            Comparison::Gt => left > right,
            Comparison::Ge => left >= right,
        }
    }
}

/// A lint's severity, or `off` for a lint a site has turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LintLevel {
    Off,
    Info,
    Warning,
    Error,
}

impl LintLevel {
    pub fn name(self) -> &'static str {
        match self {
            LintLevel::Off => "off",
            LintLevel::Info => "info",
            LintLevel::Warning => "warning",
            LintLevel::Error => "error",
        }
    }

    pub fn from_name(name: &str) -> Option<LintLevel> {
        Some(match name {
            "off" => LintLevel::Off,
            "info" => LintLevel::Info,
            "warning" => LintLevel::Warning,
            "error" => LintLevel::Error,
            _ => return None,
        })
    }

    /// The diagnostic severity, `None` when the lint is off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            LintLevel::Off => None,
            LintLevel::Info => Some(Severity::Info),
            LintLevel::Warning => Some(Severity::Warning),
            LintLevel::Error => Some(Severity::Error),
        }
    }
}

/// A file's, directory's or link's owner (or group), as far as it is known: Ignition gives a
/// name or an id; the stage building the facts fills in both when it knows them (an unset owner
/// is `root`, id 0).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    pub name: Option<String>,
    pub id: Option<u32>,
}

impl Owner {
    pub fn named(name: &str) -> Owner {
        Owner { name: Some(name.to_string()), id: None }
    }

    pub fn id(id: u32) -> Owner {
        Owner { name: None, id: Some(id) }
    }

    /// `owner root` matches the name (a glob); `owner 0` (all digits) the id.
    fn matches(&self, pattern: &str) -> bool {
        if !pattern.is_empty()
            && pattern.bytes().all(|b| b.is_ascii_digit())
            && let Ok(id) = pattern.parse::<u32>()
            && self.id == Some(id)
        {
            return true;
        }
        self.name.as_deref().is_some_and(|name| glob_matches(pattern, name))
    }
}

/// What a lint may test about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFacts {
    pub kind: EntryKind,
    /// Where it is written: the path of a file, directory or link; the unit or dropin file's path.
    pub path: Option<String>,
    /// The unit, dropin or user name, the kernel argument, extension, kernel type or image URL.
    pub name: Option<String>,
    pub mode: Option<u32>,
    pub user: Option<Owner>,
    pub group: Option<Owner>,
    /// The decoded size of a file's contents, when known offline.
    pub size: Option<u64>,
    pub placement: Option<Placement>,
    pub pool: Option<String>,
    /// The MachineConfigs that define the entry (several when a later one overrides fields).
    pub sources: Vec<String>,
    /// It stays in `/etc` although a `relocate` rule of the layout could safely move it into
    /// `/usr` (only `--relocate` kept it there).
    pub relocatable: bool,
}

impl EntryFacts {
    /// Facts with only a kind; set the other fields directly.
    pub fn new(kind: EntryKind) -> EntryFacts {
        EntryFacts {
            kind,
            path: None,
            name: None,
            mode: None,
            user: None,
            group: None,
            size: None,
            placement: None,
            pool: None,
            sources: Vec::new(),
            relocatable: false,
        }
    }
}

/// A lint condition, lowered from the syntax tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Kind(EntryKind),
    /// A glob on the path (`*` and `?` stop at `/`, `**` does not).
    Path(String),
    /// A glob on the name.
    Name(String),
    /// Some bit of the mask is set.
    ModeHas(u32),
    Mode(Comparison, u32),
    Size(Comparison, u64),
    /// A name glob or a numeric id.
    Owner(String),
    Group(String),
    Placement(Placement),
    /// A glob on the pool name.
    Pool(String),
    /// A glob on any of the source MachineConfig names.
    Source(String),
    /// A `relocate` rule could move it out of `/etc`.
    Relocatable,
}

impl Condition {
    pub fn matches(&self, facts: &EntryFacts) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.matches(facts)),
            Condition::Any(cs) => cs.iter().any(|c| c.matches(facts)),
            Condition::Not(c) => !c.matches(facts),
            Condition::Kind(kind) => facts.kind == *kind,
            Condition::Path(glob) => facts.path.as_deref().is_some_and(|p| glob_matches(glob, p)),
            Condition::Name(glob) => facts.name.as_deref().is_some_and(|n| glob_matches(glob, n)),
            Condition::ModeHas(mask) => facts.mode.is_some_and(|m| m & mask != 0),
            Condition::Mode(op, value) => facts.mode.is_some_and(|m| op.holds(u64::from(m), u64::from(*value))),
            Condition::Size(op, value) => facts.size.is_some_and(|s| op.holds(s, *value)),
            Condition::Owner(pattern) => facts.user.as_ref().is_some_and(|o| o.matches(pattern)),
            Condition::Group(pattern) => facts.group.as_ref().is_some_and(|o| o.matches(pattern)),
            Condition::Placement(p) => facts.placement == Some(*p),
            Condition::Pool(glob) => facts.pool.as_deref().is_some_and(|p| glob_matches(glob, p)),
            Condition::Source(glob) => facts.sources.iter().any(|s| glob_matches(glob, s)),
            Condition::Relocatable => facts.relocatable,
        }
    }

    /// A glob the entry's path must match for the condition to be true, when there is one:
    /// the condition's own `path` test, or the first one among the conjuncts of an `all` (its
    /// nested `all`s included). `any`, `not` and the other tests give none: a condition may hold
    /// without its path matching. The lints are indexed by it ([`super::lint_index`]).
    pub fn required_path(&self) -> Option<&str> {
        self.required(&|c| if let Condition::Path(glob) = c { Some(glob) } else { None })
    }

    /// Likewise, a glob the entry's name must match: a `name` test or an `all`'s first one.
    pub fn required_name(&self) -> Option<&str> {
        self.required(&|c| if let Condition::Name(glob) = c { Some(glob) } else { None })
    }

    /// Likewise, a glob one of the MachineConfigs that define the entry must match: a `source`
    /// test or an `all`'s first one.
    pub fn required_source(&self) -> Option<&str> {
        self.required(&|c| if let Condition::Source(glob) = c { Some(glob) } else { None })
    }

    /// Likewise, a glob the entry's pool must match: a `pool` test or an `all`'s first one.
    pub fn required_pool(&self) -> Option<&str> {
        self.required(&|c| if let Condition::Pool(glob) = c { Some(glob) } else { None })
    }

    /// The first test `pick` takes, of the condition itself or among an `all`'s conjuncts.
    fn required<'c>(&'c self, pick: &dyn Fn(&'c Condition) -> Option<&'c str>) -> Option<&'c str> {
        match self {
            Condition::All(cs) => cs.iter().find_map(|c| c.required(pick)),
            other => pick(other),
        }
    }

    /// The kinds of entry for which the condition can be true (a superset: `not` of anything
    /// but a kind test is taken as possible for every kind). Empty means it never matches.
    pub fn possible_kinds(&self) -> KindSet {
        match self {
            Condition::All(cs) => cs.iter().fold(KindSet::ALL, |acc, c| acc.and(c.possible_kinds())),
            Condition::Any(cs) => cs.iter().fold(KindSet::NONE, |acc, c| acc.or(c.possible_kinds())),
            Condition::Not(inner) => match inner.as_ref() {
                Condition::Kind(k) => KindSet::ALL.without(*k),
                _ => KindSet::ALL,
            },
            Condition::Kind(k) => KindSet::of(&[*k]),
            Condition::Path(_) => KindSet::WITH_PATH,
            Condition::ModeHas(0) => KindSet::NONE,
            Condition::ModeHas(_) | Condition::Mode(..) => KindSet::WITH_MODE,
            Condition::Size(..) => KindSet::of(&[EntryKind::File]),
            Condition::Owner(_) | Condition::Group(_) => KindSet::WITH_OWNER,
            Condition::Name(_) => KindSet::WITH_NAME,
            Condition::Placement(_) | Condition::Pool(_) | Condition::Source(_) => KindSet::ALL,
            Condition::Relocatable => KindSet::WITH_PATH,
        }
    }
}

/// A set of entry kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindSet(u16);

impl KindSet {
    pub const NONE: KindSet = KindSet(0);
    pub const ALL: KindSet = KindSet((1 << EntryKind::ALL.len()) - 1);
    /// Kinds written at a path: files, directories, links, units and dropins.
    pub const WITH_PATH: KindSet =
        KindSet::of(&[EntryKind::File, EntryKind::Directory, EntryKind::Link, EntryKind::Unit, EntryKind::Dropin]);
    /// Kinds with a mode: files and directories (Ignition links have none).
    pub const WITH_MODE: KindSet = KindSet::of(&[EntryKind::File, EntryKind::Directory]);
    pub const WITH_OWNER: KindSet = KindSet::of(&[EntryKind::File, EntryKind::Directory, EntryKind::Link]);
    pub const WITH_NAME: KindSet = KindSet::of(&[
        EntryKind::Unit,
        EntryKind::Dropin,
        EntryKind::User,
        EntryKind::KernelArgument,
        EntryKind::Extension,
        EntryKind::KernelType,
        EntryKind::OsImage,
    ]);

    pub const fn of(kinds: &[EntryKind]) -> KindSet {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << (kinds[i] as u16);
            i += 1;
        }
        KindSet(bits)
    }

    pub fn and(self, other: KindSet) -> KindSet {
        KindSet(self.0 & other.0)
    }

    pub fn or(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    pub fn without(self, kind: EntryKind) -> KindSet {
        KindSet(self.0 & !kind.bit())
    }

    pub fn contains(self, kind: EntryKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for KindSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = EntryKind::ALL.into_iter().filter(|k| self.contains(*k)).map(EntryKind::name).collect();
        f.write_str(&names.join(", "))
    }
}

/// One lint, as the stdlib or a site defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    /// `MCC6001`, `SITE0001`: letters then four digits.
    pub code: Spanned<String>,
    /// Where the severity was last set (a site may change it with `lint CODE error`).
    pub level: Spanned<LintLevel>,
    pub message: Spanned<String>,
    pub help: Option<Spanned<String>>,
    pub condition: Condition,
    /// The whole definition.
    pub span: Span,
    pub origin: Origin,
}

impl Lint {
    pub fn matches(&self, facts: &EntryFacts) -> bool {
        self.condition.matches(facts)
    }

    /// The severity of its findings, `None` when it is off.
    pub fn severity(&self) -> Option<Severity> {
        self.level.value.severity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mode: u32) -> EntryFacts {
        EntryFacts { path: Some(path.into()), mode: Some(mode), ..EntryFacts::new(EntryKind::File) }
    }

    #[test]
    fn conditions_test_the_facts() {
        let world_writable = Condition::All(vec![Condition::Kind(EntryKind::File), Condition::ModeHas(0o002)]);
        assert!(world_writable.matches(&file("/etc/a", 0o666)));
        assert!(!world_writable.matches(&file("/etc/a", 0o644)));
        assert!(!world_writable.matches(&EntryFacts::new(EntryKind::Unit)), "a unit has no mode");

        let mut facts = file("/etc/ssh/sshd_config.d/10.conf", 0o600);
        facts.user = Some(Owner { name: Some("root".into()), id: Some(0) });
        facts.size = Some(2048);
        facts.placement = Some(Placement::Etc);
        facts.pool = Some("infra".into());
        facts.sources = vec!["99-worker-ssh".into(), "50-infra-ssh".into()];
        assert!(Condition::Path("/etc/ssh/**".into()).matches(&facts));
        assert!(!Condition::Path("/etc/*".into()).matches(&facts));
        assert!(Condition::Owner("root".into()).matches(&facts));
        assert!(Condition::Owner("0".into()).matches(&facts));
        assert!(!Condition::Group("0".into()).matches(&facts), "no group fact: false");
        assert!(Condition::Not(Box::new(Condition::Group("0".into()))).matches(&facts));
        assert!(Condition::Size(Comparison::Gt, 1024).matches(&facts));
        assert!(!Condition::Size(Comparison::Lt, 2048).matches(&facts));
        assert!(Condition::Mode(Comparison::Eq, 0o600).matches(&facts));
        assert!(Condition::Placement(Placement::Etc).matches(&facts));
        assert!(Condition::Pool("inf*".into()).matches(&facts));
        assert!(Condition::Source("50-*".into()).matches(&facts));
        assert!(!Condition::Source("00-*".into()).matches(&facts));
        assert!(
            Condition::Any(vec![Condition::Kind(EntryKind::Unit), Condition::Kind(EntryKind::File)]).matches(&facts)
        );
    }

    #[test]
    fn possible_kinds_find_conditions_that_never_match() {
        let both = Condition::All(vec![Condition::Kind(EntryKind::File), Condition::Kind(EntryKind::Unit)]);
        assert!(both.possible_kinds().is_empty());
        let unit_mode = Condition::All(vec![Condition::Kind(EntryKind::Unit), Condition::ModeHas(0o002)]);
        assert!(unit_mode.possible_kinds().is_empty());
        let not_file_size = Condition::All(vec![
            Condition::Not(Box::new(Condition::Kind(EntryKind::File))),
            Condition::Size(Comparison::Gt, 1),
        ]);
        assert!(not_file_size.possible_kinds().is_empty());
        let either = Condition::Any(vec![Condition::Kind(EntryKind::File), Condition::Kind(EntryKind::Unit)]);
        assert_eq!(either.possible_kinds().to_string(), "file, unit");
    }
}
