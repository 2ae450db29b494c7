//! The end-user widget at `/widget?token=…`: the providers the application offers, each with the
//! user's connection state, and the buttons to connect, reauthorize and disconnect. A provider
//! that allows several accounts lists each (label, state, when connected) with its own
//! reauthorize, rename and disconnect, and "Add another account"; an organization's shared
//! provider shows its connection to every member and the buttons to managers only.
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
use crate::methods::{AuthMethod, BasicLabels, ConfigField};
use crate::model::{ConnectionState, WidgetAccount, WidgetProvider, WidgetView};
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

#[server(prefix = "/api", endpoint = "widget/rename")]
pub async fn rename(token: String, provider: String, account: String, label: String) -> Result<(), AppError> {
    crate::service::service()?.rename_account(&token, &provider, &account, &label).await
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
    /// The provider's HTTP status when it refused a credential: a number, so it cannot carry text.
    status: Option<u16>,
}

impl ConnectError {
    fn from_query() -> Option<Self> {
        Some(Self {
            code: query_param("error")?,
            provider: query_param("provider").unwrap_or_default(),
            status: query_param("status").and_then(|s| s.parse().ok()).filter(|s| (100..=599).contains(s)),
        })
    }

    fn message(&self, listed: &[WidgetProvider]) -> String {
        let name = listed
            .iter()
            .find(|p| p.slug == self.provider || p.name == self.provider)
            .map_or("the provider", |p| p.name.as_str());
        let status = self.status.map(|s| format!(" {name} answered HTTP {s}.")).unwrap_or_default();
        format!("Could not connect {name}: {}{status}", crate::error::connect_failure(&self.code))
    }
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let token = query_param("token").unwrap_or_default();
    let disconnect = ServerAction::<Disconnect>::new();
    let rename = ServerAction::<Rename>::new();
    provide_context(rename);
    let widget = {
        let token = token.clone();
        Resource::<_, JsonBytes>::new_with_options(
            move || (disconnect.version().get(), rename.version().get()),
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
    let disconnect_error = move || match (disconnect.value().get(), rename.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(e.message),
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

/// A form that starts connecting: a plain POST to `/oauth/authorize` (a full-page redirect to
/// the provider), in a new tab when framed. With configuration fields to ask, they come first.
fn connect_form(
    token: &str,
    slug: &str,
    hidden: Vec<(&'static str, String)>,
    fields: &[ConfigField],
    label: &'static str,
    aria: String,
    primary: bool,
) -> impl IntoView {
    let framed = use_context::<Framed>().map(|f| f.0);
    let target = move || framed.is_some_and(|f| f.get()).then_some("_blank");
    let class = if fields.is_empty() { "" } else { "connect-fields" };
    view! {
        <form method="post" action="/oauth/authorize" target=target class=class>
            <input type="hidden" name="token" value=token.to_string()/>
            <input type="hidden" name="provider" value=slug.to_string()/>
            {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
            {config_inputs(slug, fields)}
            <button type="submit" class:primary=primary aria-label=aria>{label}</button>
        </form>
    }
}

/// Inputs for configuration fields (`config.<key>`). `pattern` is checked as the person types,
/// with the JavaScript semantics WorkOS's widget uses (anchored, `u` flag), because the HTML
/// `pattern` attribute compiles in `v` mode, which refuses common patterns such as `[a-z-]`.
/// The server checks every value again.
fn config_inputs(slug: &str, fields: &[ConfigField]) -> impl IntoView {
    fields
        .iter()
        .map(|f| {
            let id = format!("{slug}-config-{}", f.key);
            let placeholder = if f.default.is_empty() { f.example.clone() } else { f.default.clone() };
            let pattern = f.pattern.clone();
            let hint = (!f.default.is_empty()).then(|| format!("Defaults to {} when left blank.", f.default));
            let label = f.label.clone();
            let check = move |ev: leptos::ev::Event| check_pattern(&ev, &pattern, &label);
            let for_id = id.clone();
            view! {
                <label class="field" for=for_id>
                    <span>{f.label.clone()}</span>
                    <input id=id type=if f.secret { "password" } else { "text" } name=format!("config.{}", f.key)
                        required=f.required && f.default.is_empty() placeholder=placeholder autocomplete="off"
                        maxlength="1024" on:input=check/>
                    {(!f.description.is_empty()).then(|| view! { <small class="muted">{f.description.clone()}</small> })}
                    {hint.map(|h| view! { <small class="muted">{h}</small> })}
                </label>
            }
        })
        .collect_view()
}

/// Marks the input invalid (blocking the form's submission with a message) while its value
/// does not match `pattern`.
fn check_pattern(ev: &leptos::ev::Event, pattern: &str, label: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let value = input.value();
        let message = match crate::pattern::matches(pattern, value.trim()) {
            Some(false) if !value.trim().is_empty() => format!("{label} is not in the expected form."),
            _ => String::new(),
        };
        input.set_custom_validity(&message);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, pattern, label);
}

/// A form for a method without a sign-in page: a plain POST to `/widget/credentials`, which
/// checks the credential with the provider, stores it, and returns here.
fn credential_form(
    token: &str,
    slug: &str,
    name: &str,
    method: AuthMethod,
    hidden: Vec<(&'static str, String)>,
    fields: &[ConfigField],
    basic: &BasicLabels,
) -> impl IntoView {
    let id = |part: &str| format!("{slug}-{}-{part}", method.as_str());
    let input = |part: &'static str, label: String, kind: &'static str| {
        let for_id = id(part);
        view! {
            <label class="field" for=for_id>
                <span>{label}</span>
                <input id=id(part) type=kind name=part required=true autocomplete="off" maxlength="4096"/>
            </label>
        }
    };
    let (summary, inputs) = match method {
        AuthMethod::ApiKey => ("Connect with an API key", vec![input("api_key", "API key".into(), "password")]),
        AuthMethod::Basic => (
            "Connect with a user name and password",
            vec![
                input("username", basic.username_label.clone(), "text"),
                input("password", basic.password_label.clone(), "password"),
            ],
        ),
        _ => (
            "Connect with client credentials",
            vec![
                input("client_id", "Client ID".into(), "text"),
                input("client_secret", "Client secret".into(), "password"),
            ],
        ),
    };
    view! {
        <details class="credential-form" data-method=method.as_str()>
            <summary>{summary}</summary>
            <form method="post" action="/widget/credentials">
                <input type="hidden" name="token" value=token.to_string()/>
                <input type="hidden" name="provider" value=slug.to_string()/>
                <input type="hidden" name="method" value=method.as_str()/>
                {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
                {inputs}
                {config_inputs(&id("f"), fields)}
                <button type="submit" class="primary" aria-label=format!("Save {name} credentials")>"Save"</button>
            </form>
        </details>
    }
}

/// Disconnect posts to the server function like `ActionForm` would (and so works before
/// hydration too), but dispatches the arguments it already holds instead of decoding them.
fn disconnect_form(arguments: Disconnect, aria: String, disconnect: ServerAction<Disconnect>) -> impl IntoView {
    let (token, slug) = (arguments.token.clone(), arguments.provider.clone());
    let account = arguments.account.clone().unwrap_or_default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        disconnect.dispatch(arguments.clone());
    };
    view! {
        <form method="post" action=Disconnect::url() on:submit=submit>
            <input type="hidden" name="token" value=token/>
            <input type="hidden" name="provider" value=slug/>
            <input type="hidden" name="account" value=account/>
            <button type="submit" aria-label=aria disabled=move || disconnect.pending().get()>"Disconnect"</button>
        </form>
    }
}

fn badge(state: Option<ConnectionState>, shared: bool) -> (&'static str, &'static str) {
    match state {
        None => ("Not connected", "badge"),
        Some(ConnectionState::Connected) if shared => ("Shared by your organization", "badge badge-ok"),
        Some(ConnectionState::Connected) => ("Connected", "badge badge-ok"),
        Some(ConnectionState::NeedsReauthorization) => ("Needs reauthorization", "badge badge-warn"),
    }
}

#[component]
fn ProviderRow(provider: WidgetProvider, token: String, disconnect: ServerAction<Disconnect>) -> impl IntoView {
    let WidgetProvider {
        slug,
        name,
        description,
        icon_url,
        state,
        accounts,
        multiple,
        shared,
        can_manage,
        methods,
        fields,
        basic,
    } = provider;
    let oauth = methods.contains(&AuthMethod::Oauth);
    let forms_empty = methods.iter().all(|m| *m == AuthMethod::Oauth);
    // The forms for methods without a sign-in page, for a new account or for replacing the
    // credential of one (`hidden` says which).
    let credential_forms = |hidden: Vec<(&'static str, String)>| {
        methods
            .iter()
            .filter(|m| **m != AuthMethod::Oauth)
            .map(|m| credential_form(&token, &slug, &name, *m, hidden.clone(), &fields, &basic))
            .collect_view()
    };
    let (badge, badge_class) = badge(state, shared);
    // Nothing connected yet, or one account where only one is allowed: the row's own buttons act
    // on it. Otherwise each account gets its own line.
    let single = accounts.is_empty() || (!multiple && accounts.len() == 1);
    let only = accounts.first().map(|a| a.id.clone());
    let actions = (single && can_manage).then(|| {
        let reauthorizing = match (&only, state) {
            (Some(id), Some(ConnectionState::NeedsReauthorization)) => {
                Some(vec![("intent", "reauthorize".to_string()), ("account", id.clone())])
            }
            _ => None,
        };
        let connect = (state != Some(ConnectionState::Connected) && oauth).then(|| match reauthorizing.clone() {
            // A reauthorization keeps the account's values: nothing to ask.
            Some(hidden) => {
                connect_form(&token, &slug, hidden, &[], "Reauthorize", format!("Reauthorize {name}"), true)
            }
            None => connect_form(&token, &slug, Vec::new(), &fields, "Connect", format!("Connect {name}"), true),
        });
        // Without a sign-in page, replacing a credential is entering a new one.
        let replace = match &only {
            Some(id) => vec![("intent", "reauthorize".to_string()), ("account", id.clone())],
            None => Vec::new(),
        };
        let entered = (!forms_empty).then(|| credential_forms(replace));
        let remove = only.clone().map(|id| {
            let arguments = Disconnect { token: token.clone(), provider: slug.clone(), account: Some(id) };
            disconnect_form(arguments, format!("Disconnect {name}"), disconnect)
        });
        view! { <div class="actions">{connect}{remove}</div> {entered} }
    });
    let list = (!single).then(|| {
        let add = can_manage.then(|| {
            let label = if accounts.is_empty() { "Connect" } else { "Add another account" };
            let aria =
                if accounts.is_empty() { format!("Connect {name}") } else { format!("Add another {name} account") };
            let add = vec![("intent", "add".to_string())];
            let oauth_form = oauth.then(|| connect_form(&token, &slug, add.clone(), &fields, label, aria, true));
            view! { {oauth_form} {(!forms_empty).then(|| credential_forms(add))} }
        });
        view! {
            <ul class="accounts">
                {accounts.into_iter().enumerate().map(|(i, account)| view! {
                    <AccountRow account number=i + 1 provider=slug.clone() token=token.clone() can_manage disconnect/>
                }).collect_view()}
            </ul>
            <div class="actions">{add}</div>
        }
    });
    let managed = (shared && !can_manage).then(|| {
        view! {
            <p class="muted small">"Your organization's administrators manage this connection."</p>
        }
    });
    view! {
        <li class="integration" data-provider=slug.clone()>
            // No logo given: the name's first letter, so every row has a mark to scan by. ASCII
            // upper-casing only: Unicode's case tables would cost the bundle kilobytes.
            {icon_url.is_empty().then(|| {
                let initial: String = name.trim_start().chars().next().map(|c| c.to_ascii_uppercase()).into_iter().collect();
                view! { <span class="icon monogram" aria-hidden="true">{initial}</span> }
            })}
            {(!icon_url.is_empty()).then(|| view! { <img class="icon" src=icon_url alt="" width="32" height="32"/> })}
            <div class="integration-text">
                <h2>{name.clone()}</h2>
                {(!description.is_empty()).then(|| view! { <p class="muted">{description}</p> })}
                {managed}
            </div>
            <span class=badge_class>{badge}</span>
            {actions}
            {list}
        </li>
    }
}

/// One of several accounts: its name, state and date, and (for those who may) reauthorize,
/// rename and disconnect.
#[component]
fn AccountRow(
    account: WidgetAccount,
    number: usize,
    provider: String,
    token: String,
    can_manage: bool,
    disconnect: ServerAction<Disconnect>,
) -> impl IntoView {
    let WidgetAccount { id, name, label: current, state, connected_on } = account;
    let shown = if name.is_empty() { format!("Account {number}") } else { name.clone() };
    let (badge, badge_class) = badge(Some(state), false);
    let buttons = can_manage.then(|| {
        let reauthorize = (state == ConnectionState::NeedsReauthorization).then(|| {
            let hidden = vec![("intent", "reauthorize".to_string()), ("account", id.clone())];
            connect_form(&token, &provider, hidden, &[], "Reauthorize", format!("Reauthorize {shown}"), true)
        });
        let rename = use_context::<ServerAction<Rename>>().map(|rename| {
            let label = RwSignal::new(current.clone());
            let arguments = Rename { token: token.clone(), provider: provider.clone(), account: id.clone(), label: current };
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                rename.dispatch(Rename { label: label.get_untracked(), ..arguments.clone() });
            };
            view! {
                <form class="rename" method="post" action=Rename::url() on:submit=submit>
                    <input type="hidden" name="token" value=token.clone()/>
                    <input type="hidden" name="provider" value=provider.clone()/>
                    <input type="hidden" name="account" value=id.clone()/>
                    <input type="text" name="label" maxlength="200" aria-label=format!("Name for {shown}")
                        prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                    <button type="submit" aria-label=format!("Rename {shown}")>"Rename"</button>
                </form>
            }
        });
        let arguments = Disconnect { token: token.clone(), provider: provider.clone(), account: Some(id.clone()) };
        view! { <div class="actions">{reauthorize}{rename}{disconnect_form(arguments, format!("Disconnect {shown}"), disconnect)}</div> }
    });
    view! {
        <li class="account" data-account=id.clone()>
            <span class="account-name">{shown.clone()}</span>
            <span class=badge_class>{badge}</span>
            <span class="muted small">{format!("Connected {connected_on}")}</span>
            {buttons}
        </li>
    }
}
