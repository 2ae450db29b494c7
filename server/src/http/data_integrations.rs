//! The WorkOS-compatible admin API for providers ("data integrations",
//! `shared/reference/workos-pipes-api.md` §4.1, §4.2, §5): list, create, get, update, delete,
//! and the authorize-URL endpoint. Bodies are checked key by key: an unknown or malformed field
//! is a 422 that names it, and nothing is stored.

use super::api::{authorization, ApiJson};
use super::{ApiError, AppState};
use crate::error::Error;
use crate::providers::Provider;
use crate::service::{optional_id, required_id};
use crate::store::SharedCredentials;
use app::error::FieldError;
use app::model::{CatalogInput, ProviderInput};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

type Object = Map<String, Value>;

fn invalid(field: &str, code: &str, message: impl Into<String>) -> Error {
    Error::field(field, code, message)
}

/// The body as a JSON object whose keys are all in `allowed`.
fn object(body: Value, allowed: &[&str], prefix: &str) -> Result<Object, Error> {
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
fn string(map: &Object, key: &str, field: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be a string."))),
    }
}

fn boolean(map: &Object, key: &str, field: &str) -> Result<Option<bool>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be true or false."))),
    }
}

fn strings(map: &Object, key: &str, field: &str) -> Result<Option<Vec<String>>, Error> {
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

/// A JSON object of strings, as `name<sep>value` lines for the form parsers.
fn string_map(map: &Object, key: &str, field: &str, separator: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_str().map(|v| format!("{k}{separator}{v}")))
            .collect::<Option<Vec<_>>>()
            .map(|lines| Some(lines.join("\n")))
            .ok_or_else(|| invalid(field, "invalid_type", format!("{field} must be an object of strings."))),
        Some(_) => Err(invalid(field, "invalid_type", format!("{field} must be an object of strings."))),
    }
}

/// Form field names → API field names, so validation errors name what the caller sent.
fn rename_fields(e: Error) -> Error {
    let rename = |field: &str| -> String {
        match field {
            "slug" | "catalog" => "provider".into(),
            "description" | "scopes" => field.into(),
            "use_shared_credentials" => "credentials.type".into(),
            "client_id" | "client_secret" => format!("credentials.{field}"),
            "scope_separator" => "custom_provider.request_scope_separator".into(),
            "authorization_parameters" => "custom_provider.additional_authorization_parameters".into(),
            "access_token_path" | "refresh_token_path" | "expires_in_path" | "scope_path" => {
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

const CUSTOM_PROVIDER_FIELDS: [&str; 15] = [
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
];

/// Lays the `custom_provider` object's fields over a form input.
fn apply_custom_provider(input: &mut ProviderInput, body: Value) -> Result<(), Error> {
    let p = "custom_provider.";
    let map = object(body, &CUSTOM_PROVIDER_FIELDS, p)?;
    let f = |k: &str| format!("{p}{k}");
    if let Some(v) = string(&map, "name", &f("name"))? {
        input.name = v;
    }
    for (key, slot) in [
        ("authorization_url", &mut input.authorization_url),
        ("token_url", &mut input.token_url),
        ("refresh_token_url", &mut input.refresh_token_url),
        ("icon_url", &mut input.icon_url),
        ("request_scope_separator", &mut input.scope_separator),
        ("scope_parameter", &mut input.scope_parameter),
        ("token_body_content_type", &mut input.token_body_content_type),
        ("authenticate_via", &mut input.authenticate_via),
    ] {
        if map.contains_key(key) {
            *slot = string(&map, key, &f(key))?.unwrap_or_default();
        }
    }
    for (key, slot) in [
        ("pkce_enabled", &mut input.pkce_enabled),
        ("scopes_required", &mut input.scopes_required),
        ("client_secret_required", &mut input.client_secret_required),
    ] {
        if let Some(b) = boolean(&map, key, &f(key))? {
            *slot = b;
        }
    }
    if map.contains_key("additional_authorization_parameters") {
        input.authorization_parameters =
            string_map(&map, "additional_authorization_parameters", &f("additional_authorization_parameters"), "=")?
                .unwrap_or_default();
    }
    if map.contains_key("token_request_headers") {
        input.token_request_headers =
            string_map(&map, "token_request_headers", &f("token_request_headers"), ": ")?.unwrap_or_default();
    }
    if let Some(paths) = map.get("token_response_paths").filter(|v| !v.is_null()) {
        let pp = "custom_provider.token_response_paths.";
        let paths = object(paths.clone(), &["access_token", "refresh_token", "expires_in", "scope"], pp)?;
        for (key, slot) in [
            ("access_token", &mut input.access_token_path),
            ("refresh_token", &mut input.refresh_token_path),
            ("expires_in", &mut input.expires_in_path),
            ("scope", &mut input.scope_path),
        ] {
            if paths.contains_key(key) {
                *slot = string(&paths, key, &format!("{pp}{key}"))?.unwrap_or_default();
            }
        }
    }
    Ok(())
}

/// `credentials`: `{type, client_id, client_secret}`.
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

/// Fields Plumb accepts for compatibility but supports only in one form.
fn check_unsupported(map: &Object) -> Result<(), Error> {
    match string(map, "ownership", "ownership")?.as_deref() {
        None | Some("user") => {}
        Some(_) => return Err(invalid("ownership", "unsupported", "Only user-owned integrations are supported.")),
    }
    if let Some(methods) = strings(map, "auth_methods", "auth_methods")? {
        if methods.iter().any(|m| m != "oauth") {
            return Err(invalid("auth_methods", "unsupported", "Only the oauth auth method is supported."));
        }
    }
    match map.get("config") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) if c.is_empty() => {}
        Some(_) => return Err(invalid("config", "unsupported", "No provider declares configuration fields.")),
    }
    if map.get("api_key").is_some_and(|v| !v.is_null()) {
        return Err(invalid("api_key", "unsupported", "API-key integrations are not supported."));
    }
    Ok(())
}

const CREATE_FIELDS: [&str; 10] = [
    "provider",
    "ownership",
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
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let plumb = &state.plumb;
    let env = crate::api_keys::authenticate(plumb.store(), authorization(&headers)).await?.environment_id;
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
    let creds = credentials(&map)?;
    let provider = match map.get("custom_provider").filter(|v| !v.is_null()) {
        Some(custom) => {
            let mut input = ProviderInput { slug: slug.clone(), description, ..Default::default() };
            apply_custom_provider(&mut input, custom.clone())?;
            if let Some(s) = scopes {
                input.scopes = s.join(" ");
            }
            if let Some(c) = creds {
                if c.shared == Some(true) {
                    return Err(invalid(
                        "credentials.type",
                        "unsupported",
                        "Custom providers use their own credentials.",
                    )
                    .into());
                }
                input.client_id = c.client_id.unwrap_or_default();
                input.client_secret = c.client_secret.unwrap_or_default();
            }
            plumb.create_custom_provider(&env, &input).await.map_err(rename_fields)?
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
            let c = creds.unwrap_or(CredentialsBody { shared: None, client_id: None, client_secret: None });
            let input = CatalogInput {
                catalog: slug.clone(),
                description,
                use_shared_credentials: c.shared.unwrap_or(false),
                client_id: c.client_id.unwrap_or_default(),
                client_secret: c.client_secret.unwrap_or_default(),
                scopes: scopes.map(|s| s.join(" ")).unwrap_or_default(),
            };
            plumb.enable_catalog_provider(&env, &input).await.map_err(rename_fields)?
        }
    };
    let provider = plumb.set_provider_enabled(&env, &provider.slug, enabled).await?;
    let body = data_integration(&state, &provider).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `PUT /data-integrations/{slug}`: only the fields sent change.
pub async fn update(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let plumb = &state.plumb;
    let env = crate::api_keys::authenticate(plumb.store(), authorization(&headers)).await?.environment_id;
    let map = object(body, &["description", "enabled", "scopes", "credentials", "api_key", "custom_provider"], "")?;
    check_unsupported(&map)?;
    let current = plumb.provider(&env, &slug).await?;
    let view = current.view(0);
    let creds = credentials(&map)?;
    let description = if map.contains_key("description") {
        string(&map, "description", "description")?.unwrap_or_default()
    } else {
        view.description.clone()
    };
    // `scopes: null` resets to the provider's defaults (no scopes for a custom provider).
    let scopes = match map.get("scopes") {
        None => Some(view.scopes.join(" ")),
        Some(Value::Null) => None,
        Some(_) => strings(&map, "scopes", "scopes")?.map(|s| s.join(" ")),
    };
    let custom = map.get("custom_provider").filter(|v| !v.is_null()).cloned();
    let changed = creds.is_some() || custom.is_some() || map.contains_key("description") || map.contains_key("scopes");
    if changed {
        if current.catalog_slug.is_some() {
            if custom.is_some() {
                return Err(invalid(
                    "custom_provider",
                    "catalog_provider",
                    format!("{} is a built-in provider: its settings come from the catalog.", view.name),
                )
                .into());
            }
            let c = creds.unwrap_or(CredentialsBody { shared: None, client_id: None, client_secret: None });
            let input = CatalogInput {
                catalog: current.catalog_slug.clone().unwrap_or_default(),
                description,
                use_shared_credentials: c.shared.unwrap_or(view.shared_credentials),
                client_id: c.client_id.unwrap_or_else(|| current.client_id.clone()),
                client_secret: c.client_secret.unwrap_or_default(),
                scopes: scopes.unwrap_or_default(),
            };
            plumb.update_catalog_provider(&env, &slug, &input).await.map_err(rename_fields)?;
        } else {
            let mut input = ProviderInput::from_view(&view);
            input.description = description;
            input.scopes = scopes.unwrap_or_default();
            if let Some(custom) = custom {
                apply_custom_provider(&mut input, custom)?;
            }
            if let Some(c) = creds {
                if c.shared == Some(true) {
                    return Err(invalid(
                        "credentials.type",
                        "unsupported",
                        "Custom providers use their own credentials.",
                    )
                    .into());
                }
                if let Some(id) = c.client_id {
                    input.client_id = id;
                }
                input.client_secret = c.client_secret.unwrap_or_default();
            }
            plumb.update_custom_provider(&env, &slug, &input).await.map_err(rename_fields)?;
        }
    }
    let provider = match boolean(&map, "enabled", "enabled")? {
        Some(enabled) => plumb.set_provider_enabled(&env, &slug, enabled).await?,
        None => plumb.provider(&env, &slug).await?,
    };
    Ok(Json(data_integration(&state, &provider).await?))
}

/// `GET /data-integrations/{slug}`.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let provider = state.plumb.provider(&env, &slug).await?;
    Ok(Json(data_integration(&state, &provider).await?))
}

/// `DELETE /data-integrations/{slug}`: the provider and its connected accounts.
pub async fn delete(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let accounts = state.plumb.delete_provider(&env, &slug).await?;
    Ok(Json(
        json!({"object": "data_integration", "slug": slug, "deleted": true, "deleted_connected_accounts": accounts}),
    ))
}

/// `GET /data-integrations?order&limit&before&after&ownership`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    for key in query.keys() {
        if !["order", "limit", "before", "after", "ownership"].contains(&key.as_str()) {
            return Err(invalid(key, "unknown_field", format!("{key} is not a parameter of this list.")).into());
        }
    }
    let descending = match query.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(invalid("order", "invalid", "order must be asc or desc.").into()),
    };
    let limit = match query.get("limit") {
        None => 10,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| invalid("limit", "invalid", "limit must be a whole number from 1 to 100."))?,
    };
    let after = query.get("after").filter(|s| !s.is_empty()).map(String::as_str);
    let before = query.get("before").filter(|s| !s.is_empty()).map(String::as_str);
    if after.is_some() && before.is_some() {
        return Err(invalid("before", "invalid", "Send either before or after, not both.").into());
    }
    let (providers, more) = match query.get("ownership").map(String::as_str) {
        None | Some("user") => state.plumb.store().page_providers(&env, descending, limit, after, before).await?,
        Some("organization") => (Vec::new(), false),
        Some(_) => return Err(invalid("ownership", "invalid", "ownership must be user or organization.").into()),
    };
    let shared = state.plumb.store().all_shared_credentials().await?;
    let data: Vec<Value> = providers
        .into_iter()
        .map(|mut p| {
            crate::catalog::refresh(&mut p);
            to_json(&state, &p, &shared)
        })
        .collect();
    let first = data.first().and_then(|d| d["id"].as_str()).map(str::to_owned);
    let last = data.last().and_then(|d| d["id"].as_str()).map(str::to_owned);
    let (before_cursor, after_cursor) = match (after, before) {
        (_, Some(_)) => (if more { first } else { None }, last),
        (Some(_), None) => (first, if more { last } else { None }),
        (None, None) => (None, if more { last } else { None }),
    };
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": before_cursor, "after": after_cursor}})))
}

/// `POST /data-integrations/{slug}/authorize` → `{"url"}`.
pub async fn authorize(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let map = object(body, &["user_id", "organization_id", "return_to", "connection_owner", "config"], "")?;
    match string(&map, "connection_owner", "connection_owner")?.as_deref() {
        None | Some("user") => {}
        Some(_) => {
            return Err(invalid("connection_owner", "unsupported", "Only user-owned connections are supported.").into())
        }
    }
    check_unsupported(&map)?;
    let user_id = string(&map, "user_id", "user_id")?;
    let organization_id = string(&map, "organization_id", "organization_id")?;
    let user_id = required_id("user_id", user_id.as_deref())?;
    let organization_id = optional_id("organization_id", organization_id.as_deref())?;
    let return_to = string(&map, "return_to", "return_to")?;
    let url = state.plumb.authorization_link(&env, &slug, user_id, organization_id, return_to.as_deref()).await?;
    Ok(Json(json!({ "url": url })))
}

async fn data_integration(state: &AppState, provider: &Provider) -> Result<Value, Error> {
    let shared = state.plumb.store().all_shared_credentials().await?;
    Ok(to_json(state, provider, &shared))
}

/// The DataIntegration object (§4.1) for a provider.
fn to_json(state: &AppState, p: &Provider, shared: &[SharedCredentials]) -> Value {
    let shared_app = p.catalog_slug.as_deref().and_then(|c| shared.iter().find(|s| s.catalog_slug == c));
    let has_credentials = if p.uses_shared_credentials() {
        shared_app.is_some()
    } else {
        !p.client_id.is_empty() && (p.client_secret.is_some() || p.client_secret_required == 0)
    };
    let credentials = if p.uses_shared_credentials() {
        json!({"type": "shared", "client_id": shared_app.map(|s| s.client_id.clone()), "redacted_client_secret": null})
    } else {
        let hint = (!p.client_secret_hint.is_empty()).then(|| p.client_secret_hint.clone());
        json!({"type": "custom", "client_id": p.client_id, "redacted_client_secret": hint})
    };
    let view = p.view(0);
    let custom_provider = p.catalog_slug.is_none().then(|| {
        let pairs = |pairs: &[(String, String)]| -> Map<String, Value> {
            pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
        };
        json!({
            "name": p.name,
            "authorization_url": p.authorization_url,
            "token_url": p.token_url,
            "refresh_token_url": (!p.refresh_token_url.is_empty()).then(|| p.refresh_token_url.clone()),
            "pkce_enabled": view.pkce_enabled,
            "request_scope_separator": p.scope_separator,
            "scopes_required": view.scopes_required,
            "client_secret_required": view.client_secret_required,
            "additional_authorization_parameters": pairs(&p.authorization_parameters.0),
            "token_body_content_type": p.token_body_content_type,
            "authenticate_via": p.authenticate_via,
            "icon_url": (!p.icon_url.is_empty()).then(|| p.icon_url.clone()),
            "scope_parameter": p.scope_parameter,
            "token_request_headers": pairs(&p.token_request_headers.0),
            "token_response_paths": view.token_response,
        })
    });
    json!({
        "object": "data_integration",
        "id": p.id,
        "slug": p.slug,
        "name": p.name,
        "integration_type": p.catalog_slug.clone().unwrap_or_else(|| "custom".into()),
        "ownership": "user",
        "description": (!p.description.is_empty()).then(|| p.description.clone()),
        "enabled": view.enabled,
        "state": if has_credentials { "valid" } else { "invalid" },
        "scopes": view.scopes,
        "redirect_uri": state.plumb.config().redirect_uri(),
        "auth_methods": ["oauth"],
        "credentials": credentials,
        "installation": null,
        "config": {},
        "custom_provider": custom_provider,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    })
}
