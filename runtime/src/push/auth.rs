//! Which containers auth file a push uses, looked up in the order podman, buildah and skopeo
//! document (`containers-auth.json(5)`), reduced to the three places the issue names:
//! `--authfile`, then `REGISTRY_AUTH_FILE`, then `${XDG_RUNTIME_DIR}/containers/auth.json`, then
//! `~/.docker/config.json`. mcc decides and hands skopeo that one file (or an empty one), so the
//! credentials used never depend on skopeo's own, wider search.

use std::path::{Path, PathBuf};

use super::codes;
use crate::apply::Diagnostic;

/// Where the credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSource {
    /// A file that exists.
    File(PathBuf),
    /// No auth file anywhere: the push is anonymous.
    Anonymous,
}

/// The environment the lookup reads, passed in so tests need not change the process's.
pub struct AuthEnv {
    pub registry_auth_file: Option<String>,
    pub xdg_runtime_dir: Option<String>,
    pub home: Option<String>,
}

impl AuthEnv {
    pub fn from_process() -> AuthEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        AuthEnv {
            registry_auth_file: var("REGISTRY_AUTH_FILE"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
            home: var("HOME"),
        }
    }
}

/// The auth file to use. A file named explicitly (`--authfile`, `REGISTRY_AUTH_FILE`) must exist:
/// silently pushing anonymously instead would hide a typo until the registry refuses.
pub fn resolve(explicit: Option<&Path>, env: &AuthEnv) -> Result<AuthSource, Box<Diagnostic>> {
    let named = explicit
        .map(|p| (p.to_path_buf(), "--authfile"))
        .or_else(|| env.registry_auth_file.as_ref().map(|p| (PathBuf::from(p), "REGISTRY_AUTH_FILE")));
    if let Some((path, from)) = named {
        if path.is_file() {
            return Ok(AuthSource::File(path));
        }
        return Err(Box::new(
            Diagnostic::new(
                codes::PUSH_UNAUTHORIZED,
                format!("{from} names `{}`, which is not a readable file", path.display()),
            )
            .with_help("create it with `skopeo login --authfile FILE HOST` (or `podman login`), or unset it"),
        ));
    }
    let defaults = [
        env.xdg_runtime_dir.as_ref().map(|d| Path::new(d).join("containers").join("auth.json")),
        env.home.as_ref().map(|h| Path::new(h).join(".docker").join("config.json")),
    ];
    Ok(defaults.into_iter().flatten().find(|p| p.is_file()).map_or(AuthSource::Anonymous, AuthSource::File))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(registry_auth_file: Option<&Path>, xdg: Option<&Path>, home: Option<&Path>) -> AuthEnv {
        let s = |p: Option<&Path>| p.map(|p| p.display().to_string());
        AuthEnv { registry_auth_file: s(registry_auth_file), xdg_runtime_dir: s(xdg), home: s(home) }
    }

    #[test]
    fn the_first_auth_file_found_wins_in_the_documented_order() {
        let dir = tempfile::tempdir().unwrap();
        let (xdg, home) = (dir.path().join("run"), dir.path().join("home"));
        std::fs::create_dir_all(xdg.join("containers")).unwrap();
        std::fs::create_dir_all(home.join(".docker")).unwrap();
        let docker = home.join(".docker/config.json");
        std::fs::write(&docker, "{}").unwrap();
        assert_eq!(resolve(None, &env(None, Some(&xdg), Some(&home))).unwrap(), AuthSource::File(docker.clone()));
        let runtime = xdg.join("containers/auth.json");
        std::fs::write(&runtime, "{}").unwrap();
        assert_eq!(resolve(None, &env(None, Some(&xdg), Some(&home))).unwrap(), AuthSource::File(runtime.clone()));
        let explicit = dir.path().join("auth.json");
        std::fs::write(&explicit, "{}").unwrap();
        let with_variable = env(Some(&explicit), Some(&xdg), Some(&home));
        assert_eq!(resolve(None, &with_variable).unwrap(), AuthSource::File(explicit.clone()));
        assert_eq!(resolve(Some(&docker), &with_variable).unwrap(), AuthSource::File(docker), "--authfile first");
        assert_eq!(resolve(None, &env(None, None, None)).unwrap(), AuthSource::Anonymous);
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let error = resolve(None, &env(Some(&missing), None, None)).unwrap_err();
        assert_eq!(error.code, codes::PUSH_UNAUTHORIZED);
        assert!(error.message.contains("REGISTRY_AUTH_FILE"), "{error}");
        assert!(resolve(Some(&missing), &env(None, None, None)).is_err());
    }
}
