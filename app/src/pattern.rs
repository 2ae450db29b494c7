//! Configuration-field patterns as the browser checks them: `^(?:pattern)$` with JavaScript's
//! `u` flag, as WorkOS's widget does. The server checks every value again with the same
//! anchoring; this check only spares a round trip.

/// Whether `value` matches; `None` when the browser cannot compile the pattern (the server's
/// check then decides).
#[cfg(feature = "hydrate")]
pub fn matches(pattern: &str, value: &str) -> Option<bool> {
    use wasm_bindgen::{JsCast, JsValue};
    if pattern.is_empty() {
        return Some(true);
    }
    // `RegExp` through `Reflect.construct`: an invalid pattern is an error to handle, not a
    // thrown exception that would abort the widget.
    let constructor = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("RegExp")).ok()?;
    let constructor = constructor.dyn_into::<js_sys::Function>().ok()?;
    let arguments = js_sys::Array::of2(&JsValue::from_str(&format!("^(?:{pattern})$")), &JsValue::from_str("u"));
    let regex = js_sys::Reflect::construct(&constructor, &arguments).ok()?.dyn_into::<js_sys::RegExp>().ok()?;
    Some(regex.test(value))
}
