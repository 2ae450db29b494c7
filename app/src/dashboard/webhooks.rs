//! Webhooks: the endpoints Plumb sends events to (the signing secret is shown once, when an
//! endpoint is added), and the recent deliveries with their status, attempts and response code,
//! each of which can be sent again.

use super::shell::{field_error, Shell};
use crate::components::{form_error_message, Checkbox, Field, Notice};
use crate::error::AppError;
use crate::model::{CreatedWebhook, DeliveryView, WebhookEndpointView, WebhookInput, WebhooksView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "webhooks", client = crate::csrf::CsrfClient)]
pub async fn load_webhooks() -> Result<WebhooksView, AppError> {
    crate::service::service()?.webhooks(&crate::service::env()?).await
}

#[server(prefix = "/api", endpoint = "webhooks/create", client = crate::csrf::CsrfClient)]
pub async fn create_webhook(input: WebhookInput) -> Result<CreatedWebhook, AppError> {
    crate::service::service()?.create_webhook(&crate::service::env()?, input).await
}

#[server(prefix = "/api", endpoint = "webhooks/enabled", client = crate::csrf::CsrfClient)]
pub async fn set_webhook_enabled(id: String, enabled: bool) -> Result<(), AppError> {
    crate::service::service()?.set_webhook_enabled(&crate::service::env()?, &id, enabled).await
}

#[server(prefix = "/api", endpoint = "webhooks/delete", client = crate::csrf::CsrfClient)]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    crate::service::service()?.delete_webhook(&crate::service::env()?, &id).await
}

#[server(prefix = "/api", endpoint = "webhooks/resend", client = crate::csrf::CsrfClient)]
pub async fn resend_delivery(id: String) -> Result<(), AppError> {
    crate::service::service()?.resend_delivery(&crate::service::env()?, &id).await
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let toggle = ServerAction::<SetWebhookEnabled>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let refresh = RwSignal::new(0u32);
    let webhooks = Resource::new(
        move || {
            (
                create.version().get(),
                toggle.version().get(),
                delete.version().get(),
                resend.version().get(),
                refresh.get(),
            )
        },
        |_| load_webhooks(),
    );
    view! {
        <Shell title="Webhooks" current="webhooks">
            <div class="page-head">
                <h1>"Webhooks"</h1>
                <button type="button" on:click=move |_| refresh.update(|n| *n += 1)>"Reload"</button>
            </div>
            <p class="muted">
                "Plumb posts every connected, disconnected, reauthorization-needed and connection-failed event to \
                 these endpoints, signed with a WorkOS-Signature header the WorkOS SDKs verify. Failed deliveries \
                 are retried with growing delays for about a day."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match webhooks.await {
                        Ok(v) => view! {
                            <Endpoints endpoints=v.endpoints.clone() toggle delete/>
                            <Deliveries deliveries=v.deliveries endpoints=v.endpoints resend/>
                        }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
            <NewEndpoint create/>
        </Shell>
    }
}

#[component]
fn Endpoints(
    endpoints: Vec<WebhookEndpointView>,
    toggle: ServerAction<SetWebhookEnabled>,
    delete: ServerAction<DeleteWebhook>,
) -> impl IntoView {
    if endpoints.is_empty() {
        return view! { <p class="empty">"No endpoints yet. Add one below."</p> }.into_any();
    }
    view! {
        <table class="providers">
            <caption class="visually-hidden">"Webhook endpoints"</caption>
            <thead>
                <tr>
                    <th scope="col">"Endpoint URL"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {endpoints.into_iter().map(|e| {
                    let (id, id2) = (e.id.clone(), e.id.clone());
                    view! {
                        <tr>
                            <th scope="row"><code>{e.endpoint_url.clone()}</code></th>
                            <td>{e.events.iter().map(|ev| ev.trim_start_matches("pipes.connected_account.").to_string()).collect::<Vec<_>>().join(", ")}</td>
                            <td>
                                {if e.enabled { view! { <span class="badge badge-ok">"Enabled"</span> } } else { view! { <span class="badge">"Disabled"</span> } }}
                                {e.last_failure_at.map(|at| view! { <span class="muted block">{format!("Gave up on a delivery at {at}")}</span> })}
                            </td>
                            <td class="actions">
                                <ActionForm action=toggle>
                                    <crate::csrf::CsrfField/>
                                    <input type="hidden" name="id" value=id/>
                                    <input type="hidden" name="enabled" value=if e.enabled { "false" } else { "true" }/>
                                    <button type="submit">{if e.enabled { "Disable" } else { "Enable" }}</button>
                                </ActionForm>
                                <ActionForm action=delete>
                                    <crate::csrf::CsrfField/>
                                    <input type="hidden" name="id" value=id2/>
                                    <button type="submit" aria-label=format!("Delete {}", e.endpoint_url)>"Delete"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Deliveries(
    deliveries: Vec<DeliveryView>,
    endpoints: Vec<WebhookEndpointView>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    let url_of =
        move |id: &str| endpoints.iter().find(|e| e.id == id).map(|e| e.endpoint_url.clone()).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="deliveries">
            <h2 id="deliveries">"Recent deliveries"</h2>
            {if deliveries.is_empty() {
                view! { <p class="empty">"Nothing delivered yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="providers deliveries">
                            <caption class="visually-hidden">"Recent deliveries"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Event"</th>
                                    <th scope="col">"Endpoint"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col" class="num">"Attempts"</th>
                                    <th scope="col">"Response"</th>
                                    <th scope="col">"Created"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {deliveries.into_iter().map(|d| {
                                    let class = match d.status.as_str() {
                                        "delivered" => "badge badge-ok",
                                        "failed" => "badge badge-error",
                                        _ => "badge badge-warn",
                                    };
                                    let response = match (d.last_status_code, &d.last_error) {
                                        (Some(code), _) => format!("HTTP {code}"),
                                        (None, Some(e)) => e.clone(),
                                        (None, None) => "—".into(),
                                    };
                                    let status = match d.status.as_str() {
                                        "pending" if d.attempts > 0 => format!("retrying at {}", d.next_attempt_at),
                                        s => s.to_string(),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row">{d.event.trim_start_matches("pipes.connected_account.").to_string()}</th>
                                            <td><code>{url_of(&d.endpoint_id)}</code></td>
                                            <td><span class=class>{status}</span></td>
                                            <td class="num">{d.attempts}</td>
                                            <td>{response}</td>
                                            <td>{d.created_at}</td>
                                            <td>
                                                <ActionForm action=resend>
                                                    <crate::csrf::CsrfField/>
                                                    <input type="hidden" name="id" value=d.id/>
                                                    <button type="submit">"Resend"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn NewEndpoint(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let result = Signal::derive(move || create.value().get());
    let err = move |f: &'static str| field_error(result, f);
    let checked = || RwSignal::new(true);
    let no_error = Signal::derive(|| None::<String>);
    view! {
        <section class="card" aria-labelledby="new-endpoint">
            <h2 id="new-endpoint">"Add an endpoint"</h2>
            {move || match result.get() {
                Some(Ok(created)) => Some(view! {
                    <div class="notice notice-ok" role="status">
                        <p>{format!("Added {}. Its signing secret is shown only now:", created.endpoint.endpoint_url)}</p>
                        <code class="copyable" data-testid="webhook-secret">{created.secret}</code>
                    </div>
                }.into_any()),
                Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                None => None,
            }}
            <ActionForm action=create attr:novalidate="">
                <crate::csrf::CsrfField/>
                <Field label="Endpoint URL" name="endpoint_url" kind="url" error=err("endpoint_url")
                    placeholder="https://app.example.com/webhooks/plumb"/>
                <fieldset>
                    <legend>"Events"</legend>
                    <p class="field-error" id="field-events-error">{move || err("events").get()}</p>
                    <Checkbox label="Connected" name="connected" error=no_error checked=checked()/>
                    <Checkbox label="Disconnected" name="disconnected" error=no_error checked=checked()/>
                    <Checkbox label="Reauthorization needed" name="reauthorization_needed" error=no_error checked=checked()/>
                    <Checkbox label="Connection failed" name="connection_failed" error=no_error checked=checked()/>
                </fieldset>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Add endpoint"</button>
            </ActionForm>
        </section>
    }
}
