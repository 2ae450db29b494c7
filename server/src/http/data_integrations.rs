//! The WorkOS-compatible admin API for providers ("data integrations", `docs/workos-api.md`
//! §4.1, §4.2, §5): list, create, get, update, delete, and the authorize-URL endpoint. Bodies are
//! read key by key into a domain change that names only the fields sent: an unknown or malformed
//! field is a 422 that names it, and nothing is stored.

use super::error::ApiError;
use super::extract::{ApiJson, ApiKey, ListFilters, ListQuery};
use super::provider_access::{self, config_values, ACCESS_FIELDS};
use super::state::AppState;
use crate::accounts::Intent;
use crate::connect::LinkRequest;
use crate::credentials::{CredentialInput, InstallRequest};
use crate::error::Error;
use crate::provider_admin::Editor;
use crate::provider_settings::{CatalogChange, ProviderChange};
use crate::providers::{Ownership, Provider};
use crate::store::SharedCredentials;
use app::error::FieldError;
use app::methods::AuthMethod;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub(super) type Object = Map<String, Value>;

fn invalid(field: &str, code: &str, message: impl Into<String>) -> Error {
    Error::field(field, code, message)
}

/// The body as a JSON object whose keys are all in `allowed`.
pub(super) fn object(body: Value, allowed: &[&str], prefix: &str) -> Result<Object, Error> {
    let Value::Object(map) = body else {
        return Err(invalid(prefix.trim_end_matches('.'), "invalid", "Expected a JSON object."));
    };
    let unknown: Vec<FieldError> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| FieldError {
            field: format!("{prefix}{k}"),
            code: "unknown_field".into(),
            message: format!("{prefix}{k} is not a field Plumb knows."),
        })
        .collect();
    if unknown.is_empty() {
        Ok(map)
    } else {
        Err(Error::Validation(unknown))
    }
}

/// Typed readers for optional fields; `null` counts as absent.
pub(super) fn string(map: &Object, key: &str, field: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be a string."))),
    }
}

/// A string field that may be cleared: absent keeps, `null` clears, a string sets.
fn clearable(map: &Object, key: &str, field: &str) -> Result<Option<String>, Error> {
    Ok(if map.contains_key(key) { Some(string(map, key, field)?.unwrap_or_default()) } else { None })
}

pub(super) fn boolean(map: &Object, key: &str, field: &str) -> Result<Option<bool>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be true or false."))),
    }
}

pub(super) fn strings(map: &Object, key: &str, field: &str) -> Result<Option<Vec<String>>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid(field, "invalid_type", format!("{field} must be a list of strings."))),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be a list of strings."))),
    }
}

/// A JSON object of strings as ordered pairs: absent keeps, `null` clears.
fn string_pairs(map: &Object, key: &str, field: &str) -> Result<Option<Vec<(String, String)>>, Error> {
    let not_strings = || invalid(field, "invalid_type", format!("{field} must be an object of strings."));
    match map.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(not_strings),
        Some(_) => Err(not_strings()),
    }
}

/// The domain's field names → this API's, so validation errors name what the caller sent.
fn api_field_names(e: Error) -> Error {
    let rename = |field: &str| -> String {
        match field {
            "slug" | "catalog" => "provider".into(),
            "description" | "scopes" => field.into(),
            "use_shared_credentials" => "credentials.type".into(),
            "client_id" | "client_secret" => format!("credentials.{field}"),
            "scope_separator" => "custom_provider.request_scope_separator".into(),
            "issuer_sends_iss" => "custom_provider.authorization_response_iss_parameter_supported".into(),
            "authorization_parameters" => "custom_provider.additional_authorization_parameters".into(),
            "access_token_path"
            | "refresh_token_path"
            | "expires_in_path"
            | "scope_path"
            | "account_identifier_path" => {
                format!("custom_provider.token_response_paths.{}", field.trim_end_matches("_path"))
            }
            other => format!("custom_provider.{other}"),
        }
    };
    match e {
        Error::Validation(errors) if errors.iter().all(|e| e.code == "slug_taken") => {
            Error::Conflict(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" "))
        }
        Error::Validation(errors) => {
            Error::Validation(errors.into_iter().map(|e| FieldError { field: rename(&e.field), ..e }).collect())
        }
        other => other,
    }
}

const CUSTOM_PROVIDER_FIELDS: [&str; 18] = [
    "name",
    "authorization_url",
    "token_url",
    "refresh_token_url",
    "pkce_enabled",
    "request_scope_separator",
    "scopes_required",
    "client_secret_required",
    "additional_authorization_parameters",
    "token_body_content_type",
    "authenticate_via",
    // Plumb's extensions to the WorkOS shape.
    "icon_url",
    "scope_parameter",
    "token_request_headers",
    "token_response_paths",
    "issuer",
    "authorization_response_iss_parameter_supported",
    "revocation_url",
];

/// Reads the `custom_provider` object into the change: only the fields it names.
fn read_custom_provider(change: &mut ProviderChange, body: Value) -> Result<Object, Error> {
    let p = "custom_provider.";
    let allowed: Vec<&str> = CUSTOM_PROVIDER_FIELDS.iter().chain(ACCESS_FIELDS.iter()).copied().collect();
    let map = object(body, &allowed, p)?;
    let f = |k: &str| format!("{p}{k}");
    if let Some(v) = string(&map, "name", &f("name"))? {
        change.name = Some(v);
    }
    for (key, slot) in [
        ("authorization_url", &mut change.authorization_url),
        ("token_url", &mut change.token_url),
        ("refresh_token_url", &mut change.refresh_token_url),
        ("revocation_url", &mut change.revocation_url),
        ("icon_url", &mut change.icon_url),
        ("request_scope_separator", &mut change.scope_separator),
        ("scope_parameter", &mut change.scope_parameter),
        ("issuer", &mut change.issuer),
        ("token_body_content_type", &mut change.token_body_content_type),
        ("authenticate_via", &mut change.authenticate_via),
    ] {
        if let Some(v) = clearable(&map, key, &f(key))? {
            *slot = Some(v);
        }
    }
    for (key, slot) in [
        ("pkce_enabled", &mut change.pkce_enabled),
        ("scopes_required", &mut change.scopes_required),
        ("client_secret_required", &mut change.client_secret_required),
        ("authorization_response_iss_parameter_supported", &mut change.issuer_sends_iss),
    ] {
        if let Some(b) = boolean(&map, key, &f(key))? {
            *slot = Some(b);
        }
    }
    let parameters = "additional_authorization_parameters";
    if let Some(pairs) = string_pairs(&map, parameters, &f(parameters))? {
        change.authorization_parameters = Some(pairs);
    }
    if let Some(pairs) = string_pairs(&map, "token_request_headers", &f("token_request_headers"))? {
        change.token_request_headers = Some(pairs);
    }
    if let Some(paths) = map.get("token_response_paths").filter(|v| !v.is_null()) {
        let pp = "custom_provider.token_response_paths.";
        let keys = ["access_token", "refresh_token", "expires_in", "scope", "account_identifier"];
        let paths = object(paths.clone(), &keys, pp)?;
        for (key, slot) in [
            ("access_token", &mut change.access_token_path),
            ("refresh_token", &mut change.refresh_token_path),
            ("expires_in", &mut change.expires_in_path),
            ("scope", &mut change.scope_path),
            ("account_identifier", &mut change.account_identifier_path),
        ] {
            if let Some(v) = clearable(&paths, key, &format!("{pp}{key}"))? {
                *slot = Some(v);
            }
        }
    }
    Ok(map)
}

/// `credentials`: `{type, client_id, client_secret}`.
#[derive(Default)]
struct CredentialsBody {
    shared: Option<bool>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn credentials(map: &Object) -> Result<Option<CredentialsBody>, Error> {
    let Some(value) = map.get("credentials").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let c = object(value.clone(), &["type", "client_id", "client_secret"], "credentials.")?;
    let shared = match string(&c, "type", "credentials.type")?.as_deref() {
        None => None,
        Some("custom") => Some(false),
        Some("shared") => Some(true),
        Some(other) => {
            return Err(invalid(
                "credentials.type",
                "unsupported",
                format!("credentials.type {other:?} is not supported: use \"custom\" or \"shared\"."),
            ))
        }
    };
    Ok(Some(CredentialsBody {
        shared,
        client_id: string(&c, "client_id", "credentials.client_id")?,
        client_secret: string(&c, "client_secret", "credentials.client_secret")?,
    }))
}

/// A custom provider's credentials as a change; custom providers have no shared app.
fn custom_credentials(change: &mut ProviderChange, creds: CredentialsBody) -> Result<(), Error> {
    if creds.shared == Some(true) {
        return Err(invalid("credentials.type", "unsupported", "Custom providers use their own credentials."));
    }
    if let Some(id) = creds.client_id {
        change.client_id = Some(id);
    }
    change.client_secret = creds.client_secret;
    Ok(())
}

/// Fields Plumb accepts for compatibility but supports only in one form.
/// `ownership`: `user` or `organization`.
fn ownership(map: &Object) -> Result<Option<Ownership>, Error> {
    match string(map, "ownership", "ownership")?.as_deref() {
        None => Ok(None),
        Some("user") => Ok(Some(Ownership::User)),
        Some("organization") => Ok(Some(Ownership::Organization)),
        Some(_) => Err(invalid("ownership", "invalid", "ownership must be user or organization.")),
    }
}

fn check_unsupported(map: &Object) -> Result<(), Error> {
    ownership(map)?;
    Ok(())
}

/// `api_key`: `{secret, user_id, organization_id}`, the first tenant's key (or, with Plumb's
/// `username`, Basic credentials).
fn first_tenant(map: &Object) -> Result<Option<InstallRequest>, Error> {
    let Some(value) = map.get("api_key").filter(|v| !v.is_null()) else { return Ok(None) };
    let k = object(value.clone(), &["secret", "user_id", "organization_id", "username"], "api_key.")?;
    let secret = string(&k, "secret", "api_key.secret")?;
    let username = string(&k, "username", "api_key.username")?;
    let input = match username {
        Some(_) => {
            CredentialInput { method: Some(AuthMethod::Basic), username, password: secret, ..Default::default() }
        }
        None => CredentialInput { method: Some(AuthMethod::ApiKey), api_key: secret, ..Default::default() },
    };
    Ok(Some(InstallRequest {
        user_id: string(&k, "user_id", "api_key.user_id")?,
        organization_id: string(&k, "organization_id", "api_key.organization_id")?,
        input,
        ..Default::default()
    }))
}

/// The `installation` of a DataIntegration (`docs/workos-api.md` §3.3).
fn installation(c: &crate::connections::Connection) -> Value {
    json!({
        "id": c.id,
        "connection_role": c.role.as_str(),
        "account_identifier": c.account_identifier,
        "account_display_name": c.label,
        "user_id": c.owner.user(),
        "organization_id": c.owner.organization_id,
        "api_key_last_4": (!c.secret_hint.is_empty()).then(|| c.secret_hint.clone()),
    })
}

/// `scopes` in an update: absent keeps, `null` resets to the provider's defaults (none for a
/// custom provider), a list sets.
pub(super) fn scopes_change(map: &Object) -> Result<Option<Vec<String>>, Error> {
    match map.get("scopes") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(_) => strings(map, "scopes", "scopes"),
    }
}

const CREATE_FIELDS: [&str; 11] = [
    "provider",
    "ownership",
    // Plumb's extension: whether an owner may hold several connections.
    "multiple_connections",
    "description",
    "enabled",
    "scopes",
    "auth_methods",
    "config",
    "credentials",
    "api_key",
    "custom_provider",
];

/// `POST /data-integrations`.
pub async fn create(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let (plumb, env) = (&state.plumb, key.environment());
    let map = object(body, &CREATE_FIELDS, "")?;
    check_unsupported(&map)?;
    let slug = string(&map, "provider", "provider")?.unwrap_or_default();
    if slug.trim().is_empty() {
        return Err(invalid(
            "provider",
            "required",
            "provider is required: a catalog slug, or a new slug with custom_provider.",
        )
        .into());
    }
    let description = string(&map, "description", "description")?.unwrap_or_default();
    let scopes = strings(&map, "scopes", "scopes")?;
    let enabled = boolean(&map, "enabled", "enabled")?.unwrap_or(false);
    let (ownership, multiple) = (ownership(&map)?, boolean(&map, "multiple_connections", "multiple_connections")?);
    let creds = credentials(&map)?;
    let methods = provider_access::auth_methods(&map)?;
    let config = provider_access::pinned(&map)?;
    let tenant = first_tenant(&map)?;
    let provider = match map.get("custom_provider").filter(|v| !v.is_null()) {
        Some(custom) => {
            let mut change =
                ProviderChange { slug: Some(slug), description: Some(description), scopes, ..Default::default() };
            let custom = read_custom_provider(&mut change, custom.clone())?;
            change.access = provider_access::custom_access(Some(&custom), methods, &Default::default())?;
            change.config = config;
            if let Some(c) = creds {
                custom_credentials(&mut change, c)?;
            }
            plumb.create_custom_provider(env, change).await.map_err(api_field_names)?
        }
        None => {
            if crate::catalog::entry(&slug).is_none() {
                return Err(invalid(
                    "provider",
                    "unknown",
                    format!("{slug:?} is not a built-in provider: send custom_provider to define it."),
                )
                .into());
            }
            provider_access::check_catalog_methods(&slug, &methods)?;
            let c = creds.unwrap_or_default();
            let change = CatalogChange {
                description: Some(description),
                use_shared_credentials: c.shared,
                client_id: c.client_id,
                client_secret: c.client_secret,
                scopes,
                config,
            };
            plumb.enable_catalog_provider(env, &slug, change).await.map_err(api_field_names)?
        }
    };
    plumb.set_account_options(env, &provider.slug, ownership, multiple).await?;
    let provider = plumb.set_provider_enabled(env, &provider.slug, enabled).await?;
    let mut body = data_integration(&state, &provider).await?;
    if let Some(tenant) = tenant {
        // The provider stays, whatever the first tenant's key turns out to be: the error says
        // which part failed.
        let (_, connection) = plumb.install_for_app(env, &provider.slug, tenant).await?;
        body["installation"] = installation(&connection);
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `PUT /data-integrations/{slug}`: only the fields sent change.
pub async fn update(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let (plumb, env) = (&state.plumb, key.environment());
    let fields =
        ["description", "enabled", "scopes", "credentials", "api_key", "custom_provider", "multiple_connections"];
    let map = object(body, &fields, "")?;
    check_unsupported(&map)?;
    let current = plumb.provider(env, &slug).await?;
    let multiple = boolean(&map, "multiple_connections", "multiple_connections")?;
    let creds = credentials(&map)?;
    let description = if map.contains_key("description") {
        Some(string(&map, "description", "description")?.unwrap_or_default())
    } else {
        None
    };
    let scopes = scopes_change(&map)?;
    let methods = provider_access::auth_methods(&map)?;
    let config = provider_access::pinned(&map)?;
    let tenant = first_tenant(&map)?;
    let custom = map.get("custom_provider").filter(|v| !v.is_null()).cloned();
    let changed = creds.is_some()
        || custom.is_some()
        || description.is_some()
        || scopes.is_some()
        || methods.is_some()
        || config.is_some();
    if changed {
        if current.catalog_slug.is_some() {
            if custom.is_some() {
                return Err(invalid(
                    "custom_provider",
                    "catalog_provider",
                    format!("{} is a built-in provider: its settings come from the catalog.", current.name),
                )
                .into());
            }
            if let Some(entry) = current.catalog_slug.as_deref() {
                provider_access::check_catalog_methods(entry, &methods)?;
            }
            let c = creds.unwrap_or_default();
            let change = CatalogChange {
                description,
                use_shared_credentials: c.shared,
                client_id: c.client_id,
                client_secret: c.client_secret,
                scopes,
                config,
            };
            plumb.update_catalog_provider(env, &slug, change).await.map_err(api_field_names)?;
        } else {
            let mut change = ProviderChange { description, scopes, config, ..Default::default() };
            let custom = match custom {
                Some(custom) => Some(read_custom_provider(&mut change, custom)?),
                None => None,
            };
            change.access = provider_access::custom_access(custom.as_ref(), methods, &current.access)?;
            if let Some(c) = creds {
                custom_credentials(&mut change, c)?;
            }
            plumb.update_custom_provider(env, &slug, change, Editor::ApiKey).await.map_err(api_field_names)?;
        }
    }
    plumb.set_account_options(env, &slug, None, multiple).await?;
    let provider = match boolean(&map, "enabled", "enabled")? {
        Some(enabled) => plumb.set_provider_enabled(env, &slug, enabled).await?,
        None => plumb.provider(env, &slug).await?,
    };
    let mut body = data_integration(&state, &provider).await?;
    if let Some(tenant) = tenant {
        let (_, connection) = plumb.install_for_app(env, &slug, tenant).await?;
        body["installation"] = installation(&connection);
    }
    Ok(Json(body))
}

/// `GET /data-integrations/{slug}`.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
) -> Result<Json<Value>, ApiError> {
    let provider = state.plumb.provider(key.environment(), &slug).await?;
    Ok(Json(data_integration(&state, &provider).await?))
}

/// `DELETE /data-integrations/{slug}`: the provider and its connected accounts.
pub async fn delete(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
) -> Result<Json<Value>, ApiError> {
    let accounts = state.plumb.delete_provider(key.environment(), &slug).await?;
    Ok(Json(
        json!({"object": "data_integration", "slug": slug, "deleted": true, "deleted_connected_accounts": accounts}),
    ))
}

/// The list's own filter: `ownership` (absent: both).
pub struct OwnershipFilter(Option<Ownership>);

impl ListFilters for OwnershipFilter {
    const NAMES: &'static [&'static str] = &["ownership"];
    const BEFORE: bool = true;

    fn parse(query: &HashMap<String, String>) -> Result<Self, Error> {
        match query.get("ownership").map(String::as_str) {
            None | Some("") => Ok(Self(None)),
            Some("user") => Ok(Self(Some(Ownership::User))),
            Some("organization") => Ok(Self(Some(Ownership::Organization))),
            Some(_) => Err(invalid("ownership", "invalid", "ownership must be user or organization.")),
        }
    }
}

/// `GET /data-integrations?order&limit&before&after&ownership`.
pub async fn list(
    State(state): State<AppState>,
    key: ApiKey,
    ListQuery { page, filters }: ListQuery<OwnershipFilter>,
) -> Result<Json<Value>, ApiError> {
    // Filtered within the page: the cursors stay ids, so paging past it stays right.
    let (mut providers, more) = state.plumb.page_providers(key.environment(), &page).await?;
    let first = providers.first().map(|p| p.id.to_string());
    let last = providers.last().map(|p| p.id.to_string());
    if let OwnershipFilter(Some(wanted)) = filters {
        providers.retain(|p| p.ownership == wanted);
    }
    let shared = state.plumb.shared_apps().await?;
    let data: Vec<Value> = providers.iter().map(|p| to_json(&state, p, &shared)).collect();
    let (before_cursor, after_cursor) = match (&page.after, &page.before) {
        (_, Some(_)) => (if more { first } else { None }, last),
        (Some(_), None) => (first, if more { last } else { None }),
        (None, None) => (None, if more { last } else { None }),
    };
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": before_cursor, "after": after_cursor}})))
}

/// `POST /data-integrations/{slug}/authorize` → `{"url"}`, and with the app's PKCE challenge
/// also `{"state", "completion": "finish_required"}` (`docs/workos-api.md` §4.6).
pub async fn authorize(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let map = object(
        body,
        &[
            "user_id",
            "organization_id",
            "return_to",
            "connection_owner",
            "config",
            "code_challenge",
            "code_challenge_method",
            "account_display_name",
            "connection_intent",
            "connected_account_id",
        ],
        "",
    )?;
    check_unsupported(&map)?;
    let code_challenge = string(&map, "code_challenge", "code_challenge")?;
    match string(&map, "code_challenge_method", "code_challenge_method")?.as_deref() {
        None => {}
        Some("S256") if code_challenge.is_some() => {}
        Some("S256") => {
            return Err(
                invalid("code_challenge_method", "invalid", "code_challenge_method needs a code_challenge.").into()
            )
        }
        Some(_) => return Err(invalid("code_challenge_method", "unsupported", "Only S256 is supported.").into()),
    }
    let label = match map.get("account_display_name") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(string(&map, "account_display_name", "account_display_name")?),
    };
    let intent = Intent::from_input(
        string(&map, "connection_intent", "connection_intent")?.as_deref(),
        string(&map, "connected_account_id", "connected_account_id")?.as_deref(),
        label.as_ref().map(|l| l.as_deref()),
    )?;
    let request = LinkRequest {
        user_id: string(&map, "user_id", "user_id")?,
        organization_id: string(&map, "organization_id", "organization_id")?,
        connection_owner: string(&map, "connection_owner", "connection_owner")?,
        return_to: string(&map, "return_to", "return_to")?,
        code_challenge,
        intent,
        config: config_values(&map)?,
        handoff: None,
    };
    let link = state.plumb.authorization_link(key.environment(), &slug, &request).await?;
    Ok(Json(match link.state {
        None => json!({ "url": link.url }),
        Some(app_state) => json!({ "url": link.url, "state": app_state, "completion": "finish_required" }),
    }))
}

pub(super) async fn data_integration(state: &AppState, provider: &Provider) -> Result<Value, Error> {
    let shared = state.plumb.shared_apps().await?;
    Ok(to_json(state, provider, &shared))
}

/// The DataIntegration object (`docs/workos-api.md` §4.1) for a provider.
fn to_json(state: &AppState, p: &Provider, shared: &[SharedCredentials]) -> Value {
    let shared_app = p.catalog_slug.as_deref().and_then(|c| shared.iter().find(|s| s.catalog_slug == c));
    let credentials = if p.uses_shared_credentials() {
        json!({"type": "shared", "client_id": shared_app.map(|s| s.client_id.clone()), "redacted_client_secret": null})
    } else {
        let hint = (!p.client_secret_hint.is_empty()).then(|| p.client_secret_hint.clone());
        json!({"type": "custom", "client_id": p.client_id, "redacted_client_secret": hint})
    };
    let custom_provider = p.catalog_slug.is_none().then(|| {
        let pairs = |pairs: &[(String, String)]| -> Map<String, Value> {
            pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
        };
        json!({
            "name": p.name,
            "authorization_url": p.authorization_url,
            "token_url": p.token_url,
            "refresh_token_url": (!p.refresh_token_url.is_empty()).then(|| p.refresh_token_url.clone()),
            "revocation_url": (!p.revocation_url.is_empty()).then(|| p.revocation_url.clone()),
            "pkce_enabled": p.pkce_enabled,
            "request_scope_separator": p.scope_separator,
            "scopes_required": p.scopes_required,
            "client_secret_required": p.client_secret_required,
            "additional_authorization_parameters": pairs(&p.authorization_parameters),
            "token_body_content_type": p.token_body.content_type(),
            "authenticate_via": p.authenticate_via.as_str(),
            "icon_url": (!p.icon_url.is_empty()).then(|| p.icon_url.clone()),
            "scope_parameter": p.scope_parameter,
            "issuer": (!p.issuer.is_empty()).then(|| p.issuer.clone()),
            "authorization_response_iss_parameter_supported": p.issuer_sends_iss,
            "token_request_headers": pairs(&p.token_request_headers),
            "token_response_paths": p.token_response_paths,
        })
    });
    let mut body = json!({
        "object": "data_integration",
        "id": p.id,
        "slug": p.slug,
        "name": p.name,
        "integration_type": p.catalog_slug.clone().unwrap_or_else(|| "custom".into()),
        "ownership": p.ownership.as_str(),
        "multiple_connections": p.multiple_connections,
        "description": (!p.description.is_empty()).then(|| p.description.clone()),
        "enabled": p.enabled,
        "state": if p.has_credentials(shared_app.is_some()) { "valid" } else { "invalid" },
        "scopes": p.scopes.0,
        "redirect_uri": state.plumb.config().redirect_uri(),
        "credentials": credentials,
        "installation": null,
        "custom_provider": custom_provider,
        "created_at": crate::time::iso(p.created_at),
        "updated_at": crate::time::iso(p.updated_at),
    });
    provider_access::to_json(p, &mut body);
    body
}
