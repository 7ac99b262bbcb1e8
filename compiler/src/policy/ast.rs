//! The syntax tree of a policy file, exactly as written: every node carries the span of its text.
//!
//! [`parse`](super::parse) builds it from pest's pairs (which never leave that module) and
//! [`lower`](super::lower) checks it and turns it into the models ([`Layout`](super::layout::Layout),
//! [`DisruptionPolicy`](super::disruption::DisruptionPolicy), [`Lint`](super::lint::Lint)).
//! [`File::to_sexpr`] prints a tree in a compact, span-free S-expression form for snapshots.

#[cfg(test)]
use std::fmt::Write as _;

use crate::load::reader::Spanned;
use crate::policy::layout::Place;
use crate::policy::lint::{Comparison, EntryKind, LintLevel, Placement};
use crate::source::Span;

/// One policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Layout(LayoutBlock),
    Disruption(DisruptionBlock),
    Lint(LintBlock),
}

/// `layout NAME [extends PARENT] { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutBlock {
    pub name: Spanned<String>,
    pub extends: Option<Spanned<String>>,
    pub statements: Vec<LayoutStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LayoutStatement {
    /// `link /opt -> /var/opt`
    Link { from: Spanned<String>, to: Spanned<String>, span: Span },
    /// `unlink /opt, /usr/local`
    Unlink { paths: Vec<Spanned<String>>, span: Span },
    /// `place /usr/**, /opt/** in image`
    Place { patterns: Vec<Spanned<String>>, place: Spanned<Place>, span: Span },
    /// `reject /boot/** "reason"`
    Reject { patterns: Vec<Spanned<String>>, reason: Option<Spanned<String>>, span: Span },
    /// `relocate /etc/sysctl.d/*.conf to /usr/lib/sysctl.d/ [when CONDITION]`
    Relocate { patterns: Vec<Spanned<String>>, to: Spanned<String>, when: Option<Condition>, span: Span },
}

impl LayoutStatement {
    #[cfg(test)]
    pub fn span(&self) -> Span {
        match self {
            LayoutStatement::Link { span, .. }
            | LayoutStatement::Unlink { span, .. }
            | LayoutStatement::Place { span, .. }
            | LayoutStatement::Reject { span, .. }
            | LayoutStatement::Relocate { span, .. } => *span,
        }
    }
}

/// `disruption NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct DisruptionBlock {
    pub name: Spanned<String>,
    pub rules: Vec<DisruptionRule>,
    pub span: Span,
}

/// What a disruption rule is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `path /etc/containers/policy.json`: an exact path or a directory prefix.
    Path(Spanned<String>),
    /// `unit crio.service`: an exact unit name.
    Unit(Spanned<String>),
    /// `sshkey`: every passwd change; the span is the keyword's.
    SshKey(Span),
}

/// `TARGET => ACTION, ACTION, …`
#[derive(Debug, Clone, PartialEq)]
pub struct DisruptionRule {
    pub target: Target,
    pub actions: Vec<ActionExpr>,
    pub span: Span,
}

/// An action as written: a verb and an optional service, neither checked yet.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionExpr {
    pub verb: Spanned<String>,
    pub service: Option<Spanned<String>>,
    pub span: Span,
}

/// `lint CODE SEVERITY "message" { when … help "…" }`, or the short `lint CODE SEVERITY` that
/// changes the severity of a lint defined earlier.
#[derive(Debug, Clone, PartialEq)]
pub struct LintBlock {
    pub code: Spanned<String>,
    pub level: Spanned<LintLevel>,
    pub body: Option<LintBody>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LintBody {
    pub message: Spanned<String>,
    pub when: Condition,
    pub help: Option<Spanned<String>>,
}

/// A lint condition as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConditionKind {
    /// Two or more conditions joined by `and`.
    And(Vec<Condition>),
    /// Two or more conditions joined by `or`.
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `file`, `unit`, `kernel-argument`, …
    Kind(EntryKind),
    /// `path GLOB`
    Path(Spanned<String>),
    /// `name GLOB`
    Name(Spanned<String>),
    /// `mode has BITS`
    ModeHas(Spanned<u64>),
    /// `mode OP NUMBER`
    Mode(Comparison, Spanned<u64>),
    /// `size OP NUMBER [UNIT]`, in bytes.
    Size(Comparison, Spanned<u64>),
    /// `owner NAME-OR-ID`
    Owner(Spanned<String>),
    /// `group NAME-OR-ID`
    Group(Spanned<String>),
    /// `placement image|etc|var|rebootless|reject`
    Placement(Placement),
    /// `pool GLOB`
    Pool(Spanned<String>),
    /// `source GLOB`
    Source(Spanned<String>),
    /// `relocatable`
    Relocatable,
}

impl File {
    /// The tree as one S-expression per item, without spans (snapshots show them separately).
    #[cfg(test)]
    pub fn to_sexpr(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Layout(b) => {
                    let _ = write!(out, "(layout {}", b.name.value);
                    if let Some(parent) = &b.extends {
                        let _ = write!(out, " (extends {})", parent.value);
                    }
                    for s in &b.statements {
                        out.push_str("\n  ");
                        match s {
                            LayoutStatement::Link { from, to, .. } => {
                                let _ = write!(out, "(link {} {})", atom(&from.value), atom(&to.value));
                            }
                            LayoutStatement::Unlink { paths, .. } => {
                                let _ = write!(out, "(unlink {})", list(paths));
                            }
                            LayoutStatement::Place { patterns, place, .. } => {
                                let _ = write!(out, "(place {} {})", list(patterns), place.value.name());
                            }
                            LayoutStatement::Reject { patterns, reason, .. } => {
                                let _ = write!(out, "(reject {}", list(patterns));
                                if let Some(reason) = reason {
                                    let _ = write!(out, " {:?}", reason.value);
                                }
                                out.push(')');
                            }
                            LayoutStatement::Relocate { patterns, to, when, .. } => {
                                let _ = write!(out, "(relocate {} {}", list(patterns), atom(&to.value));
                                if let Some(when) = when {
                                    let _ = write!(out, " (when {})", when.to_sexpr());
                                }
                                out.push(')');
                            }
                        }
                    }
                    out.push_str(")\n");
                }
                Item::Disruption(b) => {
                    let _ = write!(out, "(disruption {}", b.name.value);
                    for rule in &b.rules {
                        out.push_str("\n  ");
                        match &rule.target {
                            Target::Path(p) => {
                                let _ = write!(out, "(path {}", atom(&p.value));
                            }
                            Target::Unit(u) => {
                                let _ = write!(out, "(unit {}", atom(&u.value));
                            }
                            Target::SshKey(_) => out.push_str("(sshkey"),
                        }
                        for action in &rule.actions {
                            match &action.service {
                                Some(service) => {
                                    let _ = write!(out, " ({} {})", action.verb.value, atom(&service.value));
                                }
                                None => {
                                    let _ = write!(out, " {}", action.verb.value);
                                }
                            }
                        }
                        out.push(')');
                    }
                    out.push_str(")\n");
                }
                Item::Lint(b) => {
                    let _ = write!(out, "(lint {} {}", b.code.value, b.level.value.name());
                    if let Some(body) = &b.body {
                        let _ = write!(out, " {:?}\n  (when {})", body.message.value, body.when.to_sexpr());
                        if let Some(help) = &body.help {
                            let _ = write!(out, "\n  (help {:?})", help.value);
                        }
                    }
                    out.push_str(")\n");
                }
            }
        }
        out
    }
}

impl Condition {
    #[cfg(test)]
    pub fn to_sexpr(&self) -> String {
        match &self.kind {
            ConditionKind::And(cs) => {
                format!("(and {})", cs.iter().map(|c| c.to_sexpr()).collect::<Vec<_>>().join(" "))
            }
            ConditionKind::Or(cs) => format!("(or {})", cs.iter().map(|c| c.to_sexpr()).collect::<Vec<_>>().join(" ")),
            ConditionKind::Not(c) => format!("(not {})", c.to_sexpr()),
            ConditionKind::Kind(k) => k.name().to_string(),
            ConditionKind::Path(g) => format!("(path {})", atom(&g.value)),
            ConditionKind::Name(g) => format!("(name {})", atom(&g.value)),
            ConditionKind::ModeHas(n) => format!("(mode has {:#o})", n.value),
            ConditionKind::Mode(op, n) => format!("(mode {} {:#o})", op.symbol(), n.value),
            ConditionKind::Size(op, n) => format!("(size {} {})", op.symbol(), n.value),
            ConditionKind::Owner(o) => format!("(owner {})", atom(&o.value)),
            ConditionKind::Group(g) => format!("(group {})", atom(&g.value)),
            ConditionKind::Placement(p) => format!("(placement {})", p.name()),
            ConditionKind::Pool(g) => format!("(pool {})", atom(&g.value)),
            ConditionKind::Source(g) => format!("(source {})", atom(&g.value)),
            ConditionKind::Relocatable => "relocatable".to_string(),
        }
    }
}

/// A value bare when it prints unambiguously, quoted otherwise.
#[cfg(test)]
fn atom(value: &str) -> String {
    if !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || "()\"\\#,{}".contains(c)) {
        value.to_string()
    } else {
        format!("{value:?}")
    }
}

#[cfg(test)]
fn list(values: &[Spanned<String>]) -> String {
    match values {
        [one] => atom(&one.value),
        _ => format!("[{}]", values.iter().map(|v| atom(&v.value)).collect::<Vec<_>>().join(" ")),
    }
}
