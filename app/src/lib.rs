//! Plumb's Leptos application: the admin dashboard and the end-user widget, rendered on the
//! server (`ssr`) and hydrated in the browser (`hydrate`). Domain logic lives in the server crate
//! behind [`service::PlumbService`]; this crate holds components, wire types and thin server
//! functions.
// The provider and catalog forms are deep views: their hydrated types nest past the default
// query depth of 128 (the wasm build stops with "queries overflow the depth limit").
#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod components;
pub mod csrf;
pub mod dashboard;
pub mod error;
pub mod i18n;
pub mod json;
pub mod methods;
pub mod model;
pub mod pattern;
#[cfg(feature = "ssr")]
pub mod service;
pub mod signin;
pub mod widget;
#[cfg(feature = "hydrate")]
mod widget_host;

use assets::{Bundle, BundleHead};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};

pub use assets::{OUTPUT_NAME, WIDGET_OUTPUT_NAME};

/// The HTML document around the app; rendered on the server only.
pub fn shell(bundle: Bundle) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <BundleHead bundle/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The HTML document around the widget, loading the widget's bundle instead of the dashboard's,
/// in the language and with the look the server chose ([`model::WidgetChrome`]). The theme's
/// custom properties go in a `<style>` carrying the page's nonce: its values were checked to be
/// plain colours, lengths and font names, so they are written as they are.
pub fn widget_shell(bundle: Bundle) -> impl IntoView {
    let chrome = use_context::<model::WidgetChrome>().unwrap_or_default();
    let theme = (!chrome.css.is_empty()).then(|| {
        let nonce = leptos::nonce::use_nonce();
        view! { <style nonce=nonce inner_html=chrome.css/> }
    });
    view! {
        <!DOCTYPE html>
        <html lang=chrome.lang data-scheme=chrome.scheme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content=if chrome.scheme == "auto" { "light dark" } else { chrome.scheme }/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <title>{chrome.title}</title>
                <BundleHead bundle/>
                {theme}
            </head>
            <body>
                <WidgetApp/>
            </body>
        </html>
    }
}

/// Marks the page as interactive once the wasm bundle has taken over the server-rendered
/// HTML. Effects never run on the server, so the attribute proves hydration happened.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// The end-user widget on its own, served at `/widget`: its bundle carries none of the
/// dashboard, and not even the router (one page, never navigated in place).
#[component]
pub fn WidgetApp() -> impl IntoView {
    mark_hydrated();
    view! { <widget::WidgetPage/> }
}

/// The admin dashboard and the other pages, everything but the widget.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/dashboard") view=dashboard::providers::DashboardPage/>
                <Route path=path!("/dashboard/new-provider") view=dashboard::provider_form::NewProviderPage/>
                <Route path=path!("/dashboard/providers/:slug") view=dashboard::provider_page::ProviderPage/>
                <Route path=path!("/dashboard/catalog") view=dashboard::catalog::CatalogPage/>
                <Route path=path!("/dashboard/catalog/:slug") view=dashboard::catalog::EnableCatalogPage/>
                <Route path=path!("/dashboard/webhooks") view=dashboard::webhooks::WebhooksPage/>
                <Route path=path!("/dashboard/admins") view=dashboard::admins::AdminsPage/>
                <Route path=path!("/dashboard/api-keys") view=dashboard::api_keys::ApiKeysPage/>
                <Route path=path!("/dashboard/environment") view=dashboard::environment::EnvironmentPage/>
                <Route path=path!("/login") view=signin::LoginPage/>
                <Route path=path!("/invite/:token") view=signin::InvitePage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <Title text="Plumb"/>
        <main class="page narrow">
            <h1>"Plumb"</h1>
            <p>
                "Plumb connects your users' third-party accounts and hands your backend a fresh \
                 access token with one call."
            </p>
            <p>
                <A href="/dashboard">"Open the dashboard"</A>
            </p>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found · Plumb"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>
                <a href="/dashboard">"Go to the dashboard"</a>
            </p>
        </main>
    }
}
