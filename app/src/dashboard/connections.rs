//! A provider's connected accounts: who connected, in which state, with which scopes, when the
//! token was last refreshed and what last went wrong. Filterable by user and organization.

use crate::components::Notice;
use crate::error::AppError;
use crate::model::{ConnectionState, ConnectionView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "providers/connections", client = crate::csrf::CsrfClient)]
pub async fn load_connections(
    slug: String,
    user_id: String,
    organization_id: String,
) -> Result<Vec<ConnectionView>, AppError> {
    crate::service::service()?.connections(&crate::service::env()?, &slug, &user_id, &organization_id).await
}

#[component]
pub fn ConnectedAccounts(slug: String) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    // The filter applies when submitted, not on every keystroke.
    let applied = RwSignal::new((String::new(), String::new()));
    let rows = Resource::new(move || applied.get(), move |(user, org)| load_connections(slug.clone(), user, org));
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set((user.get(), org.get()));
    };
    view! {
        <section class="card" aria-labelledby="accounts">
            <h2 id="accounts">"Connected accounts"</h2>
            <form class="filters" on:submit=apply>
                <label>"User ID" <input type="text" name="user_id" prop:value=move || user.get()
                    on:input=move |ev| user.set(event_target_value(&ev))/></label>
                <label>"Organization ID" <input type="text" name="organization_id" prop:value=move || org.get()
                    on:input=move |ev| org.set(event_target_value(&ev))/></label>
                <button type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No connected accounts."</p> }.into_any(),
                        Ok(list) => view! { <AccountsTable list/> }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AccountsTable(list: Vec<ConnectionView>) -> impl IntoView {
    view! {
        <table class="providers accounts">
            <caption class="visually-hidden">"Connected accounts"</caption>
            <thead>
                <tr>
                    <th scope="col">"User"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Granted scopes"</th>
                    <th scope="col">"Last refresh"</th>
                    <th scope="col">"Last error"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|c| {
                        let (label, class) = match c.state {
                            ConnectionState::Connected => ("Connected", "badge badge-ok"),
                            ConnectionState::NeedsReauthorization => ("Needs reauthorization", "badge badge-warn"),
                        };
                        let error = match (&c.last_error, c.refresh_failures) {
                            (Some(e), n) if n > 0 => format!("{e} ({n} failed refreshes; next try {})", c.retry_refresh_at.clone().unwrap_or_default()),
                            (Some(e), _) => e.clone(),
                            (None, _) => String::new(),
                        };
                        view! {
                            <tr>
                                <th scope="row"><code>{c.user_id}</code></th>
                                <td>{c.organization_id.unwrap_or_default()}</td>
                                <td><span class=class>{label}</span></td>
                                <td>{c.scopes.join(" ")}</td>
                                <td>{c.last_refreshed_at.unwrap_or_else(|| "never".into())}</td>
                                <td class="error-text">{error}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
