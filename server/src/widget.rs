//! The end user's side: widget tokens minted for a backend, the providers and connection states a
//! widget shows, and disconnecting from it.

use crate::connections::{Connection, Owner};
use crate::error::Result;
use crate::events;
use crate::ids::EnvironmentId;
use crate::plumb::Plumb;
use crate::providers::Provider;
use crate::time::now_ms;
use crate::widget_tokens::{Claims, Subject};
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
    /// `None` when the owner has not connected it.
    pub state: Option<ConnectionState>,
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
    ) -> Result<String> {
        let owner = Owner::from_input(user_id, organization_id)?;
        self.mint_for(env, key_id, &owner).await
    }

    async fn mint_for(&self, env: &EnvironmentId, key_id: &str, owner: &Owner) -> Result<String> {
        let env = self.environment(env).await?;
        let frame_ancestors = crate::origins::merged(&self.config.widget_frame_ancestors, &env.frame_ancestors);
        let subject = Subject {
            user_id: &owner.user_id,
            organization_id: owner.organization_id.as_deref(),
            environment_id: env.id.as_str(),
            frame_ancestors: &frame_ancestors,
            key_id,
        };
        let now = now_ms() / 1000;
        let ttl = self.config.widget_token_ttl.as_secs() as i64;
        Ok(self.widget_signer().mint(&subject, now, ttl))
    }

    /// A fresh widget token for a flow the widget started, minted when the flow ends instead of
    /// storing the first one; refused if the key that minted that one was revoked meanwhile.
    pub(crate) async fn remint_widget_token(&self, env: &EnvironmentId, key_id: &str, owner: &Owner) -> Result<String> {
        if !key_id.is_empty() {
            self.check_minting_key(key_id).await?;
        }
        self.mint_for(env, key_id, owner).await
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
        let owner = claims.owner();
        let connections = self.store.connections_of(&owner).await?;
        let icons = self.store.icon_versions().await?;
        let providers = self
            .store
            .providers(&claims.environment())
            .await?
            .into_iter()
            .filter(|p| p.enabled)
            .map(|provider| WidgetEntry {
                icon_path: crate::icons::served_path(&provider.id, &icons),
                state: connections.iter().find(|c| c.provider_id == provider.id).map(|c| c.state),
                provider,
            })
            .collect();
        Ok(WidgetListing { claims, providers })
    }

    /// Removes the widget owner's connection to one provider. Disconnecting twice is not an
    /// error: the outcome the user wants already holds.
    pub async fn disconnect(&self, token: &str, slug: &str) -> Result<()> {
        let claims = self.widget_session(token).await?;
        let provider = self.provider(&claims.environment(), slug).await?;
        let now = now_ms();
        let make_event =
            |c: &Connection| events::connected_account(events::DISCONNECTED, c, &provider.slug, "disconnected", now);
        if self.store.delete_connection(&provider.id, &claims.owner(), make_event).await? {
            tracing::info!(provider = %provider.slug, "connection removed");
        }
        Ok(())
    }
}
