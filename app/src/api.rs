//! Backend-facing server functions: JSON in, JSON out, authenticated with an API key in the
//! `Authorization` header, exactly like the REST path `POST /data-integrations/{slug}/token`.

use crate::error::AppError;
use crate::model::AccessTokenResponse;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/access-token` with `{"provider", "user_id", "organization_id"}` and, to choose
/// among several connected accounts, `connection_owner`, `connected_account_id`,
/// `account_display_name` and `supports_multiple_connections`, as on the REST path.
#[server(prefix = "/api", endpoint = "access-token", input = Json, output = Json)]
pub async fn get_access_token(
    provider: String,
    user_id: String,
    #[server(default)] organization_id: Option<String>,
    #[server(default)] connection_owner: Option<String>,
    #[server(default)] connected_account_id: Option<String>,
    #[server(default)] account_display_name: Option<String>,
    #[server(default)] supports_multiple_connections: bool,
) -> Result<AccessTokenResponse, AppError> {
    let request = crate::model::AccessTokenRequest {
        user_id,
        organization_id,
        connection_owner,
        connected_account_id,
        account_display_name,
        supports_multiple_connections,
    };
    crate::service::service()?.access_token(&provider, request).await
}
