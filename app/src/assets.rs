//! The files a page loads from `/pkg`: one hydrate bundle (the wasm-bindgen JS glue and its
//! wasm) and the stylesheet, under the content-hashed names `make site` gives them.
//!
//! This stands in for Leptos' `HydrationScripts`, which looks for its hash file next to the
//! running executable; the server reads the names from the site's manifest instead and hands
//! them to the shell. Every element written here carries the response's CSP nonce.

use leptos::prelude::*;

/// The name of the dashboard's bundle (JS glue and wasm) and of the stylesheet in `/pkg`.
pub const OUTPUT_NAME: &str = "plumb";
/// The name of the widget's own, much smaller bundle: it hydrates [`crate::WidgetApp`] only.
pub const WIDGET_OUTPUT_NAME: &str = "widget";

/// The URL paths of one bundle's files, e.g. `/pkg/widget.1a2b3c4d5e6f7a8b.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl Bundle {
    /// The names `make site` starts from, before hashing: what a site without a manifest has.
    pub fn unhashed(output_name: &str) -> Self {
        Self {
            js: format!("/pkg/{output_name}.js"),
            wasm: format!("/pkg/{output_name}_bg.wasm"),
            css: format!("/pkg/{}.css", OUTPUT_NAME),
        }
    }

    /// The module script that loads the glue, instantiates the wasm and hydrates the body.
    fn boot_script(&self) -> String {
        // Debug formatting quotes and escapes the paths as valid JavaScript string literals.
        format!(
            "import init, {{ hydrate }} from {:?}; init({{ module_or_path: {:?} }}).then(() => hydrate());",
            self.js, self.wasm
        )
    }
}

/// The stylesheet, preload hints for the glue and the wasm (so both download while the HTML is
/// still parsing), and the script that hydrates the page. Goes in `<head>`.
#[component]
pub fn BundleHead(bundle: Bundle) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let script = bundle.boot_script();
    let Bundle { js, wasm, css } = bundle;
    // `fetch()`, which wasm-bindgen uses for the wasm, is a CORS-mode request with same-origin
    // credentials: `crossorigin="anonymous"` makes the preload match it, so it is used, not
    // fetched twice.
    view! {
        <link rel="stylesheet" href=css nonce=nonce.clone()/>
        <link rel="modulepreload" href=js nonce=nonce.clone()/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" nonce=nonce.clone()/>
        <script type="module" nonce=nonce>{script}</script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boot_script_imports_the_named_glue_and_wasm() {
        let bundle = Bundle {
            js: "/pkg/widget.00ff00ff00ff00ff.js".into(),
            wasm: "/pkg/widget_bg.11aa11aa11aa11aa.wasm".into(),
            css: "/pkg/plumb.22bb22bb22bb22bb.css".into(),
        };
        assert_eq!(
            bundle.boot_script(),
            "import init, { hydrate } from \"/pkg/widget.00ff00ff00ff00ff.js\"; \
             init({ module_or_path: \"/pkg/widget_bg.11aa11aa11aa11aa.wasm\" }).then(() => hydrate());"
        );
    }

    #[test]
    fn unhashed_names_follow_wasm_bindgen() {
        let bundle = Bundle::unhashed("widget");
        assert_eq!(bundle.js, "/pkg/widget.js");
        assert_eq!(bundle.wasm, "/pkg/widget_bg.wasm");
        assert_eq!(bundle.css, "/pkg/plumb.css");
    }
}
