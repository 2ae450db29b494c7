//! What the official WorkOS widgets (`<Pipes/>` and `<PipesAdmin/>` of `@workos-inc/widgets`)
//! read and change, in Plumb's terms (`shared` reference `workos-pipes-api-12.md` §7): a viewer's
//! providers as their organization sees them, with the connections the widget shows; an
//! organization's own settings, changed by its managers; connections made with a key or client
//! credentials; and disconnecting by a connection's id. The same domain calls serve Plumb's own
//! widget and the REST API; the wire shapes are `http::widgets_api`'s, the connect hand-off is
//! [`crate::handoff`].

use crate::accounts::Intent;
use crate::connections::{Connection, Owner, Role};
use crate::credentials::CredentialInput;
use crate::error::{Error, Result};
use crate::ids::ConnectionId;
use crate::organizations::{overlay, OrganizationChange};
use crate::plumb::Plumb;
use crate::providers::{Ownership, Provider};
use crate::store::OrganizationSettings;
use crate::widget_tokens::Claims;

/// One provider as a widget viewer sees it.
pub struct ViewedProvider {
    /// As the environment has it.
    pub root: Provider,
    /// As the viewer's organization sees it: its settings laid over the root.
    pub effective: Provider,
    /// The organization's own settings, when it has any.
    pub settings: Option<OrganizationSettings>,
    /// Where Plumb serves its icon (a path), empty when it has none.
    pub icon_path: String,
    /// The owner's connections to it (the organization's, for an organization-owned one),
    /// oldest first.
    pub accounts: Vec<Connection>,
    /// Whether a sign-in can work: the organization's own OAuth app, or the environment's
    /// (its own or the instance's shared one), is complete. Always true without OAuth.
    pub has_credentials: bool,
    /// The keys of secret configuration values pinned on the provider (the values stay sealed).
    pub pinned_secret: Vec<String>,
}

impl ViewedProvider {
    /// Whether the organization connects with an OAuth app of its own.
    pub fn organization_app(&self) -> bool {
        self.settings.as_ref().is_some_and(|s| s.client_id.is_some())
    }

    /// The connection the widget shows as the provider's one installation: the compatibility
    /// connection (the one callers that do not choose get), else the oldest.
    pub fn installation(&self) -> Option<&Connection> {
        self.accounts.iter().find(|c| c.role == Role::Compatibility).or(self.accounts.first())
    }
}

/// An organization choosing exactly the provider's scopes keeps following the provider's.
fn scopes_override(root: &Provider, chosen: Vec<String>) -> Option<Vec<String>> {
    let mut a: Vec<&String> = chosen.iter().collect();
    let mut b: Vec<&String> = root.scopes.0.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    (a != b).then_some(chosen)
}

impl Plumb {
    /// The organization a manager's token manages; refused for any other token.
    pub fn managed_organization<'a>(&self, claims: &'a Claims) -> Result<&'a str> {
        match &claims.org {
            Some(org) if claims.manages_organization() => Ok(org),
            _ => Err(Error::Forbidden(
                "Managing an organization's providers needs a widget token minted for an organization with the \
                 widgets:pipes:manage scope.",
            )),
        }
    }

    /// The viewer's environment's providers of one ownership, oldest first, each as the
    /// viewer's organization sees it, with the viewer's connections (or, for
    /// organization-owned providers, the organization's). None of an organization's without one.
    pub async fn widget_providers(&self, claims: &Claims, ownership: Ownership) -> Result<Vec<ViewedProvider>> {
        let owner = match (ownership, &claims.org) {
            (Ownership::User, _) => claims.owner(),
            (Ownership::Organization, Some(org)) => Owner::organization(org),
            (Ownership::Organization, None) => return Ok(Vec::new()),
        };
        let connections = self.store.connections_of(&owner).await?;
        let icons = self.store.icon_versions().await?;
        let shared_apps = self.shared_apps().await?;
        let mut all_settings = match &claims.org {
            Some(org) => self.store.settings_of_organization(&claims.environment(), org).await?,
            None => Vec::new(),
        };
        let mut out = Vec::new();
        for mut root in self.store.providers(&claims.environment()).await? {
            if root.ownership != ownership {
                continue;
            }
            crate::catalog::refresh(&mut root);
            let settings = all_settings
                .iter()
                .position(|s| s.provider_id == root.id.as_str())
                .map(|i| all_settings.swap_remove(i));
            let has_credentials = match settings.as_ref().filter(|s| s.client_id.is_some()) {
                Some(own) => own.client_secret.is_some() || !root.client_secret_required,
                None => {
                    let shared = shared_apps.iter().any(|s| root.catalog_slug.as_deref() == Some(&s.catalog_slug));
                    root.has_credentials(shared)
                }
            };
            let pinned_secret = match root.access.config_fields.iter().any(|f| f.secret) {
                true => self.pinned_secret_keys(&root)?,
                false => Vec::new(),
            };
            out.push(ViewedProvider {
                effective: match &settings {
                    Some(s) => overlay(root.clone(), s),
                    None => root.clone(),
                },
                icon_path: crate::icons::provider_icon_path(&root, &icons),
                accounts: connections.iter().filter(|c| c.provider_id == root.id).cloned().collect(),
                root,
                settings,
                has_credentials,
                pinned_secret,
            });
        }
        Ok(out)
    }

    /// One provider as [`Plumb::widget_providers`] shows it.
    async fn widget_provider(&self, claims: &Claims, ownership: Ownership, slug: &str) -> Result<ViewedProvider> {
        let all = self.widget_providers(claims, ownership).await?;
        all.into_iter().find(|p| p.root.slug == slug).ok_or_else(|| Error::ProviderNotFound(slug.to_string()))
    }

    /// A manager changes their organization's settings for one of the environment's providers of
    /// `ownership`; returns the provider as the organization now sees it.
    pub async fn configure_from_widget(
        &self,
        claims: &Claims,
        slug: &str,
        ownership: Ownership,
        mut change: OrganizationChange,
    ) -> Result<ViewedProvider> {
        let org = self.managed_organization(claims)?;
        let env = claims.environment();
        let root = self.provider(&env, slug).await?;
        if root.ownership != ownership {
            return Err(Error::ProviderNotFound(slug.to_string()));
        }
        change.scopes = match change.scopes {
            Some(Some(chosen)) => Some(scopes_override(&root, chosen)),
            other => other,
        };
        self.configure_for_organization(&env, slug, org, change).await?;
        self.widget_provider(claims, ownership, slug).await
    }

    /// Stores a key or client credentials from the widget: the viewer's, or with
    /// `organization_root` the organization's (a manager's token only).
    pub async fn install_from_widget_api(
        &self,
        claims: &Claims,
        slug: &str,
        organization_root: bool,
        input: CredentialInput,
    ) -> Result<Connection> {
        if organization_root {
            self.managed_organization(claims)?;
            let provider = self.provider(&claims.environment(), slug).await?;
            if provider.ownership != Ownership::Organization {
                return Err(Error::ProviderNotFound(format!("{slug} (connected per user, not by the organization)")));
            }
        }
        self.install_for_viewer(claims, slug, Intent::default(), input).await
    }

    /// Disconnects one of the viewer's connections (with `organization_root`, one of their
    /// organization's, which only a manager may) by its id, revoking its grant where the
    /// provider can. Another owner's connection, or one of another environment, is not found.
    pub async fn disconnect_from_widget(&self, claims: &Claims, id: &str, organization_root: bool) -> Result<()> {
        let not_found = || Error::ConnectionNotFound(format!("No connected account {id:?} for this viewer."));
        if organization_root {
            self.managed_organization(claims)?;
        }
        if id.is_empty() || id.len() > 128 {
            return Err(not_found());
        }
        let connection = self.store.connection_by_id(&ConnectionId::from(id)).await?.ok_or_else(not_found)?;
        let provider = self.provider_by_id(&connection.provider_id).await?.ok_or_else(not_found)?;
        let organization_owned = provider.ownership == Ownership::Organization;
        if provider.environment_id.as_str() != claims.env || organization_owned != organization_root {
            return Err(not_found());
        }
        if connection.owner != self.widget_owner(claims, &provider, true)? {
            return Err(not_found());
        }
        self.delete_connected_account(&provider, &connection).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choosing_the_providers_own_scopes_sets_no_override() {
        let mut root = Provider::new(&"env_sandbox".into(), "prov_1".into(), "acme".into(), 0);
        root.scopes = crate::providers::ScopeList(vec!["read".into(), "write".into()]);
        assert_eq!(scopes_override(&root, vec!["write".into(), "read".into()]), None);
        assert_eq!(scopes_override(&root, vec!["read".into()]), Some(vec!["read".into()]));
        assert_eq!(scopes_override(&root, vec![]), Some(vec![]));
    }
}
