//! `mcc plan --format markdown`: for a pull request comment or `$GITHUB_STEP_SUMMARY`. A summary
//! table first (one row a pool: what changes, whether nodes drain and reboot), then each pool's
//! changes collapsed in a `<details>` block, with the diffs when `--diff` is given.

use mcc_compiler::{ContentDiff, PoolPlan, Target};

use super::{Paint, diff, disruption, entry, summary};

/// The whole document; `header` is the plan's one-line title (what was compared, with which
/// settings).
/// GitHub's limit on a pull request comment, in characters; diffs that would pass it (with room
/// for the notes) are left out, the summary and tables never.
const COMMENT_LIMIT: usize = 65_536 - 4_096;

pub fn markdown(plans: &[PoolPlan], target: Target, header: &str, with_diff: bool) -> String {
    let plain = Paint { on: false };
    let mut out = format!("### mcc plan\n\n{}\n\n", code(header));
    out.push_str("| pool | changes | nodes |\n| --- | --- | --- |\n");
    for plan in plans {
        let line = summary(plan, target, &plain);
        let text = line.strip_prefix(&format!("{}: ", plan.pool)).unwrap_or(&line);
        let (what, outcome) = text.split_once("; ").unwrap_or((text, ""));
        let outcome = if plan.reboot || !plan.reconcilable { format!("**{}**", cell(outcome)) } else { cell(outcome) };
        let (what, outcome) = if outcome.is_empty() { (String::new(), cell(what)) } else { (cell(what), outcome) };
        out.push_str(&format!("| {} | {what} | {outcome} |\n", cell(&plan.pool)));
    }
    // The tables first, so a budget for the diffs is known.
    let shown: Vec<&PoolPlan> = plans.iter().filter(|p| !p.changes.is_empty() || !p.errors.is_empty()).collect();
    let tables: usize = out.len() + shown.iter().map(|p| details(p, &mut None).len()).sum::<usize>();
    let mut budget = with_diff.then(|| COMMENT_LIMIT.saturating_sub(tables));
    for plan in shown {
        out.push_str(&details(plan, &mut budget));
    }
    out
}

/// One pool's collapsed block; with a diff budget (`--diff`), the file diffs that fit in it.
fn details(plan: &PoolPlan, budget: &mut Option<usize>) -> String {
    let count = plan.changes.len();
    let from = plan.from.as_deref().unwrap_or("(none)");
    let to = plan.to.as_deref().unwrap_or("(none)");
    let mut out = format!(
        "\n<details><summary>pool {}: {count} change{}</summary>\n\n{} → {}\n\n",
        html(&plan.pool),
        if count == 1 { "" } else { "s" },
        code(from),
        code(to)
    );
    for error in &plan.errors {
        out.push_str(&format!("- **error** [{}] {}\n", error.code, cell(&error.message)));
    }
    if !plan.errors.is_empty() {
        out.push('\n');
    }
    if count > 0 {
        out.push_str("| | entry | placement | on change | MachineConfigs |\n| --- | --- | --- | --- | --- |\n");
    }
    for change in &plan.changes {
        let on_change = match &change.reason {
            Some(reason) => format!("{}: {}", disruption(&change.actions), reason),
            None => disruption(&change.actions),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            change.op.symbol(),
            code(&entry(change)).replace('|', "\\|"),
            change.placement.name(),
            cell(&on_change),
            cell(&change.sources.join(", "))
        ));
    }
    if let Some(left) = budget {
        let mut omitted = 0;
        for change in &plan.changes {
            let diff = file_diff(change);
            if diff.len() > *left {
                omitted += 1;
                continue;
            }
            *left -= diff.len();
            out.push_str(&diff);
        }
        if omitted > 0 {
            out.push_str(&format!(
                "\n{omitted} diff{} left out to stay under GitHub's comment limit: `mcc plan --diff` shows {}.\n",
                if omitted == 1 { "" } else { "s" },
                if omitted == 1 { "it" } else { "them" }
            ));
        }
    }
    out.push_str("\n</details>\n");
    out
}

/// A changed file's diff as a fenced `diff` block, or a line of sizes and digests.
fn file_diff(change: &mcc_compiler::Change) -> String {
    let Some(kind) = diff::of(change) else { return String::new() };
    let title = format!("\n{}\n\n", code(&change.name));
    match kind {
        ContentDiff::Text(text) => {
            // A fence longer than any backtick run in the diff, so the block cannot be closed early.
            let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            format!("{title}{fence}diff\n{text}{}{fence}\n", if text.ends_with('\n') { "" } else { "\n" })
        }
        _ => {
            let contents = change.contents.as_ref();
            let side = |blob: Option<&mcc_compiler::Blob>| {
                blob.map_or_else(|| "none".to_string(), |b| format!("{} bytes, sha256 `{}`", b.size, b.sha256))
            };
            format!(
                "{title}not diffed (binary, too large, or a remote source): {} → {}\n",
                side(contents.and_then(|c| c.old.as_ref())),
                side(contents.and_then(|c| c.new.as_ref()))
            )
        }
    }
}

/// Text on one line: HTML neutralised, line breaks flattened.
pub(super) fn inline(text: &str) -> String {
    html(text).replace(['\n', '\r'], " ")
}

/// Text for a table cell: pipes escaped, line breaks flattened, HTML neutralised.
fn cell(text: &str) -> String {
    html(text).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `<`, `>` and `&` as entities, so an input's text cannot open a tag in the comment.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An inline code span that holds any text: a fence longer than the text's backtick runs (in a
/// table cell, the caller escapes pipes, which GitHub's tables split on even inside code).
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", text.replace(['\n', '\r'], " "))
}
