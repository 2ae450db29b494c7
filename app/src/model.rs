//! Types that cross the wire between the browser, backends and the server. Nothing here is
//! secret except [`AccessToken::access_token`], which only the token endpoint ever fills in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A provider as the dashboard shows it. The client secret never leaves the server: only whether
/// one is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub authorization_url: String,
    pub token_url: String,
    pub client_id: String,
    pub has_client_secret: bool,
    pub scopes: Vec<String>,
    pub connected_accounts: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The callback URL the admin registers at the provider, character for character.
    pub redirect_uri: String,
    pub providers: Vec<ProviderView>,
}

/// What the admin typed into the "Add a custom OAuth provider" form, unvalidated.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewProvider {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub authorization_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes as typed: separated by spaces, commas or new lines.
    pub scopes: String,
}

impl fmt::Debug for NewProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewProvider")
            .field("name", &self.name)
            .field("slug", &self.slug)
            .field("authorization_url", &self.authorization_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The state of one user's connection to one provider, with the WorkOS wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Connected,
    NeedsReauthorization,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::NeedsReauthorization => "needs_reauthorization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "connected" => Some(Self::Connected),
            "needs_reauthorization" => Some(Self::NeedsReauthorization),
            _ => None,
        }
    }
}

/// One provider as the end user sees it in the widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetProvider {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// `None` when the user has not connected this provider.
    pub state: Option<ConnectionState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetView {
    pub user_id: String,
    pub organization_id: Option<String>,
    pub providers: Vec<WidgetProvider>,
}

/// The body of `POST /data-integrations/{slug}/token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenRequest {
    pub user_id: String,
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// Why no token can be handed out, with the WorkOS wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InactiveReason {
    NotInstalled,
    NeedsReauthorization,
}

/// The WorkOS access-token union (`workos-pipes-api.md` §4.5): either
/// `{"active": true, "access_token": {...}}` or `{"active": false, "error": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_union_has_the_workos_shapes() {
        let inactive = AccessTokenResponse::inactive(InactiveReason::NotInstalled);
        assert_eq!(
            serde_json::to_value(&inactive).unwrap(),
            serde_json::json!({"active": false, "error": "not_installed"})
        );
        let active = AccessTokenResponse::active(AccessToken {
            object: "access_token".into(),
            access_token: "at".into(),
            expires_at: None,
            scopes: vec!["a".into()],
            missing_scopes: vec![],
        });
        assert_eq!(
            serde_json::to_value(&active).unwrap(),
            serde_json::json!({"active": true, "access_token": {
                "object": "access_token", "access_token": "at", "expires_at": null,
                "scopes": ["a"], "missing_scopes": []}})
        );
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let p = NewProvider { client_secret: "hunter2".into(), ..Default::default() };
        assert!(!format!("{p:?}").contains("hunter2"));
        let t = AccessToken {
            object: "access_token".into(),
            access_token: "sekrit".into(),
            expires_at: None,
            scopes: vec![],
            missing_scopes: vec![],
        };
        assert!(!format!("{t:?}").contains("sekrit"));
    }
}
