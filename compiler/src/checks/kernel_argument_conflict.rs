//! MCC7009: two MachineConfigs of one pool give the same kernel argument different values.
//!
//! Both values reach the node (the MCO concatenates `kernelArguments`, `spec/mco.md` §2.3), and
//! for most parameters the kernel, or the module reading it, keeps the last one: the MachineConfig
//! that merges later wins, decided by names and roles rather than by anyone's intent. Keys that
//! legitimately repeat with different values (`console=`, `ip=`, `hugepagesz=`/`hugepages=`,
//! dracut's `rd.*` lists, …) are left alone, and so are values repeated inside one MachineConfig,
//! which are deliberate.

use std::borrow::Cow;

use super::Context;
use super::kernel_argument_split::arguments;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::render::McId;
use crate::source::Span;

/// Keys the kernel, dracut or a driver read as lists: each value counts.
const REPEATABLE: &[&str] = &[
    "console",
    "ip",
    "nameserver",
    "hugepagesz",
    "hugepages",
    "vlan",
    "bond",
    "bridge",
    "team",
    "ifname",
    "modprobe.blacklist",
    "module_blacklist",
    "initcall_blacklist",
    "netroot",
];

fn repeatable(key: &str) -> bool {
    REPEATABLE.contains(&key) || key.starts_with("rd.")
}

/// An argument's key: what comes before its `=`, unquoted.
fn key_of(argument: &str) -> &str {
    argument.split_once('=').map_or(argument, |(k, _)| k).trim_matches('"')
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (pool, _) in cx.pools() {
        // Key → the first argument with it: (argument, span, MachineConfig). Sized at once: a pool
        // of many MachineConfigs may have as many arguments, and each doubling held two tables.
        let mut first: HashMap<Cow<'_, str>, (Cow<'_, str>, Span, McId)> =
            HashMap::with_capacity_and_hasher(pool.kernel_arguments.len(), Default::default());
        for entry in &pool.kernel_arguments {
            for argument in arguments(&entry.value.value) {
                let key = match &argument {
                    Cow::Borrowed(argument) => Cow::Borrowed(key_of(argument)),
                    Cow::Owned(argument) => Cow::Owned(key_of(argument).to_string()),
                };
                if repeatable(&key) {
                    continue;
                }
                match first.get(&key) {
                    None => {
                        first.insert(key, (argument, entry.value.span, entry.machine_config));
                    }
                    Some((earlier, span, by)) if *earlier != argument && *by != entry.machine_config => {
                        out.push(
                            Diagnostic::new(
                                &codes::KERNEL_ARGUMENT_CONFLICT,
                                entry.value.span,
                                format!(
                                    "kernel argument `{key}` is `{argument}` here but `{earlier}` in `{}`",
                                    cx.mc_name(*by)
                                ),
                            )
                            .with_label(format!("`{}` merges later", cx.mc_name(entry.machine_config)))
                            .with_related(*span, format!("`{earlier}`"))
                            .with_help(
                                "both reach the node's command line, and most parameters take the last value, so the merge order (worker-role MachineConfigs first, then the others, each by name) decides; set it in one MachineConfig",
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code};
    use crate::codes::KERNEL_ARGUMENT_CONFLICT;

    #[test]
    fn different_values_across_machine_configs_are_reported() {
        let a = crate::testing::mc("99-worker-a", Some("worker"), "  kernelArguments: [isolcpus=1-3, console=tty0]");
        let b = crate::testing::mc("99-worker-b", Some("worker"), "  kernelArguments: [isolcpus=2-3, console=ttyS0]");
        let found = with_code(&check(&[&a, &b]), &KERNEL_ARGUMENT_CONFLICT);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "kernel argument `isolcpus` is `isolcpus=2-3` here but `isolcpus=1-3` in `99-worker-a`"
        );
    }

    #[test]
    fn repeats_inside_one_machine_config_are_deliberate() {
        let a = crate::testing::mc(
            "99-worker-a",
            Some("worker"),
            "  kernelArguments: [hugepagesz=1G, hugepages=4, hugepagesz=2M, hugepages=512, 'foo=1 foo=2']",
        );
        assert!(with_code(&check(&[&a]), &KERNEL_ARGUMENT_CONFLICT).is_empty());
    }
}
