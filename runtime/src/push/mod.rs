//! Pushing a built image to a registry (`mcc build --push docker://HOST/REPO:TAG`).
//!
//! The push is `skopeo copy` from the OCI layout `mcc build` wrote. Why skopeo rather than a Rust
//! registry client: the maintained one (`oci-client`) brings tokio, reqwest and a TLS stack, a
//! large build on the project's two-core machines, for an HTTP exchange that skopeo already does
//! the way every other containers tool does it: token and basic auth from the containers auth file,
//! a HEAD per blob so the registry's copies are reused and only missing blobs are uploaded,
//! `--preserve-digests` so the manifest pushed is byte for byte the one built, and `--digestfile`
//! to say what was pushed. skopeo ships with Debian and on every image-mode host. When it is
//! missing the push fails with its own code (MCC5201) instead of falling back to something weaker.
//!
//! skopeo runs without a shell, its arguments a vector; its output goes to files in a private
//! temporary directory and only a bounded tail of it is read back.

mod auth;
mod reference;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub use auth::{AuthEnv, AuthSource, resolve as resolve_auth};
pub use reference::DockerRef;

use crate::apply::Diagnostic;

/// The codes `mcc build` reports (`MCC52xx`), registered with their pages in the compiler's code
/// table like every other code.
pub mod codes {
    /// `skopeo` cannot be run.
    pub const PUSH_TOOL_MISSING: &str = "MCC5201";
    /// The registry refused the credentials, or there were none; or a named auth file is missing.
    pub const PUSH_UNAUTHORIZED: &str = "MCC5202";
    /// The push failed for another reason (unreachable registry, TLS, a refused manifest).
    pub const PUSH_FAILED: &str = "MCC5203";
    /// `--platform` differs from the base image's.
    pub const PLATFORM_MISMATCH: &str = "MCC5204";
    /// `--out oci:DIR` names something that is neither missing, an empty directory, nor an OCI layout.
    pub const LAYOUT_INVALID: &str = "MCC5205";
    /// `layer-plan.json` or a blob it names cannot be read: missing, not a regular file, over its
    /// size limit, or not a `mcc.layer-plan/v1` document.
    pub const BUILD_PLAN_UNREADABLE: &str = "MCC5206";
    /// A blob, or the layer built from the blobs, differs from what the layer plan records.
    pub const BUILD_CONTENT_MISMATCH: &str = "MCC5207";
    /// `--base oci:DIR`'s image cannot be read: a file of the layout is missing, not a regular
    /// file, over its size limit or not what its descriptor records, or the tag names no image.
    pub const BASE_UNREADABLE: &str = "MCC5208";

    /// Every code `mcc build` reports, in code order.
    pub const BUILD_CODES: &[&str] = &[
        PUSH_TOOL_MISSING,
        PUSH_UNAUTHORIZED,
        PUSH_FAILED,
        PLATFORM_MISMATCH,
        LAYOUT_INVALID,
        BUILD_PLAN_UNREADABLE,
        BUILD_CONTENT_MISMATCH,
        BASE_UNREADABLE,
    ];
}

/// How much of skopeo's error output is read back for the message.
const MAX_OUTPUT_TAIL: u64 = 4096;
/// A digest file holds `sha256:` and 64 hex digits; anything longer is not one.
const MAX_DIGEST_FILE: u64 = 256;

pub struct PushOptions {
    /// `--dest-tls-verify`: false only for test registries over plain HTTP.
    pub tls_verify: bool,
    pub auth: AuthSource,
    /// The skopeo to run: `skopeo` from `PATH`.
    pub skopeo: PathBuf,
    /// skopeo's `--command-timeout`: a registry that stops answering fails the push instead of
    /// hanging it.
    pub timeout: Duration,
}

/// What the registry holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// `sha256:…` of the manifest pushed.
    pub digest: String,
    /// `HOST/REPO@sha256:…`.
    pub reference: String,
}

/// Pushes the image tagged `tag` in the OCI layout `layout` to `dest`.
pub fn push(layout: &Path, tag: &str, dest: &DockerRef, options: &PushOptions) -> Result<Pushed, Box<Diagnostic>> {
    let failed = |message: String| Box::new(Diagnostic::new(codes::PUSH_FAILED, message));
    let layout_text = layout.to_str().filter(|t| !t.contains(':')).ok_or_else(|| {
        failed(format!(
            "the layout path `{}` cannot be named in an oci: reference (a colon or not UTF-8)",
            layout.display()
        ))
    })?;
    let work = tempfile::tempdir().map_err(|e| failed(format!("cannot make a temporary directory: {e}")))?;
    let auth_file = match &options.auth {
        AuthSource::File(path) => path.clone(),
        AuthSource::Anonymous => {
            let empty = work.path().join("auth.json");
            std::fs::write(&empty, br#"{"auths":{}}"#)
                .map_err(|e| failed(format!("cannot write {}: {e}", empty.display())))?;
            empty
        }
    };
    let digest_file = work.path().join("digest");
    let output_file = work.path().join("output");
    let output =
        File::create(&output_file).map_err(|e| failed(format!("cannot write {}: {e}", output_file.display())))?;
    let errors = output.try_clone().map_err(|e| failed(format!("cannot write {}: {e}", output_file.display())))?;
    let args: Vec<String> = vec![
        format!("--command-timeout={}s", options.timeout.as_secs()),
        "copy".into(),
        "--preserve-digests".into(),
        "--digestfile".into(),
        digest_file.display().to_string(),
        "--dest-authfile".into(),
        auth_file.display().to_string(),
        format!("--dest-tls-verify={}", options.tls_verify),
        format!("oci:{layout_text}:{tag}"),
        dest.to_string(),
    ];
    let status = Command::new(&options.skopeo)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(output))
        .stderr(Stdio::from(errors))
        .status();
    let status = match status {
        Ok(status) => status,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(Box::new(
                Diagnostic::new(
                    codes::PUSH_TOOL_MISSING,
                    format!("cannot push to {dest}: `{}` is not installed", options.skopeo.display()),
                )
                .with_help("install skopeo (Debian and Fedora package it as `skopeo`), or push the layout yourself"),
            ));
        }
        Err(error) => return Err(failed(format!("cannot run `{}`: {error}", options.skopeo.display()))),
    };
    if !status.success() {
        let said = tail(&output_file, MAX_OUTPUT_TAIL).unwrap_or_default();
        return Err(Box::new(refusal(dest, &said)));
    }
    let digest = read_digest(&digest_file).map_err(|e| failed(format!("skopeo pushed {dest} but {e}")))?;
    Ok(Pushed { reference: dest.with_digest(&digest), digest })
}

/// A failed push, with the code its output points at.
fn refusal(dest: &DockerRef, said: &str) -> Diagnostic {
    let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no output)").trim();
    let lower = said.to_ascii_lowercase();
    // Whole phrases only: a digest in the output may hold `401`, and a local `permission denied`
    // is not the registry's refusal.
    let unauthorized = [
        "unauthorized",
        "authentication required",
        "invalid username/password",
        "requested access to the resource is denied",
        "403 forbidden",
    ]
    .iter()
    .any(|word| lower.contains(word));
    if unauthorized {
        Diagnostic::new(codes::PUSH_UNAUTHORIZED, format!("{} refused the push of {dest}: {last}", dest.host)).with_help(
            "log in first (`skopeo login HOST`, `podman login HOST`), or point REGISTRY_AUTH_FILE or --authfile at an auth file with credentials for this registry",
        )
    } else if lower.contains("deadline exceeded") {
        Diagnostic::new(codes::PUSH_FAILED, format!("cannot push {dest}: {last}")).with_help(
            "the registry did not answer in time: check that it is reachable, or give --push-timeout more seconds",
        )
    } else {
        Diagnostic::new(codes::PUSH_FAILED, format!("cannot push {dest}: {last}"))
            .with_help("a test registry over plain HTTP needs --tls-verify=false")
    }
}

/// The last `max` bytes of a file, as text.
fn tail(path: &Path, max: u64) -> io::Result<String> {
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(max)))?;
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn read_digest(path: &Path) -> Result<String, String> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(MAX_DIGEST_FILE).read_to_string(&mut text))
        .map_err(|e| format!("its digest file cannot be read: {e}"))?;
    let digest = text.trim();
    let hex = digest.strip_prefix("sha256:").unwrap_or("");
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        Ok(digest.to_string())
    } else {
        Err(format!("its digest file holds `{digest}`, not a sha256 digest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest() -> DockerRef {
        DockerRef::parse("docker://127.0.0.1:5000/mcc/worker:v1").unwrap()
    }

    #[test]
    fn a_refusal_is_classified_by_what_the_registry_said() {
        let auth = refusal(&dest(), "Copying blob\nError: writing blob: ... unauthorized: authentication required\n");
        assert_eq!(auth.code, codes::PUSH_UNAUTHORIZED);
        assert!(auth.message.contains("authentication required"), "{auth}");
        let other = refusal(&dest(), "Error: ... http: server gave HTTP response to HTTPS client\n");
        assert_eq!(other.code, codes::PUSH_FAILED);
        let local = refusal(&dest(), "Error: open /x/blobs/sha256/4013: permission denied\n");
        assert_eq!(local.code, codes::PUSH_FAILED, "a digest with 401 and a local permission error");
        assert_eq!(refusal(&dest(), "").message, "cannot push docker://127.0.0.1:5000/mcc/worker:v1: (no output)");
    }

    #[test]
    fn a_missing_skopeo_has_its_own_code() {
        let dir = tempfile::tempdir().unwrap();
        let options = PushOptions {
            tls_verify: false,
            auth: AuthSource::Anonymous,
            skopeo: dir.path().join("no-such-skopeo"),
            timeout: Duration::from_secs(1),
        };
        let error = push(dir.path(), "latest", &dest(), &options).unwrap_err();
        assert_eq!(error.code, codes::PUSH_TOOL_MISSING, "{error}");
    }

    #[test]
    fn only_the_tail_of_the_output_and_a_real_digest_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join("long");
        std::fs::write(&long, format!("{}\nlast line", "x".repeat(10_000))).unwrap();
        let read = tail(&long, 64).unwrap();
        assert_eq!(read.len(), 64);
        assert!(read.ends_with("last line"));
        let digest = dir.path().join("digest");
        std::fs::write(&digest, format!("sha256:{}\n", "a".repeat(64))).unwrap();
        assert_eq!(read_digest(&digest).unwrap(), format!("sha256:{}", "a".repeat(64)));
        std::fs::write(&digest, "sha256:ABC").unwrap();
        assert!(read_digest(&digest).is_err());
        std::fs::write(&digest, "x".repeat(10_000)).unwrap();
        assert!(read_digest(&digest).is_err());
    }
}
