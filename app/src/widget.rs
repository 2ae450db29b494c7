//! The end-user widget at `/widget?token=…`: the providers the application offers, each with the
//! user's connection state, and the buttons to connect, reauthorize and disconnect. A provider
//! that allows several accounts lists each (label, state, when connected) with its own
//! reauthorize, rename and disconnect, and "Add another account"; an organization's shared
//! provider shows its connection to every member and the buttons to managers only.
//!
//! Every action is a plain form POST: Connect to `/oauth/authorize` (a full-page redirect to the
//! provider), a credential to `/widget/credentials`, Disconnect and Rename to their server
//! functions, which answer a form with a redirect back to this page (with the error in the query
//! when one failed). So the page is the same before and after hydration, and after each change
//! it is simply drawn again, by the server, from what is stored. In a widget another site
//! frames, Connect opens a new tab instead: providers refuse to be framed, and the cookie
//! binding the flow to the browser cannot be kept in a cross-site frame; the frame then looks
//! for the change and redraws itself (see [`crate::widget_host`]).
//!
//! The widget is its own app with its own wasm bundle ([`crate::WidgetApp`]), kept small for the
//! end user's browser: the server loads the data before rendering and hands it to the browser
//! with the page ([`SharedValue`]), so the bundle holds no resource, suspense or server-function
//! client, and no router (the page never navigates in place, so it reads its query once).

use crate::components::Notice;
use crate::error::AppError;
use crate::i18n::{Words, W};
use crate::json::JsonBytes;
use crate::methods::{AuthMethod, BasicLabels, ConfigField};
use crate::model::{ConnectionState, WidgetAccount, WidgetProvider, WidgetView};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server::SharedValue;
use leptos::server_fn::ServerFn;
use std::sync::Arc;

/// The widget's data as JSON, for a backend or a page of its own (the widget page gets it from
/// the server with its HTML).
#[server(prefix = "/api", endpoint = "widget")]
pub async fn load_widget(token: String) -> Result<WidgetView, AppError> {
    crate::service::service()?.widget(&token, None).await
}

#[server(prefix = "/api", endpoint = "widget/disconnect")]
pub async fn disconnect(
    token: String,
    provider: String,
    #[server(default)] account: Option<String>,
) -> Result<(), AppError> {
    let account = account.filter(|a| !a.is_empty());
    crate::service::service()?.disconnect(&token, &provider, account.as_deref()).await
}

#[server(prefix = "/api", endpoint = "widget/rename")]
pub async fn rename(token: String, provider: String, account: String, label: String) -> Result<(), AppError> {
    crate::service::service()?.rename_account(&token, &provider, &account, &label).await
}

/// What the server loaded for the page being rendered (see [`WidgetPage`]).
#[derive(Clone)]
pub struct WidgetData(pub Result<WidgetView, AppError>);

#[component]
pub fn WidgetPage() -> impl IntoView {
    // Rendered on the server from what it loaded; hydrated from the copy sent with the page.
    let data = SharedValue::<Result<WidgetView, AppError>, JsonBytes>::new_with_encoding(|| {
        use_context::<WidgetData>()
            .map(|d| d.0)
            .unwrap_or_else(|| Err(AppError::new(crate::error::codes::INTERNAL, "The widget's data is missing.")))
    })
    .into_inner();
    // Set once hydrated: whether this page runs inside another site's frame.
    let framed = Framed(RwSignal::new(false), RwSignal::new(false));
    provide_context(framed);
    // `Either` rather than `into_any()`: a type-erased view keeps every way of rendering it in
    // the bundle, used or not.
    let body = match data {
        Ok(view) => {
            #[cfg(feature = "hydrate")]
            crate::widget_host::start(&view, framed.0, framed.1);
            let token = view.token.clone();
            Either::Left(view! {
                <h1>{view.words.get(W::Heading).to_string()}</h1>
                {view.notice.clone().map(|text| view! { <Notice text error=true/> })}
                {provider_list(view, token)}
            })
        }
        Err(e) => Either::Right(view! { <Notice text=e.message error=true/> }),
    };
    view! { <main class="widget">{body}</main> }
}

/// Whether the widget is framed by another page (see the module comment).
/// The second signal is set when a connect was started in another tab from the frame.
#[derive(Clone, Copy)]
pub(crate) struct Framed(pub(crate) RwSignal<bool>, pub(crate) RwSignal<bool>);

fn provider_list(view: WidgetView, token: String) -> impl IntoView {
    let words = Arc::new(view.words);
    if view.providers.is_empty() {
        return Either::Left(view! { <p class="empty">{words.get(W::Empty).to_string()}</p> });
    }
    Either::Right(view! {
        <ul class="integrations">
            {view.providers.into_iter().map(|p| provider_row(p, &token, &words)).collect_view()}
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
    label: String,
    aria: String,
    words: &Words,
) -> impl IntoView {
    let framed = use_context::<Framed>();
    let target = move || framed.is_some_and(|f| f.0.get()).then_some("_blank");
    // Framed, the flow runs in another tab: the list here looks again until it sees the change.
    let started = move |_: leptos::ev::SubmitEvent| {
        if let Some(f) = framed.filter(|f| f.0.get_untracked()) {
            f.1.set(true);
        }
    };
    let class = if fields.is_empty() { "" } else { "connect-fields" };
    view! {
        <form method="post" action="/oauth/authorize" target=target class=class on:submit=started>
            <input type="hidden" name="token" value=token.to_string()/>
            <input type="hidden" name="provider" value=slug.to_string()/>
            {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
            {config_inputs(slug, fields, words)}
            <button type="submit" class="primary" aria-label=aria>{label}</button>
        </form>
    }
}

/// Inputs for configuration fields (`config.<key>`). `pattern` is checked as the person types,
/// with the JavaScript semantics WorkOS's widget uses (anchored, `u` flag), because the HTML
/// `pattern` attribute compiles in `v` mode, which refuses common patterns such as `[a-z-]`.
/// The server checks every value again.
fn config_inputs(slug: &str, fields: &[ConfigField], words: &Words) -> impl IntoView {
    fields
        .iter()
        .map(|f| {
            let id = format!("{slug}-config-{}", f.key);
            let placeholder = if f.default.is_empty() { f.example.clone() } else { f.default.clone() };
            let pattern = f.pattern.clone();
            let hint = (!f.default.is_empty()).then(|| words.fill(W::DefaultsTo, &f.default));
            let mismatch = words.fill(W::NotInForm, &f.label);
            let check = move |ev: leptos::ev::Event| check_pattern(&ev, &pattern, &mismatch);
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

/// Marks the input invalid (blocking the form's submission with `message`) while its value
/// does not match `pattern`.
fn check_pattern(ev: &leptos::ev::Event, pattern: &str, message: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let value = input.value();
        let invalid = !value.trim().is_empty() && crate::pattern::matches(pattern, value.trim()) == Some(false);
        input.set_custom_validity(if invalid { message } else { "" });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, pattern, message);
}

/// A form for a method without a sign-in page: a plain POST to `/widget/credentials`, which
/// checks the credential with the provider, stores it, and returns here.
#[allow(clippy::too_many_arguments)]
fn credential_form(
    token: &str,
    slug: &str,
    name: &str,
    method: AuthMethod,
    hidden: Vec<(&'static str, String)>,
    fields: &[ConfigField],
    basic: &BasicLabels,
    words: &Words,
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
    let word = |w| words.get(w).to_string();
    let (summary, inputs) = match method {
        AuthMethod::ApiKey => (W::WithApiKey, vec![input("api_key", word(W::ApiKey), "password")]),
        AuthMethod::Basic => (
            W::WithPassword,
            vec![
                input("username", basic.username_label.clone(), "text"),
                input("password", basic.password_label.clone(), "password"),
            ],
        ),
        _ => (
            W::WithClientCredentials,
            vec![
                input("client_id", word(W::ClientId), "text"),
                input("client_secret", word(W::ClientSecret), "password"),
            ],
        ),
    };
    view! {
        <details class="credential-form" data-method=method.as_str()>
            <summary>{word(summary)}</summary>
            <form method="post" action="/widget/credentials">
                <input type="hidden" name="token" value=token.to_string()/>
                <input type="hidden" name="provider" value=slug.to_string()/>
                <input type="hidden" name="method" value=method.as_str()/>
                {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
                {inputs}
                {config_inputs(&id("f"), fields, words)}
                <button type="submit" class="primary" aria-label=words.fill(W::SaveNamed, name)>{word(W::Save)}</button>
            </form>
        </details>
    }
}

/// Disconnect: a plain POST to its server function, which redirects back here.
fn disconnect_form(token: &str, slug: &str, account: &str, aria: String, label: String) -> impl IntoView {
    view! {
        <form method="post" action=Disconnect::url()>
            <input type="hidden" name="token" value=token.to_string()/>
            <input type="hidden" name="provider" value=slug.to_string()/>
            <input type="hidden" name="account" value=account.to_string()/>
            <button type="submit" aria-label=aria>{label}</button>
        </form>
    }
}

fn badge(state: Option<ConnectionState>, shared: bool, words: &Words) -> (String, &'static str) {
    let (word, class) = match state {
        None => (W::NotConnected, "badge"),
        Some(ConnectionState::Connected) if shared => (W::SharedByOrganization, "badge badge-ok"),
        Some(ConnectionState::Connected) => (W::Connected, "badge badge-ok"),
        Some(ConnectionState::NeedsReauthorization) => (W::NeedsReauthorization, "badge badge-warn"),
    };
    (words.get(word).to_string(), class)
}

fn provider_row(provider: WidgetProvider, token: &str, words: &Arc<Words>) -> impl IntoView {
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
    let word = |w| words.get(w).to_string();
    // The forms for methods without a sign-in page, for a new account or for replacing the
    // credential of one (`hidden` says which).
    let credential_forms = |hidden: Vec<(&'static str, String)>| {
        methods
            .iter()
            .filter(|m| **m != AuthMethod::Oauth)
            .map(|m| credential_form(token, &slug, &name, *m, hidden.clone(), &fields, &basic, words))
            .collect_view()
    };
    let (badge, badge_class) = badge(state, shared, words);
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
            Some(hidden) => connect_form(
                token,
                &slug,
                hidden,
                &[],
                word(W::Reauthorize),
                words.fill(W::ReauthorizeNamed, &name),
                words,
            ),
            None => connect_form(
                token,
                &slug,
                Vec::new(),
                &fields,
                word(W::Connect),
                words.fill(W::ConnectNamed, &name),
                words,
            ),
        });
        // Without a sign-in page, replacing a credential is entering a new one.
        let replace = match &only {
            Some(id) => vec![("intent", "reauthorize".to_string()), ("account", id.clone())],
            None => Vec::new(),
        };
        let entered = (!forms_empty).then(|| credential_forms(replace));
        let remove = only
            .as_deref()
            .map(|id| disconnect_form(token, &slug, id, words.fill(W::DisconnectNamed, &name), word(W::Disconnect)));
        view! { <div class="actions">{connect}{remove}</div> {entered} }
    });
    let list = (!single).then(|| {
        let add = can_manage.then(|| {
            let (label, aria) = if accounts.is_empty() {
                (word(W::Connect), words.fill(W::ConnectNamed, &name))
            } else {
                (word(W::AddAnother), words.fill(W::AddAnotherNamed, &name))
            };
            let add = vec![("intent", "add".to_string())];
            let oauth_form = oauth.then(|| connect_form(token, &slug, add.clone(), &fields, label, aria, words));
            view! { {oauth_form} {(!forms_empty).then(|| credential_forms(add))} }
        });
        view! {
            <ul class="accounts">
                {accounts.into_iter().enumerate().map(|(i, account)| {
                    account_row(account, i + 1, &slug, token, can_manage, words)
                }).collect_view()}
            </ul>
            <div class="actions">{add}</div>
        }
    });
    let managed = (shared && !can_manage).then(|| view! { <p class="muted small">{word(W::AdminsManage)}</p> });
    // No logo given: the name's first letter, so every row has a mark to scan by. ASCII
    // upper-casing only: Unicode's case tables would cost the bundle kilobytes.
    let mark = if icon_url.is_empty() {
        let initial: String = name.trim_start().chars().next().map(|c| c.to_ascii_uppercase()).into_iter().collect();
        Either::Left(view! { <span class="icon monogram" aria-hidden="true">{initial}</span> })
    } else {
        Either::Right(view! { <img class="icon" src=icon_url alt="" width="32" height="32"/> })
    };
    view! {
        <li class="integration" data-provider=slug.clone()>
            {mark}
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
fn account_row(
    account: WidgetAccount,
    number: usize,
    provider: &str,
    token: &str,
    can_manage: bool,
    words: &Words,
) -> impl IntoView {
    let WidgetAccount { id, name, label: current, state, connected_on } = account;
    let shown = if name.is_empty() { words.fill(W::AccountNumber, &number.to_string()) } else { name.clone() };
    let (badge, badge_class) = badge(Some(state), false, words);
    let buttons = can_manage.then(|| {
        let reauthorize = (state == ConnectionState::NeedsReauthorization).then(|| {
            let hidden = vec![("intent", "reauthorize".to_string()), ("account", id.clone())];
            let (label, aria) = (words.get(W::Reauthorize).to_string(), words.fill(W::ReauthorizeNamed, &shown));
            connect_form(token, provider, hidden, &[], label, aria, words)
        });
        let rename = view! {
            <form class="rename" method="post" action=Rename::url()>
                <input type="hidden" name="token" value=token.to_string()/>
                <input type="hidden" name="provider" value=provider.to_string()/>
                <input type="hidden" name="account" value=id.clone()/>
                <input type="text" name="label" maxlength="200" value=current aria-label=words.fill(W::NameFor, &shown)/>
                <button type="submit" aria-label=words.fill(W::RenameNamed, &shown)>{words.get(W::Rename).to_string()}</button>
            </form>
        };
        let remove =
            disconnect_form(token, provider, &id, words.fill(W::DisconnectNamed, &shown), words.get(W::Disconnect).to_string());
        view! { <div class="actions">{reauthorize}{rename}{remove}</div> }
    });
    view! {
        <li class="account" data-account=id.clone()>
            <span class="account-name">{shown.clone()}</span>
            <span class=badge_class>{badge}</span>
            <span class="muted small">{words.fill(W::ConnectedOn, &connected_on)}</span>
            {buttons}
        </li>
    }
}
