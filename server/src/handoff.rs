//! The official WorkOS widgets' connect hand-off (`@workos-inc/widgets` 1.18; `shared` reference
//! `workos-pipes-api-12.md` §7.5), and which pages may call the widget API at all.
//!
//! The widget opens a popup on Plumb's [`PAGE`], asks the widget API to authorize (`{url,
//! redirectToken, handoffToken}`), points the popup at `url`, and posts both tokens to it every
//! 100 ms by `postMessage`. `url` is that page again with a one-time authorization link
//! ([`crate::connect`]) whose row holds the SHA-256 of the two tokens: they travel only in the
//! API's answer to the widget and from the popup's opener, never in a URL. The page hands them
//! back to Plumb with the opener's origin, which must be one the environment lets call the
//! widget API; then the ordinary flow starts, bound to the popup's browser by the usual cookie,
//! and ends on [`DONE`].
//!
//! So a leaked popup URL starts nothing without the widget that opened it, and a page on another
//! site cannot open a popup at a victim with tokens of its own, to store the victim's account
//! under its own user: its origin is refused.

use crate::accounts::Intent;
use crate::connect::LinkRequest;
use crate::error::{Error, Result};
use crate::ids::{self, EnvironmentId};
use crate::plumb::Plumb;
use crate::providers::Ownership;
use crate::templates::Values;
use crate::widget_tokens::Claims;

/// The page the widget's popup opens, on Plumb's origin (the widget's `authkitOrigin`).
pub const PAGE: &str = "/pipes/redirecting";

/// Where the popup ends once the provider sent it back.
pub const DONE: &str = "/pipes/done";

/// The longest link or token accepted back from the page; Plumb's are 32 to 43 characters.
const MAX_TOKEN: usize = 128;

/// What the widget API answers an authorize with.
pub struct Handoff {
    /// [`PAGE`] with the link.
    pub url: String,
    /// Posted back to the widget by the page: how it knows its popup took over.
    pub redirect_token: String,
    /// Proves, with the redirect token, that the page was opened by the widget that asked.
    pub handoff_token: String,
}

/// The value a hand-off link is bound to.
fn binding(redirect_token: &str, handoff_token: &str) -> String {
    ids::sha256_hex(&format!("{redirect_token}.{handoff_token}"))
}

const GONE: &str = "This connection request was already used, has expired, or is unknown. Connect again from the \
     application.";

impl Plumb {
    /// Plumb's own origin, where the popup pages are.
    pub fn own_origin(&self) -> String {
        url::Url::parse(&self.config.public_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }

    /// Whether a page on `origin` may call the widget API of `env` (Plumb's own pages always
    /// may).
    pub async fn widget_origin_allowed(&self, env: &EnvironmentId, origin: &str) -> Result<bool> {
        if origin == self.own_origin() {
            return Ok(true);
        }
        let environment = self.environment(env).await?;
        Ok(crate::origins::listed(&[], &environment.widget_origins, origin))
    }

    /// Whether any environment lets `origin` call its widget API: what a CORS preflight, which
    /// carries no token, can be answered with. The request itself is then checked against its
    /// token's environment ([`Plumb::check_widget_origin`]).
    pub async fn any_widget_origin(&self, origin: &str) -> Result<bool> {
        let environments = self.store.environments().await?;
        Ok(environments.iter().any(|e| crate::origins::listed(&[], &e.widget_origins, origin)))
    }

    /// Refuses a widget API request from a page the token's environment does not list. A request
    /// without `Origin` comes from no browser's page: the token alone decides.
    pub async fn check_widget_origin(&self, claims: &Claims, origin: Option<&str>) -> Result<()> {
        match origin {
            None => Ok(()),
            Some(o) if self.widget_origin_allowed(&claims.environment(), o).await? => Ok(()),
            Some(_) => Err(Error::Forbidden(
                "This page's origin may not call the widget API of this environment. Add it to the environment's \
                 widget API origins in Plumb's dashboard.",
            )),
        }
    }

    /// The widget asks to connect `slug` (the organization's connection when
    /// `organization_root`): an authorization link its popup will open, bound to two fresh
    /// tokens only the widget learns.
    pub async fn start_handoff(
        &self,
        claims: &Claims,
        slug: &str,
        organization_root: bool,
        config: Values,
    ) -> Result<Handoff> {
        let env = claims.environment();
        let provider = self.provider(&env, slug).await?;
        if organization_root && provider.ownership != Ownership::Organization {
            return Err(Error::ProviderNotFound(format!("{slug} (connected per user, not by the organization)")));
        }
        // Who may connect it: the viewer, or for the organization's connection its manager.
        self.widget_owner(claims, &provider, true)?;
        let (redirect_token, handoff_token) = (ids::random_token(24), ids::random_token(32));
        let request = LinkRequest {
            user_id: Some(claims.sub.clone()),
            organization_id: claims.org.clone(),
            connection_owner: Some(provider.ownership.as_str().into()),
            return_to: Some(format!("{}{DONE}", self.config.public_url)),
            code_challenge: None,
            intent: Intent::default(),
            config,
            handoff: Some(binding(&redirect_token, &handoff_token)),
        };
        let link = self.authorization_link(&env, slug, &request).await?;
        Ok(Handoff {
            url: format!("{}{PAGE}?link={}", self.config.public_url, link.link),
            redirect_token,
            handoff_token,
        })
    }

    /// The popup's page gives back the link and the tokens it received from `opener_origin`:
    /// starts the flow they stand for in this browser and returns the provider URL.
    pub async fn finish_handoff(
        &self,
        link: &str,
        redirect_token: &str,
        handoff_token: &str,
        opener_origin: &str,
        browser_binding: &str,
    ) -> Result<url::Url> {
        if [link, redirect_token, handoff_token].iter().any(|t| t.is_empty() || t.len() > MAX_TOKEN) {
            return Err(Error::InvalidState(GONE));
        }
        let row = self.store.authorization_link(&ids::sha256_hex(link)).await?.ok_or(Error::InvalidState(GONE))?;
        let provider = self.provider_by_id(&row.provider_id).await?.ok_or(Error::InvalidState(GONE))?;
        if opener_origin.len() > 512 || !self.widget_origin_allowed(&provider.environment_id, opener_origin).await? {
            tracing::warn!(provider = %provider.slug, "hand-off from an origin the environment does not list refused");
            return Err(Error::Forbidden(
                "The page that opened this window may not connect accounts through Plumb. Connect again from the \
                 application.",
            ));
        }
        self.start_from_handoff(link, &binding(redirect_token, handoff_token), browser_binding).await
    }
}
