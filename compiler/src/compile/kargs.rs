//! Kernel arguments: a bootc `kargs.d` file in the image, or an rpm-ostree step on the node.

use super::pool::Builder;
use crate::policy::placement::Target;
use mcc_contract::Mode;
use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;

/// Where bootc reads the image's kernel arguments (`spec/image-mode.md` §2).
pub const KARGS_FILE: &str = "/usr/lib/bootc/kargs.d/90-mcc-machineconfig.toml";

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `kargs.d` file: `kargs = ["…", …]`.
pub fn kargs_toml(args: &[String]) -> String {
    format!(
        "# Written by mcc compile: spec.kernelArguments of the pool's MachineConfigs.\nkargs = [{}]\n",
        args.iter().map(|a| toml_string(a)).collect::<Vec<_>>().join(", ")
    )
}

/// Splits kernel arguments as the MCD does: on whitespace, keeping double-quoted parts together.
pub fn split_kernel_arguments(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        let mut current = String::new();
        let mut quoted = false;
        for c in arg.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    current.push(c);
                }
                c if c.is_whitespace() && !quoted => {
                    if !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

impl Builder<'_, '_> {
    pub(super) fn kernel_arguments(&mut self) -> KernelArguments {
        let pool = self.cx.pool;
        let args: Vec<String> = pool.kernel_arguments.iter().map(|k| k.value.value.clone()).collect();
        let sources = self.spec_sources(pool.kernel_arguments.iter().map(|k| k.machine_config));
        if self.target == Target::Bootc {
            // Always written, even empty, so bootc removes what an earlier image's file added.
            let bytes = kargs_toml(&args).into_bytes();
            self.add_file(KARGS_FILE, Mode::FILE, (0, 0), bytes, "image", "kargs", sources.clone(), None);
            return KernelArguments { args, placement: "image".into(), file: Some(KARGS_FILE.into()), sources };
        }
        let old: Vec<String> = self.cx.old.map(|o| o.kernel_arguments.clone()).unwrap_or_default();
        if old != args {
            self.unit_steps.insert(
                0,
                Step::KernelArguments {
                    delete: split_kernel_arguments(&old),
                    append: split_kernel_arguments(&args),
                    sources: sources.clone(),
                },
            );
        }
        KernelArguments { args, placement: "node".into(), file: None, sources }
    }
}
