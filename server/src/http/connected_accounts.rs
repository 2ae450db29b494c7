//! Connected accounts on the WorkOS paths: the ConnectedAccount object (`docs/workos-api.md`
//! §3.4), and finishing a connection the app's backend holds the verifier for
//! (`POST /data-integrations/finish`, §4.7).

use super::error::ApiError;
use super::extract::{ApiJson, ApiKey};
use super::state::AppState;
use crate::connections::Connection;
use crate::time::iso;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// The ConnectedAccount object for a stored connection.
pub fn to_json(c: &Connection) -> Value {
    json!({
        "object": "connected_account",
        "id": c.id,
        "connection_role": "compatibility",
        "account_identifier": null,
        "account_display_name": null,
        "user_id": c.owner.user_id,
        "organization_id": c.owner.organization_id,
        "scopes": c.scopes.0,
        "auth_method": "oauth",
        "config": {},
        "state": c.state.as_str(),
        "established_by_user_id": c.owner.user_id,
        "state_reason": null,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    })
}

#[derive(Deserialize)]
pub struct FinishBody {
    connect_code: Option<String>,
    code_verifier: Option<String>,
    /// Only for the app's logs (WorkOS's wording); Plumb does not need it.
    #[allow(dead_code)]
    state: Option<String>,
}

/// `POST /data-integrations/finish` → `{"connected_account"}`.
pub async fn finish(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<FinishBody>,
) -> Result<Json<Value>, ApiError> {
    let (connection, _provider) = state
        .plumb
        .finish_connection(
            key.environment(),
            body.connect_code.as_deref().unwrap_or_default(),
            body.code_verifier.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(Json(json!({ "connected_account": to_json(&connection) })))
}
