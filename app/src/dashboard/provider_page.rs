//! One provider's page: how users connect to it (its methods, configuration fields and pinned
//! values), its settings (the full form for a custom provider, credentials, scopes and values for
//! a catalog one), turning it on and off, and deleting it after a confirmation that says how
//! many connected accounts go with it.

use super::catalog::CatalogForm;
use super::provider_form::EditProviderForm;
use super::shell::Shell;
use crate::components::{form_error_message, Notice};
use crate::error::AppError;
use crate::model::{CatalogInput, ProviderDetail, ProviderView};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[server(prefix = "/api", endpoint = "providers/detail", client = crate::csrf::CsrfClient)]
pub async fn load_provider(slug: String) -> Result<ProviderDetail, AppError> {
    crate::service::service()?.provider_detail(&crate::service::env()?, &slug).await
}

#[server(prefix = "/api", endpoint = "providers/enabled", client = crate::csrf::CsrfClient)]
pub async fn set_provider_enabled(slug: String, enabled: bool) -> Result<ProviderView, AppError> {
    crate::service::service()?.set_provider_enabled(&crate::service::env()?, &slug, enabled).await
}

/// Deletes the provider and its connected accounts; returns how many accounts went.
#[server(prefix = "/api", endpoint = "providers/delete", client = crate::csrf::CsrfClient)]
pub async fn delete_provider(slug: String) -> Result<i64, AppError> {
    crate::service::service()?.delete_provider(&crate::service::env()?, &slug).await
}

#[component]
pub fn ProviderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    let saved = RwSignal::new(0u32);
    // Saving reloads the provider and rebuilds its form, so the confirmation lives up here.
    let saved_notice = RwSignal::new(None::<String>);
    let toggle = ServerAction::<SetProviderEnabled>::new();
    let detail =
        Resource::new(move || (slug.get(), saved.get(), toggle.version().get()), |(slug, _, _)| load_provider(slug));
    let created = move || query.read().get("created").is_some();
    view! {
        <Shell title="Provider" current="providers">
            <p class="crumbs"><a href="/dashboard">"Providers"</a></p>
            {move || created().then(|| view! { <Notice text="Provider added. It is in the widget now."/> })}
            {move || saved_notice.get().map(|text| view! { <Notice text/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <ProviderDetails detail=d saved saved_notice toggle/> }.into_any(),
                        Err(e) => view! {
                            <h1>"Provider not found"</h1>
                            <Notice text=e.message error=true/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </Shell>
    }
}

#[component]
fn ProviderDetails(
    detail: ProviderDetail,
    saved: RwSignal<u32>,
    saved_notice: RwSignal<Option<String>>,
    toggle: ServerAction<SetProviderEnabled>,
) -> impl IntoView {
    let ProviderDetail { redirect_uri, provider, catalog_scopes, shared_app_name, pinned_secret_keys } = detail;
    let on_saved = Callback::new(move |message: String| {
        saved_notice.set(Some(message));
        saved.update(|n| *n += 1);
    });
    let accounts = provider.connected_accounts;
    let origin = match &provider.catalog {
        Some(c) if provider.shared_credentials => format!("Catalog provider ({c}), shared credentials"),
        Some(c) => format!("Catalog provider ({c})"),
        None => "Custom provider".to_string(),
    };
    let settings = if provider.catalog.is_some() {
        let input = CatalogInput {
            catalog: provider.catalog.clone().unwrap_or_default(),
            description: provider.description.clone(),
            use_shared_credentials: provider.shared_credentials,
            client_id: provider.client_id.clone(),
            client_secret: String::new(),
            scopes: provider.scopes.join(" "),
            config: provider.config.clone(),
            clear_config: Default::default(),
        };
        view! {
            <CatalogForm initial=input scopes=catalog_scopes redirect_uri shared_app_name
                edit_slug=Some(provider.slug.clone()) has_secret=provider.has_client_secret
                methods=provider.access.auth_methods.clone() fields=provider.access.config_fields.clone()
                stored_secrets=pinned_secret_keys.clone() on_saved/>
        }
        .into_any()
    } else {
        view! {
            <EditProviderForm provider=provider.clone() redirect_uri stored_secrets=pinned_secret_keys.clone() on_saved/>
        }
        .into_any()
    };
    let enabled = provider.enabled;
    let name = provider.name.clone();
    let slug = provider.slug.clone();
    let toggle_slug = provider.slug.clone();
    view! {
        <div class="page-head">
            <h1 class="with-icon">
                {(!provider.icon.is_empty()).then(|| view! { <img src=provider.icon.clone() alt="" width="32" height="32"/> })}
                {provider.name.clone()}
            </h1>
            {if enabled {
                view! { <span class="badge badge-ok">"Enabled"</span> }
            } else {
                view! { <span class="badge">"Disabled"</span> }
            }}
        </div>
        <p class="muted">
            {origin} " · " <code>{provider.slug.clone()}</code> " · "
            {format!("{accounts} connected account{}", if accounts == 1 { "" } else { "s" })}
        </p>
        <super::provider_summary::HowUsersConnect provider=provider.clone() stored_secrets=pinned_secret_keys/>
        <section class="card" aria-labelledby="settings">
            <h2 id="settings">"Settings"</h2>
            {settings}
        </section>
        <super::connections::ConnectedAccounts slug=slug.clone()/>
        <section class="card" aria-labelledby="availability">
            <h2 id="availability">"Availability"</h2>
            <p class="muted">
                {if enabled {
                    "Users can connect this provider in the widget."
                } else {
                    "Hidden from the widget; no new connections. Existing connections keep working."
                }}
            </p>
            <ActionForm action=toggle>
                <crate::csrf::CsrfField/>
                <input type="hidden" name="slug" value=toggle_slug/>
                <input type="hidden" name="enabled" value=if enabled { "false" } else { "true" }/>
                <button type="submit">{if enabled { "Disable provider" } else { "Enable provider" }}</button>
            </ActionForm>
        </section>
        <DeleteProvider slug name accounts/>
    }
}

/// Deleting asks first, in a disclosure that works without JavaScript, and names the cost.
#[component]
fn DeleteProvider(slug: String, name: String, accounts: i64) -> impl IntoView {
    let action = ServerAction::<DeleteProvider>::new();
    let navigate = use_navigate();
    let deleted_name = name.clone();
    Effect::new(move |_| {
        if let Some(Ok(count)) = action.value().get() {
            let query = url_pair("deleted", &deleted_name);
            navigate(&format!("/dashboard?{query}&accounts={count}"), Default::default());
        }
    });
    let consequence = match accounts {
        0 => format!("Delete {name}? No user has connected it."),
        1 => format!("Delete {name} and its 1 connected account? Its token stops being served at once."),
        n => format!("Delete {name} and its {n} connected accounts? Their tokens stop being served at once."),
    };
    view! {
        <section class="card danger" aria-labelledby="delete">
            <h2 id="delete">"Delete provider"</h2>
            <details>
                <summary>"Delete this provider…"</summary>
                <p class="confirm-text">{consequence}</p>
                {move || match action.value().get() {
                    Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }),
                    _ => None,
                }}
                <ActionForm action>
                    <crate::csrf::CsrfField/>
                    <input type="hidden" name="slug" value=slug/>
                    <button type="submit" class="danger">
                        {format!("Delete {name} and {accounts} connected account{}", if accounts == 1 { "" } else { "s" })}
                    </button>
                </ActionForm>
            </details>
        </section>
    }
}

/// `key=value`, form-encoded, for building a query string.
fn url_pair(key: &str, value: &str) -> String {
    let mut out = format!("{key}=");
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
