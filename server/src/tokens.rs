//! Handing out access tokens: read the connection, refresh it first when its token is about to
//! expire, and classify refresh failures (`invalid_grant` breaks the connection; an unwell
//! provider does not).

use crate::api_keys::PresentedKey;
use crate::connections::{
    self, expired, missing_scopes, refresh_backoff_ms, refresh_due, Choice, Connection, Owner, Selector,
};
use crate::error::{Error, Result, TokenRequest};
use crate::events;
use crate::ids::{ConnectionId, EnvironmentId, ProviderId};
use crate::metrics::RefreshOutcome;
use crate::oauth::{self, TokenError};
use crate::plumb::Plumb;
use crate::providers::{Provider, ScopeList};
use crate::time::{iso, now_ms};
use app::methods::AuthMethod;
use app::model::{AccessToken, AccessTokenRequest, AccessTokenResponse, ConnectionState, InactiveReason};
use oauth2::RefreshToken;
use tracing::Instrument;

pub(crate) enum Fetched {
    Token(Box<Connection>),
    Inactive(InactiveReason),
}

/// How long a caller waits for a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Patience {
    /// A caller waiting for its answer (the token endpoint): `refresh_wait`, well below the
    /// SDK's own patience. A refresh it started carries on after it stops waiting.
    OnDemand,
    /// The background refresher: as long as the provider is given.
    Background,
}

/// When a connection's token must be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// When it is good for less than this many milliseconds (bounded by a third of its
    /// lifetime, see [`connections::refresh_due`]).
    Within(i64),
    /// Now, whatever its expiry says: the provider refused it (a 401 to a relayed call). A
    /// renewal that landed since the caller read the connection counts as this one.
    Rejected,
}

impl Due {
    fn is_due(self, expires_at: Option<i64>, obtained_at: i64, now: i64) -> bool {
        match self {
            Self::Within(skew) => refresh_due(expires_at, obtained_at, now, skew),
            Self::Rejected => true,
        }
    }
}

/// The least a refresh waits after a provider gave no answer at all (a timeout, a refused
/// connection), for that connection and for every other connection of that provider in this
/// process: asking again at once would only queue more requests at a provider that is down.
const UNREACHABLE_BACKOFF_MS: i64 = 30_000;

impl Plumb {
    /// `POST /data-integrations/{slug}/token` and its server function: the caller's key, the
    /// body's owner and choice of connection, then the token.
    pub async fn get_access_token(
        &self,
        key: &PresentedKey,
        slug: &str,
        request: &AccessTokenRequest,
    ) -> Result<AccessTokenResponse> {
        let choice = Choice {
            connection_owner: request.connection_owner.as_deref(),
            user_id: Some(&request.user_id),
            organization_id: request.organization_id.as_deref(),
            connected_account_id: request.connected_account_id.as_deref(),
            account_display_name: request.account_display_name.as_deref(),
            multiple: request.supports_multiple_connections,
        };
        let started = std::time::Instant::now();
        let result = async {
            let (owner, selector) = self.key_before_input(key, choice.parse()).await?;
            self.fetch_token_for_key(key, slug, &owner, choice.owner_named(), &selector).await
        }
        .await;
        let outcome = match &result {
            Ok(answer) if answer.active => "active",
            Ok(_) => "inactive",
            Err(e) => e.code(),
        };
        self.metrics.token_fetch(outcome, started.elapsed());
        result
    }

    /// `parsed`, or its error after the key has been checked: a bad key is reported before bad
    /// input, as on every endpoint.
    pub(crate) async fn key_before_input<T>(&self, key: &PresentedKey, parsed: Result<T>) -> Result<T> {
        if parsed.is_err() {
            self.authenticate_api_key(key).await?;
        }
        parsed
    }

    /// The access token for an owner's connection to a provider, refreshed first when due.
    #[tracing::instrument(skip_all, fields(provider = slug))]
    pub async fn fetch_token(
        &self,
        env: &EnvironmentId,
        slug: &str,
        owner: &Owner,
        selector: &Selector,
    ) -> Result<AccessTokenResponse> {
        let provider = self.provider(env, slug).await?;
        let (provider, connection) = match self.fresh_connection(provider, owner, selector).await? {
            Ok(found) => found,
            Err(reason) => return Ok(AccessTokenResponse::inactive(reason)),
        };
        self.active_token(
            &connection.id,
            &connection.provider_id,
            owner,
            connection.access_token.as_deref(),
            connection.expires_at,
            &provider.scopes,
            connection.scopes,
        )
    }

    /// The connection a caller chose (or the compatibility one), its token refreshed first
    /// when due; or why there is none to use.
    pub(crate) async fn fresh_connection(
        &self,
        provider: Provider,
        owner: &Owner,
        selector: &Selector,
    ) -> Result<Result<(Provider, Connection), InactiveReason>> {
        let chosen = match selector.id.is_none() && selector.label.is_none() && !selector.multiple {
            true => self.store.connection(&provider.id, owner).await?,
            false => match selector.choose(self.store.connections_for(&provider.id, owner).await?) {
                Ok(chosen) => chosen,
                Err(Error::AccountSelectionRequired(_)) => return Ok(Err(InactiveReason::AccountSelectionRequired)),
                Err(other) => return Err(other),
            },
        };
        let Some(connection) = chosen else {
            return Ok(Err(InactiveReason::NotInstalled));
        };
        Ok(match self.ensure_fresh(&provider, connection).await? {
            Fetched::Token(c) => Ok((provider, *c)),
            Fetched::Inactive(reason) => Err(reason),
        })
    }

    /// The token endpoint's fetch: the API key, provider and connection come from one query,
    /// and a fresh token is answered from it. Anything else (a token due for refresh, a broken
    /// connection, a choice among several by label) takes the full path above.
    async fn fetch_token_for_key(
        &self,
        key: &PresentedKey,
        slug: &str,
        owner: &Owner,
        owner_named: bool,
        selector: &Selector,
    ) -> Result<AccessTokenResponse> {
        let by_id = selector.id.as_deref();
        let found = self.store.token_lookup(key.hash(), slug, owner, by_id).await?;
        let found = found.ok_or_else(crate::api_keys::unknown_key)?;
        crate::api_keys::accept(&self.store, &found.key_id, found.revoked_at, found.last_used_at).await?;
        let Some(provider_id) = found.provider_id else {
            return Err(Error::ProviderNotFound(slug.to_string()));
        };
        // An organization-owned provider's connection belongs to the organization: a caller
        // that did not say whose connection it wants (SDK 11 cannot) means that one.
        let org_default =
            !owner_named && !owner.is_organization() && found.provider_ownership.as_deref() == Some("organization");
        if org_default || selector.label.is_some() || (selector.multiple && by_id.is_none()) {
            let owner = match (org_default, &owner.organization_id) {
                (true, Some(org)) => Owner::organization(org),
                (true, None) => return Ok(AccessTokenResponse::inactive(InactiveReason::NotInstalled)),
                (false, _) => owner.clone(),
            };
            return self.fetch_token(&found.environment_id, slug, &owner, selector).await;
        }
        let (Some(id), Some(state)) = (found.connection_id, found.state) else {
            if let Some(id) = by_id {
                return Err(Error::ConnectionNotFound(format!(
                    "No connected account {id} for this owner and provider."
                )));
            }
            return Ok(AccessTokenResponse::inactive(InactiveReason::NotInstalled));
        };
        let skew = self.config.refresh_skew.as_millis() as i64;
        let obtained_at = found.obtained_at.unwrap_or(0);
        if state != ConnectionState::Connected || refresh_due(found.expires_at, obtained_at, now_ms(), skew) {
            return self.fetch_token(&found.environment_id, slug, owner, selector).await;
        }
        let requested = ScopeList::from(found.provider_scopes.unwrap_or_default());
        let granted = ScopeList::from(found.connection_scopes.unwrap_or_default());
        self.active_token(
            &id,
            &provider_id,
            owner,
            found.access_token.as_deref(),
            found.expires_at,
            &requested,
            granted,
        )
    }

    /// The answer for a connection whose token is good: the token opened from its sealed form.
    #[allow(clippy::too_many_arguments)]
    fn active_token(
        &self,
        connection_id: &ConnectionId,
        provider_id: &ProviderId,
        owner: &Owner,
        sealed: Option<&[u8]>,
        expires_at: Option<i64>,
        requested: &ScopeList,
        granted: ScopeList,
    ) -> Result<AccessTokenResponse> {
        let sealed =
            sealed.ok_or_else(|| Error::Internal(format!("connection {connection_id} has no access token")))?;
        let aad = connections::token_aad(
            "connections",
            connection_id.as_str(),
            provider_id,
            owner,
            connections::ACCESS_TOKEN,
        );
        let access_token = self.cipher.open_string(sealed, &aad)?;
        Ok(AccessTokenResponse::active(AccessToken {
            object: "access_token".into(),
            access_token,
            expires_at: expires_at.map(iso),
            missing_scopes: missing_scopes(&requested.0, &granted.0),
            scopes: granted.0,
        }))
    }

    async fn ensure_fresh(&self, provider: &Provider, connection: Connection) -> Result<Fetched> {
        let skew = self.config.refresh_skew.as_millis() as i64;
        self.ensure_fresh_within(provider, connection, Due::Within(skew), Patience::OnDemand).await
    }

    /// How long a refresh lease lasts: the provider's timeout twice over.
    fn lease_ms(&self) -> i64 {
        self.config.provider_timeout.as_millis() as i64 * 2
    }

    /// Makes sure the connection's token is not `due`, refreshing it when it is.
    ///
    /// Single flight: inside this process, callers for one connection queue on a lock; across
    /// processes, the one that takes the connection's refresh lease in the database refreshes,
    /// and the others re-read until its result lands. A caller that waited while a refresh
    /// landed takes that result, whatever the skew says, so one expiry makes one refresh.
    ///
    /// Waiting is bounded by the caller's [`Patience`]: an on-demand caller that runs out of it
    /// gets the current token while it is still valid, else a retryable error, and a refresh it
    /// started carries on without it. One that finds a refresh already running for longer than
    /// its patience answers at once; so does one whose provider gave no answer recently.
    pub(crate) async fn ensure_fresh_within(
        &self,
        provider: &Provider,
        connection: Connection,
        due: Due,
        patience: Patience,
    ) -> Result<Fetched> {
        if connection.state == ConnectionState::NeedsReauthorization {
            return Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization));
        }
        if !due.is_due(connection.expires_at, connection.updated_at, now_ms()) {
            return Ok(Fetched::Token(Box::new(connection)));
        }
        let wait = match patience {
            Patience::OnDemand => self.config.refresh_wait,
            Patience::Background => self.config.provider_timeout * 2,
        };
        let deadline = tokio::time::Instant::now() + wait;
        let seen = connection.updated_at;
        // Counted once per fetch that had to wait on another's refresh (single flight at work).
        let mut waited = false;
        let Ok(_guard) = tokio::time::timeout(wait, self.refresh_locks.lock(connection.id.as_str())).await else {
            return self.give_up_waiting(provider, &connection.id).await;
        };
        loop {
            // Whoever went before us may have refreshed already: decide on fresh data.
            let Some(connection) = self.store.connection_by_id(&connection.id).await? else {
                return Ok(Fetched::Inactive(InactiveReason::NotInstalled));
            };
            if connection.state == ConnectionState::NeedsReauthorization {
                return Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization));
            }
            let now = now_ms();
            let landed = connection.updated_at != seen && !expired(connection.expires_at, now);
            if landed || !due.is_due(connection.expires_at, connection.updated_at, now) {
                return Ok(Fetched::Token(Box::new(connection)));
            }
            if let Some(retry_at) = connection.retry_refresh_at.filter(|at| *at > now) {
                // The provider failed recently: do not hammer it; answer from what we have.
                return self.unavailable_or_current(provider, connection, now, retry_at, None);
            }
            if let Some(until) = self.unreachable_until(provider, now) {
                let why = Some("the provider did not answer a moment ago");
                return self.unavailable_or_current(provider, connection, now, until, why);
            }
            // Client credentials need no refresh token: the grant is made again.
            if connection.refresh_token.is_none() && connection.auth_method != AuthMethod::ClientCredentials {
                return self.without_refresh_token(provider, connection, now).await;
            }
            let lease_until = now + self.lease_ms();
            let leased = self
                .store
                .acquire_refresh_lease(&connection.id, &self.instance, connection.updated_at, now, lease_until)
                .await?;
            if leased {
                return self.refresh_until(provider, connection, deadline).await;
            }
            // Another request or process is refreshing: wait for its result, unless it has
            // already run longer than this caller may wait (the provider is slow or hanging)
            // and its lease will not run out before this caller's patience does.
            let left_ms = deadline.saturating_duration_since(tokio::time::Instant::now()).as_millis() as i64;
            let lease_until = connection.refresh_lease_until.unwrap_or(now);
            let running_for = now - (lease_until - self.lease_ms());
            let hopeless = running_for >= wait.as_millis() as i64 && lease_until > now + left_ms;
            if left_ms == 0 || hopeless {
                return self.give_up_waiting(provider, &connection.id).await;
            }
            if !waited {
                waited = true;
                self.metrics.refresh_wait();
            }
            tokio::time::sleep(std::time::Duration::from_millis(25 + rand::random::<u64>() % 50)).await;
        }
    }

    /// Runs the refresh this process holds the lease for in a task of its own, and waits for it
    /// until `deadline`: a caller that stops waiting does not cancel the request to the
    /// provider, whose answer (or failure) is stored for whoever asks next.
    async fn refresh_until(
        &self,
        provider: &Provider,
        connection: Connection,
        deadline: tokio::time::Instant,
    ) -> Result<Fetched> {
        let Some(me) = self.this.upgrade() else {
            return self.refresh_holding_lease(provider, connection).await;
        };
        let (id, owned_provider) = (connection.id.clone(), provider.clone());
        // In the caller's span, so the refresh's log lines carry the request's id.
        let task = tokio::spawn(
            async move { me.refresh_holding_lease(&owned_provider, connection).await }
                .instrument(tracing::Span::current()),
        );
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Err(Error::Internal(format!("the refresh task failed: {e}"))),
            Err(_) => self.give_up_waiting(provider, &id).await,
        }
    }

    /// Until when this process does not try refreshes at `provider`, which gave no answer.
    fn unreachable_until(&self, provider: &Provider, now: i64) -> Option<i64> {
        let map = self.unreachable_providers.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&provider.id).copied().filter(|until| *until > now)
    }

    async fn give_up_waiting(&self, provider: &Provider, id: &ConnectionId) -> Result<Fetched> {
        let Some(connection) = self.store.connection_by_id(id).await? else {
            return Ok(Fetched::Inactive(InactiveReason::NotInstalled));
        };
        let now = now_ms();
        self.unavailable_or_current(
            provider,
            connection,
            now,
            now + 1000,
            Some("a refresh of this token is still in progress"),
        )
    }

    /// The current token while it is valid; otherwise a retryable error saying when to retry.
    fn unavailable_or_current(
        &self,
        provider: &Provider,
        connection: Connection,
        now: i64,
        retry_at: i64,
        why: Option<&str>,
    ) -> Result<Fetched> {
        if !expired(connection.expires_at, now) {
            return Ok(Fetched::Token(Box::new(connection)));
        }
        let detail = why
            .map(str::to_owned)
            .or(connection.last_error.clone())
            .unwrap_or_else(|| "the provider is unavailable".into());
        Err(Error::ProviderUnavailable {
            message: format!("{} could not refresh the token ({detail}). Try again shortly.", provider.name),
            retry_after_secs: Some(((retry_at - now).max(0) as u64).div_ceil(1000).max(1)),
        })
    }

    async fn without_refresh_token(&self, provider: &Provider, connection: Connection, now: i64) -> Result<Fetched> {
        if !expired(connection.expires_at, now) {
            return Ok(Fetched::Token(Box::new(connection)));
        }
        let event = events::connected_account(
            events::REAUTHORIZATION_NEEDED,
            &connection,
            &provider.slug,
            "needs_reauthorization",
            now,
        );
        let why = "the access token expired and the provider gave no refresh token";
        if self.store.mark_needs_reauthorization(&connection.id, why, now, &event).await? {
            tracing::info!(connection = %connection.id, "token expired without a refresh token");
        }
        Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization))
    }

    /// Runs the refresh this process holds the lease for, and settles the lease in every outcome.
    async fn refresh_holding_lease(&self, provider: &Provider, connection: Connection) -> Result<Fetched> {
        let _running = self.refreshes_running.clone();
        let id = connection.id.clone();
        let (owner, provider_id) = (connection.owner.clone(), connection.provider_id.clone());
        let aad = |field| connections::token_aad("connections", id.as_str(), &provider_id, &owner, field);
        let sealed_refresh = connection.refresh_token.clone();
        let prepared = async {
            // The provider as this connection sees it: its URLs filled with its values.
            let provider = self.resolved_for(provider, &connection)?;
            let request = if connection.auth_method == AuthMethod::ClientCredentials {
                let client_id = connection.client_id.clone().unwrap_or_default();
                let sealed = connection.client_secret.as_deref().unwrap_or_default();
                let secret = self.cipher.open_string(sealed, &aad(connections::CLIENT_SECRET))?;
                let client = crate::plumb::Credentials { client_id, client_secret: Some(secret) };
                oauth::client_credentials_request(
                    &client.client(&provider),
                    &provider.token_url,
                    &provider.scopes.0,
                    &provider.scope_separator,
                )
            } else {
                let sealed = sealed_refresh.as_deref().unwrap_or_default();
                let refresh_token =
                    RefreshToken::new(self.cipher.open_string(sealed, &aad(connections::REFRESH_TOKEN))?);
                let credentials = self.credentials_for(&provider, owner.organization_id.as_deref()).await?;
                oauth::refresh_request(&credentials.client(&provider), provider.refresh_url(), &refresh_token)
            };
            Ok::<_, Error>((request, provider))
        }
        .await;
        let (request, resolved) = match prepared {
            Ok(r) => r,
            Err(e) => {
                // Release the lease so the failure is not mistaken for a refresh in progress.
                let retry_at = now_ms() + refresh_backoff_ms(connection.refresh_failures, rand::random());
                self.store.record_refresh_failure(&id, &self.instance, &e.to_string(), retry_at).await?;
                return Err(e);
            }
        };
        // Lifetimes count from when the provider could have issued the token: before we asked,
        // never after its answer arrived, so Plumb never believes a token lives longer than it does.
        let requested_at = now_ms();
        let outcome = oauth::send(&self.http, &request, &resolved.token_response_paths).await;
        let now = now_ms();
        match outcome {
            Ok(set) => {
                let access = self.cipher.seal(set.access_token.secret().as_bytes(), &aad(connections::ACCESS_TOKEN));
                // A response without a refresh token means "keep using the one you have".
                let refresh = match &set.refresh_token {
                    Some(rt) => Some(self.cipher.seal(rt.secret().as_bytes(), &aad(connections::REFRESH_TOKEN))),
                    None => sealed_refresh,
                };
                let expires_at = set.expires_in.map(|s| connections::expiry(requested_at, s));
                let scopes = set.scopes.map(crate::providers::ScopeList).unwrap_or(connection.scopes.clone());
                // Values the provider sends again (an instance URL that moved) replace the kept ones.
                let captured = set.fields.capture(&resolved.access.captures);
                let mut config = connection.config.clone();
                let config_changed = captured.iter().any(|(k, v)| config.get(k) != Some(v));
                config.extend(captured);
                let config_json = config_changed.then(|| serde_json::to_string(&config).expect("values serialize"));
                let stored = self
                    .store
                    .finish_refresh(
                        &id,
                        &self.instance,
                        &access,
                        refresh.as_deref(),
                        expires_at,
                        &scopes.to_db(),
                        config_json.as_deref(),
                        now,
                    )
                    .await?;
                if !stored {
                    self.metrics.refresh(&provider.slug, RefreshOutcome::LeaseLost);
                    // Our lease expired and someone else took over: their result is the truth.
                    tracing::warn!(connection = %id, "refresh finished after the lease expired; result discarded");
                    return self.give_up_waiting(provider, &id).await;
                }
                tracing::info!(connection = %id, "token refreshed");
                self.metrics.refresh(&provider.slug, RefreshOutcome::Refreshed);
                Ok(Fetched::Token(Box::new(Connection {
                    access_token: Some(access),
                    refresh_token: refresh,
                    config,
                    expires_at,
                    scopes,
                    last_refreshed_at: Some(now),
                    last_error: None,
                    updated_at: now,
                    refresh_lease_owner: None,
                    refresh_lease_until: None,
                    refresh_failures: 0,
                    retry_refresh_at: None,
                    ..connection
                })))
            }
            // A client-credentials connection whose client was refused is as dead as a revoked
            // grant: its owner must enter working credentials.
            Err(e)
                if e.is_invalid_grant()
                    || (connection.auth_method == AuthMethod::ClientCredentials && e.is_invalid_client()) =>
            {
                let event = events::connected_account(
                    events::REAUTHORIZATION_NEEDED,
                    &connection,
                    &provider.slug,
                    "needs_reauthorization",
                    now,
                );
                self.store.mark_needs_reauthorization(&id, &e.to_string(), now, &event).await?;
                self.metrics.refresh(&provider.slug, RefreshOutcome::Rejected);
                tracing::info!(connection = %id, error = %e, "refresh rejected: connection needs reauthorization");
                Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization))
            }
            Err(e) => {
                let backoff = refresh_backoff_ms(connection.refresh_failures, rand::random());
                let hinted = match &e {
                    TokenError::Unavailable { retry_after_secs: Some(s), .. } => (*s as i64).min(3600) * 1000,
                    _ => 0,
                };
                let floor = if e.is_unreachable() { UNREACHABLE_BACKOFF_MS } else { 0 };
                let retry_at = now + backoff.max(hinted).max(floor);
                if e.is_unreachable() {
                    let mut map = self.unreachable_providers.lock().unwrap_or_else(|p| p.into_inner());
                    map.retain(|_, until| *until > now);
                    map.insert(provider.id.clone(), retry_at);
                }
                self.store.record_refresh_failure(&id, &self.instance, &e.to_string(), retry_at).await?;
                self.metrics.refresh(&provider.slug, RefreshOutcome::Failed);
                tracing::warn!(connection = %id, error = %e, retry_in_ms = retry_at - now, "refresh failed; connection kept");
                if !expired(connection.expires_at, now) {
                    return Ok(Fetched::Token(Box::new(connection)));
                }
                let retry_after_secs = Some(((retry_at - now) as u64).div_ceil(1000).max(1));
                Err(Error::from_token_request(e, &provider.name, TokenRequest::Refresh, retry_after_secs))
            }
        }
    }

    /// Renews tokens that expire within `window` before anyone asks for them, so most fetches
    /// never wait on a provider. Returns how many connections it looked at.
    pub async fn refresh_expiring(&self, window: std::time::Duration) -> Result<usize> {
        let now = now_ms();
        let window_ms = window.as_millis() as i64;
        let due = self.store.connections_to_refresh(now + window_ms, now, 100).await?;
        let count = due.len();
        for connection in due {
            let Some(provider) = self.provider_by_id(&connection.provider_id).await? else { continue };
            if let Err(e) =
                self.ensure_fresh_within(&provider, connection, Due::Within(window_ms), Patience::Background).await
            {
                tracing::debug!(error = %e, "background refresh did not succeed");
            }
        }
        Ok(count)
    }
}
