//! The end-user widget at `/widget?token=…`: the providers the application offers, each with the
//! user's connection state, and the buttons to connect, reauthorize and disconnect.
//!
//! Connect is a plain form POST to `/oauth/authorize`, because it ends in a full-page redirect
//! to the provider; Disconnect is a server action that updates the list in place. In a widget
//! another site frames, Connect opens a new tab instead: providers refuse to be framed, and the
//! cookie binding the flow to the browser cannot be kept in a cross-site frame.
//!
//! The widget is its own app with its own wasm bundle ([`crate::WidgetApp`]), kept small for the
//! end user's browser: no router (the page never navigates in place, so it reads its query
//! once) and no form-to-arguments decoding (Disconnect dispatches the arguments it already
//! has).

use crate::components::Notice;
use crate::error::AppError;
use crate::json::JsonBytes;
use crate::model::{ConnectionState, WidgetProvider, WidgetView};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[server(prefix = "/api", endpoint = "widget")]
pub async fn load_widget(token: String) -> Result<WidgetView, AppError> {
    crate::service::service()?.widget(&token).await
}

#[server(prefix = "/api", endpoint = "widget/disconnect")]
pub async fn disconnect(
    token: String,
    provider: String,
    #[server(default)] account: Option<String>,
) -> Result<(), AppError> {
    crate::service::service()?.disconnect(&token, &provider, account.as_deref()).await
}

/// A parameter of the page's query string: from the request while rendering on the server,
/// from the address bar in the browser (the same URL, so hydration sees the same values).
fn query_param(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let url = use_context::<leptos_router::location::RequestUrl>()?.parse().ok()?;
        url.search_params().get(name)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let search = window().location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        let _ = name;
        None
    }
}

/// A failed connection: the OAuth callback sends the user back here with the error code and
/// the provider in the query. Only fixed text is shown for the code, and the provider is named
/// only when it is one this widget lists (see [`crate::error::connect_failure`]).
#[derive(Clone)]
struct ConnectError {
    code: String,
    provider: String,
}

impl ConnectError {
    fn from_query() -> Option<Self> {
        Some(Self { code: query_param("error")?, provider: query_param("provider").unwrap_or_default() })
    }

    fn message(&self, listed: &[WidgetProvider]) -> String {
        let name = listed
            .iter()
            .find(|p| p.slug == self.provider || p.name == self.provider)
            .map_or("the provider", |p| p.name.as_str());
        format!("Could not connect {name}: {}", crate::error::connect_failure(&self.code))
    }
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let token = query_param("token").unwrap_or_default();
    let disconnect = ServerAction::<Disconnect>::new();
    let widget = {
        let token = token.clone();
        Resource::<_, JsonBytes>::new_with_options(
            move || disconnect.version().get(),
            move |_| load_widget(token.clone()),
            false,
        )
    };
    let connect_error = ConnectError::from_query();
    // Set once hydrated: whether this page runs inside another site's frame.
    let framed = RwSignal::new(false);
    provide_context(Framed(framed));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(window) = web_sys::window() {
            let top = window.top().ok().flatten();
            let own: &wasm_bindgen::JsValue = window.as_ref();
            framed.set(top.is_some_and(|t| AsRef::<wasm_bindgen::JsValue>::as_ref(&t) != own));
        }
    });
    let disconnect_error = move || match disconnect.value().get() {
        Some(Err(e)) => Some(e.message),
        _ => None,
    };

    view! {
        <Title text="Connections"/>
        <main class="widget">
            <h1>"Connected accounts"</h1>
            {move || disconnect_error().map(|text| view! { <Notice text error=true/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let token = token.clone();
                    let connect_error = connect_error.clone();
                    // `Either` rather than `into_any()`: a type-erased view keeps every way of
                    // rendering it in the bundle, used or not.
                    Suspend::new(async move {
                        match widget.await {
                            Ok(view) => {
                                let failed = connect_error.as_ref().map(|e| e.message(&view.providers));
                                Either::Left(view! {
                                    {failed.map(|text| view! { <Notice text error=true/> })}
                                    <ProviderList view token disconnect/>
                                })
                            }
                            Err(e) => Either::Right(view! { <Notice text=e.message error=true/> }),
                        }
                    })
                }}
            </Transition>
        </main>
    }
}

/// Whether the widget is framed by another page (see the module comment).
#[derive(Clone, Copy)]
struct Framed(RwSignal<bool>);

#[component]
fn ProviderList(view: WidgetView, token: String, disconnect: ServerAction<Disconnect>) -> impl IntoView {
    if view.providers.is_empty() {
        return Either::Left(view! { <p class="empty">"No integrations are available yet."</p> });
    }
    Either::Right(view! {
        <ul class="integrations">
            {view.providers.into_iter().map(|p| view! {
                <ProviderRow provider=p token=token.clone() disconnect/>
            }).collect_view()}
        </ul>
    })
}

#[component]
fn ProviderRow(provider: WidgetProvider, token: String, disconnect: ServerAction<Disconnect>) -> impl IntoView {
    let WidgetProvider { slug, name, description, icon_url, state } = provider;
    let (badge, badge_class) = match state {
        None => ("Not connected", "badge"),
        Some(ConnectionState::Connected) => ("Connected", "badge badge-ok"),
        Some(ConnectionState::NeedsReauthorization) => ("Needs reauthorization", "badge badge-warn"),
    };
    let connect_label = match state {
        Some(ConnectionState::NeedsReauthorization) => "Reauthorize",
        _ => "Connect",
    };
    let framed = use_context::<Framed>().map(|f| f.0);
    let connect = (state != Some(ConnectionState::Connected)).then(|| {
        let (slug, name, token) = (slug.clone(), name.clone(), token.clone());
        let target = move || framed.is_some_and(|f| f.get()).then_some("_blank");
        view! {
            <form method="post" action="/oauth/authorize" target=target>
                <input type="hidden" name="token" value=token/>
                <input type="hidden" name="provider" value=slug/>
                <button type="submit" class="primary" aria-label=format!("{connect_label} {name}")>
                    {connect_label}
                </button>
            </form>
        }
    });
    // Posts to the server function like `ActionForm` would (and so works before hydration too),
    // but dispatches the arguments it already holds instead of decoding them from the form.
    let remove = state.is_some().then(|| {
        let (slug, name) = (slug.clone(), name.clone());
        let arguments = Disconnect { token: token.clone(), provider: slug.clone(), account: None };
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            disconnect.dispatch(arguments.clone());
        };
        view! {
            <form method="post" action=Disconnect::url() on:submit=submit>
                <input type="hidden" name="token" value=token/>
                <input type="hidden" name="provider" value=slug/>
                <button type="submit" aria-label=format!("Disconnect {name}")
                    disabled=move || disconnect.pending().get()>
                    "Disconnect"
                </button>
            </form>
        }
    });
    view! {
        <li class="integration" data-provider=slug>
            {(!icon_url.is_empty()).then(|| view! { <img class="icon" src=icon_url alt="" width="32" height="32"/> })}
            <div class="integration-text">
                <h2>{name}</h2>
                {(!description.is_empty()).then(|| view! { <p class="muted">{description}</p> })}
            </div>
            <span class=badge_class>{badge}</span>
            <div class="actions">{connect}{remove}</div>
        </li>
    }
}
