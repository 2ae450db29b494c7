//! Configuration fields in the dashboard: the editor that declares a custom provider's fields
//! (a group of inputs per field, with "Add field" and "Remove" once the page is interactive),
//! and the inputs that pin their values on a provider, custom or from the catalog. A secret
//! value is never shown, nor sent to the page: a stored one is only said to exist, and can be
//! replaced or removed.

use crate::error::AppError;
use crate::methods::{is_valid_key, ConfigField, ConfigFieldInput, FieldScope};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// One field as the page holds it: a signal per input, and the value typed to pin.
#[derive(Clone, Copy)]
pub struct FieldRow {
    /// Stable while rows come and go: the row's element ids and its index in the submitted
    /// list (`input[config_fields][id][…]`; the server reads the indices in order, gaps and all).
    id: usize,
    key: RwSignal<String>,
    label: RwSignal<String>,
    scope: RwSignal<String>,
    required: RwSignal<bool>,
    secret: RwSignal<bool>,
    pattern: RwSignal<String>,
    example: RwSignal<String>,
    default: RwSignal<String>,
    description: RwSignal<String>,
    /// The value typed to pin it; never a stored secret value, which the page does not have.
    value: RwSignal<String>,
    /// "Remove the stored value", for a secret field that has one.
    clear: RwSignal<bool>,
}

impl FieldRow {
    fn new(id: usize, f: &ConfigFieldInput, value: String) -> Self {
        Self {
            id,
            key: RwSignal::new(f.key.clone()),
            label: RwSignal::new(f.label.clone()),
            scope: RwSignal::new(if f.scope.is_empty() {
                FieldScope::default().as_str().into()
            } else {
                f.scope.clone()
            }),
            required: RwSignal::new(f.required),
            secret: RwSignal::new(f.secret),
            pattern: RwSignal::new(f.pattern.clone()),
            example: RwSignal::new(f.example.clone()),
            default: RwSignal::new(f.default.clone()),
            description: RwSignal::new(f.description.clone()),
            value: RwSignal::new(value),
            clear: RwSignal::new(false),
        }
    }

    /// The row as the form sends it (reading every input, so callers react to all of them).
    fn input(&self) -> ConfigFieldInput {
        ConfigFieldInput {
            key: self.key.get(),
            label: self.label.get(),
            scope: self.scope.get(),
            required: self.required.get(),
            secret: self.secret.get(),
            pattern: self.pattern.get(),
            example: self.example.get(),
            default: self.default.get(),
            description: self.description.get(),
        }
    }
}

/// The fields of a form, in order, and which secret ones have a value stored.
#[derive(Clone, Copy)]
pub struct FieldRows {
    rows: RwSignal<Vec<FieldRow>>,
    next_id: StoredValue<usize>,
    /// Keys of the secret fields whose value is stored on the provider.
    stored_secrets: StoredValue<Vec<String>>,
}

impl FieldRows {
    /// Rows for `fields` (in the given order), with the non-secret values pinned now.
    pub fn new(fields: &[ConfigFieldInput], pinned: &BTreeMap<String, String>, stored_secrets: Vec<String>) -> Self {
        let rows = fields
            .iter()
            .enumerate()
            .map(|(id, f)| {
                let value = if f.secret { String::new() } else { pinned.get(&f.key).cloned().unwrap_or_default() };
                FieldRow::new(id, f, value)
            })
            .collect::<Vec<_>>();
        Self {
            next_id: StoredValue::new(rows.len()),
            rows: RwSignal::new(rows),
            stored_secrets: StoredValue::new(stored_secrets),
        }
    }

    /// Rows for declared fields (a catalog entry's), in their `order`.
    pub fn of_fields(fields: &[ConfigField], pinned: &BTreeMap<String, String>, stored_secrets: Vec<String>) -> Self {
        let mut sorted: Vec<&ConfigField> = fields.iter().collect();
        sorted.sort_by_key(|f| f.order);
        let inputs: Vec<ConfigFieldInput> = sorted.into_iter().map(ConfigFieldInput::from_field).collect();
        Self::new(&inputs, pinned, stored_secrets)
    }

    fn add(&self) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let row = FieldRow::new(id, &ConfigFieldInput::default(), String::new());
        self.rows.update(|rows| rows.push(row));
    }

    fn remove(&self, id: usize) {
        self.rows.update(|rows| rows.retain(|r| r.id != id));
    }

    /// The row's place on the page, from 0.
    fn position(&self, id: usize) -> usize {
        self.rows.with(|rows| rows.iter().position(|r| r.id == id)).unwrap_or(0)
    }

    /// The number the server gives the row in its errors (`config_fields[n]`): its place among
    /// the rows that are not blank, as [`ConfigFieldInput::is_blank`] decides on both sides.
    fn error_index(&self, id: usize) -> Option<usize> {
        self.rows.with(|rows| rows.iter().filter(|r| !r.input().is_blank()).position(|r| r.id == id))
    }

    fn is_stored(&self, key: &str) -> bool {
        self.stored_secrets.with_value(|keys| keys.iter().any(|k| k == key))
    }
}

fn message(failure: Signal<Option<AppError>>, field: String) -> Option<String> {
    failure.with(|e| e.as_ref().and_then(|e| e.field_message(&field)))
}

/// The editor of a custom provider's configuration fields.
#[component]
pub fn ConfigFieldsEditor(rows: FieldRows, failure: Signal<Option<AppError>>) -> impl IntoView {
    // Adding and removing rows needs the page to be interactive; until then the buttons stay
    // hidden, and a row emptied of text declares nothing.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let owner = Owner::current();
    let add = move |_| match &owner {
        Some(owner) => owner.with(|| rows.add()),
        None => rows.add(),
    };
    view! {
        <p class="hint">
            "Values a provider's URLs, parameters and headers depend on (a subdomain, a region): write "
            <code>"${config.key}"</code>
            " where one goes. Asked when a user connects, or set here on the provider for everyone."
        </p>
        <For each=move || rows.rows.get() key=|row| row.id let:row>
            <FieldRowEditor row rows failure live/>
        </For>
        <p class="empty" hidden=move || !rows.rows.with(Vec::is_empty)>"None yet. Add one when the provider's URLs depend on a value."</p>
        <p class="field-error" id="field-config_fields-error">{move || message(failure, "config_fields".into())}</p>
        <button type="button" hidden=move || !live.get() on:click=add>"Add field"</button>
    }
}

#[component]
fn FieldRowEditor(
    row: FieldRow,
    rows: FieldRows,
    failure: Signal<Option<AppError>>,
    live: RwSignal<bool>,
) -> impl IntoView {
    let id = row.id;
    let number = move || rows.position(id) + 1;
    let error =
        Signal::derive(move || rows.error_index(id).and_then(|n| message(failure, format!("config_fields[{n}]"))));
    let error_id = format!("cf-{id}-error");
    let text = move |cell: &'static str, label: &'static str, value: RwSignal<String>, placeholder: &'static str| {
        let input_id = format!("cf-{id}-{cell}");
        view! {
            <div class="field">
                <label for=input_id.clone()>{label}</label>
                <input id=input_id type="text" name=format!("input[config_fields][{id}][{cell}]") placeholder=placeholder
                    autocomplete="off" aria-describedby=format!("cf-{id}-error")
                    value=value.get_untracked() prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    let check = move |cell: &'static str, label: &'static str, value: RwSignal<bool>| {
        let input_id = format!("cf-{id}-{cell}");
        view! {
            <div class="checkbox">
                <input id=input_id.clone() type="checkbox" name=format!("input[config_fields][{id}][{cell}]") value="true"
                    checked=value.get_untracked() prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))/>
                <label for=input_id>{label}</label>
            </div>
        }
    };
    let scope_id = format!("cf-{id}-scope");
    let initial_scope = row.scope.get_untracked();
    view! {
        <fieldset class="config-field" class:invalid=move || error.read().is_some()>
            <legend>{move || format!("Field {}", number())}</legend>
            <div class="grid-2">
                {text("key", "Key", row.key, "subdomain")}
                {text("label", "Label", row.label, "Subdomain")}
                <div class="field">
                    <label for=scope_id.clone()>"Set by"</label>
                    <select id=scope_id name=format!("input[config_fields][{id}][scope]")
                        prop:value=move || row.scope.get() on:change=move |ev| row.scope.set(event_target_value(&ev))>
                        {FieldScope::ALL.into_iter().map(|s| {
                            view! { <option value=s.as_str() selected=s.as_str() == initial_scope>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                {text("example", "Example", row.example, "acme")}
                {text("pattern", "Pattern", row.pattern, "[a-z0-9-]+")}
                {text("default", "Default value", row.default, "")}
            </div>
            {text("description", "Field description", row.description, "Where the user finds it")}
            <div class="checks">
                {check("required", "Required", row.required)}
                {check("secret", "Secret", row.secret)}
            </div>
            <p class="hint">
                {move || {
                    let key = row.key.get();
                    if is_valid_key(key.trim()) {
                        format!("Use it as ${{config.{}}}. The pattern must match the whole value.", key.trim())
                    } else {
                        "The key: a lowercase letter, then lowercase letters, digits and underscores.".to_string()
                    }
                }}
            </p>
            <p class="field-error" id=error_id>{move || error.get()}</p>
            <button type="button" hidden=move || !live.get() aria-label=move || format!("Remove field {}", number())
                on:click=move |_| rows.remove(id)>
                "Remove"
            </button>
        </fieldset>
    }
}

/// An input per field to pin its value on the provider (`input[config][key]`), in the rows'
/// order; rows whose key is not valid yet have none.
#[component]
pub fn PinnedValues(rows: FieldRows, failure: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <For each=move || rows.rows.get() key=|row| row.id let:row>
            {move || pinned_input(row, rows)}
        </For>
        <p class="field-error" id="field-config-error">{move || message(failure, "config".into())}</p>
    }
}

/// The input of one field's pinned value. Rebuilt when the field's key, label, scope or
/// secrecy changes, not as its value is typed.
fn pinned_input(row: FieldRow, rows: FieldRows) -> Option<impl IntoView> {
    let key = row.key.get().trim().to_string();
    if !is_valid_key(&key) {
        return None;
    }
    let label = row.label.with(|l| if l.trim().is_empty() { key.clone() } else { l.trim().to_string() });
    let secret = row.secret.get();
    let scope = FieldScope::parse(&row.scope.get()).unwrap_or_default();
    let required = row.required.get();
    let example = row.example.get();
    let stored = secret && rows.is_stored(&key);
    let id = format!("pin-{}", row.id);
    let hint_id = format!("{id}-hint");
    let clear_id = format!("{id}-clear");
    let who = match (scope, required) {
        (FieldScope::Integration, true) => "Every connection uses this value; required.",
        (FieldScope::Integration, false) => "Every connection uses this value.",
        (FieldScope::Installation, _) => {
            "Leave empty to ask each user when they connect; a value here is used for everyone."
        }
    };
    let hint = match (secret, stored) {
        (true, true) => format!(
            "{who} Stored encrypted and never shown: type a new value to replace it, or leave empty to keep it."
        ),
        (true, false) => format!("{who} Stored encrypted and never shown again."),
        (false, _) => who.to_string(),
    };
    Some(view! {
        <div class="field pinned">
            <label for=id.clone()>{label}</label>
            {stored.then(|| view! { <span class="badge badge-ok stored">"A value is stored"</span> })}
            <input id=id type=if secret { "password" } else { "text" } name=format!("input[config][{key}]")
                autocomplete=if secret { "new-password" } else { "off" } placeholder=example
                aria-describedby=format!("{hint_id} field-config-error")
                value=row.value.get_untracked() prop:value=move || row.value.get()
                on:input=move |ev| row.value.set(event_target_value(&ev))/>
            <p class="hint" id=hint_id>{hint}</p>
            {stored.then(|| view! {
                <div class="checkbox">
                    <input id=clear_id.clone() type="checkbox" name=format!("input[clear_config][{key}]") value="true"
                        prop:checked=move || row.clear.get() on:change=move |ev| row.clear.set(event_target_checked(&ev))/>
                    <label for=clear_id>"Remove the stored value"</label>
                </div>
            })}
        </div>
    })
}
