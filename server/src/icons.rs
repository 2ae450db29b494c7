//! Provider icons: an image fetched from an https URL or uploaded as a `data:` URL, accepted only
//! when its bytes are a PNG, JPEG, GIF, WebP or an SVG that is only a drawing ([`crate::svg`]),
//! of at most 256 KiB. Plumb stores and serves it, so the widget never loads images from other
//! origins. A provider enabled from the catalog without an icon of its own is shown with its
//! entry's ([`crate::catalog::icon_path`]).

use crate::ids::ProviderId;
use crate::providers::Provider;
use base64::Engine;

pub const MAX_ICON_BYTES: usize = 256 * 1024;

#[derive(Clone, PartialEq, Eq)]
pub struct Icon {
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Icon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Icon({}, {} bytes)", self.content_type, self.data.len())
    }
}

/// The image type of `bytes`, from their content, not from any label.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let text = std::str::from_utf8(bytes).ok()?;
        crate::svg::is_plain_drawing(text.trim_start_matches('\u{feff}').trim_start()).then_some("image/svg+xml")
    }
}

/// Checks an icon's bytes.
pub fn accept(data: Vec<u8>) -> Result<Icon, String> {
    if data.len() > MAX_ICON_BYTES {
        return Err(format!("The image is larger than {} KiB.", MAX_ICON_BYTES / 1024));
    }
    let content_type =
        sniff(&data).ok_or("The file is not a PNG, JPEG, GIF, WebP or SVG image (SVGs may not contain scripts).")?;
    Ok(Icon { content_type, data })
}

/// An uploaded icon: `data:image/…;base64,…`.
pub fn from_data_url(url: &str) -> Result<Icon, String> {
    let rest = url.strip_prefix("data:").ok_or("Not a data: URL.")?;
    let (meta, payload) = rest.split_once(',').ok_or("The data: URL has no data.")?;
    if !meta.ends_with(";base64") {
        return Err("Upload the image base64-encoded.".into());
    }
    if payload.len() > MAX_ICON_BYTES * 4 / 3 + 4 {
        return Err(format!("The image is larger than {} KiB.", MAX_ICON_BYTES / 1024));
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|_| "The upload is not valid base64.")?;
    accept(data)
}

/// Fetches and checks an icon at an https URL.
pub async fn fetch(http: &crate::outbound::Client, url: &str) -> Result<Icon, String> {
    let mut response = http
        .get(url)?
        .header(reqwest::header::ACCEPT, "image/*")
        .send()
        .await
        .map_err(|e| format!("The icon could not be fetched: {}.", crate::outbound::describe(&e)))?;
    if !response.status().is_success() {
        return Err(format!("Fetching the icon answered HTTP {}.", response.status().as_u16()));
    }
    let mut data = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| "The icon download broke off.".to_string())? {
        if data.len() + chunk.len() > MAX_ICON_BYTES {
            return Err(format!("The image is larger than {} KiB.", MAX_ICON_BYTES / 1024));
        }
        data.extend_from_slice(&chunk);
    }
    accept(data)
}

/// When a provider's stored icon last changed, and whether it was fetched or uploaded.
#[derive(Debug, Clone)]
pub struct IconVersion {
    pub provider_id: ProviderId,
    /// `url` (fetched from the provider's icon URL) or `upload`.
    pub source: String,
    pub updated_at: i64,
}

/// Where Plumb serves a provider's icon, versioned so browsers refetch a changed one; empty when
/// it has none.
pub fn served_path(provider_id: &ProviderId, versions: &[IconVersion]) -> String {
    versions
        .iter()
        .find(|v| v.provider_id == *provider_id)
        .map(|v| format!("/icons/{provider_id}?v={}", v.updated_at))
        .unwrap_or_default()
}

/// Where Plumb serves the icon a provider is shown with: the one stored for it, else its catalog
/// entry's (for a provider enabled from the catalog); empty when it has neither.
pub fn provider_icon_path(provider: &Provider, versions: &[IconVersion]) -> String {
    let stored = served_path(&provider.id, versions);
    if !stored.is_empty() {
        return stored;
    }
    provider.catalog_slug.as_deref().and_then(crate::catalog::icon_path).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8,
        6, 0, 0, 0,
    ];

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(PNG_1X1), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"  <svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Some("image/svg+xml"));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg/>"), Some("image/svg+xml"));
        assert_eq!(sniff(b"<html><body>hi</body></html>"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    #[test]
    fn svgs_with_scripts_are_refused() {
        assert_eq!(sniff(b"<svg><script>alert(1)</script></svg>"), None);
        assert_eq!(sniff(b"<svg onload=\"alert(1)\"/>"), None);
        assert_eq!(sniff(b"<svg><a href=\"javascript:alert(1)\"/></svg>"), None);
        assert_eq!(sniff(b"<svg><g id=\"one\" /></svg>"), Some("image/svg+xml"));
        // The three ways past the old deny-list.
        let entity = b"<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY s \"&#60;script&#62;alert(1)&#60;/script&#62;\">]><svg>&s;</svg>";
        assert_eq!(sniff(entity), None);
        assert_eq!(sniff(b"<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\"><a xlink:href=\"javascript&#58;alert(1)\"><rect/></a></svg>"), None);
        assert_eq!(sniff(b"<svg><foreignObject><body xmlns=\"http://www.w3.org/1999/xhtml\"><img src=x onerror=alert(1)></body></foreignObject></svg>"), None);
    }

    #[test]
    fn data_urls_and_size_limits() {
        let url = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(PNG_1X1));
        assert_eq!(from_data_url(&url).unwrap().content_type, "image/png");
        assert!(from_data_url("data:image/png,raw").is_err());
        assert!(from_data_url("data:image/png;base64,!!!").is_err());
        let mut big = PNG_1X1.to_vec();
        big.resize(MAX_ICON_BYTES + 1, 0);
        assert!(accept(big).is_err());
    }
}
