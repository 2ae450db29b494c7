//! Events, with the WorkOS names and payloads (`docs/workos-api.md` §6.2, §6.3). They are built
//! here and written to the outbox by the store, in the same transaction as the state change they
//! report; `GET /events` lists them.

use crate::connections::{Connection, Owner};
use crate::error::Result;
use crate::ids::{EnvironmentId, ProviderId};
use crate::paging::Page;
use crate::plumb::Plumb;
use crate::providers::Provider;
use crate::store::{EventQuery, NewEvent, StoredEvent};
use crate::time::iso;
use serde_json::{json, Value};

pub use crate::event_names::*;

fn new_event(name: &str, provider_id: &ProviderId, owner: &Owner, data: Value, now: i64) -> NewEvent {
    NewEvent {
        id: crate::ids::new_id("event"),
        provider_id: provider_id.clone(),
        event: name.to_string(),
        organization_id: owner.org_key().to_string(),
        data: data.to_string(),
        created_at: now,
    }
}

/// `PipesConnectedAccount`, for connected, disconnected and reauthorization_needed events, with
/// SDK 12's additions (`docs/workos-api.md` §6.3).
pub fn connected_account(name: &str, c: &Connection, provider_slug: &str, state: &str, now: i64) -> NewEvent {
    let data = json!({
        "object": "connected_account",
        "id": c.id,
        "data_integration_id": c.provider_id,
        "provider_slug": provider_slug,
        "user_id": c.owner.user(),
        "organization_id": c.owner.organization_id,
        "scopes": c.scopes.0,
        "state": state,
        "connection_role": c.role.as_str(),
        "account_identifier": c.account_identifier,
        "account_display_name": c.label,
        "auth_method": "oauth",
        "established_by_user_id": c.established_by,
        "state_reason": null,
        "created_at": iso(c.created_at),
        "updated_at": iso(now),
    });
    new_event(name, &c.provider_id, &c.owner, data, now)
}

/// What went wrong with a connection attempt.
pub struct Failure<'a> {
    pub error_code: &'a str,
    pub error_reason: Option<&'a str>,
    pub provider_error: Option<&'a str>,
    pub provider_error_description: Option<&'a str>,
}

/// `PipesConnectionFailed`: `add_failed` when the flow was adding a connection.
pub fn connection_failed(provider: &Provider, owner: &Owner, adding: bool, f: &Failure<'_>, now: i64) -> NewEvent {
    let name = if adding { ADD_FAILED } else { CONNECTION_FAILED };
    let data = json!({
        "object": "connection_failed",
        "data_integration_id": provider.id,
        "provider_slug": provider.slug,
        "user_id": owner.user(),
        "organization_id": owner.organization_id,
        "error_code": f.error_code,
        "error_reason": f.error_reason,
        "provider_error": f.provider_error,
        "provider_error_description": f.provider_error_description,
        "created_at": iso(now),
    });
    new_event(name, &provider.id, owner, data, now)
}

/// The envelope an event travels in (webhook body and `/events` item): compact JSON, so that
/// `JSON.stringify(JSON.parse(body)) === body` for SDKs that re-serialise before verifying.
pub fn envelope(id: &str, name: &str, data: &str, created_at: i64) -> Value {
    let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
    json!({"object": "event", "id": id, "event": name, "data": data, "created_at": iso(created_at)})
}

impl Plumb {
    /// A page of an environment's events, filtered, and whether more follow it.
    pub async fn list_events(
        &self,
        env: &EnvironmentId,
        query: &EventQuery,
        page: &Page,
    ) -> Result<(Vec<StoredEvent>, bool)> {
        let mut rows = self.store.list_events(env, query, page).await?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        Ok((rows, more))
    }
}
