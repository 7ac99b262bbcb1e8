//! Semantic checks, and lowering of policy files into the models: [`Layout`],
//! [`DisruptionPolicy`] and [`Lint`].
//!
//! A [`Program`] takes files one at a time, in precedence order (the stdlib first, then each
//! site file), so that every later file extends or overrides the earlier ones:
//!
//! - **layouts**: a `layout` block whose name is already defined reopens it; its rules come after
//!   the earlier ones. Only the first definition may say `extends`. A layout is resolved (the
//!   parent's rules, then its own blocks' in order, `unlink` removing a link) when asked for.
//! - **disruption**: every block is merged over what came before exactly as the MCO merges a
//!   `MachineConfiguration` over its defaults ([`DisruptionPolicy::merge`]).
//! - **lints**: a lint whose code is already defined replaces that definition in place; the
//!   short form `lint CODE SEVERITY` only changes its severity.
//!
//! Every problem is a diagnostic; a rule with an error is left out of the model (or keeps its
//! valid actions), so one mistake never hides the next.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::load::reader::Spanned;
use crate::policy::ast::{self, ActionExpr, ConditionKind, Item, LayoutStatement, Target};
use crate::policy::disruption::{Action, DisruptionPolicy, FileRule, Origin, SshKeyRule, UnitRule};
use crate::policy::layout::{Layout, LinkRule, PlaceRule, RejectRule};
use crate::policy::lint::{Comparison, Condition, EntryKind, KindSet, Lint};
use crate::policy::ndp;
use crate::source::{Sources, Span};

/// The only path whose changes the MCO handles with the status-only `Special` action.
pub const REGISTRIES_CONF: &str = "/etc/containers/registries.conf";

/// The verbs of the language, with the API's type names (for suggestions).
const VERBS: [(&str, &str); 7] = [
    ("reboot", "Reboot"),
    ("drain", "Drain"),
    ("reload", "Reload"),
    ("restart", "Restart"),
    ("daemon-reload", "DaemonReload"),
    ("none", "None"),
    ("special", "Special"),
];

/// Policy files lowered so far.
#[derive(Debug, Clone, Default)]
pub struct Program {
    layouts: IndexMap<String, LayoutDef>,
    /// Every disruption block merged so far, in precedence order.
    pub disruption: DisruptionPolicy,
    /// Every lint, in definition order (an override keeps the first definition's place).
    pub lints: Vec<Lint>,
    /// Resolution diagnostics already given, so that resolving again never repeats one.
    reported: HashSet<(&'static str, Option<Span>, String)>,
}

#[derive(Debug, Clone)]
struct LayoutDef {
    extends: Option<Spanned<String>>,
    /// Each block's statements, in the order the blocks were read.
    parts: Vec<(Origin, Vec<LayoutStatement>)>,
    /// The name of the first definition.
    name: Spanned<String>,
}

impl Program {
    /// Checks one parsed file and adds it after everything read so far.
    pub fn add(&mut self, file: &ast::File, origin: Origin, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
        let mut lint_codes: HashMap<String, Span> = HashMap::new();
        for item in &file.items {
            match item {
                Item::Layout(block) => self.add_layout(block, origin, diagnostics),
                Item::Disruption(block) => {
                    let policy = lower_disruption(block, origin, diagnostics);
                    self.disruption.merge(policy);
                }
                Item::Lint(block) => self.add_lint(block, origin, &mut lint_codes, sources, diagnostics),
            }
        }
    }

    /// The names of every layout defined, in definition order.
    #[cfg(test)]
    pub fn layout_names(&self) -> impl Iterator<Item = &str> {
        self.layouts.keys().map(String::as_str)
    }

    fn add_layout(&mut self, block: &ast::LayoutBlock, origin: Origin, diagnostics: &mut Vec<Diagnostic>) {
        check_layout_block(block, diagnostics);
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
        let mut used: HashSet<&str> = HashSet::new();
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
        if let Some(parent) = &def.extends {
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

    fn add_lint(
        &mut self,
        block: &ast::LintBlock,
        origin: Origin,
        codes_in_file: &mut HashMap<String, Span>,
        sources: &Sources,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let code = &block.code;
        if !is_lint_code(&code.value) {
            let upper = code.value.to_ascii_uppercase();
            let mut d = Diagnostic::new(
                &codes::LINT_CODE_INVALID,
                code.span,
                format!("lint code `{}` is not capital letters followed by four digits", code.value),
            );
            d = d.with_help(if is_lint_code(&upper) {
                format!("write it `{upper}`")
            } else {
                "a lint code looks like `SITE0001`: a prefix of capital letters, then exactly four digits".into()
            });
            diagnostics.push(d);
            return;
        }
        if let Some(first) = codes_in_file.get(&code.value) {
            diagnostics.push(
                Diagnostic::new(
                    &codes::DUPLICATE_LINT,
                    code.span,
                    format!("lint `{}` is defined twice in this file", code.value),
                )
                .with_related(*first, "the first definition")
                .with_help("give each lint its own code; to override a lint of the stdlib or of an earlier file, define it in a later file"),
            );
            return;
        }
        codes_in_file.insert(code.value.clone(), code.span);
        let existing = self.lints.iter().position(|l| l.code.value == code.value);
        let Some(body) = &block.body else {
            // `lint CODE SEVERITY`: a new severity for a lint defined earlier.
            match existing {
                Some(i) => self.lints[i].level = block.level.clone(),
                None => diagnostics.push(
                    Diagnostic::new(
                        &codes::RULE_NEVER_MATCHES,
                        block.span,
                        format!(
                            "`lint {} {}` has no effect: no earlier file defines lint `{}`",
                            code.value,
                            block.level.value.name(),
                            code.value
                        ),
                    )
                    .with_help("the short form changes the severity of a lint defined by the stdlib or an earlier policy file; check the code, or write the whole lint"),
                ),
            }
            return;
        };
        let condition = lower_condition(&body.when, sources, diagnostics);
        let lint = Lint {
            code: code.clone(),
            level: block.level.clone(),
            message: body.message.clone(),
            help: body.help.clone(),
            condition,
            span: block.span,
            origin,
        };
        match existing {
            Some(i) => self.lints[i] = lint,
            None => self.lints.push(lint),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Layouts

/// Checks one layout block on its own: absolute paths, and rules it repeats.
fn check_layout_block(block: &ast::LayoutBlock, diagnostics: &mut Vec<Diagnostic>) {
    let mut links: HashMap<&str, Span> = HashMap::new();
    let mut patterns: HashMap<&str, Span> = HashMap::new();
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
        }
    }
}

/// "The earlier rule never applies": a rule repeated in one block.
fn repeated(earlier: Span, later: Span, what: String, why: &str) -> Diagnostic {
    Diagnostic::new(
        &codes::RULE_NEVER_MATCHES,
        earlier,
        format!("this rule never applies: {what} appears again later in the same block"),
    )
    .with_related(later, "this one replaces it")
    .with_help(format!("{why}; delete one of the two"))
}

fn apply(layout: &mut Layout, statement: &LayoutStatement, origin: Origin, found: &mut Vec<Diagnostic>) {
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

// ---------------------------------------------------------------------------------------------
// Disruption

/// Lowers one `disruption` block into a policy of its own (to be merged over the earlier ones).
pub fn lower_disruption(
    block: &ast::DisruptionBlock,
    origin: Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> DisruptionPolicy {
    let mut policy = DisruptionPolicy::default();
    let mut paths: HashMap<String, Span> = HashMap::new();
    let mut units: HashMap<String, Span> = HashMap::new();
    let mut sshkey: Option<Span> = None;
    for rule in &block.rules {
        let actions = lower_actions(rule, diagnostics);
        let earlier = match &rule.target {
            Target::Path(path) => {
                check_absolute(path, "disruption path", diagnostics);
                paths.insert(path.value.clone(), rule.span).map(|e| (e, format!("path `{}`", path.value)))
            }
            Target::Unit(name) => {
                service_name_diagnostics(name, "unit", diagnostics);
                units.insert(name.value.clone(), rule.span).map(|e| (e, format!("unit `{}`", name.value)))
            }
            Target::SshKey(_) => sshkey.replace(rule.span).map(|e| (e, "`sshkey`".to_string())),
        };
        if let Some((earlier, what)) = earlier {
            diagnostics.push(repeated(
                earlier,
                rule.span,
                what,
                "within one block the later rule replaces the earlier",
            ));
        }
        if actions.is_empty() {
            continue;
        }
        match &rule.target {
            Target::Path(path) => {
                if !is_absolute(&path.value) {
                    continue;
                }
                let new = FileRule { path: path.clone(), actions, span: rule.span, origin };
                match policy.files.iter_mut().find(|r| r.path.value == path.value) {
                    Some(existing) => *existing = new,
                    None => policy.files.push(new),
                }
            }
            Target::Unit(name) => {
                let new = UnitRule { name: name.clone(), actions, span: rule.span, origin };
                match policy.units.iter_mut().find(|r| r.name.value == name.value) {
                    Some(existing) => *existing = new,
                    None => policy.units.push(new),
                }
            }
            Target::SshKey(_) => policy.sshkey = Some(SshKeyRule { actions, span: rule.span, origin }),
        }
    }
    policy
}

/// Checks a rule's actions and lowers the valid ones.
fn lower_actions(rule: &ast::DisruptionRule, diagnostics: &mut Vec<Diagnostic>) -> Vec<Spanned<Action>> {
    let mut actions = Vec::new();
    for expr in &rule.actions {
        if let Some(action) = lower_action(expr, &rule.target, diagnostics) {
            actions.push(Spanned::new(action, expr.span));
        }
    }
    let count = rule.actions.len();
    if count > ndp::MAX_ACTIONS {
        let extra = rule.actions[ndp::MAX_ACTIONS].span.to(rule.actions[count - 1].span);
        diagnostics.push(
            Diagnostic::new(
                &codes::TOO_MANY_ACTIONS,
                extra,
                format!("Too many: {count}: must have at most {} items", ndp::MAX_ACTIONS),
            )
            .with_label("beyond the tenth action")
            .with_help("the Node Disruption Policy API takes at most 10 actions for one path, unit or sshkey"),
        );
    }
    for (verb, api) in [("reboot", "Reboot"), ("none", "None")] {
        if count > 1
            && let Some(alone) = rule.actions.iter().find(|a| a.verb.value == verb)
        {
            diagnostics.push(
                Diagnostic::new(
                    &codes::ACTION_NOT_STANDALONE,
                    alone.span,
                    format!("{api} action can only be specified standalone, as it will override any other actions"),
                )
                .with_help(if verb == "reboot" {
                    "a reboot applies every change anyway: write `=> reboot` alone"
                } else {
                    "`none` means no action at all: write `=> none` alone, or drop it and keep the other actions"
                }),
            );
        }
    }
    actions
}

fn lower_action(expr: &ActionExpr, target: &Target, diagnostics: &mut Vec<Diagnostic>) -> Option<Action> {
    let verb = expr.verb.value.as_str();
    let takes_service = matches!(verb, "reload" | "restart");
    let Some(&(_, api)) = VERBS.iter().find(|(v, _)| *v == verb) else {
        let words: Vec<&str> = VERBS.iter().map(|(v, _)| *v).collect();
        // The API's spelling (`DaemonReload`) or a near miss (`restrat`).
        let api_match = VERBS.iter().find(|(_, api)| api.eq_ignore_ascii_case(&verb.replace(['-', '_'], "")));
        let suggestion = api_match.map(|(v, _)| *v).or_else(|| closest(verb, &words));
        let mut help = format!("the actions are {}", quoted_list(&words));
        if let Some(best) = suggestion {
            help = format!("did you mean `{best}`? {help}");
        }
        diagnostics.push(
            Diagnostic::new(&codes::UNKNOWN_ACTION, expr.verb.span, format!("unknown action `{verb}`")).with_help(help),
        );
        return None;
    };
    if takes_service {
        let Some(service) = &expr.service else {
            diagnostics.push(
                Diagnostic::new(&codes::ACTION_SERVICE, expr.span, format!("`{verb}` needs the service to {verb}"))
                    .with_help(format!("name the unit, such as `{verb} crio.service`")),
            );
            return None;
        };
        service_name_diagnostics(service, verb, diagnostics);
        return Some(if verb == "reload" {
            Action::Reload(service.value.clone())
        } else {
            Action::Restart(service.value.clone())
        });
    }
    if let Some(service) = &expr.service {
        diagnostics.push(
            Diagnostic::new(&codes::ACTION_SERVICE, service.span, format!("`{verb}` takes no service"))
                .with_label("unexpected service")
                .with_help(format!(
                    "only `reload` and `restart` name a service (the API forbids `reload`/`restart` fields on a {api} action); \
                     separate actions with commas: `{verb}, restart {}`",
                    service.value
                )),
        );
    }
    Some(match verb {
        "reboot" => Action::Reboot,
        "drain" => Action::Drain,
        "daemon-reload" => Action::DaemonReload,
        "none" => Action::None,
        _ => {
            let on_registries = matches!(target, Target::Path(p) if p.value == REGISTRIES_CONF);
            if !on_registries {
                let what = match target {
                    Target::Path(p) => format!("path `{}`", p.value),
                    Target::Unit(u) => format!("unit `{}`", u.value),
                    Target::SshKey(_) => "`sshkey`".to_string(),
                };
                diagnostics.push(
                    Diagnostic::new(
                        &codes::SPECIAL_OUTSIDE_REGISTRIES,
                        expr.span,
                        format!("`special` is only for `{REGISTRIES_CONF}`, not for {what}"),
                    )
                    .with_help(
                        "`special` is the MCO's status-only action for registries.conf (reload crio, and drain unless \
                         the change only adds digest mirrors); elsewhere write the actions, such as `reload crio.service`",
                    ),
                );
                return None;
            }
            Action::Special
        }
    })
}

/// The `NodeDisruptionPolicyServiceName` rules: at most 255 characters, a unit type suffix, and
/// a valid name before it. `what` is `unit`, `reload` or `restart`.
fn service_name_diagnostics(name: &Spanned<String>, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    let length = name.value.chars().count();
    let mut problems = Vec::new();
    if length > ndp::MAX_SERVICE_NAME {
        problems.push(format!("Too long: may not be longer than {}", ndp::MAX_SERVICE_NAME));
    }
    if !ndp::has_unit_type_suffix(&name.value) {
        problems.push(ndp::SERVICE_TYPE_MESSAGE.to_string());
    }
    if !ndp::has_valid_name(&name.value) {
        problems.push(ndp::SERVICE_NAME_MESSAGE.to_string());
    }
    for problem in problems {
        let help = if name.value.contains('.') {
            "write a unit name the API accepts, such as `crio.service`; template instances (`a@b.service`) cannot be named"
                .to_string()
        } else {
            format!("write the full unit name with its type, such as `{}.service`", name.value)
        };
        diagnostics.push(
            Diagnostic::new(
                &codes::SERVICE_NAME_INVALID,
                name.span,
                format!("the {what} name `{}` is one the Node Disruption Policy API refuses: {problem}", name.value),
            )
            .with_help(help),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Lints

/// `[A-Z]+[0-9]{4}`.
pub fn is_lint_code(code: &str) -> bool {
    let letters = code.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = &code[letters..];
    letters > 0 && digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Lowers a condition and warns about the parts of it that can never be true.
fn lower_condition(cond: &ast::Condition, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) -> Condition {
    let lowered = lower_condition_quietly(cond);
    check_condition(cond, sources, diagnostics);
    lowered
}

fn lower_condition_quietly(cond: &ast::Condition) -> Condition {
    match &cond.kind {
        ConditionKind::And(cs) => Condition::All(cs.iter().map(lower_condition_quietly).collect()),
        ConditionKind::Or(cs) => Condition::Any(cs.iter().map(lower_condition_quietly).collect()),
        ConditionKind::Not(c) => Condition::Not(Box::new(lower_condition_quietly(c))),
        ConditionKind::Kind(k) => Condition::Kind(*k),
        ConditionKind::Path(g) => Condition::Path(g.value.clone()),
        ConditionKind::Name(g) => Condition::Name(g.value.clone()),
        ConditionKind::ModeHas(n) => Condition::ModeHas(u32::try_from(n.value).unwrap_or(u32::MAX)),
        ConditionKind::Mode(op, n) => Condition::Mode(*op, u32::try_from(n.value).unwrap_or(u32::MAX)),
        ConditionKind::Size(op, n) => Condition::Size(*op, n.value),
        ConditionKind::Owner(o) => Condition::Owner(o.value.clone()),
        ConditionKind::Group(g) => Condition::Group(g.value.clone()),
        ConditionKind::Placement(p) => Condition::Placement(*p),
        ConditionKind::Pool(g) => Condition::Pool(g.value.clone()),
        ConditionKind::Source(g) => Condition::Source(g.value.clone()),
    }
}

/// The largest mode Ignition accepts.
const MAX_MODE: u64 = 0o7777;

fn check_condition(cond: &ast::Condition, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) {
    let never = |span: Span, why: String| {
        Diagnostic::new(&codes::RULE_NEVER_MATCHES, span, format!("this condition can never be true: {why}"))
    };
    match &cond.kind {
        ConditionKind::ModeHas(mask) if mask.value & MAX_MODE == 0 => {
            diagnostics.push(
                never(cond.span, format!("no mode has any bit of {:#o}", mask.value))
                    .with_help("modes go from 0 to 0o7777; write the bits in octal, such as `mode has 0o002`"),
            );
            return;
        }
        ConditionKind::Mode(op, value) if !(0..=MAX_MODE).any(|mode| op.holds(mode, value.value)) => {
            diagnostics.push(
                never(cond.span, format!("modes go from 0 to 0o7777, so none is {} {:#o}", op.symbol(), value.value))
                    .with_help("write the mode in octal, such as `0o644`"),
            );
            return;
        }
        ConditionKind::Size(Comparison::Lt, size) if size.value == 0 => {
            diagnostics.push(never(cond.span, "no size is below zero".to_string()));
            return;
        }
        _ => {}
    }
    let kinds = lower_condition_quietly(cond).possible_kinds();
    if kinds.is_empty() {
        let mut d = never(cond.span, "no kind of entry can satisfy all of it".to_string());
        if let ConditionKind::And(parts) = &cond.kind {
            // Name the part that empties the set.
            let mut acc = KindSet::ALL;
            for part in parts {
                let own = lower_condition_quietly(part).possible_kinds();
                if acc.and(own).is_empty() && !acc.is_empty() && !own.is_empty() {
                    d = never(
                        cond.span,
                        format!(
                            "`{}` only holds for {}, but the condition before it only for {}",
                            sources.text(part.span),
                            kinds_text(own),
                            kinds_text(acc)
                        ),
                    );
                    break;
                }
                acc = acc.and(own);
            }
        }
        diagnostics.push(d.with_help(
            "each entry has one kind, and only files and directories have a mode, only files a size, only files, \
             directories and links an owner",
        ));
        return;
    }
    match &cond.kind {
        ConditionKind::And(cs) | ConditionKind::Or(cs) => {
            for c in cs {
                check_condition(c, sources, diagnostics);
            }
        }
        ConditionKind::Not(c) => check_condition(c, sources, diagnostics),
        _ => {}
    }
}

/// `a file or directory`, `a unit`, `every kind of entry`.
fn kinds_text(kinds: KindSet) -> String {
    if kinds == KindSet::ALL {
        return "every kind of entry".to_string();
    }
    let names: Vec<&str> = EntryKind::ALL.into_iter().filter(|k| kinds.contains(*k)).map(EntryKind::name).collect();
    match names.as_slice() {
        [] => "no entry".to_string(),
        [one] => format!("a {one}"),
        [rest @ .., last] => format!("a {} or {last}", rest.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

fn check_absolute(path: &Spanned<String>, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    if is_absolute(&path.value) {
        return;
    }
    let (message, help) = if path.value.is_empty() {
        (format!("the {what} is empty"), "write an absolute path, such as `/etc/example.conf`".to_string())
    } else {
        (
            format!("the {what} `{}` is not an absolute path", path.value),
            format!(
                "MachineConfig paths are absolute, so a relative one never matches anything; write `/{}`",
                path.value.trim_start_matches("./")
            ),
        )
    };
    diagnostics.push(Diagnostic::new(&codes::POLICY_PATH_RELATIVE, path.span, message).with_help(help));
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (crate::load::reader::edit_distance(&word.to_ascii_lowercase(), c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_codes_are_capitals_then_four_digits() {
        for good in ["MCC6001", "SITE0001", "A0000"] {
            assert!(is_lint_code(good), "{good}");
        }
        for bad in ["mcc6001", "MCC601", "MCC60011", "6001", "MCC-6001", "MCC600a", ""] {
            assert!(!is_lint_code(bad), "{bad}");
        }
    }

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(closest("restrat", &["reload", "restart"]), Some("restart"));
        assert_eq!(closest("fedora-boot", &["rhcos", "fcos", "fedora-bootc"]), Some("fedora-bootc"));
        assert_eq!(closest("xyz", &["rhcos"]), None);
    }
}
