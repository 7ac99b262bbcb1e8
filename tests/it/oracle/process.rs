//! The MCO oracle (`../shared/tools/mco-oracle`): where to find it, and one process per case.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// sha256 of the decompressed binary, from the oracle's README.
const SHA256: &str = "0499d8a88920333740456dc1142ca556c1b1bac664105511f2667ab8119e40c7";
const COMPRESSED: &str = "shared/tools/mco-oracle/mco-oracle.xz";

/// The oracle binary: `$MCO_ORACLE`, else `target/mco-oracle`, else `shared/tools/mco-oracle/
/// mco-oracle.xz` beside the repository (or beside one of its parents) decompressed with `xz`
/// into `target/`. `Err` says why there is none.
pub fn locate(root: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("MCO_ORACLE") {
        let path = PathBuf::from(path);
        return if path.is_file() { Ok(path) } else { Err(format!("MCO_ORACLE={} is not a file", path.display())) };
    }
    let target = root.join("target").join("mco-oracle");
    if target.is_file() && sha256(&target).as_deref() == Some(SHA256) {
        return Ok(target);
    }
    let compressed = root
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(COMPRESSED))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("MCO_ORACLE is not set and no {COMPRESSED} was found beside the repository"))?;
    decompress(&compressed, &target)?;
    Ok(target)
}

/// `xz -dc` into a temporary file, checked, then renamed: test processes may race here.
fn decompress(compressed: &Path, target: &Path) -> Result<(), String> {
    let temporary = target.with_extension(format!("tmp{}", std::process::id()));
    let out = std::fs::File::create(&temporary).map_err(|e| format!("cannot create {}: {e}", temporary.display()))?;
    let status = Command::new("xz")
        .arg("-dc")
        .arg(compressed)
        .stdout(out)
        .status()
        .map_err(|e| format!("cannot run xz to decompress {}: {e}", compressed.display()))?;
    let checked = status.success() && sha256(&temporary).as_deref() == Some(SHA256);
    if !checked {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("{} did not decompress to the binary of sha256 {SHA256}", compressed.display()));
    }
    make_executable(&temporary)?;
    std::fs::rename(&temporary, target).map_err(|e| format!("cannot move the oracle into place: {e}"))
}

fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())
}

fn sha256(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|bytes| hex::encode(Sha256::digest(bytes)))
}

/// Runs one case; the oracle's JSON answer.
pub fn run(oracle: &Path, input: &Value) -> Result<Value, String> {
    let mut child = Command::new(oracle)
        // One OS thread is enough for one small case.
        .env("GOMAXPROCS", "1")
        // A case lives for milliseconds: collecting garbage only costs CPU the other workers need.
        .env("GOGC", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", oracle.display()))?;
    let bytes = serde_json::to_vec(input).map_err(|e| e.to_string())?;
    child.stdin.take().expect("stdin is piped").write_all(&bytes).map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("the oracle failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr)));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("the oracle's answer is not JSON: {e}"))
}
