//! `GET /events` on the WorkOS path (`docs/workos-api.md` §6.4): the environment's event log,
//! filtered by name, organization and time, newest or oldest first.

use super::error::ApiError;
use super::extract::{ApiKey, ListFilters, ListQuery};
use super::state::AppState;
use crate::error::Error;
use crate::events;
use crate::store::EventQuery;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

fn time_param(query: &HashMap<String, String>, key: &str) -> Result<Option<i64>, Error> {
    match query.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v).map(|t| Some(t.timestamp_millis())).map_err(|_| {
            Error::field(key, "invalid", format!("{key} must be an ISO 8601 time, like 2026-01-01T00:00:00Z."))
        }),
    }
}

impl ListFilters for EventQuery {
    const NAMES: &'static [&'static str] = &["events", "organization_id", "range_start", "range_end"];
    const BEFORE: bool = false;

    fn parse(query: &HashMap<String, String>) -> Result<Self, Error> {
        let names: Vec<String> = query
            .get("events")
            .map(|e| e.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(bad) = names.iter().find(|n| !events::ALL.contains(&n.as_str())) {
            return Err(Error::field("events", "unknown_event", format!("{bad:?} is not an event Plumb sends.")));
        }
        Ok(Self {
            events: names,
            organization_id: query.get("organization_id").filter(|o| !o.is_empty()).cloned(),
            range_start: time_param(query, "range_start")?,
            range_end: time_param(query, "range_end")?,
        })
    }
}

/// `GET /events?events=a,b&organization_id&range_start&range_end&limit&after&order`.
pub async fn list(
    State(state): State<AppState>,
    key: ApiKey,
    ListQuery { page, filters }: ListQuery<EventQuery>,
) -> Result<Json<Value>, ApiError> {
    let (rows, more) = state.plumb.list_events(key.environment(), &filters, &page).await?;
    let after = if more { rows.last().map(|r| r.id.clone()) } else { None };
    // Each event under the name asked for: SDK 11's when only that was, else as stored.
    let asked: Vec<&str> = filters.events.iter().map(String::as_str).collect();
    let name = |stored: &'_ str| -> String {
        match asked.is_empty() {
            true => stored.to_string(),
            false => events::delivered_name(stored, &asked).unwrap_or(stored).to_string(),
        }
    };
    let data: Vec<Value> =
        rows.iter().map(|r| events::envelope(&r.id, &name(&r.event), &r.data, r.created_at)).collect();
    Ok(Json(json!({"object": "list", "data": data, "list_metadata": {"before": null, "after": after}})))
}
