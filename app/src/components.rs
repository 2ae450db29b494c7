//! Small building blocks shared by the dashboard and the widget.

use leptos::prelude::*;

/// A labelled text input with its error message beneath it. The label's text is the field's
/// accessible name, and the error is linked with `aria-describedby` so screen readers read it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                name=name
                placeholder=placeholder
                required=required
                autocomplete="off"
                aria-invalid=move || if error.read().is_some() { "true" } else { "false" }
                aria-describedby=described_by
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A page-level message: an error (`role=alert`) or a confirmation (`role=status`).
#[component]
pub fn Notice(#[prop(into)] text: String, #[prop(optional)] error: bool) -> impl IntoView {
    view! {
        <p class=if error { "notice notice-error" } else { "notice notice-ok" }
           role=if error { "alert" } else { "status" }>
            {text}
        </p>
    }
}
