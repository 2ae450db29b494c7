//! The frame of every dashboard page: the top bar with its navigation, the environment switcher
//! (sandbox and production each have their own providers, connected accounts, API keys,
//! webhooks and events) and sign-out; and the helper forms use to show a field's error.

use crate::csrf::CsrfField;
use crate::error::AppError;
use crate::model::EnvironmentsView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[server(prefix = "/api", endpoint = "environments", client = crate::csrf::CsrfClient)]
pub async fn load_environments() -> Result<EnvironmentsView, AppError> {
    crate::service::service()?.environments(&crate::service::env()?).await
}

/// The dashboard's frame: top bar with navigation, then the page.
#[component]
pub fn Shell(#[prop(into)] title: String, current: &'static str, children: Children) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str, key: &'static str| {
        view! { <a href=href aria-current=(current == key).then_some("page")>{label}</a> }
    };
    view! {
        <Title text=format!("{title} · Plumb")/>
        <crate::csrf::CsrfMeta/>
        <header class="topbar">
            <a class="brand" href="/dashboard">"Plumb"</a>
            <nav aria-label="Main">
                {link("/dashboard", "Providers", "providers")}
                {link("/dashboard/catalog", "Catalog", "catalog")}
                {link("/dashboard/webhooks", "Webhooks", "webhooks")}
                {link("/dashboard/api-keys", "API keys", "api-keys")}
                {link("/dashboard/environment", "Environment", "environment")}
                {link("/dashboard/admins", "Admins", "admins")}
                // A server-rendered page outside the app: `rel="external"` makes the router
                // load it instead of looking for it among the dashboard's routes.
                <a href="/docs/api" rel="external">"API reference"</a>
            </nav>
            <EnvironmentSwitcher/>
            <form method="post" action="/logout" class="signout">
                <span class="muted">{crate::csrf::admin_email().unwrap_or_default()}</span>
                <crate::csrf::CsrfField/>
                <button type="submit">"Sign out"</button>
            </form>
        </header>
        <main class="page">{children()}</main>
    }
}

/// The top bar's environment switcher: a plain form, so it works before hydration too.
#[component]
pub fn EnvironmentSwitcher() -> impl IntoView {
    let environments = Resource::new(|| (), |_| load_environments());
    let location = use_location();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                environments.await.ok().map(|view| {
                    let current = view.current.clone();
                    view! {
                        <form method="post" action="/dashboard/switch-environment" class="environment"
                            class:live=current.live>
                            <CsrfField/>
                            <input type="hidden" name="next" value=move || location.pathname.get()/>
                            <label for="environment-select">"Environment"</label>
                            <select id="environment-select" name="environment">
                                {view.all.into_iter().map(|e| {
                                    let selected = e.id == current.id;
                                    view! { <option value=e.slug selected=selected>{e.name}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit">"Switch"</button>
                        </form>
                    }
                })
            })}
        </Transition>
    }
}

/// The message for one form field from a failed action, if that field was rejected.
pub fn field_error<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, AppError>>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => e.field_message(field),
            _ => None,
        })
    })
}
