//! `--platform OS/ARCH[/VARIANT]`: the platform an image is built for, written into the image
//! configuration (`os`, `architecture`, `variant`) and checked against the base image's, since a
//! layer for one architecture on a base of another would boot nowhere.

use oci_spec::image::ImageConfiguration;

use crate::oci::host_architecture;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    /// A `GOARCH` name: `amd64`, `arm64`, `ppc64le`, `s390x`.
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `linux` on the architecture mcc runs on: what an image without `--platform` gets.
    pub fn host() -> Platform {
        Platform { os: "linux".into(), architecture: host_architecture().into(), variant: None }
    }

    pub fn parse(text: &str) -> Result<Platform> {
        let parts: Vec<&str> = text.split('/').collect();
        let word =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        match parts.as_slice() {
            [os, arch] if word(os) && word(arch) => {
                Ok(Platform { os: (*os).into(), architecture: (*arch).into(), variant: None })
            }
            [os, arch, variant] if word(os) && word(arch) && word(variant) => {
                Ok(Platform { os: (*os).into(), architecture: (*arch).into(), variant: Some((*variant).into()) })
            }
            _ => Err(Error::new(format!("`{text}` is not a platform: write OS/ARCH[/VARIANT], e.g. linux/amd64"))),
        }
    }

    /// The platform an image configuration declares; `None` when its OS or architecture is empty
    /// (both are required by the image spec, but a hand-made base may leave them blank).
    pub fn of_config(config: &ImageConfiguration) -> Option<Platform> {
        let text = |value: String| Some(value).filter(|t| !t.is_empty());
        Some(Platform {
            os: text(config.os().to_string())?,
            architecture: text(config.architecture().to_string())?,
            variant: config.variant().clone().and_then(text),
        })
    }

    /// Whether an image of `self` may go on a base of `base`: the same OS and architecture, and
    /// the same variant when both name one.
    pub fn matches(&self, base: &Platform) -> bool {
        self.os == base.os
            && self.architecture == base.architecture
            && match (&self.variant, &base.variant) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn platforms_parse_and_compare() {
        let amd = Platform::parse("linux/amd64").unwrap();
        assert_eq!(amd.to_string(), "linux/amd64");
        let arm = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!(arm.variant.as_deref(), Some("v8"));
        for bad in ["linux", "linux/", "Linux/amd64", "linux/amd64/v8/x", ""] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
        let config = |os: &str, arch: &str| -> ImageConfiguration {
            serde_json::from_value(
                json!({"os": os, "architecture": arch, "rootfs": {"type": "layers", "diff_ids": []}}),
            )
            .unwrap()
        };
        let base = Platform::of_config(&config("linux", "arm64")).unwrap();
        assert_eq!(Platform::of_config(&config("linux", "")), None);
        assert!(arm.matches(&base), "a variant the base does not name still matches");
        assert!(!amd.matches(&base));
    }
}
