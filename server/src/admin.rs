//! Provider administration, for the dashboard and the admin API alike: add custom providers,
//! enable catalog providers, edit, delete, and register the instance's shared OAuth apps. Every
//! change is validated in full before anything is written.

use crate::catalog::{self, CatalogEntry};
use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::ids;
use crate::providers::{self, Provider, Purpose, ScopeList, CUSTOM_CREDENTIALS, SHARED_CREDENTIALS};
use crate::service::Plumb;
use crate::store::{InsertProviderError, SharedCredentials};
use crate::time::now_ms;
use app::error::FieldError;
use app::model::{CatalogEntryView, CatalogInput, CatalogView, ProviderDetail, ProviderInput, SharedCredentialsInput};

fn field_error(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), code: code.into(), message: message.into() }
}

/// The last four characters of a secret, for the API's `redacted_client_secret`; nothing for
/// secrets too short to spare four.
fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 12 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    }
}

impl Plumb {
    fn seal_client_secret(&self, provider: &mut Provider, secret: &str) {
        provider.client_secret =
            Some(self.cipher.seal(secret.as_bytes(), &Aad::new("providers", &provider.id, "client_secret")));
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

    /// Adds a custom provider.
    pub async fn create_custom_provider(&self, input: &ProviderInput) -> Result<Provider> {
        let valid = providers::validate(input, Purpose::Create);
        let mut errors = valid.as_ref().err().cloned().unwrap_or_default();
        let slug = input.slug.trim();
        if catalog::entry(slug).is_some() {
            errors.push(field_error(
                "slug",
                "reserved",
                format!("{slug:?} is a built-in provider: enable it from the catalog, or choose another slug."),
            ));
        } else if errors.iter().all(|e| e.field != "slug") && self.store.provider_by_slug(slug).await?.is_some() {
            errors.push(field_error(
                "slug",
                "slug_taken",
                format!("A provider with the slug {slug:?} already exists."),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let valid = valid.map_err(Error::Validation)?;
        let mut provider = Provider::new(ids::new_id("prov"), valid.slug.clone(), now_ms());
        provider.apply(&valid);
        if let Some(secret) = &valid.client_secret {
            self.seal_client_secret(&mut provider, secret);
        }
        self.insert_new(&provider).await?;
        tracing::info!(provider = %provider.slug, "custom provider added");
        Ok(provider)
    }

    /// Edits a custom provider: every field but the slug. An empty secret keeps the stored one.
    pub async fn update_custom_provider(&self, slug: &str, input: &ProviderInput) -> Result<Provider> {
        let mut provider = self.stored_provider(slug).await?;
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
        let valid = providers::validate(input, Purpose::Edit { has_stored_secret: provider.client_secret.is_some() })
            .map_err(Error::Validation)?;
        provider.apply(&valid);
        if let Some(secret) = &valid.client_secret {
            self.seal_client_secret(&mut provider, secret);
        }
        provider.updated_at = now_ms();
        self.save(&provider).await?;
        tracing::info!(provider = %provider.slug, "provider updated");
        Ok(provider)
    }

    /// Enables a catalog provider with the admin's own OAuth app or the instance's shared one.
    pub async fn enable_catalog_provider(&self, input: &CatalogInput) -> Result<Provider> {
        let Some(entry) = catalog::entry(input.catalog.trim()) else {
            return Err(Error::field("catalog", "unknown", format!("{:?} is not in the catalog.", input.catalog)));
        };
        let mut errors = self.check_catalog_input(entry, input, false).await?;
        if self.store.provider_by_slug(&entry.slug).await?.is_some() {
            errors.push(field_error("catalog", "slug_taken", format!("{} is already enabled.", entry.name)));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let mut provider = Provider::new(ids::new_id("prov"), entry.slug.clone(), now_ms());
        provider.name = entry.name.clone();
        provider.catalog_slug = Some(entry.slug.clone());
        entry.apply_to(&mut provider);
        self.apply_catalog_input(&mut provider, entry, input);
        self.insert_new(&provider).await?;
        tracing::info!(provider = %provider.slug, shared = input.use_shared_credentials, "catalog provider enabled");
        Ok(provider)
    }

    /// Changes a catalog provider's description, credentials or scopes.
    pub async fn update_catalog_provider(&self, slug: &str, input: &CatalogInput) -> Result<Provider> {
        let mut provider = self.stored_provider(slug).await?;
        let Some(entry) = provider.catalog_slug.as_deref().and_then(catalog::entry) else {
            return Err(Error::field("catalog", "custom_provider", format!("{} is a custom provider.", provider.name)));
        };
        let keeps_secret = provider.client_secret.is_some() && !provider.uses_shared_credentials();
        let errors = self.check_catalog_input(entry, input, keeps_secret).await?;
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        self.apply_catalog_input(&mut provider, entry, input);
        provider.updated_at = now_ms();
        self.save(&provider).await?;
        tracing::info!(provider = %provider.slug, "catalog provider updated");
        Ok(provider)
    }

    async fn check_catalog_input(
        &self,
        entry: &CatalogEntry,
        input: &CatalogInput,
        keeps_secret: bool,
    ) -> Result<Vec<FieldError>> {
        let mut errors = Vec::new();
        if input.description.trim().chars().count() > 500 {
            errors.push(field_error("description", "too_long", "Use at most 500 characters."));
        }
        if let Err(bad) = providers::parse_scopes(&input.scopes) {
            errors.push(field_error("scopes", "invalid", format!("{bad:?} is not a valid scope.")));
        }
        if input.use_shared_credentials {
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
        } else {
            if input.client_id.trim().is_empty() {
                errors.push(field_error(
                    "client_id",
                    "required",
                    format!("Enter the client ID of your {} OAuth app.", entry.name),
                ));
            }
            if input.client_secret.trim().is_empty() && !keeps_secret {
                errors.push(field_error(
                    "client_secret",
                    "required",
                    format!("Enter the client secret of your {} OAuth app.", entry.name),
                ));
            }
        }
        Ok(errors)
    }

    fn apply_catalog_input(&self, provider: &mut Provider, entry: &CatalogEntry, input: &CatalogInput) {
        provider.description = input.description.trim().to_string();
        let scopes = providers::parse_scopes(&input.scopes).unwrap_or_default();
        provider.scopes = ScopeList(if scopes.is_empty() { entry.default_scopes.clone() } else { scopes });
        if input.use_shared_credentials {
            provider.credentials_type = SHARED_CREDENTIALS.into();
            provider.client_id.clear();
            provider.client_secret = None;
            provider.client_secret_hint.clear();
        } else {
            provider.credentials_type = CUSTOM_CREDENTIALS.into();
            provider.client_id = input.client_id.trim().to_string();
            let secret = input.client_secret.trim();
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
    pub async fn set_provider_enabled(&self, slug: &str, enabled: bool) -> Result<Provider> {
        let mut provider = self.stored_provider(slug).await?;
        if (provider.enabled != 0) != enabled {
            provider.enabled = enabled as i64;
            provider.updated_at = now_ms();
            self.save(&provider).await?;
        }
        catalog::refresh(&mut provider);
        Ok(provider)
    }

    /// Deletes a provider with its connected accounts; returns how many accounts went.
    pub async fn delete_provider(&self, slug: &str) -> Result<i64> {
        let provider = self.stored_provider(slug).await?;
        let accounts = self.store.count_connections(&provider.id).await?;
        if !self.store.delete_provider(&provider.id).await? {
            return Err(Error::ProviderNotFound(slug.to_string()));
        }
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
        }
        if input.client_secret.trim().is_empty() {
            errors.push(field_error("client_secret", "required", "Enter the client secret of the shared OAuth app."));
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

    pub async fn catalog_view(&self) -> Result<CatalogView> {
        let shared = self.store.all_shared_credentials().await?;
        let enabled: Vec<Option<String>> = self.store.providers().await?.into_iter().map(|p| p.catalog_slug).collect();
        let entries = catalog::entries()
            .iter()
            .map(|e| CatalogEntryView {
                slug: e.slug.clone(),
                name: e.name.clone(),
                description: e.description.clone(),
                docs_url: e.docs_url.clone(),
                default_scopes: e.default_scopes.clone(),
                scopes: e.scopes.clone(),
                shared_app_name: shared.iter().find(|s| s.catalog_slug == e.slug).map(|s| {
                    if s.app_name.is_empty() {
                        "the operator's app".to_string()
                    } else {
                        s.app_name.clone()
                    }
                }),
                enabled: enabled.iter().any(|c| c.as_deref() == Some(e.slug.as_str())),
            })
            .collect();
        Ok(CatalogView { redirect_uri: self.config.redirect_uri(), entries })
    }

    pub async fn provider_detail(&self, slug: &str) -> Result<ProviderDetail> {
        let provider = self.provider(slug).await?;
        let accounts = self.store.count_connections(&provider.id).await?;
        let catalog_scopes =
            provider.catalog_slug.as_deref().and_then(catalog::entry).map(|e| e.scopes.clone()).unwrap_or_default();
        let shared_app_name = match provider.catalog_slug.as_deref() {
            Some(c) => self.store.shared_credentials(c).await?.map(|s| {
                if s.app_name.is_empty() {
                    "the operator's app".to_string()
                } else {
                    s.app_name
                }
            }),
            None => None,
        };
        Ok(ProviderDetail {
            redirect_uri: self.config.redirect_uri(),
            provider: provider.view(accounts),
            catalog_scopes,
            shared_app_name,
        })
    }

    /// The provider as stored, without the catalog's settings laid over it.
    async fn stored_provider(&self, slug: &str) -> Result<Provider> {
        self.store.provider_by_slug(slug).await?.ok_or_else(|| Error::ProviderNotFound(slug.to_string()))
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
