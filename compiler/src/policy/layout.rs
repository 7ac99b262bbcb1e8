//! Filesystem layout: where a path really lands on an image-mode node, and which part of the
//! image or the node holds it (`spec/image-mode.md` §1, §10).
//!
//! A layout is written in the policy language (`stdlib/layout/*.mcc`) and lowered into this
//! form. Resolution first follows the layout's compatibility symlinks (on RHCOS `/opt` is
//! `/var/opt`, but `/opt/cni` is `/usr/lib/opt/cni`: the longest link wins), then picks the most
//! specific `place` or `reject` rule for the resolved path.

use crate::glob::glob_matches;
use crate::load::reader::Spanned;
use crate::policy::disruption::Origin;
use crate::policy::layout_index::{LazyIndexes, PatternIndex};
use crate::policy::lint::Condition;
use crate::source::Span;

/// The part of a node a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// The image, read-only on the node (`/usr` and the other immutable top-level directories).
    Image,
    /// The image's `/etc`, 3-way merged on update.
    Etc,
    /// The node's `/var`, never updated from an image.
    Var,
}

impl Place {
    pub fn name(self) -> &'static str {
        match self {
            Place::Image => "image",
            Place::Etc => "etc",
            Place::Var => "var",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkRule {
    /// The path that is a symlink on the node, such as `/opt`.
    pub from: Spanned<String>,
    /// Where it points, absolute, such as `/var/opt`.
    pub to: Spanned<String>,
    pub span: Span,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRule {
    pub pattern: Spanned<String>,
    pub place: Place,
    pub span: Span,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RejectRule {
    pub pattern: Spanned<String>,
    pub reason: Option<Spanned<String>>,
    pub span: Span,
    pub origin: Origin,
}

/// `relocate PATTERN to DIRECTORY [when CONDITION]`: a file the image would hold in `/etc` is
/// baked into `/usr` instead, where its program also reads it and `/etc` still takes precedence
/// by file name. The part of the path below the pattern's literal directory is kept:
/// `/etc/systemd/system/*.d/*.conf` to `/usr/lib/systemd/system/` sends
/// `/etc/systemd/system/a.service.d/10.conf` to `/usr/lib/systemd/system/a.service.d/10.conf`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelocateRule {
    pub pattern: Spanned<String>,
    /// The directory in `/usr`, ending in `/`.
    pub to: Spanned<String>,
    pub when: Option<Condition>,
    pub span: Span,
    pub origin: Origin,
}

impl RelocateRule {
    /// Where `path` (which the pattern matches) goes.
    pub fn destination(&self, path: &str) -> String {
        let literal = &self.pattern.value[..specificity(&self.pattern.value)];
        let base = literal.rfind('/').map_or("", |slash| &literal[..=slash]);
        let rest = path.strip_prefix(base).unwrap_or(path);
        format!("{}/{rest}", self.to.value.trim_end_matches('/'))
    }
}

/// A rule deciding a path's place, or refusing it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision<'l> {
    Place(&'l PlaceRule),
    Reject(&'l RejectRule),
}

impl Decision<'_> {
    pub fn span(&self) -> Span {
        match self {
            Decision::Place(r) => r.span,
            Decision::Reject(r) => r.span,
        }
    }

    fn pattern(&self) -> &str {
        match self {
            Decision::Place(r) => &r.pattern.value,
            Decision::Reject(r) => &r.pattern.value,
        }
    }
}

/// A path after following the layout's links.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'l> {
    pub path: String,
    /// The links followed, in order.
    pub links: Vec<&'l LinkRule>,
}

/// The outcome for one path: where it resolves, the winning rule and the rules it shadowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement<'l> {
    pub resolved: Resolved<'l>,
    pub decision: Option<Decision<'l>>,
    /// Other matching rules, most specific first.
    pub shadowed: Vec<Decision<'l>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub name: String,
    pub links: Vec<LinkRule>,
    pub places: Vec<PlaceRule>,
    pub rejects: Vec<RejectRule>,
    pub relocations: Vec<RelocateRule>,
    /// The rules by literal prefix, for [`Layout::place`] and [`Layout::relocations_for`].
    pub indexes: LazyIndexes,
}

/// Links are followed at most this many times (a layout with a link cycle stops here).
const MAX_LINK_HOPS: usize = 16;

impl Layout {
    /// Follows the longest matching link, repeatedly.
    pub fn resolve(&self, path: &str) -> Resolved<'_> {
        let mut current = path.to_string();
        let mut links = Vec::new();
        let total = self.links.len();
        let index =
            self.indexes.links.get_or_init(|| PatternIndex::of_links(self.links.iter().map(|l| l.from.value.as_str())));
        for _ in 0..MAX_LINK_HOPS {
            let candidates = index.candidates(&current, total);
            let best = candidates
                .into_iter()
                .map(|i| &self.links[i])
                .filter(|l| {
                    current == l.from.value || crate::ignition::validate::is_strictly_under(&current, &l.from.value)
                })
                .max_by_key(|l| l.from.value.len());
            let Some(link) = best else { break };
            current = format!("{}{}", link.to.value.trim_end_matches('/'), &current[link.from.value.len()..]);
            links.push(link);
        }
        Resolved { path: current, links }
    }

    /// Resolves `path` and picks the most specific rule for it: the longest literal prefix of
    /// the pattern wins; on a tie the later rule (site after stdlib, later file, later line).
    pub fn place(&self, path: &str) -> Placement<'_> {
        let resolved = self.resolve(path);
        let mut matching: Vec<(usize, usize, Decision<'_>)> = Vec::new();
        let decision = |i: usize| match self.places.get(i) {
            Some(place) => Decision::Place(place),
            None => Decision::Reject(&self.rejects[i - self.places.len()]),
        };
        let total = self.places.len() + self.rejects.len();
        let index = self.indexes.decisions.get_or_init(|| {
            let places = self.places.iter().map(|r| r.pattern.value.as_str());
            PatternIndex::new(places.chain(self.rejects.iter().map(|r| r.pattern.value.as_str())))
        });
        let candidates = index.candidates(&resolved.path, total);
        let rules = candidates.into_iter().map(decision).filter(|d| glob_matches(d.pattern(), &resolved.path));
        for (order, decision) in rules.enumerate() {
            matching.push((specificity(decision.pattern()), order_key(&decision, order), decision));
        }
        matching.sort_by_key(|m| std::cmp::Reverse((m.0, m.1)));
        let mut decisions = matching.into_iter().map(|(_, _, d)| d);
        Placement { resolved, decision: decisions.next(), shadowed: decisions.collect() }
    }
}

impl Layout {
    /// The `relocate` rules whose pattern matches the resolved `path`, the one that decides
    /// first: the most specific pattern, then the later rule (site after stdlib, later line).
    pub fn relocations_for(&self, path: &str) -> Vec<&RelocateRule> {
        let total = self.relocations.len();
        let index = self
            .indexes
            .relocations
            .get_or_init(|| PatternIndex::new(self.relocations.iter().map(|r| r.pattern.value.as_str())));
        let candidates = index.candidates(path, total);
        let mut matching: Vec<(usize, usize, &RelocateRule)> = candidates
            .into_iter()
            .map(|order| (order, &self.relocations[order]))
            .filter(|(_, r)| glob_matches(&r.pattern.value, path))
            .map(|(order, r)| (specificity(&r.pattern.value), (r.origin as usize) << 32 | order, r))
            .collect();
        matching.sort_by_key(|m| std::cmp::Reverse((m.0, m.1)));
        matching.into_iter().map(|m| m.2).collect()
    }
}

/// Later origins, then later spans, win ties.
fn order_key(decision: &Decision<'_>, order: usize) -> usize {
    let origin = match decision {
        Decision::Place(r) => r.origin,
        Decision::Reject(r) => r.origin,
    };
    (origin as usize) << 32 | order
}

/// The length of the pattern before its first wildcard.
pub fn specificity(pattern: &str) -> usize {
    pattern.find(['*', '?']).unwrap_or(pattern.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, to: &str) -> RelocateRule {
        let span = Span::new(crate::source::Sources::default().add("t.mcc", ""), 0, 0);
        let spanned = |v: &str| Spanned::new(v.to_string(), span);
        RelocateRule { pattern: spanned(pattern), to: spanned(to), when: None, span, origin: Origin::Stdlib }
    }

    #[test]
    fn a_relocation_keeps_the_path_below_the_literal_directory() {
        let units = rule("/etc/systemd/system/*.d/*.conf", "/usr/lib/systemd/system/");
        assert_eq!(
            units.destination("/etc/systemd/system/a.service.d/10.conf"),
            "/usr/lib/systemd/system/a.service.d/10.conf"
        );
        let sysctl = rule("/etc/sysctl.d/*.conf", "/usr/lib/sysctl.d");
        assert_eq!(sysctl.destination("/etc/sysctl.d/99-x.conf"), "/usr/lib/sysctl.d/99-x.conf");
        let one = rule("/etc/foo/bar.conf", "/usr/lib/foo/");
        assert_eq!(one.destination("/etc/foo/bar.conf"), "/usr/lib/foo/bar.conf");
    }

    #[test]
    fn specificity_is_the_literal_prefix() {
        assert!(specificity("/usr/lib/opt/**") > specificity("/usr/**"));
        assert_eq!(specificity("/etc/chrony.conf"), "/etc/chrony.conf".len());
    }
}
