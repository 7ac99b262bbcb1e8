//! `mcc plan`: what a change does to each pool's nodes, like `terraform plan`.

use std::io;

use mcc_compiler::ClusterView;
use mcc_compiler::diagnostic::Severity;
use mcc_compiler::load::InputPath;

use crate::args::{CheckFormat, PlanArgs};
use crate::error::{CliError, Outcome};
use crate::session::{self, Analyzed};
use crate::{plan_view, streams};

pub fn run(args: &PlanArgs) -> Result<Outcome, CliError> {
    let pool = args.pool.as_deref();
    let settings = &args.settings.relocating(args.relocate);
    let from_cluster = args.from == ["cluster"];
    if from_cluster && settings.cluster.is_none() {
        return Err(CliError::Usage("`--from cluster` needs `--cluster DUMP`: the cluster's state".to_string()));
    }
    if args.prune && !from_cluster {
        return Err(CliError::Usage(
            "`--prune` removes the cluster's own MachineConfigs: it needs `--from cluster`".to_string(),
        ));
    }
    let (old_paths, mut new_paths) = match (
        if from_cluster { Some(Vec::new()) } else { session::side_paths(&args.from, &args.to, settings)? },
        session::side_paths(&args.to, &args.from, settings)?,
    ) {
        (old, Some(new)) => (old, new),
        (_, None) => {
            return Err(CliError::Usage("`--to` needs the new state; `none` is only for `--from`".to_string()));
        }
    };
    // `--ndp` is the cluster's MachineConfiguration: the one in force when the new configs roll
    // out, so it belongs to the new side (the old side's own MachineConfiguration is not read).
    new_paths.extend(settings.ndp.iter().map(|p| InputPath::parse(p)));
    let options = settings.policy_options();
    let (old_view, new_view) = if from_cluster {
        (ClusterView::Running, ClusterView::Synced { prune: args.prune })
    } else {
        (ClusterView::Base, ClusterView::Base)
    };
    let old = old_paths.map(|paths| session::analyze_viewing(&paths, settings, pool, old_view));
    let new = session::analyze_viewing(&new_paths, settings, pool, new_view);
    if let Some(old) = &old
        && old.compilation.count(Severity::Error) > 0
    {
        streams::note("in the --from state:")?;
        streams::report(&old.compilation.diagnostics, &old.compilation.sources)?;
    }
    streams::report(&new.compilation.diagnostics, &new.compilation.sources)?;
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
    let header = format!(
        "mcc plan: {} -> {} (target {}, profile {}, OpenShift {})",
        if args.from.is_empty() { "none".to_string() } else { args.from.join(" ") },
        args.to.join(" "),
        options.target.name(),
        options.profile,
        options.ocp
    );
    let text = match args.format {
        CheckFormat::Human => plan_view::human(&plans, options.target, &header, streams::colour_for(&io::stdout())),
        CheckFormat::Json => {
            serde_json::to_string_pretty(&plan_view::json(&plans, options.target)).unwrap_or_default() + "\n"
        }
    };
    streams::print(&text)?;
    let unreadable = new.compilation.unreadable_input || old.as_ref().is_some_and(|o| o.compilation.unreadable_input);
    let failed = plans.iter().any(|p| !p.reconcilable) || new.compilation.count(Severity::Error) > 0;
    let changed = plans.iter().any(|p| p.effective_changes().next().is_some());
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
