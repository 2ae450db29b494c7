//! The boundary between the Leptos app and Plumb's domain. Server functions stay one line long:
//! they fetch this service from context and call it. The server crate implements it with the
//! database, the OAuth client and the crypto, which therefore never reach the wasm bundle.

use crate::error::AppError;
use crate::model::{
    AccessTokenRequest, AccessTokenResponse, AdminIdentity, AdminsView, ApiKeyView, CatalogInput, CatalogView,
    ConnectionsView, CreatedApiKey, CreatedWebhook, DashboardView, Discovered, EnvironmentView, EnvironmentsView,
    InvitePreview, ProviderDetail, ProviderInput, ProviderView, SharedCredentialsInput, WebhookInput, WebhooksView,
    WidgetView,
};
use std::sync::Arc;

#[async_trait::async_trait]
pub trait PlumbService: Send + Sync + 'static {
    /// Providers and the redirect URI, for the admin dashboard.
    async fn dashboard(&self, env: &str) -> Result<DashboardView, AppError>;
    /// Validates and stores a custom provider; on any invalid field nothing is stored.
    async fn create_provider(&self, env: &str, input: ProviderInput) -> Result<ProviderView, AppError>;
    async fn provider_detail(&self, env: &str, slug: &str) -> Result<ProviderDetail, AppError>;
    /// Edits a custom provider: every field but the slug; an empty secret keeps the stored one.
    async fn update_provider(&self, env: &str, slug: &str, input: ProviderInput) -> Result<ProviderView, AppError>;
    /// Edits a catalog provider's description, credentials and scopes.
    async fn update_catalog_provider(
        &self,
        env: &str,
        slug: &str,
        input: CatalogInput,
    ) -> Result<ProviderView, AppError>;
    /// Turns a provider on or off (a disabled one is hidden from the widget).
    async fn set_provider_enabled(&self, env: &str, slug: &str, enabled: bool) -> Result<ProviderView, AppError>;
    /// Deletes a provider and its connected accounts; returns how many accounts went.
    async fn delete_provider(&self, env: &str, slug: &str) -> Result<i64, AppError>;
    async fn catalog(&self, env: &str) -> Result<CatalogView, AppError>;
    async fn enable_catalog_provider(&self, env: &str, input: CatalogInput) -> Result<ProviderView, AppError>;
    async fn save_shared_credentials(&self, input: SharedCredentialsInput) -> Result<(), AppError>;
    /// Reads RFC 8414 / OpenID Connect discovery metadata for an issuer or metadata URL.
    async fn discover(&self, url: &str) -> Result<Discovered, AppError>;
    /// A provider's connected accounts, optionally only one user's, one organization's or one
    /// provider-side account's, and its recent revocations.
    async fn connections(
        &self,
        env: &str,
        slug: &str,
        user_id: &str,
        organization_id: &str,
        account_identifier: &str,
    ) -> Result<ConnectionsView, AppError>;
    /// Deletes one connected account (revoking its grant); says what became of the revocation.
    async fn delete_connection(&self, env: &str, slug: &str, id: &str) -> Result<String, AppError>;
    async fn webhooks(&self, env: &str) -> Result<WebhooksView, AppError>;
    async fn create_webhook(&self, env: &str, input: WebhookInput) -> Result<CreatedWebhook, AppError>;
    async fn set_webhook_enabled(&self, env: &str, id: &str, enabled: bool) -> Result<(), AppError>;
    async fn delete_webhook(&self, env: &str, id: &str) -> Result<(), AppError>;
    async fn resend_delivery(&self, env: &str, id: &str) -> Result<(), AppError>;
    /// The providers and connection states for the user a widget token names.
    async fn widget(
        &self,
        widget_token: &str,
        failure: Option<crate::model::ConnectFailure>,
    ) -> Result<WidgetView, AppError>;
    /// Removes the widget user's connection to one provider.
    async fn disconnect(&self, widget_token: &str, provider: &str, account: Option<&str>) -> Result<(), AppError>;
    async fn rename_account(
        &self,
        widget_token: &str,
        provider: &str,
        account: &str,
        label: &str,
    ) -> Result<(), AppError>;
    /// The current environment and the others, for the switcher and the settings page.
    /// The environment's widget look.
    async fn widget_theme(&self, env: &str) -> Result<crate::model::WidgetThemeView, AppError>;
    /// Checks and saves the environment's widget look.
    async fn save_widget_theme(
        &self,
        env: &str,
        theme: crate::model::WidgetThemeView,
    ) -> Result<crate::model::WidgetThemeView, AppError>;
    async fn environments(&self, env: &str) -> Result<EnvironmentsView, AppError>;
    /// Saves the current environment's return-to origins, widget frame ancestors and widget API
    /// origins (origins separated by spaces, commas or new lines).
    async fn save_environment_settings(
        &self,
        env: &str,
        return_to_origins: &str,
        frame_ancestors: &str,
        widget_origins: &str,
    ) -> Result<EnvironmentView, AppError>;
    /// Every API key (revoked ones too), newest first.
    async fn api_keys(&self, env: &str) -> Result<Vec<ApiKeyView>, AppError>;
    async fn create_api_key(&self, env: &str, name: &str) -> Result<CreatedApiKey, AppError>;
    async fn revoke_api_key(&self, env: &str, id: &str) -> Result<(), AppError>;
    /// Admins and live sessions, for the admins page.
    async fn admins(&self, me: &AdminIdentity) -> Result<AdminsView, AppError>;
    /// An invitation link for a new admin, shown once.
    async fn invite_admin(&self, me: &AdminIdentity, email: &str) -> Result<String, AppError>;
    async fn remove_admin(&self, me: &AdminIdentity, id: &str) -> Result<(), AppError>;
    async fn revoke_session(&self, me: &AdminIdentity, id: &str) -> Result<(), AppError>;
    /// The invitation behind a link, for its page.
    async fn invite_preview(&self, token: &str) -> Result<InvitePreview, AppError>;
    /// A fresh access token for a backend holding an API key. The server reads the key from the
    /// request (`Authorization: Bearer …`), as on the REST path: it never passes through here.
    async fn access_token(&self, provider: &str, request: AccessTokenRequest) -> Result<AccessTokenResponse, AppError>;
}

pub type SharedService = Arc<dyn PlumbService>;

/// The service the server provided to this request's context.
pub fn service() -> Result<SharedService, AppError> {
    leptos::prelude::use_context::<SharedService>()
        .ok_or_else(|| AppError::internal("Plumb's service is not available in this context."))
}

/// The signed-in admin of this request. The server's gate refuses dashboard functions without a
/// session before they run, so this fails only if a function was left outside the gate.
pub fn admin() -> Result<AdminIdentity, AppError> {
    leptos::prelude::use_context::<AdminIdentity>()
        .ok_or_else(|| AppError::unauthorized("Sign in to the dashboard to do this."))
}

/// The environment the signed-in admin is working in (the dashboard's switcher sets it).
pub fn env() -> Result<String, AppError> {
    Ok(admin()?.environment_id)
}
