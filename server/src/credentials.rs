//! Connections made without a sign-in page: an API key, Basic credentials (user name and
//! password), or OAuth 2.0 client credentials whose token Plumb obtains and renews. A key or a
//! password is checked against the provider's verification request, when it has one, before it
//! is stored; client credentials are checked by obtaining their first token.
//!
//! What is stored, sealed: an API key as the connection's access token; Basic credentials as
//! their `Authorization: Basic` value (`base64(user:password)`), which is what callers send, with
//! the user name in the open; client credentials as the client secret, with the token they
//! obtained as the access token, renewed like a refresh (`crate::tokens`).

use crate::accounts::{self, Intent};
use crate::api_keys::PresentedKey;
use crate::connections::Selector;
use crate::connections::{self, Connection, Obtained, Owner};
use crate::error::{Error, Result, TokenRequest};
use crate::ids::EnvironmentId;
use crate::oauth;
use crate::plumb::{Credentials, Plumb};
use crate::providers::{Provider, ScopeList};
use crate::templates::Values;
use crate::time::now_ms;
use app::methods::AuthMethod;
use app::model::{AccessTokenRequest, InactiveReason};
use base64::Engine;

/// The longest key, password or client secret accepted.
pub const MAX_SECRET: usize = 4096;
const MAX_NAME: usize = 256;

/// A credential someone gave for a provider.
#[derive(Clone, Default)]
pub struct CredentialInput {
    pub method: Option<AuthMethod>,
    /// The API key.
    pub api_key: Option<String>,
    /// Basic credentials.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Client credentials.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Values for the provider's installation-scope configuration fields.
    pub config: Values,
    /// A developer-attested provider account id.
    pub account_identifier: Option<String>,
}

/// A required secret: trimmed (pasted keys often carry a newline), printable, bounded.
fn secret(field: &str, label: &str, value: Option<&str>) -> Result<String> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(Error::field(field, "required", format!("Enter the {label}.")));
    }
    if value.len() > MAX_SECRET || value.chars().any(char::is_control) {
        return Err(Error::field(
            field,
            "invalid",
            format!("The {label} must be at most {MAX_SECRET} printable characters."),
        ));
    }
    Ok(value.to_string())
}

fn name(field: &str, label: &str, value: Option<&str>) -> Result<String> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() || value.len() > MAX_NAME || value.chars().any(char::is_control) {
        return Err(Error::field(field, "invalid", format!("Enter the {label} (at most {MAX_NAME} characters).")));
    }
    Ok(value.to_string())
}

/// The `Authorization: Basic` value for a user name and password (RFC 7617).
pub fn basic_value(username: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
}

/// `POST`/`PUT /data-integrations/{slug}/api-key` and `…/client-credentials`: whose, which
/// connection, and the credential (`docs/workos-api.md` §4.9-4.12).
#[derive(Clone, Default)]
pub struct InstallRequest {
    pub user_id: Option<String>,
    pub organization_id: Option<String>,
    pub connection_owner: Option<String>,
    pub intent: Intent,
    pub input: CredentialInput,
}

/// What `POST /data-integrations/{slug}/credentials` hands out (`docs/workos-api.md` §3.7).
pub enum Vended {
    Inactive(InactiveReason),
    Active(Box<Credential>),
}

pub struct Credential {
    pub auth_method: AuthMethod,
    /// The access token, the API key, or the Basic value.
    pub value: String,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
    pub metadata: Values,
    pub config: Values,
    /// Basic credentials' user name.
    pub username: Option<String>,
}

/// How a verification request presents the credential.
enum Presented<'a> {
    Key(&'a str),
    Basic(&'a str),
}

impl Plumb {
    /// The app's backend installs a credential for a user or an organization.
    pub async fn install_for_app(
        &self,
        env: &EnvironmentId,
        slug: &str,
        request: InstallRequest,
    ) -> Result<(Provider, Connection)> {
        let provider = self.provider(env, slug).await?;
        let (owner, _acting) = accounts::owner_for(
            &provider,
            request.connection_owner.as_deref(),
            request.user_id.as_deref(),
            request.organization_id.as_deref(),
        )?;
        let provider = self.for_organization(provider, owner.organization_id.as_deref()).await?;
        let connection = self.install_credential(&provider, &owner, &request.intent, request.input).await?;
        Ok((provider, connection))
    }

    /// The widget's form: the viewer (or, for a shared provider, the organization, when the
    /// viewer manages it) stores a credential.
    pub async fn install_from_widget(
        &self,
        widget_token: &str,
        slug: &str,
        intent: Intent,
        input: CredentialInput,
    ) -> Result<Connection> {
        let claims = self.widget_session(widget_token).await?;
        self.install_for_viewer(&claims, slug, intent, input).await
    }

    /// [`Plumb::install_from_widget`] for a viewer whose token is already checked.
    pub async fn install_for_viewer(
        &self,
        claims: &crate::widget_tokens::Claims,
        slug: &str,
        intent: Intent,
        input: CredentialInput,
    ) -> Result<Connection> {
        let provider = self.provider(&claims.environment(), slug).await?;
        let owner = self.widget_owner(claims, &provider, true)?;
        let provider = self.for_organization(provider, owner.organization_id.as_deref()).await?;
        let intent =
            Intent { established_by: Some(claims.sub.clone()), manager: claims.manages_organization(), ..intent };
        self.install_credential(&provider, &owner, &intent, input).await
    }

    /// `POST /data-integrations/{slug}/credentials`: the chosen connection's credential, as
    /// its method has it, an OAuth or client-credentials token refreshed first when due.
    pub async fn vend_credential(
        &self,
        key: &PresentedKey,
        slug: &str,
        request: &AccessTokenRequest,
    ) -> Result<Vended> {
        let record = self.authenticate_api_key(key).await?;
        let env = &record.environment_id;
        let (owner, _acting) = Owner::for_request(
            request.connection_owner.as_deref(),
            Some(&request.user_id),
            request.organization_id.as_deref(),
        )?;
        let selector = Selector::from_input(
            request.connected_account_id.as_deref(),
            request.account_display_name.as_deref(),
            request.supports_multiple_connections,
        )?;
        let provider = self.provider(env, slug).await?;
        let owner_named = request.connection_owner.as_deref().is_some_and(|o| !o.trim().is_empty());
        let Some(owner) = fetch_owner(&provider, owner, owner_named) else {
            return Ok(Vended::Inactive(InactiveReason::NotInstalled));
        };
        let (provider, connection) = match self.fresh_connection(provider, &owner, &selector).await? {
            Ok(found) => found,
            Err(reason) => return Ok(Vended::Inactive(reason)),
        };
        let aad = connections::token_aad(
            "connections",
            connection.id.as_str(),
            &connection.provider_id,
            &connection.owner,
            connections::ACCESS_TOKEN,
        );
        let sealed = connection
            .access_token
            .as_deref()
            .ok_or_else(|| Error::Internal(format!("connection {} has no credential", connection.id)))?;
        let value = self.cipher.open_string(sealed, &aad)?;
        let granted = connection.scopes.0.clone();
        let keyed = matches!(connection.auth_method, AuthMethod::ApiKey | AuthMethod::Basic);
        Ok(Vended::Active(Box::new(Credential {
            auth_method: connection.auth_method,
            value,
            expires_at: connection.expires_at,
            missing_scopes: if keyed { Vec::new() } else { connections::missing_scopes(&provider.scopes.0, &granted) },
            scopes: granted,
            metadata: metadata(&provider, &connection),
            config: shown_config(&provider, &connection),
            username: (connection.auth_method == AuthMethod::Basic).then(|| connection.client_id.clone()).flatten(),
        })))
    }

    /// Stores a key, Basic credentials or client credentials as one of the owner's connections,
    /// as the intent says (the compatibility one, another one, or the one named).
    pub async fn install_credential(
        &self,
        provider: &Provider,
        owner: &Owner,
        intent: &Intent,
        input: CredentialInput,
    ) -> Result<Connection> {
        let method = match input.method {
            Some(m) => m,
            None => *provider
                .access
                .auth_methods
                .iter()
                .find(|m| **m != AuthMethod::Oauth)
                .ok_or_else(|| not_supported(provider, AuthMethod::ApiKey))?,
        };
        if method == AuthMethod::Oauth || !provider.access.supports(method) {
            return Err(not_supported(provider, method));
        }
        if !provider.enabled {
            return Err(Error::ProviderDisabled(provider.name.clone()));
        }
        let account_identifier =
            input.account_identifier.as_deref().map(connections::check_account_identifier).transpose()?;
        self.check_intent(provider, owner, intent).await?;
        let config = self.connect_values(provider, owner, intent, &input.config).await?;
        let resolved = self.resolved_with(provider, &config)?;
        let obtained = match method {
            AuthMethod::ApiKey => {
                let key = secret("api_key", "API key", input.api_key.as_deref())?;
                self.verify(&resolved, Presented::Key(&key)).await?;
                Obtained { secret_hint: connections::hint(&key), access_token: key, ..Obtained::default() }
            }
            AuthMethod::Basic => {
                let labels = &provider.access.basic;
                let user = name("username", &labels.username_label, input.username.as_deref())?;
                let password = secret("password", &labels.password_label, input.password.as_deref())?;
                let value = basic_value(&user, &password);
                self.verify(&resolved, Presented::Basic(&value)).await?;
                Obtained {
                    access_token: value,
                    secret_hint: connections::hint(&password),
                    client_id: Some(user),
                    ..Obtained::default()
                }
            }
            AuthMethod::ClientCredentials => {
                let client_id = name("client_id", "client ID", input.client_id.as_deref())?;
                let client_secret = secret("client_secret", "client secret", input.client_secret.as_deref())?;
                self.first_client_credentials_token(&resolved, client_id, client_secret).await?
            }
            AuthMethod::Oauth => unreachable!("refused above"),
        };
        let mut config = config;
        config.extend(obtained.config.clone());
        let obtained = Obtained { auth_method: method, account_identifier, config, ..obtained };
        self.save_obtained(provider, owner, &obtained, intent).await
    }

    /// Client credentials are good when the provider gives a token for them.
    async fn first_client_credentials_token(
        &self,
        provider: &Provider,
        client_id: String,
        client_secret: String,
    ) -> Result<Obtained> {
        let credentials = Credentials { client_id: client_id.clone(), client_secret: Some(client_secret.clone()) };
        let request = oauth::client_credentials_request(
            &credentials.client(provider),
            &provider.token_url,
            &provider.scopes.0,
            &provider.scope_separator,
        );
        let requested_at = now_ms();
        let tokens = oauth::send(&self.http, &request, &provider.token_response_paths).await.map_err(|e| match e {
            oauth::TokenError::Rejected(p) => Error::field(
                "client_secret",
                "credential_rejected",
                format!(
                    "{} refused these client credentials: {}{}",
                    provider.name,
                    p.error,
                    p.description.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
            ),
            other => {
                let retry = other.retry_after_secs();
                Error::from_token_request(other, &provider.name, TokenRequest::Exchange, retry)
            }
        })?;
        Ok(Obtained {
            access_token: tokens.access_token.secret().clone(),
            refresh_token: None,
            expires_at: tokens.expires_in.map(|s| connections::expiry(requested_at, s)),
            scopes: ScopeList(tokens.scopes.clone().unwrap_or_else(|| provider.scopes.0.clone())),
            secret_hint: connections::hint(&client_secret),
            client_id: Some(client_id),
            client_secret: Some(client_secret),
            config: tokens.fields.capture(&provider.access.captures),
            ..Obtained::default()
        })
    }

    /// Sends the provider's verification request with the credential; it must answer one of
    /// the expected statuses. Nothing of the answer is read or kept.
    async fn verify(&self, provider: &Provider, credential: Presented<'_>) -> Result<()> {
        let check = &provider.access.verification;
        if !check.is_set() {
            return Ok(());
        }
        let mut url = url::Url::parse(&check.url)
            .map_err(|_| Error::NotConfigured(format!("{}'s verification URL is not a URL.", provider.name)))?;
        let mut headers: Vec<(String, String)> = provider.access.api_headers.clone();
        let placed = match credential {
            Presented::Key(key) => placement(&provider.access, AuthMethod::ApiKey, key),
            Presented::Basic(value) => placement(&provider.access, AuthMethod::Basic, value),
        };
        headers.extend(placed.headers);
        if let Some((name, value)) = &placed.query {
            url.query_pairs_mut().append_pair(name, value);
        }
        let method = reqwest::Method::from_bytes(check.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = self
            .http
            .request(method, url.as_str())
            .map_err(|why| Error::field("config", "address_not_allowed", why))?;
        for (k, v) in &headers {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| Error::ProviderUnavailable {
            message: format!(
                "{} could not be reached to check the credential ({}). Try again.",
                provider.name,
                crate::outbound::describe(&e)
            ),
            retry_after_secs: None,
        })?;
        let status = response.status().as_u16();
        if check.expected_statuses.contains(&status) {
            return Ok(());
        }
        tracing::info!(provider = %provider.slug, status, "credential refused by the verification request");
        let (field, what) = match credential {
            Presented::Key(_) => ("api_key", "key"),
            Presented::Basic(_) => ("password", "credentials"),
        };
        if status == 429 || status >= 500 {
            return Err(Error::ProviderUnavailable {
                message: format!("{} could not check the {what} (HTTP {status}). Try again shortly.", provider.name),
                retry_after_secs: None,
            });
        }
        Err(Error::field(
            field,
            "credential_rejected",
            format!("{} refused this {what} (HTTP {status}). Check it and try again.", provider.name),
        ))
    }
}

/// Whose connection a fetch means. As on the token endpoint, a caller that did not say
/// (`owner_named` false) means an organization-owned provider's shared one; `None` when that
/// cannot exist because no organization was given.
pub(crate) fn fetch_owner(provider: &Provider, owner: Owner, owner_named: bool) -> Option<Owner> {
    match (owner_named, provider.ownership, &owner.organization_id) {
        (false, crate::providers::Ownership::Organization, Some(org)) if !owner.is_organization() => {
            Some(Owner::organization(org))
        }
        (false, crate::providers::Ownership::Organization, None) => None,
        _ => Some(owner),
    }
}

/// Where a credential goes on a request to the provider's API: headers to set, or a query
/// parameter to add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub headers: Vec<(String, String)>,
    pub query: Option<(String, String)>,
}

/// How `value`, a credential of `method`, is presented: an API key as the provider's key
/// placement says, Basic credentials as `Authorization: Basic`, a token as a bearer token.
pub fn placement(access: &app::methods::Access, method: AuthMethod, value: &str) -> Placement {
    let header = |name: &str, value: String| Placement { headers: vec![(name.to_string(), value)], query: None };
    match method {
        AuthMethod::ApiKey if !access.api_key.query.is_empty() => {
            Placement { headers: Vec::new(), query: Some((access.api_key.query.clone(), value.to_string())) }
        }
        AuthMethod::ApiKey => header(&access.api_key.header, access.api_key.format.replace("${api_key}", value)),
        AuthMethod::Basic => header("Authorization", format!("Basic {value}")),
        AuthMethod::Oauth | AuthMethod::ClientCredentials => match &access.token_placement {
            Some(p) if !p.query.is_empty() => {
                Placement { headers: Vec::new(), query: Some((p.query.clone(), value.to_string())) }
            }
            Some(p) => header(&p.header, p.format.replace("${access_token}", value)),
            None => header("Authorization", format!("Bearer {value}")),
        },
    }
}

/// The non-secret values of a connection's installation-scope fields, with the provider's
/// defaults for those unset: what `config` shows on a connected account and a credential.
pub fn shown_config(provider: &Provider, connection: &Connection) -> Values {
    provider
        .access
        .config_fields
        .iter()
        .filter(|f| f.scope == app::methods::FieldScope::Installation && !f.secret)
        .filter_map(|f| {
            let value =
                connection.config.get(&f.key).cloned().or_else(|| (!f.default.is_empty()).then(|| f.default.clone()));
            value.map(|v| (f.key.clone(), v))
        })
        .collect()
}

/// Values captured from the connection's token responses (`metadata` on a credential).
pub fn metadata(provider: &Provider, connection: &Connection) -> Values {
    provider
        .access
        .captures
        .iter()
        .filter_map(|(k, _)| connection.config.get(k).map(|v| (k.clone(), v.clone())))
        .collect()
}

/// `auth_methods` as SDK clients know them: Basic credentials are offered as an API key.
pub fn sdk_methods(provider: &Provider) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for m in &provider.access.auth_methods {
        let name = match m {
            AuthMethod::Basic => "api_key",
            other => other.as_str(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The provider's HTTP status in a refusal's message ("… refused this key (HTTP 401) …"), for
/// the widget to show beside its fixed text.
pub fn rejected_status(message: &str) -> Option<u16> {
    let at = message.find("(HTTP ")? + 6;
    message[at..].get(..3)?.parse().ok().filter(|s| (100..=599).contains(s))
}

fn not_supported(provider: &Provider, method: AuthMethod) -> Error {
    Error::field(
        "auth_method",
        "not_supported",
        format!(
            "{} is not connected with {}: it takes {}.",
            provider.name,
            method.label(),
            crate::connect::describe_methods(provider)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_where_the_provider_expects_them() {
        let mut access = app::methods::Access::default();
        let bearer = placement(&access, AuthMethod::Oauth, "t");
        assert_eq!(bearer.headers, [("Authorization".to_string(), "Bearer t".to_string())]);
        access.token_placement = Some(app::methods::KeyPlacement {
            header: "X-Shopify-Access-Token".into(),
            format: "${access_token}".into(),
            query: String::new(),
        });
        let shopify = placement(&access, AuthMethod::Oauth, "t");
        assert_eq!(shopify.headers, [("X-Shopify-Access-Token".to_string(), "t".to_string())]);
        access.api_key =
            app::methods::KeyPlacement { header: String::new(), format: String::new(), query: "key".into() };
        let keyed = placement(&access, AuthMethod::ApiKey, "k");
        assert_eq!((keyed.headers.len(), keyed.query), (0, Some(("key".to_string(), "k".to_string()))));
        let basic = placement(&access, AuthMethod::Basic, "YTpi");
        assert_eq!(basic.headers, [("Authorization".to_string(), "Basic YTpi".to_string())]);
    }

    #[test]
    fn basic_values_follow_rfc_7617() {
        // RFC 7617 §2's example.
        assert_eq!(basic_value("Aladdin", "open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn secrets_are_trimmed_and_bounded() {
        assert_eq!(secret("k", "key", Some("  sk-123\n")).unwrap(), "sk-123");
        assert!(secret("k", "key", Some("  ")).is_err());
        assert!(secret("k", "key", None).is_err());
        assert!(secret("k", "key", Some(&"x".repeat(MAX_SECRET + 1))).is_err());
        assert!(secret("k", "key", Some("a\u{7}b")).is_err());
    }

    #[test]
    fn the_refusal_status_is_read_back_from_the_message() {
        assert_eq!(rejected_status("Acme refused this key (HTTP 401). Check it and try again."), Some(401));
        assert_eq!(rejected_status("Enter the API key."), None);
        assert_eq!(rejected_status("(HTTP 9x9)"), None);
    }

    #[test]
    fn hints_show_four_characters_of_long_secrets_only() {
        assert_eq!(connections::hint("sk-live-1234567890abcd"), "abcd");
        assert_eq!(connections::hint("short"), "");
    }
}
