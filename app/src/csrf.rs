//! The dashboard's half of CSRF protection. Every dashboard server function is declared with
//! `client = CsrfClient`, which sends the session's token in the `X-CSRF-Token` header; every
//! dashboard form also carries it as a hidden `csrf_token` field, so forms posted before the
//! wasm bundle has loaded pass the server's check too. The token reaches the page in a
//! `<meta name="csrf-token">` tag that [`CsrfMeta`] renders.

use crate::model::AdminIdentity;
use leptos::prelude::*;
use leptos::server_fn::client::browser::BrowserClient;
use leptos::server_fn::client::Client;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::request::browser::BrowserRequest;
use leptos::server_fn::response::browser::BrowserResponse;
use leptos::server_fn::Bytes;
use std::future::Future;

/// The header the server's gate reads.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The session's CSRF token: from the server's context while rendering, from the page's meta
/// tag in the browser.
pub fn csrf_token() -> Option<String> {
    use_context::<AdminIdentity>().map(|a| a.csrf_token).or_else(|| meta("csrf-token"))
}

/// The signed-in admin's email, found the same way.
pub fn admin_email() -> Option<String> {
    use_context::<AdminIdentity>().map(|a| a.email).or_else(|| meta("plumb-admin"))
}

fn meta(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let selector = format!("meta[name=\"{name}\"]");
        document().query_selector(&selector).ok().flatten()?.get_attribute("content")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        None
    }
}

/// The token and the admin's email as `<meta>` tags in the page head. The browser reads both
/// back, so the hydrated page renders exactly what the server did.
#[component]
pub fn CsrfMeta() -> impl IntoView {
    view! {
        <leptos_meta::Meta name="csrf-token" content=csrf_token().unwrap_or_default()/>
        <leptos_meta::Meta name="plumb-admin" content=admin_email().unwrap_or_default()/>
    }
}

/// The hidden form field carrying the token.
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name="csrf_token" value=csrf_token().unwrap_or_default()/> }
}

/// The browser's `fetch` client, plus the CSRF header.
pub struct CsrfClient;

impl<E, IS, OS> Client<E, IS, OS> for CsrfClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(token) = csrf_token() {
            req.headers().set(CSRF_HEADER, &token);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl futures::Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}
