//! The WorkOS-compatible events and webhook-endpoint APIs (`workos-pipes-api.md` §6.4):
//! `GET /events`, and `GET`/`POST /webhook_endpoints`, `PATCH`/`DELETE /webhook_endpoints/{id}`.

use super::api::{authorization, ApiJson};
use super::{ApiError, AppState};
use crate::error::Error;
use crate::events;
use crate::store::{EventQuery, WebhookEndpoint};
use crate::time::iso;
use crate::webhooks::EndpointInput;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ApiError {
    Error::field(field, code, message).into()
}

fn time_param(query: &HashMap<String, String>, key: &str) -> Result<Option<i64>, ApiError> {
    match query.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v).map(|t| Some(t.timestamp_millis())).map_err(|_| {
            invalid(key, "invalid", format!("{key} must be an ISO 8601 time, like 2026-01-01T00:00:00Z."))
        }),
    }
}

/// `GET /events?events=a,b&organization_id&range_start&range_end&limit&after&order`.
pub async fn list_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    for key in query.keys() {
        if !["events", "organization_id", "range_start", "range_end", "limit", "after", "order"].contains(&key.as_str())
        {
            return Err(invalid(key, "unknown_field", format!("{key} is not a parameter of this list.")));
        }
    }
    let names: Vec<String> = query
        .get("events")
        .map(|e| e.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(bad) = names.iter().find(|n| !events::ALL.contains(&n.as_str())) {
        return Err(invalid("events", "unknown_event", format!("{bad:?} is not an event Plumb sends.")));
    }
    let limit = match query.get("limit") {
        None => 10,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| invalid("limit", "invalid", "limit must be a whole number from 1 to 100."))?,
    };
    let descending = match query.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(invalid("order", "invalid", "order must be asc or desc.")),
    };
    let q = EventQuery {
        environment_id: env,
        events: names,
        organization_id: query.get("organization_id").filter(|o| !o.is_empty()).cloned(),
        range_start: time_param(&query, "range_start")?,
        range_end: time_param(&query, "range_end")?,
        after: query.get("after").filter(|a| !a.is_empty()).cloned(),
        descending,
        limit,
    };
    let mut rows = state.plumb.store().list_events(&q).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let after = if more { rows.last().map(|r| r.id.clone()) } else { None };
    let data: Vec<Value> = rows.iter().map(|r| events::envelope(&r.id, &r.event, &r.data, r.created_at)).collect();
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": null, "after": after}})))
}

fn endpoint_json(e: &WebhookEndpoint, secret: Option<&str>) -> Value {
    let mut v = json!({
        "object": "webhook_endpoint",
        "id": e.id,
        "endpoint_url": e.endpoint_url,
        "status": if e.enabled != 0 { "enabled" } else { "disabled" },
        "events": e.events.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
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

pub async fn list_endpoints(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let endpoints = state.plumb.store().webhook_endpoints(&env).await?;
    let data: Vec<Value> = endpoints.iter().map(|e| endpoint_json(e, None)).collect();
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": null, "after": null}})))
}

pub async fn create_endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let b = endpoint_body(body)?;
    let input =
        EndpointInput { endpoint_url: b.endpoint_url.as_deref(), events: b.events.as_deref(), enabled: b.enabled };
    let (endpoint, secret) = state.plumb.create_webhook_endpoint(&env, &input).await?;
    Ok((StatusCode::CREATED, Json(endpoint_json(&endpoint, Some(&secret)))).into_response())
}

pub async fn update_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    let b = endpoint_body(body)?;
    let input =
        EndpointInput { endpoint_url: b.endpoint_url.as_deref(), events: b.events.as_deref(), enabled: b.enabled };
    let endpoint = state.plumb.update_webhook_endpoint(&env, &id, &input).await?;
    Ok(Json(endpoint_json(&endpoint, None)))
}

pub async fn delete_endpoint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let env = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?.environment_id;
    state.plumb.delete_webhook_endpoint(&env, &id).await?;
    Ok(Json(json!({"object": "webhook_endpoint", "id": id, "deleted": true})))
}
