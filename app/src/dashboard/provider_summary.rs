//! "How users connect", at the top of a provider's page: its methods, where a key goes and how
//! credentials are checked, and its configuration fields with the values pinned for them.
//! Secret values are never on the page: a stored one is only said to exist.

use crate::methods::{AuthMethod, FieldScope};
use crate::model::ProviderView;
use leptos::prelude::*;

/// Where the provider's API key goes, in words.
fn key_placement(provider: &ProviderView) -> String {
    let k = &provider.access.api_key;
    if k.query.is_empty() {
        format!("In the {} header, as {}", k.header, k.format)
    } else {
        format!("In the {} query parameter", k.query)
    }
}

#[component]
pub fn HowUsersConnect(provider: ProviderView, stored_secrets: Vec<String>) -> impl IntoView {
    let access = provider.access.clone();
    let methods = access
        .auth_methods
        .iter()
        .map(|m| view! { <span class="badge badge-method">{m.label()}</span>" " })
        .collect_view();
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    if !access.api_base_url.is_empty() {
        facts.push(("API base URL", access.api_base_url.clone()));
    }
    if !access.api_hosts.is_empty() {
        facts.push(("Relay hosts", access.api_hosts.join(", ")));
    }
    if access.supports(AuthMethod::ApiKey) {
        facts.push(("API key", key_placement(&provider)));
    }
    if access.supports(AuthMethod::Basic) {
        facts.push((
            "Basic credentials",
            format!("Asked as {} and {}", access.basic.username_label, access.basic.password_label),
        ));
    }
    if access.verification.is_set() {
        let statuses: Vec<String> = access.verification.expected_statuses.iter().map(u16::to_string).collect();
        facts.push((
            "Verification",
            format!("{} {}, expecting {}", access.verification.method, access.verification.url, statuses.join(", ")),
        ));
    }
    let mut fields = access.config_fields.clone();
    fields.sort_by_key(|f| f.order);
    let table = if fields.is_empty() {
        view! { <p class="muted">"No configuration fields."</p> }.into_any()
    } else {
        let rows = fields
            .into_iter()
            .map(|f| {
                let value = if f.secret {
                    if stored_secrets.contains(&f.key) {
                        view! { <span class="badge badge-ok">"A value is stored"</span> }.into_any()
                    } else {
                        view! { <span class="muted">"—"</span> }.into_any()
                    }
                } else {
                    match provider.config.get(&f.key) {
                        Some(v) => view! { <code>{v.clone()}</code> }.into_any(),
                        None if !f.default.is_empty() => {
                            view! { <span class="muted">{format!("— (default {})", f.default)}</span> }.into_any()
                        }
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    }
                };
                let notes = [f.required.then_some("required"), f.secret.then_some("secret")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <tr data-field=f.key.clone()>
                        <th scope="row">{f.label.clone()}<span class="muted block">{f.description.clone()}</span></th>
                        <td><code>{f.key.clone()}</code></td>
                        <td>{f.scope.label()}{(f.scope == FieldScope::Installation).then_some(" (unless pinned)")}</td>
                        <td>{notes}</td>
                        <td>{value}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="providers config-fields">
                <caption class="visually-hidden">"Configuration fields"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Field"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Given"</th>
                        <th scope="col">"Rules"</th>
                        <th scope="col">"Pinned value"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="connect">
            <h2 id="connect">"How users connect"</h2>
            <p class="methods">{methods}</p>
            {(!facts.is_empty()).then(|| view! {
                <dl class="facts">
                    {facts.into_iter().map(|(term, text)| view! { <dt>{term}</dt><dd>{text}</dd> }).collect_view()}
                </dl>
            })}
            <h3>"Configuration fields"</h3>
            {table}
        </section>
    }
}
