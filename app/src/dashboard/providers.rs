//! The dashboard's first page: the configured providers, with their type, scopes, status and
//! number of connected accounts.

use super::shell::Shell;
use crate::components::Notice;
use crate::error::AppError;
use crate::model::{DashboardView, ProviderView};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/api", endpoint = "dashboard", client = crate::csrf::CsrfClient)]
pub async fn load_dashboard() -> Result<DashboardView, AppError> {
    crate::service::service()?.dashboard(&crate::service::env()?).await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| load_dashboard());
    let query = use_query_map();
    let deleted = move || {
        query.read().get("deleted").map(|name| {
            let accounts = query.read().get("accounts").unwrap_or_else(|| "0".into());
            format!("Deleted {name} and {accounts} connected account(s).")
        })
    };
    view! {
        <Shell title="Providers" current="providers">
            <div class="page-head">
                <h1>"Providers"</h1>
                <div class="actions">
                    <a class="button" href="/dashboard/catalog">"Add from catalog"</a>
                    <a class="button primary" href="/dashboard/new-provider">"Add custom provider"</a>
                </div>
            </div>
            {move || deleted().map(|text| view! { <Notice text/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading providers…"</p> }>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(view) => view! { <ProviderTable providers=view.providers/> }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
        </Shell>
    }
}

#[component]
fn ProviderTable(providers: Vec<ProviderView>) -> impl IntoView {
    if providers.is_empty() {
        return view! {
            <p class="empty">
                "No providers yet. Enable one from the catalog, or add any OAuth 2.0 provider as a custom \
                 provider; it appears in the widget at once."
            </p>
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
                    <th scope="col">"Type"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Connected accounts"</th>
                </tr>
            </thead>
            <tbody>
                {providers
                    .into_iter()
                    .map(|p| {
                        let kind = match &p.catalog {
                            Some(_) if p.shared_credentials => "Catalog, shared credentials",
                            Some(_) => "Catalog",
                            None => "Custom",
                        };
                        let methods =
                            p.access.auth_methods.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr>
                                <th scope="row">
                                    <div class="provider-name">
                                        {(!p.icon.is_empty()).then(|| view! { <img src=p.icon.clone() alt="" width="24" height="24"/> })}
                                        <div>
                                            <a href=format!("/dashboard/providers/{}", p.slug)>{p.name}</a>
                                            <span class="muted block">{p.description}</span>
                                        </div>
                                    </div>
                                </th>
                                <td><code>{p.slug}</code></td>
                                <td>
                                    {kind}
                                    <span class="muted block">{methods}</span>
                                </td>
                                <td>{p.scopes.join(" ")}</td>
                                <td>
                                    {if p.enabled {
                                        view! { <span class="badge badge-ok">"Enabled"</span> }
                                    } else {
                                        view! { <span class="badge">"Disabled"</span> }
                                    }}
                                </td>
                                <td class="num">{p.connected_accounts}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
