//! The connected-account API (`docs/workos-api.md` §4.17-4.26, SDK 12's `*ConnectedAccount` and
//! `list*DataProviders`): reading, relabelling, importing and deleting an owner's connections
//! from a backend, on the user and organization roots alike.

use crate::accounts::{Action, Revocation};
use crate::connections::{self, Connection, Owner, Role, Selector};
use crate::error::{Error, Result};
use crate::events;
use crate::ids::{ConnectionId, EnvironmentId};
use crate::plumb::Plumb;
use crate::providers::{Ownership, Provider, ScopeList};
use crate::store::MAX_PER_OWNER;
use crate::time::now_ms;
use app::model::ConnectionState;

/// Tokens brought from another system (`create*ConnectedAccount`, and a PUT that carries
/// tokens): the migration path away from another token store.
#[derive(Default)]
pub struct Imported {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub scopes: Option<Vec<String>>,
    /// `connected` or `needs_reauthorization`; derived from the tokens when absent.
    pub state: Option<ConnectionState>,
}

impl std::fmt::Debug for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imported").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

impl Imported {
    pub fn carries_tokens(&self) -> bool {
        self.access_token.is_some() || self.refresh_token.is_some()
    }

    /// The state the tokens make, by WorkOS's rules: none is `needs_reauthorization`; an
    /// expiry needs the access token it is the expiry of, and an expiring access token needs a
    /// refresh token to outlive it. A refresh token alone is `connected`: the first fetch
    /// refreshes it.
    fn state(&self) -> Result<ConnectionState> {
        if self.expires_at.is_some() && self.access_token.is_none() {
            return Err(Error::field("expires_at", "invalid", "expires_at is the access token's: send access_token."));
        }
        if self.expires_at.is_some() && self.refresh_token.is_none() {
            return Err(Error::field(
                "refresh_token",
                "required",
                "An access token that expires needs its refresh_token, or the connection dies with it.",
            ));
        }
        let derived = match self.carries_tokens() {
            true => ConnectionState::Connected,
            false => ConnectionState::NeedsReauthorization,
        };
        match self.state {
            Some(ConnectionState::Connected) if !self.carries_tokens() => Err(Error::field(
                "state",
                "invalid",
                "A connection without tokens cannot be connected: send access_token or refresh_token.",
            )),
            Some(state) => Ok(state),
            None => Ok(derived),
        }
    }
}

/// A label or account identifier change: `None` keeps it, `Some(None)` clears it.
pub type Change = Option<Option<String>>;

/// What a write says of an account besides its tokens.
#[derive(Debug, Default)]
pub struct Labels {
    /// `account_display_name`.
    pub label: Change,
    pub account_identifier: Change,
}

/// What a write answers besides the account: `duplicate_account_display_name` when another of
/// the owner's connections to the provider has the same label.
pub struct Written {
    pub connection: Connection,
    pub provider: Provider,
    pub duplicate_label: bool,
}

impl Plumb {
    /// The provider of `slug`, checked to be owned as `owner` is.
    async fn provider_for(&self, env: &EnvironmentId, slug: &str, owner: &Owner) -> Result<Provider> {
        let provider = self.provider(env, slug).await?;
        let wanted = if owner.is_organization() { Ownership::Organization } else { Ownership::User };
        if provider.ownership != wanted {
            return Err(Error::ProviderNotFound(format!(
                "{slug} (connected per {}, not per {})",
                provider.ownership.as_str(),
                wanted.as_str()
            )));
        }
        Ok(provider)
    }

    /// One connected account, as the selector chooses it; 404 when none, 409 when several
    /// match and none was chosen.
    pub async fn connected_account(
        &self,
        env: &EnvironmentId,
        slug: &str,
        owner: &Owner,
        selector: &Selector,
    ) -> Result<(Provider, Connection)> {
        let provider = self.provider_for(env, slug, owner).await?;
        let candidates = self.store.connections_for(&provider.id, owner).await?;
        match selector.choose(candidates)? {
            Some(c) => Ok((provider, c)),
            None => Err(Error::ConnectionNotFound(format!("This owner has no connected account to {slug}."))),
        }
    }

    /// `DELETE …/connected_accounts/{slug}`: deletes the chosen account and revokes its grant.
    pub async fn delete_chosen_account(
        &self,
        env: &EnvironmentId,
        slug: &str,
        owner: &Owner,
        selector: &Selector,
    ) -> Result<Revocation> {
        let (provider, connection) = self.connected_account(env, slug, owner, selector).await?;
        self.delete_connected_account(&provider, &connection).await
    }

    /// `PUT …/connected_accounts/{slug}`: relabels the chosen account, and replaces its tokens
    /// when the body carries some. With neither an id nor a label, the compatibility
    /// connection, which the PUT creates when the owner has none and tokens came.
    pub async fn update_connected_account(
        &self,
        env: &EnvironmentId,
        slug: &str,
        owner: &Owner,
        selector: &Selector,
        labels: Labels,
        imported: Imported,
    ) -> Result<Written> {
        let Labels { label, account_identifier } = labels;
        let provider = self.provider_for(env, slug, owner).await?;
        // "supports_multiple_connections does not change update targeting".
        let selector = Selector { multiple: false, ..selector.clone() };
        let chosen = selector.choose(self.store.connections_for(&provider.id, owner).await?)?;
        let connection = match (chosen, imported.carries_tokens()) {
            (Some(c), false) => {
                let label = label.as_ref().map(|l| l.as_deref());
                let account = account_identifier.as_ref().map(|a| a.as_deref());
                let relabelled = self.store.relabel_connection(&c.id, label, account, now_ms()).await?;
                relabelled.ok_or_else(|| Error::ConnectionNotFound("The connected account was just deleted.".into()))?
            }
            (Some(c), true) => {
                let label = label.unwrap_or(c.label.clone());
                let account = account_identifier.unwrap_or(c.account_identifier.clone());
                self.store_imported(&provider, owner, Some(&c), label, account, &imported).await?
            }
            (None, true) if selector.id.is_none() && selector.label.is_none() => {
                self.store_imported(&provider, owner, None, label.flatten(), account_identifier.flatten(), &imported)
                    .await?
            }
            (None, _) => {
                return Err(Error::ConnectionNotFound(format!("This owner has no connected account to {slug}.")))
            }
        };
        self.written(provider, connection).await
    }

    /// `POST …/connected_accounts/{slug}`: imports tokens as a new connection. Without
    /// `connection_intent` it creates only the compatibility connection (409 when the owner has
    /// one: update it with PUT); with `add`, another one where the provider allows several.
    pub async fn import_connected_account(
        &self,
        env: &EnvironmentId,
        slug: &str,
        owner: &Owner,
        intent: Option<Action>,
        labels: Labels,
        imported: Imported,
    ) -> Result<Written> {
        let (label, account_identifier) = (labels.label.flatten(), labels.account_identifier.flatten());
        let provider = self.provider_for(env, slug, owner).await?;
        let existing = self.store.connections_for(&provider.id, owner).await?;
        match intent {
            Some(Action::Reauthorize) => {
                return Err(Error::field(
                    "connection_intent",
                    "invalid",
                    "This route only creates connections: use PUT to replace one's tokens.",
                ))
            }
            Some(Action::Add) if !existing.is_empty() && !provider.multiple_connections => {
                return Err(Error::MultipleConnectionsUnavailable(format!(
                    "{} allows one connection per owner, and this owner has it: update it with PUT.",
                    provider.name
                )))
            }
            Some(Action::Add) if existing.len() as i64 >= MAX_PER_OWNER => {
                return Err(crate::accounts::too_many(&provider))
            }
            None if existing.iter().any(|c| c.role == Role::Compatibility) => {
                return Err(Error::Conflict(
                    "This owner already has a connected account here: update it with PUT, or send \
                     connection_intent add for another."
                        .into(),
                ))
            }
            _ => {}
        }
        let connection = self.store_imported(&provider, owner, None, label, account_identifier, &imported).await?;
        self.written(provider, connection).await
    }

    /// Seals imported tokens into `target` (a new connection when `None`: the compatibility one
    /// if the owner has none, else a standard one), with a `connected` event when it ends up
    /// connected.
    async fn store_imported(
        &self,
        provider: &Provider,
        owner: &Owner,
        target: Option<&Connection>,
        label: Option<String>,
        account_identifier: Option<String>,
        imported: &Imported,
    ) -> Result<Connection> {
        let state = imported.state()?;
        let now = now_ms();
        for _ in 0..3 {
            let has_compatibility = self.store.connection(&provider.id, owner).await?.is_some();
            let id = target.map(|c| c.id.clone()).unwrap_or_else(ConnectionId::generate);
            let role = match target {
                Some(c) => c.role,
                None if has_compatibility => Role::Standard,
                None => Role::Compatibility,
            };
            let aad = |field| connections::token_aad("connections", id.as_str(), &provider.id, owner, field);
            let seal =
                |value: &Option<String>, field| value.as_ref().map(|v| self.cipher.seal(v.as_bytes(), &aad(field)));
            let connection = Connection {
                id: id.clone(),
                provider_id: provider.id.clone(),
                owner: owner.clone(),
                role,
                label: label.clone(),
                account_identifier: account_identifier.clone(),
                // Developer-managed: nobody authorized it here.
                established_by: target.and_then(|c| c.established_by.clone()),
                state,
                access_token: seal(&imported.access_token, connections::ACCESS_TOKEN),
                refresh_token: seal(&imported.refresh_token, connections::REFRESH_TOKEN),
                // A refresh token alone: expired, so the first fetch refreshes it.
                expires_at: match imported.access_token {
                    None if imported.refresh_token.is_some() => Some(0),
                    _ => imported.expires_at,
                },
                scopes: ScopeList(imported.scopes.clone().unwrap_or_else(|| provider.scopes.0.clone())),
                last_refreshed_at: None,
                last_error: None,
                created_at: target.map(|c| c.created_at).unwrap_or(now),
                updated_at: now,
                refresh_lease_owner: None,
                refresh_lease_until: None,
                refresh_failures: 0,
                retry_refresh_at: None,
                // Imported tokens are OAuth tokens; the connection keeps its configuration.
                auth_method: app::methods::AuthMethod::Oauth,
                config: target.map(|c| c.config.clone()).unwrap_or_default(),
                config_secret: target.and_then(|c| c.config_secret.clone()),
                client_id: None,
                client_secret: None,
                secret_hint: String::new(),
            };
            let event = (state == ConnectionState::Connected)
                .then(|| events::connected_account(events::CONNECTED, &connection, &provider.slug, "connected", now));
            if self.store.save_connection(&connection, event.as_ref()).await? {
                tracing::info!(provider = %provider.slug, connection = %id, "connected account imported");
                return Ok(connection);
            }
            if target.is_some() {
                break;
            }
        }
        Err(Error::Conflict("The connected account changed while it was written: try again.".into()))
    }

    async fn written(&self, provider: Provider, connection: Connection) -> Result<Written> {
        let duplicate_label = match &connection.label {
            None => false,
            Some(label) => self
                .store
                .connections_for(&provider.id, &connection.owner)
                .await?
                .iter()
                .any(|c| c.id != connection.id && c.label.as_deref() == Some(label.as_str())),
        };
        Ok(Written { connection, provider, duplicate_label })
    }

    /// `GET …/data_providers`: the environment's providers an owner can connect to, each with
    /// the owner's connections (users see user-owned providers, and organization-owned ones of
    /// their organization; organizations see organization-owned ones).
    pub async fn data_providers(&self, env: &EnvironmentId, owner: &Owner) -> Result<Vec<(Provider, Vec<Connection>)>> {
        let mine = self.store.connections_of(owner).await?;
        let shared = match (&owner.organization_id, owner.is_organization()) {
            (Some(org), false) => self.store.connections_of(&Owner::organization(org)).await?,
            _ => Vec::new(),
        };
        let providers = self.store.providers(env).await?;
        Ok(providers
            .into_iter()
            .filter(|p| !owner.is_organization() || p.ownership == Ownership::Organization)
            .map(|p| {
                let pool =
                    if p.ownership == Ownership::Organization && !owner.is_organization() { &shared } else { &mine };
                let connections = pool.iter().filter(|c| c.provider_id == p.id).cloned().collect();
                (p, connections)
            })
            .collect())
    }

    /// Sets who owns a provider's connections and whether an owner may hold several. Ownership
    /// changes only while the provider has no connections: each connection belongs to an owner
    /// of the kind it was made for.
    pub async fn set_account_options(
        &self,
        env: &EnvironmentId,
        slug: &str,
        ownership: Option<Ownership>,
        multiple_connections: Option<bool>,
    ) -> Result<Provider> {
        let mut provider = self.provider(env, slug).await?;
        if ownership.is_none() && multiple_connections.is_none() {
            return Ok(provider);
        }
        if let Some(ownership) = ownership.filter(|o| *o != provider.ownership) {
            if self.store.count_connections(&provider.id).await? > 0 {
                return Err(Error::Conflict(format!(
                    "{} has connected accounts: its ownership cannot change. Delete them first.",
                    provider.name
                )));
            }
            provider.ownership = ownership;
        }
        if let Some(multiple) = multiple_connections {
            provider.multiple_connections = multiple;
        }
        provider.updated_at = now_ms();
        if !self.store.update_provider(&provider).await? {
            return Err(Error::ProviderNotFound(slug.to_string()));
        }
        Ok(provider)
    }

    /// The dashboard's delete: one connection of a provider by id, its grant revoked.
    pub async fn delete_connection_by_id(&self, env: &EnvironmentId, slug: &str, id: &str) -> Result<Revocation> {
        let provider = self.provider(env, slug).await?;
        match self.store.connection_by_id(&ConnectionId::from(id.to_string())).await? {
            Some(c) if c.provider_id == provider.id => self.delete_connected_account(&provider, &c).await,
            _ => Err(Error::ConnectionNotFound(format!("No connected account {id} to {}.", provider.name))),
        }
    }

    /// A provider's most recent revocation outcomes, newest first.
    pub async fn revocations_of_provider(
        &self,
        env: &EnvironmentId,
        slug: &str,
    ) -> Result<Vec<crate::store::RevocationRecord>> {
        let provider = self.provider(env, slug).await?;
        self.store.recent_revocations(&provider.id, 20).await
    }
}
