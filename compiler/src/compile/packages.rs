//! The MCO's package lists: what each extension installs and what each kernel type is made of
//! (`spec/mco.md` §1, §6.2: `SupportedExtensions`, `GetPackagesForSupportedKernelType`).

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
