//! The case generator: realistic MachineConfig sets (a pool's worth, with overlapping paths and
//! names that sort differently) and day-2 changes to them, valid by construction except for the
//! few deliberate edge cases whose verdict the MCO itself must give (an entry with no contents,
//! owners given by id in one config and by name in another, a kernel type with kernel-devel).

use serde_json::{Value, json};

use crate::oracle::model::{Case, Encoding, FileModel, Kind, MCO_API, McModel, Owner, ROLE_LABEL, UnitModel};
use crate::oracle::ndp;
use crate::oracle::rng::Rng;

pub const BASE_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1111111111111111111111111111111111111111111111111111111111111111";
pub const EXTENSIONS_IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:2222222222222222222222222222222222222222222222222222222222222222";
const CUSTOM_IMAGES: &[&str] = &[
    "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:3333333333333333333333333333333333333333333333333333333333333333",
    "registry.example.com/custom/rhcos:4.19",
];

const VERSIONS: &[&str] = &["2.2.0", "3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0"];

/// Names whose byte-wise order differs from a human's (upper case first, `-2` after the base).
const MC_NAMES: &[&str] = &[
    "00-worker",
    "01-worker-container-runtime",
    "50-site",
    "99-worker-chrony",
    "99-worker-chrony-2",
    "99-Worker-upper",
    "99-worker-ssh",
    "Z-first",
    "a-last",
];

pub const PATHS: &[&str] = &[
    "/etc/chrony.conf",
    "/etc/motd",
    "/etc/sysctl.d/99-site.conf",
    "/etc/containers/registries.conf",
    "/etc/containers/policy.json",
    "/etc/containers/registries.d/site.yaml",
    "/etc/kubernetes/credential-providers/ecr.yaml",
    "/etc/pki/ca-trust/source/anchors/openshift-config-user-ca-bundle.crt",
    "/etc/NetworkManager/conf.d/site.conf",
    "/etc/nmstate/openshift/site.yml",
    "/var/lib/kubelet/config.json",
    "/var/lib/site/state.conf",
    "/usr/local/bin/site.sh",
    "/usr/local/bin/load-registry-image.sh",
    "/home/core/.bashrc",
    "/home/core/notes",
];

pub const UNITS: &[&str] = &[
    "site.service",
    "backup.service",
    "chronyd.service",
    "kubelet.service",
    "cleanup.timer",
    "iri-registry.service",
    "listen.socket",
    "getty@tty1.service",
];

const TEXTS: &[&str] = &["", "hello\n", "server 0.pool.ntp.org iburst\n", "a=b\nc=d\n", "#!/bin/sh\necho ok\n"];
const MODES: &[u32] = &[0o644, 0o600, 0o755, 0o400, 0o640];
const KERNEL_ARGUMENTS: &[&str] = &["nosmt", "audit=1", "hugepages=2", "mitigations=off", "a=1", "a=2"];
const EXTENSIONS: &[&str] = &["usbguard", "kerberos", "kernel-devel", "sandboxed-containers", "ipsec", "sysstat"];
/// An extension this MCO release does not know ("invalid extensions found"), kept rare.
const UNKNOWN_EXTENSION: &str = "wasm";
const KERNEL_TYPES: &[&str] = &["default", "realtime", "64k-pages"];

/// registries.conf versions: a base, a mirror added, a second mirror, a registry blocked, the
/// mirror gone, and a broken file (which the daemon's safety check must refuse).
const REGISTRIES: &[&str] = &[
    "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n",
    "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n\n[[registry]]\n  prefix = \"\"\n  location = \"quay.io/openshift\"\n  mirror-by-digest-only = true\n\n  [[registry.mirror]]\n    location = \"mirror.example.com/openshift\"\n",
    "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n\n[[registry]]\n  prefix = \"\"\n  location = \"quay.io/openshift\"\n  mirror-by-digest-only = true\n\n  [[registry.mirror]]\n    location = \"mirror.example.com/openshift\"\n\n  [[registry.mirror]]\n    location = \"mirror2.example.com/openshift\"\n",
    "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n\n[[registry]]\n  prefix = \"\"\n  location = \"quay.io/openshift\"\n  blocked = true\n",
    "unqualified-search-registries = [\"registry.access.redhat.com\"]\n",
    "[[registry]\nlocation = \"quay.io\n",
];
pub const REGISTRIES_CONF: &str = "/etc/containers/registries.conf";

pub fn render_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (pool, roles) = pool(&mut rng);
    let new = machine_configs(&mut rng, &roles);
    Case {
        kind: Kind::Render,
        seed,
        pool,
        base_image: BASE_IMAGE.into(),
        extensions_image: EXTENSIONS_IMAGE.into(),
        old: Vec::new(),
        new,
        machine_configuration: None,
    }
}

pub fn plan_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (pool, roles) = pool(&mut rng);
    let old = machine_configs(&mut rng, &roles);
    let mut new = old.clone();
    if !rng.chance(5) {
        for _ in 0..rng.between(1, 3) {
            mutate(&mut rng, &mut new, &roles);
        }
    }
    let machine_configuration = rng.chance(80).then(|| ndp::machine_configuration(&mut rng, &old, &new));
    Case {
        kind: Kind::Plan,
        seed,
        pool,
        base_image: BASE_IMAGE.into(),
        extensions_image: EXTENSIONS_IMAGE.into(),
        old,
        new,
        machine_configuration,
    }
}

/// The stock `worker` pool, or a custom `infra` pool that also takes the worker configs.
fn pool(rng: &mut Rng) -> (Value, Vec<&'static str>) {
    if rng.chance(70) {
        let selector = json!({"matchLabels": {ROLE_LABEL: "worker"}});
        (pool_object("worker", selector), vec!["worker"])
    } else {
        let selector =
            json!({"matchExpressions": [{"key": ROLE_LABEL, "operator": "In", "values": ["worker", "infra"]}]});
        (pool_object("infra", selector), vec!["worker", "infra"])
    }
}

fn pool_object(name: &str, selector: Value) -> Value {
    json!({
        "apiVersion": MCO_API,
        "kind": "MachineConfigPool",
        "metadata": {"name": name},
        "spec": {"machineConfigSelector": selector, "nodeSelector": {"matchLabels": {format!("node-role.kubernetes.io/{name}"): ""}}},
    })
}

fn machine_configs(rng: &mut Rng, roles: &[&'static str]) -> Vec<McModel> {
    let count = rng.between(1, 4);
    let mut names: Vec<&str> = Vec::new();
    while names.len() < count {
        let name = *rng.pick(MC_NAMES);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.into_iter().map(|name| machine_config(rng, name, roles)).collect()
}

fn machine_config(rng: &mut Rng, name: &str, roles: &[&'static str]) -> McModel {
    let version = *rng.pick(VERSIONS);
    let mut mc = McModel {
        name: name.into(),
        role: (*rng.pick(roles)).into(),
        version,
        files: Vec::new(),
        units: Vec::new(),
        ssh_keys: None,
        kernel_arguments: Vec::new(),
        extensions: Vec::new(),
        kernel_type: None,
        fips: None,
        os_image_url: None,
    };
    for _ in 0..rng.between(0, 4) {
        let file = file(rng, &mc);
        if !mc.files.iter().any(|f| f.path == file.path) {
            mc.files.push(file);
        }
    }
    for _ in 0..rng.between(0, 2) {
        let unit = unit(rng);
        if !mc.units.iter().any(|u| u.name == unit.name) {
            mc.units.push(unit);
        }
    }
    if rng.chance(30) {
        mc.ssh_keys = Some(ssh_keys(rng));
    }
    if rng.chance(30) {
        mc.kernel_arguments = (0..rng.between(1, 3)).map(|_| rng.pick(KERNEL_ARGUMENTS).to_string()).collect();
    }
    if rng.chance(15) {
        mc.extensions = (0..rng.between(1, 2)).map(|_| rng.pick(EXTENSIONS).to_string()).collect();
        if rng.chance(10) {
            mc.extensions.push(UNKNOWN_EXTENSION.into());
        }
    }
    if rng.chance(10) {
        mc.kernel_type = Some(rng.pick(KERNEL_TYPES).to_string());
    }
    if rng.chance(4) {
        mc.fips = Some(rng.chance(50));
    }
    if rng.chance(8) {
        mc.os_image_url = Some(rng.pick(CUSTOM_IMAGES).to_string());
    }
    mc
}

fn file(rng: &mut Rng, mc: &McModel) -> FileModel {
    let path = rng.pick(PATHS).to_string();
    let text = if path == REGISTRIES_CONF { rng.pick(REGISTRIES).to_string() } else { text(rng) };
    let gzip_allowed = !mc.is_spec2() && mc.version != "3.0.0";
    let encoding = match rng.below(4) {
        0 | 1 => Encoding::Plain,
        2 => Encoding::Base64,
        _ if gzip_allowed => Encoding::Gzip,
        _ => Encoding::Base64,
    };
    // An entry without contents, kept rare: the MCO's merge decides what it means.
    let text = if rng.chance(1) { None } else { Some(text) };
    FileModel {
        path,
        text,
        encoding,
        mode: rng.chance(80).then(|| *rng.pick(MODES)),
        overwrite: rng.chance(40).then(|| rng.chance(80)),
        user: rng.chance(25).then(|| owner(rng)),
        group: rng.chance(15).then(|| owner(rng)),
    }
}

fn owner(rng: &mut Rng) -> Owner {
    match rng.below(4) {
        0 => Owner::Id(0),
        1 => Owner::Id(1000),
        2 => Owner::Name("root"),
        _ => Owner::Name("core"),
    }
}

fn text(rng: &mut Rng) -> String {
    let base = rng.pick(TEXTS);
    if rng.chance(50) { format!("{base}# {}\n", rng.below(5)) } else { base.to_string() }
}

fn unit(rng: &mut Rng) -> UnitModel {
    let name = rng.pick(UNITS).to_string();
    let dropins = |rng: &mut Rng| -> Vec<(String, String)> {
        (0..rng.between(0, 2))
            .map(|i| (format!("{}-site.conf", 10 + i * 10), format!("[Service]\nEnvironment=SITE={}\n", rng.below(4))))
            .collect()
    };
    match rng.below(5) {
        0 => UnitModel { name, enabled: None, mask: Some(true), contents: None, dropins: Vec::new() },
        1 => UnitModel { name, enabled: None, mask: None, contents: None, dropins: dropins(rng) },
        2 => UnitModel { name, enabled: Some(rng.chance(50)), mask: None, contents: None, dropins: Vec::new() },
        _ => {
            let contents = unit_contents(rng, &name);
            let enabled = if rng.chance(70) { Some(rng.chance(80)) } else { None };
            UnitModel { name, enabled, mask: None, contents: Some(contents), dropins: dropins(rng) }
        }
    }
}

fn unit_contents(rng: &mut Rng, name: &str) -> String {
    let section = match name.rsplit('.').next() {
        Some("timer") => "[Timer]\nOnCalendar=daily\n".to_string(),
        Some("socket") => "[Socket]\nListenStream=127.0.0.1:9999\n".to_string(),
        _ => format!("[Service]\nType=oneshot\nExecStart=/usr/bin/echo {}\n", rng.below(4)),
    };
    format!("[Unit]\nDescription=site unit {}\n\n{section}\n[Install]\nWantedBy=multi-user.target\n", rng.below(3))
}

/// One or two keys; rarely the same key twice (Ignition 3 refuses that within one user, the
/// spec 2 translation de-duplicates it).
fn ssh_keys(rng: &mut Rng) -> Vec<String> {
    let first = rng.below(4);
    let second = if rng.chance(10) { first } else { (first + 1 + rng.below(3)) % 4 };
    [first, second][..rng.between(1, 2)]
        .iter()
        .map(|&n| {
            format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey{n}Key{n}Key{n}Key{n}Key{n}Key{n}Key{n}Key{n} user{n}@example.com")
        })
        .collect()
}

/// One day-2 change to a pool's MachineConfigs.
fn mutate(rng: &mut Rng, mcs: &mut Vec<McModel>, roles: &[&'static str]) {
    if mcs.is_empty() || rng.chance(8) {
        let name = *rng.pick(MC_NAMES);
        if !mcs.iter().any(|m| m.name == name) {
            mcs.push(machine_config(rng, name, roles));
        }
        return;
    }
    let i = rng.below(mcs.len());
    match rng.below(14) {
        0 if mcs.len() > 1 => {
            mcs.remove(i);
        }
        0 | 1 => {
            let file = file(rng, &mcs[i]);
            let mc = &mut mcs[i];
            mc.files.retain(|f| f.path != file.path);
            mc.files.push(file);
        }
        2 if !mcs[i].files.is_empty() => {
            let j = rng.below(mcs[i].files.len());
            mcs[i].files.remove(j);
        }
        2..=4 if !mcs[i].files.is_empty() => {
            let j = rng.below(mcs[i].files.len());
            let file = &mut mcs[i].files[j];
            match rng.below(3) {
                0 => file.mode = Some(*rng.pick(MODES)),
                1 if file.path == REGISTRIES_CONF => file.text = Some(rng.pick(REGISTRIES).to_string()),
                _ => file.text = Some(text(rng)),
            }
        }
        5 => {
            let unit = unit(rng);
            let mc = &mut mcs[i];
            mc.units.retain(|u| u.name != unit.name);
            mc.units.push(unit);
        }
        6 if !mcs[i].units.is_empty() => {
            let j = rng.below(mcs[i].units.len());
            mcs[i].units.remove(j);
        }
        7 => mcs[i].ssh_keys = if rng.chance(80) { Some(ssh_keys(rng)) } else { None },
        8 => mcs[i].kernel_arguments = (0..rng.between(0, 2)).map(|_| rng.pick(KERNEL_ARGUMENTS).to_string()).collect(),
        9 => mcs[i].extensions = (0..rng.between(0, 2)).map(|_| rng.pick(EXTENSIONS).to_string()).collect(),
        10 => mcs[i].kernel_type = rng.chance(70).then(|| rng.pick(KERNEL_TYPES).to_string()),
        11 => mcs[i].os_image_url = rng.chance(60).then(|| rng.pick(CUSTOM_IMAGES).to_string()),
        12 if rng.chance(30) => mcs[i].fips = Some(!mcs[i].fips.unwrap_or(false)),
        _ => {
            // A registries.conf edit: the change the daemon's "Special" policy judges.
            let mc = &mut mcs[i];
            let text = Some(rng.pick(REGISTRIES).to_string());
            match mc.files.iter_mut().find(|f| f.path == REGISTRIES_CONF) {
                Some(file) => file.text = text,
                None => mc.files.push(FileModel {
                    path: REGISTRIES_CONF.into(),
                    text,
                    encoding: Encoding::Base64,
                    mode: Some(0o644),
                    overwrite: Some(true),
                    user: None,
                    group: None,
                }),
            }
        }
    }
}
