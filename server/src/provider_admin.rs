//! Provider administration, for the dashboard and the admin API alike: add custom providers,
//! enable catalog providers, edit, enable or disable, delete, and register the instance's shared
//! OAuth apps. Every change is validated in full ([`crate::provider_rules`]) before anything is
//! written.

use crate::catalog::{self, CatalogEntry};
use crate::connections::Connection;
use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::events;
use crate::icons::{Icon, IconVersion};
use crate::ids::{EnvironmentId, ProviderId};
use crate::paging::Page;
use crate::plumb::Plumb;
use crate::provider_rules::{self, Purpose};
use crate::provider_settings::{CatalogChange, Draft, ProviderChange};
use crate::providers::{CredentialsKind, Provider, ScopeList};
use crate::store::{InsertProviderError, SharedCredentials};
use crate::time::now_ms;
use app::error::FieldError;
use app::model::{CatalogView, Discovered, ProviderDetail, SharedCredentialsInput};

fn field_error(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), code: code.into(), message: message.into() }
}

/// Who edits a provider: an admin in the dashboard, or a backend with an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    Admin,
    ApiKey,
}

/// The last four characters of a secret, for the API's `redacted_client_secret`; nothing for
/// secrets too short to spare four.
pub(crate) fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 12 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    }
}

/// What a save does to a provider's icon.
enum IconChange {
    Keep,
    Set(Icon, &'static str),
    Remove,
}

/// The name a shared app is shown under.
fn shared_app_name(app: &SharedCredentials) -> String {
    if app.app_name.is_empty() {
        "the operator's app".to_string()
    } else {
        app.app_name.clone()
    }
}

impl Plumb {
    /// Decides, and checks, the icon change a draft asks for: an upload wins; a new or changed
    /// URL is fetched and checked; a cleared URL removes a fetched icon.
    async fn icon_change(
        &self,
        draft: &Draft,
        stored_url: Option<&str>,
        stored_source: Option<&str>,
    ) -> std::result::Result<IconChange, FieldError> {
        if draft.remove_icon {
            return Ok(IconChange::Remove);
        }
        let upload = draft.icon_upload.trim();
        if !upload.is_empty() {
            return crate::icons::from_data_url(upload)
                .map(|icon| IconChange::Set(icon, "upload"))
                .map_err(|m| field_error("icon_upload", "invalid_image", m));
        }
        let url = draft.icon_url.trim();
        if url.is_empty() {
            return Ok(if stored_source == Some("url") { IconChange::Remove } else { IconChange::Keep });
        }
        if stored_url == Some(url) && stored_source == Some("url") {
            return Ok(IconChange::Keep);
        }
        crate::icons::fetch(&self.http, url)
            .await
            .map(|icon| IconChange::Set(icon, "url"))
            .map_err(|m| field_error("icon_url", "invalid_image", m))
    }

    async fn apply_icon(&self, provider: &Provider, change: IconChange) -> Result<()> {
        match change {
            IconChange::Keep => Ok(()),
            IconChange::Set(icon, source) => self.store.save_icon(&provider.id, &icon, source, now_ms()).await,
            IconChange::Remove => self.store.delete_icon(&provider.id).await,
        }
    }

    fn seal_client_secret(&self, provider: &mut Provider, secret: &str) {
        provider.client_secret =
            Some(self.cipher.seal(secret.as_bytes(), &Aad::new("providers", provider.id.as_str(), "client_secret")));
        provider.client_secret_hint = hint(secret);
    }

    async fn insert_new(&self, provider: &Provider) -> Result<()> {
        match self.store.insert_provider(provider).await {
            Ok(()) => Ok(()),
            // Lost a race with another admin adding the same slug.
            Err(InsertProviderError::SlugTaken) => Err(slug_taken(&provider.slug)),
            Err(InsertProviderError::Other(e)) => Err(e),
        }
    }

    /// Adds a custom provider: the change over a new provider's defaults.
    pub async fn create_custom_provider(&self, env: &EnvironmentId, change: ProviderChange) -> Result<Provider> {
        let pinned = change.config.clone();
        let draft = Draft::new().with(change);
        let valid = provider_rules::validate(&draft, Purpose::Create, self.config.outbound());
        let mut errors = valid.as_ref().err().cloned().unwrap_or_default();
        let slug = draft.slug.trim();
        if catalog::entry(slug).is_some() {
            errors.push(field_error(
                "slug",
                "reserved",
                format!("{slug:?} is a built-in provider: enable it from the catalog, or choose another slug."),
            ));
        } else if errors.iter().all(|e| e.field != "slug") && self.store.provider_by_slug(env, slug).await?.is_some() {
            errors.push(field_error(
                "slug",
                "slug_taken",
                format!("A provider with the slug {slug:?} already exists."),
            ));
        }
        let icon = if errors.iter().any(|e| e.field == "icon_url") {
            IconChange::Keep
        } else {
            match self.icon_change(&draft, None, None).await {
                Ok(change) => change,
                Err(e) => {
                    errors.push(e);
                    IconChange::Keep
                }
            }
        };
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let valid = valid.map_err(Error::Validation)?;
        let mut provider = Provider::new(env, ProviderId::generate(), valid.slug.clone(), now_ms());
        valid.apply_to(&mut provider);
        self.pin_values(&mut provider, pinned.as_ref())?;
        if matches!(icon, IconChange::Set(_, "upload")) {
            provider.icon_url.clear();
        }
        if let Some(secret) = &valid.client_secret {
            self.seal_client_secret(&mut provider, secret);
        }
        self.insert_new(&provider).await?;
        self.apply_icon(&provider, icon).await?;
        tracing::info!(provider = %provider.slug, "custom provider added");
        Ok(provider)
    }

    /// Edits a custom provider: every field the change names but the slug. An empty or absent
    /// secret keeps the stored one.
    ///
    /// Through the API, moving the token or refresh URL to another origin needs the stored
    /// client secret in the same request: those URLs receive every refresh token and the
    /// secret, and an API key alone must not be able to send them to a server of its choice.
    pub async fn update_custom_provider(
        &self,
        env: &EnvironmentId,
        slug: &str,
        change: ProviderChange,
        editor: Editor,
    ) -> Result<Provider> {
        let mut provider = self.stored_provider(env, slug).await?;
        let before = provider.clone();
        if provider.catalog_slug.is_some() {
            return Err(Error::field(
                "slug",
                "catalog_provider",
                format!(
                    "{} comes from the catalog: only its description, credentials and scopes can change.",
                    provider.name
                ),
            ));
        }
        let pinned = change.config.clone();
        let draft = Draft::of(&provider).with(change);
        let valid = provider_rules::validate(
            &draft,
            Purpose::Edit { has_stored_secret: provider.client_secret.is_some() },
            self.config.outbound(),
        );
        let source = self.icon_version(&provider.id).await?.map(|v| v.source);
        let icon = match &valid {
            Err(errors) if errors.iter().any(|e| e.field == "icon_url") => Ok(IconChange::Keep),
            _ => self.icon_change(&draft, Some(&provider.icon_url), source.as_deref()).await,
        };
        let (valid, icon) = match (valid, icon) {
            (Ok(v), Ok(i)) => (v, i),
            (v, i) => {
                let mut errors = v.err().unwrap_or_default();
                errors.extend(i.err());
                return Err(Error::Validation(errors));
            }
        };
        valid.apply_to(&mut provider);
        self.pin_values(&mut provider, pinned.as_ref())?;
        if editor == Editor::ApiKey {
            self.check_token_destination(&before, &provider, valid.client_secret.as_deref())?;
        }
        if matches!(icon, IconChange::Set(_, "upload") | IconChange::Remove) {
            provider.icon_url.clear();
        }
        if let Some(secret) = &valid.client_secret {
            self.seal_client_secret(&mut provider, secret);
        }
        provider.updated_at = now_ms();
        self.save(&provider).await?;
        self.apply_icon(&provider, icon).await?;
        tracing::info!(provider = %provider.slug, "provider updated");
        Ok(provider)
    }

    /// Refuses an API edit that sends tokens to another origin without proving it knows the
    /// stored client secret (or at all, for a public client, which has none to prove).
    fn check_token_destination(&self, before: &Provider, after: &Provider, presented: Option<&str>) -> Result<()> {
        let origin = |url: &str| url::Url::parse(url).map(|u| u.origin().ascii_serialization()).ok();
        let moved = [
            (before.token_url.as_str(), after.token_url.as_str(), "token_url"),
            (before.refresh_url(), after.refresh_url(), "refresh_token_url"),
            (before.revocation_url.as_str(), after.revocation_url.as_str(), "revocation_url"),
        ]
        .into_iter()
        .find(|(old, new, _)| origin(old) != origin(new));
        let Some((_, _, field)) = moved else { return Ok(()) };
        let stored = match &before.client_secret {
            Some(sealed) => {
                Some(self.cipher.open_string(sealed, &Aad::new("providers", before.id.as_str(), "client_secret"))?)
            }
            None => None,
        };
        let proven = match (stored.as_deref(), presented) {
            (Some(stored), Some(presented)) => crate::crypto::constant_time_eq(stored.as_bytes(), presented.as_bytes()),
            _ => false,
        };
        if proven {
            return Ok(());
        }
        Err(Error::field(
            field,
            "secret_required",
            "Moving the token, refresh or revocation URL to another host sends refresh tokens and the client secret there: \
             send the current client secret in credentials.client_secret with the change, or make it in the dashboard.",
        ))
    }

    /// Enables a catalog provider with the admin's own OAuth app or the instance's shared one.
    pub async fn enable_catalog_provider(
        &self,
        env: &EnvironmentId,
        catalog_slug: &str,
        change: CatalogChange,
    ) -> Result<Provider> {
        let Some(entry) = catalog::entry(catalog_slug.trim()) else {
            return Err(Error::field("catalog", "unknown", format!("{catalog_slug:?} is not in the catalog.")));
        };
        let settings = CatalogSettings::new(change, None);
        let mut errors = self.check_catalog_settings(entry, &settings, false).await?;
        if self.store.provider_by_slug(env, &entry.slug).await?.is_some() {
            errors.push(field_error("catalog", "slug_taken", format!("{} is already enabled.", entry.name)));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let mut provider = Provider::new(env, ProviderId::generate(), entry.slug.clone(), now_ms());
        provider.name = entry.name.clone();
        provider.catalog_slug = Some(entry.slug.clone());
        entry.apply_to(&mut provider);
        self.apply_catalog_settings(&mut provider, entry, &settings);
        self.pin_values(&mut provider, settings.config.as_ref())?;
        self.insert_new(&provider).await?;
        tracing::info!(provider = %provider.slug, shared = settings.shared, "catalog provider enabled");
        Ok(provider)
    }

    /// Changes a catalog provider's description, credentials or scopes: those the change names.
    pub async fn update_catalog_provider(
        &self,
        env: &EnvironmentId,
        slug: &str,
        change: CatalogChange,
    ) -> Result<Provider> {
        let mut provider = self.stored_provider(env, slug).await?;
        catalog::refresh(&mut provider);
        let Some(entry) = provider.catalog_slug.as_deref().and_then(catalog::entry) else {
            return Err(Error::field("catalog", "custom_provider", format!("{} is a custom provider.", provider.name)));
        };
        let keeps_secret = provider.client_secret.is_some() && !provider.uses_shared_credentials();
        let settings = CatalogSettings::new(change, Some(&provider));
        let errors = self.check_catalog_settings(entry, &settings, keeps_secret).await?;
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        self.apply_catalog_settings(&mut provider, entry, &settings);
        self.pin_values(&mut provider, settings.config.as_ref())?;
        provider.updated_at = now_ms();
        self.save(&provider).await?;
        catalog::refresh(&mut provider);
        tracing::info!(provider = %provider.slug, "catalog provider updated");
        Ok(provider)
    }

    async fn check_catalog_settings(
        &self,
        entry: &CatalogEntry,
        settings: &CatalogSettings,
        keeps_secret: bool,
    ) -> Result<Vec<FieldError>> {
        let mut errors = Vec::new();
        if settings.description.trim().chars().count() > 500 {
            errors.push(field_error("description", "too_long", "Use at most 500 characters."));
        }
        if let Err(message) = provider_rules::check_scopes(&settings.scopes) {
            errors.push(field_error("scopes", "invalid", message));
        }
        // The same limits as a custom provider's credentials (docs/provider-configuration.md §2).
        if settings.client_id.trim().len() > 255 {
            errors.push(field_error("client_id", "too_long", "Use at most 255 characters."));
        }
        if settings.client_secret.trim().len() > 2048 {
            errors.push(field_error("client_secret", "too_long", "Use at most 2048 characters."));
        }
        if settings.shared {
            if self.store.shared_credentials(&entry.slug).await?.is_none() {
                errors.push(field_error(
                    "use_shared_credentials",
                    "not_registered",
                    format!(
                        "This Plumb instance has no shared OAuth app for {}: use your own credentials.",
                        entry.name
                    ),
                ));
            }
        } else if entry.auth_methods.contains(&app::methods::AuthMethod::Oauth) {
            // Only OAuth needs the admin's app: keys and client credentials come per owner.
            if settings.client_id.trim().is_empty() {
                errors.push(field_error(
                    "client_id",
                    "required",
                    format!("Enter the client ID of your {} OAuth app.", entry.name),
                ));
            }
            if settings.client_secret.trim().is_empty() && !keeps_secret {
                errors.push(field_error(
                    "client_secret",
                    "required",
                    format!("Enter the client secret of your {} OAuth app.", entry.name),
                ));
            }
        }
        Ok(errors)
    }

    fn apply_catalog_settings(&self, provider: &mut Provider, entry: &CatalogEntry, settings: &CatalogSettings) {
        provider.description = settings.description.trim().to_string();
        let scopes = provider_rules::check_scopes(&settings.scopes).unwrap_or_default();
        provider.scopes = ScopeList(if scopes.is_empty() { entry.default_scopes.clone() } else { scopes });
        if settings.shared {
            provider.credentials = CredentialsKind::Shared;
            provider.client_id.clear();
            provider.client_secret = None;
            provider.client_secret_hint.clear();
        } else {
            provider.credentials = CredentialsKind::Custom;
            provider.client_id = settings.client_id.trim().to_string();
            let secret = settings.client_secret.trim();
            if !secret.is_empty() {
                self.seal_client_secret(provider, secret);
            }
        }
    }

    async fn save(&self, provider: &Provider) -> Result<()> {
        if self.store.update_provider(provider).await? {
            Ok(())
        } else {
            Err(Error::ProviderNotFound(provider.slug.clone()))
        }
    }

    /// Turns a provider on or off: a disabled provider is hidden from the widget and accepts no new
    /// connections; existing connections keep working.
    pub async fn set_provider_enabled(&self, env: &EnvironmentId, slug: &str, enabled: bool) -> Result<Provider> {
        let mut provider = self.stored_provider(env, slug).await?;
        if provider.enabled != enabled {
            provider.enabled = enabled;
            provider.updated_at = now_ms();
            self.save(&provider).await?;
        }
        catalog::refresh(&mut provider);
        Ok(provider)
    }

    /// Deletes a provider with its connected accounts; returns how many accounts went.
    pub async fn delete_provider(&self, env: &EnvironmentId, slug: &str) -> Result<i64> {
        let provider = self.stored_provider(env, slug).await?;
        let now = now_ms();
        let make_event =
            |c: &Connection| events::connected_account(events::DISCONNECTED, c, &provider.slug, "disconnected", now);
        let Some(accounts) = self.store.delete_provider(&provider.id, make_event).await? else {
            return Err(Error::ProviderNotFound(slug.to_string()));
        };
        tracing::info!(provider = %slug, accounts, "provider deleted with its connected accounts");
        Ok(accounts)
    }

    /// Registers (or replaces) the instance's shared OAuth app for a catalog provider.
    pub async fn save_shared_credentials(&self, input: &SharedCredentialsInput) -> Result<()> {
        let mut errors = Vec::new();
        let entry = catalog::entry(input.catalog.trim());
        if entry.is_none() {
            errors.push(field_error("catalog", "unknown", format!("{:?} is not in the catalog.", input.catalog)));
        }
        if input.client_id.trim().is_empty() {
            errors.push(field_error("client_id", "required", "Enter the client ID of the shared OAuth app."));
        } else if input.client_id.trim().len() > 255 {
            errors.push(field_error("client_id", "too_long", "Use at most 255 characters."));
        }
        if input.client_secret.trim().is_empty() {
            errors.push(field_error("client_secret", "required", "Enter the client secret of the shared OAuth app."));
        } else if input.client_secret.trim().len() > 2048 {
            errors.push(field_error("client_secret", "too_long", "Use at most 2048 characters."));
        }
        if input.app_name.trim().chars().count() > 80 {
            errors.push(field_error("app_name", "too_long", "Use at most 80 characters."));
        }
        let (Some(entry), true) = (entry, errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        let now = now_ms();
        let created_at = self.store.shared_credentials(&entry.slug).await?.map(|c| c.created_at).unwrap_or(now);
        self.store
            .save_shared_credentials(&SharedCredentials {
                catalog_slug: entry.slug.clone(),
                app_name: input.app_name.trim().to_string(),
                client_id: input.client_id.trim().to_string(),
                client_secret: Some(self.cipher.seal(
                    input.client_secret.trim().as_bytes(),
                    &Aad::new("shared_credentials", &entry.slug, "client_secret"),
                )),
                created_at,
                updated_at: now,
            })
            .await?;
        tracing::info!(catalog = %entry.slug, "shared credentials registered");
        Ok(())
    }

    /// Every shared app registered on this instance.
    pub async fn shared_apps(&self) -> Result<Vec<SharedCredentials>> {
        self.store.all_shared_credentials().await
    }

    /// Every provider of an environment with its number of connected accounts and its icon's
    /// path, oldest first.
    pub async fn providers_with_counts(&self, env: &EnvironmentId) -> Result<Vec<(Provider, i64, String)>> {
        let icons = self.store.icon_versions().await?;
        Ok(self
            .store
            .list_providers(env)
            .await?
            .into_iter()
            .map(|(mut p, count)| {
                catalog::refresh(&mut p);
                let icon = crate::icons::provider_icon_path(&p, &icons);
                (p, count, icon)
            })
            .collect())
    }

    /// A page of an environment's providers, and whether more lie beyond it.
    pub async fn page_providers(&self, env: &EnvironmentId, page: &Page) -> Result<(Vec<Provider>, bool)> {
        let (mut providers, more) = self.store.page_providers(env, page).await?;
        providers.iter_mut().for_each(catalog::refresh);
        Ok((providers, more))
    }

    /// How many accounts are connected to a provider.
    pub async fn connected_accounts(&self, provider: &Provider) -> Result<i64> {
        self.store.count_connections(&provider.id).await
    }

    /// A provider's icon: content type and bytes.
    pub async fn icon(&self, provider_id: &ProviderId) -> Result<Option<(String, Vec<u8>)>> {
        self.store.icon(provider_id).await
    }

    async fn icon_version(&self, provider_id: &ProviderId) -> Result<Option<IconVersion>> {
        Ok(self.store.icon_versions().await?.into_iter().find(|v| v.provider_id == *provider_id))
    }

    /// A provider's connected accounts, newest first, optionally only one user's, one
    /// organization's or one provider-side account's (`""` for any).
    pub async fn connections_of_provider(
        &self,
        env: &EnvironmentId,
        slug: &str,
        user_id: &str,
        organization_id: &str,
        account_identifier: &str,
    ) -> Result<Vec<Connection>> {
        let provider = self.provider(env, slug).await?;
        self.store.connections_of_provider(&provider.id, user_id, organization_id, account_identifier, 200).await
    }

    /// Reads RFC 8414 / OpenID Connect discovery metadata for the add-provider form.
    pub async fn discover(&self, url: &str) -> Result<Discovered> {
        crate::discovery::discover(&self.http, url).await
    }

    pub async fn catalog_view(&self, env: &EnvironmentId) -> Result<CatalogView> {
        let shared = self.store.all_shared_credentials().await?;
        let enabled: Vec<Option<String>> =
            self.store.providers(env).await?.into_iter().map(|p| p.catalog_slug).collect();
        let entries = catalog::entries()
            .iter()
            .map(|e| {
                e.view(
                    shared.iter().find(|s| s.catalog_slug == e.slug).map(shared_app_name),
                    enabled.iter().any(|c| c.as_deref() == Some(e.slug.as_str())),
                )
            })
            .collect();
        Ok(CatalogView { redirect_uri: self.config.redirect_uri(), entries, categories: catalog::categories() })
    }

    pub async fn provider_detail(&self, env: &EnvironmentId, slug: &str) -> Result<ProviderDetail> {
        let provider = self.provider(env, slug).await?;
        let accounts = self.store.count_connections(&provider.id).await?;
        let catalog_scopes =
            provider.catalog_slug.as_deref().and_then(catalog::entry).map(|e| e.scopes.clone()).unwrap_or_default();
        let shared_app_name = match provider.catalog_slug.as_deref() {
            Some(c) => self.store.shared_credentials(c).await?.as_ref().map(shared_app_name),
            None => None,
        };
        let pinned_secret_keys = self.pinned_secret_keys(&provider)?;
        let mut view = provider.view(accounts);
        view.icon = crate::icons::provider_icon_path(&provider, &self.store.icon_versions().await?);
        Ok(ProviderDetail {
            redirect_uri: self.config.redirect_uri(),
            provider: view,
            catalog_scopes,
            shared_app_name,
            pinned_secret_keys,
        })
    }

    /// The provider as stored, without the catalog's settings laid over it.
    async fn stored_provider(&self, env: &EnvironmentId, slug: &str) -> Result<Provider> {
        self.store.provider_by_slug(env, slug).await?.ok_or_else(|| Error::ProviderNotFound(slug.to_string()))
    }
}

/// A catalog provider's own settings after a change: what it names, else what is stored (else a
/// new provider's blanks).
struct CatalogSettings {
    description: String,
    shared: bool,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    config: Option<crate::templates::Values>,
}

impl CatalogSettings {
    fn new(change: CatalogChange, stored: Option<&Provider>) -> Self {
        Self {
            description: change.description.or_else(|| stored.map(|p| p.description.clone())).unwrap_or_default(),
            shared: change.use_shared_credentials.or(stored.map(Provider::uses_shared_credentials)).unwrap_or(false),
            client_id: change.client_id.or_else(|| stored.map(|p| p.client_id.clone())).unwrap_or_default(),
            client_secret: change.client_secret.unwrap_or_default(),
            scopes: change.scopes.or_else(|| stored.map(|p| p.scopes.0.clone())).unwrap_or_default(),
            config: change.config,
        }
    }
}

fn slug_taken(slug: &str) -> Error {
    Error::field("slug", "slug_taken", format!("A provider with the slug {slug:?} already exists."))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hints_show_only_the_end_of_long_secrets() {
        assert_eq!(super::hint("abcdefghijkl"), "ijkl");
        assert_eq!(super::hint("short"), "");
    }
}
