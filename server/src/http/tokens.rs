//! The backend's token calls on the WorkOS paths (`docs/workos-api.md` §5): a widget token for a
//! user, and a fresh access token for a user's connection.

use super::error::ApiError;
use super::extract::{ApiJson, ApiKey, Presented};
use super::state::AppState;
use app::model::{AccessTokenRequest, AccessTokenResponse};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

/// The body of `POST /widgets/token`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WidgetTokenBody {
    user_id: Option<String>,
    organization_id: Option<String>,
    /// Widget scopes (`widgets:pipes:manage` lets the viewer manage the organization's shared
    /// connections).
    #[serde(default)]
    scopes: Option<Vec<String>>,
    /// Plumb's own: how this widget looks, over the environment's theme (`accent` `#rrggbb`,
    /// `radius` 0–24, `font` a font-family list, `scheme` `light`, `dark` or `auto`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    theme: Option<crate::widget_theme::Theme>,
    /// Plumb's own: the widget's language (`en`, `fr`, `de`, `es`, `ja`; a region such as
    /// `fr-CA` is fine); absent or another language: the browser's `Accept-Language` chooses.
    #[serde(default)]
    locale: Option<String>,
}

/// `POST /widgets/token` → `{"token": "…"}`.
pub async fn create_widget_token(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<WidgetTokenBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let theme = body.theme.map(|t| t.checked("theme")).transpose()?;
    let locale = crate::widget_tokens::Look::check_locale(body.locale.as_deref())?;
    let look = crate::widget_tokens::Look { theme, locale };
    let token = state
        .plumb
        .mint_widget_token(
            key.environment(),
            &key.0.id,
            body.user_id.as_deref(),
            body.organization_id.as_deref(),
            body.scopes.as_deref().unwrap_or_default(),
            &look,
        )
        .await?;
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The body of `/token` and `/credentials` (`docs/workos-api.md` §4.8).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenBody {
    /// Required: whose connection.
    user_id: Option<String>,
    organization_id: Option<String>,
    /// `user` or `organization`; absent: the provider's ownership.
    connection_owner: Option<String>,
    /// Exactly this connection.
    connected_account_id: Option<String>,
    /// The one connection with this label (Plumb's extension).
    account_display_name: Option<String>,
    /// Consider every connection of the owner, not only the compatibility one.
    supports_multiple_connections: Option<bool>,
}

/// `POST /data-integrations/{slug}/token` → the access-token union (`docs/workos-api.md` §4.3).
pub async fn get_access_token(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Presented(key): Presented,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<Json<AccessTokenResponse>, ApiError> {
    Ok(Json(state.plumb.get_access_token(&key, &slug, &body.into()).await?))
}

impl From<TokenBody> for AccessTokenRequest {
    fn from(body: TokenBody) -> Self {
        Self {
            user_id: body.user_id.unwrap_or_default(),
            organization_id: body.organization_id,
            connection_owner: body.connection_owner,
            connected_account_id: body.connected_account_id,
            account_display_name: body.account_display_name,
            supports_multiple_connections: body.supports_multiple_connections.unwrap_or(false),
        }
    }
}
