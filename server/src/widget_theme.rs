//! How the widget looks inside the embedding app: its accent colour, corner radius, font family
//! and colour scheme (light, dark, or the viewer's `prefers-color-scheme`). Given in the
//! environment's settings and, per widget, when the token is minted (the token's values win
//! field by field); carried in the token so the page needs no database read.
//!
//! The page gets them as CSS custom properties in a `<style>` element carrying the page's nonce.
//! Every value is checked against a strict form before it gets there, so nothing an embedding
//! app sends can end the declaration and write CSS of its own. Text stays readable (WCAG AA,
//! 4.5:1) whatever accent is chosen: the text on the accent is black or white, whichever
//! contrasts more, and where the accent colours text it is darkened (light scheme) or lightened
//! (dark scheme) until it contrasts enough with the page.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The widget's look. Every field is optional: what is absent keeps Plumb's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// `#rrggbb` (`#rgb` is accepted and widened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// Corner radius in CSS pixels, 0 to 24.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<u8>,
    /// A CSS font-family list: family names (letters, digits, spaces, `-`) and generic families,
    /// separated by commas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// `light`, `dark` or `auto` (follows the viewer's `prefers-color-scheme`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Light,
    Dark,
    Auto,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
            Scheme::Auto => "auto",
        }
    }
}

/// The page backgrounds the accent's text colour must contrast with (style/main.css's
/// `--surface` in each scheme).
const LIGHT_SURFACE: Rgb = Rgb(0xff, 0xff, 0xff);
const DARK_SURFACE: Rgb = Rgb(0x1e, 0x23, 0x2b);
/// WCAG 2.2 AA for normal text.
const AA: f64 = 4.5;
const MAX_RADIUS: u8 = 24;
const MAX_FONT: usize = 200;
const MAX_FAMILIES: usize = 8;
const GENERIC_FAMILIES: [&str; 11] = [
    "serif",
    "sans-serif",
    "monospace",
    "cursive",
    "system-ui",
    "ui-serif",
    "ui-sans-serif",
    "ui-monospace",
    "ui-rounded",
    "math",
    "fantasy",
];

impl Theme {
    /// The theme with every value checked and put in its one form; a validation error naming
    /// the field (under `prefix`, such as `theme`) otherwise.
    pub fn checked(self, prefix: &str) -> Result<Theme> {
        let field = |name: &str| format!("{prefix}.{name}");
        let accent = match self.accent.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(text) => Some(Rgb::parse(text).map(Rgb::hex).ok_or_else(|| {
                Error::field(&field("accent"), "invalid", "Give the accent colour as #rrggbb, such as #0f62fe.")
            })?),
        };
        if self.radius.is_some_and(|r| r > MAX_RADIUS) {
            return Err(Error::field(
                &field("radius"),
                "out_of_range",
                format!("The corner radius is 0 to {MAX_RADIUS} pixels."),
            ));
        }
        let font = match self.font.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(text) => Some(font_list(text).ok_or_else(|| {
                Error::field(
                    &field("font"),
                    "invalid",
                    format!(
                        "Give at most {MAX_FAMILIES} font families separated by commas, such as \
                         \"Inter, system-ui, sans-serif\": letters, digits, spaces and hyphens, \
                         {MAX_FONT} characters in all."
                    ),
                )
            })?),
        };
        Ok(Theme { accent, radius: self.radius, font, scheme: self.scheme })
    }

    /// This theme with `over`'s values where it has them.
    pub fn overlaid(&self, over: &Theme) -> Theme {
        Theme {
            accent: over.accent.clone().or_else(|| self.accent.clone()),
            radius: over.radius.or(self.radius),
            font: over.font.clone().or_else(|| self.font.clone()),
            scheme: over.scheme.or(self.scheme),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Theme::default()
    }

    /// The scheme the page starts in (`<html data-scheme>`): light unless chosen.
    pub fn scheme(&self) -> Scheme {
        self.scheme.unwrap_or(Scheme::Light)
    }

    /// The custom properties that apply the theme (empty when there is nothing to change). The
    /// values were checked by [`Theme::checked`] when they came in; a value that does not parse
    /// now (a token minted by a Plumb that checked differently) is left out.
    pub fn css(&self) -> String {
        let mut root = String::new();
        let mut dark = String::new();
        if let Some(accent) = self.accent.as_deref().and_then(Rgb::parse) {
            let on = if accent.contrast(Rgb(0, 0, 0)) >= accent.contrast(Rgb(0xff, 0xff, 0xff)) {
                "#000000"
            } else {
                "#ffffff"
            };
            let light_ink = accent.readable_on(LIGHT_SURFACE, Rgb(0, 0, 0));
            let dark_ink = accent.readable_on(DARK_SURFACE, Rgb(0xff, 0xff, 0xff));
            root.push_str(&format!("--accent:{};--on-accent:{on};--accent-ink:{};", accent.hex(), light_ink.hex()));
            dark.push_str(&format!("--accent-ink:{};", dark_ink.hex()));
        }
        if let Some(radius) = self.radius.filter(|r| *r <= MAX_RADIUS) {
            root.push_str(&format!("--radius:{radius}px;"));
        }
        if let Some(font) = self.font.as_deref().and_then(font_list) {
            root.push_str(&format!("--font:{font};"));
        }
        let mut css = String::new();
        if !root.is_empty() {
            css.push_str(&format!(":root{{{root}}}"));
        }
        if !dark.is_empty() {
            css.push_str(&format!(
                ":root[data-scheme=dark]{{{dark}}}\
                 @media (prefers-color-scheme:dark){{:root[data-scheme=auto]{{{dark}}}}}"
            ));
        }
        css
    }
}

/// A font-family list in its one form (quoted family names, bare generic families), or `None`
/// when an entry is not a plain name.
fn font_list(text: &str) -> Option<String> {
    if text.len() > MAX_FONT {
        return None;
    }
    let families: Vec<&str> = text.split(',').map(|f| f.trim().trim_matches(['"', '\''])).collect();
    if families.len() > MAX_FAMILIES {
        return None;
    }
    let mut out = Vec::with_capacity(families.len());
    for family in families {
        let plain = !family.is_empty()
            && family.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
            && family.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
        if !plain {
            return None;
        }
        if GENERIC_FAMILIES.contains(&family.to_ascii_lowercase().as_str()) {
            out.push(family.to_ascii_lowercase());
        } else {
            out.push(format!("\"{}\"", family.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    Some(out.join(","))
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            3 => {
                let wide: String = hex.chars().flat_map(|c| [c, c]).collect();
                Rgb::parse(&format!("#{wide}"))
            }
            6 => Some(Rgb(channel(&hex[0..2])?, channel(&hex[2..4])?, channel(&hex[4..6])?)),
            _ => None,
        }
    }

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    fn mix(self, toward: Rgb, amount: f64) -> Rgb {
        let channel = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * amount).round() as u8;
        Rgb(channel(self.0, toward.0), channel(self.1, toward.1), channel(self.2, toward.2))
    }

    /// This colour, moved toward `toward` (black on a light page, white on a dark one) only as
    /// far as it takes to reach AA contrast with `surface`.
    fn readable_on(self, surface: Rgb, toward: Rgb) -> Rgb {
        (0..=20)
            .map(|step| self.mix(toward, f64::from(step) / 20.0))
            .find(|c| c.contrast(surface) >= AA)
            .unwrap_or(toward)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(json: serde_json::Value) -> Result<Theme> {
        serde_json::from_value::<Theme>(json).map_err(|_| Error::Validation(vec![])).and_then(|t| t.checked("theme"))
    }

    #[test]
    fn values_are_checked_and_put_in_one_form() {
        let t = theme(serde_json::json!({"accent": "#0F6", "radius": 12, "font": " 'Inter' , system-UI,sans-serif",
            "scheme": "dark"}))
        .unwrap();
        assert_eq!(t.accent.as_deref(), Some("#00ff66"));
        assert_eq!(t.font.as_deref(), Some("\"Inter\",system-ui,sans-serif"));
        assert_eq!(t.scheme(), Scheme::Dark);
        assert_eq!(Theme::default().scheme(), Scheme::Light);
    }

    #[test]
    fn values_that_could_write_css_of_their_own_are_refused() {
        for bad in [
            serde_json::json!({"accent": "red"}),
            serde_json::json!({"accent": "#12345g"}),
            serde_json::json!({"accent": "#000;}body{display:none"}),
            serde_json::json!({"font": "Inter;}body{display:none"}),
            serde_json::json!({"font": "x\\\"y"}),
            serde_json::json!({"font": "a,b,c,d,e,f,g,h,i"}),
            serde_json::json!({"font": "A".repeat(201)}),
            serde_json::json!({"radius": 25}),
            serde_json::json!({"scheme": "sepia"}),
            serde_json::json!({"colour": "#fff"}),
        ] {
            assert!(theme(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_on_and_with_any_accent_reaches_aa_in_both_schemes() {
        for accent in ["#ffff00", "#777777", "#0f62fe", "#000000", "#ffffff", "#ff0000", "#1e232b", "#00ff66"] {
            let a = Rgb::parse(accent).unwrap();
            let on = if a.contrast(Rgb(0, 0, 0)) >= a.contrast(Rgb(255, 255, 255)) {
                Rgb(0, 0, 0)
            } else {
                Rgb(255, 255, 255)
            };
            assert!(a.contrast(on) >= AA, "{accent} button text");
            assert!(a.readable_on(LIGHT_SURFACE, Rgb(0, 0, 0)).contrast(LIGHT_SURFACE) >= AA, "{accent} light");
            assert!(a.readable_on(DARK_SURFACE, Rgb(255, 255, 255)).contrast(DARK_SURFACE) >= AA, "{accent} dark");
        }
        // A dark accent is kept as it is on a light page.
        assert_eq!(Rgb::parse("#0f62fe").unwrap().readable_on(LIGHT_SURFACE, Rgb(0, 0, 0)).hex(), "#0f62fe");
    }

    #[test]
    fn the_token_overrides_the_environment_field_by_field_and_css_names_only_what_is_set() {
        let env = Theme { accent: Some("#0f62fe".into()), radius: Some(4), ..Theme::default() };
        let token = Theme { radius: Some(0), scheme: Some(Scheme::Auto), ..Theme::default() };
        let t = env.overlaid(&token);
        assert_eq!((t.accent.as_deref(), t.radius, t.scheme()), (Some("#0f62fe"), Some(0), Scheme::Auto));
        let css = t.css();
        assert!(
            css.starts_with(":root{--accent:#0f62fe;--on-accent:#ffffff;--accent-ink:#0f62fe;--radius:0px;}"),
            "{css}"
        );
        assert!(css.contains("@media (prefers-color-scheme:dark){:root[data-scheme=auto]{--accent-ink:"), "{css}");
        assert_eq!(Theme::default().css(), "");
    }
}
