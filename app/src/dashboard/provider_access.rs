//! The custom-provider form's connection settings: how users connect (OAuth, an API key, a
//! user name and password, client credentials), where a key goes, the request that checks a
//! credential, the configuration fields and their pinned values, and the API's extras. Parts
//! that only some methods use are marked with those methods, and hidden when none of them is
//! chosen once the page is interactive (before that, everything shows, so the form still works).

use super::field_rows::{ConfigFieldsEditor, FieldRows, PinnedValues};
use crate::components::{Checkbox, Field, Select};
use crate::error::AppError;
use crate::methods::AuthMethod;
use crate::model::ProviderInput;
use leptos::prelude::*;

/// The connection settings of the form, each a signal.
#[derive(Clone, Copy)]
pub struct AccessState {
    pub oauth: RwSignal<bool>,
    pub api_key: RwSignal<bool>,
    pub basic: RwSignal<bool>,
    pub client_credentials: RwSignal<bool>,
    pub rows: FieldRows,
    api_base_url: RwSignal<String>,
    api_hosts: RwSignal<String>,
    token_placement: RwSignal<String>,
    api_key_in: RwSignal<String>,
    api_key_header: RwSignal<String>,
    api_key_format: RwSignal<String>,
    api_key_query: RwSignal<String>,
    basic_username_label: RwSignal<String>,
    basic_password_label: RwSignal<String>,
    verification_method: RwSignal<String>,
    verification_url: RwSignal<String>,
    verification_statuses: RwSignal<String>,
    captures: RwSignal<String>,
    api_headers: RwSignal<String>,
    token_parameters: RwSignal<String>,
    /// Whether the wasm bundle runs: only then do sections hide.
    pub live: RwSignal<bool>,
}

impl AccessState {
    /// The form's settings from `i`, with the keys of the secret fields that have a value
    /// stored (their values never reach the page).
    pub fn new(i: &ProviderInput, stored_secrets: Vec<String>) -> Self {
        let live = RwSignal::new(false);
        Effect::new(move |_| live.set(true));
        Self {
            oauth: RwSignal::new(i.method_oauth),
            api_key: RwSignal::new(i.method_api_key),
            basic: RwSignal::new(i.method_basic),
            client_credentials: RwSignal::new(i.method_client_credentials),
            rows: FieldRows::new(&i.config_fields, &i.config, stored_secrets),
            api_base_url: RwSignal::new(i.api_base_url.clone()),
            api_hosts: RwSignal::new(i.api_hosts.clone()),
            token_placement: RwSignal::new(i.token_placement.clone()),
            api_key_in: RwSignal::new(i.api_key_in.clone()),
            api_key_header: RwSignal::new(i.api_key_header.clone()),
            api_key_format: RwSignal::new(i.api_key_format.clone()),
            api_key_query: RwSignal::new(i.api_key_query.clone()),
            basic_username_label: RwSignal::new(i.basic_username_label.clone()),
            basic_password_label: RwSignal::new(i.basic_password_label.clone()),
            verification_method: RwSignal::new(i.verification_method.clone()),
            verification_url: RwSignal::new(i.verification_url.clone()),
            verification_statuses: RwSignal::new(i.verification_statuses.clone()),
            captures: RwSignal::new(i.captures.clone()),
            api_headers: RwSignal::new(i.api_headers.clone()),
            token_parameters: RwSignal::new(i.token_parameters.clone()),
            live,
        }
    }

    /// Whether a method that goes through a token endpoint is chosen (OAuth or client
    /// credentials): the token URL, scopes and token request settings are theirs.
    pub fn tokens(&self) -> Signal<bool> {
        let (oauth, grant) = (self.oauth, self.client_credentials);
        Signal::derive(move || oauth.get() || grant.get())
    }

    /// The badge of what uses the token endpoint, as chosen now.
    pub fn tokens_label(&self) -> Signal<String> {
        let (oauth, grant) = (self.oauth, self.client_credentials);
        Signal::derive(move || {
            match (oauth.get(), grant.get()) {
                (true, true) => "OAuth and client credentials",
                (false, true) => "Client credentials",
                _ => "OAuth",
            }
            .to_string()
        })
    }
}

fn message(failure: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field_message(field))))
}

fn fixed(label: &'static str) -> Signal<String> {
    Signal::derive(move || label.to_string())
}

/// Part of the form that only some methods use: marked with them, and hidden once the page is
/// interactive if none is chosen, unless one of its `fields` has an error to show.
#[component]
pub fn MethodGroup(
    /// Which methods use it, as the badge says.
    #[prop(into)]
    applies: Signal<String>,
    #[prop(into)] shown: Signal<bool>,
    live: RwSignal<bool>,
    failure: Signal<Option<AppError>>,
    /// The fields inside, whose errors keep it visible.
    #[prop(optional)]
    fields: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let has_error = move || {
        failure.with(|e| {
            e.as_ref().is_some_and(|e| {
                e.errors.iter().any(|f| fields.iter().any(|name| f.field.split(['[', '.']).next() == Some(name)))
            })
        })
    };
    view! {
        <div class="method-group" hidden=move || live.get() && !shown.get() && !has_error()>
            <p class="applies-to"><span class="badge badge-method">{move || applies.get()}</span></p>
            {children()}
        </div>
    }
}

/// "How users connect": a checkbox per method.
#[component]
pub fn MethodsSection(state: AccessState, failure: Signal<Option<AppError>>) -> impl IntoView {
    let none = Signal::derive(|| None::<String>);
    let error = message(failure, "auth_methods");
    view! {
        // Says the form carries the settings below, so unticking every box is not read as
        // "keep the methods as they are".
        <input type="hidden" name="input[connection_settings]" value="true"/>
        <p class="hint">"Tick every way users may connect; the sections below follow your choice."</p>
        <div class="methods-choice" class:invalid=move || error.read().is_some()>
            <Checkbox label=AuthMethod::Oauth.label() name="method_oauth" error=none checked=state.oauth
                hint="Users sign in at the provider and approve access (the authorization-code flow)."/>
            <Checkbox label=AuthMethod::ApiKey.label() name="method_api_key" error=none checked=state.api_key
                hint="Users (or your backend) give a key; Plumb checks it and sends it with calls."/>
            <Checkbox label=AuthMethod::Basic.label() name="method_basic" error=none checked=state.basic
                hint="HTTP Basic credentials, checked before they are stored."/>
            <Checkbox label=AuthMethod::ClientCredentials.label() name="method_client_credentials" error=none
                checked=state.client_credentials
                hint="Each owner gives a client ID and secret; Plumb gets tokens with the client credentials grant."/>
        </div>
        <p class="field-error" id="field-auth_methods-error">{move || error.get()}</p>
    }
}

/// The API's root, under the endpoints: every method may use it.
#[component]
pub fn ApiBaseUrl(state: AccessState, failure: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Field label="API base URL" name="api_base_url" kind="url" error=message(failure, "api_base_url")
            value=state.api_base_url placeholder="https://api.acme.example/v1"
            hint="Where calls made with the credential go; may hold ${config.key} placeholders."/>
        <Field label="Relay hosts" name="api_hosts" error=message(failure, "api_hosts")
            value=state.api_hosts placeholder="api.acme.example uploads.acme.example"
            hint="The only hosts the relay sends the credential to, separated by spaces: exact names, \
                  *.acme.example for its subdomains, host:port for another port. Empty: the API base URL's host."/>
        <Field label="Token placement" name="token_placement" error=message(failure, "token_placement")
            value=state.token_placement placeholder="X-Acme-Token: ${access_token}"
            hint="Where the relay puts an OAuth token on calls: Header: value with ${access_token}, or \
                  ?parameter. Empty: Authorization: Bearer."/>
    }
}

/// The configuration fields and the values pinned for them.
#[component]
pub fn FieldsSections(state: AccessState, failure: Signal<Option<AppError>>, hidden: Signal<bool>) -> impl IntoView {
    view! {
        <fieldset hidden=move || hidden.get() class="config-fields">
            <legend>"Configuration fields"</legend>
            <ConfigFieldsEditor rows=state.rows failure/>
        </fieldset>
        <fieldset hidden=move || hidden.get()>
            <legend>"Pinned values"</legend>
            <p class="hint">
                "A value set here is used by every connection: set-on-the-provider fields need one, and a \
                 field asked when connecting is no longer asked once it has one. A connection keeps the values \
                 it was made with: a change reaches it when it reconnects."
            </p>
            <PinnedValues rows=state.rows failure/>
        </fieldset>
    }
}

/// Where an API key goes, what Basic credentials' halves are called, and the request that
/// checks either before it is stored.
#[component]
pub fn CredentialSections(state: AccessState, failure: Signal<Option<AppError>>) -> impl IntoView {
    let live = state.live;
    let (api_key, basic, grant) = (state.api_key, state.basic, state.client_credentials);
    let in_query = move || state.api_key_in.get() == "query";
    let err = move |field: &'static str| message(failure, field);
    let none = Signal::derive(|| None::<String>);
    view! {
        <MethodGroup applies=fixed(AuthMethod::ApiKey.label()) shown=api_key live failure fields=&["api_key"]>
            <Select label="The key goes in" name="api_key_in" error=err("api_key") value=state.api_key_in
                options=vec![("header".into(), "A request header".into()), ("query".into(), "A query parameter".into())]/>
            <div class="grid-2" hidden=move || live.get() && in_query()>
                <Field label="Header name" name="api_key_header" error=none value=state.api_key_header
                    placeholder="Authorization"/>
                <Field label="Header value" name="api_key_format" error=none value=state.api_key_format
                    placeholder="Bearer ${api_key}" hint="${api_key} is replaced by the key."/>
            </div>
            <div hidden=move || live.get() && !in_query()>
                <Field label="Query parameter" name="api_key_query" error=none value=state.api_key_query
                    placeholder="api_key"/>
            </div>
        </MethodGroup>
        <MethodGroup applies=fixed(AuthMethod::Basic.label()) shown=basic live failure fields=&["basic"]>
            <div class="grid-2">
                <Field label="User name label" name="basic_username_label" error=err("basic") value=state.basic_username_label
                    hint="What the widget calls the user name."/>
                <Field label="Password label" name="basic_password_label" error=none
                    value=state.basic_password_label hint="What the widget calls the password (an API token, say)."/>
            </div>
        </MethodGroup>
        <MethodGroup applies=Signal::derive(|| "API key and user name and password".to_string())
            shown=Signal::derive(move || api_key.get() || basic.get()) live failure fields=&["verification"]>
            <p class="hint">
                "A request that succeeds only with a valid credential (a \"who am I\" endpoint): a key or password \
                 the provider refuses is not stored, and the user sees the provider's answer."
            </p>
            <Field label="Verification URL" name="verification_url" kind="url" error=err("verification.url")
                value=state.verification_url placeholder="https://api.acme.example/v1/me"
                hint="Leave empty to store credentials unchecked. May hold ${config.key} placeholders."/>
            <div class="grid-2">
                <Select label="Verification method" name="verification_method" error=err("verification.method")
                    value=state.verification_method
                    options=["GET", "HEAD", "POST"].map(|m| (m.to_string(), m.to_string())).to_vec()/>
                <Field label="Expected statuses" name="verification_statuses" error=err("verification.expected_statuses")
                    value=state.verification_statuses placeholder="200, 204"
                    hint="The HTTP statuses a valid credential gets, separated by commas."/>
            </div>
        </MethodGroup>
        <MethodGroup applies=fixed(AuthMethod::ClientCredentials.label()) shown=grant live failure>
            <p class="hint">
                "Each user or organization gives its own client ID and secret when connecting; Plumb asks the token \
                 URL for tokens with them and renews them before they expire."
            </p>
        </MethodGroup>
    }
}

/// Headers on every API call (any method), and what token requests send and keep (OAuth and
/// client credentials).
#[component]
pub fn ApiExtras(state: AccessState, failure: Signal<Option<AppError>>) -> impl IntoView {
    let err = move |field: &'static str| message(failure, field);
    view! {
        <Field label="API headers" name="api_headers" kind="textarea" error=err("api_headers") value=state.api_headers
            placeholder="anthropic-version: 2023-06-01"
            hint="One Name: value per line, sent with every call made to the provider's API with the credential."/>
        <MethodGroup applies=state.tokens_label() shown=state.tokens() live=state.live failure
            fields=&["token_parameters", "captures"]>
            <Field label="Token parameters" name="token_parameters" kind="textarea" error=err("token_parameters")
                value=state.token_parameters placeholder="audience=https://api.acme.example"
                hint="One name=value per line, added to the body of every token request."/>
            <Field label="Captured values" name="captures" kind="textarea" error=err("captures") value=state.captures
                placeholder="instance_url=instance_url"
                hint="One name=path per line: values read from the token response and kept on the connection, \
                      usable as ${config.name} in later URLs (Salesforce's instance_url)."/>
        </MethodGroup>
    }
}
