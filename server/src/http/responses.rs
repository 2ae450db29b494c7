//! Small responses and request readers every browser-facing handler shares: redirects, cookies
//! (set and read), and the plain HTML page for errors a browser lands on outside the app.

use super::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Sets an HttpOnly, SameSite=Lax cookie, `Secure` when browsers reach Plumb over https. Every
/// cookie Plumb sets goes through here.
pub fn set_cookie(state: &AppState, response: &mut Response, name: &str, value: &str, path: &str, max_age: u64) {
    let secure = if state.plumb.config().is_https() { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
}

pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether a browser sent this request from a page of another site. `Sec-Fetch-Site`, which
/// every current browser sends, decides when present (only `same-origin` passes); otherwise an
/// `Origin` that is not Plumb's (or is `null`) refuses. Browsers send at least one of them on
/// every POST, so a cross-site form (CSRF) is always caught; a request with neither comes from
/// no browser, and so from no victim's.
pub fn from_other_site(state: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site != "same-origin";
    }
    match header("origin") {
        None => false,
        Some(origin) => {
            let own = url::Url::parse(&state.plumb.config().public_url).map(|u| u.origin().ascii_serialization()).ok();
            own.as_deref() != Some(origin)
        }
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A minimal page for errors a browser lands on outside the app.
pub fn html_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, title, &format!("<p role=\"alert\">{}</p>", escape(message)))
}

/// A page asking the person to confirm an action with one button: a POST to `action` (a path on
/// Plumb), which the handler checks comes from this page's origin.
pub fn confirm_page(title: &str, paragraphs: &[String], action: &str, button: &str) -> Response {
    let text: String = paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect();
    let mut response = page(
        StatusCode::OK,
        title,
        &format!(
            "{text}<form method=\"post\" action=\"{action}\"><button type=\"submit\" class=\"primary\">{button}</button></form>",
            action = escape(action),
            button = escape(button),
        ),
    );
    // The page posts its form to Plumb, which redirects to the provider: no form-action limit.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"),
    );
    // The link is in this page's URL: it goes nowhere but Plumb (whose POST then carries a
    // real `Origin`, not the `null` a no-referrer page sends).
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// A page in Plumb's plain layout around `body_html` (trusted markup: escape what goes in it).
pub(super) fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Plumb</title><link rel=\"stylesheet\" href=\"/pkg/plumb.css\"></head>\
         <body><main class=\"page narrow\"><h1>{title}</h1>{body_html}</main></body></html>",
        title = escape(title),
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Text for HTML: the five characters that could end an element or attribute, escaped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; plumb_oauth_binding=xyz; b=2"));
        assert_eq!(cookie(&h, "plumb_oauth_binding"), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}
