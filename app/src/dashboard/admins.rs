//! Admins: who can sign in to this dashboard, their live sessions (each can be revoked), and
//! invitations for new admins (the link is shown once).

use super::shell::{field_error, Shell};
use crate::components::{form_error_message, Field, Notice};
use crate::csrf::CsrfField;
use crate::error::AppError;
use crate::model::{AdminView, AdminsView, SessionView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "admins", client = crate::csrf::CsrfClient)]
pub async fn load_admins() -> Result<AdminsView, AppError> {
    crate::service::service()?.admins(&crate::service::admin()?).await
}

#[server(prefix = "/api", endpoint = "admins/invite", client = crate::csrf::CsrfClient)]
pub async fn invite_admin(email: String) -> Result<String, AppError> {
    crate::service::service()?.invite_admin(&crate::service::admin()?, &email).await
}

#[server(prefix = "/api", endpoint = "admins/remove", client = crate::csrf::CsrfClient)]
pub async fn remove_admin(id: String) -> Result<(), AppError> {
    crate::service::service()?.remove_admin(&crate::service::admin()?, &id).await
}

#[server(prefix = "/api", endpoint = "admins/revoke-session", client = crate::csrf::CsrfClient)]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    crate::service::service()?.revoke_session(&crate::service::admin()?, &id).await
}

#[component]
pub fn AdminsPage() -> impl IntoView {
    let invite = ServerAction::<InviteAdmin>::new();
    let remove = ServerAction::<RemoveAdmin>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let admins = Resource::new(
        move || (invite.version().get(), remove.version().get(), revoke.version().get()),
        |_| load_admins(),
    );
    let action_error = move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
            .map(|e| e.message)
    };
    view! {
        <Shell title="Admins" current="admins">
            <div class="page-head">
                <h1>"Admins"</h1>
            </div>
            {move || action_error().map(|text| view! { <Notice text error=true/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match admins.await {
                        Ok(view) => view! {
                            <AdminTable admins=view.admins remove/>
                            <Sessions sessions=view.sessions revoke/>
                        }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
            <Invite invite/>
        </Shell>
    }
}

#[component]
fn AdminTable(admins: Vec<AdminView>, remove: ServerAction<RemoveAdmin>) -> impl IntoView {
    view! {
        <table class="providers">
            <caption class="visually-hidden">"Admins"</caption>
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {admins.into_iter().map(|a| view! {
                    <tr>
                        <th scope="row">{a.email.clone()}{a.is_you.then(|| view! { <span class="badge">"You"</span> })}</th>
                        <td>{a.created_at}</td>
                        <td class="actions">
                            {(!a.is_you).then(|| view! {
                                <ActionForm action=remove>
                                    <CsrfField/>
                                    <input type="hidden" name="id" value=a.id/>
                                    <button type="submit" aria-label=format!("Remove {}", a.email)>"Remove"</button>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Sessions(sessions: Vec<SessionView>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sessions">
            <h2 id="sessions">"Signed-in sessions"</h2>
            <table class="providers">
                <caption class="visually-hidden">"Signed-in sessions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Admin"</th>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {sessions.into_iter().map(|s| view! {
                        <tr>
                            <th scope="row">{s.email.clone()}{s.is_current.then(|| view! { <span class="badge">"This browser"</span> })}</th>
                            <td class="muted">{s.user_agent.clone()}</td>
                            <td>{s.created_at}</td>
                            <td>{s.last_seen_at}</td>
                            <td class="actions">
                                {(!s.is_current).then(|| view! {
                                    <ActionForm action=revoke>
                                        <CsrfField/>
                                        <input type="hidden" name="id" value=s.id/>
                                        <button type="submit" aria-label=format!("Revoke the session of {}", s.email)>"Revoke"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Invite(invite: ServerAction<InviteAdmin>) -> impl IntoView {
    let result = Signal::derive(move || invite.value().get());
    view! {
        <section class="card" aria-labelledby="invite">
            <h2 id="invite">"Invite an admin"</h2>
            {move || match result.get() {
                Some(Ok(link)) => Some(view! {
                    <div class="notice notice-ok" role="status">
                        <p>"Send this link to the new admin. It works once, for seven days, and is shown only now:"</p>
                        <code class="copyable" data-testid="invite-link">{link}</code>
                    </div>
                }.into_any()),
                Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                None => None,
            }}
            <ActionForm action=invite attr:novalidate="">
                <CsrfField/>
                <Field label="Email" name="email" group="" kind="email" error=field_error(result, "email")
                    placeholder="colleague@example.com"/>
                <button type="submit" class="primary" disabled=move || invite.pending().get()>"Create invitation"</button>
            </ActionForm>
        </section>
    }
}
