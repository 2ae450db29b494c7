//! The webhook-endpoint API on the WorkOS paths (`docs/workos-api.md` §6.5):
//! `GET`/`POST /webhook_endpoints`, `PATCH`/`DELETE /webhook_endpoints/{id}`.

use super::error::ApiError;
use super::extract::{ApiJson, ApiKey};
use super::state::AppState;
use crate::error::Error;
use crate::store::WebhookEndpoint;
use crate::time::iso;
use crate::webhooks::EndpointInput;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ApiError {
    Error::field(field, code, message).into()
}

fn endpoint_json(e: &WebhookEndpoint, secret: Option<&str>) -> Value {
    let mut v = json!({
        "object": "webhook_endpoint",
        "id": e.id,
        "endpoint_url": e.endpoint_url,
        "status": if e.enabled { "enabled" } else { "disabled" },
        "events": e.events,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
    });
    if let Some(s) = secret {
        v["secret"] = Value::String(s.to_string());
    }
    v
}

struct EndpointBody {
    endpoint_url: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

fn endpoint_body(body: Value) -> Result<EndpointBody, ApiError> {
    let Value::Object(map) = body else {
        return Err(invalid("body", "invalid", "Expected a JSON object."));
    };
    let map: Map<String, Value> = map;
    if let Some(k) = map.keys().find(|k| !["endpoint_url", "events", "status"].contains(&k.as_str())) {
        return Err(invalid(k, "unknown_field", format!("{k} is not a field Plumb knows.")));
    }
    let endpoint_url = match map.get("endpoint_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("endpoint_url", "invalid_type", "endpoint_url must be a string.")),
    };
    let events = match map.get("events") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("events", "invalid_type", "events must be a list of strings."))?,
        ),
        Some(_) => return Err(invalid("events", "invalid_type", "events must be a list of strings.")),
    };
    let enabled = match map.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "enabled" => Some(true),
        Some(Value::String(s)) if s == "disabled" => Some(false),
        Some(_) => return Err(invalid("status", "invalid", "status must be enabled or disabled.")),
    };
    Ok(EndpointBody { endpoint_url, events, enabled })
}

pub async fn list(State(state): State<AppState>, key: ApiKey) -> Result<Json<Value>, ApiError> {
    let endpoints = state.plumb.webhook_endpoints(key.environment()).await?;
    let data: Vec<Value> = endpoints.iter().map(|e| endpoint_json(e, None)).collect();
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": null, "after": null}})))
}

pub async fn create(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let b = endpoint_body(body)?;
    let input =
        EndpointInput { endpoint_url: b.endpoint_url.as_deref(), events: b.events.as_deref(), enabled: b.enabled };
    let (endpoint, secret) = state.plumb.create_webhook_endpoint(key.environment(), &input).await?;
    Ok((StatusCode::CREATED, Json(endpoint_json(&endpoint, Some(&secret)))).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    key: ApiKey,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let b = endpoint_body(body)?;
    let input =
        EndpointInput { endpoint_url: b.endpoint_url.as_deref(), events: b.events.as_deref(), enabled: b.enabled };
    let endpoint = state.plumb.update_webhook_endpoint(key.environment(), &id, &input).await?;
    Ok(Json(endpoint_json(&endpoint, None)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    key: ApiKey,
) -> Result<Json<Value>, ApiError> {
    state.plumb.delete_webhook_endpoint(key.environment(), &id).await?;
    Ok(Json(json!({"object": "webhook_endpoint", "id": id, "deleted": true})))
}
