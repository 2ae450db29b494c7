//! Admins, their sessions, API keys and environments, as the dashboard shows them.

use serde::{Deserialize, Serialize};

/// The shortest admin password Plumb accepts; the invitation page says so before submitting.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The signed-in admin of a dashboard request. Provided by the server to pages and server
/// functions; never read from anything the browser sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminIdentity {
    pub session_id: String,
    pub admin_id: String,
    pub email: String,
    pub csrf_token: String,
    /// The environment the dashboard shows, and its slug and name.
    pub environment_id: String,
    pub environment_slug: String,
    pub environment_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    pub email: String,
    pub user_agent: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub is_current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminsView {
    pub admins: Vec<AdminView>,
    pub sessions: Vec<SessionView>,
}

/// What the invitation page needs: the email it was made for (empty: the new admin types it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub email: String,
}

/// An API key as the dashboard shows it: never the key, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A key just created: `secret` is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

/// An environment and its browser-facing settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// Production: API keys start with `sk_live_`.
    pub live: bool,
    pub return_to_origins: Vec<String>,
    pub frame_ancestors: Vec<String>,
    /// Origins whose pages may call the widget API (the official WorkOS widgets).
    pub widget_origins: Vec<String>,
}

/// The environment the dashboard shows, and every one it can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentsView {
    pub current: EnvironmentView,
    pub all: Vec<EnvironmentView>,
}
