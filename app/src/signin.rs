//! Signing in: the sign-in page and the page where an invited admin chooses a password. Both are
//! plain forms posting to the server's own handlers (`/login`, `/invite/{token}`), which answer
//! with redirects: a wrong password comes back here as an error code, never as a password.

use crate::components::Notice;
use crate::error::AppError;
use crate::model::{InvitePreview, MIN_PASSWORD_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[server(prefix = "/api", endpoint = "invite")]
pub async fn load_invite(token: String) -> Result<InvitePreview, AppError> {
    crate::service::service()?.invite_preview(&token).await
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let message = move || match q("error").as_str() {
        "" => None,
        "invalid_credentials" => Some("The email address or password is not right.".to_string()),
        "too_many_attempts" => Some(format!(
            "Too many failed sign-ins for this account. Try again in {} seconds.",
            q("retry").parse::<u64>().unwrap_or(30)
        )),
        _ => Some("Signing in did not work. Try again.".to_string()),
    };
    view! {
        <Title text="Sign in · Plumb"/>
        <main class="page narrow">
            <h1>"Sign in to Plumb"</h1>
            {move || (!q("signed_out").is_empty()).then(|| view! { <Notice text="You signed out."/> })}
            {move || message().map(|text| view! { <Notice text error=true/> })}
            <form method="post" action="/login" class="card">
                <input type="hidden" name="next" value=move || q("next")/>
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="username" required
                        value=move || q("email")/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required/>
                </div>
                <button type="submit" class="primary">"Sign in"</button>
            </form>
            <p class="muted">
                "No admin yet? Open the setup link Plumb printed when it started, or run "
                <code>"plumb admin create you@example.com"</code>"."
            </p>
        </main>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invite = Resource::new(token, load_invite);
    let error_for = move |field: &'static str| {
        let q = query.read();
        (q.get("field").as_deref() == Some(field)).then(|| q.get("error")).flatten().map(|code| {
            match (field, code.as_str()) {
                ("email", "taken") => "That email address is already an admin.".to_string(),
                ("email", _) => "Enter an email address like you@example.com.".to_string(),
                ("password", "too_long") => "Use at most 1024 characters.".to_string(),
                ("password", _) => format!("Use at least {MIN_PASSWORD_CHARS} characters."),
                ("confirm", _) => "The two passwords differ.".to_string(),
                _ => "Something is not right.".to_string(),
            }
        })
    };
    let invalid = move || query.read().get("error").as_deref() == Some("invite_invalid");
    view! {
        <Title text="Create your admin account · Plumb"/>
        <main class="page narrow">
            <h1>"Create your admin account"</h1>
            {move || invalid().then(|| view! { <Notice text="This invitation was already used or has expired." error=true/> })}
            <Suspense fallback=|| view! { <p class="muted">"Checking the invitation…"</p> }>
                {move || Suspend::new(async move {
                    match invite.await {
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                        Ok(preview) => {
                            let fixed = !preview.email.is_empty();
                            let email = if fixed { preview.email } else { query.read_untracked().get("email").unwrap_or_default() };
                            view! {
                                <form method="post" action=format!("/invite/{}", token()) class="card">
                                    <div class="field" class:invalid=move || error_for("email").is_some()>
                                        <label for="invite-email">"Email"</label>
                                        <input id="invite-email" type="email" name="email" autocomplete="username"
                                            required readonly=fixed value=email aria-describedby="invite-email-error"/>
                                        <p class="field-error" id="invite-email-error">{move || error_for("email")}</p>
                                    </div>
                                    <div class="field" class:invalid=move || error_for("password").is_some()>
                                        <label for="invite-password">"Password"</label>
                                        <input id="invite-password" type="password" name="password" autocomplete="new-password"
                                            required minlength=MIN_PASSWORD_CHARS aria-describedby="invite-password-hint invite-password-error"/>
                                        <p class="hint" id="invite-password-hint">{format!("At least {MIN_PASSWORD_CHARS} characters.")}</p>
                                        <p class="field-error" id="invite-password-error">{move || error_for("password")}</p>
                                    </div>
                                    <div class="field" class:invalid=move || error_for("confirm").is_some()>
                                        <label for="invite-confirm">"Repeat the password"</label>
                                        <input id="invite-confirm" type="password" name="confirm" autocomplete="new-password"
                                            required aria-describedby="invite-confirm-error"/>
                                        <p class="field-error" id="invite-confirm-error">{move || error_for("confirm")}</p>
                                    </div>
                                    <button type="submit" class="primary">"Create account and sign in"</button>
                                </form>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}
