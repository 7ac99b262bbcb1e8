//! The MCO's package lists: what each extension installs and what each kernel type is made of
//! (`spec/mco.md` §1, §6.2: `SupportedExtensions`, `GetPackagesForSupportedKernelType`).

use super::pool::{Builder, dedup};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::placement::Target;
use mcc_contract::layer_plan::*;
use mcc_contract::node_actions::*;

/// The packages of a supported extension, in the MCO's order; `None` for an unknown name.
pub fn extension_packages(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "two-node-ha" => &["pacemaker", "pcs", "fence-agents-all"],
        "ipsec" => &["NetworkManager-libreswan", "libreswan", "openvswitch3.5-ipsec"],
        "usbguard" => &["usbguard"],
        "kerberos" => &["krb5-workstation", "libkadm5"],
        "kernel-devel" => &["kernel-devel", "kernel-headers"],
        "sandboxed-containers" => &["kata-containers"],
        "sysstat" => &["sysstat"],
        _ => return None,
    })
}

/// The packages that make up a kernel type (the on-cluster build's sets).
pub fn kernel_packages(kernel_type: &str) -> &'static [&'static str] {
    match kernel_type {
        "realtime" => &["kernel-rt-core", "kernel-rt-modules", "kernel-rt-modules-extra", "kernel-rt-kvm"],
        "64k-pages" => {
            &["kernel-64k-core", "kernel-64k-modules", "kernel-64k-modules-core", "kernel-64k-modules-extra"]
        }
        _ => &["kernel", "kernel-core", "kernel-modules", "kernel-modules-core", "kernel-modules-extra"],
    }
}

impl Builder<'_, '_> {
    pub(super) fn packages(&mut self) -> Packages {
        let pool = self.cx.pool;
        let mut extensions: Vec<Extension> = Vec::new();
        for e in &pool.extensions {
            let source = self.cx.inputs.machine_configs[e.machine_config].name().to_string();
            match extensions.iter_mut().find(|x| x.name == e.value.value) {
                Some(x) => {
                    if !x.sources.contains(&source) {
                        x.sources.push(source);
                    }
                }
                None => extensions.push(Extension {
                    name: e.value.value.clone(),
                    packages: extension_packages(&e.value.value)
                        .unwrap_or_default()
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                    sources: vec![source],
                }),
            }
        }
        let install = dedup(extensions.iter().flat_map(|x| x.packages.clone()));
        let kernel_type = pool.kernel_type_name().to_string();
        let kernel_swap = pool.kernel_type.as_ref().map(|k| KernelSwap {
            kernel_type: kernel_type.clone(),
            install: kernel_packages(&kernel_type).iter().map(|p| p.to_string()).collect(),
            sources: vec![self.cx.inputs.machine_configs[k.machine_config].name().to_string()],
        });
        if self.target == Target::Legacy {
            let mut steps = Vec::new();
            if !extensions.is_empty() {
                steps.push(Step::Extensions {
                    extensions: extensions.iter().map(|x| x.name.clone()).collect(),
                    install: install.clone(),
                    sources: dedup(extensions.iter().flat_map(|x| x.sources.clone())),
                });
            }
            if let Some(swap) = kernel_swap {
                steps.push(Step::KernelType {
                    kernel_type: swap.kernel_type,
                    install: swap.install,
                    sources: swap.sources,
                });
            }
            let at = self.unit_steps.iter().take_while(|s| matches!(s, Step::KernelArguments { .. })).count();
            self.unit_steps.splice(at..at, steps);
            return Packages { extensions: Vec::new(), install: Vec::new(), kernel_type, kernel_swap: None };
        }
        if (!install.is_empty() || kernel_swap.is_some()) && pool.base_os_extensions_container_image.url.is_empty() {
            self.errors.push(
                Diagnostic::general(
                    &codes::COMPILE_NO_EXTENSIONS_IMAGE,
                    format!(
                        "pool `{}` installs extensions or a {} kernel, which come from the extensions image, but none is known",
                        pool.pool.name(),
                        kernel_type
                    ),
                )
                .with_help("pass the cluster's extensions image with --base-extensions-image, or set spec.baseOSExtensionsContainerImage"),
            );
        }
        Packages { extensions, install, kernel_type, kernel_swap }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::machine_config::SUPPORTED_EXTENSIONS;

    #[test]
    fn every_supported_extension_has_packages() {
        for name in SUPPORTED_EXTENSIONS {
            assert!(extension_packages(name).is_some_and(|p| !p.is_empty()), "{name}");
        }
        assert_eq!(extension_packages("wasm"), None, "removed from the MCO in 2026");
    }
}
