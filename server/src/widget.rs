//! The end user's side: widget tokens minted for a backend, the providers and connection states a
//! widget shows, and disconnecting from it.

use crate::connections::{Connection, Owner};
use crate::error::{Error, Result};
use crate::ids::EnvironmentId;
use crate::plumb::Plumb;
use crate::providers::{Ownership, Provider};
use crate::time::now_ms;
use crate::widget_tokens::{Claims, Look, Subject, KNOWN_SCOPES, MANAGE};
use app::model::ConnectionState;

/// What one widget shows: whose it is, and each enabled provider with its icon and the owner's
/// connection state.
pub struct WidgetListing {
    pub claims: Claims,
    pub providers: Vec<WidgetEntry>,
}

pub struct WidgetEntry {
    pub provider: Provider,
    /// Where Plumb serves its icon; empty when it has none.
    pub icon_path: String,
    /// The owner's connections to it, oldest first (the organization's, for a shared one).
    pub accounts: Vec<Connection>,
    /// Whether the viewer may change them.
    pub can_manage: bool,
    /// The configuration fields with a value pinned on the provider: not asked for.
    pub pinned: Vec<String>,
}

impl WidgetEntry {
    /// The state the row shows: the worst of its accounts'.
    pub fn state(&self) -> Option<ConnectionState> {
        let broken = self.accounts.iter().find(|c| c.state == ConnectionState::NeedsReauthorization);
        broken.or(self.accounts.first()).map(|c| c.state)
    }
}

impl Plumb {
    /// `POST /widgets/token`: a widget token for one user (and organization) of an environment,
    /// for a backend holding one of its API keys.
    /// The token names the key (`kid`), so it stops working when the key is revoked.
    pub async fn mint_widget_token(
        &self,
        env: &EnvironmentId,
        key_id: &str,
        user_id: Option<&str>,
        organization_id: Option<&str>,
        scopes: &[String],
        asked: &Look,
    ) -> Result<String> {
        let owner = Owner::from_input(user_id, organization_id)?;
        if scopes.len() > KNOWN_SCOPES.len() {
            return Err(Error::field("scopes", "too_many", "Send each widget scope at most once."));
        }
        if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
            return Err(Error::field(
                "scopes",
                "unknown_scope",
                format!("{:?} is not a widget scope.", unknown.chars().take(64).collect::<String>()),
            ));
        }
        if scopes.iter().any(|s| s == MANAGE) && owner.organization_id.is_none() {
            return Err(Error::field(
                "organization_id",
                "required",
                "widgets:pipes:manage manages an organization's connections: send the organization_id.",
            ));
        }
        // The environment's theme, with what this request asked for over it.
        let theme = match &asked.theme {
            Some(own) => self.widget_theme(env).await?.overlaid(own),
            None => self.widget_theme(env).await?,
        };
        let look = Look { theme: Some(theme), locale: asked.locale.clone() };
        self.mint_for(env, key_id, &owner, scopes, &look).await
    }

    async fn mint_for(
        &self,
        env: &EnvironmentId,
        key_id: &str,
        owner: &Owner,
        permissions: &[String],
        look: &Look,
    ) -> Result<String> {
        let env = self.environment(env).await?;
        let frame_ancestors = crate::origins::merged(&self.config.widget_frame_ancestors, &env.frame_ancestors);
        let subject = Subject {
            user_id: &owner.user_id,
            organization_id: owner.organization_id.as_deref(),
            environment_id: env.id.as_str(),
            frame_ancestors: &frame_ancestors,
            key_id,
            permissions,
            look,
        };
        let now = now_ms() / 1000;
        let ttl = self.config.widget_token_ttl.as_secs() as i64;
        Ok(self.widget_signer().mint(&subject, now, ttl))
    }

    /// A fresh widget token for a flow the widget started, minted when the flow ends instead of
    /// storing the first one; refused if the key that minted that one was revoked meanwhile.
    pub(crate) async fn remint_widget_token(
        &self,
        env: &EnvironmentId,
        key_id: &str,
        owner: &Owner,
        manager: bool,
        look: &Look,
    ) -> Result<String> {
        if !key_id.is_empty() {
            self.check_minting_key(key_id).await?;
        }
        let permissions = if manager { vec![MANAGE.to_string()] } else { Vec::new() };
        self.mint_for(env, key_id, owner, &permissions, look).await
    }

    /// Whose connection to `provider` a widget viewer acts on: their own, or for an
    /// organization-owned provider their organization's, which only a manager may change.
    pub(crate) fn widget_owner(&self, claims: &Claims, provider: &Provider, changing: bool) -> Result<Owner> {
        if provider.ownership != Ownership::Organization {
            return Ok(claims.owner());
        }
        let Some(org) = &claims.org else {
            return Err(Error::Forbidden(
                "This provider is connected once per organization: open the widget within an organization.",
            ));
        };
        if changing && !claims.manages_organization() {
            return Err(Error::Forbidden(
                "Only an organization manager can connect or disconnect this shared connection.",
            ));
        }
        Ok(Owner::organization(org))
    }

    /// A widget token's claims, once its signature, expiry and minting key are checked: every
    /// widget action goes through here. (The widget page's security headers read the signed
    /// claims alone, [`Plumb::widget_claims`], and change nothing.)
    pub async fn widget_session(&self, token: &str) -> Result<Claims> {
        let claims = self.widget_claims(token)?;
        if let Some(key_id) = &claims.kid {
            self.check_minting_key(key_id).await?;
        }
        Ok(claims)
    }

    async fn check_minting_key(&self, key_id: &str) -> Result<()> {
        match self.store.api_key_by_id(key_id).await? {
            Some(key) if key.revoked_at.is_none() => Ok(()),
            _ => Err(crate::error::Error::InvalidWidgetToken(
                "This link is no longer valid: the application's API key was revoked. Open the connections page \
                 again from the application.",
            )),
        }
    }

    /// The enabled providers of the token's environment and the owner's state with each.
    pub async fn widget_listing(&self, token: &str) -> Result<WidgetListing> {
        let claims = self.widget_session(token).await?;
        let mine = self.store.connections_of(&claims.owner()).await?;
        let shared = match &claims.org {
            Some(org) => self.store.connections_of(&Owner::organization(org)).await?,
            None => Vec::new(),
        };
        let icons = self.store.icon_versions().await?;
        let mut providers = Vec::new();
        for provider in self.store.providers(&claims.environment()).await? {
            let is_shared = provider.ownership == Ownership::Organization;
            // A shared provider needs an organization to belong to.
            if !provider.enabled || (is_shared && claims.org.is_none()) {
                continue;
            }
            let pool = if is_shared { &shared } else { &mine };
            // What the viewer's organization pinned is not asked either.
            let pinned = match provider.access.config_fields.is_empty() {
                true => Vec::new(),
                false => {
                    let seen = self.for_organization(provider.clone(), claims.org.as_deref()).await?;
                    self.pinned_values(&seen)?.into_keys().collect()
                }
            };
            providers.push(WidgetEntry {
                pinned,
                icon_path: crate::icons::provider_icon_path(&provider, &icons),
                accounts: pool.iter().filter(|c| c.provider_id == provider.id).cloned().collect(),
                can_manage: !is_shared || claims.manages_organization(),
                provider,
            });
        }
        Ok(WidgetListing { claims, providers })
    }

    /// Renames one of the widget owner's connections (an empty label clears it).
    pub async fn rename_account(&self, token: &str, slug: &str, account: &str, label: &str) -> Result<()> {
        let claims = self.widget_session(token).await?;
        let provider = self.provider(&claims.environment(), slug).await?;
        let owner = self.widget_owner(&claims, &provider, true)?;
        let connection = self.owned_connection(&provider, &owner, account).await?;
        let label = crate::connections::check_label(label)?;
        let label = (!label.is_empty()).then_some(label.as_str());
        self.store.relabel_connection(&connection.id, Some(label), None, now_ms()).await?;
        Ok(())
    }

    /// Removes one of the widget owner's connections to a provider: `account` names it, else
    /// the compatibility one; its grant is revoked at the provider when it can be. Disconnecting
    /// twice is not an error: the outcome the user wants already holds.
    pub async fn disconnect(&self, token: &str, slug: &str, account: Option<&str>) -> Result<()> {
        let claims = self.widget_session(token).await?;
        let provider = self.provider(&claims.environment(), slug).await?;
        let owner = self.widget_owner(&claims, &provider, true)?;
        let target = match account.filter(|a| !a.is_empty()) {
            Some(id) => match self.owned_connection(&provider, &owner, id).await {
                Ok(c) => Some(c),
                Err(Error::ConnectionNotFound(_)) => None,
                Err(e) => return Err(e),
            },
            None => self.store.connection(&provider.id, &owner).await?,
        };
        if let Some(connection) = target {
            self.delete_connected_account(&provider, &connection).await?;
        }
        Ok(())
    }
}
