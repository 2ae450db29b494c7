//! The relay (`docs/relay.md`): a backend or an agent sends the request it wants made to a
//! provider, and Plumb makes it with the connection's credential attached, so the credential
//! never leaves Plumb. This module decides *whether and where*: whose connection, the target
//! URL, the hosts the credential may go to, the credential's placement, a wait the provider
//! asked for. [`crate::http`] moves the bytes.

pub mod hosts;
pub mod meter;
pub mod usage;

use crate::accounts::Intent;
use crate::api_keys::PresentedKey;
use crate::connect::LinkRequest;
use crate::connections::{self, Choice, Connection, Owner};
use crate::credentials::{fetch_owner, placement, Placement};
use crate::error::{Error, Result};
use crate::ids::EnvironmentId;
use crate::plumb::Plumb;
use crate::providers::Provider;
use crate::time::now_ms;
use crate::tokens::{Due, Fetched, Patience};
use app::methods::AuthMethod;
use app::model::InactiveReason;

/// Who the call is for, as the control headers name it.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub user_id: Option<String>,
    pub organization_id: Option<String>,
    pub connection_owner: Option<String>,
    pub connected_account_id: Option<String>,
    pub account_display_name: Option<String>,
}

/// Where the call goes: a path under the provider's API base URL, or an absolute URL.
#[derive(Debug, Clone)]
pub enum Target {
    Path { path: String, query: Option<String> },
    Url(String),
}

/// A call Plumb may make: the target, the credential to attach and what the provider said
/// about waiting.
pub struct Prepared {
    /// The provider as stored (a refresh needs it) and as this connection sees it.
    pub provider: Provider,
    pub resolved: Provider,
    pub connection: Connection,
    pub environment_id: EnvironmentId,
    pub url: url::Url,
    /// Headers every call to the provider carries (`api_headers`, filled).
    pub api_headers: Vec<(String, String)>,
    pub credential: Placement,
    /// Until when (ms) the provider asked not to be called, and the status that asked.
    pub hold: Option<(i64, i64)>,
}

impl Prepared {
    /// Whether a 401 can be answered by renewing the credential: a token that can be
    /// refreshed or obtained again. A key or a password is what it is.
    pub fn renewable(&self) -> bool {
        match self.connection.auth_method {
            AuthMethod::Oauth => self.connection.refresh_token.is_some(),
            AuthMethod::ClientCredentials => true,
            AuthMethod::ApiKey | AuthMethod::Basic => false,
        }
    }
}

/// Why Plumb answers a call itself instead of making it.
#[derive(Debug)]
pub enum Refusal {
    /// No usable connection: the user must connect (again). `authorization_url` is a link that
    /// does it, for providers connected through the browser.
    AuthorizationRequired {
        reason: InactiveReason,
        message: String,
        authorization_url: Option<String>,
        connected_account_id: Option<String>,
    },
    /// The target's host is not one the provider's credential may be sent to.
    HostNotAllowed { host: String, allowed: Vec<String> },
    /// The target breaks the outbound-address rules (loopback in production, metadata).
    AddressNotAllowed(String),
    /// The target cannot be built: no API base URL for a path, a malformed URL.
    BadTarget(String),
}

/// What renewing a credential after a 401 gave.
pub enum Renewal {
    /// A new credential: the call can be made again with it.
    Renewed(Box<Prepared>),
    /// Nothing new (someone renewed it already and it was refused too, or the provider could
    /// not be asked): the provider's 401 stands.
    Unchanged,
    /// The grant is dead.
    Refused(Refusal),
}

/// The longest wait a provider's `Retry-After` is remembered for.
pub const MAX_HOLD_MS: i64 = 3_600_000;

impl Plumb {
    /// The client relayed calls are made with; their URLs are checked by [`Plumb::relay_prepare`].
    pub fn relay_client(&self) -> &reqwest::Client {
        self.relay_http.unchecked()
    }

    /// Decides a call: the caller's key, whose connection (refreshed first when due), the
    /// target and its host, the credential.
    pub async fn relay_prepare(
        &self,
        key: &PresentedKey,
        slug: &str,
        ask: &Ask,
        target: &Target,
    ) -> Result<std::result::Result<Prepared, Refusal>> {
        let choice = Choice {
            connection_owner: ask.connection_owner.as_deref(),
            user_id: ask.user_id.as_deref(),
            organization_id: ask.organization_id.as_deref(),
            connected_account_id: ask.connected_account_id.as_deref(),
            account_display_name: ask.account_display_name.as_deref(),
            multiple: ask.connected_account_id.is_some() || ask.account_display_name.is_some(),
        };
        let (owner, selector) = self.key_before_input(key, choice.parse()).await?;
        let owner_named = choice.owner_named();
        // The common call in one query: a named or compatibility connection whose token is good.
        let by_id = selector.id.as_deref();
        let found = self.store.relay_lookup(key.hash(), slug, &owner, by_id).await?;
        let found = found.ok_or_else(crate::api_keys::unknown_key)?;
        crate::api_keys::accept(&self.store, &found.key_id, found.revoked_at, found.last_used_at).await?;
        let env = found.environment_id;
        let (Some(provider_id), Some(version)) = (found.provider_id, found.provider_updated_at) else {
            return Err(Error::ProviderNotFound(slug.to_string()));
        };
        let org_default =
            !owner_named && !owner.is_organization() && found.provider_ownership.as_deref() == Some("organization");
        let skew = self.config.refresh_skew.as_millis() as i64;
        if let (false, None, Some(connection)) = (org_default, &selector.label, found.connection) {
            let usable = connection.state == app::model::ConnectionState::Connected
                && !connections::refresh_due(connection.expires_at, connection.updated_at, now_ms(), skew);
            if usable {
                let provider = self.relay_provider(&provider_id, version).await?;
                return self.prepare_with(env, provider, connection, target, found.hold).await;
            }
        }
        let provider = self.provider(&env, slug).await?;
        let Some(owner) = fetch_owner(&provider, owner, owner_named) else {
            return Ok(Err(self.authorization_required(&env, &provider, &owner_for_link(ask), None, None).await));
        };
        let (provider, connection) = match self.fresh_connection(provider.clone(), &owner, &selector).await? {
            Ok(found) => found,
            Err(reason) => {
                let connected = ask.connected_account_id.clone();
                return Ok(Err(self.authorization_required(&env, &provider, &owner, Some(reason), connected).await));
            }
        };
        let hold = self.store.relay_hold(&connection.id, now_ms()).await?;
        self.prepare_with(env, provider, connection, target, hold).await
    }

    /// The provider with this id as stored at `version` (its `updated_at`), from this
    /// process's copy when it has that version and is at most a few seconds old (so a key
    /// rotation that re-seals the client secret reaches it too).
    async fn relay_provider(&self, id: &crate::ids::ProviderId, version: i64) -> Result<Provider> {
        const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(2);
        {
            let cache = self.relay_providers.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((p, _)) = cache.get(id).filter(|(p, at)| p.updated_at == version && at.elapsed() < FRESH_FOR) {
                return Ok(p.clone());
            }
        }
        let provider = self.provider_by_id(id).await?.ok_or_else(|| Error::ProviderNotFound(id.to_string()))?;
        let mut cache = self.relay_providers.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(id.clone(), (provider.clone(), std::time::Instant::now()));
        Ok(provider)
    }

    async fn prepare_with(
        &self,
        environment_id: EnvironmentId,
        provider: Provider,
        connection: Connection,
        target: &Target,
        hold: Option<(i64, i64)>,
    ) -> Result<std::result::Result<Prepared, Refusal>> {
        let resolved = self.resolved_for(&provider, &connection)?;
        let url = match target_url(&resolved, target) {
            Ok(url) => url,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(why) = self.http.rules().check_url("relay target", url.as_str()) {
            return Ok(Err(Refusal::AddressNotAllowed(why)));
        }
        let allowed = hosts::allowed(&resolved);
        if !hosts::permits(&allowed, &url) {
            let host = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (h, None) => h.unwrap_or_default().to_string(),
                (None, Some(_)) => String::new(),
            };
            return Ok(Err(Refusal::HostNotAllowed { host, allowed }));
        }
        let sealed = connection
            .access_token
            .as_deref()
            .ok_or_else(|| Error::Internal(format!("connection {} has no credential", connection.id)))?;
        let aad = connections::token_aad(
            "connections",
            connection.id.as_str(),
            &connection.provider_id,
            &connection.owner,
            connections::ACCESS_TOKEN,
        );
        let value = self.cipher.open_string(sealed, &aad)?;
        let credential = placement(&resolved.access, connection.auth_method, &value);
        let hold = hold.filter(|(until, _)| *until > now_ms());
        Ok(Ok(Prepared {
            api_headers: resolved.access.api_headers.clone(),
            provider,
            resolved,
            connection,
            environment_id,
            url,
            credential,
            hold,
        }))
    }

    /// After the provider refused the credential with a 401: renews it once, single flight
    /// with every other renewal of this connection (in this process and others), unless
    /// someone renewed it since it was read, whose result is taken instead.
    pub async fn relay_renew(&self, prepared: &Prepared, target: &Target) -> Result<Renewal> {
        if !prepared.renewable() {
            return Ok(Renewal::Unchanged);
        }
        let before = prepared.connection.updated_at;
        let fetched = self
            .ensure_fresh_within(&prepared.provider, prepared.connection.clone(), Due::Rejected, Patience::OnDemand)
            .await;
        let connection = match fetched {
            Ok(Fetched::Token(c)) if c.updated_at != before => *c,
            Ok(Fetched::Token(_)) | Err(Error::ProviderUnavailable { .. }) => return Ok(Renewal::Unchanged),
            Ok(Fetched::Inactive(reason)) => {
                let id = Some(prepared.connection.id.to_string());
                let owner = prepared.connection.owner.clone();
                let refusal = self
                    .authorization_required(&prepared.environment_id, &prepared.provider, &owner, Some(reason), id)
                    .await;
                return Ok(Renewal::Refused(refusal));
            }
            Err(other) => return Err(other),
        };
        let env = prepared.environment_id.clone();
        Ok(match self.prepare_with(env, prepared.provider.clone(), connection, target, prepared.hold).await? {
            Ok(renewed) => Renewal::Renewed(Box::new(renewed)),
            Err(refusal) => Renewal::Refused(refusal),
        })
    }

    /// Remembers that the provider answered `status` with `Retry-After` of `wait_ms`: every
    /// process holds further calls on the connection back until it passes.
    pub async fn hold_relay(&self, connection: &Connection, status: u16, wait_ms: i64) -> Result<i64> {
        let until = now_ms() + wait_ms.clamp(0, MAX_HOLD_MS);
        self.store.hold_relay(&connection.id, until, i64::from(status)).await?;
        tracing::info!(connection = %connection.id, status, wait_ms, "the provider asked the relay to wait");
        Ok(until)
    }

    /// The refusal for an owner without a usable connection, with a link that connects (or
    /// reconnects) it when the provider connects through the browser.
    async fn authorization_required(
        &self,
        env: &EnvironmentId,
        provider: &Provider,
        owner: &Owner,
        reason: Option<InactiveReason>,
        connected_account_id: Option<String>,
    ) -> Refusal {
        let reason = reason.unwrap_or(InactiveReason::NotInstalled);
        let message = match reason {
            InactiveReason::NeedsReauthorization => format!(
                "The connection to {} needs to be authorized again: send the user to authorization_url.",
                provider.name
            ),
            InactiveReason::AccountSelectionRequired => format!(
                "Several accounts are connected to {}: name one with X-Relay-Connected-Account-Id.",
                provider.name
            ),
            _ => {
                format!("Nothing is connected to {} for this owner: send the user to authorization_url.", provider.name)
            }
        };
        let mut authorization_url = None;
        if provider.access.supports(AuthMethod::Oauth) && reason != InactiveReason::AccountSelectionRequired {
            let reauthorize = reason == InactiveReason::NeedsReauthorization && connected_account_id.is_some();
            let intent = match reauthorize {
                true => Intent::from_input(Some("reauthorize"), connected_account_id.as_deref(), None),
                false => Ok(Intent::default()),
            };
            let (user, org) = match owner.is_organization() {
                true => (None, owner.organization_id.clone()),
                false => (Some(owner.user_id.clone()), owner.organization_id.clone()),
            };
            let request = intent.map(|intent| LinkRequest {
                user_id: user,
                organization_id: org,
                connection_owner: Some(if owner.is_organization() { "organization" } else { "user" }.into()),
                return_to: None,
                code_challenge: None,
                intent,
                config: Default::default(),
                handoff: None,
            });
            match request {
                Ok(request) => match self.authorization_link(env, &provider.slug, &request).await {
                    Ok(link) => authorization_url = Some(link.url),
                    Err(e) => {
                        tracing::info!(provider = %provider.slug, error = %e, "no authorization link for the relay")
                    }
                },
                Err(e) => tracing::info!(error = %e, "no authorization link for the relay"),
            }
        }
        Refusal::AuthorizationRequired { reason, message, authorization_url, connected_account_id }
    }
}

/// The owner the headers named, for a link when no connection could be found for it.
fn owner_for_link(ask: &Ask) -> Owner {
    match (ask.user_id.as_deref(), ask.organization_id.as_deref()) {
        (Some(user), org) if !user.trim().is_empty() => Owner::from_row(user.to_string(), org.unwrap_or("").into()),
        (_, Some(org)) => Owner::organization(org),
        _ => Owner::from_row(String::new(), String::new()),
    }
}

/// The URL a call goes to: the path under the API base URL, or the absolute URL given.
fn target_url(provider: &Provider, target: &Target) -> std::result::Result<url::Url, Refusal> {
    let text = match target {
        Target::Url(url) => url.clone(),
        Target::Path { path, query } => {
            let base = provider.access.api_base_url.trim_end_matches('/');
            if base.is_empty() {
                return Err(Refusal::BadTarget(format!(
                    "{} has no API base URL: give the target as an absolute URL in X-Relay-Url, or set the \
                     provider's API base URL.",
                    provider.name
                )));
            }
            match query {
                Some(q) => format!("{base}/{}?{q}", path.trim_start_matches('/')),
                None => format!("{base}/{}", path.trim_start_matches('/')),
            }
        }
    };
    if text.len() > 8192 {
        return Err(Refusal::BadTarget("The target URL is longer than 8192 characters.".into()));
    }
    let url = url::Url::parse(&text).map_err(|e| Refusal::BadTarget(format!("The target URL is not a URL ({e}).")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(Refusal::BadTarget("The target must be an absolute https:// URL.".into()));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(base: &str) -> Provider {
        let mut p = Provider::new(&"env_sandbox".into(), "p1".into(), "acme".into(), 0);
        p.access.api_base_url = base.into();
        p
    }

    #[test]
    fn paths_join_the_base_url_once() {
        let p = provider("https://api.example.com/v1/");
        let at = |path: &str, query: Option<&str>| {
            let t = Target::Path { path: path.into(), query: query.map(str::to_string) };
            target_url(&p, &t).map(|u| u.to_string()).map_err(|r| format!("{r:?}"))
        };
        assert_eq!(at("users/me", None).unwrap(), "https://api.example.com/v1/users/me");
        assert_eq!(at("/users/me", Some("a=1&b=%20")).unwrap(), "https://api.example.com/v1/users/me?a=1&b=%20");
        assert!(at("x", None).is_ok());
        assert!(target_url(&provider(""), &Target::Path { path: "x".into(), query: None }).is_err());
        assert!(target_url(&p, &Target::Url("ftp://api.example.com/".into())).is_err());
        assert!(target_url(&p, &Target::Url("/relative".into())).is_err());
    }
}
