//! The widget's hydrate entry point: only [`app::WidgetApp`] is reachable from here, so the
//! linker leaves the dashboard out of this bundle.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(app::WidgetApp);
}
