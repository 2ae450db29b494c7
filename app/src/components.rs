//! Small building blocks shared by the dashboard and the widget. Form controls are labelled by
//! their visible label (their accessible name), carry their error beneath them linked with
//! `aria-describedby`, and may be bound to a signal so the page can fill them (auto-fill).

use leptos::prelude::*;

/// The `name` attribute of a form control: `group[name]` for a server function taking a struct
/// argument called `group`, or just `name`.
fn form_name(group: &str, name: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{group}[{name}]")
    }
}

/// A labelled text input (or textarea) with its hint and error.
#[component]
pub fn Field(
    label: &'static str,
    /// The field's name; the element id is `field-{name}` and the error's `field-{name}-error`.
    name: &'static str,
    #[prop(default = "input")] group: &'static str,
    /// `text`, `url`, `password` or `textarea`.
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional, into)] hint: String,
    #[prop(optional, into)] placeholder: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] readonly: bool,
    #[prop(into)] error: Signal<Option<String>>,
    /// The field's value, shared with the page; an uncontrolled empty input when absent.
    #[prop(optional)]
    value: Option<RwSignal<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    let value = value.unwrap_or_else(|| RwSignal::new(String::new()));
    let invalid = move || if error.read().is_some() { "true" } else { "false" };
    let control = if kind == "textarea" {
        view! {
            <textarea
                id=id.clone()
                name=form_name(group, name)
                placeholder=placeholder
                rows="3"
                readonly=readonly
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            >
                {value.get_untracked()}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type=kind
                name=form_name(group, name)
                placeholder=placeholder
                required=required
                readonly=readonly
                autocomplete="off"
                aria-invalid=invalid
                aria-describedby=described_by
                value=value.get_untracked()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
        .into_any()
    };
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id>{label}</label>
            {control}
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A labelled checkbox submitting `true` when checked (and nothing when not).
#[component]
pub fn Checkbox(
    label: &'static str,
    name: &'static str,
    #[prop(default = "input")] group: &'static str,
    #[prop(optional, into)] hint: String,
    #[prop(into)] error: Signal<Option<String>>,
    checked: RwSignal<bool>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    view! {
        <div class="field checkbox" class:invalid=move || error.read().is_some()>
            <input
                id=id.clone()
                type="checkbox"
                name=form_name(group, name)
                value="true"
                checked=checked.get_untracked()
                prop:checked=move || checked.get()
                on:change=move |ev| checked.set(event_target_checked(&ev))
                aria-describedby=described_by
            />
            <label for=id>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A labelled select over fixed options `(value, label)`.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    #[prop(default = "input")] group: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional, into)] hint: String,
    #[prop(into)] error: Signal<Option<String>>,
    value: RwSignal<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    let initial = value.get_untracked();
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id.clone()>{label}</label>
            <select
                id=id
                name=form_name(group, name)
                aria-describedby=described_by
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v == initial;
                        view! { <option value=v selected=selected>{l}</option> }
                    })
                    .collect_view()}
            </select>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
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

/// Shows a value with a button that copies it (the redirect URI must match character for
/// character, so copying beats retyping). The label names the group of value and button: ARIA
/// does not let a `<code>` element be named, so naming the value itself goes unannounced.
#[component]
pub fn Copyable(#[prop(into)] label: String, #[prop(into)] text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&to_copy);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &to_copy;
    };
    let label_id = format!("copy-{}", label.to_lowercase().replace(' ', "-"));
    view! {
        <div class="field" role="group" aria-labelledby=label_id.clone()>
            <span class="label" id=label_id.clone()>{label.clone()}</span>
            <div class="copyable-row">
                <code class="copyable" data-testid="redirect-uri">{text}</code>
                <button type="button" on:click=copy aria-label=format!("Copy {label}")>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

/// The message a failed form action shows above the form.
pub fn form_error_message(e: &crate::error::AppError) -> String {
    if e.errors.is_empty() {
        e.message.clone()
    } else {
        "Nothing was saved: fix the fields marked below.".to_string()
    }
}
