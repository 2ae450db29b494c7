//! Credentials that are not made through a sign-in page, on the WorkOS paths
//! (`docs/workos-api.md` §4.8-4.12): installing an API key (or Basic credentials) and client
//! credentials for a user or an organization, and handing out any connection's credential.

use super::connected_accounts::to_json;
use super::data_integrations::{object, string};
use super::error::ApiError;
use super::extract::{ApiJson, ApiKey, Presented};
use super::provider_access::config_values;
use super::state::AppState;
use super::tokens::TokenBody;
use crate::accounts::{Action, Intent};
use crate::credentials::{CredentialInput, InstallRequest, Vended};
use crate::error::Error;
use crate::time::iso;
use app::methods::AuthMethod;
use app::model::AccessTokenRequest;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use serde_json::{json, Value};

const API_KEY_FIELDS: &[&str] = &[
    "account_display_name",
    "account_identifier",
    "user_id",
    "organization_id",
    "connection_owner",
    "connected_account_id",
    "connection_intent",
    "secret",
    // Plumb's: the user name of Basic credentials (their password is `secret`), and values
    // for the provider's configuration fields.
    "username",
    "config",
];

const CLIENT_CREDENTIALS_FIELDS: &[&str] = &[
    "account_display_name",
    "account_identifier",
    "user_id",
    "organization_id",
    "connection_owner",
    "connected_account_id",
    "connection_intent",
    "client_id",
    "client_secret",
    "config",
];

/// POST only adds (`connection_intent: add`, no id); PUT upserts the compatibility connection
/// or, with `reauthorize` and an id, rotates exactly that one.
fn intent(method: &Method, body: &serde_json::Map<String, Value>) -> Result<Intent, Error> {
    let requested = string(body, "connection_intent", "connection_intent")?;
    let id = string(body, "connected_account_id", "connected_account_id")?;
    let label = match body.get("account_display_name") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(string(body, "account_display_name", "account_display_name")?),
    };
    let intent = Intent::from_input(requested.as_deref(), id.as_deref(), label.as_ref().map(|l| l.as_deref()))?;
    match (*method == Method::POST, intent.action) {
        (true, Some(Action::Add)) if intent.connected_account_id.is_none() => Ok(intent),
        (true, _) => Err(Error::field(
            "connection_intent",
            "invalid",
            "POST adds a connection: send connection_intent add and no connected_account_id. Use PUT to replace \
             the compatibility connection's credential or, with reauthorize, a chosen one's.",
        )),
        (false, Some(Action::Add)) => Err(Error::field(
            "connection_intent",
            "invalid",
            "PUT takes connection_intent reauthorize only: use POST to add a connection.",
        )),
        (false, _) => Ok(intent),
    }
}

fn request(
    method: &Method,
    body: Value,
    fields: &[&str],
    input: impl FnOnce(&serde_json::Map<String, Value>) -> Result<CredentialInput, Error>,
) -> Result<InstallRequest, Error> {
    let body = object(body, fields, "")?;
    let account_identifier = string(&body, "account_identifier", "account_identifier")?;
    let input = CredentialInput { config: config_values(&body)?, account_identifier, ..input(&body)? };
    Ok(InstallRequest {
        user_id: string(&body, "user_id", "user_id")?,
        organization_id: string(&body, "organization_id", "organization_id")?,
        connection_owner: string(&body, "connection_owner", "connection_owner")?,
        intent: intent(method, &body)?,
        input,
    })
}

/// `POST`/`PUT /data-integrations/{slug}/api-key`: an API key, or for a provider that takes
/// Basic credentials, `username` and the password as `secret`.
pub async fn api_key(
    State(state): State<AppState>,
    method: Method,
    key: ApiKey,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = request(&method, body, API_KEY_FIELDS, |b| {
        let secret = string(b, "secret", "secret")?;
        let username = string(b, "username", "username")?;
        Ok(match username {
            Some(_) => {
                CredentialInput { method: Some(AuthMethod::Basic), username, password: secret, ..Default::default() }
            }
            None => CredentialInput { method: Some(AuthMethod::ApiKey), api_key: secret, ..Default::default() },
        })
    })?;
    installed(&state, &key, &slug, &method, request).await
}

/// `POST`/`PUT /data-integrations/{slug}/client-credentials`.
pub async fn client_credentials(
    State(state): State<AppState>,
    method: Method,
    key: ApiKey,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = request(&method, body, CLIENT_CREDENTIALS_FIELDS, |b| {
        Ok(CredentialInput {
            method: Some(AuthMethod::ClientCredentials),
            client_id: string(b, "client_id", "client_id")?,
            client_secret: string(b, "client_secret", "client_secret")?,
            ..Default::default()
        })
    })?;
    installed(&state, &key, &slug, &method, request).await
}

async fn installed(
    state: &AppState,
    key: &ApiKey,
    slug: &str,
    method: &Method,
    request: InstallRequest,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (provider, connection) = state.plumb.install_for_app(key.environment(), slug, request).await?;
    let status = if *method == Method::POST { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(to_json(&connection, &provider))))
}

/// `POST /data-integrations/{slug}/credentials` → the vended-credential union.
pub async fn vend(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Presented(key): Presented,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<Json<Value>, ApiError> {
    let request = AccessTokenRequest::from(body);
    Ok(Json(match state.plumb.vend_credential(&key, &slug, &request).await? {
        Vended::Inactive(reason) => json!({"active": false, "error": reason}),
        Vended::Active(c) => {
            let mut credential = json!({
                "object": "credential",
                // Basic credentials reach SDK clients as an API key whose value is the Basic
                // value (SDK 12.3 throws on a method it does not know).
                "auth_method": match c.auth_method { AuthMethod::Basic => "api_key", other => other.as_str() },
                "value": c.value,
                "config": c.config,
            });
            match c.auth_method {
                AuthMethod::Oauth | AuthMethod::ClientCredentials => {
                    credential["expires_at"] = json!(c.expires_at.map(iso));
                    credential["scopes"] = json!(c.scopes);
                    credential["missing_scopes"] = json!(c.missing_scopes);
                    credential["metadata"] = json!(c.metadata);
                }
                AuthMethod::Basic => {
                    credential["credential_scheme"] = json!("basic");
                    credential["username"] = json!(c.username);
                }
                AuthMethod::ApiKey => {}
            }
            json!({"active": true, "credential": credential})
        }
    }))
}
