//! Connected accounts on the WorkOS paths (`docs/workos-api.md` §3.4, §4.7, §4.17-4.26): the
//! ConnectedAccount object, finishing a connection the app's backend holds the verifier for,
//! and the connected-account API on the user and organization roots.

use super::error::ApiError;
use super::extract::{ApiJson, ApiKey, QueryMap};
use super::state::AppState;
use crate::account_api::{Change, Imported, Labels, Written};
use crate::accounts::{Action, Revocation};
use crate::connections::{self, Connection, Owner, Selector};
use crate::error::Error;
use crate::providers::{Ownership, Provider};
use crate::time::iso;
use app::methods::AuthMethod;
use app::model::ConnectionState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// `auth_method` as SDK clients and the WorkOS widgets know it: `oauth`, `api_key`,
/// `client_credentials`. Basic credentials are a secret too and reach them as an API key
/// (SDK 12.3 knows no other kind).
pub fn sdk_auth_method(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Basic => "api_key",
        other => other.as_str(),
    }
}

/// The ConnectedAccount object for a stored connection of `p`.
pub fn to_json(c: &Connection, p: &Provider) -> Value {
    let method = c.auth_method;
    let hint = (!c.secret_hint.is_empty()).then(|| c.secret_hint.clone());
    let mut body = json!({
        "object": "connected_account",
        "id": c.id,
        "connection_role": c.role.as_str(),
        "account_identifier": c.account_identifier,
        "account_display_name": c.label,
        "user_id": c.owner.user(),
        "organization_id": c.owner.organization_id,
        "scopes": c.scopes.0,
        "auth_method": sdk_auth_method(method),
        "api_key_last_4": if matches!(method, AuthMethod::ApiKey | AuthMethod::Basic) { hint.clone() } else { None },
        "config": crate::credentials::shown_config(p, c),
        "state": c.state.as_str(),
        "established_by_user_id": c.established_by,
        "state_reason": null,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    });
    match method {
        AuthMethod::ClientCredentials => {
            body["client_id"] = json!(c.client_id);
            body["client_secret_last_4"] = json!(hint);
        }
        AuthMethod::Basic => {
            // Plumb's own fields: how to use the value, and whose it is.
            body["credential_scheme"] = json!("basic");
            body["username"] = json!(c.client_id);
        }
        _ => {}
    }
    body
}

/// A write's answer: the account, with `warnings` when its label is not unique.
fn written_json(w: &Written) -> Value {
    let mut body = to_json(&w.connection, &w.provider);
    if w.duplicate_label {
        body["warnings"] = json!([{
            "code": "duplicate_account_display_name",
            "message": "Another connected account of this owner to this provider has the same account_display_name.",
        }]);
    }
    body
}

/// The longest token accepted in an import: far beyond any real access or refresh token.
const MAX_TOKEN: usize = 16 * 1024;
/// The most scopes an import may list.
const MAX_SCOPES: usize = 100;

/// Which connection a request names: `connected_account_id`, Plumb's `account_display_name`,
/// and `supports_multiple_connections`, from the query.
fn selector(query: &HashMap<String, String>) -> Result<Selector, Error> {
    let multiple = match query.get("supports_multiple_connections").map(String::as_str) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(Error::field(
                "supports_multiple_connections",
                "invalid",
                "supports_multiple_connections must be true or false.",
            ))
        }
    };
    Selector::from_input(
        query.get("connected_account_id").map(String::as_str),
        query.get("account_display_name").map(String::as_str),
        multiple,
    )
}

/// The owner a user-root path names: the user, within `organization_id` when the query has one.
fn user_owner(user_id: &str, query: &HashMap<String, String>) -> Result<Owner, Error> {
    Owner::from_input(Some(user_id), query.get("organization_id").map(String::as_str))
}

/// The owner an organization-root path names.
fn organization_owner(organization_id: &str) -> Result<Owner, Error> {
    let checked = Owner::from_input(Some("organization"), Some(organization_id))?;
    let org = checked
        .organization_id
        .ok_or_else(|| Error::field("organization_id", "required", "The path needs an organization id."))?;
    Ok(Owner::organization(&org))
}

/// A string field of an import body: absent, `null` (clear), or text of at most `max` bytes.
fn text(body: &Map<String, Value>, key: &str, max: usize) -> Result<Change, Error> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.len() <= max => Ok(Some(Some(s.clone()))),
        Some(Value::String(_)) => Err(Error::field(key, "too_long", format!("{key} is too long."))),
        Some(_) => Err(Error::field(key, "invalid", format!("{key} must be a string."))),
    }
}

/// What an import or update body carries, checked: labels and tokens.
struct AccountBody {
    labels: Labels,
    imported: Imported,
    user_id: Option<String>,
    connection_intent: Option<Action>,
}

fn account_body(body: Value, allowed: &[&str]) -> Result<AccountBody, Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "invalid", "Send a JSON object."));
    };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::field(unknown, "unknown_field", format!("{unknown:?} is not a field of this request.")));
    }
    let label = match text(&map, "account_display_name", 1024)? {
        Some(Some(l)) => Some(Some(connections::check_label(&l)?).filter(|l| !l.is_empty())),
        other => other,
    };
    let account_identifier = match text(&map, "account_identifier", 1024)? {
        Some(Some(a)) => Some(Some(connections::check_account_identifier(&a)?)),
        other => other,
    };
    let token = |key: &str| -> Result<Option<String>, Error> {
        Ok(text(&map, key, MAX_TOKEN)?.flatten().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
    };
    let expires_at = match text(&map, "expires_at", 64)?.flatten() {
        None => None,
        Some(t) => Some(chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.timestamp_millis()).map_err(|_| {
            Error::field("expires_at", "invalid", "expires_at must be an ISO 8601 time, like 2026-01-01T00:00:00Z.")
        })?),
    };
    let scopes = match map.get("scopes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.len() <= MAX_SCOPES => {
            let scopes: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().filter(|s| !s.is_empty() && s.len() <= 256 && !s.contains(' ')).map(str::to_owned))
                .collect();
            Some(scopes.ok_or_else(|| {
                Error::field("scopes", "invalid", "scopes must be scope tokens: strings without spaces.")
            })?)
        }
        Some(_) => {
            return Err(Error::field("scopes", "invalid", format!("scopes must be an array of at most {MAX_SCOPES}.")))
        }
    };
    let state = match text(&map, "state", 64)?.flatten().as_deref() {
        None => None,
        Some("connected") => Some(ConnectionState::Connected),
        Some("needs_reauthorization") => Some(ConnectionState::NeedsReauthorization),
        Some(_) => return Err(Error::field("state", "invalid", "state must be connected or needs_reauthorization.")),
    };
    let connection_intent = match text(&map, "connection_intent", 64)?.flatten().as_deref() {
        None => None,
        Some("add") => Some(Action::Add),
        Some("reauthorize") => Some(Action::Reauthorize),
        Some(_) => return Err(Error::field("connection_intent", "invalid", "connection_intent must be add.")),
    };
    Ok(AccountBody {
        labels: Labels { label, account_identifier },
        imported: Imported {
            access_token: token("access_token")?,
            refresh_token: token("refresh_token")?,
            expires_at,
            scopes,
            state,
        },
        user_id: text(&map, "user_id", 256)?.flatten(),
        connection_intent,
    })
}

const IMPORT_FIELDS: [&str; 8] = [
    "account_display_name",
    "account_identifier",
    "access_token",
    "refresh_token",
    "expires_at",
    "scopes",
    "state",
    "connection_intent",
];

/// The organization root's bodies name the acting member, who must be given.
fn acting_member(body: &AccountBody) -> Result<(), Error> {
    match body.user_id.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() => Ok(()),
        _ => Err(Error::field("user_id", "required", "user_id is required: the member acting for the organization.")),
    }
}

/// Who a connected-account path names, and whether it is the organization root: the user root
/// (`{user_id}`, narrowed by the query's `organization_id`) or the organization's
/// (`{organization_id}`). One handler per method serves both roots.
struct Root {
    owner: Owner,
    organization: bool,
    slug: String,
}

fn root(path: &HashMap<String, String>, query: &HashMap<String, String>) -> Result<Root, Error> {
    let slug = path.get("slug").cloned().unwrap_or_default();
    match (path.get("user_id"), path.get("organization_id")) {
        (Some(user), _) => Ok(Root { owner: user_owner(user, query)?, organization: false, slug }),
        (None, Some(org)) => Ok(Root { owner: organization_owner(org)?, organization: true, slug }),
        (None, None) => Err(Error::Internal("a connected-account route names no owner".into())),
    }
}

/// The fields a body may have on a root: the organization's also names the acting member.
fn body_for(root: &Root, body: Value, fields: &[&str]) -> Result<AccountBody, Error> {
    let mut fields = fields.to_vec();
    if root.organization {
        fields.push("user_id");
    }
    let body = account_body(body, &fields)?;
    if root.organization {
        acting_member(&body)?;
    }
    Ok(body)
}

/// `GET …/connected_accounts/{slug}` on either root.
pub async fn get(
    State(state): State<AppState>,
    key: ApiKey,
    Path(path): Path<HashMap<String, String>>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let root = root(&path, &q)?;
    let (provider, connection) =
        state.plumb.connected_account(key.environment(), &root.slug, &root.owner, &selector(&q)?).await?;
    Ok(Json(to_json(&connection, &provider)))
}

/// `DELETE …/connected_accounts/{slug}`: 200 with what became of the revocation at the
/// provider (the SDK ignores the body).
pub async fn delete(
    State(state): State<AppState>,
    key: ApiKey,
    Path(path): Path<HashMap<String, String>>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let root = root(&path, &q)?;
    let revocation =
        state.plumb.delete_chosen_account(key.environment(), &root.slug, &root.owner, &selector(&q)?).await?;
    let revocation = match revocation {
        Revocation::NotAttempted => json!({"status": "not_supported"}),
        Revocation::Revoked => json!({"status": "revoked"}),
        Revocation::Failed(why) => json!({"status": "failed", "error": why}),
    };
    Ok(Json(json!({"object": "connected_account", "deleted": true, "revocation": revocation})))
}

/// `PUT …/connected_accounts/{slug}`: `connection_intent` (query) may only be `reauthorize`,
/// with the `connected_account_id` it needs.
pub async fn update(
    State(state): State<AppState>,
    key: ApiKey,
    Path(path): Path<HashMap<String, String>>,
    QueryMap(q): QueryMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let root = root(&path, &q)?;
    let body = body_for(&root, body, &IMPORT_FIELDS[..7])?;
    let selector = selector(&q)?;
    match q.get("connection_intent").map(String::as_str) {
        None | Some("") => {}
        Some("reauthorize") if selector.id.is_some() => {}
        Some("reauthorize") => {
            return Err(Error::field(
                "connected_account_id",
                "required",
                "connection_intent reauthorize needs connected_account_id.",
            )
            .into())
        }
        Some(_) => {
            return Err(Error::field(
                "connection_intent",
                "invalid",
                "PUT takes connection_intent reauthorize only: use POST to add a connection.",
            )
            .into())
        }
    }
    let written = state
        .plumb
        .update_connected_account(key.environment(), &root.slug, &root.owner, &selector, body.labels, body.imported)
        .await?;
    Ok(Json(written_json(&written)))
}

/// `POST …/connected_accounts/{slug}`: imports tokens from another system.
pub async fn import(
    State(state): State<AppState>,
    key: ApiKey,
    Path(path): Path<HashMap<String, String>>,
    QueryMap(q): QueryMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let root = root(&path, &q)?;
    let body = body_for(&root, body, &IMPORT_FIELDS)?;
    let written = state
        .plumb
        .import_connected_account(
            key.environment(),
            &root.slug,
            &root.owner,
            body.connection_intent,
            body.labels,
            body.imported,
        )
        .await?;
    Ok(Json(written_json(&written)))
}

/// The four methods of a connected-account path, the same on both roots.
pub fn methods() -> axum::routing::MethodRouter<AppState> {
    axum::routing::get(get).post(import).put(update).delete(delete)
}

/// A data-provider row (`docs/workos-api.md` §3.5): the provider and the owner's connections.
fn data_provider(p: &Provider, connections: &[Connection], multiple: bool) -> Value {
    let account = |c: &Connection| {
        let mut v = to_json(c, p);
        v["userland_user_id"] = json!(c.owner.user());
        v
    };
    let compatibility = connections.iter().find(|c| c.role == connections::Role::Compatibility);
    let listed: Vec<Value> = match multiple {
        true => connections.iter().map(account).collect(),
        false => compatibility.iter().map(|c| account(c)).collect(),
    };
    json!({
        "object": "data_provider",
        "id": p.id,
        "name": p.name,
        "slug": p.slug,
        "integration_type": p.catalog_slug.clone().unwrap_or_else(|| "custom".into()),
        "credentials_type": "oauth2",
        "description": (!p.description.is_empty()).then(|| p.description.clone()),
        "scopes": p.scopes.0,
        "auth_methods": crate::credentials::sdk_methods(p),
        "connection_owner": p.ownership.as_str(),
        "ownership": match p.ownership { Ownership::User => "userland_user", Ownership::Organization => "organization" },
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
        "connected_account": compatibility.map(account),
        "connected_accounts": listed,
    })
}

/// `GET …/data_providers` on either root.
pub async fn data_providers(
    State(state): State<AppState>,
    key: ApiKey,
    Path(path): Path<HashMap<String, String>>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let root = root(&path, &q)?;
    let rows = state.plumb.data_providers(key.environment(), &root.owner).await?;
    let multiple = selector(&q)?.multiple;
    let data: Vec<Value> = rows.iter().map(|(p, c)| data_provider(p, c, multiple)).collect();
    Ok(Json(json!({"object": "list", "data": data})))
}

/// The body of `POST /data-integrations/finish`.
#[derive(Deserialize, utoipa::ToSchema)]
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
    let (connection, provider) = state
        .plumb
        .finish_connection(
            key.environment(),
            body.connect_code.as_deref().unwrap_or_default(),
            body.code_verifier.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(Json(json!({ "connected_account": to_json(&connection, &provider) })))
}
