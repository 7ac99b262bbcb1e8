//! MCC7010: a `kernelArguments` entry is not the one argument it reads as.
//!
//! A list item reads as one kernel argument, but the MCD splits every entry on white space,
//! keeping double-quoted parts together (`splitKernelArguments`, `spec/mco.md` §1), and appends
//! each part with `rpm-ostree kargs --append`. So `- foo=a b` gives the node `foo=a` and a second
//! argument `b`; an entry with an unclosed `"` keeps the rest of the entry as one argument, and
//! the kernel then reads the rest of the command line as that argument's value; an empty entry
//! gives nothing, yet its presence still counts as a change that reboots the pool. The entry is
//! what the MCO compares between two rendered configs, the parts are what the node gets: one
//! item per argument keeps the two the same.

use std::borrow::Cow;

use super::Context;
use crate::codes;
use crate::compile::split_kernel_arguments;
use crate::diagnostic::Diagnostic;

/// The arguments the MCD makes of one entry: the entry itself, borrowed, when it is one
/// argument already (no white space, no quote), as nearly every entry is. The kernel-argument
/// checks keep a pool's arguments in maps, one or two for each MachineConfig of the pool.
pub(super) fn arguments(entry: &str) -> Vec<Cow<'_, str>> {
    if !entry.is_empty() && !entry.contains(|c: char| c.is_whitespace() || c == '"') {
        return vec![Cow::Borrowed(entry)];
    }
    split_kernel_arguments(&[entry.to_string()]).into_iter().map(Cow::Owned).collect()
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, mc) in cx.machine_configs() {
        for entry in &mc.spec.kernel_arguments {
            let parts = arguments(&entry.value);
            let quotes = entry.value.matches('"').count();
            let (message, help) = if quotes % 2 == 1 {
                (
                    format!("kernel argument `{}` has an unclosed `\"`", entry.value),
                    "the kernel reads everything after an unclosed quote, the arguments after it included, as one value; close the quote".to_string(),
                )
            } else if parts.is_empty() {
                (
                    "an empty kernelArguments entry".to_string(),
                    "it gives the node no argument, but adding or removing it still changes the list, which reboots the pool; drop it".to_string(),
                )
            } else if parts.len() > 1 {
                let shown: Vec<String> = parts.iter().map(|p| format!("`{p}`")).collect();
                (
                    format!("this entry is {} kernel arguments: {}", parts.len(), super::and_list(&shown)),
                    "the MCO splits an entry at white space (outside double quotes) and applies each part; write one argument per list item, and quote a value with spaces inside the argument: `foo=\"a b\"`".to_string(),
                )
            } else {
                continue;
            };
            out.push(Diagnostic::new(&codes::KERNEL_ARGUMENT_SPLIT, entry.span, message).with_help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code};
    use super::arguments;
    use crate::codes::KERNEL_ARGUMENT_SPLIT;

    #[test]
    fn entries_split_on_white_space_outside_quotes() {
        assert_eq!(arguments("a=1 b"), ["a=1", "b"]);
        assert_eq!(arguments(" foo=\"x y\"\t"), ["foo=\"x y\""]);
        assert!(arguments("  ").is_empty());
    }

    #[test]
    fn an_entry_taken_as_it_is_splits_as_the_mcd_splits_it() {
        for entry in [
            "quiet",
            "a=1",
            "",
            " ",
            "a=1 b",
            "a=\"x\"",
            "a=\"x y\"",
            "a=\"x",
            "\u{a0}x\u{2003}y",
            "é=ü",
            "a\tb",
            "a\n",
        ] {
            let split = crate::compile::split_kernel_arguments(&[entry.to_string()]);
            assert_eq!(arguments(entry), split, "{entry:?}");
            let borrowed = matches!(arguments(entry).as_slice(), [std::borrow::Cow::Borrowed(_)]);
            assert!(!borrowed || split == [entry], "{entry:?}: borrowed only when it is its one argument");
            assert_eq!(borrowed, ["quiet", "a=1", "é=ü"].contains(&entry), "{entry:?}");
        }
    }

    #[test]
    fn several_arguments_an_unclosed_quote_and_an_empty_entry_are_reported() {
        let mc = crate::testing::mc(
            "99-worker-kargs",
            Some("worker"),
            "  kernelArguments:\n  - 'foo=a b'\n  - 'bar=\"x'\n  - ''\n  - 'quiet'\n  - 'baz=\"x y\"'",
        );
        let found = with_code(&check(&[&mc]), &KERNEL_ARGUMENT_SPLIT);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "this entry is 2 kernel arguments: `foo=a` and `b`",
                "kernel argument `bar=\"x` has an unclosed `\"`",
                "an empty kernelArguments entry",
            ]
        );
    }
}
