//! `ControllerConfig`: the MCO's own configuration object, which `--cluster` dumps carry. mcc
//! reads the base images from it: the OS image every pool gets where no MachineConfig overrides
//! `osImageURL`, and the extensions image.

use crate::load::node::{Entry, Node};
use crate::load::reader::{self, Diagnostics, Spanned, field};
use crate::model::metadata::Metadata;
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct ControllerConfig {
    pub metadata: Metadata,
    /// `spec.osImageURL`: the older field, still set by the operator.
    pub os_image_url: Option<Spanned<String>>,
    pub base_os_container_image: Option<Spanned<String>>,
    pub base_os_extensions_container_image: Option<Spanned<String>>,
    pub span: Span,
}

impl ControllerConfig {
    /// `GetBaseImageContainer` without OS image streams: `baseOSContainerImage`, or the older
    /// `osImageURL` when a cluster predates it.
    pub fn base_image(&self) -> Option<&str> {
        self.base_os_container_image.as_ref().or(self.os_image_url.as_ref()).map(|u| u.value.as_str())
    }

    pub fn base_extensions_image(&self) -> Option<&str> {
        self.base_os_extensions_container_image.as_ref().map(|u| u.value.as_str())
    }
}

/// Reads the image fields of `spec`; the rest of the (large) object is the operator's business.
pub fn read(root: &Node, entries: &[Entry], metadata: Metadata, diagnostics: &mut Diagnostics) -> ControllerConfig {
    let spec = field(entries, "spec").map_or(&[][..], |s| reader::mapping(s, diagnostics));
    let image = |key: &str, diagnostics: &mut Diagnostics| {
        field(spec, key).and_then(|n| reader::string(n, diagnostics)).filter(|s| !s.value.is_empty())
    };
    ControllerConfig {
        metadata,
        os_image_url: image("osImageURL", diagnostics),
        base_os_container_image: image("baseOSContainerImage", diagnostics),
        base_os_extensions_container_image: image("baseOSExtensionsContainerImage", diagnostics),
        span: root.span,
    }
}
