//! What each catalog provider documents, restated independently of the data files (in the
//! `facts_*` modules beside this one), and the check that the requests Plumb builds from an
//! entry say the same.

use super::CatalogEntry;
use crate::oauth::{self, AuthorizationRequest, Client};
use crate::templates::{self, Values};
use app::methods::{AuthMethod, FieldScope};
use oauth2::RefreshToken;

pub struct Documented {
    pub slug: &'static str,
    /// The authorization URL (rendered with `sample`), "" without OAuth.
    pub authorize: &'static str,
    /// The token URL (rendered), "" without OAuth or client credentials.
    pub token: &'static str,
    pub refresh: &'static str,
    /// The client secret goes in a Basic header (else in the body).
    pub basic: bool,
    pub json: bool,
    pub pkce: bool,
    pub scope_parameter: &'static str,
    pub separator: &'static str,
    /// Extra authorization parameters, rendered.
    pub extra: &'static [(&'static str, &'static str)],
    /// A header every token request carries.
    pub header: Option<(&'static str, &'static str)>,
    pub methods: &'static [&'static str],
    /// Declared configuration fields as (key, scope).
    pub fields: &'static [(&'static str, &'static str)],
    /// Configuration values the templates of this row are rendered with.
    pub sample: &'static [(&'static str, &'static str)],
    /// Where the key "KEY" goes: (header, value), or ("?parameter", "KEY").
    pub api_key: Option<(&'static str, &'static str)>,
    /// The verification request: (method, rendered URL, an expected status).
    pub verify: Option<(&'static str, &'static str, u16)>,
}

pub const fn oauth(slug: &'static str, authorize: &'static str, token: &'static str) -> Documented {
    Documented {
        slug,
        authorize,
        token,
        refresh: token,
        basic: false,
        json: false,
        pkce: true,
        scope_parameter: "scope",
        separator: " ",
        extra: &[],
        header: None,
        methods: &["oauth"],
        fields: &[],
        sample: &[],
        api_key: None,
        verify: None,
    }
}

pub const fn key(slug: &'static str) -> Documented {
    Documented { methods: &["api_key"], pkce: false, ..oauth(slug, "", "") }
}

pub const fn basic(slug: &'static str) -> Documented {
    Documented { methods: &["basic"], pkce: false, ..oauth(slug, "", "") }
}

pub const fn client_credentials(slug: &'static str, token: &'static str) -> Documented {
    Documented { methods: &["client_credentials"], pkce: false, ..oauth(slug, "", token) }
}

fn render(d: &Documented, template: &str) -> String {
    let values: Values = d.sample.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    templates::url(template, &values).unwrap_or_else(|e| panic!("{}: {template}: {e}", d.slug))
}

fn render_text(d: &Documented, template: &str) -> String {
    let values: Values = d.sample.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    templates::text(template, &values).unwrap_or_else(|e| panic!("{}: {template}: {e}", d.slug))
}

/// Checks one entry against its documented row.
pub fn check(d: &Documented, e: &CatalogEntry) {
    let methods: Vec<&str> = e.auth_methods.iter().map(|m| m.as_str()).collect();
    assert_eq!(methods, d.methods, "{}: methods", d.slug);
    let fields: Vec<(&str, &str)> = e.config_fields.iter().map(|f| (f.key.as_str(), f.scope.as_str())).collect();
    assert_eq!(fields, d.fields, "{}: configuration fields", d.slug);
    for (k, _) in d.sample {
        assert!(
            e.config_fields.iter().any(|f| f.key == *k) || e.captures.contains_key(*k),
            "{}: sample value {k} is a field",
            d.slug
        );
    }
    if e.auth_methods.contains(&AuthMethod::Oauth) {
        check_oauth(d, e);
    } else {
        assert_eq!(d.authorize, "", "{}: no OAuth", d.slug);
    }
    if e.auth_methods.contains(&AuthMethod::ClientCredentials) {
        check_client_credentials(d, e);
    }
    match (&e.api_key, d.api_key) {
        (Some(k), Some((name, value))) if e.auth_methods.contains(&AuthMethod::ApiKey) => {
            if k.query.is_empty() {
                assert_eq!(k.header, name, "{}: key header", d.slug);
                assert_eq!(k.format.replace("${api_key}", "KEY"), value, "{}: key format", d.slug);
            } else {
                assert_eq!(format!("?{}", k.query), name, "{}: key parameter", d.slug);
            }
        }
        (None, None) => assert!(!e.auth_methods.contains(&AuthMethod::ApiKey), "{}: an API key goes somewhere", d.slug),
        (k, documented) => panic!("{}: api_key {k:?} against {documented:?}", d.slug),
    }
    match d.verify {
        Some((method, url, status)) => {
            assert_eq!(e.verification.method, method, "{}", d.slug);
            assert_eq!(render(d, &e.verification.url), url, "{}", d.slug);
            assert!(e.verification.expected_statuses.contains(&status), "{}", d.slug);
        }
        None => assert!(!e.verification.is_set(), "{}: undocumented verification", d.slug),
    }
}

type Pairs = Vec<(String, String)>;

/// The entry's token request headers and parameters, rendered with the row's sample values.
fn token_extras(d: &Documented, e: &CatalogEntry) -> (Pairs, Pairs) {
    let render = |m: &std::collections::BTreeMap<String, String>| -> Pairs {
        m.iter().map(|(k, v)| (k.clone(), render_text(d, v))).collect()
    };
    (render(&e.token_request_headers), render(&e.token_parameters))
}

fn client<'a>(e: &'a CatalogEntry, headers: &'a [(String, String)], params: &'a [(String, String)]) -> Client<'a> {
    Client {
        client_id: "cid",
        client_secret: Some("secret"),
        authenticate_via: e.authenticate_via,
        body: e.token_body_content_type,
        headers,
        params,
        paths: &e.token_response,
    }
}

fn check_oauth(d: &Documented, e: &CatalogEntry) {
    let scopes: Vec<String> =
        if e.default_scopes.len() >= 2 { e.default_scopes.clone() } else { vec!["one".into(), "two".into()] };
    let extra: Vec<(String, String)> =
        e.authorization_parameters.iter().map(|(k, v)| (k.clone(), render_text(d, v))).collect();
    let authorization_url = render(d, &e.authorization_url);
    let auth = AuthorizationRequest {
        authorization_url: &authorization_url,
        client_id: "cid",
        redirect_uri: "https://plumb.example/oauth/callback",
        scopes: &scopes,
        scope_separator: &e.scope_separator,
        scope_parameter: &e.scope_parameter,
        extra: &extra,
        state: "st",
        code_challenge: e.pkce.then_some("ch"),
    }
    .url()
    .unwrap();
    let query: Vec<(String, String)> = auth.query_pairs().into_owned().collect();
    let get = |k: &str| query.iter().find(|(q, _)| q == k).map(|(_, v)| v.as_str());
    assert_eq!(auth.as_str().split('?').next().unwrap(), d.authorize, "{}", d.slug);
    assert_eq!(
        get(d.scope_parameter),
        Some(scopes.join(if d.separator == "," { "," } else { " " }).as_str()),
        "{}",
        d.slug
    );
    if d.scope_parameter != "scope" {
        assert_eq!(get("scope"), None, "{}", d.slug);
    }
    assert_eq!(get("code_challenge_method"), d.pkce.then_some("S256"), "{}", d.slug);
    for (k, v) in d.extra {
        assert_eq!(get(k), Some(*v), "{}: {k}", d.slug);
    }
    assert_eq!(extra.len(), d.extra.len(), "{}: no undocumented parameters", d.slug);

    let (headers, params) = token_extras(d, e);
    let client = client(e, &headers, &params);
    let token_url = render(d, &e.token_url);
    let refresh_url = render(d, if e.refresh_token_url.is_empty() { &e.token_url } else { &e.refresh_token_url });
    let exchange = oauth::exchange_request(&client, &token_url, "code", "https://plumb.example/oauth/callback", None);
    let refresh = oauth::refresh_request(&client, &refresh_url, &RefreshToken::new("rt".into()));
    assert_eq!(exchange.url, d.token, "{}", d.slug);
    assert_eq!(refresh.url, d.refresh, "{}", d.slug);
    for r in [&exchange, &refresh] {
        check_token_request(d, r);
    }
    assert!(exchange.fields().contains(&("grant_type".into(), "authorization_code".into())));
    assert!(refresh.fields().contains(&("refresh_token".into(), "rt".into())));
}

fn check_client_credentials(d: &Documented, e: &CatalogEntry) {
    let (headers, params) = token_extras(d, e);
    let client = client(e, &headers, &params);
    let request =
        oauth::client_credentials_request(&client, &render(d, &e.token_url), &e.default_scopes, &e.scope_separator);
    assert_eq!(request.url, d.token, "{}", d.slug);
    for (k, v) in &params {
        assert!(request.fields().contains(&(k.clone(), v.clone())), "{}: token parameter {k}", d.slug);
    }
    check_token_request(d, &request);
    assert!(request.fields().contains(&("grant_type".into(), "client_credentials".into())), "{}", d.slug);
}

fn check_token_request(d: &Documented, r: &oauth::PreparedRequest) {
    let fields = r.fields();
    let has_secret_in_body = fields.iter().any(|(k, v)| k == "client_secret" && v == "secret");
    assert_eq!(r.header("Authorization").is_some(), d.basic, "{}", d.slug);
    assert_eq!(has_secret_in_body, !d.basic, "{}", d.slug);
    let content_type = if d.json { "application/json" } else { "application/x-www-form-urlencoded" };
    assert_eq!(r.header("Content-Type"), Some(content_type), "{}", d.slug);
    assert_eq!(r.header("Accept"), Some("application/json"), "{}", d.slug);
    if let Some((name, value)) = d.header {
        assert_eq!(r.header(name), Some(value), "{}", d.slug);
    }
}

/// Whether a field scope name is one the schema knows (the rows spell scopes as text).
pub fn is_scope(s: &str) -> bool {
    [FieldScope::Integration, FieldScope::Installation].iter().any(|f| f.as_str() == s)
}
