//! `/data-integrations/{slug}/organization` (`docs/workos-api.md` §5.2): without a query, the
//! environment's organization-owned provider of that slug, as SDK 12's
//! `*OrganizationDataIntegration` calls it; with `?organization_id=`, that organization's own
//! settings for the provider (enabled, scopes, its own OAuth app), falling back to the
//! environment's.

use super::data_integrations::{self, boolean, data_integration, object, scopes_change, string, Object};
use super::error::ApiError;
use super::extract::{ApiJson, ApiKey, QueryMap};
use super::state::AppState;
use crate::error::Error;
use crate::organizations::OrganizationChange;
use crate::providers::{Ownership, Provider};
use crate::store::OrganizationSettings;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The organization the query names, if any (the only parameter these paths take).
fn organization(query: &HashMap<String, String>) -> Result<Option<String>, Error> {
    if let Some(unknown) = query.keys().find(|k| k.as_str() != "organization_id") {
        return Err(Error::field(
            unknown,
            "unknown_parameter",
            format!("{unknown:?} is not a parameter of this path."),
        ));
    }
    Ok(crate::connections::optional_id("organization_id", query.get("organization_id").map(String::as_str))?
        .map(str::to_owned))
}

/// The organization-owned provider of `slug`: 404 for a user-owned one, which has no
/// organization root.
async fn organization_root(state: &AppState, key: &ApiKey, slug: &str) -> Result<Provider, Error> {
    let provider = state.plumb.provider(key.environment(), slug).await?;
    if provider.ownership != Ownership::Organization {
        return Err(Error::ProviderNotFound(format!("{slug} (connected per user: it has no organization root)")));
    }
    Ok(provider)
}

/// The DataIntegration as the organization sees it, with its own settings.
async fn configuration_json(
    state: &AppState,
    provider: &Provider,
    organization_id: &str,
    settings: Option<&OrganizationSettings>,
) -> Result<Value, Error> {
    let mut body = data_integration(state, provider).await?;
    body["organization_id"] = json!(organization_id);
    body["organization_settings"] = match settings {
        None => Value::Null,
        Some(s) => json!({
            "enabled": s.enabled,
            "scopes": s.scopes.as_deref().map(|sc| sc.split(' ').filter(|x| !x.is_empty()).collect::<Vec<_>>()),
            "credentials": s.client_id.as_ref().map(|id| json!({
                "type": "organization",
                "client_id": id,
                "redacted_client_secret": (!s.client_secret_hint.is_empty()).then(|| s.client_secret_hint.clone()),
            })),
            "config": s.config.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()).unwrap_or(json!({})),
            "updated_at": crate::time::iso(s.updated_at),
        }),
    };
    Ok(body)
}

/// `GET /data-integrations/{slug}/organization[?organization_id=]`.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
    QueryMap(query): QueryMap,
) -> Result<Json<Value>, ApiError> {
    match organization(&query)? {
        None => {
            let provider = organization_root(&state, &key, &slug).await?;
            Ok(Json(data_integration(&state, &provider).await?))
        }
        Some(org) => {
            let (provider, settings) = state.plumb.organization_configuration(key.environment(), &slug, &org).await?;
            Ok(Json(configuration_json(&state, &provider, &org, settings.as_ref()).await?))
        }
    }
}

/// The organization's settings from a strict body: `enabled`, `scopes` (`null`: the
/// provider's) and `credentials` (`{client_id, client_secret}`: its own OAuth app; `null`: the
/// environment's).
fn organization_change(map: &Object) -> Result<OrganizationChange, Error> {
    let mut change = OrganizationChange {
        enabled: boolean(map, "enabled", "enabled")?,
        scopes: match map.get("scopes") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(scopes_change(map)?),
        },
        config: if map.contains_key("config") { Some(super::provider_access::config_values(map)?) } else { None },
        ..Default::default()
    };
    match map.get("credentials") {
        None => {}
        Some(Value::Null) => change.remove_app = true,
        Some(credentials) => {
            let c = object(credentials.clone(), &["type", "client_id", "client_secret"], "credentials.")?;
            match string(&c, "type", "credentials.type")?.as_deref() {
                None | Some("organization") | Some("custom") => {}
                Some(_) => {
                    return Err(Error::field(
                        "credentials.type",
                        "invalid",
                        "An organization's credentials are its own OAuth app: type organization.",
                    ))
                }
            }
            change.client_id = string(&c, "client_id", "credentials.client_id")?;
            change.client_secret = string(&c, "client_secret", "credentials.client_secret")?;
            if change.client_id.is_none() {
                return Err(Error::field("credentials.client_id", "required", "Send the organization's client_id."));
            }
        }
    }
    Ok(change)
}

/// `PUT /data-integrations/{slug}/organization[?organization_id=]`.
pub async fn update(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
    QueryMap(query): QueryMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    match organization(&query)? {
        None => {
            organization_root(&state, &key, &slug).await?;
            data_integrations::update(State(state), Path(slug), key, ApiJson(body)).await
        }
        Some(org) => {
            let map = object(body, &["enabled", "scopes", "credentials", "config"], "")?;
            let change = organization_change(&map)?;
            let (provider, settings) =
                state.plumb.configure_for_organization(key.environment(), &slug, &org, change).await?;
            Ok(Json(configuration_json(&state, &provider, &org, settings.as_ref()).await?))
        }
    }
}

/// `DELETE /data-integrations/{slug}/organization[?organization_id=]`: the organization-owned
/// provider with its connections, or the organization's own settings.
pub async fn delete(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    key: ApiKey,
    QueryMap(query): QueryMap,
) -> Result<Json<Value>, ApiError> {
    match organization(&query)? {
        None => {
            organization_root(&state, &key, &slug).await?;
            data_integrations::delete(State(state), Path(slug), key).await
        }
        Some(org) => {
            let had = state.plumb.reset_organization(key.environment(), &slug, &org).await?;
            Ok(Json(json!({"object": "organization_settings", "slug": slug, "organization_id": org, "deleted": had})))
        }
    }
}
