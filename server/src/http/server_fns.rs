//! The Leptos server functions' side of the boundary: [`app::service::PlumbService`] over
//! [`Plumb`], turning the app's form types into domain changes and domain results into the views
//! the pages show. Dashboard functions run behind the session gate ([`super::dashboard_auth`]),
//! which gives them the admin and the environment; the widget's carry its token; the backend's
//! access-token function reads the API key from the request like the REST path does.

use super::extract::presented_key;
use crate::accounts::Revocation;
use crate::error::Error;
use crate::ids::EnvironmentId;
use crate::plumb::Plumb;
use crate::provider_admin::Editor;
use crate::provider_settings::{CatalogChange, ProviderChange};
use crate::store::{ApiKeyRecord, DeliveryRow, Environment, WebhookEndpoint};
use crate::time::iso;
use crate::webhooks::EndpointInput;
use crate::widget_theme::{Scheme, Theme};
use app::error::AppError;
use app::model::{
    AccessTokenRequest, AccessTokenResponse, AdminIdentity, AdminView, AdminsView, ApiKeyView, CatalogInput,
    CatalogView, ConnectFailure, ConnectionView, ConnectionsView, CreatedApiKey, CreatedWebhook, DashboardView,
    DeliveryView, Discovered, EnvironmentView, EnvironmentsView, InvitePreview, ProviderDetail, ProviderInput,
    ProviderView, RevocationView, SessionView, SharedCredentialsInput, WebhookEndpointView, WebhookInput, WebhooksView,
    WidgetThemeView, WidgetView,
};
use app::service::PlumbService;
use std::sync::Arc;

/// The service the Leptos app calls through.
pub struct ServerFns {
    plumb: Arc<Plumb>,
}

impl ServerFns {
    pub fn new(plumb: Arc<Plumb>) -> Self {
        Self { plumb }
    }
}

fn env(id: &str) -> EnvironmentId {
    id.into()
}

impl From<&WebhookEndpoint> for WebhookEndpointView {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.clone(),
            endpoint_url: e.endpoint_url.clone(),
            events: e.events.clone(),
            enabled: e.enabled,
            last_failure_at: e.last_failure_at.map(iso),
            created_at: iso(e.created_at),
        }
    }
}

impl From<DeliveryRow> for DeliveryView {
    fn from(d: DeliveryRow) -> Self {
        Self {
            id: d.id,
            endpoint_id: d.endpoint_id,
            event: d.event,
            status: d.status.as_str().to_string(),
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            next_attempt_at: iso(d.next_attempt_at),
            created_at: iso(d.created_at),
        }
    }
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: iso(k.created_at),
            last_used_at: k.last_used_at.map(iso),
            revoked_at: k.revoked_at.map(iso),
        }
    }
}

impl From<&Environment> for EnvironmentView {
    fn from(e: &Environment) -> Self {
        let list = |s: &str| s.split_whitespace().map(str::to_owned).collect();
        Self {
            id: e.id.to_string(),
            slug: e.slug.clone(),
            name: e.name.clone(),
            live: e.live,
            return_to_origins: list(&e.return_to_origins),
            frame_ancestors: list(&e.frame_ancestors),
            widget_origins: list(&e.widget_origins),
        }
    }
}

fn theme_view(theme: &Theme) -> WidgetThemeView {
    WidgetThemeView {
        accent: theme.accent.clone().unwrap_or_default(),
        radius: theme.radius.map(|r| r.to_string()).unwrap_or_default(),
        font: theme.font.clone().unwrap_or_default(),
        scheme: theme.scheme().as_str().to_string(),
    }
}

/// At most the last four characters of a stored hint: the dashboard shows no more of a key.
fn last_four(hint: &str) -> String {
    let chars: Vec<char> = hint.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The form's ownership choice; empty keeps the provider's.
fn ownership(value: &str) -> Result<Option<crate::providers::Ownership>, Error> {
    match value.trim() {
        "" => Ok(None),
        "user" => Ok(Some(crate::providers::Ownership::User)),
        "organization" => Ok(Some(crate::providers::Ownership::Organization)),
        _ => Err(Error::field(
            "ownership",
            "invalid",
            "Choose who connections belong to: each user or the organization.",
        )),
    }
}

#[async_trait::async_trait]
impl PlumbService for ServerFns {
    async fn dashboard(&self, env_id: &str) -> Result<DashboardView, AppError> {
        let providers = self.plumb.providers_with_counts(&env(env_id)).await?;
        Ok(DashboardView {
            redirect_uri: self.plumb.config().redirect_uri(),
            providers: providers.into_iter().map(|(p, count, icon)| ProviderView { icon, ..p.view(count) }).collect(),
        })
    }

    async fn create_provider(&self, env_id: &str, input: ProviderInput) -> Result<ProviderView, AppError> {
        let ownership = ownership(&input.ownership)?;
        let env = env(env_id);
        let p = self.plumb.create_custom_provider(&env, ProviderChange::from(&input)).await?;
        let p = self.plumb.set_account_options(&env, &p.slug, ownership, Some(input.multiple_connections)).await?;
        Ok(p.view(0))
    }

    async fn provider_detail(&self, env_id: &str, slug: &str) -> Result<ProviderDetail, AppError> {
        Ok(self.plumb.provider_detail(&env(env_id), slug).await?)
    }

    async fn update_provider(&self, env_id: &str, slug: &str, input: ProviderInput) -> Result<ProviderView, AppError> {
        let env = env(env_id);
        // First what can be refused on its own (an ownership change with accounts connected).
        let ownership = ownership(&input.ownership)?;
        self.plumb.set_account_options(&env, slug, ownership, Some(input.multiple_connections)).await?;
        let p = self.plumb.update_custom_provider(&env, slug, ProviderChange::from(&input), Editor::Admin).await?;
        Ok(p.view(self.plumb.connected_accounts(&p).await?))
    }

    async fn update_catalog_provider(
        &self,
        env_id: &str,
        slug: &str,
        input: CatalogInput,
    ) -> Result<ProviderView, AppError> {
        let p = self.plumb.update_catalog_provider(&env(env_id), slug, CatalogChange::from(&input)).await?;
        Ok(p.view(self.plumb.connected_accounts(&p).await?))
    }

    async fn set_provider_enabled(&self, env_id: &str, slug: &str, enabled: bool) -> Result<ProviderView, AppError> {
        let p = self.plumb.set_provider_enabled(&env(env_id), slug, enabled).await?;
        Ok(p.view(self.plumb.connected_accounts(&p).await?))
    }

    async fn delete_provider(&self, env_id: &str, slug: &str) -> Result<i64, AppError> {
        Ok(self.plumb.delete_provider(&env(env_id), slug).await?)
    }

    async fn catalog(&self, env_id: &str) -> Result<CatalogView, AppError> {
        Ok(self.plumb.catalog_view(&env(env_id)).await?)
    }

    async fn enable_catalog_provider(&self, env_id: &str, input: CatalogInput) -> Result<ProviderView, AppError> {
        let change = CatalogChange::from(&input);
        Ok(self.plumb.enable_catalog_provider(&env(env_id), &input.catalog, change).await?.view(0))
    }

    async fn save_shared_credentials(&self, input: SharedCredentialsInput) -> Result<(), AppError> {
        Ok(self.plumb.save_shared_credentials(&input).await?)
    }

    async fn discover(&self, url: &str) -> Result<Discovered, AppError> {
        Ok(self.plumb.discover(url).await?)
    }

    async fn connections(
        &self,
        env_id: &str,
        slug: &str,
        user_id: &str,
        organization_id: &str,
        account_identifier: &str,
    ) -> Result<ConnectionsView, AppError> {
        let env = env(env_id);
        let rows = self
            .plumb
            .connections_of_provider(&env, slug, user_id.trim(), organization_id.trim(), account_identifier.trim())
            .await?;
        let revocations = self.plumb.revocations_of_provider(&env, slug).await?;
        let mut usage = self.plumb.relay_usage_of(&rows).await?;
        let now = crate::time::now_ms();
        Ok(ConnectionsView {
            connections: rows
                .into_iter()
                .map(|c| ConnectionView {
                    relay: usage.remove(c.id.as_str()).map(|u| relay_view(u, now)),
                    state: c.state,
                    owner: c.owner.kind().into(),
                    role: c.role.as_str().into(),
                    label: c.label,
                    account_identifier: c.account_identifier,
                    organization_id: c.owner.organization_id,
                    expires_at: c.expires_at.map(iso),
                    last_refreshed_at: c.last_refreshed_at.map(iso),
                    retry_refresh_at: c.retry_refresh_at.map(iso),
                    created_at: iso(c.created_at),
                    scopes: c.scopes.0,
                    last_error: c.last_error,
                    refresh_failures: c.refresh_failures,
                    auth_method: c.auth_method,
                    client_id: c.client_id,
                    secret_hint: last_four(&c.secret_hint),
                    user_id: c.owner.user_id,
                    id: c.id.to_string(),
                })
                .collect(),
            revocations: revocations
                .into_iter()
                .map(|r| RevocationView {
                    connection_id: r.connection_id,
                    user_id: r.user_id,
                    organization_id: r.organization_id,
                    status: r.status,
                    error: r.error,
                    created_at: iso(r.created_at),
                })
                .collect(),
        })
    }

    async fn delete_connection(&self, env_id: &str, slug: &str, id: &str) -> Result<String, AppError> {
        Ok(match self.plumb.delete_connection_by_id(&env(env_id), slug, id).await? {
            Revocation::NotAttempted => "Deleted. The provider has no revocation endpoint: its grant stays.".into(),
            Revocation::Revoked => "Deleted, and its grant was revoked at the provider.".into(),
            Revocation::Failed(why) => format!("Deleted, but revoking the grant at the provider failed: {why}"),
        })
    }

    async fn webhooks(&self, env_id: &str) -> Result<WebhooksView, AppError> {
        let env = env(env_id);
        let endpoints = self.plumb.webhook_endpoints(&env).await?;
        let deliveries = self.plumb.recent_deliveries(&env, 50).await?;
        Ok(WebhooksView {
            endpoints: endpoints.iter().map(WebhookEndpointView::from).collect(),
            deliveries: deliveries.into_iter().map(DeliveryView::from).collect(),
        })
    }

    async fn create_webhook(&self, env_id: &str, input: WebhookInput) -> Result<CreatedWebhook, AppError> {
        let events = input.events();
        let request =
            EndpointInput { endpoint_url: Some(&input.endpoint_url), events: Some(&events), enabled: Some(true) };
        let (endpoint, secret) = self.plumb.create_webhook_endpoint(&env(env_id), &request).await?;
        Ok(CreatedWebhook { endpoint: WebhookEndpointView::from(&endpoint), secret })
    }

    async fn set_webhook_enabled(&self, env_id: &str, id: &str, enabled: bool) -> Result<(), AppError> {
        let request = EndpointInput { endpoint_url: None, events: None, enabled: Some(enabled) };
        self.plumb.update_webhook_endpoint(&env(env_id), id, &request).await?;
        Ok(())
    }

    async fn delete_webhook(&self, env_id: &str, id: &str) -> Result<(), AppError> {
        Ok(self.plumb.delete_webhook_endpoint(&env(env_id), id).await?)
    }

    async fn resend_delivery(&self, env_id: &str, id: &str) -> Result<(), AppError> {
        Ok(self.plumb.resend_delivery(&env(env_id), id).await?)
    }

    async fn widget(&self, widget_token: &str, failure: Option<ConnectFailure>) -> Result<WidgetView, AppError> {
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>();
        let accept_language = parts.as_ref().and_then(|p| p.headers.get(axum::http::header::ACCEPT_LANGUAGE));
        let language = accept_language.and_then(|v| v.to_str().ok());
        Ok(super::widget_page::widget_view(&self.plumb, widget_token, failure, language).await?)
    }

    async fn disconnect(&self, widget_token: &str, provider: &str, account: Option<&str>) -> Result<(), AppError> {
        Ok(self.plumb.disconnect(widget_token, provider, account).await?)
    }

    async fn rename_account(
        &self,
        widget_token: &str,
        provider: &str,
        account: &str,
        label: &str,
    ) -> Result<(), AppError> {
        Ok(self.plumb.rename_account(widget_token, provider, account, label).await?)
    }

    async fn access_token(&self, provider: &str, request: AccessTokenRequest) -> Result<AccessTokenResponse, AppError> {
        // Like the REST path, the key comes from the request's `Authorization` header.
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>()
            .ok_or_else(|| Error::Internal("the server function ran without its request".into()))?;
        let key = presented_key(&parts.headers)?;
        Ok(self.plumb.get_access_token(&key, provider, &request).await?)
    }

    async fn widget_theme(&self, env_id: &str) -> Result<WidgetThemeView, AppError> {
        Ok(theme_view(&self.plumb.widget_theme(&env(env_id)).await?))
    }

    async fn save_widget_theme(&self, env_id: &str, input: WidgetThemeView) -> Result<WidgetThemeView, AppError> {
        let radius = match input.radius.trim() {
            "" => None,
            r => Some(r.parse::<u8>().map_err(|_| {
                Error::field("theme.radius", "invalid", "Give the corner radius as a whole number of pixels, 0 to 24.")
            })?),
        };
        let scheme = match input.scheme.trim() {
            "" | "light" => None,
            "dark" => Some(Scheme::Dark),
            "auto" => Some(Scheme::Auto),
            _ => return Err(Error::field("theme.scheme", "invalid", "Choose light, dark or auto.").into()),
        };
        let nonempty = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let theme = Theme { accent: nonempty(input.accent), radius, font: nonempty(input.font), scheme };
        let saved = self.plumb.save_widget_theme(&env(env_id), theme).await?;
        tracing::info!(environment = %env_id, "widget theme saved");
        Ok(theme_view(&saved))
    }

    async fn environments(&self, env_id: &str) -> Result<EnvironmentsView, AppError> {
        let all: Vec<EnvironmentView> = self.plumb.environments().await?.iter().map(EnvironmentView::from).collect();
        let current = all
            .iter()
            .find(|e| e.id == env_id)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("No environment {env_id:?}.")))?;
        Ok(EnvironmentsView { current, all })
    }

    async fn save_environment_settings(
        &self,
        env_id: &str,
        return_to_origins: &str,
        frame_ancestors: &str,
        widget_origins: &str,
    ) -> Result<EnvironmentView, AppError> {
        let saved = self
            .plumb
            .update_environment_settings(&env(env_id), return_to_origins, frame_ancestors, widget_origins)
            .await?;
        tracing::info!(environment = %saved.slug, "environment settings saved");
        Ok(EnvironmentView::from(&saved))
    }

    async fn api_keys(&self, env_id: &str) -> Result<Vec<ApiKeyView>, AppError> {
        Ok(self.plumb.api_keys(&env(env_id)).await?.iter().map(ApiKeyView::from).collect())
    }

    async fn create_api_key(&self, env_id: &str, name: &str) -> Result<CreatedApiKey, AppError> {
        let created = self.plumb.create_api_key(env_id, name).await?;
        tracing::info!(key = %created.record.id, "API key created in the dashboard");
        Ok(CreatedApiKey { key: ApiKeyView::from(&created.record), secret: created.secret })
    }

    async fn revoke_api_key(&self, env_id: &str, id: &str) -> Result<(), AppError> {
        Ok(self.plumb.revoke_api_key(&env(env_id), id).await?)
    }

    async fn admins(&self, me: &AdminIdentity) -> Result<AdminsView, AppError> {
        let admins = self
            .plumb
            .admins()
            .await?
            .into_iter()
            .map(|a| AdminView { is_you: a.id == me.admin_id, id: a.id, email: a.email, created_at: iso(a.created_at) })
            .collect();
        let sessions = self
            .plumb
            .admin_sessions()
            .await?
            .into_iter()
            .map(|s| SessionView {
                is_current: s.id == me.session_id,
                id: s.id,
                email: s.email,
                user_agent: s.user_agent,
                created_at: iso(s.created_at),
                last_seen_at: iso(s.last_seen_at),
            })
            .collect();
        Ok(AdminsView { admins, sessions })
    }

    async fn invite_admin(&self, me: &AdminIdentity, email: &str) -> Result<String, AppError> {
        Ok(self.plumb.invite_admin(&me.admin_id, email).await?)
    }

    async fn remove_admin(&self, me: &AdminIdentity, id: &str) -> Result<(), AppError> {
        Ok(self.plumb.remove_admin(&me.admin_id, id).await?)
    }

    async fn revoke_session(&self, _me: &AdminIdentity, id: &str) -> Result<(), AppError> {
        Ok(self.plumb.revoke_admin_session(id).await?)
    }

    async fn invite_preview(&self, token: &str) -> Result<InvitePreview, AppError> {
        Ok(InvitePreview { email: self.plumb.invite(token).await?.email })
    }
}

/// A connection's relay row as the dashboard shows it; a wait that has passed is not shown.
fn relay_view(u: crate::store::RelayUsage, now: i64) -> app::model::RelayUsageView {
    let waiting = u.retry_at.filter(|at| *at > now);
    let c = u.counts;
    app::model::RelayUsageView {
        calls: c.calls,
        status_2xx: c.status_2xx,
        status_3xx: c.status_3xx,
        status_4xx: c.status_4xx,
        status_5xx: c.status_5xx,
        held_back: c.held_back,
        failed: c.failed,
        bytes_sent: c.bytes_sent,
        bytes_received: c.bytes_received,
        last_status: u.last_status,
        last_call_at: u.last_call_at.map(iso),
        waiting_status: waiting.and(u.retry_status),
        waiting_until: waiting.map(iso),
    }
}
