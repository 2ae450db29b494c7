//! A connection to a provider: who owns it, its stored form, and the pure decisions about it.

use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::ids::{ConnectionId, ProviderId};
use crate::providers::ScopeList;
use crate::templates::Values;
use app::methods::AuthMethod;
use app::model::ConnectionState;

/// Whom a connection belongs to: a user of the application, within one of its organizations or
/// outside any; or an organization itself, whose connection every member's backend call can use.
/// An organization's connection has an empty `user_id` (user ids are never empty), so the two
/// kinds share one key in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub user_id: String,
    pub organization_id: Option<String>,
}

impl Owner {
    /// The organization itself, as the owner of its shared connections.
    pub fn organization(organization_id: &str) -> Self {
        Self { user_id: String::new(), organization_id: Some(organization_id.to_string()) }
    }

    /// The owning user; `None` for an organization's connection.
    pub fn user(&self) -> Option<&str> {
        (!self.is_organization()).then_some(self.user_id.as_str())
    }

    /// Whether this is an organization's shared connection rather than a user's.
    pub fn is_organization(&self) -> bool {
        self.user_id.is_empty()
    }

    /// `connection_owner` as the API spells it.
    pub fn kind(&self) -> &'static str {
        if self.is_organization() {
            "organization"
        } else {
            "user"
        }
    }

    /// The owner a request names: `connection_owner` `organization` makes it the organization
    /// (then required), with `user_id` as the acting member; otherwise the user.
    pub fn for_request(
        connection_owner: Option<&str>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
    ) -> Result<(Self, String)> {
        let acting = Self::from_input(user_id, organization_id)?;
        match connection_owner.map(str::trim).filter(|o| !o.is_empty()) {
            None | Some("user") => {
                let user = acting.user_id.clone();
                Ok((acting, user))
            }
            Some("organization") => {
                let org = acting.organization_id.clone().ok_or_else(|| {
                    Error::field(
                        "organization_id",
                        "required",
                        "organization_id is required when connection_owner is organization.",
                    )
                })?;
                Ok((Self::organization(&org), acting.user_id))
            }
            Some(_) => {
                Err(Error::field("connection_owner", "invalid", "connection_owner must be user or organization."))
            }
        }
    }

    /// An owner from what a caller sent: the user is required; both ids are opaque but must be
    /// printable and at most 256 characters.
    pub fn from_input(user_id: Option<&str>, organization_id: Option<&str>) -> Result<Self> {
        let user_id = required_id("user_id", user_id)?;
        let organization_id = optional_id("organization_id", organization_id)?;
        Ok(Self { user_id: user_id.to_string(), organization_id: organization_id.map(str::to_owned) })
    }

    /// The organization as the database keys it: `""` for none.
    pub fn org_key(&self) -> &str {
        self.organization_id.as_deref().unwrap_or("")
    }

    /// The owner of a stored row, whose organization is `""` when there is none.
    pub fn from_row(user_id: String, organization_id: String) -> Self {
        Self { user_id, organization_id: (!organization_id.is_empty()).then_some(organization_id) }
    }
}

fn required_id<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str> {
    optional_id(field, value)?.ok_or_else(|| Error::field(field, "required", format!("{field} is required.")))
}

/// An opaque id a caller sent: trimmed, absent when empty, at most 256 printable characters.
pub fn optional_id<'a>(field: &str, value: Option<&'a str>) -> Result<Option<&'a str>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.len() > 256 || v.chars().any(char::is_control) => {
            Err(Error::field(field, "invalid", format!("{field} must be at most 256 printable characters.")))
        }
        Some(v) => Ok(Some(v)),
    }
}

/// Which of an owner's connections to a provider callers get when they do not choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The one callers that do not choose see (SDK 11, and SDK 12 without
    /// `supports_multiple_connections`); at most one per owner and provider.
    Compatibility,
    /// Another connection, reached by its id or label.
    Standard,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compatibility => "compatibility",
            Self::Standard => "standard",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "standard" {
            Self::Standard
        } else {
            Self::Compatibility
        }
    }
}

/// How a caller names one of an owner's connections to a provider (`docs/workos-api.md` §4.17).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// `connected_account_id`: exactly that connection.
    pub id: Option<String>,
    /// `account_display_name`: the one connection with that label (a Plumb extension; labels
    /// are not unique, so two with one label is ambiguous).
    pub label: Option<String>,
    /// `supports_multiple_connections`: with neither above, the owner's only connection, or
    /// `account_selection_required` when there are several. Without it, the compatibility one.
    pub multiple: bool,
}

/// Whose connection a fetch names and which of theirs, as the token endpoint and the relay take
/// them (`connection_owner`, `user_id`, `organization_id`, `connected_account_id`,
/// `account_display_name`, `supports_multiple_connections`).
pub struct Choice<'a> {
    pub connection_owner: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub organization_id: Option<&'a str>,
    pub connected_account_id: Option<&'a str>,
    pub account_display_name: Option<&'a str>,
    pub multiple: bool,
}

impl Choice<'_> {
    /// The owner and the selector, checked.
    pub fn parse(&self) -> Result<(Owner, Selector)> {
        let (owner, _acting) = Owner::for_request(self.connection_owner, self.user_id, self.organization_id)?;
        let selector = Selector::from_input(self.connected_account_id, self.account_display_name, self.multiple)?;
        Ok((owner, selector))
    }

    /// Whether the caller said whose connection it wants (an organization-owned provider's
    /// shared one is meant otherwise).
    pub fn owner_named(&self) -> bool {
        self.connection_owner.is_some_and(|o| !o.trim().is_empty())
    }
}

impl Selector {
    pub fn from_input(id: Option<&str>, label: Option<&str>, multiple: bool) -> Result<Self> {
        let id = optional_id("connected_account_id", id)?.map(str::to_owned);
        let label = match label.map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(l) => Some(check_label(l)?),
        };
        Ok(Self { id, label, multiple })
    }

    /// Which of `candidates` (the owner's connections to one provider) is meant.
    pub fn choose(&self, candidates: Vec<Connection>) -> Result<Option<Connection>> {
        if let Some(id) = &self.id {
            return match candidates.into_iter().find(|c| c.id.as_str() == id) {
                Some(c) => Ok(Some(c)),
                None => {
                    Err(Error::ConnectionNotFound(format!("No connected account {id} for this owner and provider.")))
                }
            };
        }
        let mut matching: Vec<Connection> = match &self.label {
            Some(label) => candidates.into_iter().filter(|c| c.label.as_deref() == Some(label.as_str())).collect(),
            None if self.multiple => candidates,
            None => candidates.into_iter().filter(|c| c.role == Role::Compatibility).collect(),
        };
        match matching.len() {
            0 => match &self.label {
                Some(label) => Err(Error::ConnectionNotFound(format!("No connected account is labelled {label:?}."))),
                None => Ok(None),
            },
            1 => Ok(matching.pop()),
            n => Err(Error::AccountSelectionRequired(format!(
                "{n} connected accounts match: choose one with connected_account_id."
            ))),
        }
    }
}

/// The longest label (`account_display_name`) or account identifier kept.
pub const MAX_LABEL: usize = 200;

/// A label as given: trimmed, printable, at most [`MAX_LABEL`] characters.
pub fn check_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL || label.chars().any(char::is_control) {
        return Err(Error::field(
            "account_display_name",
            "invalid",
            format!("account_display_name must be at most {MAX_LABEL} printable characters."),
        ));
    }
    Ok(label.to_string())
}

/// An account identifier as given (imports and API-key connections attest one).
pub fn check_account_identifier(value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_LABEL || value.chars().any(char::is_control) {
        return Err(Error::field(
            "account_identifier",
            "invalid",
            format!("account_identifier must be 1 to {MAX_LABEL} printable characters."),
        ));
    }
    Ok(value.to_string())
}

/// A connection as stored. Token columns are sealed with [`crate::crypto`], bound to this
/// connection's id and the column name.
#[derive(Clone)]
pub struct Connection {
    pub id: ConnectionId,
    pub provider_id: ProviderId,
    pub owner: Owner,
    pub role: Role,
    /// `account_display_name`.
    pub label: Option<String>,
    pub account_identifier: Option<String>,
    /// The user who authorized it (for an organization's connection, the member who did).
    pub established_by: Option<String>,
    pub state: ConnectionState,
    pub access_token: Option<Vec<u8>>,
    pub refresh_token: Option<Vec<u8>>,
    pub expires_at: Option<i64>,
    pub scopes: ScopeList,
    pub last_refreshed_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub refresh_lease_owner: Option<String>,
    pub refresh_lease_until: Option<i64>,
    pub refresh_failures: i64,
    pub retry_refresh_at: Option<i64>,
    pub auth_method: AuthMethod,
    /// Its configuration values and those captured from token responses; the secret ones are
    /// sealed in `config_secret`.
    pub config: Values,
    pub config_secret: Option<Vec<u8>>,
    /// Client credentials' client id, or Basic credentials' user name.
    pub client_id: Option<String>,
    /// Sealed: the client credentials' secret (a Basic password is part of the access token).
    pub client_secret: Option<Vec<u8>>,
    /// The last four characters of the API key or client secret.
    pub secret_hint: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("provider_id", &self.provider_id)
            .field("state", &self.state)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A credential obtained (tokens from a code exchange, a key, client credentials and their
/// first token), in memory only until it is sealed.
#[derive(Default)]
pub(crate) struct Obtained {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub scopes: ScopeList,
    /// The provider-side account, where the provider revealed one.
    pub account_identifier: Option<String>,
    pub auth_method: AuthMethod,
    /// The connection's own configuration values (secret ones included: they are split off and
    /// sealed when saved) and what was captured from the token response. Empty on a
    /// reauthorization that gave none: the connection keeps its values.
    pub config: Values,
    /// Client credentials (or Basic credentials' user name and password).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub secret_hint: String,
}

/// The last four characters of a secret, for people to recognise it by; nothing for a secret
/// so short that four characters would be most of it.
pub fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        String::new()
    } else {
        chars[chars.len() - 4..].iter().collect()
    }
}

/// What a sealed token in `table` (connections, held_connections) is bound to: its row and
/// field, and its provider and owner, so a row re-assigned in the database no longer opens.
pub fn token_aad(table: &str, id: &str, provider_id: &ProviderId, owner: &Owner, field: &str) -> Aad {
    Aad::new(table, id, field).owned_by(&[provider_id.as_str(), &owner.user_id, owner.org_key()])
}

/// The column names sealed values are bound to.
pub const ACCESS_TOKEN: &str = "access_token";
pub const REFRESH_TOKEN: &str = "refresh_token";
pub const CLIENT_SECRET: &str = "client_secret";
pub const CONFIG_SECRET: &str = "config_secret";

/// A token obtained this recently is never refreshed before it expires: whoever asks has just
/// missed a refresh, not found a stale token.
pub const JUST_OBTAINED_MS: i64 = 1_000;

/// Whether a token obtained at `obtained_at` and expiring at `expires_at` must be refreshed
/// before it is handed out: it has expired, or expires within the skew. The skew is at most a
/// third of the token's lifetime: a 60-second skew on a 6-second token would have every fetch
/// refresh it. A token without a known expiry never is.
pub fn refresh_due(expires_at: Option<i64>, obtained_at: i64, now: i64, skew_ms: i64) -> bool {
    let Some(at) = expires_at else { return false };
    if at <= now {
        return true;
    }
    if now - obtained_at < JUST_OBTAINED_MS {
        return false;
    }
    let skew = skew_ms.min((at - obtained_at) / 3).max(0);
    at - skew <= now
}

/// When a token from a response saying `expires_in` seconds stops working, counted from a time
/// no later than the provider issued it, less a second: providers round their issue time down to
/// whole seconds, so a token can die up to a second before "request time + expires_in".
pub fn expiry(requested_at: i64, expires_in_secs: u64) -> i64 {
    requested_at + (expires_in_secs as i64) * 1000 - 1000
}

/// Whether a token is past its expiry (and so useless, whatever the skew).
pub fn expired(expires_at: Option<i64>, now: i64) -> bool {
    matches!(expires_at, Some(at) if at <= now)
}

/// Requested scopes the grant does not hold, in request order.
pub fn missing_scopes(requested: &[String], granted: &[String]) -> Vec<String> {
    // A set: both lists come from outside (the admin's settings, the provider's answer), and a
    // scan per scope made long lists quadratic.
    let granted: std::collections::HashSet<&str> = granted.iter().map(String::as_str).collect();
    requested.iter().filter(|s| !granted.contains(s.as_str())).cloned().collect()
}

/// How long to wait before the next refresh attempt after `failures` consecutive failures:
/// exponential from one second, capped at five minutes, with ±50 % jitter so processes and
/// connections do not retry in step. `jitter` is a number in [0, 1).
pub fn refresh_backoff_ms(failures: i64, jitter: f64) -> i64 {
    let base = 1_000i64.saturating_mul(1i64 << failures.clamp(0, 20));
    let capped = base.min(5 * 60 * 1000) as f64;
    (capped * (0.5 + jitter)).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_due_within_the_skew_or_after_expiry() {
        let now = 1_000_000;
        let long_ago = now - 3_600_000;
        assert!(!refresh_due(None, long_ago, now, 60_000));
        assert!(!refresh_due(Some(now + 60_001), long_ago, now, 60_000));
        assert!(refresh_due(Some(now + 60_000), long_ago, now, 60_000));
        assert!(refresh_due(Some(now - 1), long_ago, now, 60_000));
        assert!(refresh_due(Some(now), long_ago, now, 0));
    }

    #[test]
    fn short_lived_tokens_bound_the_skew() {
        let now = 1_000_000;
        // A 6-second token with the default 60-second skew: not due when just obtained, due in
        // its last third, always once expired.
        let obtained = now;
        let expires = Some(obtained + 6_000);
        assert!(!refresh_due(expires, obtained, now, 60_000));
        assert!(!refresh_due(expires, obtained, now + 3_000, 60_000));
        assert!(refresh_due(expires, obtained, now + 4_000, 60_000));
        assert!(refresh_due(expires, obtained, now + 6_000, 60_000));
        // A token that is already expired when obtained is due at once.
        assert!(refresh_due(Some(now - 1), now, now, 60_000));
    }

    #[test]
    fn expiry_is_conservative_by_a_second() {
        assert_eq!(expiry(10_000, 5), 14_000);
        assert_eq!(expiry(10_000, 0), 9_000);
    }

    #[test]
    fn expiry_ignores_the_skew() {
        assert!(!expired(None, 10));
        assert!(!expired(Some(11), 10));
        assert!(expired(Some(10), 10));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert_eq!(refresh_backoff_ms(0, 0.5), 1_000);
        assert_eq!(refresh_backoff_ms(1, 0.5), 2_000);
        assert_eq!(refresh_backoff_ms(3, 0.5), 8_000);
        assert_eq!(refresh_backoff_ms(30, 0.5), 300_000);
        assert_eq!(refresh_backoff_ms(2, 0.0), 2_000);
        assert_eq!(refresh_backoff_ms(2, 0.999), 5_996);
    }

    #[test]
    fn missing_scopes_keep_request_order() {
        let requested = ["a", "b", "c"].map(String::from);
        let granted = ["c", "a"].map(String::from);
        assert_eq!(missing_scopes(&requested, &granted), ["b"]);
        assert!(missing_scopes(&requested, &requested).is_empty());
    }
}
