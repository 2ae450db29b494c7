//! The admin dashboard: the configured providers, and the form that adds a custom OAuth
//! provider. Writes go through a `ServerAction` + `ActionForm`, so the form also works before
//! the wasm bundle has loaded.

use crate::components::{Field, Notice};
use crate::error::AppError;
use crate::model::{DashboardView, ProviderView};
use leptos::prelude::*;
use leptos_meta::Title;

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<DashboardView, AppError> {
    crate::service::service()?.dashboard().await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "providers/create")]
pub async fn create_provider(
    name: String,
    slug: String,
    description: String,
    authorization_url: String,
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: String,
) -> Result<ProviderView, AppError> {
    let input = crate::model::NewProvider {
        name,
        slug,
        description,
        authorization_url,
        token_url,
        client_id,
        client_secret,
        scopes,
    };
    crate::service::service()?.create_provider(input).await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let create = ServerAction::<CreateProvider>::new();
    let dashboard = Resource::new(move || create.version().get(), |_| load_dashboard());
    let form = NodeRef::<leptos::html::Form>::new();

    // A provider was added: clear the form for the next one.
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });

    let error_for = move |field: &'static str| {
        Signal::derive(move || match create.value().read().as_ref() {
            Some(Err(e)) => e.field_message(field),
            _ => None,
        })
    };
    let outcome = move || match create.value().get() {
        Some(Ok(p)) => Some(view! { <Notice text=format!("Added {}.", p.name)/> }.into_any()),
        Some(Err(e)) => {
            let text = if e.errors.is_empty() {
                e.message
            } else {
                "The provider was not saved: fix the fields marked below.".to_string()
            };
            Some(view! { <Notice text error=true/> }.into_any())
        }
        None => None,
    };

    view! {
        <Title text="Dashboard · Plumb"/>
        <header class="topbar">
            <span class="brand">"Plumb"</span>
            <nav aria-label="Main">
                <a href="/dashboard" aria-current="page">"Providers"</a>
            </nav>
        </header>
        <main class="page">
            <h1>"Providers"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading providers…"</p> }>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(view) => view! { <ProviderList view/> }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>

            <section class="card" aria-labelledby="add-provider">
                <h2 id="add-provider">"Add a custom OAuth provider"</h2>
                <p class="muted">
                    "Any OAuth 2.0 provider with the authorization-code flow. Plumb uses PKCE (S256) \
                     and sends the client credentials in the token request body."
                </p>
                {outcome}
                <ActionForm action=create node_ref=form attr:novalidate="">
                    <fieldset>
                        <legend>"Details"</legend>
                        <Field label="Name" name="name" required=true error=error_for("name")
                            placeholder="Acme CRM"/>
                        <Field label="Slug" name="slug" required=true error=error_for("slug")
                            placeholder="acme-crm"
                            hint="Lowercase letters, digits and hyphens. Backends fetch tokens by it; it cannot change later."/>
                        <Field label="Description" name="description" error=error_for("description")
                            hint="Shown to your users in the widget: say what the connection is used for."/>
                    </fieldset>
                    <fieldset>
                        <legend>"Endpoints"</legend>
                        <Field label="Authorization URL" name="authorization_url" kind="url" required=true
                            error=error_for("authorization_url")
                            placeholder="https://provider.example/oauth/authorize"/>
                        <Field label="Token URL" name="token_url" kind="url" required=true
                            error=error_for("token_url")
                            placeholder="https://provider.example/oauth/token"/>
                    </fieldset>
                    <fieldset>
                        <legend>"Credentials"</legend>
                        <RedirectUri dashboard/>
                        <Field label="Client ID" name="client_id" required=true error=error_for("client_id")/>
                        <Field label="Client secret" name="client_secret" kind="password"
                            error=error_for("client_secret")
                            hint="Stored encrypted. It is never shown again."/>
                    </fieldset>
                    <fieldset>
                        <legend>"Scopes"</legend>
                        <Field label="Scopes" name="scopes" error=error_for("scopes")
                            placeholder="openid offline_access read"
                            hint="Separated by spaces or commas, in the order the provider expects."/>
                    </fieldset>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Adding…" } else { "Add provider" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}

/// The callback URL to register at the provider.
#[component]
fn RedirectUri(dashboard: Resource<Result<DashboardView, AppError>>) -> impl IntoView {
    view! {
        <div class="field">
            <span class="label" id="redirect-uri-label">"Redirect URI"</span>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    dashboard.await.ok().map(|d| view! {
                        <code class="copyable" aria-labelledby="redirect-uri-label" data-testid="redirect-uri">
                            {d.redirect_uri}
                        </code>
                    })
                })}
            </Transition>
            <p class="hint">"Register this exact URL as the redirect (callback) URL of your OAuth app."</p>
        </div>
    }
}

#[component]
fn ProviderList(view: DashboardView) -> impl IntoView {
    if view.providers.is_empty() {
        return view! {
            <p class="empty">"No providers yet. Add one below; it appears in the widget at once."</p>
        }
        .into_any();
    }
    view! {
        <table class="providers">
            <caption class="visually-hidden">"Configured providers"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Slug"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Client ID"</th>
                    <th scope="col">"Connected accounts"</th>
                </tr>
            </thead>
            <tbody>
                {view.providers.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row">
                            {p.name}
                            <span class="muted block">{p.description}</span>
                        </th>
                        <td><code>{p.slug}</code></td>
                        <td>{p.scopes.join(" ")}</td>
                        <td><code>{p.client_id}</code></td>
                        <td class="num">{p.connected_accounts}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
