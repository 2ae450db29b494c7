//! The boundary between the Leptos app and Plumb's domain. Server functions stay one line long:
//! they fetch this service from context and call it. The server crate implements it with the
//! database, the OAuth client and the crypto, which therefore never reach the wasm bundle.

use crate::error::AppError;
use crate::model::{AccessTokenRequest, AccessTokenResponse, DashboardView, NewProvider, ProviderView, WidgetView};
use std::sync::Arc;

#[async_trait::async_trait]
pub trait PlumbService: Send + Sync + 'static {
    /// Providers and the redirect URI, for the admin dashboard.
    async fn dashboard(&self) -> Result<DashboardView, AppError>;
    /// Validates and stores a custom provider; on any invalid field nothing is stored.
    async fn create_provider(&self, input: NewProvider) -> Result<ProviderView, AppError>;
    /// The providers and connection states for the user a widget token names.
    async fn widget(&self, widget_token: &str) -> Result<WidgetView, AppError>;
    /// Removes the widget user's connection to one provider.
    async fn disconnect(&self, widget_token: &str, provider: &str) -> Result<(), AppError>;
    /// A fresh access token for a backend holding an API key (`Authorization: Bearer …`).
    async fn access_token(
        &self,
        authorization: Option<&str>,
        provider: &str,
        request: AccessTokenRequest,
    ) -> Result<AccessTokenResponse, AppError>;
}

pub type SharedService = Arc<dyn PlumbService>;

/// The service the server provided to this request's context.
pub fn service() -> Result<SharedService, AppError> {
    leptos::prelude::use_context::<SharedService>()
        .ok_or_else(|| AppError::internal("Plumb's service is not available in this context."))
}
