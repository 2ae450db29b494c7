//! What a backend asks the token endpoint and gets back, with the WorkOS wire names. The
//! access token itself is the one secret here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The body of `POST /data-integrations/{slug}/token` (`docs/workos-api.md` §4.8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenRequest {
    pub user_id: String,
    #[serde(default)]
    pub organization_id: Option<String>,
    /// `user` or `organization`; absent: the provider's ownership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_owner: Option<String>,
    /// Exactly this connected account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_account_id: Option<String>,
    /// The one connected account with this label (a Plumb extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_display_name: Option<String>,
    /// Consider every connection of the owner, not only the compatibility one.
    #[serde(default)]
    pub supports_multiple_connections: bool,
}

/// Why no token can be handed out, with the WorkOS wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum InactiveReason {
    NotInstalled,
    NeedsReauthorization,
    /// Several connected accounts match and the caller chose none (SDK 12's
    /// `supports_multiple_connections`).
    AccountSelectionRequired,
}

/// The WorkOS access-token union (`docs/workos-api.md` §4.3): either
/// `{"active": true, "access_token": {...}}` or `{"active": false, "error": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessTokenResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<InactiveReason>,
}

impl AccessTokenResponse {
    pub fn active(token: AccessToken) -> Self {
        Self { active: true, access_token: Some(token), error: None }
    }

    pub fn inactive(reason: InactiveReason) -> Self {
        Self { active: false, access_token: None, error: Some(reason) }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessToken {
    /// Always `"access_token"`.
    pub object: String,
    pub access_token: String,
    /// ISO-8601, or `null` when the provider did not say when the token expires.
    pub expires_at: Option<String>,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("missing_scopes", &self.missing_scopes)
            .finish()
    }
}
