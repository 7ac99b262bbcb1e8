//! Plans a pull request can be reviewed from: `--diff`, the `contents` digests, `--format
//! markdown`, `--quiet`, the table's headers and placement words, and `mcc explain --list`.

use std::path::Path;

use crate::support::{mcc, root};

const BEFORE: &str = "examples/cluster/before";
const AFTER: &str = "examples/cluster/after";

/// A worker MachineConfig writing `path` with `source` (a data URL).
fn file_mc(name: &str, path: &str, source: &str) -> String {
    format!(
        "apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: {name}
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.4.0
    storage:
      files:
        - path: {path}
          mode: 420
          contents:
            source: \"{source}\"
"
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn diff_shows_a_unified_diff_of_each_changed_text_file() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--diff"], None);
    run.expect_code(0);
    let chrony = "      --- a/etc/chrony.conf\n      +++ b/etc/chrony.conf\n      @@ -1,5 +1,6 @@\n       server ntp1.example.com iburst\n       server ntp2.example.com iburst\n      +server ntp3.example.com iburst\n";
    assert!(run.stdout.contains(chrony), "{}", run.stdout);
    // An added file diffs against /dev/null.
    assert!(run.stdout.contains("      --- /dev/null\n      +++ b/etc/containers/registries.d/mirror-sigstore.yaml\n"));
    // Without --diff, no contents are shown.
    let plain = mcc(&["plan", "--from", BEFORE, "--to", AFTER], None);
    assert!(!plain.stdout.contains("+++ b/etc/chrony.conf"), "{}", plain.stdout);
}

#[test]
fn binary_files_show_sizes_and_digests_in_text_and_json() {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // base64 of the bytes 00 01 02 and 00 01 02 03: a NUL makes them binary.
    write(old.path(), "mc.yaml", &file_mc("99-worker-blob", "/etc/blob.bin", "data:;base64,AAEC"));
    write(new.path(), "mc.yaml", &file_mc("99-worker-blob", "/etc/blob.bin", "data:;base64,AAECAw=="));
    let (from, to) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let (old_digest, new_digest) = (sha256(&[0, 1, 2]), sha256(&[0, 1, 2, 3]));

    let run = mcc(&["plan", "--from", from, "--to", to, "--diff"], None);
    run.expect_code(0);
    let expected = format!("      binary contents: 3 bytes sha256:{old_digest} -> 4 bytes sha256:{new_digest}\n");
    assert!(run.stdout.contains(&expected), "{}", run.stdout);

    let run = mcc(&["plan", "--from", from, "--to", to, "--diff", "--format", "json"], None);
    let plan = run.json();
    let change = &plan["pools"][0]["changes"][0];
    assert_eq!(change["name"], "/etc/blob.bin");
    assert_eq!(
        change["contents"],
        serde_json::json!({"old": {"sha256": old_digest, "size": 3}, "new": {"sha256": new_digest, "size": 4}})
    );
    assert_eq!(change["diff"], serde_json::Value::Null, "binary contents are not diffed");
}

#[test]
fn json_carries_contents_always_and_the_diff_when_asked() {
    let with = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json", "--diff"], None).json();
    let without = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json"], None).json();
    let chrony = |plan: &serde_json::Value| plan["pools"][0]["changes"][0].clone();
    assert_eq!(chrony(&with)["name"], "/etc/chrony.conf");
    let diff = chrony(&with)["diff"].as_str().unwrap().to_string();
    assert!(diff.starts_with("--- a/etc/chrony.conf\n+++ b/etc/chrony.conf\n@@ "), "{diff}");
    assert!(diff.contains("\n+server ntp3.example.com iburst\n"), "{diff}");
    assert!(chrony(&without).get("diff").is_none());
    // The digests are of the decoded contents: the new chrony.conf as the example writes it.
    let new = chrony(&without)["contents"]["new"].clone();
    assert_eq!(new["size"], 148);
    assert_eq!(new["sha256"].as_str().unwrap().len(), 64);
    // A spec field has no contents.
    let infra = without["pools"].as_array().unwrap().iter().find(|p| p["pool"] == "infra").unwrap().clone();
    let kargs = infra["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "kernelArguments").unwrap().clone();
    assert!(kargs.get("contents").is_none(), "{kargs:#}");
}

#[test]
fn the_table_has_headers_and_the_json_placement_words() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER], None);
    let json = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "json"], None).json();
    assert!(run.stdout.contains("    ENTRY "), "{}", run.stdout);
    assert!(run.stdout.contains("  PLACEMENT   ON CHANGE "), "{}", run.stdout);
    // Every placement the JSON says is the word the table says on the same change's line.
    for pool in json["pools"].as_array().unwrap() {
        for change in pool["changes"].as_array().unwrap() {
            let placement = change["placement"].as_str().unwrap();
            let name = change["name"].as_str().unwrap();
            let line = run.stdout.lines().find(|l| l.contains(&format!(" {name} ")) || l.ends_with(name)).unwrap();
            assert!(line.contains(&format!("  {placement} ")), "`{line}` does not say {placement}");
        }
    }
    // The legend names each placement by that word.
    for word in ["image (", "etc (", "var (", "rebootless (", "reject ("] {
        assert!(run.stdout.contains(word), "the legend lacks `{word}`");
    }
}

#[test]
fn markdown_plans_put_the_summary_first_and_the_details_collapsed() {
    let run = mcc(&["plan", "--from", BEFORE, "--to", AFTER, "--format", "markdown", "--diff"], None);
    run.expect_code(0);
    insta::assert_snapshot!("plan_example_markdown", run.stdout);
}

#[test]
fn quiet_prints_the_plan_and_a_count_of_diagnostics() {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // `mode: 0644` is a warning (MCC0006, octal under Kubernetes YAML rules).
    let mc = file_mc("99-worker-x", "/etc/x.conf", "data:,x").replace("mode: 420", "mode: 0644");
    write(new.path(), "mc.yaml", &mc);
    let (from, to) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let loud = mcc(&["plan", "--from", from, "--to", to], None);
    assert!(loud.stderr.contains("MCC0006"), "{}", loud.stderr);
    let quiet = mcc(&["plan", "--from", from, "--to", to, "--quiet"], None);
    quiet.expect_code(0);
    assert_eq!(quiet.stdout, loud.stdout, "--quiet keeps the plan");
    assert!(!quiet.stderr.contains("MCC0006"), "{}", quiet.stderr);
    assert!(quiet.stderr.contains("0 errors, 1 warning in the inputs"), "{}", quiet.stderr);
}

#[test]
fn explain_list_prints_every_code_with_its_summary() {
    let run = mcc(&["explain", "--list"], None);
    run.expect_code(0);
    let pages = std::fs::read_dir(root().join("docs/codes")).unwrap().count();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= pages, "{} lines for {pages} code pages", lines.len());
    for line in &lines {
        let mut fields = line.split_whitespace();
        let code = fields.next().unwrap();
        assert!(code.starts_with("MCC") && code.len() == 7, "{line}");
        assert!(["error", "warning", "info"].contains(&fields.next().unwrap()), "{line}");
        assert!(fields.next().is_some(), "no summary: {line}");
    }
    assert!(run.stdout.contains("MCC1005  error    a path is empty, relative or not in its simplest form\n"));
    // The stdlib's lints too.
    assert!(lines.iter().any(|l| l.starts_with("MCC6")), "{}", run.stdout);
    let mut codes: Vec<&str> = lines.iter().map(|l| &l[..7]).collect();
    codes.dedup();
    assert_eq!(codes.len(), lines.len(), "a code is listed twice");
}

#[test]
fn check_in_markdown_puts_the_counts_first_and_each_severity_collapsed() {
    let dir = tempfile::tempdir().unwrap();
    let mc = file_mc("99-worker-x", "/etc/x.conf", "data:,x").replace("mode: 420", "mode: 0644");
    write(dir.path(), "mc.yaml", &mc);
    let run = mcc(&["check", dir.path().to_str().unwrap(), "--format", "markdown"], None);
    run.expect_code(0);
    assert!(run.stdout.starts_with("### mcc check\n\n⚠️ 0 errors, 1 warning in 1 file"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("| [MCC0006](https://github.com/openshift/mcc/blob/main/docs/codes/MCC0006.md) | warning | 1 |")
    );
    assert!(run.stdout.contains("<details><summary>1 warning</summary>"), "{}", run.stdout);
}

#[test]
fn markdown_leaves_out_diffs_past_a_comments_limit_but_keeps_the_tables() {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // 1,900 lines of 40 characters replaced: a diff of about 150 KB, past GitHub's 65,536-character
    // comment limit, yet within what mcc diffs line by line.
    let text = |tag: &str| (0..1900).map(|i| format!("{tag}-line-{i:04}-{}%0A", "x".repeat(26))).collect::<String>();
    write(old.path(), "mc.yaml", &file_mc("99-worker-big", "/etc/big.conf", &format!("data:,{}", text("old"))));
    write(new.path(), "mc.yaml", &file_mc("99-worker-big", "/etc/big.conf", &format!("data:,{}", text("new"))));
    let (from, to) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let run = mcc(&["plan", "--from", from, "--to", to, "--format", "markdown", "--diff"], None);
    run.expect_code(0);
    assert!(run.stdout.len() < 65_536, "{} characters", run.stdout.len());
    assert!(run.stdout.contains("| ~ | `file /etc/big.conf` |"), "{}", run.stdout);
    assert!(run.stdout.contains("1 diff left out to stay under GitHub's comment limit"), "{}", run.stdout);
    // The human view has no such limit.
    let human = mcc(&["plan", "--from", from, "--to", to, "--diff"], None);
    assert!(human.stdout.contains(&format!("      +new-line-1899-{}\n", "x".repeat(26))), "{}", human.stdout);
}
