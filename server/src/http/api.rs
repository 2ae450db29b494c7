//! The backend API on the WorkOS Pipes paths (`shared/reference/workos-pipes-api.md` §5), so the
//! official SDK works against Plumb unmodified.

use super::{ApiError, AppState};
use app::error::{codes, AppError};
use app::model::{AccessTokenRequest, AccessTokenResponse};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A JSON body whose rejection is our error format, so a malformed body gets `{code, message}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::new(
                codes::INVALID_REQUEST,
                format!("The request body must be a JSON object: {}", rejection.body_text()),
            )
            .into()),
        }
    }
}

pub(crate) fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

#[derive(Deserialize)]
pub struct WidgetTokenBody {
    user_id: Option<String>,
    organization_id: Option<String>,
}

/// `POST /widgets/token` → `{"token": "…"}`.
pub async fn create_widget_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetTokenBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = state
        .plumb
        .mint_widget_token(authorization(&headers), body.user_id.as_deref(), body.organization_id.as_deref())
        .await?;
    Ok(Json(serde_json::json!({ "token": token })))
}

#[derive(Deserialize)]
pub struct TokenBody {
    user_id: Option<String>,
    organization_id: Option<String>,
}

/// `POST /data-integrations/{slug}/token` → the access-token union (§4.5).
pub async fn get_access_token(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<Json<AccessTokenResponse>, ApiError> {
    let request =
        AccessTokenRequest { user_id: body.user_id.unwrap_or_default(), organization_id: body.organization_id };
    Ok(Json(state.plumb.get_access_token(authorization(&headers), &slug, &request).await?))
}

/// `GET /api_keys/current` → the calling key's id, name, prefix and environment. Lets an operator
/// check which key a backend uses; it does authentication and nothing else, which also makes it
/// the benchmarks' baseline for the token endpoint (BENCHMARKS.md).
pub async fn current_api_key(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let key = crate::api_keys::authenticate(state.plumb.store(), authorization(&headers)).await?;
    Ok(Json(serde_json::json!({
        "object": "api_key",
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "environment_id": key.environment_id,
    })))
}
