//! Backend-facing server functions: JSON in, JSON out, authenticated with an API key in the
//! `Authorization` header, exactly like the REST path `POST /data-integrations/{slug}/token`.

use crate::error::AppError;
use crate::model::AccessTokenResponse;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/access-token` with `{"provider", "user_id", "organization_id"}`.
#[server(prefix = "/api", endpoint = "access-token", input = Json, output = Json)]
pub async fn get_access_token(
    provider: String,
    user_id: String,
    #[server(default)] organization_id: Option<String>,
) -> Result<AccessTokenResponse, AppError> {
    crate::service::service()?
        .access_token(&provider, crate::model::AccessTokenRequest { user_id, organization_id })
        .await
}
