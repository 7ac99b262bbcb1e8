//! Merging keyed lists must grow linearly with their entries (issue 12): users and groups by
//! name, kernel arguments and SSH keys by value, a unit's dropins by name, a file's appended
//! fragments by source, the lists kept as JSON (disks, filesystems, RAID, LUKS, a file's HTTP
//! headers) by their key, and paths changing kind, timed on a pool and on one four times its size
//! in the same run.

use std::time::{Duration, Instant};

use crate::render::{self, RenderOptions};
use crate::testing::{assert_linear, load, mc};

/// The spec of one MachineConfig with `n` entries in each keyed list; `m` tells the
/// MachineConfigs apart (their keys and values differ, their users, unit and file do not), and
/// an odd `m` gives as directories the paths an even one gives as files.
fn spec(m: usize, n: usize) -> String {
    let mut spec =
        String::from("  config:\n    ignition: {version: 3.4.0}\n    kernelArguments:\n      shouldExist:\n");
    for i in 0..n {
        spec.push_str(&format!("      - a{m}x{i}\n"));
    }
    spec.push_str("    passwd:\n      users:\n      - name: core\n        sshAuthorizedKeys:\n");
    for i in 0..n {
        spec.push_str(&format!("        - ssh-ed25519 AAAA{m}x{i}\n"));
    }
    for i in 0..n {
        spec.push_str(&format!("      - {{name: u{i}, sshAuthorizedKeys: [ssh-ed25519 B{m}x{i}]}}\n"));
    }
    spec.push_str("      groups:\n");
    for i in 0..n {
        spec.push_str(&format!("      - {{name: g{i}}}\n"));
    }
    spec.push_str("    systemd:\n      units:\n      - name: a.service\n        dropins:\n");
    for i in 0..n {
        spec.push_str(&format!("        - {{name: d{m}x{i}.conf, contents: \"[Service]\\n\"}}\n"));
    }
    spec.push_str("    storage:\n      files:\n      - path: /etc/a\n        append:\n");
    for i in 0..n {
        spec.push_str(&format!("        - {{source: \"data:,{m}x{i}\"}}\n"));
    }
    spec.push_str(
        "      - path: /etc/h\n        contents:\n          source: https://example.com/h\n          httpHeaders:\n",
    );
    for i in 0..n {
        spec.push_str(&format!("          - {{name: H{m}x{i}, value: v}}\n"));
    }
    if m % 2 == 1 {
        spec.push_str("      directories:\n");
    }
    for i in 0..n {
        spec.push_str(&format!("      - {{path: /etc/k/{i}}}\n"));
    }
    // Lists kept as JSON: disks and LUKS devices the same in every MachineConfig (merged),
    // filesystems and RAID arrays their own (appended).
    for (list, entry) in [
        ("disks", "{device: /dev/disk/by-id/d{i}}"),
        ("filesystems", "{device: /dev/f{m}x{i}, format: xfs}"),
        ("raid", "{name: r{m}x{i}, level: raid1, devices: [/dev/a, /dev/b]}"),
        ("luks", "{name: l{i}, device: /dev/l{i}}"),
    ] {
        spec.push_str(&format!("      {list}:\n"));
        for i in 0..n {
            let entry = entry.replace("{m}", &m.to_string()).replace("{i}", &i.to_string());
            spec.push_str(&format!("      - {entry}\n"));
        }
    }
    spec
}

/// One run of rendering the worker pool of `machine_configs` MachineConfigs.
fn render_time(inputs: &crate::model::Inputs, pools: &[crate::model::pool::MachineConfigPool]) -> Duration {
    let mut diagnostics = Vec::new();
    let start = Instant::now();
    let rendered = render::render(inputs, pools, &RenderOptions::default(), &mut diagnostics);
    let elapsed = start.elapsed();
    std::hint::black_box(rendered);
    elapsed
}

#[test]
fn keyed_lists_merge_in_linear_time() {
    let sizes = [150, 600];
    let loaded: Vec<_> = sizes
        .iter()
        .map(|&n| {
            let texts: Vec<String> =
                (0..2).map(|m| mc(&format!("99-worker-{m}"), Some("worker"), &spec(m, n))).collect();
            let mut loaded = load(&texts.iter().map(String::as_str).collect::<Vec<_>>());
            let pools = render::pools(&loaded.inputs, &mut loaded.sources, &mut loaded.diagnostics);
            (loaded, pools)
        })
        .collect();
    // The merge did what the timing is about: every list merged, the paths changed kind.
    let (big, pools) = &loaded[1];
    let mut diagnostics = Vec::new();
    let rendered = render::render(&big.inputs, pools, &RenderOptions::default(), &mut diagnostics);
    let worker = rendered.iter().find(|p| p.pool.name() == "worker").unwrap_or_else(|| {
        let codes: Vec<_> = big.diagnostics.iter().chain(&diagnostics).map(|d| (d.code.code, &d.message)).collect();
        panic!("the worker pool does not render: {codes:?}")
    });
    let config = &worker.config;
    assert_eq!(config.kernel_arguments.should_exist.len(), 2 * 600);
    assert_eq!(config.passwd.users.len(), 601);
    assert_eq!(config.passwd.users[0].ssh_authorized_keys.len(), 2 * 600);
    assert_eq!(config.passwd.groups.len(), 600);
    assert_eq!(config.systemd.units[0].dropins.len(), 2 * 600);
    assert_eq!(config.storage.files.iter().map(|f| f.append.len()).sum::<usize>(), 2 * 600);
    assert_eq!(config.storage.directories.len(), 600);
    let headers =
        config.storage.files.iter().find(|f| f.node.path.value == "/etc/h").map(|f| f.contents.http_headers.len());
    assert_eq!(headers, Some(2 * 600));
    let storage = &config.storage;
    assert_eq!(
        [storage.disks.len(), storage.filesystems.len(), storage.raid.len(), storage.luks.len()],
        [600, 1200, 1200, 600]
    );
    assert_linear("keyed lists merged", |scale| {
        let (loaded, pools) = &loaded[usize::from(scale == 4)];
        render_time(&loaded.inputs, pools)
    });
}
