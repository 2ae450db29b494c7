//! Plumb's Leptos application: the admin dashboard and the end-user widget, rendered on the
//! server (`ssr`) and hydrated in the browser (`hydrate`). Domain logic lives in the server crate
//! behind [`service::PlumbService`]; this crate holds components, wire types and thin server
//! functions.

pub mod api;
pub mod components;
pub mod csrf;
pub mod dashboard;
pub mod error;
pub mod model;
#[cfg(feature = "ssr")]
pub mod service;
pub mod signin;
pub mod widget;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};

/// The name of the JS and wasm files the hydration script loads from `/pkg`.
pub const OUTPUT_NAME: &str = "plumb";

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href="/pkg/plumb.css"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Marks the page as interactive once the wasm bundle has taken over the server-rendered
    // HTML. Effects never run on the server, so the attribute proves hydration happened.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/dashboard") view=dashboard::DashboardPage/>
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
                <Route path=path!("/widget") view=widget::WidgetPage/>
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
