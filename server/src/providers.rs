//! A provider as the domain holds it: its endpoints, its OAuth settings and its credentials
//! (`docs/provider-configuration.md`). [`crate::provider_settings`] and [`crate::provider_rules`] change and check it;
//! [`crate::catalog`] fills in the built-in ones.

use crate::ids::{EnvironmentId, ProviderId};
use crate::templates::Values;
use app::methods::Access;
use app::model::{AuthenticateVia, ProviderView, ResponsePaths, TokenBodyType};

/// Whose OAuth app a provider presents at the provider's token endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CredentialsKind {
    /// The admin's own app, registered at the provider (what production uses).
    #[default]
    Custom,
    /// The operator's app for a catalog provider, shared by every provider that opts in.
    Shared,
}

impl CredentialsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Custom => "custom",
            Self::Shared => "shared",
        }
    }

    /// The stored name; anything unknown is the admin's own app, which asks for nothing shared.
    pub fn parse(s: &str) -> Self {
        if s == "shared" {
            Self::Shared
        } else {
            Self::Custom
        }
    }
}

/// Who owns a provider's connections (`ownership` in the API, fixed at creation in WorkOS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ownership {
    /// Each user connects their own account.
    #[default]
    User,
    /// A manager of each organization connects once, and every member's calls use it.
    Organization,
}

impl Ownership {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Organization => "organization",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "organization" {
            Self::Organization
        } else {
            Self::User
        }
    }
}

/// A provider. `client_secret` is sealed (see [`crate::crypto`]). Catalog providers carry their
/// catalog entry's settings, laid over them from the catalog when loaded.
#[derive(Clone)]
pub struct Provider {
    pub id: ProviderId,
    pub environment_id: EnvironmentId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub refresh_token_url: String,
    pub client_id: String,
    pub client_secret: Option<Vec<u8>>,
    pub client_secret_hint: String,
    pub scopes: ScopeList,
    pub scope_separator: String,
    pub scope_parameter: String,
    pub scopes_required: bool,
    pub client_secret_required: bool,
    pub pkce_enabled: bool,
    pub authenticate_via: AuthenticateVia,
    pub token_body: TokenBodyType,
    pub authorization_parameters: Vec<(String, String)>,
    pub token_request_headers: Vec<(String, String)>,
    pub token_response_paths: ResponsePaths,
    pub catalog_slug: Option<String>,
    pub credentials: CredentialsKind,
    pub enabled: bool,
    /// RFC 9207: the issuer its authorization responses name in `iss` (empty: not known), and
    /// whether it always sends `iss` (its metadata says so).
    pub issuer: String,
    pub issuer_sends_iss: bool,
    pub ownership: Ownership,
    /// Whether an owner may hold several connections to it (SDK 12's additional connections).
    pub multiple_connections: bool,
    /// RFC 7009 token revocation endpoint: a deleted connection's grant is revoked there.
    pub revocation_url: String,
    /// Its methods, configuration fields and what they need (from the catalog for a catalog
    /// provider).
    pub access: Access,
    /// Values pinned on the provider; the secret ones are sealed in `config_secret`.
    pub config: Values,
    pub config_secret: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("id", &self.id).field("slug", &self.slug).finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider with default settings, to be filled from a form, the API or the catalog.
    pub fn new(environment_id: &EnvironmentId, id: ProviderId, slug: String, now: i64) -> Self {
        Self {
            id,
            environment_id: environment_id.clone(),
            slug,
            name: String::new(),
            description: String::new(),
            icon_url: String::new(),
            authorization_url: String::new(),
            token_url: String::new(),
            refresh_token_url: String::new(),
            client_id: String::new(),
            client_secret: None,
            client_secret_hint: String::new(),
            scopes: ScopeList::default(),
            scope_separator: " ".into(),
            scope_parameter: "scope".into(),
            scopes_required: false,
            client_secret_required: true,
            pkce_enabled: true,
            authenticate_via: AuthenticateVia::RequestBody,
            token_body: TokenBodyType::Form,
            authorization_parameters: Vec::new(),
            token_request_headers: Vec::new(),
            token_response_paths: ResponsePaths::default(),
            catalog_slug: None,
            credentials: CredentialsKind::Custom,
            enabled: true,
            issuer: String::new(),
            issuer_sends_iss: false,
            ownership: Ownership::User,
            multiple_connections: false,
            revocation_url: String::new(),
            access: Access::default(),
            config: Values::new(),
            config_secret: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Where refreshes go: the refresh token URL when set, else the token URL.
    pub fn refresh_url(&self) -> &str {
        if self.refresh_token_url.is_empty() {
            &self.token_url
        } else {
            &self.refresh_token_url
        }
    }

    /// Whether any URL, parameter or header holds a `${config.key}` placeholder.
    pub fn is_templated(&self) -> bool {
        [
            &self.authorization_url,
            &self.token_url,
            &self.refresh_token_url,
            &self.revocation_url,
            &self.access.api_base_url,
            &self.access.verification.url,
        ]
        .into_iter()
        .chain(self.authorization_parameters.iter().map(|(_, v)| v))
        .chain(self.token_request_headers.iter().map(|(_, v)| v))
        .chain(self.access.api_headers.iter().map(|(_, v)| v))
        .chain(self.access.token_parameters.iter().map(|(_, v)| v))
        .any(|t| crate::templates::has_placeholders(t))
    }

    pub fn uses_shared_credentials(&self) -> bool {
        self.credentials == CredentialsKind::Shared
    }

    /// Whether the provider holds what its connections need: nothing for one without OAuth (keys
    /// and client credentials come with each connection); else the shared app when it uses one
    /// (`shared_app_registered`), or a client id and, unless it is a public client, a secret.
    pub fn has_credentials(&self, shared_app_registered: bool) -> bool {
        if !self.access.supports(app::methods::AuthMethod::Oauth) {
            // Keys and client credentials come with each connection: nothing to hold here.
            true
        } else if self.uses_shared_credentials() {
            shared_app_registered
        } else {
            !self.client_id.is_empty() && (self.client_secret.is_some() || !self.client_secret_required)
        }
    }

    pub fn view(&self, connected_accounts: i64) -> ProviderView {
        ProviderView {
            id: self.id.to_string(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            icon_url: self.icon_url.clone(),
            icon: String::new(),
            authorization_url: self.authorization_url.clone(),
            token_url: self.token_url.clone(),
            refresh_token_url: self.refresh_token_url.clone(),
            revocation_url: self.revocation_url.clone(),
            ownership: self.ownership.as_str().into(),
            multiple_connections: self.multiple_connections,
            client_id: if self.uses_shared_credentials() { String::new() } else { self.client_id.clone() },
            has_client_secret: self.client_secret.is_some(),
            scopes: self.scopes.0.clone(),
            scopes_required: self.scopes_required,
            scope_separator: self.scope_separator.clone(),
            scope_parameter: self.scope_parameter.clone(),
            issuer: self.issuer.clone(),
            issuer_sends_iss: self.issuer_sends_iss,
            client_secret_required: self.client_secret_required,
            pkce_enabled: self.pkce_enabled,
            authenticate_via: self.authenticate_via,
            token_body_content_type: self.token_body,
            authorization_parameters: self.authorization_parameters.clone(),
            token_request_headers: self.token_request_headers.clone(),
            token_response: self.token_response_paths.clone(),
            access: self.access.clone(),
            // The secret values are sealed apart, in `config_secret`, and never shown.
            config: self.config.clone(),
            catalog: self.catalog_slug.clone(),
            shared_credentials: self.uses_shared_credentials(),
            enabled: self.enabled,
            connected_accounts,
            created_at: crate::time::iso(self.created_at),
            updated_at: crate::time::iso(self.updated_at),
        }
    }
}

/// An ordered list of scopes, stored space-separated: RFC 6749 §3.3 scope tokens cannot contain
/// spaces, so the encoding is lossless.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeList(pub Vec<String>);

impl From<String> for ScopeList {
    fn from(text: String) -> Self {
        Self(text.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect())
    }
}

impl ScopeList {
    pub fn to_db(&self) -> String {
        self.0.join(" ")
    }
}

/// Lowercase ASCII letters and digits in groups joined by single hyphens, 1–64 characters.
pub fn is_valid_slug(slug: &str) -> bool {
    slug.len() <= 64
        && !slug.is_empty()
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["github", "acme-crm", "a1", "x"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "Acme", "acme_crm", "-acme", "acme-", "a--b", "acmé", "a b", &"a".repeat(65)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }
}
