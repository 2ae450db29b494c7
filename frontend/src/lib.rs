//! The hydrate entry point: the only code in the wasm bundle that is not shared with the server.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(app::App);
}
