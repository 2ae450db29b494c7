//! API keys for backends: created here (the key is shown once), listed by name and first
//! characters with when each was last used, and revoked. Only a hash of a key is stored.

use super::shell::{field_error, Shell};
use crate::components::{form_error_message, Field, Notice};
use crate::csrf::CsrfField;
use crate::error::AppError;
use crate::model::{ApiKeyView, CreatedApiKey};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "api-keys", client = crate::csrf::CsrfClient)]
pub async fn load_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    crate::service::service()?.api_keys(&crate::service::env()?).await
}

#[server(prefix = "/api", endpoint = "api-keys/create", client = crate::csrf::CsrfClient)]
pub async fn create_api_key(name: String) -> Result<CreatedApiKey, AppError> {
    crate::service::service()?.create_api_key(&crate::service::env()?, &name).await
}

#[server(prefix = "/api", endpoint = "api-keys/revoke", client = crate::csrf::CsrfClient)]
pub async fn revoke_api_key(id: String) -> Result<(), AppError> {
    crate::service::service()?.revoke_api_key(&crate::service::env()?, &id).await
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(move || (create.version().get(), revoke.version().get()), |_| load_api_keys());
    let result = Signal::derive(move || create.value().get());
    view! {
        <Shell title="API keys" current="api-keys">
            <div class="page-head">
                <h1>"API keys"</h1>
            </div>
            <p class="muted">
                "Backends send a key as " <code>"Authorization: Bearer sk_test_…"</code>
                " to fetch tokens, mint widget tokens and manage providers. Plumb keeps only a hash of each key."
            </p>
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <Notice text=e.message error=true/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(keys) => view! { <KeyTable keys revoke/> }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
            <section class="card" aria-labelledby="new-key">
                <h2 id="new-key">"Create a key"</h2>
                {move || match result.get() {
                    Some(Ok(created)) => Some(view! {
                        <div class="notice notice-ok" role="status">
                            <p>{format!("Created {}. Copy the key now: it is shown only this once.", display_name(&created.key))}</p>
                            <code class="copyable" data-testid="api-key-secret">{created.secret}</code>
                        </div>
                    }.into_any()),
                    Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                    None => None,
                }}
                <ActionForm action=create attr:novalidate="">
                    <CsrfField/>
                    <Field label="Name" name="name" group="" error=field_error(result, "name")
                        hint="What uses the key, like \"billing backend\"."/>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create key"</button>
                </ActionForm>
            </section>
        </Shell>
    }
}

fn display_name(key: &ApiKeyView) -> String {
    if key.name.is_empty() {
        format!("{}…", key.prefix)
    } else {
        format!("{} ({}…)", key.name, key.prefix)
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet. Create one below."</p> }.into_any();
    }
    view! {
        <table class="providers">
            <caption class="visually-hidden">"API keys"</caption>
            <thead>
                <tr>
                    <th scope="col">"Key"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let name = display_name(&k);
                    view! {
                        <tr>
                            <th scope="row">{name.clone()}</th>
                            <td>{k.created_at.clone()}</td>
                            <td>{k.last_used_at.clone().unwrap_or_else(|| "Never".into())}</td>
                            <td>{match &k.revoked_at {
                                Some(at) => view! { <span class="badge">{format!("Revoked {at}")}</span> }.into_any(),
                                None => view! { <span class="badge badge-ok">"Active"</span> }.into_any(),
                            }}</td>
                            <td class="actions">
                                {k.revoked_at.is_none().then(|| view! {
                                    <ActionForm action=revoke>
                                        <CsrfField/>
                                        <input type="hidden" name="id" value=k.id.clone()/>
                                        <button type="submit" aria-label=format!("Revoke {name}")>"Revoke"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
