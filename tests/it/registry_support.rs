//! A real registry for the push tests: Debian's `docker-registry` (the CNCF distribution
//! registry), started on a free loopback port with a temporary storage directory, optionally
//! behind basic auth with a bcrypt htpasswd made by `htpasswd -B`, and stopped when dropped.
//! Its access log says which requests the pushes made.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::oci::tool;

/// How long the registry may take to answer its first request.
const STARTUP: Duration = Duration::from_secs(20);

pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// Whether `htpasswd` can make a bcrypt entry; panics in CI when it cannot.
fn htpasswd_available() -> bool {
    let found = Command::new("htpasswd").args(["-Bbn", "u", "p"]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "`htpasswd` (apache2-utils) is required in CI (.ci/run installs it)");
        eprintln!("skipping: `htpasswd` is not installed");
    }
    found
}

impl Registry {
    /// A running registry, or `None` (the test skips) when the tools are missing outside CI.
    /// `user` puts it behind basic auth with that user and password.
    pub fn start(user: Option<(&str, &str)>) -> Option<Registry> {
        if !Command::new("docker-registry").arg("--version").output().is_ok_and(|o| o.status.success()) {
            assert!(std::env::var_os("CI").is_none(), "`docker-registry` is required in CI (.ci/run installs it)");
            eprintln!("skipping: `docker-registry` is not installed");
            return None;
        }
        if !tool("skopeo") || (user.is_some() && !htpasswd_available()) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut auth = String::new();
        if let Some((name, password)) = user {
            let out = Command::new("htpasswd").args(["-Bbn", name, password]).output().unwrap();
            assert!(out.status.success(), "htpasswd: {}", String::from_utf8_lossy(&out.stderr));
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            auth = format!("auth:\n  htpasswd:\n    realm: mcc-test\n    path: {}\n", file.display());
        }
        // A port that was free a moment ago; another process taking it in between makes the
        // registry exit, and the next attempt takes another.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let host = format!("127.0.0.1:{port}");
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n{auth}",
                    dir.path().join("storage").display()
                ),
            )
            .unwrap();
            let log = dir.path().join(format!("registry-{port}.log"));
            let file = std::fs::File::create(&log).unwrap();
            let mut child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(file.try_clone().unwrap())
                .stderr(file)
                .spawn()
                .unwrap();
            if wait_until_up(&mut child, &host) {
                return Some(Registry { child, host, log, _dir: dir });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("docker-registry did not start on a loopback port");
    }

    /// How many blob uploads the registry has started in `repository` so far (`POST
    /// /v2/REPOSITORY/blobs/uploads/` in its access log).
    pub fn uploads(&self, repository: &str) -> usize {
        let needle = format!("\"POST /v2/{repository}/blobs/uploads/");
        std::fs::read_to_string(&self.log).unwrap().lines().filter(|l| l.contains(&needle)).count()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Polls `GET /v2/` until the registry answers (200, or 401 behind auth) or exits.
fn wait_until_up(child: &mut Child, host: &str) -> bool {
    let deadline = Instant::now() + STARTUP;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if let Ok(mut stream) = TcpStream::connect(host) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!("GET /v2/ HTTP/1.0\r\nHost: {host}\r\n\r\n");
            let mut status = [0u8; 12];
            if stream.write_all(request.as_bytes()).is_ok() && stream.read_exact(&mut status).is_ok() {
                let line = String::from_utf8_lossy(&status);
                if line.ends_with("200") || line.ends_with("401") {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The containers auth file with `user:password` for `host`.
pub fn auth_file(path: &Path, host: &str, user: &str, password: &str) {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::write(path, format!("{{\"auths\":{{\"{host}\":{{\"auth\":\"{token}\"}}}}}}")).unwrap();
}
