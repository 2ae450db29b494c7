//! An organization's own configuration of a provider (`PUT /data-integrations/{slug}/organization`
//! with `organization_id`, `docs/workos-api.md` §5.2): whether its members may connect, its
//! scopes, and its own OAuth app. What it does not set falls back to the environment's
//! provider; the environment disabling a provider wins over an organization enabling it.

use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::ids::{EnvironmentId, ProviderId};
use crate::plumb::{Credentials, Plumb};
use crate::providers::{Provider, ScopeList};
use crate::store::OrganizationSettings;
use crate::time::now_ms;

/// What an organization's sealed client secret is bound to: its row.
pub fn secret_aad(provider_id: &ProviderId, organization_id: &str) -> Aad {
    Aad::new("provider_organizations", &format!("{provider_id}/{organization_id}"), "client_secret")
}

/// A change to an organization's settings; `None` keeps a field.
#[derive(Default)]
pub struct OrganizationChange {
    pub enabled: Option<bool>,
    /// `Some(None)`: back to the provider's scopes.
    pub scopes: Option<Option<Vec<String>>>,
    /// The organization's own OAuth app; an empty secret keeps the stored one.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Back to the environment's app.
    pub remove_app: bool,
    /// The organization's pinned values for the provider's non-secret fields; `Some` of an
    /// empty map: back to the provider's.
    pub config: Option<crate::templates::Values>,
}

impl std::fmt::Debug for OrganizationChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrganizationChange").field("enabled", &self.enabled).finish_non_exhaustive()
    }
}

/// The provider as an organization sees it: its settings laid over the provider's.
pub fn overlay(mut provider: Provider, settings: &OrganizationSettings) -> Provider {
    provider.enabled = provider.enabled && settings.enabled.unwrap_or(true);
    if let Some(scopes) = &settings.scopes {
        provider.scopes = ScopeList::from(scopes.clone());
    }
    if let Some(client_id) = &settings.client_id {
        provider.client_id = client_id.clone();
        provider.client_secret_hint = settings.client_secret_hint.clone();
    }
    // Values the organization pinned win over the provider's (a stored document this Plumb
    // cannot read pins nothing).
    let own: crate::templates::Values =
        settings.config.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
    provider.config.extend(own);
    provider
}

impl Plumb {
    /// `provider` as `organization_id`'s members see it (unchanged without one).
    pub(crate) async fn for_organization(&self, provider: Provider, organization_id: Option<&str>) -> Result<Provider> {
        let Some(org) = organization_id else { return Ok(provider) };
        Ok(match self.store.organization_settings(&provider.id, org).await? {
            Some(settings) => overlay(provider, &settings),
            None => provider,
        })
    }

    /// The client credentials for a request made for `organization_id`'s connection: its own
    /// OAuth app when it has one, else the provider's.
    pub(crate) async fn credentials_for(
        &self,
        provider: &Provider,
        organization_id: Option<&str>,
    ) -> Result<Credentials> {
        if let Some(org) = organization_id {
            if let Some(settings) = self.store.organization_settings(&provider.id, org).await? {
                if let Some(client_id) = settings.client_id {
                    let client_secret = match settings.client_secret {
                        Some(sealed) if provider.client_secret_required => {
                            Some(self.cipher.open_string(&sealed, &secret_aad(&provider.id, org))?)
                        }
                        _ => None,
                    };
                    return Ok(Credentials { client_id, client_secret });
                }
            }
        }
        self.credentials(provider).await
    }

    /// The provider as the organization sees it, with its own settings when it has any.
    pub async fn organization_configuration(
        &self,
        env: &EnvironmentId,
        slug: &str,
        organization_id: &str,
    ) -> Result<(Provider, Option<OrganizationSettings>)> {
        let provider = self.provider(env, slug).await?;
        let settings = self.store.organization_settings(&provider.id, organization_id).await?;
        let effective = match &settings {
            Some(s) => overlay(provider, s),
            None => provider,
        };
        Ok((effective, settings))
    }

    /// Changes an organization's settings for a provider; every problem is reported at once
    /// and nothing is stored unless all pass.
    pub async fn configure_for_organization(
        &self,
        env: &EnvironmentId,
        slug: &str,
        organization_id: &str,
        change: OrganizationChange,
    ) -> Result<(Provider, Option<OrganizationSettings>)> {
        let provider = self.provider(env, slug).await?;
        let now = now_ms();
        let mut settings =
            self.store.organization_settings(&provider.id, organization_id).await?.unwrap_or(OrganizationSettings {
                provider_id: provider.id.to_string(),
                organization_id: organization_id.to_string(),
                created_at: now,
                ..Default::default()
            });
        let mut errors = Vec::new();
        let mut fail = |field: &str, code: &str, message: String| {
            errors.push(app::error::FieldError { field: field.into(), code: code.into(), message })
        };
        if let Some(enabled) = change.enabled {
            settings.enabled = Some(enabled);
        }
        match change.scopes {
            None => {}
            Some(None) => settings.scopes = None,
            Some(Some(scopes)) => match crate::provider_rules::check_scopes(&scopes) {
                Ok(scopes) => settings.scopes = Some(ScopeList(scopes).to_db()),
                Err(message) => fail("scopes", "invalid", message),
            },
        }
        if change.remove_app {
            (settings.client_id, settings.client_secret, settings.client_secret_hint) = (None, None, String::new());
        }
        if let Some(client_id) = change.client_id.map(|c| c.trim().to_string()) {
            if client_id.is_empty() || client_id.len() > 255 {
                fail("credentials.client_id", "invalid", "Enter the organization's client ID: 1 to 255 bytes.".into());
            }
            let secret = change.client_secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let same_app = settings.client_id.as_deref() == Some(client_id.as_str());
            match secret {
                Some(s) if s.len() > 2048 => {
                    fail("credentials.client_secret", "too_long", "Use at most 2048 bytes.".into())
                }
                Some(s) => {
                    settings.client_secret =
                        Some(self.cipher.seal(s.as_bytes(), &secret_aad(&provider.id, organization_id)));
                    settings.client_secret_hint = crate::provider_admin::hint(s);
                }
                // A new app needs its own secret; the same app keeps the stored one.
                None if provider.client_secret_required && !(same_app && settings.client_secret.is_some()) => fail(
                    "credentials.client_secret",
                    "required",
                    "Enter the client secret of the organization's OAuth app.".into(),
                ),
                None => {}
            }
            settings.client_id = Some(client_id);
        } else if change.client_secret.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            fail("credentials.client_id", "required", "Send the client ID with the client secret.".into());
        }
        if let Some(values) = change.config {
            let fields = &provider.access.config_fields;
            if let Some(key) = values.keys().find(|k| fields.iter().any(|f| f.key == **k && f.secret)) {
                fail("config", "not_accepted", format!("{key} is secret: pin it on the provider."));
            } else {
                match crate::config_fields::check_pinned(fields, &values) {
                    Ok(v) if v.is_empty() => settings.config = None,
                    Ok(v) => settings.config = Some(serde_json::to_string(&v).expect("values serialize")),
                    Err(Error::Validation(mut e)) => errors.append(&mut e),
                    Err(other) => return Err(other),
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        settings.updated_at = now;
        self.store.save_organization_settings(&settings).await?;
        tracing::info!(provider = %provider.slug, "organization settings changed");
        Ok((overlay(provider, &settings), Some(settings)))
    }

    /// Drops an organization's settings: it uses the provider's again. Returns whether it had any.
    pub async fn reset_organization(&self, env: &EnvironmentId, slug: &str, organization_id: &str) -> Result<bool> {
        let provider = self.provider(env, slug).await?;
        self.store.delete_organization_settings(&provider.id, organization_id).await
    }
}
