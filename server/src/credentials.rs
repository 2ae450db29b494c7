//! Connections made without a sign-in page: an API key, Basic credentials (user name and
//! password), or OAuth 2.0 client credentials whose token Plumb obtains and renews. A key or a
//! password is checked against the provider's verification request, when it has one, before it
//! is stored; client credentials are checked by obtaining their first token.
//!
//! What is stored, sealed: an API key as the connection's access token; Basic credentials as
//! their `Authorization: Basic` value (`base64(user:password)`), which is what callers send, with
//! the user name in the open; client credentials as the client secret, with the token they
//! obtained as the access token, renewed like a refresh (`crate::tokens`).

use crate::accounts::Intent;
use crate::connections::{self, Connection, Obtained, Owner};
use crate::error::{Error, Result, TokenRequest};
use crate::oauth;
use crate::plumb::{Credentials, Plumb};
use crate::providers::{Provider, ScopeList};
use crate::templates::Values;
use crate::time::now_ms;
use app::methods::AuthMethod;
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

/// How a verification request presents the credential.
enum Presented<'a> {
    Key(&'a str),
    Basic(&'a str),
}

impl Plumb {
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
        match credential {
            Presented::Key(key) => {
                let placement = &provider.access.api_key;
                if placement.query.is_empty() {
                    headers.push((placement.header.clone(), placement.format.replace("${api_key}", key)));
                } else {
                    url.query_pairs_mut().append_pair(&placement.query, key);
                }
            }
            Presented::Basic(value) => headers.push(("Authorization".into(), format!("Basic {value}"))),
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
    fn hints_show_four_characters_of_long_secrets_only() {
        assert_eq!(connections::hint("sk-live-1234567890abcd"), "abcd");
        assert_eq!(connections::hint("short"), "");
    }
}
