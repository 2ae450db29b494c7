//! `Plumb`: the domain service every transport calls (server functions, the REST API, the OAuth
//! handlers). It owns the store, the cipher and the provider HTTP client. Each flow lives in its
//! own module as an `impl Plumb` block: `connect` (authorization), `tokens` (fetch and refresh).

use crate::api_keys;
use crate::config::Config;
use crate::connections::org_key;
use crate::crypto::{Aad, Cipher};
use crate::error::{Error, Result};
use crate::providers::Provider;
use crate::store::Store;
use crate::time::now_ms;
use crate::tokens::KeyedLocks;
use crate::widget_tokens::{Claims, Signer, Subject};
use app::error::AppError;
use app::model::{
    AccessTokenRequest, AccessTokenResponse, AdminIdentity, AdminView, AdminsView, ApiKeyView, CatalogInput,
    CatalogView, ConnectionView, CreatedApiKey, CreatedWebhook, DashboardView, DeliveryView, Discovered,
    EnvironmentView, EnvironmentsView, InvitePreview, ProviderDetail, ProviderInput, ProviderView, SessionView,
    SharedCredentialsInput, WebhookEndpointView, WebhookInput, WebhooksView, WidgetProvider, WidgetView,
};
use app::service::PlumbService;

/// The client credentials for one provider, opened for a single request.
pub(crate) struct Credentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl Credentials {
    /// How Plumb presents itself at this provider's token endpoint.
    pub fn client<'a>(&'a self, provider: &'a Provider) -> crate::oauth::Client<'a> {
        crate::oauth::Client {
            client_id: &self.client_id,
            client_secret: self.client_secret.as_deref(),
            authenticate_via: provider.authenticate_via(),
            body: provider.token_body(),
            headers: &provider.token_request_headers.0,
            paths: &provider.token_response_paths.0,
        }
    }
}

pub struct Plumb {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) cipher: Cipher,
    pub(crate) http: crate::outbound::Client,
    /// For webhook deliveries: endpoints are the application's, not providers'.
    pub(crate) webhook_http: crate::outbound::Client,
    pub(crate) refresh_locks: KeyedLocks,
    /// This process's name in refresh leases: unique per start.
    pub(crate) instance: String,
}

impl Plumb {
    pub fn new(config: Config, store: Store, cipher: Cipher) -> Self {
        Self {
            http: crate::outbound::Client::new(config.provider_timeout, config.outbound()),
            webhook_http: crate::outbound::Client::new(std::time::Duration::from_secs(10), config.outbound()),
            config,
            store,
            cipher,
            refresh_locks: KeyedLocks::default(),
            instance: crate::ids::new_id("plumb"),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn cipher(&self) -> &Cipher {
        &self.cipher
    }

    /// `POST /widgets/token`: a widget token for one user (and organization), for a backend
    /// holding an API key.
    pub async fn mint_widget_token(
        &self,
        authorization: Option<&str>,
        user_id: Option<&str>,
        organization_id: Option<&str>,
    ) -> Result<String> {
        let key = api_keys::authenticate(&self.store, authorization).await?;
        let user_id = required_id("user_id", user_id)?;
        let organization_id = optional_id("organization_id", organization_id)?;
        let env = self.environment(&key.environment_id).await?;
        let frame_ancestors =
            crate::environments::merged_origins(&self.config.widget_frame_ancestors, &env.frame_ancestors);
        let subject = Subject { user_id, organization_id, environment_id: &env.id, frame_ancestors: &frame_ancestors };
        let now = now_ms() / 1000;
        let ttl = self.config.widget_token_ttl.as_secs() as i64;
        Ok(self.widget_signer().mint(&subject, now, ttl))
    }

    /// `POST /data-integrations/{slug}/token`: authenticate the backend, check the body, fetch.
    pub async fn get_access_token(
        &self,
        authorization: Option<&str>,
        provider: &str,
        request: &AccessTokenRequest,
    ) -> Result<AccessTokenResponse> {
        let key_hash = api_keys::key_hash(authorization)?;
        let ids = required_id("user_id", Some(&request.user_id))
            .and_then(|user| Ok((user, optional_id("organization_id", request.organization_id.as_deref())?)));
        let (user_id, organization_id) = match ids {
            Ok(ids) => ids,
            Err(invalid) => {
                // A bad key is reported before a bad body, as on every other endpoint.
                api_keys::authenticate(&self.store, authorization).await?;
                return Err(invalid);
            }
        };
        self.fetch_token_for_key(&key_hash, provider, user_id, organization_id).await
    }

    /// Widget tokens are signed with a key derived from the current encryption key (re-derived
    /// each time, so a key rotation applies at once; an HMAC costs about a microsecond).
    fn widget_signer(&self) -> Signer {
        Signer::with_keys(self.cipher.derive_subkeys("widget-token"))
    }

    pub(crate) fn widget_claims(&self, token: &str) -> Result<Claims> {
        self.widget_signer().verify(token, now_ms() / 1000)
    }

    /// A provider of an environment by slug, with its catalog entry's current settings laid
    /// over it.
    pub(crate) async fn provider(&self, env: &str, slug: &str) -> Result<Provider> {
        let mut provider =
            self.store.provider_by_slug(env, slug).await?.ok_or_else(|| Error::ProviderNotFound(slug.to_string()))?;
        crate::catalog::refresh(&mut provider);
        Ok(provider)
    }

    pub(crate) async fn provider_by_id(&self, id: &str) -> Result<Option<Provider>> {
        let mut provider = self.store.provider_by_id(id).await?;
        if let Some(p) = provider.as_mut() {
            crate::catalog::refresh(p);
        }
        Ok(provider)
    }

    /// The client id and secret to present to the provider: the admin's own, or the instance's
    /// shared app. A public client (secret not required) sends no secret even if one is stored.
    pub(crate) async fn credentials(&self, provider: &Provider) -> Result<Credentials> {
        let (client_id, sealed, aad) = if provider.uses_shared_credentials() {
            let slug = provider.catalog_slug.clone().unwrap_or_default();
            let shared = self.store.shared_credentials(&slug).await?.ok_or_else(|| {
                Error::NotConfigured(format!(
                    "{} uses this instance's shared OAuth app, but none is registered for it.",
                    provider.name
                ))
            })?;
            (shared.client_id, shared.client_secret, Aad::new("shared_credentials", &slug, "client_secret"))
        } else {
            (
                provider.client_id.clone(),
                provider.client_secret.clone(),
                Aad::new("providers", &provider.id, "client_secret"),
            )
        };
        let client_secret = match sealed {
            Some(sealed) if provider.client_secret_required != 0 => Some(self.cipher.open_string(&sealed, &aad)?),
            _ => None,
        };
        Ok(Credentials { client_id, client_secret })
    }

    async fn widget_inner(&self, token: &str) -> Result<WidgetView> {
        let claims = self.widget_claims(token)?;
        let org = org_key(claims.org.as_deref());
        let providers: Vec<Provider> =
            self.store.providers(&claims.env).await?.into_iter().filter(|p| p.enabled != 0).collect();
        let connections = self.store.connections_of(&claims.sub, org).await?;
        let icons = self.store.icon_versions().await?;
        let providers = providers
            .into_iter()
            .map(|p| WidgetProvider {
                icon_url: crate::admin::icon_path(&p, &icons),
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
        let provider = self.provider(&claims.env, slug).await?;
        // Disconnecting twice is not an error: the outcome the user wants already holds.
        let now = now_ms();
        let make_event = |c: &crate::connections::Connection| {
            crate::events::connected_account(crate::events::DISCONNECTED, c, &provider.slug, "disconnected", now)
        };
        if self.store.delete_connection(&provider.id, &claims.sub, org_key(claims.org.as_deref()), make_event).await? {
            tracing::info!(provider = %provider.slug, "connection removed");
        }
        Ok(())
    }
}

fn endpoint_view(e: &crate::store::WebhookEndpoint) -> WebhookEndpointView {
    WebhookEndpointView {
        id: e.id.clone(),
        endpoint_url: e.endpoint_url.clone(),
        events: e.events.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        enabled: e.enabled != 0,
        last_failure_at: e.last_failure_at.map(crate::time::iso),
        created_at: crate::time::iso(e.created_at),
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
    async fn dashboard(&self, env: &str) -> Result<DashboardView, AppError> {
        let providers = self.store.list_providers(env).await?;
        let icons = self.store.icon_versions().await?;
        Ok(DashboardView {
            redirect_uri: self.config.redirect_uri(),
            providers: providers
                .into_iter()
                .map(|(mut p, count)| {
                    crate::catalog::refresh(&mut p);
                    let mut view = p.view(count);
                    view.icon = crate::admin::icon_path(&p, &icons);
                    view
                })
                .collect(),
        })
    }

    async fn create_provider(&self, env: &str, input: ProviderInput) -> Result<ProviderView, AppError> {
        Ok(self.create_custom_provider(env, &input).await?.view(0))
    }

    async fn provider_detail(&self, env: &str, slug: &str) -> Result<ProviderDetail, AppError> {
        Ok(Plumb::provider_detail(self, env, slug).await?)
    }

    async fn update_provider(&self, env: &str, slug: &str, input: ProviderInput) -> Result<ProviderView, AppError> {
        let p = self.update_custom_provider(env, slug, &input).await?;
        Ok(p.view(self.store.count_connections(&p.id).await?))
    }

    async fn update_catalog_provider(
        &self,
        env: &str,
        slug: &str,
        input: CatalogInput,
    ) -> Result<ProviderView, AppError> {
        let mut p = Plumb::update_catalog_provider(self, env, slug, &input).await?;
        crate::catalog::refresh(&mut p);
        Ok(p.view(self.store.count_connections(&p.id).await?))
    }

    async fn set_provider_enabled(&self, env: &str, slug: &str, enabled: bool) -> Result<ProviderView, AppError> {
        let p = Plumb::set_provider_enabled(self, env, slug, enabled).await?;
        Ok(p.view(self.store.count_connections(&p.id).await?))
    }

    async fn delete_provider(&self, env: &str, slug: &str) -> Result<i64, AppError> {
        Ok(Plumb::delete_provider(self, env, slug).await?)
    }

    async fn catalog(&self, env: &str) -> Result<CatalogView, AppError> {
        Ok(self.catalog_view(env).await?)
    }

    async fn enable_catalog_provider(&self, env: &str, input: CatalogInput) -> Result<ProviderView, AppError> {
        Ok(Plumb::enable_catalog_provider(self, env, &input).await?.view(0))
    }

    async fn save_shared_credentials(&self, input: SharedCredentialsInput) -> Result<(), AppError> {
        Ok(Plumb::save_shared_credentials(self, &input).await?)
    }

    async fn discover(&self, url: &str) -> Result<Discovered, AppError> {
        Ok(crate::discovery::discover(&self.http, url).await?)
    }

    async fn connections(
        &self,
        env: &str,
        slug: &str,
        user_id: &str,
        organization_id: &str,
    ) -> Result<Vec<ConnectionView>, AppError> {
        let provider = self.provider(env, slug).await?;
        let rows =
            self.store.connections_of_provider(&provider.id, user_id.trim(), organization_id.trim(), 200).await?;
        Ok(rows
            .into_iter()
            .map(|c| ConnectionView {
                state: c.state(),
                organization_id: (!c.organization_id.is_empty()).then(|| c.organization_id.clone()),
                expires_at: c.expires_at.map(crate::time::iso),
                last_refreshed_at: c.last_refreshed_at.map(crate::time::iso),
                retry_refresh_at: c.retry_refresh_at.map(crate::time::iso),
                created_at: crate::time::iso(c.created_at),
                scopes: c.scopes.0,
                last_error: c.last_error,
                refresh_failures: c.refresh_failures,
                user_id: c.user_id,
                id: c.id,
            })
            .collect())
    }

    async fn webhooks(&self, env: &str) -> Result<WebhooksView, AppError> {
        let endpoints = self.store.webhook_endpoints(env).await?;
        let deliveries = self.store.recent_deliveries(env, 50).await?;
        Ok(WebhooksView {
            endpoints: endpoints.iter().map(endpoint_view).collect(),
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryView {
                    id: d.id,
                    endpoint_id: d.endpoint_id,
                    event: d.event,
                    status: d.status,
                    attempts: d.attempts,
                    last_status_code: d.last_status_code,
                    last_error: d.last_error,
                    next_attempt_at: crate::time::iso(d.next_attempt_at),
                    created_at: crate::time::iso(d.created_at),
                })
                .collect(),
        })
    }

    async fn create_webhook(&self, env: &str, input: WebhookInput) -> Result<CreatedWebhook, AppError> {
        let events = input.events();
        let request = crate::webhooks::EndpointInput {
            endpoint_url: Some(&input.endpoint_url),
            events: Some(&events),
            enabled: Some(true),
        };
        let (endpoint, secret) = self.create_webhook_endpoint(env, &request).await?;
        Ok(CreatedWebhook { endpoint: endpoint_view(&endpoint), secret })
    }

    async fn set_webhook_enabled(&self, env: &str, id: &str, enabled: bool) -> Result<(), AppError> {
        let request = crate::webhooks::EndpointInput { endpoint_url: None, events: None, enabled: Some(enabled) };
        self.update_webhook_endpoint(env, id, &request).await?;
        Ok(())
    }

    async fn delete_webhook(&self, env: &str, id: &str) -> Result<(), AppError> {
        Ok(self.delete_webhook_endpoint(env, id).await?)
    }

    async fn resend_delivery(&self, env: &str, id: &str) -> Result<(), AppError> {
        if self.store.resend_delivery(env, id, now_ms()).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("No delivery {id:?}.")).into())
        }
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

    async fn environments(&self, env: &str) -> Result<EnvironmentsView, AppError> {
        let all: Vec<EnvironmentView> = Plumb::environments(self).await?.iter().map(environment_view).collect();
        let current = all
            .iter()
            .find(|e| e.id == env)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("No environment {env:?}.")))?;
        Ok(EnvironmentsView { current, all })
    }

    async fn save_environment_settings(
        &self,
        env: &str,
        return_to_origins: &str,
        frame_ancestors: &str,
    ) -> Result<EnvironmentView, AppError> {
        let saved = self.update_environment_settings(env, return_to_origins, frame_ancestors).await?;
        tracing::info!(environment = %saved.slug, "environment settings saved");
        Ok(environment_view(&saved))
    }

    async fn api_keys(&self, env: &str) -> Result<Vec<ApiKeyView>, AppError> {
        Ok(self.store.api_keys(env).await?.iter().map(api_key_view).collect())
    }

    async fn create_api_key(&self, env: &str, name: &str) -> Result<CreatedApiKey, AppError> {
        let created = api_keys::create(&self.store, env, name, now_ms()).await?;
        tracing::info!(key = %created.record.id, "API key created in the dashboard");
        Ok(CreatedApiKey { key: api_key_view(&created.record), secret: created.secret })
    }

    async fn revoke_api_key(&self, env: &str, id: &str) -> Result<(), AppError> {
        Ok(api_keys::revoke(&self.store, Some(env), id, now_ms()).await?)
    }

    async fn admins(&self, me: &AdminIdentity) -> Result<AdminsView, AppError> {
        let admins = Plumb::admins(self)
            .await?
            .into_iter()
            .map(|a| AdminView {
                is_you: a.id == me.admin_id,
                id: a.id,
                email: a.email,
                created_at: crate::time::iso(a.created_at),
            })
            .collect();
        let sessions = self
            .admin_sessions()
            .await?
            .into_iter()
            .map(|s| SessionView {
                is_current: s.id == me.session_id,
                id: s.id,
                email: s.email,
                user_agent: s.user_agent,
                created_at: crate::time::iso(s.created_at),
                last_seen_at: crate::time::iso(s.last_seen_at),
            })
            .collect();
        Ok(AdminsView { admins, sessions })
    }

    async fn invite_admin(&self, me: &AdminIdentity, email: &str) -> Result<String, AppError> {
        Ok(Plumb::invite_admin(self, &me.admin_id, email).await?)
    }

    async fn remove_admin(&self, me: &AdminIdentity, id: &str) -> Result<(), AppError> {
        Ok(Plumb::remove_admin(self, &me.admin_id, id).await?)
    }

    async fn revoke_session(&self, _me: &AdminIdentity, id: &str) -> Result<(), AppError> {
        Ok(self.revoke_admin_session(id).await?)
    }

    async fn invite_preview(&self, token: &str) -> Result<InvitePreview, AppError> {
        Ok(InvitePreview { email: self.invite(token).await?.email })
    }
}

fn api_key_view(k: &crate::store::ApiKeyRecord) -> ApiKeyView {
    ApiKeyView {
        id: k.id.clone(),
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created_at: crate::time::iso(k.created_at),
        last_used_at: k.last_used_at.map(crate::time::iso),
        revoked_at: k.revoked_at.map(crate::time::iso),
    }
}

fn environment_view(e: &crate::store::Environment) -> EnvironmentView {
    let list = |s: &str| s.split_whitespace().map(str::to_owned).collect();
    EnvironmentView {
        id: e.id.clone(),
        slug: e.slug.clone(),
        name: e.name.clone(),
        live: e.live != 0,
        return_to_origins: list(&e.return_to_origins),
        frame_ancestors: list(&e.frame_ancestors),
    }
}
