//! The authorization flow that creates a connection (RFC 6749 §4.1 with PKCE, and the
//! client-side advice of RFC 9700 §2.1 and §4.7): the widget starts it, the provider sends the
//! browser back to `/oauth/callback`, and Plumb exchanges the code and stores the tokens.
//!
//! `state` is random, stored only as a hash, single-use (the callback deletes the row), valid for
//! ten minutes and bound to the browser that started the flow by a cookie whose hash is stored
//! beside it.

use crate::accounts::{Action, Intent};
use crate::connections::{self, Obtained, Owner};
use crate::crypto::Aad;
use crate::error::{Error, Result, TokenRequest};
use crate::events;
use crate::ids::{self, EnvironmentId};
use crate::oauth::{self, AuthorizationRequest};
use crate::plumb::Plumb;
use crate::providers::{Provider, ScopeList};
use crate::store::{AuthorizationLink, OAuthState, Taken};
use crate::templates::Values;
use crate::time::now_ms;
use app::methods::AuthMethod;
use oauth2::PkceCodeChallenge;

/// Where an authorization started from an API link ends when the backend gave no `return_to`.
pub const DONE_PAGE: &str = "/oauth/done";

/// How long a user has to finish signing in at the provider.
const STATE_TTL_MS: i64 = 10 * 60 * 1000;

/// Query parameters added to where a flow returns.
type Query = Vec<(&'static str, String)>;

/// Pending flows kept per owner and provider; starting another drops the oldest.
const MAX_PENDING_FLOWS: i64 = 5;

/// How a flow starts: where it ends, and what it carries besides the owner.
#[derive(Clone, Default)]
struct Start {
    return_to: String,
    widget_key_id: Option<String>,
    code_challenge: Option<String>,
    app_state: Option<String>,
    intent: Intent,
    /// The connection's configuration values (checked).
    config: Values,
}

/// What `POST /data-integrations/{slug}/authorize` asks for (`docs/workos-api.md` §4.6).
#[derive(Clone, Default)]
pub struct LinkRequest {
    pub user_id: Option<String>,
    pub organization_id: Option<String>,
    pub connection_owner: Option<String>,
    pub return_to: Option<String>,
    pub code_challenge: Option<String>,
    pub intent: Intent,
    /// Values for the provider's installation-scope configuration fields.
    pub config: Values,
    /// For the official widget's popup: the hash binding the link to the widget's tokens
    /// ([`crate::handoff`]).
    pub handoff: Option<String>,
}

/// `POST /data-integrations/{slug}/authorize`'s answer.
#[derive(Debug, Clone)]
pub struct LinkCreated {
    pub url: String,
    /// The link's one-time token (the last segment of `url`).
    pub link: String,
    /// With a `code_challenge`: identifies this authorization; it comes back to `return_to`.
    pub state: Option<String>,
}

/// What the confirmation page of an authorization link names.
#[derive(Debug, Clone)]
pub struct LinkPreview {
    pub provider: String,
    pub environment: String,
    /// The host the browser returns to afterwards, when the app gave one.
    pub returns_to: Option<String>,
}

/// The query string of `/oauth/callback` (RFC 6749 §4.1.2 and §4.1.2.1).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the issuer of the authorization server that sent the response, when it says.
    pub iss: Option<String>,
}

/// Whether `iss` from a callback names the provider the flow was started with: its issuer,
/// compared character for character (RFC 9207 §2.4), when known; otherwise the same origin as
/// its authorization or token endpoint (an issuer is the authorization server's https URL).
fn issuer_matches(provider: &Provider, iss: &str) -> bool {
    if !provider.issuer.is_empty() {
        return provider.issuer == iss;
    }
    let origin = |u: &str| url::Url::parse(u).ok().map(|u| u.origin().ascii_serialization());
    let Some(iss) = origin(iss) else { return false };
    [provider.authorization_url.as_str(), provider.token_url.as_str()]
        .iter()
        .any(|u| origin(u).as_deref() == Some(iss.as_str()))
}

impl Plumb {
    /// Starts connecting the widget user to `slug`: records the pending authorization and
    /// returns the provider URL to send the browser to.
    #[tracing::instrument(skip_all, fields(provider = slug))]
    pub async fn start_authorization(
        &self,
        widget_token: &str,
        slug: &str,
        browser_binding: &str,
        intent: Intent,
        config: &Values,
    ) -> Result<url::Url> {
        let claims = self.widget_session(widget_token).await?;
        let provider = self.provider(&claims.environment(), slug).await?;
        let owner = self.widget_owner(&claims, &provider, true)?;
        let provider = self.for_organization(provider, owner.organization_id.as_deref()).await?;
        let intent = Intent {
            established_by: Some(claims.sub.clone()),
            manager: claims.manages_organization(),
            look: Some(claims.look()),
            ..intent
        };
        self.check_intent(&provider, &owner, &intent).await?;
        let config = self.connect_values(&provider, &owner, &intent, config).await?;
        // The widget token itself is not stored: the callback mints a fresh one (see
        // `return_location`), so no live credential sits in the table or the database's log.
        let start =
            Start { widget_key_id: Some(claims.kid.clone().unwrap_or_default()), intent, config, ..Start::default() };
        self.begin(&provider, &owner, &start, browser_binding).await
    }

    /// `POST /data-integrations/{slug}/authorize`: a one-time link on Plumb's own origin. The
    /// browser that opens it starts an ordinary authorization bound to itself, so the backend
    /// never handles `state` and a leaked link cannot finish someone else's flow.
    ///
    /// With the app's PKCE `code_challenge` (`docs/workos-api.md` §4.6), the connection is held
    /// rather than saved: the browser returns to `return_to` with a `connect_code`, and only the
    /// app's backend, holding the verifier, can finish it ([`Plumb::finish_connection`]). A link
    /// an attacker made for their own user and sent to a victim then connects nothing, because
    /// the attacker's backend never sees the victim's `connect_code`.
    pub async fn authorization_link(
        &self,
        env: &EnvironmentId,
        slug: &str,
        request: &LinkRequest,
    ) -> Result<LinkCreated> {
        let provider = self.provider(env, slug).await?;
        let (owner, acting) = crate::accounts::owner_for(
            &provider,
            request.connection_owner.as_deref(),
            request.user_id.as_deref(),
            request.organization_id.as_deref(),
        )?;
        let provider = self.for_organization(provider, owner.organization_id.as_deref()).await?;
        let owner = &owner;
        let intent = &Intent { established_by: Some(acting), ..request.intent.clone() };
        let (return_to, code_challenge) = (request.return_to.as_deref(), request.code_challenge.as_deref());
        self.check_can_connect(&provider)?;
        self.check_intent(&provider, owner, intent).await?;
        let config = self.connect_values(&provider, owner, intent, &request.config).await?;
        // The values must make usable URLs now, not when the person opens the link.
        self.resolved_with(&provider, &config)?;
        let return_to = match return_to.map(str::trim).filter(|r| !r.is_empty()) {
            None => String::new(),
            Some(r) => self.check_return_to(env, r).await?,
        };
        let code_challenge = match code_challenge {
            None => None,
            Some(c) => Some(crate::session_binding::check_challenge(c)?),
        };
        if code_challenge.is_some() && return_to.is_empty() {
            return Err(Error::field(
                "return_to",
                "required",
                "Send return_to with code_challenge: the connect_code goes back to it.",
            ));
        }
        let app_state = code_challenge.as_ref().map(|_| ids::random_token(24));
        let token = ids::random_token(32);
        let link_hash = ids::sha256_hex(&token);
        let now = now_ms();
        self.store.purge_expired_authorization_links(now).await?;
        self.store
            .insert_authorization_link(&AuthorizationLink {
                config: self.seal_values(&config, &Aad::new("authorization_links", &link_hash, "config")),
                link_hash,
                provider_id: provider.id.clone(),
                user_id: owner.user_id.clone(),
                organization_id: owner.org_key().to_string(),
                return_to,
                code_challenge: code_challenge.clone(),
                app_state: app_state.clone(),
                intent: intent.to_db(),
                expires_at: now + STATE_TTL_MS,
                created_at: now,
                handoff: request.handoff.clone(),
            })
            .await?;
        Ok(LinkCreated {
            url: format!("{}/oauth/start/{token}", self.config.public_url),
            link: token,
            state: app_state,
        })
    }

    /// A `return_to` must be an absolute URL on Plumb's own origin or on one the operator listed
    /// (`PLUMB_RETURN_TO_ORIGINS`), compared exactly (scheme, host and port).
    async fn check_return_to(&self, env: &EnvironmentId, value: &str) -> Result<String> {
        if value.len() > 2048 {
            return Err(Error::field("return_to", "too_long", "Use a return_to of at most 2048 characters."));
        }
        let url = url::Url::parse(value)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .filter(|u| u.username().is_empty() && u.password().is_none())
            .ok_or_else(|| Error::field("return_to", "invalid_url", "Enter an absolute https:// URL."))?;
        let origin = url.origin().ascii_serialization();
        let environment = self.environment(env).await?;
        if origin != self.own_origin()
            && !crate::origins::listed(&self.config.return_to_origins, &environment.return_to_origins, &origin)
        {
            return Err(Error::field(
                "return_to",
                "origin_not_allowed",
                format!(
                    "{origin} is not an allowed return_to origin of the {} environment. Add it in the dashboard's \
                     environment settings (or to PLUMB_RETURN_TO_ORIGINS) to send users back there.",
                    environment.name
                ),
            ));
        }
        Ok(url.to_string())
    }

    /// What the confirmation page in front of an authorization link shows, without using the
    /// link up: opening it (a person, a `HEAD` request, a link scanner) starts nothing.
    pub async fn link_preview(&self, token: &str) -> Result<LinkPreview> {
        let link = self.store.authorization_link(&ids::sha256_hex(token)).await?;
        let (link, provider) = self.usable_link(link).await?;
        check_handoff(&link, None)?;
        let environment = self.environment(&provider.environment_id).await?;
        let returns_to = url::Url::parse(&link.return_to).ok().and_then(|u| u.host_str().map(str::to_owned));
        Ok(LinkPreview { provider: provider.name, environment: environment.name, returns_to })
    }

    /// The person confirmed the link's page: start the flow it stands for.
    pub async fn start_from_link(&self, token: &str, browser_binding: &str) -> Result<url::Url> {
        self.start_link(token, None, browser_binding).await
    }

    /// The official widget's popup brought the link back with the widget's tokens (hashed as
    /// `handoff`): start the flow, if they are the link's.
    pub(crate) async fn start_from_handoff(
        &self,
        token: &str,
        handoff: &str,
        browser_binding: &str,
    ) -> Result<url::Url> {
        self.start_link(token, Some(handoff), browser_binding).await
    }

    async fn start_link(&self, token: &str, handoff: Option<&str>, browser_binding: &str) -> Result<url::Url> {
        let hash = ids::sha256_hex(token);
        // Checked before the link is used up, so a wrong hand-off does not spend it.
        if let Some(link) = self.store.authorization_link(&hash).await? {
            check_handoff(&link, handoff)?;
        }
        let link = self.store.take_authorization_link(&hash).await?;
        let (link, provider) = self.usable_link(link).await?;
        let start = Start {
            return_to: if link.return_to.is_empty() { DONE_PAGE.to_string() } else { link.return_to.clone() },
            widget_key_id: None,
            code_challenge: link.code_challenge.clone(),
            app_state: link.app_state.clone(),
            intent: Intent::from_db(link.intent.as_deref()),
            config: self
                .open_values(link.config.as_deref(), &Aad::new("authorization_links", &link.link_hash, "config"))?,
        };
        let owner = link.owner();
        let provider = self.for_organization(provider, owner.organization_id.as_deref()).await?;
        self.begin(&provider, &owner, &start, browser_binding).await
    }

    async fn usable_link(&self, link: Option<AuthorizationLink>) -> Result<(AuthorizationLink, Provider)> {
        let link = link.ok_or(Error::InvalidState(
            "This link was already used or is unknown. Ask the application for a new one.",
        ))?;
        if link.expires_at <= now_ms() {
            return Err(Error::InvalidState("This link has expired. Ask the application for a new one."));
        }
        let provider = self
            .provider_by_id(&link.provider_id)
            .await?
            .ok_or(Error::InvalidState("This provider was removed. Ask the application for a new link."))?;
        Ok((link, provider))
    }

    fn check_can_connect(&self, provider: &Provider) -> Result<()> {
        if !provider.enabled {
            return Err(Error::ProviderDisabled(provider.name.clone()));
        }
        if provider.scopes_required && provider.scopes.0.is_empty() {
            return Err(Error::NotConfigured(format!(
                "{} requires at least one scope, and none is configured.",
                provider.name
            )));
        }
        Ok(())
    }

    /// Records a pending authorization for this browser and builds the provider URL.
    async fn begin(
        &self,
        provider: &Provider,
        owner: &Owner,
        start: &Start,
        browser_binding: &str,
    ) -> Result<url::Url> {
        self.check_can_connect(provider)?;
        if !provider.access.supports(AuthMethod::Oauth) {
            return Err(Error::field(
                "provider",
                "not_oauth",
                format!(
                    "{} is connected with {}, not through a sign-in page.",
                    provider.name,
                    describe_methods(provider)
                ),
            ));
        }
        let credentials = self.credentials_for(provider, owner.organization_id.as_deref()).await?;
        let resolved = self.resolved_with(provider, &start.config)?;
        let provider = &resolved;
        let state = ids::random_token(32);
        let state_hash = ids::sha256_hex(&state);
        let (challenge, verifier) = if provider.pkce_enabled {
            let (c, v) = PkceCodeChallenge::new_random_sha256();
            (Some(c), Some(v))
        } else {
            (None, None)
        };
        let redirect_uri = self.config.redirect_uri();
        let url = AuthorizationRequest {
            authorization_url: &provider.authorization_url,
            client_id: &credentials.client_id,
            redirect_uri: &redirect_uri,
            scopes: &provider.scopes.0,
            scope_separator: &provider.scope_separator,
            scope_parameter: &provider.scope_parameter,
            extra: &provider.authorization_parameters,
            state: &state,
            code_challenge: challenge.as_ref().map(|c| c.as_str()),
        }
        .url()
        .map_err(|e| Error::Internal(format!("provider {} has an unusable authorization URL: {e}", provider.slug)))?;

        let now = now_ms();
        // Housekeeping: abandoned flows would otherwise pile up.
        self.store.purge_expired_oauth_states(now).await?;
        self.store
            .insert_oauth_state(&OAuthState {
                pkce_verifier: verifier.map(|v| {
                    self.cipher.seal(v.secret().as_bytes(), &Aad::new("oauth_states", &state_hash, "pkce_verifier"))
                }),
                config: self.seal_values(&start.config, &Aad::new("oauth_states", &state_hash, "config")),
                state_hash,
                provider_id: provider.id.clone(),
                user_id: owner.user_id.clone(),
                organization_id: owner.org_key().to_string(),
                browser_binding: ids::sha256_hex(browser_binding),
                return_to: start.return_to.clone(),
                widget_key_id: start.widget_key_id.clone(),
                code_challenge: start.code_challenge.clone(),
                app_state: start.app_state.clone(),
                intent: start.intent.to_db(),
                expires_at: now + STATE_TTL_MS,
                created_at: now,
            })
            .await?;
        self.store.trim_oauth_states(&provider.id, owner, MAX_PENDING_FLOWS).await?;
        Ok(url)
    }

    /// Finishes a flow at the callback. Returns where to send the browser: back to the widget,
    /// with `error`, `error_description` and `provider` in the query when connecting failed.
    /// An unknown, used, expired or foreign `state` is an error: there is no widget to return to.
    #[tracing::instrument(skip_all)]
    pub async fn finish_authorization(&self, params: CallbackParams, browser_binding: Option<&str>) -> Result<String> {
        let state = params.state.as_deref().filter(|s| !s.is_empty()).ok_or(Error::InvalidState(
            "This page needs the state parameter the provider sends back. Start connecting again from the widget.",
        ))?;
        let state_hash = ids::sha256_hex(state);
        // Without the cookie, no binding matches: the lookup below says which error applies.
        let binding = browser_binding.map(ids::sha256_hex).unwrap_or_default();
        let pending = match self.store.take_oauth_state(&state_hash, &binding).await? {
            Taken::Found(pending) => *pending,
            Taken::OtherBrowser => {
                return Err(Error::InvalidState(
                    "This sign-in was started in another browser. Start connecting again from the widget in this \
                     browser.",
                ))
            }
            Taken::Unknown => {
                return Err(Error::InvalidState(
                    "This sign-in was already completed or is unknown. Start connecting again from the widget.",
                ))
            }
        };
        let now = now_ms();
        if pending.expires_at <= now {
            return Err(Error::InvalidState(
                "This sign-in took too long and expired. Start connecting again from the widget.",
            ));
        }
        let Some(provider) = self.provider_by_id(&pending.provider_id).await? else {
            return Err(Error::InvalidState("This provider was removed while you were signing in."));
        };

        // A failed attempt goes back to where the flow started, saying why, and is recorded as
        // a connection_failed event (add_failed when adding a connection) naming the provider's
        // own error.
        let adding = Intent::from_db(pending.intent.as_deref()).action == Some(Action::Add);
        let fail = |code: &str, description: &str, provider_error: Option<&str>| {
            let event = events::connection_failed(
                &provider,
                &pending.owner(),
                adding,
                &events::Failure {
                    error_code: code,
                    error_reason: Some(description),
                    provider_error,
                    provider_error_description: provider_error.map(|_| description),
                },
                now_ms(),
            );
            let mut extra: Query = vec![
                ("error", code.into()),
                ("error_description", description.into()),
                ("provider", provider.name.clone()),
            ];
            if let Some(app_state) = &pending.app_state {
                extra.push(("state", app_state.clone()));
            }
            (event, extra)
        };
        // A templated provider's endpoints are this flow's: filled once with the values it
        // carries, for the issuer check and the exchange.
        let config_aad = Aad::new("oauth_states", &pending.state_hash, "config");
        let flow = self
            .open_values(pending.config.as_deref(), &config_aad)
            .and_then(|values| Ok((self.resolved_with(&provider, &values)?, values)));
        let issuer_ok = match params.iss.as_deref() {
            Some(iss) => issuer_matches(flow.as_ref().map(|(p, _)| p).unwrap_or(&provider), iss),
            // It says it always sends `iss`: a response without one did not come from it.
            None => !provider.issuer_sends_iss,
        };
        let (event, location) = if !issuer_ok {
            // RFC 9207: the response names the authorization server that sent it, and it is not
            // the one this flow was started with (a mix-up): its code goes nowhere.
            tracing::warn!(provider = %provider.slug, "callback from another issuer refused");
            fail("issuer_mismatch", "The response came from another authorization server than the one asked.", None)
        } else if let Some(error) = params.error.as_deref() {
            let description = params.error_description.clone().unwrap_or_else(|| match error {
                "access_denied" => "You declined access.".into(),
                _ => "The provider did not authorize the connection.".into(),
            });
            tracing::info!(provider = %provider.slug, error, "authorization refused at the provider");
            fail(error, &description, Some(error))
        } else if let Some(code) = params.code.as_deref().filter(|c| !c.is_empty()) {
            let kept = match flow {
                Ok((resolved, values)) => self.exchange_and_keep(&provider, &resolved, values, &pending, code).await,
                Err(e) => Err(e),
            };
            match kept {
                Ok(extra) => return self.return_location(&provider, &pending, &extra).await,
                Err(Error::Provider(p)) => {
                    tracing::warn!(provider = %provider.slug, error = %p, "code exchange rejected");
                    let description =
                        p.description.as_deref().unwrap_or("The provider rejected the authorization code.");
                    fail(&p.error, description, Some(&p.error))
                }
                Err(Error::ProviderUnavailable { message, .. }) => fail("provider_unavailable", &message, None),
                Err(e) => {
                    let wire = app::error::AppError::from(e);
                    fail(&wire.code, &wire.message, None)
                }
            }
        } else {
            fail("invalid_request", "The provider sent neither a code nor an error.", None)
        };
        self.store.record_event(&event).await?;
        self.return_location(&provider, &pending, &location).await
    }

    /// Where the browser goes when the flow ends: the flow's `return_to` with `extra` in its
    /// query, or, for a widget flow, the widget with a token minted now for the same user and
    /// environment (the key that minted the first must still be active).
    async fn return_location(
        &self,
        provider: &Provider,
        pending: &OAuthState,
        extra: &[(&str, String)],
    ) -> Result<String> {
        match pending.widget_key_id.as_deref() {
            Some(key_id) if pending.return_to.is_empty() => {
                // The widget returns to the person who connected: for an organization's
                // connection, the member, not the organization.
                let intent = Intent::from_db(pending.intent.as_deref());
                let owner = pending.owner();
                let viewer = match (owner.is_organization(), intent.established_by) {
                    (true, Some(member)) => Owner { user_id: member, organization_id: owner.organization_id },
                    _ => owner,
                };
                let token = self
                    .remint_widget_token(
                        &provider.environment_id,
                        key_id,
                        &viewer,
                        intent.manager,
                        &intent.look.clone().unwrap_or_default(),
                    )
                    .await?;
                Ok(widget_url(&token, extra))
            }
            _ => Ok(append_query(&pending.return_to, extra)),
        }
    }

    /// Exchanges the code, then saves the connection, or holds it for the app's backend when
    /// the flow carries the app's challenge. Returns what to add to `return_to`.
    async fn exchange_and_keep(
        &self,
        provider: &Provider,
        resolved: &Provider,
        config: Values,
        pending: &OAuthState,
        code: &str,
    ) -> Result<Query> {
        let obtained = self.exchange(resolved, config, pending, code).await?;
        let intent = Intent::from_db(pending.intent.as_deref());
        match pending.code_challenge.as_deref() {
            None => {
                self.save_obtained(provider, &pending.owner(), &obtained, &intent).await?;
                Ok(Vec::new())
            }
            Some(challenge) => {
                let connect_code = self.hold(provider, &pending.owner(), challenge, &obtained, &intent).await?;
                let mut extra = vec![("connect_code", connect_code)];
                if let Some(app_state) = &pending.app_state {
                    extra.push(("state", app_state.clone()));
                }
                Ok(extra)
            }
        }
    }

    /// Exchanges the code at `provider` (filled with the flow's `config`, which the connection keeps).
    async fn exchange(
        &self,
        provider: &Provider,
        config: Values,
        pending: &OAuthState,
        code: &str,
    ) -> Result<Obtained> {
        let verifier = pending
            .pkce_verifier
            .as_deref()
            .map(|sealed| {
                self.cipher.open_string(sealed, &Aad::new("oauth_states", &pending.state_hash, "pkce_verifier"))
            })
            .transpose()?;
        let credentials = self.credentials_for(provider, pending.owner().organization_id.as_deref()).await?;
        let request = oauth::exchange_request(
            &credentials.client(provider),
            &provider.token_url,
            code,
            &self.config.redirect_uri(),
            verifier.as_deref(),
        );
        // Lifetimes count from before the request: the provider issued the token after that.
        let requested_at = now_ms();
        let tokens = oauth::send(&self.http, &request, &provider.token_response_paths).await.map_err(|e| {
            let retry_after_secs = e.retry_after_secs();
            Error::from_token_request(e, &provider.name, TokenRequest::Exchange, retry_after_secs)
        })?;
        let mut config = config;
        config.extend(tokens.fields.capture(&provider.access.captures));
        Ok(Obtained {
            access_token: tokens.access_token.secret().clone(),
            refresh_token: tokens.refresh_token.as_ref().map(|t| t.secret().clone()),
            expires_at: tokens.expires_in.map(|s| connections::expiry(requested_at, s)),
            scopes: ScopeList(tokens.scopes.clone().unwrap_or_else(|| provider.scopes.0.clone())),
            account_identifier: tokens.account_identifier.clone(),
            config,
            ..Obtained::default()
        })
    }
}

/// Whether a link is opened the way it was made for: a link the official widget's popup opens
/// only with the widget's hand-off tokens, any other only through its confirmation page.
fn check_handoff(link: &AuthorizationLink, presented: Option<&str>) -> Result<()> {
    match (link.handoff.as_deref(), presented) {
        (None, None) => Ok(()),
        (Some(bound), Some(given)) if crate::crypto::constant_time_eq(bound.as_bytes(), given.as_bytes()) => Ok(()),
        (Some(_), None) => Err(Error::InvalidState(
            "This link is opened by the application's connections widget only. Connect again from the application.",
        )),
        _ => Err(Error::InvalidState(
            "This window was not opened by the widget that asked to connect. Connect again from the application.",
        )),
    }
}

/// "an API key", "an API key or client credentials": how a provider's connections are made.
pub fn describe_methods(provider: &Provider) -> String {
    let names: Vec<&str> = provider.access.auth_methods.iter().map(|m| m.label()).collect();
    names.join(" or ")
}

/// The widget page for a token, with extra query parameters.
fn widget_url(token: &str, extra: &[(&str, impl AsRef<str>)]) -> String {
    append_query(
        &format!(
            "/widget?{}",
            url::form_urlencoded::Serializer::new(String::new()).append_pair("token", token).finish()
        ),
        extra,
    )
}

fn append_query(base: &str, extra: &[(&str, impl AsRef<str>)]) -> String {
    if extra.is_empty() {
        return base.to_string();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in extra {
        query.append_pair(k, v.as_ref());
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_urls_encode_the_token_and_extra_parameters() {
        assert_eq!(widget_url("a.b+c", &[] as &[(&str, &str)]), "/widget?token=a.b%2Bc");
        assert_eq!(
            widget_url("t", &[("error", "access_denied"), ("provider", "Acme CRM")]),
            "/widget?token=t&error=access_denied&provider=Acme+CRM"
        );
    }
}
