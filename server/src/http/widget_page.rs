//! The end user's widget page, `GET /widget?token=…`: its data is loaded before the page is
//! rendered and handed to the browser with it (see app/src/widget.rs), in the viewer's language
//! and with the embedding app's look. And `GET /widget/version`, which a framed widget asks to
//! tell when a connect it started in another tab has finished.

use super::error::ApiError;
use super::state::AppState;
use crate::error::Error;
use crate::plumb::Plumb;
use crate::widget::WidgetListing;
use app::error::AppError;
use app::i18n::{Locale, W};
use app::methods::BasicLabels;
use app::model::{ConnectFailure, WidgetAccount, WidgetChrome, WidgetProvider, WidgetView};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The page's query: the token, and what the OAuth callback or a failed form sent back.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    token: String,
    error: Option<String>,
    provider: Option<String>,
    status: Option<String>,
    /// A server function's error, when its form failed (Leptos' form redirect).
    __err: Option<String>,
}

impl PageQuery {
    fn failure(&self) -> Option<ConnectFailure> {
        let code = self.error.as_deref().filter(|c| !c.is_empty())?;
        Some(ConnectFailure {
            code: code.chars().take(128).collect(),
            provider: self.provider.as_deref().unwrap_or("").chars().take(128).collect(),
            status: self.status.as_deref().and_then(|s| s.parse().ok()).filter(|s| (100..=599).contains(s)),
        })
    }
}

/// The widget's data for one viewer: the listing, in the language chosen by the token's
/// `locale`, else `accept_language`, with the notice for a failed connect.
pub async fn widget_view(
    plumb: &Plumb,
    token: &str,
    failure: Option<ConnectFailure>,
    accept_language: Option<&str>,
) -> Result<WidgetView, Error> {
    let listing = plumb.widget_listing(token).await?;
    let locale = Locale::negotiate(listing.claims.locale.as_deref(), accept_language);
    let hosts = listing.claims.fa.split_whitespace().map(str::to_owned).collect();
    let providers = providers(listing, locale);
    let notice = failure.map(|f| {
        // The provider is named only when it is one this widget lists: the query is anyone's.
        let listed = providers.iter().find(|p| p.slug == f.provider || p.name == f.provider);
        locale.connect_failed(listed.map(|p| p.name.as_str()), &f.code, f.status)
    });
    Ok(WidgetView {
        version: version(&providers),
        providers,
        words: locale.words(),
        notice,
        hosts,
        token: String::new(),
        user_id: String::new(),
        organization_id: None,
    })
}

/// What the list shows, as a short digest: it changes when a connection comes, goes, breaks or
/// is renamed.
fn version(providers: &[WidgetProvider]) -> String {
    let json = serde_json::to_vec(providers).unwrap_or_default();
    Sha256::digest(json).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn providers(listing: WidgetListing, locale: Locale) -> Vec<WidgetProvider> {
    listing
        .providers
        .into_iter()
        .map(|entry| {
            let mut basic = entry.provider.access.basic.clone();
            // Plumb's own labels are translated; an admin's are shown as written.
            if basic == BasicLabels::default() {
                basic = BasicLabels {
                    username_label: locale.word(W::UserName).into(),
                    password_label: locale.word(W::Password).into(),
                };
            }
            WidgetProvider {
                state: entry.state(),
                methods: entry.provider.access.auth_methods.clone(),
                fields: entry.provider.access.fields_to_ask(&entry.pinned).into_iter().cloned().collect(),
                basic,
                accounts: entry
                    .accounts
                    .iter()
                    .map(|c| WidgetAccount {
                        id: c.id.to_string(),
                        name: c.label.clone().or_else(|| c.account_identifier.clone()).unwrap_or_default(),
                        label: c.label.clone().unwrap_or_default(),
                        state: c.state,
                        connected_on: crate::time::iso(c.created_at).chars().take(10).collect(),
                    })
                    .collect(),
                multiple: entry.provider.multiple_connections,
                shared: entry.provider.ownership == crate::providers::Ownership::Organization,
                can_manage: entry.can_manage,
                icon_url: entry.icon_path,
                slug: entry.provider.slug,
                name: entry.provider.name,
                description: entry.provider.description,
            }
        })
        .collect()
}

/// The page's language, title and look, from the token (signature and expiry checked, nothing
/// read from the database) and the browser's `Accept-Language`.
pub fn chrome(plumb: &Plumb, token: &str, accept_language: Option<&str>) -> WidgetChrome {
    let claims = plumb.widget_claims(token).ok();
    let locale = Locale::negotiate(claims.as_ref().and_then(|c| c.locale.as_deref()), accept_language);
    let theme = claims.and_then(|c| c.theme).unwrap_or_default();
    WidgetChrome {
        lang: locale.tag(),
        title: locale.word(W::Title).to_string(),
        scheme: theme.scheme().as_str(),
        css: theme.css(),
    }
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

/// `GET /widget`'s data and chrome: what the page shows, loaded before it is rendered (the
/// router renders it, app::widget_shell).
pub async fn load(plumb: &Plumb, query: &PageQuery, headers: &HeaderMap) -> (app::widget::WidgetData, WidgetChrome) {
    let language = accept_language(headers);
    let chrome = chrome(plumb, &query.token, language);
    let data = match widget_view(plumb, &query.token, query.failure(), language).await {
        Ok(mut view) => {
            // A form that failed came back with its error (Leptos' form redirect): show it
            // like a failed connect.
            if let Some(error) = query.__err.as_deref() {
                let e = leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(error);
                view.notice = Some(e.message);
            }
            view.token = query.token.clone();
            Ok(view)
        }
        Err(e) => Err(AppError::from(e)),
    };
    (app::widget::WidgetData(data), chrome)
}

/// `GET /widget/version?token=…`: the digest of what the widget would show now.
pub async fn version_of(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = widget_view(&state.plumb, &query.token, None, accept_language(&headers)).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], view.version).into_response())
}
