//! `Plumb`: the domain service every transport calls (server functions, the REST API, the OAuth
//! handlers). It owns the store, the cipher and the provider HTTP client. Each flow lives in its
//! own module as an `impl Plumb` block: `connect` (authorization), `tokens` (fetch and refresh).

use crate::api_keys;
use crate::config::Config;
use crate::connections::org_key;
use crate::crypto::{Aad, Cipher};
use crate::error::{Error, Result};
use crate::ids;
use crate::providers::{self, Provider, ScopeList};
use crate::store::{InsertProviderError, Store};
use crate::time::now_ms;
use crate::tokens::KeyedLocks;
use crate::widget_tokens::{Claims, Signer};
use app::error::AppError;
use app::model::{
    AccessTokenRequest, AccessTokenResponse, DashboardView, NewProvider, ProviderView, WidgetProvider, WidgetView,
};
use app::service::PlumbService;

pub struct Plumb {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) cipher: Cipher,
    pub(crate) http: reqwest::Client,
    pub(crate) widget_signer: Signer,
    pub(crate) refresh_locks: KeyedLocks,
}

impl Plumb {
    pub fn new(config: Config, store: Store, cipher: Cipher) -> Self {
        let widget_signer = Signer::new(cipher.derive_subkey("widget-token"));
        Self {
            config,
            store,
            cipher,
            http: crate::oauth::http_client(),
            widget_signer,
            refresh_locks: KeyedLocks::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// `POST /widgets/token`: a widget token for one user (and organization), for a backend
    /// holding an API key.
    pub async fn mint_widget_token(
        &self,
        authorization: Option<&str>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
    ) -> Result<String> {
        api_keys::authenticate(&self.store, authorization).await?;
        let user_id = required_id("user_id", user_id)?;
        let organization_id = optional_id("organization_id", organization_id)?;
        let now = now_ms() / 1000;
        let ttl = self.config.widget_token_ttl.as_secs() as i64;
        Ok(self.widget_signer.mint(user_id, organization_id, now, ttl))
    }

    /// `POST /data-integrations/{slug}/token`: authenticate the backend, check the body, fetch.
    pub async fn get_access_token(
        &self,
        authorization: Option<&str>,
        provider: &str,
        request: &AccessTokenRequest,
    ) -> Result<AccessTokenResponse> {
        api_keys::authenticate(&self.store, authorization).await?;
        let user_id = required_id("user_id", Some(&request.user_id))?;
        let organization_id = optional_id("organization_id", request.organization_id.as_deref())?;
        self.fetch_token(provider, user_id, organization_id).await
    }

    pub(crate) fn widget_claims(&self, token: &str) -> Result<Claims> {
        self.widget_signer.verify(token, now_ms() / 1000)
    }

    pub(crate) async fn provider(&self, slug: &str) -> Result<Provider> {
        self.store.provider_by_slug(slug).await?.ok_or_else(|| Error::ProviderNotFound(slug.to_string()))
    }

    pub(crate) fn client_secret(&self, provider: &Provider) -> Result<Option<String>> {
        provider
            .client_secret
            .as_deref()
            .map(|sealed| self.cipher.open_string(sealed, &Aad::new("providers", &provider.id, "client_secret")))
            .transpose()
            .map_err(Error::from)
    }

    async fn create_provider_inner(&self, input: NewProvider) -> Result<ProviderView> {
        let valid = providers::validate(&input).map_err(Error::Validation)?;
        let slug_taken =
            || Error::field("slug", "slug_taken", format!("A provider with the slug {:?} already exists.", valid.slug));
        if self.store.provider_by_slug(&valid.slug).await?.is_some() {
            return Err(slug_taken());
        }
        let id = ids::new_id("prov");
        let now = now_ms();
        let provider = Provider {
            client_secret: valid
                .client_secret
                .as_deref()
                .map(|s| self.cipher.seal(s.as_bytes(), &Aad::new("providers", &id, "client_secret"))),
            id,
            slug: valid.slug.clone(),
            name: valid.name.clone(),
            description: valid.description.clone(),
            authorization_url: valid.authorization_url.clone(),
            token_url: valid.token_url.clone(),
            client_id: valid.client_id.clone(),
            scopes: ScopeList(valid.scopes.clone()),
            scope_separator: " ".into(),
            pkce_enabled: 1,
            created_at: now,
            updated_at: now,
        };
        match self.store.insert_provider(&provider).await {
            Ok(()) => {}
            // Lost a race with another admin adding the same slug.
            Err(InsertProviderError::SlugTaken) => return Err(slug_taken()),
            Err(InsertProviderError::Other(e)) => return Err(e),
        }
        tracing::info!(provider = %provider.slug, "provider added");
        Ok(provider.view(0))
    }

    async fn widget_inner(&self, token: &str) -> Result<WidgetView> {
        let claims = self.widget_claims(token)?;
        let org = org_key(claims.org.as_deref());
        let providers = self.store.providers().await?;
        let connections = self.store.connections_of(&claims.sub, org).await?;
        let providers = providers
            .into_iter()
            .map(|p| WidgetProvider {
                state: connections.iter().find(|c| c.provider_id == p.id).map(|c| c.state()),
                slug: p.slug,
                name: p.name,
                description: p.description,
            })
            .collect();
        Ok(WidgetView { user_id: claims.sub, organization_id: claims.org, providers })
    }

    async fn disconnect_inner(&self, token: &str, slug: &str) -> Result<()> {
        let claims = self.widget_claims(token)?;
        let provider = self.provider(slug).await?;
        // Disconnecting twice is not an error: the outcome the user wants already holds.
        if self.store.delete_connection(&provider.id, &claims.sub, org_key(claims.org.as_deref())).await? {
            tracing::info!(provider = %provider.slug, "connection removed");
        }
        Ok(())
    }
}

/// Ids from callers are opaque, but must be present and printable.
pub(crate) fn required_id<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str> {
    optional_id(field, value)?.ok_or_else(|| Error::field(field, "required", format!("{field} is required.")))
}

pub(crate) fn optional_id<'a>(field: &str, value: Option<&'a str>) -> Result<Option<&'a str>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.len() > 256 || v.chars().any(char::is_control) => {
            Err(Error::field(field, "invalid", format!("{field} must be at most 256 printable characters.")))
        }
        Some(v) => Ok(Some(v)),
    }
}

#[async_trait::async_trait]
impl PlumbService for Plumb {
    async fn dashboard(&self) -> Result<DashboardView, AppError> {
        let providers = self.store.list_providers().await?;
        Ok(DashboardView {
            redirect_uri: self.config.redirect_uri(),
            providers: providers.iter().map(|(p, count)| p.view(*count)).collect(),
        })
    }

    async fn create_provider(&self, input: NewProvider) -> Result<ProviderView, AppError> {
        Ok(self.create_provider_inner(input).await?)
    }

    async fn widget(&self, widget_token: &str) -> Result<WidgetView, AppError> {
        Ok(self.widget_inner(widget_token).await?)
    }

    async fn disconnect(&self, widget_token: &str, provider: &str) -> Result<(), AppError> {
        Ok(self.disconnect_inner(widget_token, provider).await?)
    }

    async fn access_token(
        &self,
        authorization: Option<&str>,
        provider: &str,
        request: AccessTokenRequest,
    ) -> Result<AccessTokenResponse, AppError> {
        Ok(self.get_access_token(authorization, provider, &request).await?)
    }
}
