//! What `systemctl enable` creates for a unit in `/etc/systemd/system`, computed from its
//! `[Install]` section, so an enabled unit is enabled in the image itself. A preset file would
//! only apply on a node's first boot, so it could never carry an update.

use crate::unit_syntax::parse_unit;

pub const UNIT_DIR: &str = "/etc/systemd/system";

/// The symlinks and the other units `systemctl enable NAME` would act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enablement {
    /// `(link path, target)`, in `[Install]` order: `WantedBy` (`.wants/`), `RequiredBy`
    /// (`.requires/`), `UpheldBy` (`.upholds/`), then `Alias`.
    pub links: Vec<(String, String)>,
    /// `Also=`: units enabled together with this one.
    pub also: Vec<String>,
    /// A template without `DefaultInstance=`: `systemctl enable` creates no dependency link.
    pub template_without_instance: bool,
}

/// `foo@.service` → `Some(("foo", "service"))`.
fn template_parts(name: &str) -> Option<(&str, &str)> {
    let (stem, suffix) = name.rsplit_once('.')?;
    let prefix = stem.strip_suffix('@')?;
    Some((prefix, suffix))
}

/// Computes the links for `name`, whose file is `/etc/systemd/system/<name>` with `contents`.
/// Contents that do not parse enable nothing (Ignition reports them already).
pub fn enablement(name: &str, contents: &str) -> Enablement {
    enablement_in(UNIT_DIR, name, contents)
}

/// [`enablement`] for a unit whose file is in `unit_dir`, with the links made there too: an
/// image enables a unit it ships in `/usr/lib/systemd/system` with links in that directory
/// (`<target>.wants/`), never in the image's `/etc`.
pub fn enablement_in(unit_dir: &str, name: &str, contents: &str) -> Enablement {
    let Ok(unit) = parse_unit(contents) else {
        return Enablement::default();
    };
    let unit_dir = unit_dir.trim_end_matches('/');
    let unit_path = format!("{unit_dir}/{name}");
    let words = |option: &str| -> Vec<String> {
        unit.values("Install", option).flat_map(|v| v.split_whitespace()).map(str::to_string).collect()
    };
    let mut out = Enablement::default();
    // A template is enabled under its default instance's name, the link pointing at the template.
    let link_name = match template_parts(name) {
        Some((prefix, suffix)) => {
            words("DefaultInstance").last().map(|instance| format!("{prefix}@{instance}.{suffix}"))
        }
        None => Some(name.to_string()),
    };
    match &link_name {
        Some(link_name) => {
            for (option, dir) in [("WantedBy", "wants"), ("RequiredBy", "requires"), ("UpheldBy", "upholds")] {
                for target in words(option) {
                    let link = format!("{unit_dir}/{target}.{dir}/{link_name}");
                    if !out.links.iter().any(|(l, _)| *l == link) {
                        out.links.push((link, unit_path.clone()));
                    }
                }
            }
        }
        None => {
            out.template_without_instance =
                ["WantedBy", "RequiredBy", "UpheldBy"].iter().any(|option| !words(option).is_empty());
        }
    }
    for alias in words("Alias") {
        let link = format!("{unit_dir}/{alias}");
        if alias != name && !out.links.iter().any(|(l, _)| *l == link) {
            out.links.push((link, unit_path.clone()));
        }
    }
    for also in words("Also") {
        if also != name && !out.also.contains(&also) {
            out.also.push(also);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(e: &Enablement) -> Vec<(&str, &str)> {
        e.links.iter().map(|(l, t)| (l.as_str(), t.as_str())).collect()
    }

    #[test]
    fn wanted_by_required_by_and_alias_become_links_to_the_unit_file() {
        let e = enablement(
            "app.service",
            "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/true\n[Install]\nWantedBy=multi-user.target graphical.target\nRequiredBy=crio.service\nAlias=application.service\nAlso=app.socket\n",
        );
        assert_eq!(
            links(&e),
            [
                ("/etc/systemd/system/multi-user.target.wants/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/graphical.target.wants/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/crio.service.requires/app.service", "/etc/systemd/system/app.service"),
                ("/etc/systemd/system/application.service", "/etc/systemd/system/app.service"),
            ]
        );
        assert_eq!(e.also, ["app.socket"]);
    }

    #[test]
    fn a_unit_in_usr_is_enabled_with_links_in_usr() {
        let e = enablement_in(
            "/usr/lib/systemd/system/",
            "app.service",
            "[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\nAlias=application.service\n",
        );
        assert_eq!(
            links(&e),
            [
                ("/usr/lib/systemd/system/multi-user.target.wants/app.service", "/usr/lib/systemd/system/app.service"),
                ("/usr/lib/systemd/system/application.service", "/usr/lib/systemd/system/app.service"),
            ]
        );
    }

    #[test]
    fn a_template_is_enabled_under_its_default_instance() {
        let e = enablement(
            "getty@.service",
            "[Service]\nExecStart=/x\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n",
        );
        assert_eq!(
            links(&e),
            [("/etc/systemd/system/getty.target.wants/getty@tty1.service", "/etc/systemd/system/getty@.service")]
        );
        let e = enablement("getty@.service", "[Service]\nExecStart=/x\n[Install]\nWantedBy=getty.target\n");
        assert!(e.links.is_empty() && e.template_without_instance);
    }

    #[test]
    fn no_install_section_enables_nothing() {
        assert_eq!(enablement("a.service", "[Service]\nExecStart=/x\n"), Enablement::default());
        assert_eq!(enablement("a.service", "[Install\n"), Enablement::default());
    }
}
