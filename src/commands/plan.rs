//! `mcc plan`: what a change does to each pool's nodes, like `terraform plan`.

use std::io;

use mcc_compiler::diagnostic::{self, Severity};
use mcc_compiler::load::InputPath;
use mcc_compiler::{ClusterView, PolicyOptions, RelocationMode};

use crate::args::{PlanArgs, PlanFormat, Settings};
use crate::error::{CliError, Outcome};
use crate::plan_view::{HumanOptions, ndp, summary};
use crate::session::{self, Analyzed, Depth};
use crate::{plan_view, streams};

pub fn run(args: &PlanArgs) -> Result<Outcome, CliError> {
    let pool = args.pool.as_deref();
    let settings = &args.settings.relocating(args.relocate);
    let from_cluster = from_cluster(args, settings)?;
    let (old_paths, mut new_paths) = match (
        if from_cluster { Some(Vec::new()) } else { session::side_paths(&args.from, &args.to, settings)? },
        session::side_paths(&args.to, &args.from, settings)?,
    ) {
        (old, Some(new)) => (old, new),
        (_, None) => {
            return Err(CliError::Usage("`--to` needs the new state; `none` is only for `--from`".to_string()));
        }
    };
    // `--ndp` is the cluster's MachineConfiguration: in force on both sides, as far as this plan
    // can tell (a rule it holds does not arrive with the change).
    let ndp: Vec<InputPath> = settings.ndp.iter().map(|p| InputPath::parse(p)).collect();
    new_paths.extend(ndp.iter().cloned());
    let old_paths = old_paths.map(|mut paths| {
        paths.extend(ndp);
        paths
    });
    let options = settings.policy_options();
    // `.mcc/config.toml`'s problems are the new side's to report, once.
    let old_settings = Settings { config: None, ..settings.clone() };
    let (old_view, new_view) = if from_cluster {
        (ClusterView::Running, ClusterView::Synced { prune: args.prune })
    } else {
        (ClusterView::Base, ClusterView::Base)
    };
    // Each side with its own settings (a `git:` side's revision brings its `.mcc/config.toml`).
    let new_settings = session::side_settings(&new_paths, settings);
    // The new side first: the old side then parses only the files that differ.
    let new = session::load(&new_paths, &new_settings, new_view);
    let old = old_paths.map(|paths| {
        let old_settings = session::side_settings(&paths, &old_settings).into_owned();
        let loaded = session::load_sharing(&paths, &old_settings, old_view, &new);
        (loaded, old_settings)
    });
    // The old side's own findings are shown only with `--diagnostics`: without it, rendering
    // it is all the plan needs.
    let old_depth = if args.diagnostics { Depth::Whole } else { Depth::Rendering };
    let old = old.map(|(c, old_settings)| session::analyze_loaded(c, &old_settings, pool, old_depth));
    let mut new = session::analyze_loaded(new, &new_settings, pool, Depth::Whole);
    if let Some(pruned) = new.compilation.cluster.as_ref().map(|c| &c.pruned).filter(|p| !p.is_empty()) {
        streams::note(&format!(
            "--prune removes {} MachineConfig{} of the cluster that the new state does not hold: {}",
            pruned.len(),
            if pruned.len() == 1 { "" } else { "s" },
            pruned.join(", ")
        ))?;
    }
    let old_side = old.as_ref().map(Analyzed::side);
    let plans = mcc_compiler::plan(old_side.as_ref(), &new.side(), &options, pool);
    let order = mcc_compiler::same_change_rules(old_side.as_ref(), &new.side(), &options, &plans);
    let suggestions = args.suggest.then(|| mcc_compiler::suggest(&new.side(), &plans));
    new.compilation.diagnostics.extend(order.diagnostics);
    diagnostic::sort_diagnostics(&mut new.compilation.diagnostics, &new.compilation.sources);
    if args.quiet {
        streams::note(&diagnostic_count(old.as_ref(), &new))?;
    } else {
        report(old.as_ref(), &new, args.diagnostics)?;
    }
    let header = header(args, &options);
    let (risks, suggestions) = (&order.risks, suggestions.as_ref());
    let text = match args.format {
        PlanFormat::Human => {
            let colour = streams::colour_for(&io::stdout());
            let view = HumanOptions { colour, diff: args.diff };
            plan_view::human(&plans, options.target, &header, view)
                + &ndp::human(risks, suggestions, &plan_view::Paint { on: colour })
        }
        PlanFormat::Json => {
            let mut document = plan_view::json(&plans, options.target, args.diff);
            ndp::extend_json(&mut document, risks, suggestions);
            serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
        }
        PlanFormat::Markdown => {
            plan_view::markdown::markdown(&plans, options.target, &header, args.diff)
                + &ndp::markdown(risks, suggestions)
        }
    };
    streams::print(&text)?;
    let unreadable = new.compilation.unreadable_input || old.as_ref().is_some_and(|o| o.compilation.unreadable_input);
    let failed = plans.iter().any(|p| !p.reconcilable) || new.compilation.count(Severity::Error) > 0;
    let changed = plans.iter().any(|p| p.effective_changes().next().is_some());
    session::leave_to_exit((plans, order.risks, suggestions, new, old));
    Ok(if unreadable {
        Outcome::UnreadableInput
    } else if failed {
        Outcome::Problems
    } else if args.detailed_exitcode && changed {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

/// The inputs' diagnostics on stderr: with `--diagnostics` every one of the new side (and of the
/// old side when it has errors); otherwise their errors in full, each of which fails the plan or
/// keeps a pool from rendering, and the new side's other diagnostics counted by code.
fn report(old: Option<&Analyzed>, new: &Analyzed, every_one: bool) -> Result<(), CliError> {
    let shown = |c: &mcc_compiler::Compilation| {
        if every_one { c.diagnostics.clone() } else { summary::shown(&c.diagnostics) }
    };
    if let Some(old) = old.filter(|o| o.compilation.count(Severity::Error) > 0) {
        streams::note("in the --from state:")?;
        streams::report(&shown(&old.compilation), &old.compilation.sources)?;
    }
    streams::report(&shown(&new.compilation), &new.compilation.sources)?;
    match summary::summary(&new.compilation.diagnostics).filter(|_| !every_one) {
        Some(text) => streams::note(text.trim_end()),
        None => Ok(()),
    }
}

/// `--quiet`'s one line on stderr: how many diagnostics would have been shown (the new side's,
/// and the old side's when it has errors), without them.
fn diagnostic_count(old: Option<&Analyzed>, new: &Analyzed) -> String {
    let old = old.filter(|o| o.compilation.count(Severity::Error) > 0);
    let count = |severity| new.compilation.count(severity) + old.map_or(0, |o| o.compilation.count(severity));
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "mcc plan: {}, {} in the inputs (not shown with --quiet; `mcc check` lists them)",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Whether the old side is `--from cluster`: the dump's running state. A directory `cluster` is
/// still a path when no dump is given (`./cluster` names the directory when one is).
fn from_cluster(args: &PlanArgs, settings: &Settings) -> Result<bool, CliError> {
    let from_cluster =
        args.from == ["cluster"] && (settings.cluster.is_some() || !std::path::Path::new("cluster").exists());
    if from_cluster && settings.cluster.is_none() {
        return Err(CliError::Usage("`--from cluster` needs `--cluster DUMP`: the cluster's state".to_string()));
    }
    if args.prune && !from_cluster {
        return Err(CliError::Usage(
            "`--prune` removes the cluster's own MachineConfigs: it needs `--from cluster`".to_string(),
        ));
    }
    Ok(from_cluster)
}

/// The plan's title line: its two sides and the options that decided it.
fn header(args: &PlanArgs, options: &PolicyOptions) -> String {
    format!(
        "mcc plan: {} -> {} (target {}, profile {}, OpenShift {}{})",
        if args.from.is_empty() { "none".to_string() } else { args.from.join(" ") },
        args.to.join(" "),
        options.target.name(),
        options.profile,
        options.ocp,
        match options.relocate {
            RelocationMode::None => String::new(),
            mode => format!(", relocate {}", mode.name()),
        }
    )
}
