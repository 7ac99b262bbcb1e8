//! MCC7004: a MachineConfig writes an `/etc` file that the node itself also writes.
//!
//! Some `/etc` files belong to the node: systemd writes `/etc/machine-id` at first boot,
//! sshd-keygen the host keys, NetworkManager `/etc/resolv.conf`, update-ca-trust
//! `/etc/pki/ca-trust/extracted`, the MCD `/etc/kubernetes/kubelet-ca.crt`
//! (`stdlib/node-written.txt` lists them with their writers). On an image-mode node a
//! MachineConfig's `/etc` file is baked into the image's `/etc`, which ostree 3-way merges on
//! every update: once the node has changed the file, the node's copy wins the merge for good and
//! the image's updates to it never land (`spec/image-mode.md` §1.2). Written by the MCD instead,
//! the node's writer replaces what the MachineConfig wrote, and the MCD finds its file changed.
//! Either way the MachineConfig does not say what the node has.

use super::{Context, entries, node_writer};
use crate::classify::Subject;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::policy::placement::Placement;

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, graph) in cx.pools() {
        for entry in entries(graph) {
            let Subject::Path(path) = &entry.subject else { continue };
            if entry.placement == Placement::Reject {
                continue;
            }
            let resolved = entry.resolved_path.as_deref().unwrap_or(path);
            let Some(writer) = node_writer(resolved) else { continue };
            let consequence = if entry.placement == Placement::Etc && !entry.node_side {
                "it is baked into the image's /etc, and once the node has changed it, the /etc 3-way merge keeps the node's copy: image updates to it never land"
            } else {
                "the node's writer replaces what the MachineConfig wrote, and the MCD then finds the file changed behind its back"
            };
            out.push(
                Diagnostic::new(
                    &codes::ETC_WRITTEN_BY_NODE,
                    entry.span,
                    format!("`{path}` is also written on the node, by {writer}"),
                )
                .with_help(format!(
                    "{consequence}; configure the writer instead (a drop-in of its own configuration, an operator's API), or leave the file to the node"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_with, with_code, worker};
    use crate::codes::ETC_WRITTEN_BY_NODE;
    use crate::policy::placement::Target;
    use crate::session::PolicyOptions;

    const RESOLV: &str = "    storage:\n      files:\n      - {path: /etc/resolv.conf, contents: {source: 'data:,nameserver%201.1.1.1%0A'}}\n      - {path: /etc/chrony.conf, contents: {source: 'data:,'}}";

    #[test]
    fn a_file_the_node_writes_is_reported_with_its_writer() {
        let found = with_code(&check(&[&worker("99-worker-dns", RESOLV)]), &ETC_WRITTEN_BY_NODE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.starts_with("`/etc/resolv.conf` is also written on the node, by NetworkManager"));
        assert!(found[0].help.as_deref().unwrap().contains("3-way merge"));
    }

    #[test]
    fn under_the_legacy_target_the_consequence_is_the_mcds() {
        let options = PolicyOptions { target: Target::Legacy, ..PolicyOptions::default() };
        let found = with_code(&check_with(&[&worker("99-worker-dns", RESOLV)], &options), &ETC_WRITTEN_BY_NODE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].help.as_deref().unwrap().contains("the MCD then finds"));
    }
}
