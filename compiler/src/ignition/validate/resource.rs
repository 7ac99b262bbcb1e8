//! Ignition's rules on a file's contents: the source URL and its scheme, compression, HTTP
//! headers, and the verification hash, checked against the decoded data URL.

use super::Validator;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::hash::HashMap;
use crate::ignition::content::{self, Decoded, SourceKind};
use crate::ignition::types::*;
use crate::load::reader::Spanned;
use crate::source::{SharedStr, Span};

impl Validator<'_> {
    pub(super) fn resource(&mut self, resource: &mut Resource) {
        self.resource_settings(resource);
        // Shared with the input's text from here on, not copied into every rendered pool.
        if let Some(source) = &mut resource.source {
            source.value = SharedStr::from_source(self.sources, source.span, &source.value);
        }
        // An empty source is a valid URL to Ignition: an empty file.
        let Some(source) = resource.source.as_ref().filter(|s| !s.value.is_empty()) else {
            if let Some(hash) = &resource.hash {
                self.push(Diagnostic::new(
                    &codes::HASH_INVALID,
                    hash.span,
                    "source must be specified if verification is specified",
                ));
            }
            return;
        };
        let scheme = content::source_scheme(&source.value);
        let scheme = scheme.as_deref();
        let hash = resource.hash.as_ref().and_then(|h| self.hash(h));
        match content::classify_source(&source.value) {
            SourceKind::Data => resource.decoded = self.data_url(source, resource, hash.as_ref()),
            SourceKind::Remote => {
                let since = match scheme {
                    Some("gs") => 2,
                    Some("arn") => 4,
                    _ => 0,
                };
                if self.minor < since {
                    self.invalid_scheme(
                        source,
                        &format!("the `{}` scheme arrived in spec 3.{since}.0", scheme.unwrap_or_default()),
                    );
                } else {
                    self.push(
                        Diagnostic::new(
                            &codes::REMOTE_SOURCE,
                            source.span,
                            "the contents come from a remote URL and cannot be known offline",
                        )
                        .with_help("inline the contents as a data URL so that mcc can check, place and bake them"),
                    );
                }
            }
            SourceKind::Unknown => {
                self.invalid_scheme(source, "Ignition reads data, http, https, tftp, s3, gs and arn URLs")
            }
        }
    }

    /// Compression and HTTP headers are checked whether or not there is a source.
    fn resource_settings(&mut self, resource: &Resource) {
        self.http_headers(&resource.http_headers);
        let scheme = resource.source.as_ref().and_then(|s| content::source_scheme(&s.value));
        let scheme = scheme.as_deref();
        if !resource.http_headers.is_empty() && !matches!(scheme, Some("http" | "https")) {
            let span = resource.http_headers[0].span;
            self.push(
                Diagnostic::new(&codes::HTTP_HEADERS_NOT_HTTP, span, "cannot use HTTP headers with this source scheme")
                    .with_help("HTTP headers go with an http or https source only"),
            );
        }
        if let Some(compression) = &resource.compression
            && !matches!(compression.value.as_str(), "" | "gzip")
        {
            self.push(
                Diagnostic::new(
                    &codes::COMPRESSION_INVALID,
                    compression.span,
                    format!("invalid compression method `{}`", compression.value),
                )
                .with_help("Ignition knows `gzip`, or no compression"),
            );
        }
    }

    /// Ignition's `HTTPHeaders.Validate`: a non-empty name, a non-empty value when one is given,
    /// and each name once.
    fn http_headers(&mut self, headers: &[Spanned<Json>]) {
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for header in headers {
            let name = header.value.get("name").and_then(Json::as_str).unwrap_or("");
            let value = header.value.get("value");
            let problem = if name.is_empty() {
                Some("HTTP header name can't be empty")
            } else if value.is_some_and(|v| v.as_str() == Some("")) {
                Some("HTTP header value can't be empty")
            } else {
                None
            };
            if let Some(message) = problem {
                self.push(Diagnostic::new(&codes::HTTP_HEADER_INVALID, header.span, message).with_help(
                    "give every header a name and a value, such as `{name: Authorization, value: \"Bearer …\"}`",
                ));
            } else if let Some(first) = seen.insert(name, header.span) {
                self.push(
                    Diagnostic::new(
                        &codes::HTTP_HEADER_INVALID,
                        header.span,
                        format!("duplicate entry defined: HTTP header `{name}`"),
                    )
                    .with_related(first, "first defined here")
                    .with_help("give each header once"),
                );
            }
        }
    }

    fn invalid_scheme(&mut self, source: &Spanned<SharedStr>, help: &str) {
        self.push(
            Diagnostic::new(&codes::SOURCE_URL_INVALID, source.span, "invalid url scheme").with_help(help.to_string()),
        );
    }

    fn hash(&mut self, hash: &Spanned<String>) -> Option<content::HashSpec> {
        match content::parse_hash(&hash.value) {
            Ok(content::HashSpec::Sha256(_)) if self.minor < 1 => {
                self.push(
                    Diagnostic::new(&codes::HASH_INVALID, hash.span, "unrecognized hash function")
                        .with_help("sha256 arrived in spec 3.1.0; use sha512 or raise the version"),
                );
                None
            }
            Ok(spec) => Some(spec),
            Err(error) => {
                self.push(
                    Diagnostic::new(&codes::HASH_INVALID, hash.span, error.to_string())
                        .with_help("write `sha512-<128 hex digits>` or `sha256-<64 hex digits>`"),
                );
                None
            }
        }
    }

    /// Decodes a data URL as Ignition does, then decompresses and checks the hash, pointing at
    /// the exact character that does not decode. What it decoded is kept, so that no later stage
    /// decodes the URL again.
    fn data_url(
        &mut self,
        source: &Spanned<SharedStr>,
        resource: &Resource,
        hash: Option<&content::HashSpec>,
    ) -> Decoded {
        if self.budget.spent() {
            return Decoded::OverBudget;
        }
        let decoded = match content::decode_data_url(&source.value) {
            Ok(decoded) => decoded,
            Err(error) => {
                let at = self.value_offset(source.span) + error.offset;
                let span = Span::new(source.span.source, at, (at + 1).min(source.span.end as usize));
                self.push(
                    Diagnostic::new(&codes::DATA_URL_INVALID, span, format!("invalid data URL: {}", error.kind))
                        .with_label("this character")
                        .with_help("percent-encode the payload (space is %20, newline %0A) or use `;base64,`"),
                );
                return Decoded::Failed(error.to_string().into());
            }
        };
        let compression = resource.compression.as_ref().map(|c| c.value.as_str());
        if let Some(method) = compression.filter(|c| !matches!(*c, "" | "gzip")) {
            // Reported as an invalid method.
            return Decoded::Failed(content::CompressionError::InvalidMethod(method.to_owned()).to_string().into());
        }
        // The per-file cap bounds gzip output only (an input file is already bounded); the
        // run's budget bounds every URL's bytes.
        let per_file = if compression == Some("gzip") { content::MAX_DECOMPRESSED_SIZE } else { usize::MAX };
        let limit = self.budget.limit(per_file);
        let bytes = match content::decompress_within(decoded.bytes, compression, limit) {
            Ok(bytes) => bytes,
            Err(content::CompressionError::TooLarge) if limit < per_file => {
                self.over_budget(source);
                return Decoded::OverBudget;
            }
            Err(error) => {
                self.budget.require(limit);
                let span = resource.compression.as_ref().map_or(source.span, |c| c.span);
                self.push(
                    Diagnostic::new(
                        &codes::CONTENTS_NOT_DECOMPRESSIBLE,
                        span,
                        format!("the contents do not decompress: {error}"),
                    )
                    .with_related(source.span, "these contents"),
                );
                return Decoded::Failed(error.to_string().into());
            }
        };
        self.budget.take(bytes.len());
        if let (Some(spec), Some(hash)) = (hash, &resource.hash)
            && let Err(mismatch) = content::verify_hash(spec, &bytes)
        {
            self.push(
                Diagnostic::new(&codes::HASH_MISMATCH, hash.span, mismatch.to_string())
                    .with_related(source.span, "these contents")
                    .with_help("the hash is over the decoded, decompressed bytes; recompute it or fix the contents"),
            );
        }
        Decoded::Bytes(self.budget.hold(bytes))
    }

    /// MCC0019, on the data URL that crossed the run's budget; no later one is decoded.
    fn over_budget(&mut self, source: &Spanned<SharedStr>) {
        let total = self.budget.total();
        self.budget.exhaust();
        self.push(
            Diagnostic::new(
                &codes::DATA_URL_BUDGET,
                source.span,
                format!(
                    "the data URLs of the inputs decode to more than {} in total; this one crosses it, so it and every later one are not decoded",
                    content::budget_size(total)
                ),
            )
            .with_label("crosses the decoding budget")
            .with_help("no real fleet comes near this: look for gzip bombs; if the inputs are genuine, raise the budget with MCC_DATA_URL_BUDGET=BYTES"),
        );
    }

    /// Where a scalar's value starts inside its span: after the opening quote of a quoted scalar.
    fn value_offset(&self, span: Span) -> usize {
        let text = self.sources.text(span);
        span.start as usize + usize::from(text.starts_with('"') || text.starts_with('\''))
    }
}
