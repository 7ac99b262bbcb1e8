//! The Containerfile of a pool's image: any builder (buildah, podman, an OpenShift build) builds it
//! as is, with the pool's `context/` directory as the build context.

use crate::compile::packages::kernel_packages;
use crate::compile::user_containerfile::CONFIGS_STAGE;
use crate::policy::placement::Target;
use mcc_contract::layer_plan::LayerPlan;

/// Where the package step mounts the extensions image, as the MCO's on-cluster build does.
pub const EXTENSIONS_MOUNT: &str = "/tmp/mco-extensions/os-extensions-content";

/// A Containerfile `LABEL` value in double quotes.
fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A shell word in single quotes.
fn sh(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The Containerfile text. `lint` adds the last `RUN bootc container lint` (bootc) or
/// `RUN ostree container commit` (rpm-ostree). `custom` is the content of the pool's
/// `MachineOSConfig` (`plan.machine_os_config`), put after the labels where the MCO's on-cluster
/// build template puts `{{.UserContainerfile}}`; the stage before it is then named
/// [`CONFIGS_STAGE`], as in that template, so the content's `FROM configs AS final` builds on it.
/// The lint stays last: it checks the image that comes out, custom content included.
pub fn render(plan: &LayerPlan, target: Target, lint: bool, custom: Option<&str>) -> String {
    let mut out = format!(
        "# Written by mcc compile for pool {} ({}, target {}).\n# Build it with context/ as the build context: buildah bud -f Containerfile context\n",
        plan.pool, plan.rendered_config, plan.target
    );
    if let Some(mosc) = &plan.machine_os_config {
        let arch = mosc.containerfile_arch.as_deref().unwrap_or("none for this architecture");
        out.push_str(&format!("# MachineOSConfig {} (containerFile: {arch}).\n", mosc.name));
    }
    match custom {
        Some(_) => out.push_str(&format!("FROM {} AS {CONFIGS_STAGE}\n", plan.base_image)),
        None => out.push_str(&format!("FROM {}\n", plan.base_image)),
    }
    out.push_str("ADD layer.tar /\n");
    if let Some(run) = packages_step(plan) {
        out.push_str(&run);
    }
    let labels: Vec<String> = plan.labels.iter().map(|(k, v)| format!("{k}={}", quoted(v))).collect();
    if !labels.is_empty() {
        out.push_str(&format!("LABEL {}\n", labels.join(" \\\n      ")));
    }
    if let (Some(content), Some(mosc)) = (custom, &plan.machine_os_config) {
        out.push_str(&format!("# The custom content of MachineOSConfig {}:\n", mosc.name));
        out.push_str(content);
        if !content.ends_with('\n') {
            out.push('\n');
        }
    }
    if lint {
        match target {
            Target::Bootc => out.push_str("RUN bootc container lint\n"),
            Target::RpmOstree => out.push_str("RUN ostree container commit\n"),
            Target::Legacy => {}
        }
    }
    out
}

/// The `RUN` that installs the extensions and swaps the kernel, with the extensions image
/// bind-mounted and a temporary repo file pointing into it (`spec/mco.md` §6.2).
fn packages_step(plan: &LayerPlan) -> Option<String> {
    let packages = &plan.packages;
    if packages.install.is_empty() && packages.kernel_swap.is_none() {
        return None;
    }
    let image = plan.extensions_image.as_deref()?;
    let mut lines: Vec<String> = Vec::new();
    lines.push(format!(
        "RUN --mount=type=bind,from={image},source=/,target={EXTENSIONS_MOUNT},bind-propagation=rshared,rw,z"
    ));
    let repo = [
        "[coreos-extensions]".to_string(),
        "enabled=1".into(),
        "metadata_expire=1m".into(),
        format!("baseurl={EXTENSIONS_MOUNT}/usr/share/rpm-ostree/extensions/"),
        "gpgcheck=0".into(),
        "skip_if_unavailable=False".into(),
    ];
    lines.push(format!(
        "    printf '%s\\n' {} > /etc/yum.repos.d/coreos-extensions.repo",
        repo.iter().map(|l| sh(l)).collect::<Vec<_>>().join(" ")
    ));
    lines.push("    chmod 644 /etc/yum.repos.d/coreos-extensions.repo".into());
    if !packages.install.is_empty() {
        lines.push(format!("    rpm-ostree install {}", packages.install.join(" ")));
    }
    if let Some(swap) = &packages.kernel_swap {
        // The kernel the base has, detected as the MCO's build does.
        let set = |t: &str| kernel_packages(t).join(" ");
        lines.push(format!(
            "    if rpm -q kernel-rt-core >/dev/null 2>&1; then old={}; elif rpm -q kernel-64k-core >/dev/null 2>&1; then old={}; else old={}; fi",
            sh(&set("realtime")),
            sh(&set("64k-pages")),
            sh(&set("default"))
        ));
        lines.push(format!(
            "    printf 'remove %s\\ninstall %s\\nrun\\n' \"$old\" {} | dnf -y shell",
            sh(&swap.install.join(" "))
        ));
    }
    if plan.packages.extensions.iter().any(|e| e.name == "usbguard") {
        lines.push("    echo 'd /var/log/usbguard 0755 root root -' > /usr/lib/tmpfiles.d/usbguard.conf".into());
    }
    lines.push("    rm /etc/yum.repos.d/coreos-extensions.repo".into());
    lines.push("    ostree container commit".into());
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push_str(match i {
            0 => " \\\n",
            _ if i + 1 == lines.len() => "\n",
            _ => " && \\\n",
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_quoted_for_the_containerfile() {
        assert_eq!(quoted("worker"), "\"worker\"");
        assert_eq!(quoted("a\"b$c\\d"), "\"a\\\"b\\$c\\\\d\"");
        assert_eq!(sh("it's"), "'it'\\''s'");
    }
}
