//! Connected accounts: which of an owner's connections a flow adds or reauthorizes, saving what
//! it obtained, and deleting one with its grant revoked at the provider (RFC 7009)
//! (`docs/workos-api.md` §4.6, §4.17). The API around them is in [`crate::account_api`].

use crate::connections::{self, Connection, Obtained, Owner, Role};
use crate::error::{Error, Result};
use crate::events;
use crate::ids::{self, ConnectionId};
use crate::plumb::Plumb;
use crate::providers::Provider;
use crate::revocation;
use crate::store::MAX_PER_OWNER;
use crate::time::now_ms;
use app::model::ConnectionState;
use serde::{Deserialize, Serialize};

/// `connection_intent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Another connection (the first of an owner fills the compatibility slot).
    Add,
    /// Exactly the connection `connected_account_id` names.
    Reauthorize,
}

/// What a flow that obtains tokens is for, carried with it from authorize to callback (and to
/// finish, for a held connection). Stored as JSON; the default is what SDK 11 callers mean: the
/// owner's compatibility connection, label untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_account_id: Option<String>,
    /// Whether to set the label, and to what (`None`: clear it). Omitted keeps it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set_label: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The user who authorizes: the owner, or for an organization's connection the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established_by: Option<String>,
    /// For a widget flow: whether the viewer manages the organization's connections, so the
    /// widget token minted at the callback says so again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manager: bool,
    /// For a widget flow: the widget's look and language, for the token minted when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<crate::widget_tokens::Look>,
    /// For a held connection: the account its tokens revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
}

impl Intent {
    /// From `connection_intent`, `connected_account_id` and `account_display_name` (`Some(None)`:
    /// the caller sent `null`, which clears the label), with WorkOS's rules: `reauthorize`
    /// needs an id, and an id is accepted with nothing else.
    pub fn from_input(
        intent: Option<&str>,
        connected_account_id: Option<&str>,
        label: Option<Option<&str>>,
    ) -> Result<Self> {
        let action = match intent.map(str::trim).filter(|i| !i.is_empty()) {
            None => None,
            Some("add") => Some(Action::Add),
            Some("reauthorize") => Some(Action::Reauthorize),
            Some(_) => {
                return Err(Error::field(
                    "connection_intent",
                    "invalid",
                    "connection_intent must be add or reauthorize.",
                ))
            }
        };
        let id = connected_account_id.map(str::trim).filter(|i| !i.is_empty());
        match (action, id) {
            (Some(Action::Reauthorize), None) => {
                return Err(Error::field(
                    "connected_account_id",
                    "required",
                    "connection_intent reauthorize needs connected_account_id: the connection to reauthorize.",
                ))
            }
            (Some(Action::Add) | None, Some(_)) => {
                return Err(Error::field(
                    "connected_account_id",
                    "not_accepted",
                    "connected_account_id is accepted only with connection_intent reauthorize.",
                ))
            }
            _ => {}
        }
        if id.is_some_and(|i| i.len() > 256) {
            return Err(Error::field("connected_account_id", "invalid", "connected_account_id is too long."));
        }
        let label = match label {
            None => None,
            Some(None) => Some(None),
            Some(Some(l)) => Some(Some(connections::check_label(l)?).filter(|l| !l.is_empty())),
        };
        Ok(Self {
            action,
            connected_account_id: id.map(str::to_owned),
            set_label: label.is_some(),
            label: label.flatten(),
            established_by: None,
            manager: false,
            look: None,
            account_identifier: None,
        })
    }

    pub fn to_db(&self) -> Option<String> {
        (*self != Self::default()).then(|| serde_json::to_string(self).unwrap_or_default())
    }

    /// A stored intent; one this Plumb cannot read (only a newer one writes such) is the
    /// default, which adds nothing the owner did not have.
    pub fn from_db(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
    }

    /// The user shown as having connected it.
    fn established_by(&self, owner: &Owner) -> Option<String> {
        self.established_by.clone().or_else(|| (!owner.is_organization()).then(|| owner.user_id.clone()))
    }
}

/// The owner a request means for `provider`, and the acting user: `connection_owner` when
/// given (it must match the provider's ownership), else the provider's ownership, so SDK 11
/// callers, which cannot say, reach an organization-owned provider's shared connection.
pub fn owner_for(
    provider: &Provider,
    connection_owner: Option<&str>,
    user_id: Option<&str>,
    organization_id: Option<&str>,
) -> Result<(Owner, String)> {
    let ownership = provider.ownership.as_str();
    let named = connection_owner.map(str::trim).filter(|o| !o.is_empty());
    if let Some(named) = named.filter(|n| matches!(*n, "user" | "organization")) {
        if named != ownership {
            return Err(Error::field(
                "connection_owner",
                "ownership_mismatch",
                format!("{} is connected per {ownership}: send connection_owner {ownership}.", provider.name),
            ));
        }
    }
    Owner::for_request(Some(named.unwrap_or(ownership)), user_id, organization_id)
}

/// Whom a revocation was tried for, and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The provider has no revocation endpoint (or the connection held no token).
    NotAttempted,
    Revoked,
    Failed(String),
}

impl Plumb {
    /// Refuses a flow that cannot end well before the user signs in: another connection where
    /// the provider allows one, or reauthorizing a connection the owner does not have.
    pub(crate) async fn check_intent(&self, provider: &Provider, owner: &Owner, intent: &Intent) -> Result<()> {
        match intent.action {
            Some(Action::Add) => {
                let held = self.store.count_connections_for(&provider.id, owner).await?;
                if held > 0 && !provider.multiple_connections {
                    return Err(multiple_unavailable(provider));
                }
                if held >= MAX_PER_OWNER {
                    return Err(too_many(provider));
                }
            }
            Some(Action::Reauthorize) => {
                let id = intent.connected_account_id.as_deref().unwrap_or_default();
                self.owned_connection(provider, owner, id).await?;
            }
            None => {}
        }
        Ok(())
    }

    /// The owner's connection with this id to this provider.
    pub(crate) async fn owned_connection(&self, provider: &Provider, owner: &Owner, id: &str) -> Result<Connection> {
        match self.store.connection_by_id(&ConnectionId::from(id.to_string())).await? {
            Some(c) if c.provider_id == provider.id && c.owner == *owner => Ok(c),
            _ => Err(Error::ConnectionNotFound(format!("No connected account {id} for this owner and provider."))),
        }
    }

    /// Saves tokens as one of the owner's connections to the provider, as the intent says:
    /// the compatibility one (new or reauthorized), another one, or exactly the one named. An
    /// `add` that brings back an account the owner already connected reauthorizes that
    /// connection instead of duplicating it. Emits `connected`.
    pub(crate) async fn save_obtained(
        &self,
        provider: &Provider,
        owner: &Owner,
        obtained: &Obtained,
        intent: &Intent,
    ) -> Result<Connection> {
        let now = now_ms();
        // Sealed values are bound to the connection id, so the id must be settled before sealing.
        // If another callback for the same owner takes the compatibility slot in between, decide
        // again on fresh data.
        for _ in 0..3 {
            let existing = self.store.connections_for(&provider.id, owner).await?;
            let same_account = |c: &&Connection| {
                obtained.account_identifier.is_some() && c.account_identifier == obtained.account_identifier
            };
            let target = match intent.action {
                Some(Action::Reauthorize) => {
                    let id = intent.connected_account_id.as_deref().unwrap_or_default();
                    let found = existing.iter().find(|c| c.id.as_str() == id);
                    Some(found.cloned().ok_or_else(|| {
                        Error::ConnectionNotFound(format!("No connected account {id} for this owner and provider."))
                    })?)
                }
                Some(Action::Add) => match existing.iter().find(same_account) {
                    Some(c) => Some(c.clone()),
                    None if !existing.is_empty() && !provider.multiple_connections => {
                        return Err(multiple_unavailable(provider))
                    }
                    None if existing.len() as i64 >= MAX_PER_OWNER => return Err(too_many(provider)),
                    None => None,
                },
                None => existing.iter().find(|c| c.role == Role::Compatibility).cloned(),
            };
            let role = match &target {
                Some(c) => c.role,
                None if existing.iter().any(|c| c.role == Role::Compatibility) => Role::Standard,
                None => Role::Compatibility,
            };
            let id = target.as_ref().map(|c| c.id.clone()).unwrap_or_else(ConnectionId::generate);
            let aad = |field| connections::token_aad("connections", id.as_str(), &provider.id, owner, field);
            let label = match intent.set_label {
                true => intent.label.clone(),
                false => target.as_ref().and_then(|c| c.label.clone()),
            };
            let connection = Connection {
                provider_id: provider.id.clone(),
                owner: owner.clone(),
                role,
                label,
                account_identifier: obtained
                    .account_identifier
                    .clone()
                    .or_else(|| target.as_ref().and_then(|c| c.account_identifier.clone())),
                established_by: intent.established_by(owner),
                state: ConnectionState::Connected,
                access_token: Some(self.cipher.seal(obtained.access_token.as_bytes(), &aad(connections::ACCESS_TOKEN))),
                refresh_token: obtained
                    .refresh_token
                    .as_ref()
                    .map(|rt| self.cipher.seal(rt.as_bytes(), &aad(connections::REFRESH_TOKEN))),
                expires_at: obtained.expires_at,
                scopes: obtained.scopes.clone(),
                last_refreshed_at: None,
                last_error: None,
                created_at: target.as_ref().map(|c| c.created_at).unwrap_or(now),
                updated_at: now,
                refresh_lease_owner: None,
                refresh_lease_until: None,
                refresh_failures: 0,
                retry_refresh_at: None,
                auth_method: obtained.auth_method,
                config: Default::default(),
                config_secret: None,
                client_id: obtained.client_id.clone(),
                client_secret: obtained
                    .client_secret
                    .as_ref()
                    .map(|s| self.cipher.seal(s.as_bytes(), &aad(connections::CLIENT_SECRET))),
                secret_hint: obtained.secret_hint.clone(),
                id: id.clone(),
            };
            let connection = match (&target, obtained.config.is_empty()) {
                // A reauthorization that gave no values keeps the connection's (sealed to the
                // same id, so the sealed part carries over as it is).
                (Some(t), true) => {
                    Connection { config: t.config.clone(), config_secret: t.config_secret.clone(), ..connection }
                }
                _ => self.with_config(provider, connection, obtained.config.clone()),
            };
            let event = events::connected_account(events::CONNECTED, &connection, &provider.slug, "connected", now);
            if self.store.save_connection(&connection, Some(&event)).await? {
                tracing::info!(provider = %provider.slug, connection = %id, role = role.as_str(), "connected");
                return Ok(connection);
            }
        }
        Err(Error::Internal("could not save the connection after three attempts".into()))
    }

    /// Deletes a connection, then revokes its grant at the provider when the provider has a
    /// revocation endpoint. The delete stands whatever the provider says: a failure is logged,
    /// recorded in `revocations` (the dashboard shows it) and returned.
    pub async fn delete_connected_account(&self, provider: &Provider, connection: &Connection) -> Result<Revocation> {
        let now = now_ms();
        let make_event =
            |c: &Connection| events::connected_account(events::DISCONNECTED, c, &provider.slug, "disconnected", now);
        let Some(removed) = self.store.delete_connection(&connection.id, make_event).await? else {
            // Someone else deleted it first: the outcome the caller wants holds.
            return Ok(Revocation::NotAttempted);
        };
        tracing::info!(provider = %provider.slug, connection = %removed.id, "connection removed");
        let outcome = self.revoke_grant(provider, &removed).await;
        let (status, error) = match &outcome {
            Revocation::NotAttempted => return Ok(outcome),
            Revocation::Revoked => ("revoked", None),
            Revocation::Failed(why) => {
                tracing::warn!(provider = %provider.slug, connection = %removed.id, error = %why, "revocation failed");
                ("failed", Some(why.as_str()))
            }
        };
        self.store.record_revocation(&ids::new_id("revocation"), provider, &removed, status, error, now_ms()).await?;
        Ok(outcome)
    }

    /// RFC 7009: revokes the connection's refresh token (which ends the grant), or its access
    /// token when it has none.
    async fn revoke_grant(&self, provider: &Provider, removed: &Connection) -> Revocation {
        if provider.revocation_url.is_empty() {
            return Revocation::NotAttempted;
        }
        let aad = |field| {
            connections::token_aad("connections", removed.id.as_str(), &removed.provider_id, &removed.owner, field)
        };
        let (sealed, field, hint) = match (&removed.refresh_token, &removed.access_token) {
            (Some(rt), _) => (rt, connections::REFRESH_TOKEN, "refresh_token"),
            (None, Some(at)) => (at, connections::ACCESS_TOKEN, "access_token"),
            (None, None) => return Revocation::NotAttempted,
        };
        let token = match self.cipher.open_string(sealed, &aad(field)) {
            Ok(token) => token,
            Err(e) => return Revocation::Failed(format!("the stored token could not be opened ({e})")),
        };
        let credentials = match self.credentials_for(provider, removed.owner.organization_id.as_deref()).await {
            Ok(c) => c,
            Err(e) => return Revocation::Failed(e.to_string()),
        };
        let request =
            revocation::revocation_request(&credentials.client(provider), &provider.revocation_url, &token, hint);
        match revocation::revoke(&self.http, &request).await {
            Ok(()) => Revocation::Revoked,
            Err(why) => Revocation::Failed(why),
        }
    }
}

/// An owner at [`MAX_PER_OWNER`] connections to a provider adds no more.
pub(crate) fn too_many(provider: &Provider) -> Error {
    Error::Conflict(format!(
        "This owner already holds {MAX_PER_OWNER} connections to {}, the most Plumb keeps.",
        provider.name
    ))
}

fn multiple_unavailable(provider: &Provider) -> Error {
    Error::MultipleConnectionsUnavailable(format!(
        "{} allows one connection per owner, and this owner has it. Reauthorize it, or enable multiple \
         connections for the provider.",
        provider.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_follow_workos_rules() {
        assert_eq!(Intent::from_input(None, None, None).unwrap(), Intent::default());
        assert_eq!(Intent::from_input(None, None, None).unwrap().to_db(), None);
        let add = Intent::from_input(Some("add"), None, Some(Some(" Work "))).unwrap();
        assert_eq!((add.action, add.set_label, add.label.as_deref()), (Some(Action::Add), true, Some("Work")));
        assert!(Intent::from_input(Some("reauthorize"), None, None).is_err());
        assert!(Intent::from_input(Some("add"), Some("conn_1"), None).is_err());
        assert!(Intent::from_input(None, Some("conn_1"), None).is_err());
        assert!(Intent::from_input(Some("replace"), None, None).is_err());
        let re = Intent::from_input(Some("reauthorize"), Some("conn_1"), Some(None)).unwrap();
        assert_eq!((re.set_label, re.label.as_deref()), (true, None), "null clears the label");
        assert_eq!(Intent::from_db(re.to_db().as_deref()), re);
        assert_eq!(Intent::from_db(Some("{not json")), Intent::default());
    }
}
