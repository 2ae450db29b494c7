//! The custom-provider form: a four-step wizard when adding (details and how users connect,
//! endpoints and configuration fields, credentials, scopes, then the advanced options), all
//! sections at once when editing. Every field carries its reference name as its label
//! (`docs/provider-configuration.md` §2); what only some methods use is marked with them
//! ([`super::provider_access`]).

use super::provider_access::{
    AccessState, ApiBaseUrl, ApiExtras, CredentialSections, FieldsSections, MethodGroup, MethodsSection,
};
use super::shell::{field_error, Shell};
use crate::components::{form_error_message, Checkbox, Copyable, Field, Notice, Select};
use crate::error::AppError;
use crate::methods::AuthMethod;
use crate::model::{AuthenticateVia, Discovered, ProviderInput, ProviderView, TokenBodyType};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[server(prefix = "/api", endpoint = "providers/create", client = crate::csrf::CsrfClient)]
pub async fn create_provider(input: ProviderInput) -> Result<ProviderView, AppError> {
    crate::service::service()?.create_provider(&crate::service::env()?, input).await
}

#[server(prefix = "/api", endpoint = "providers/update", client = crate::csrf::CsrfClient)]
pub async fn update_provider(slug: String, input: ProviderInput) -> Result<ProviderView, AppError> {
    crate::service::service()?.update_provider(&crate::service::env()?, &slug, input).await
}

#[server(prefix = "/api", endpoint = "providers/discover", client = crate::csrf::CsrfClient)]
pub async fn discover_provider(url: String) -> Result<Discovered, AppError> {
    crate::service::service()?.discover(&url).await
}

/// Every field of the form as a signal, so auto-fill and the wizard can read and write them.
#[derive(Clone, Copy)]
pub struct FormState {
    name: RwSignal<String>,
    slug: RwSignal<String>,
    description: RwSignal<String>,
    icon_url: RwSignal<String>,
    icon_upload: RwSignal<String>,
    remove_icon: RwSignal<bool>,
    discovery_url: RwSignal<String>,
    authorization_url: RwSignal<String>,
    token_url: RwSignal<String>,
    refresh_token_url: RwSignal<String>,
    revocation_url: RwSignal<String>,
    ownership: RwSignal<String>,
    multiple_connections: RwSignal<bool>,
    account_identifier_path: RwSignal<String>,
    client_id: RwSignal<String>,
    client_secret: RwSignal<String>,
    scopes: RwSignal<String>,
    scopes_required: RwSignal<bool>,
    scope_separator: RwSignal<String>,
    scope_parameter: RwSignal<String>,
    issuer: RwSignal<String>,
    issuer_sends_iss: RwSignal<bool>,
    client_secret_required: RwSignal<bool>,
    pkce_enabled: RwSignal<bool>,
    authenticate_via: RwSignal<String>,
    token_body_content_type: RwSignal<String>,
    authorization_parameters: RwSignal<String>,
    token_request_headers: RwSignal<String>,
    access_token_path: RwSignal<String>,
    refresh_token_path: RwSignal<String>,
    expires_in_path: RwSignal<String>,
    scope_path: RwSignal<String>,
    access: AccessState,
}

impl FormState {
    /// The form filled from `i`; `stored_secrets` names the secret configuration fields that
    /// have a value stored.
    pub fn new(i: ProviderInput, stored_secrets: Vec<String>) -> Self {
        let access = AccessState::new(&i, stored_secrets);
        Self {
            access,
            name: RwSignal::new(i.name),
            slug: RwSignal::new(i.slug),
            description: RwSignal::new(i.description),
            icon_url: RwSignal::new(i.icon_url),
            icon_upload: RwSignal::new(String::new()),
            remove_icon: RwSignal::new(false),
            discovery_url: RwSignal::new(String::new()),
            authorization_url: RwSignal::new(i.authorization_url),
            token_url: RwSignal::new(i.token_url),
            refresh_token_url: RwSignal::new(i.refresh_token_url),
            revocation_url: RwSignal::new(i.revocation_url),
            ownership: RwSignal::new(if i.ownership.is_empty() { "user".into() } else { i.ownership }),
            multiple_connections: RwSignal::new(i.multiple_connections),
            account_identifier_path: RwSignal::new(i.account_identifier_path),
            client_id: RwSignal::new(i.client_id),
            client_secret: RwSignal::new(String::new()),
            scopes: RwSignal::new(i.scopes),
            scopes_required: RwSignal::new(i.scopes_required),
            scope_separator: RwSignal::new(i.scope_separator),
            scope_parameter: RwSignal::new(i.scope_parameter),
            issuer: RwSignal::new(i.issuer),
            issuer_sends_iss: RwSignal::new(i.issuer_sends_iss),
            client_secret_required: RwSignal::new(i.client_secret_required),
            pkce_enabled: RwSignal::new(i.pkce_enabled),
            authenticate_via: RwSignal::new(i.authenticate_via),
            token_body_content_type: RwSignal::new(i.token_body_content_type),
            authorization_parameters: RwSignal::new(i.authorization_parameters),
            token_request_headers: RwSignal::new(i.token_request_headers),
            access_token_path: RwSignal::new(i.access_token_path),
            refresh_token_path: RwSignal::new(i.refresh_token_path),
            expires_in_path: RwSignal::new(i.expires_in_path),
            scope_path: RwSignal::new(i.scope_path),
        }
    }

    /// Fills what discovery metadata says; the admin can still change every field.
    fn fill(&self, d: &Discovered) {
        self.authorization_url.set(d.authorization_url.clone());
        self.token_url.set(d.token_url.clone());
        self.pkce_enabled.set(d.pkce_supported);
        self.issuer.set(d.issuer.clone());
        self.issuer_sends_iss.set(d.iss_parameter_supported);
        if !d.revocation_url.is_empty() {
            self.revocation_url.set(d.revocation_url.clone());
        }
        if let Some(via) = d.authenticate_via {
            self.authenticate_via.set(via.as_str().to_string());
        }
    }
}

/// The wizard's steps, and which fields each holds (to show the step with an error).
const STEPS: [(&str, &[&str]); 5] = [
    ("Details", &["name", "slug", "description", "icon_url", "icon_upload", "auth_methods"]),
    (
        "Endpoints and fields",
        &[
            "authorization_url",
            "token_url",
            "refresh_token_url",
            "revocation_url",
            "discovery_url",
            "api_base_url",
            "api_hosts",
            "token_placement",
            "config_fields",
            "config",
        ],
    ),
    (
        "Credentials",
        &[
            "client_id",
            "client_secret",
            "api_key",
            "basic",
            "verification.method",
            "verification.url",
            "verification.expected_statuses",
        ],
    ),
    ("Scopes", &["scopes"]),
    ("Advanced options", &[]),
];

/// The step holding a field the server named (`config_fields[2]` is on the step of
/// `config_fields`).
fn step_of(field: &str) -> usize {
    let field = field.split('[').next().unwrap_or(field);
    STEPS.iter().position(|(_, fields)| fields.contains(&field)).unwrap_or(STEPS.len() - 1)
}

/// `/dashboard/new-provider`.
#[component]
pub fn NewProviderPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| super::providers::load_dashboard());
    view! {
        <Shell title="Add a custom provider" current="providers">
            <p class="crumbs"><a href="/dashboard">"Providers"</a></p>
            <h1>"Add a custom provider"</h1>
            <p class="muted">
                "Any OAuth 2.0 provider with the authorization-code flow (start from its issuer URL to fill the \
                 endpoints, or type them), or an API users connect to with a key, a user name and password, or \
                 client credentials."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let redirect_uri = dashboard.await.map(|d| d.redirect_uri).unwrap_or_default();
                    view! { <CreateForm redirect_uri/> }
                })}
            </Transition>
        </Shell>
    }
}

#[component]
fn CreateForm(redirect_uri: String) -> impl IntoView {
    let action = ServerAction::<CreateProvider>::new();
    let result = Signal::derive(move || action.value().get());
    let state = FormState::new(ProviderInput::default(), Vec::new());
    let step = RwSignal::new(0usize);
    // Until the wasm bundle runs, every step is shown so the form works without it.
    let wizard = RwSignal::new(false);
    Effect::new(move |_| wizard.set(true));

    let navigate = use_navigate();
    Effect::new(move |_| match result.get() {
        Some(Ok(p)) => navigate(&format!("/dashboard/providers/{}?created=1", p.slug), Default::default()),
        Some(Err(e)) => {
            if let Some(first) = e.errors.first() {
                step.set(step_of(&first.field));
            }
        }
        None => {}
    });

    view! {
        <ol class="steps" aria-label="Steps">
            {STEPS
                .iter()
                .enumerate()
                .map(|(i, (label, _))| {
                    view! {
                        <li aria-current=move || (wizard.get() && step.get() == i).then_some("step")
                            class:done=move || { step.get() > i }>
                            {*label}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        {move || match result.get() {
            Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }),
            _ => None,
        }}
        <ActionForm action attr:novalidate="" attr:class="provider-form">
            <crate::csrf::CsrfField/>
            <ProviderSections state result redirect_uri edit=false wizard step/>
            <div class="form-actions">
                <button type="button" hidden=move || !wizard.get() || step.get() == 0
                    on:click=move |_| step.update(|s| *s = s.saturating_sub(1))>
                    "Back"
                </button>
                <button type="button" class="primary" hidden=move || { !wizard.get() || step.get() >= 3 }
                    on:click=move |_| step.update(|s| *s += 1)>
                    "Next"
                </button>
                <button type="button" hidden=move || !wizard.get() || step.get() != 3
                    on:click=move |_| step.set(4)>
                    "Advanced options"
                </button>
                <button type="submit" class="primary" hidden=move || { wizard.get() && step.get() < 3 }
                    disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Adding…" } else { "Add provider" }}
                </button>
            </div>
        </ActionForm>
    }
}

/// The edit form of a custom provider; `stored_secrets` names the secret configuration fields
/// that have a value stored.
#[component]
pub fn EditProviderForm(
    provider: ProviderView,
    redirect_uri: String,
    stored_secrets: Vec<String>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let action = ServerAction::<UpdateProvider>::new();
    let result = Signal::derive(move || action.value().get());
    let state = FormState::new(ProviderInput::from_view(&provider), stored_secrets);
    Effect::new(move |_| {
        if let Some(Ok(p)) = result.get() {
            on_saved.run(format!("Saved {}.", p.name));
        }
    });
    view! {
        {move || match result.get() {
            Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }),
            _ => None,
        }}
        <ActionForm action attr:novalidate="" attr:class="provider-form">
            <crate::csrf::CsrfField/>
            <input type="hidden" name="slug" value=provider.slug.clone()/>
            <ProviderSections state result redirect_uri edit=true wizard=RwSignal::new(false) step=RwSignal::new(0)
                has_secret=provider.has_client_secret current_icon=provider.icon.clone()/>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Save changes" }}
                </button>
            </div>
        </ActionForm>
    }
}

#[component]
fn ProviderSections(
    state: FormState,
    result: Signal<Option<Result<ProviderView, AppError>>>,
    redirect_uri: String,
    edit: bool,
    wizard: RwSignal<bool>,
    step: RwSignal<usize>,
    #[prop(optional)] has_secret: bool,
    /// The icon Plumb serves now, for the preview; empty when none.
    #[prop(optional)]
    current_icon: String,
) -> impl IntoView {
    let err = move |field: &'static str| field_error(result, field);
    let hidden = move |i: usize| move || wizard.get() && step.get() != i;
    let discover = ServerAction::<DiscoverProvider>::new();
    Effect::new(move |_| {
        if let Some(Ok(d)) = discover.value().get() {
            state.fill(&d);
        }
    });
    let discovery_error = Signal::derive(move || match discover.value().get() {
        Some(Err(e)) => Some(e.field_message("discovery_url").unwrap_or(e.message)),
        _ => None,
    });
    let secret_hint = if edit && has_secret {
        "Stored encrypted and never shown. Leave empty to keep the stored secret."
    } else {
        "Stored encrypted. It is never shown again."
    };
    let failure = Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    });
    let a = state.access;
    let live = a.live;
    let authorization_error = err("authorization_url");
    let oauth_label = || Signal::derive(|| AuthMethod::Oauth.label().to_string());
    view! {
        <fieldset hidden=hidden(0)>
            <legend>"Details"</legend>
            <Field label="Name" name="name" required=true error=err("name") value=state.name placeholder="Acme CRM"/>
            {if edit {
                view! {
                    <div class="field">
                        <span class="label">"Slug"</span>
                        <code>{state.slug.get_untracked()}</code>
                        <p class="hint">"The slug cannot change: backends fetch tokens by it."</p>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <Field label="Slug" name="slug" required=true error=err("slug") value=state.slug placeholder="acme-crm"
                        hint="Lowercase letters, digits and hyphens. Backends fetch tokens by it; it cannot change later."/>
                }
                .into_any()
            }}
            <Field label="Description" name="description" kind="textarea" error=err("description") value=state.description
                hint="Shown to your users in the widget: say what the connection is used for."/>
            <Field label="Icon" name="icon_url" kind="url" error=err("icon_url") value=state.icon_url
                placeholder="https://acme.example/logo.png"
                hint="An image shown beside the provider in the widget: its URL, or upload a file below. Plumb checks it and serves it itself."/>
            <IconUpload state error=err("icon_upload")/>
            {(!current_icon.is_empty()).then(|| view! {
                <div class="field icon-preview">
                    <img src=current_icon alt="Current icon" width="40" height="40"/>
                    <Checkbox label="Remove icon" name="remove_icon" error=err("remove_icon") checked=state.remove_icon/>
                </div>
            })}
        </fieldset>
        <fieldset hidden=hidden(0)>
            <legend>"How users connect"</legend>
            <MethodsSection state=a failure/>
        </fieldset>
        <fieldset hidden=hidden(1)>
            <legend>"Endpoints"</legend>
            <MethodGroup applies=a.tokens_label() shown=a.tokens() live failure
                fields=&["authorization_url", "token_url", "refresh_token_url", "revocation_url"]>
                <div class="autofill">
                    <Field label="Issuer or discovery URL" name="discovery_url" group="" kind="url" error=discovery_error
                        value=state.discovery_url placeholder="https://login.acme.example"
                        hint="Optional: Plumb reads the provider's OAuth / OpenID Connect metadata and fills the endpoints."/>
                    <button type="button" disabled=move || discover.pending().get()
                        on:click=move |_| { discover.dispatch(DiscoverProvider { url: state.discovery_url.get() }); }>
                        {move || if discover.pending().get() { "Reading…" } else { "Auto-fill" }}
                    </button>
                    {move || matches!(discover.value().get(), Some(Ok(_))).then(|| view! {
                        <p class="notice notice-ok" role="status">"Filled from the provider's metadata. Check the fields below."</p>
                    })}
                </div>
                <div hidden=move || live.get() && !a.oauth.get() && authorization_error.read().is_none()>
                    <Field label="Authorization URL" name="authorization_url" kind="url" required=true error=authorization_error
                        value=state.authorization_url placeholder="https://acme.example/oauth/authorize"
                        hint="OAuth: where users sign in and approve access."/>
                </div>
                <Field label="Token URL" name="token_url" kind="url" required=true error=err("token_url") value=state.token_url
                    placeholder="https://acme.example/oauth/token"/>
                <Field label="Refresh token URL" name="refresh_token_url" kind="url" error=err("refresh_token_url")
                    value=state.refresh_token_url hint="Only if refreshes go somewhere other than the token URL."/>
                <Field label="Revocation URL" name="revocation_url" kind="url" error=err("revocation_url")
                    value=state.revocation_url
                    hint="RFC 7009: deleting a connection revokes its grant here. Filled by discovery when the provider has one."/>
            </MethodGroup>
            <ApiBaseUrl state=a failure/>
            <p class="hint">"URLs may hold ${config.key} placeholders for the configuration fields below."</p>
        </fieldset>
        <FieldsSections state=a failure hidden=Signal::derive(hidden(1))/>
        <fieldset hidden=hidden(2)>
            <legend>"Credentials"</legend>
            <MethodGroup applies=oauth_label() shown=a.oauth live failure fields=&["client_id", "client_secret"]>
                <Copyable label="Redirect URI" text=redirect_uri/>
                <p class="hint">"Register this exact URL as the redirect (callback) URL of your OAuth app, then copy its credentials here."</p>
                <Field label="Client ID" name="client_id" required=true error=err("client_id") value=state.client_id/>
                <Field label="Client secret" name="client_secret" kind="password" error=err("client_secret") value=state.client_secret
                    placeholder=if edit && has_secret { "•••••••• (unchanged)" } else { "" } hint=secret_hint/>
            </MethodGroup>
            <CredentialSections state=a failure/>
        </fieldset>
        <fieldset hidden=hidden(3)>
            <legend>"Scopes"</legend>
            <MethodGroup applies=a.tokens_label() shown=a.tokens() live failure fields=&["scopes"]>
                <Field label="Scopes" name="scopes" error=err("scopes") value=state.scopes placeholder="openid offline_access read"
                    hint="Separated by spaces or commas, in the order the provider expects. Users grant these."/>
            </MethodGroup>
            <p class="muted" hidden=move || !live.get() || a.oauth.get() || a.client_credentials.get()>
                "Scopes are requested by OAuth and client credentials; this provider uses neither."
            </p>
        </fieldset>
        <fieldset hidden=hidden(4) class="advanced">
            <legend>"Advanced options"</legend>
            <Select label="Connections belong to" name="ownership" error=err("ownership") value=state.ownership
                options=vec![("user".to_string(), "Each user".to_string()), ("organization".to_string(), "The organization (shared by its members)".to_string())]
                hint="Organization: a manager connects once and every member's calls use that connection. Changes only while nobody is connected."/>
            <Checkbox label="Multiple connections" name="multiple_connections" error=err("multiple_connections")
                checked=state.multiple_connections
                hint="Let an owner connect several accounts (a personal and a work one); the widget offers Add another account."/>
            <ApiExtras state=a failure/>
            <MethodGroup applies=a.tokens_label() shown=a.tokens() live failure
                fields=&["scope_separator", "scope_parameter", "authenticate_via", "token_body_content_type",
                    "token_request_headers", "access_token_path", "refresh_token_path", "expires_in_path", "scope_path",
                    "account_identifier_path"]>
                <Select label="Scope separator" name="scope_separator" error=err("scope_separator") value=state.scope_separator
                    options=[(" ", "Space"), (",", "Comma (,)"), ("+", "Plus (+)")].map(|(v, l)| (v.to_string(), l.to_string())).to_vec()
                    hint="How scopes are joined in the authorization or token request."/>
                <Field label="Scope parameter" name="scope_parameter" error=err("scope_parameter") value=state.scope_parameter
                    hint="The parameter scopes go in: scope, or for example user_scope (Slack user tokens)."/>
                <Select label="Authenticate via" name="authenticate_via" error=err("authenticate_via") value=state.authenticate_via
                    options=AuthenticateVia::ALL.iter().map(|v| (v.as_str().to_string(), v.label().to_string())).collect()
                    hint="How the client ID and secret reach the token endpoint."/>
                <Select label="Token body content type" name="token_body_content_type" error=err("token_body_content_type")
                    value=state.token_body_content_type
                    options=TokenBodyType::ALL.iter().map(|v| (v.content_type().to_string(), v.content_type().to_string())).collect()/>
                <Field label="Token request headers" name="token_request_headers" kind="textarea"
                    error=err("token_request_headers") value=state.token_request_headers placeholder="Notion-Version: 2022-06-28"
                    hint="One Name: value per line, sent with every token request."/>
                <p class="hint">
                    "Token response paths: where the provider nests the token fields, as dot-separated JSON paths \
                     (like authed_user.access_token). Leave empty for the standard top-level fields."
                </p>
                <div class="grid-2">
                    <Field label="Access token path" name="access_token_path" error=err("access_token_path") value=state.access_token_path/>
                    <Field label="Refresh token path" name="refresh_token_path" error=err("refresh_token_path") value=state.refresh_token_path/>
                    <Field label="Expires in path" name="expires_in_path" error=err("expires_in_path") value=state.expires_in_path/>
                    <Field label="Scope path" name="scope_path" error=err("scope_path") value=state.scope_path/>
                    <Field label="Account identifier path" name="account_identifier_path" error=err("account_identifier_path")
                        value=state.account_identifier_path placeholder="id_token.sub"
                        hint="Where the provider-side account is: a path, or id_token.<claim>. Empty: the ID token's sub."/>
                </div>
            </MethodGroup>
            <MethodGroup applies=oauth_label() shown=a.oauth live failure
                fields=&["issuer", "issuer_sends_iss", "scopes_required", "client_secret_required", "pkce_enabled",
                    "authorization_parameters"]>
                <Field label="Issuer" name="issuer" kind="url" error=err("issuer") value=state.issuer placeholder="https://login.acme.example"
                    hint="The issuer the provider names in its responses (RFC 9207 iss); filled by discovery. A response naming another issuer is refused."/>
                <Checkbox label="Always sends iss" name="issuer_sends_iss" error=err("issuer_sends_iss") checked=state.issuer_sends_iss
                    hint="Its metadata says every authorization response carries iss: a response without one is refused."/>
                <Checkbox label="Scopes required" name="scopes_required" error=err("scopes_required") checked=state.scopes_required
                    hint="Refuse to start an authorization without at least one scope."/>
                <Checkbox label="Client secret required" name="client_secret_required" error=err("client_secret_required")
                    checked=state.client_secret_required
                    hint="Clear for a public client that authorizes with PKCE only: then no secret is sent anywhere."/>
                <Checkbox label="PKCE enabled" name="pkce_enabled" error=err("pkce_enabled") checked=state.pkce_enabled
                    hint="Send an S256 code challenge; the verifier stays on the server."/>
                <Field label="Additional authorization parameters" name="authorization_parameters" kind="textarea"
                    error=err("authorization_parameters") value=state.authorization_parameters placeholder="access_type=offline"
                    hint="One key=value per line, added to the authorization URL."/>
            </MethodGroup>
        </fieldset>
    }
}

/// A file picker that turns the chosen image into a `data:` URL the form submits; the server
/// checks its type and size like a fetched icon.
#[component]
fn IconUpload(state: FormState, error: Signal<Option<String>>) -> impl IntoView {
    let too_big = RwSignal::new(None::<String>);
    let shown = Signal::derive(move || too_big.get().or_else(|| error.get()));
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        read_as_data_url(&ev, state.icon_upload, too_big);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, too_big);
    };
    view! {
        <div class="field" class:invalid=move || shown.read().is_some()>
            <label for="field-icon_file">"Upload icon"</label>
            <input id="field-icon_file" type="file" accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml"
                aria-describedby="field-icon_file-hint field-icon_upload-error" on:change=on_change/>
            <input type="hidden" name="input[icon_upload]" value="" prop:value=move || state.icon_upload.get()/>
            <p class="hint" id="field-icon_file-hint">"PNG, JPEG, GIF, WebP or SVG, at most 256 KiB."</p>
            <p class="field-error" id="field-icon_upload-error">{move || shown.get()}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn read_as_data_url(ev: &leptos::ev::Event, target: RwSignal<String>, problem: RwSignal<Option<String>>) {
    use wasm_bindgen::JsCast;
    problem.set(None);
    target.set(String::new());
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    if file.size() > 256.0 * 1024.0 {
        problem.set(Some("The image is larger than 256 KiB.".into()));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let done = reader.clone();
    let on_load = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
        if let Some(url) = done.result().ok().and_then(|v| v.as_string()) {
            target.set(url);
        }
    });
    reader.set_onload(Some(on_load.unchecked_ref()));
    let _ = reader.read_as_data_url(&file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_lead_to_the_step_holding_their_field() {
        assert_eq!(step_of("auth_methods"), 0);
        assert_eq!(step_of("config_fields[3]"), 1);
        assert_eq!(step_of("config"), 1);
        assert_eq!(step_of("verification.expected_statuses"), 2);
        assert_eq!(step_of("api_key"), 2);
        assert_eq!(step_of("scopes"), 3);
        assert_eq!(step_of("captures"), 4);
    }

    /// The edit form as the server renders it, before any wasm runs: it must submit everything
    /// on its own, so every section shows and every input carries its name.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_edit_form_works_before_hydration_and_holds_no_secret_value() {
        let owner = Owner::new();
        owner.set();
        let provider: ProviderView = serde_json::from_value(serde_json::json!({
            "id": "prov_1", "slug": "key-vault", "name": "Key Vault", "description": "", "icon_url": "", "icon": "",
            "authorization_url": "", "token_url": "", "refresh_token_url": "", "client_id": "",
            "has_client_secret": false, "scopes": [], "scopes_required": false, "scope_separator": " ",
            "scope_parameter": "scope", "client_secret_required": true, "pkce_enabled": true,
            "authenticate_via": "request_body", "token_body_content_type": "application/x-www-form-urlencoded",
            "authorization_parameters": [], "token_request_headers": [], "token_response": {}, "catalog": null,
            "shared_credentials": false, "enabled": true, "connected_accounts": 0, "created_at": "", "updated_at": "",
            "access": {"auth_methods": ["api_key"], "config_fields": [
                {"key": "workspace", "label": "Workspace", "scope": "integration", "required": true},
                {"key": "token", "label": "Token", "scope": "integration", "secret": true, "order": 1}
            ]},
            "config": {"workspace": "acme"}
        }))
        .unwrap();
        let html = view! {
            <EditProviderForm provider redirect_uri="https://plumb.test/oauth/callback".to_string()
                stored_secrets=vec!["token".to_string()] on_saved=Callback::new(|_: String| {})/>
        }
        .to_html();
        for expected in [
            r#"name="input[connection_settings]" value="true""#,
            r#"name="input[method_api_key]" value="true" checked"#,
            r#"name="input[config_fields][0][key]""#,
            r#"name="input[config_fields][1][secret]" value="true" checked"#,
            r#"type="text" name="input[config][workspace]""#,
            r#"value="acme""#,
            r#"type="password" name="input[config][token]""#,
            r#"name="input[clear_config][token]""#,
            "A value is stored",
            r#"name="input[client_id]""#,
            r#"name="input[verification_statuses]""#,
        ] {
            assert!(html.contains(expected), "{expected} missing from {html}");
        }
        // Only the page's own code hides what the chosen methods do not use.
        assert!(!html.contains(r#"hidden class="method-group""#), "{html}");
    }
}
