//! Whether an SVG is only a drawing: an allow-list of elements and attributes, checked by a
//! small tokenizer, because deny-lists of dangerous markup were bypassed (an internal DTD
//! entity expanding to `<script>`, `xlink:href="javascript&#58;…"`, `foreignObject` holding
//! HTML). No DOCTYPE, entity declaration, CDATA or processing instruction past the XML
//! declaration; references to other documents only as `#fragment`s.

/// Elements a logo needs. No `script`, `foreignObject`, `style`, `a`, `image`, `iframe`,
/// `animate`/`set` (which can rewrite an `href`), or `metadata` (arbitrary XML).
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "title",
    "desc",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "lineargradient",
    "radialgradient",
    "stop",
    "clippath",
    "mask",
    "pattern",
    "filter",
    "fegaussianblur",
    "feoffset",
    "feblend",
    "fecolormatrix",
    "feflood",
    "fecomposite",
    "femerge",
    "femergenode",
];

/// Attributes a drawing needs (compared lower-cased).
const ATTRIBUTES: &[&str] = &[
    "xmlns",
    "xmlns:xlink",
    "xml:space",
    "version",
    "id",
    "class",
    "style",
    "viewbox",
    "preserveaspectratio",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "clip-rule",
    "clip-path",
    "clippathunits",
    "mask",
    "maskunits",
    "maskcontentunits",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-opacity",
    "opacity",
    "color",
    "display",
    "visibility",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientunits",
    "gradienttransform",
    "spreadmethod",
    "patternunits",
    "patterncontentunits",
    "patterntransform",
    "filter",
    "filterunits",
    "primitiveunits",
    "in",
    "in2",
    "result",
    "stddeviation",
    "dx",
    "dy",
    "mode",
    "type",
    "values",
    "operator",
    "k1",
    "k2",
    "k3",
    "k4",
    "flood-color",
    "flood-opacity",
    "color-interpolation-filters",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "shape-rendering",
    "vector-effect",
    "href",
    "xlink:href",
    "aria-hidden",
    "aria-label",
    "role",
    "focusable",
];

/// The SVG is a drawing and nothing else.
pub fn is_plain_drawing(text: &str) -> bool {
    let mut rest = text;
    // The XML declaration, only at the very start.
    if let Some(after) = rest.strip_prefix("<?xml").filter(|a| a.starts_with(|c: char| c.is_ascii_whitespace())) {
        let Some(end) = after.find("?>") else { return false };
        rest = &after[end + 2..];
    }
    let mut saw_root = false;
    let mut depth = 0usize;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            return text_ok(rest) && depth == 0 && saw_root;
        };
        if !text_ok(&rest[..open]) {
            return false;
        }
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else { return false };
            rest = &after[end + 3..];
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            return false; // DOCTYPE, ENTITY, CDATA, processing instructions
        }
        let Some(close) = rest.find('>') else { return false };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if !allowed_element(name.trim()) || depth == 0 {
                return false;
            }
            depth -= 1;
            continue;
        }
        let (body, self_closing) = match tag.strip_suffix('/') {
            Some(body) => (body, true),
            None => (tag, false),
        };
        let name_len = body.find(|c: char| c.is_ascii_whitespace()).unwrap_or(body.len());
        let name = &body[..name_len];
        if !allowed_element(name) || (!saw_root && !name.eq_ignore_ascii_case("svg")) || (depth == 0 && saw_root) {
            return false;
        }
        saw_root = true;
        if !attributes_ok(&body[name_len..]) {
            return false;
        }
        if !self_closing {
            depth += 1;
        }
    }
    saw_root && depth == 0
}

fn allowed_element(name: &str) -> bool {
    ELEMENTS.contains(&name.to_ascii_lowercase().as_str())
}

/// Text between tags: any characters, but entity references only the predefined and numeric
/// ones (a named reference needs a declaration, which is refused anyway).
fn text_ok(text: &str) -> bool {
    references_ok(text)
}

fn references_ok(text: &str) -> bool {
    text.match_indices('&').all(|(i, _)| {
        let rest = &text[i + 1..];
        let Some(end) = rest.find(';') else { return false };
        let name = &rest[..end];
        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name.strip_prefix("#x").is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || name.strip_prefix('#').is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    })
}

/// `name="value"` pairs, each name allowed; `href`s only to a fragment of this document, and
/// `url(…)` in any value only to a fragment too.
fn attributes_ok(mut rest: &str) -> bool {
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return true;
        }
        let Some(eq) = rest.find('=') else { return false };
        let name = rest[..eq].trim().to_ascii_lowercase();
        if !ATTRIBUTES.contains(&name.as_str()) {
            return false;
        }
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else { return false };
        let Some(end) = after[1..].find(quote) else { return false };
        let value = &after[1..1 + end];
        rest = &after[end + 2..];
        if value.contains('<') || !references_ok(value) {
            return false;
        }
        if (name == "href" || name == "xlink:href") && !value.starts_with('#') {
            return false;
        }
        let lower = value.to_ascii_lowercase();
        if lower
            .match_indices("url(")
            .any(|(i, _)| !lower[i + 4..].trim_start_matches(['"', '\'', ' ']).starts_with('#'))
        {
            return false;
        }
        // References are refused inside values that could name a resource, where `&#58;` or
        // `&#x23;` would hide what the value says.
        if (name == "style" || name.ends_with("href")) && value.contains('&') {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_drawing;

    #[test]
    fn real_logos_pass() {
        let logo = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- exported -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24">
  <title>Acme &amp; Co</title>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <path d="M0 0h24v24H0z" fill="url(#g)"/>
  <use xlink:href="#g" x='1'/>
</svg>"##;
        assert!(is_plain_drawing(logo));
        assert!(is_plain_drawing("<svg/>"));
    }

    #[test]
    fn anything_active_or_external_is_refused() {
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=\"alert(1)\"/>",
            "<svg><foreignObject/></svg>",
            "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg>&x;</svg>",
            "<svg>&x;</svg>",
            "<svg><![CDATA[<script>]]></svg>",
            "<svg><a href=\"javascript:alert(1)\"/></svg>",
            "<svg><use href=\"https://evil.example/s.svg#a\"/></svg>",
            "<svg><use xlink:href=\"&#35;x\"/></svg>",
            "<svg><rect style=\"fill:url(https://evil.example/)\"/></svg>",
            "<svg><image href=\"#a\"/></svg>",
            "<svg><animate attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
            "<svg><style>@import url(x)</style></svg>",
            "<svg></svg><svg></svg>",
            "<svg><g></svg>",
            "<html><svg/></html>",
            "<?xml-stylesheet href=\"x.css\"?><svg/>",
            "<svg x=1/>",
        ] {
            assert!(!is_plain_drawing(bad), "{bad}");
        }
    }
}
