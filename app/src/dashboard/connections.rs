//! A provider's connected accounts: whose (a user's, or an organization's shared one), which
//! provider-side account under which label, how it was connected (for a key or client
//! credentials, the last four characters of the secret and no more), in which state, with which
//! scopes, when the token was last refreshed and what last went wrong. Searchable by user, organization and account;
//! each can be deleted (with a confirmation), which revokes its grant at the provider. Below,
//! what became of recent revocations.

use crate::components::Notice;
use crate::error::AppError;
use crate::methods::AuthMethod;
use crate::model::{ConnectionState, ConnectionView, ConnectionsView, RelayUsageView, RevocationView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "providers/connections", client = crate::csrf::CsrfClient)]
pub async fn load_connections(
    slug: String,
    user_id: String,
    organization_id: String,
    #[server(default)] account_identifier: String,
) -> Result<ConnectionsView, AppError> {
    crate::service::service()?
        .connections(&crate::service::env()?, &slug, &user_id, &organization_id, &account_identifier)
        .await
}

#[server(prefix = "/api", endpoint = "providers/connections/delete", client = crate::csrf::CsrfClient)]
pub async fn delete_connection(slug: String, id: String) -> Result<String, AppError> {
    crate::service::service()?.delete_connection(&crate::service::env()?, &slug, &id).await
}

#[component]
pub fn ConnectedAccounts(slug: String) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let account = RwSignal::new(String::new());
    // The filter applies when submitted, not on every keystroke.
    let applied = RwSignal::new((String::new(), String::new(), String::new()));
    let delete = ServerAction::<DeleteConnection>::new();
    let rows = {
        let slug = slug.clone();
        Resource::new(
            move || (applied.get(), delete.version().get()),
            move |((user, org, account), _)| load_connections(slug.clone(), user, org, account),
        )
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set((user.get(), org.get(), account.get()));
    };
    let outcome = move || match delete.value().get() {
        Some(Ok(text)) => Some(view! { <Notice text/> }.into_any()),
        Some(Err(e)) => Some(view! { <Notice text=e.message error=true/> }.into_any()),
        None => None,
    };
    view! {
        <section class="card" aria-labelledby="accounts">
            <h2 id="accounts">"Connected accounts"</h2>
            <form class="filters" on:submit=apply>
                <label>"User ID" <input type="text" name="user_id" prop:value=move || user.get()
                    on:input=move |ev| user.set(event_target_value(&ev))/></label>
                <label>"Organization ID" <input type="text" name="organization_id" prop:value=move || org.get()
                    on:input=move |ev| org.set(event_target_value(&ev))/></label>
                <label>"Provider account" <input type="text" name="account_identifier" prop:value=move || account.get()
                    on:input=move |ev| account.set(event_target_value(&ev))/></label>
                <button type="submit">"Search"</button>
            </form>
            {outcome}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match rows.await {
                            Ok(view) => view! {
                                {if view.connections.is_empty() {
                                    view! { <p class="empty">"No connected accounts."</p> }.into_any()
                                } else {
                                    view! { <AccountsTable list=view.connections slug delete/> }.into_any()
                                }}
                                <Revocations list=view.revocations/>
                            }
                            .into_any(),
                            Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn AccountsTable(list: Vec<ConnectionView>, slug: String, delete: ServerAction<DeleteConnection>) -> impl IntoView {
    // Nine columns are wider than the card: the table scrolls inside it rather than spilling out
    // over its edge (where text would sit half on the card, half on the page).
    view! {
        <div class="table-scroll">
            <table class="providers accounts">
                <caption class="visually-hidden">"Connected accounts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Method"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Granted scopes"</th>
                        <th scope="col">"Last refresh"</th>
                        <th scope="col">"Last error"</th>
                        <th scope="col">"Relayed calls"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|c| view! { <AccountRow c slug=slug.clone() delete/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AccountRow(c: ConnectionView, slug: String, delete: ServerAction<DeleteConnection>) -> impl IntoView {
    let (label, class) = match c.state {
        ConnectionState::Connected => ("Connected", "badge badge-ok"),
        ConnectionState::NeedsReauthorization => ("Needs reauthorization", "badge badge-warn"),
    };
    let error = match (&c.last_error, c.refresh_failures) {
        (Some(e), n) if n > 0 => {
            format!("{e} ({n} failed refreshes; next try {})", c.retry_refresh_at.clone().unwrap_or_default())
        }
        (Some(e), _) => e.clone(),
        (None, _) => String::new(),
    };
    let org = c.organization_id.clone().unwrap_or_default();
    let owner = if c.owner == "organization" {
        view! { <span>"Organization "<code>{org}</code></span> }.into_any()
    } else if org.is_empty() {
        view! { <code>{c.user_id.clone()}</code> }.into_any()
    } else {
        view! { <span><code>{c.user_id.clone()}</code>" in "<code>{org}</code></span> }.into_any()
    };
    let name = match (&c.label, &c.account_identifier) {
        (Some(l), Some(a)) => format!("{l} ({a})"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => "—".into(),
    };
    let role = (c.role == "standard").then(|| view! { <span class="muted small">" additional"</span> });
    let method = method_text(&c);
    // Two steps: Delete asks, Confirm deletes.
    let confirming = RwSignal::new(false);
    let described = format!("{} {}", if c.user_id.is_empty() { "organization" } else { c.user_id.as_str() }, name);
    let arguments = DeleteConnection { slug, id: c.id.clone() };
    let confirm = move |_| {
        delete.dispatch(arguments.clone());
        confirming.set(false);
    };
    view! {
        <tr data-connection=c.id.clone()>
            <th scope="row">{owner}</th>
            <td>{name}{role}</td>
            <td>{method.0}{method.1.map(|detail| view! { <span class="muted block">{detail}</span> })}</td>
            <td><span class=class>{label}</span></td>
            <td>{c.scopes.join(" ")}</td>
            <td>{c.last_refreshed_at.unwrap_or_else(|| "never".into())}</td>
            <td class="error-text">{error}</td>
            <td class="relay-usage">{relay_text(c.relay.as_ref())}</td>
            <td>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" on:click=move |_| confirming.set(true)>"Delete"</button>
                    }
                >
                    <button type="button" class="danger" aria-label=format!("Confirm deleting {described}")
                        disabled=move || delete.pending().get() on:click=confirm.clone()>
                        "Confirm delete"
                    </button>
                    <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </Show>
            </td>
        </tr>
    }
}

/// How a connection was made, and what identifies its credential: a key's or client secret's
/// last four characters (as stored: never more), a client ID or a Basic user name.
fn method_text(c: &ConnectionView) -> (&'static str, Option<String>) {
    let ending = |what: &str| (!c.secret_hint.is_empty()).then(|| format!("{what} ending in {}", c.secret_hint));
    let detail = match c.auth_method {
        AuthMethod::Oauth => None,
        AuthMethod::ApiKey => ending("Key"),
        AuthMethod::Basic => c.client_id.as_ref().map(|user| format!("User {user}")),
        AuthMethod::ClientCredentials => {
            let parts: Vec<String> =
                c.client_id.iter().map(|id| format!("Client ID {id}")).chain(ending("secret")).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
    };
    (c.auth_method.label(), detail)
}

/// What the relay did with a connection, in a line or two: calls by status class, calls held
/// back or failed, bytes each way, the last call, and a wait the provider asked for.
fn relay_text(usage: Option<&RelayUsageView>) -> impl IntoView {
    let Some(u) = usage else { return view! { <span class="muted">"none"</span> }.into_any() };
    let classes: Vec<String> =
        [("2xx", u.status_2xx), ("3xx", u.status_3xx), ("4xx", u.status_4xx), ("5xx", u.status_5xx)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(class, n)| format!("{n} {class}"))
            .collect();
    let mut parts = vec![format!("{} call{}", u.calls, if u.calls == 1 { "" } else { "s" })];
    if !classes.is_empty() {
        parts.push(classes.join(", "));
    }
    if u.held_back > 0 {
        parts.push(format!("{} held back", u.held_back));
    }
    if u.failed > 0 {
        parts.push(format!("{} failed", u.failed));
    }
    let bytes = format!("{} sent, {} received", size(u.bytes_sent), size(u.bytes_received));
    let last = match (&u.last_status, &u.last_call_at) {
        (Some(s), Some(at)) => format!("last {s} at {at}"),
        (None, Some(at)) => format!("last at {at}"),
        _ => String::new(),
    };
    let waiting = u.waiting_until.as_ref().map(|until| {
        let status = u.waiting_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        view! { <span class="badge badge-warn block">"Provider asked to wait until "{until.clone()}{status}</span> }
    });
    view! {
        <span>{parts.join(" · ")}</span>
        <span class="muted block small">{bytes}</span>
        <span class="muted block small">{last}</span>
        {waiting}
    }
    .into_any()
}

/// A byte count as people read it.
fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Recent revocations at the provider, failures first in the reader's eye.
#[component]
fn Revocations(list: Vec<RevocationView>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <h3>"Revocations at the provider"</h3>
            <ul class="revocations">
                {list.into_iter().map(|r| {
                    let who = match (r.user_id.is_empty(), r.organization_id.is_empty()) {
                        (true, _) => format!("organization {}", r.organization_id),
                        (false, true) => r.user_id.clone(),
                        (false, false) => format!("{} in {}", r.user_id, r.organization_id),
                    };
                    let (text, class) = match r.status.as_str() {
                        "revoked" => ("revoked".to_string(), "badge badge-ok"),
                        _ => (format!("failed: {}", r.error.clone().unwrap_or_default()), "badge badge-warn"),
                    };
                    view! {
                        <li><span class=class>{text}</span>" "{who}" · "<span class="muted small">{r.created_at}</span></li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}
