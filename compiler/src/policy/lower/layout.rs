//! Layouts: each block checked on its own, then resolved on demand (the parent's rules, then
//! every block's in order), with the rules that can never apply reported once.

use indexmap::IndexMap;

use super::lint::{lower_condition, lower_condition_quietly};
use super::relocation;
use super::{LayoutDef, Program, check_absolute, closest, is_absolute, quoted_list, repeated};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::{HashMap, HashSet};
use crate::policy::ast::{self, LayoutStatement};
use crate::policy::disruption::Origin;
use crate::policy::layout::{Layout, LinkRule, PlaceRule, RejectRule, RelocateRule};
use crate::policy::layout_index::LazyIndexes;
use crate::source::{Sources, Span};

/// The most ancestors a layout may have through `extends`: the stdlib's deepest has one
/// (`fcos extends rhcos`), a site's a few more.
pub const MAX_EXTENDS_DEPTH: usize = 16;

impl Program {
    pub(super) fn add_layout(
        &mut self,
        block: &ast::LayoutBlock,
        origin: Origin,
        sources: &Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        check_layout_block(block, sources, diagnostics);
        let statements = block.statements.clone();
        match self.layouts.get_mut(&block.name.value) {
            Some(def) => {
                if let Some(parent) = &block.extends {
                    diagnostics.push(
                        Diagnostic::new(
                            &codes::LAYOUT_EXTENDS_INVALID,
                            parent.span,
                            format!(
                                "layout `{}` is already defined, so this block reopens it and cannot extend `{}`",
                                block.name.value, parent.value
                            ),
                        )
                        .with_related(def.name.span, "the first definition")
                        .with_help("only the first definition of a layout says what it extends; drop `extends …` here"),
                    );
                }
                def.parts.push((origin, statements));
            }
            None => {
                self.layouts.insert(
                    block.name.value.clone(),
                    LayoutDef {
                        extends: block.extends.clone(),
                        parts: vec![(origin, statements)],
                        name: block.name.clone(),
                    },
                );
            }
        }
    }

    /// Resolves the layout `name` (its parents first), reporting what cannot be resolved.
    pub fn layout(&mut self, name: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<Layout> {
        let mut found = Vec::new();
        let layout = self.build(name, &mut Vec::new(), &mut found)?;
        self.report(found, diagnostics);
        Some(layout)
    }

    /// Resolves every layout and reports the problems of each: an unknown or cyclic `extends`,
    /// an `unlink` of a missing link, rules that no path can reach, and layouts nothing uses
    /// (`roots` are the layouts a profile selects).
    pub fn check_layouts(&mut self, roots: &[&str], diagnostics: &mut Vec<Diagnostic>) {
        let mut found = Vec::new();
        // For each rule (by its pattern's span): in how many layouts it appears, and in how many
        // of them a link makes it unreachable.
        let mut reach: IndexMap<Span, (usize, usize, Option<Span>)> = IndexMap::new();
        let names: Vec<String> = self.layouts.keys().cloned().collect();
        for name in &names {
            let Some(layout) = self.build(name, &mut Vec::new(), &mut found) else { continue };
            let patterns = layout.places.iter().map(|r| &r.pattern).chain(layout.rejects.iter().map(|r| &r.pattern));
            for pattern in patterns {
                let entry = reach.entry(pattern.span).or_insert((0, 0, None));
                entry.0 += 1;
                if let Some(link) = covering_link(&layout, &pattern.value) {
                    entry.1 += 1;
                    entry.2 = Some(link.span);
                }
            }
        }
        for (span, (present, dead, link)) in reach {
            if present == dead
                && let Some(link) = link
            {
                found.push(
                    Diagnostic::new(
                        &codes::RULE_NEVER_MATCHES,
                        span,
                        "this pattern can never match: a link sends every path it names elsewhere",
                    )
                    .with_related(link, "this link")
                    .with_help(
                        "rules match the path after the links are followed; write the pattern at the link's target",
                    ),
                );
            }
        }
        // A layout that no profile selects, directly or through `extends`.
        let mut used: HashSet<&str> = HashSet::default();
        for root in roots {
            let mut current = Some(*root);
            while let Some(name) = current {
                if !used.insert(name) {
                    break;
                }
                current = self.layouts.get(name).and_then(|d| d.extends.as_ref()).map(|p| p.value.as_str());
            }
        }
        for (name, def) in &self.layouts {
            if !used.contains(name.as_str()) {
                found.push(
                    Diagnostic::new(
                        &codes::RULE_NEVER_MATCHES,
                        def.name.span,
                        format!("layout `{name}` is never used: `--profile` selects {}", quoted_list(roots)),
                    )
                    .with_help(
                        "to change a profile's layout, reopen it with its own name (`layout rhcos { … }`); \
                         `fcos` and `fedora-bootc` extend `rhcos`, so reopening `rhcos` changes all three",
                    ),
                );
            }
        }
        self.report(found, diagnostics);
    }

    /// Whether `name` has more than `limit` ancestors, following `extends` at most `limit + 1`
    /// steps (a cycle shorter than that is left to [`Program::build`] to report as a cycle).
    fn ancestors_beyond(&self, name: &str, limit: usize) -> bool {
        let mut seen: Vec<&str> = vec![name];
        let mut current = name;
        while let Some(parent) = self.layouts.get(current).and_then(|d| d.extends.as_ref()) {
            if seen.contains(&parent.value.as_str()) || !self.layouts.contains_key(&parent.value) {
                return false;
            }
            if seen.len() > limit {
                return true;
            }
            seen.push(&parent.value);
            current = &parent.value;
        }
        false
    }

    fn report(&mut self, found: Vec<Diagnostic>, diagnostics: &mut Vec<Diagnostic>) {
        for d in found {
            if self.reported.insert((d.code.code, d.span, d.message.clone())) {
                diagnostics.push(d);
            }
        }
    }

    fn build(&self, name: &str, chain: &mut Vec<String>, found: &mut Vec<Diagnostic>) -> Option<Layout> {
        let def = self.layouts.get(name)?;
        let mut layout = Layout { name: name.to_string(), ..Layout::default() };
        // A layout is built from its ancestors each time (and `check_layouts` builds every
        // layout), so a chain of n layouts cost n² builds, each recursing n deep: deeper than
        // any real layout is refused, before recursing, and the layout keeps its own rules.
        let too_deep = chain.is_empty() && self.ancestors_beyond(name, MAX_EXTENDS_DEPTH);
        if let Some(parent) = def.extends.as_ref().filter(|_| too_deep) {
            found.push(
                Diagnostic::new(
                    &codes::LAYOUT_EXTENDS_INVALID,
                    parent.span,
                    format!("layout `{name}` has more than {MAX_EXTENDS_DEPTH} ancestors through `extends`"),
                )
                .with_help("real layouts extend one or two others; extend a layout nearer the stdlib's"),
            );
        } else if let Some(parent) = &def.extends {
            chain.push(name.to_string());
            if chain.contains(&parent.value) {
                found.push(
                    Diagnostic::new(
                        &codes::LAYOUT_EXTENDS_INVALID,
                        parent.span,
                        format!("layout `{name}` extends itself through {}", chain.join(" → ")),
                    )
                    .with_help("a layout cannot be its own ancestor; extend a layout that does not extend this one"),
                );
            } else if self.layouts.contains_key(&parent.value) {
                if let Some(base) = self.build(&parent.value, chain, found) {
                    layout.links = base.links;
                    layout.places = base.places;
                    layout.rejects = base.rejects;
                    layout.relocations = base.relocations;
                }
            } else {
                let mut d = Diagnostic::new(
                    &codes::LAYOUT_EXTENDS_INVALID,
                    parent.span,
                    format!("layout `{name}` extends `{}`, which is not defined", parent.value),
                );
                let known: Vec<&str> = self.layouts.keys().map(String::as_str).filter(|k| *k != name).collect();
                d = d.with_help(match closest(&parent.value, &known) {
                    Some(best) => format!("did you mean `{best}`? The layouts defined are {}", quoted_list(&known)),
                    None => format!("the layouts defined are {}", quoted_list(&known)),
                });
                found.push(d);
            }
            chain.pop();
        }
        for (origin, statements) in &def.parts {
            for statement in statements {
                apply(&mut layout, statement, *origin, found);
            }
        }
        Some(layout)
    }
}

/// Checks one layout block on its own: absolute paths, relocations from `/etc` into `/usr`, and
/// rules it repeats.
fn check_layout_block(block: &ast::LayoutBlock, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
    let mut links: HashMap<&str, Span> = HashMap::default();
    let mut patterns: HashMap<&str, Span> = HashMap::default();
    let mut relocated: HashMap<&str, Span> = HashMap::default();
    for statement in &block.statements {
        match statement {
            LayoutStatement::Link { from, to, span } => {
                check_absolute(from, "link path", diagnostics);
                check_absolute(to, "link target", diagnostics);
                if let Some(earlier) = links.insert(&from.value, *span) {
                    diagnostics.push(repeated(earlier, *span, format!("link `{}`", from.value), "the later link wins"));
                }
            }
            LayoutStatement::Unlink { paths, .. } => {
                for path in paths {
                    check_absolute(path, "unlinked path", diagnostics);
                }
            }
            LayoutStatement::Place { patterns: ps, .. } | LayoutStatement::Reject { patterns: ps, .. } => {
                for pattern in ps {
                    check_absolute(pattern, "pattern", diagnostics);
                    if let Some(earlier) = patterns.insert(&pattern.value, pattern.span) {
                        diagnostics.push(repeated(
                            earlier,
                            pattern.span,
                            format!("pattern `{}`", pattern.value),
                            "on equal patterns the later rule wins",
                        ));
                    }
                }
            }
            LayoutStatement::Relocate { patterns: ps, to, when, .. } => {
                for pattern in ps {
                    check_absolute(pattern, "pattern", diagnostics);
                    relocation::check_source(pattern, diagnostics);
                    if let Some(earlier) = relocated.insert(&pattern.value, pattern.span) {
                        diagnostics.push(repeated(
                            earlier,
                            pattern.span,
                            format!("relocated pattern `{}`", pattern.value),
                            "on equal patterns the later rule wins",
                        ));
                    }
                }
                check_absolute(to, "relocation directory", diagnostics);
                relocation::check_destination(to, diagnostics);
                if let Some(when) = when {
                    lower_condition(when, sources, diagnostics);
                }
            }
        }
    }
}

fn apply(layout: &mut Layout, statement: &LayoutStatement, origin: Origin, found: &mut Vec<Diagnostic>) {
    // A relocation's check places its destination in the layout so far: rules added after it
    // must not be missed by the indexes that made.
    layout.indexes = LazyIndexes::default();
    match statement {
        LayoutStatement::Link { from, to, span } => {
            if is_absolute(&from.value) && is_absolute(&to.value) {
                layout.links.push(LinkRule { from: from.clone(), to: to.clone(), span: *span, origin });
            }
        }
        LayoutStatement::Unlink { paths, .. } => {
            for path in paths.iter().filter(|p| is_absolute(&p.value)) {
                let before = layout.links.len();
                layout.links.retain(|l| l.from.value != path.value);
                if layout.links.len() == before {
                    let mut d = Diagnostic::new(
                        &codes::UNLINK_UNKNOWN,
                        path.span,
                        format!("layout `{}` has no link at `{}` to remove", layout.name, path.value),
                    );
                    let froms: Vec<&str> = layout.links.iter().map(|l| l.from.value.as_str()).collect();
                    d = d.with_help(match closest(&path.value, &froms) {
                        Some(best) => {
                            format!("did you mean `{best}`? The links at this point are {}", quoted_list(&froms))
                        }
                        None if froms.is_empty() => "the layout has no links at this point".to_string(),
                        None => format!("the links at this point are {}", quoted_list(&froms)),
                    });
                    found.push(d);
                }
            }
        }
        LayoutStatement::Place { patterns, place, span } => {
            for pattern in patterns.iter().filter(|p| is_absolute(&p.value)) {
                layout.places.push(PlaceRule { pattern: pattern.clone(), place: place.value, span: *span, origin });
            }
        }
        LayoutStatement::Reject { patterns, reason, span } => {
            for pattern in patterns.iter().filter(|p| is_absolute(&p.value)) {
                layout.rejects.push(RejectRule {
                    pattern: pattern.clone(),
                    reason: reason.clone(),
                    span: *span,
                    origin,
                });
            }
        }
        LayoutStatement::Relocate { patterns, to, when, span } => {
            if !relocation::destination_is_valid(&to.value) {
                return;
            }
            if let Some(found_here) = relocation::check_lands_in_image(layout, to) {
                found.push(found_here);
                return;
            }
            let when = when.as_ref().map(lower_condition_quietly);
            for pattern in patterns.iter().filter(|p| relocation::source_is_valid(&p.value)) {
                layout.relocations.push(RelocateRule {
                    pattern: pattern.clone(),
                    to: to.clone(),
                    when: when.clone(),
                    span: *span,
                    origin,
                });
            }
        }
    }
}

/// The link that sends every path `pattern` can match elsewhere: one whose `from` is the
/// pattern's literal directory or one of its ancestors.
fn covering_link<'l>(layout: &'l Layout, pattern: &str) -> Option<&'l LinkRule> {
    let literal = match pattern.find(['*', '?']) {
        // `/opt/**` names `/opt` itself too; `/opt/x*` only paths below `/opt`.
        Some(i) => pattern[..i].trim_end_matches(|c| c != '/').trim_end_matches('/'),
        None => pattern,
    };
    layout
        .links
        .iter()
        .find(|l| literal == l.from.value || crate::ignition::validate::is_strictly_under(literal, &l.from.value))
}
