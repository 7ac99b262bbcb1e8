//! A directory input of `mcc check` made hostile, with the real binary: the walk reads the
//! files of the input's own directories (a symlink to a file inside is read too), and refuses a
//! symlink that leads out of the input (MCC0016, `/dev/zero` among them: a read without end), a
//! FIFO (MCC0017: an open that would block forever) and a file over the size limit (MCC0018);
//! a symlinked directory is not walked. The walk resolves only the symlinks it meets: a file it
//! reached through real directories is inside by construction.

use std::fs;
use std::os::unix::fs::symlink;

use crate::read_bounds::{link_to_dev_zero, mcc_bounded, mkfifo, sparse};

fn machine_config(name: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: {name}\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [{name}]\n"
    )
}

#[test]
fn a_directory_input_reads_its_own_files_and_refuses_links_out_fifos_and_devices() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("repo");
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::create_dir_all(input.join("data")).unwrap();
    fs::write(input.join("a.yaml"), machine_config("a")).unwrap();
    fs::write(input.join("sub/b.yaml"), machine_config("b")).unwrap();
    // Not a YAML name, so read only through the link to it.
    fs::write(input.join("data/c.txt"), machine_config("c")).unwrap();
    symlink("data/c.txt", input.join("c.yaml")).unwrap();
    let outside = work.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("d.yaml"), machine_config("d")).unwrap();
    symlink(outside.join("d.yaml"), input.join("out.yaml")).unwrap();
    symlink(&outside, input.join("linked")).unwrap();
    mkfifo(&input.join("fifo.yaml"));
    link_to_dev_zero(&input.join("zero.yaml"));
    sparse(&input.join("huge.yaml"), (64 << 20) + 1);

    let run = mcc_bounded(&["check", input.to_str().unwrap()]);
    assert!(run.code.is_some(), "mcc hangs\n{run}");
    // The report, one diagnostic a piece (each starts with its code).
    let reports: Vec<String> =
        run.stdout.split(" MCC").map(|r| format!("MCC{}", r.trim_start_matches("MCC"))).collect();
    let refused = |file: &str, code: &str, message: &str| {
        assert!(
            reports.iter().any(|r| r.starts_with(code) && r.contains(&format!("repo/{file}:")) && r.contains(message)),
            "{file}: {code} `{message}`\n{run}"
        );
    };
    refused("out.yaml", "MCC0016", "points outside the directory input");
    refused("zero.yaml", "MCC0016", "to /dev/zero");
    refused("fifo.yaml", "MCC0017", "this is a FIFO, not a regular file");
    refused("huge.yaml", "MCC0018", "larger than 64 MiB");
    assert_eq!(reports.len(), 4, "nothing else is reported\n{run}");
    // a, b and c are read; d, outside, never is (neither through its link nor its directory's).
    assert!(run.stdout.ends_with("1 error, 3 warnings in 3 files (3 MachineConfigs, 1 pool rendered)"), "{run}");
    assert_eq!(run.code, Some(1), "{run}");
}
