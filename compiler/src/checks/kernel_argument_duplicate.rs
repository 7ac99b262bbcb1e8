//! MCC7008: a kernel argument is given twice in one pool.
//!
//! The MCO concatenates the `kernelArguments` of every MachineConfig of a pool, in merge order,
//! and removes no duplicate (`spec/mco.md` §2.3); the MCD appends each argument with
//! `rpm-ostree kargs --append`, so the node's command line carries it twice. That is harmless
//! for some arguments and not for others (two `hugepages=`), and removing one of the two
//! MachineConfigs later removes the argument altogether (`--delete-if-present`). Arguments are
//! compared after the MCD's split of each entry.

use std::borrow::Cow;

use super::Context;
use super::kernel_argument_split::arguments;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::render::McId;
use crate::source::Span;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (pool, _) in cx.pools() {
        // Sized at once, as MCC7009's map is.
        let mut seen: HashMap<Cow<'_, str>, (Span, McId)> =
            HashMap::with_capacity_and_hasher(pool.kernel_arguments.len(), Default::default());
        for entry in &pool.kernel_arguments {
            for argument in arguments(&entry.value.value) {
                let Some(&(first, by)) = seen.get(&argument) else {
                    seen.insert(argument, (entry.value.span, entry.machine_config));
                    continue;
                };
                let mut diagnostic = Diagnostic::new(
                    &codes::KERNEL_ARGUMENT_DUPLICATE,
                    entry.value.span,
                    format!("kernel argument `{argument}` is given twice"),
                )
                .with_label("given again here");
                if first != entry.value.span {
                    diagnostic = diagnostic.with_related(first, format!("first given by `{}`", cx.mc_name(by)));
                }
                out.push(diagnostic.with_help(
                    "the MCO concatenates every MachineConfig's kernelArguments without removing duplicates, so the node's command line has it twice; keep one",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code};
    use crate::codes::KERNEL_ARGUMENT_DUPLICATE;

    #[test]
    fn an_argument_in_two_machine_configs_is_reported_once_at_the_second() {
        let a = crate::testing::mc("99-worker-a", Some("worker"), "  kernelArguments: [psi=1, nosmt]");
        let b = crate::testing::mc("99-worker-b", Some("worker"), "  kernelArguments: ['psi=1 quiet']");
        let found = with_code(&check(&[&a, &b]), &KERNEL_ARGUMENT_DUPLICATE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].message, "kernel argument `psi=1` is given twice");
        assert_eq!(found[0].related[0].message, "first given by `99-worker-a`");
    }

    #[test]
    fn the_same_argument_in_two_pools_is_no_duplicate() {
        let a = crate::testing::mc("99-worker-a", Some("worker"), "  kernelArguments: [psi=1]");
        let b = crate::testing::mc("99-master-a", Some("master"), "  kernelArguments: [psi=1]");
        assert!(with_code(&check(&[&a, &b]), &KERNEL_ARGUMENT_DUPLICATE).is_empty());
    }
}
