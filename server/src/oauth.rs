//! The client side of OAuth 2.0: building the authorization URL (RFC 6749 §4.1.1 with PKCE,
//! RFC 7636 §4), exchanging a code (§4.1.3), refreshing (§6), and reading token responses as
//! real providers send them (§5.1, §5.2), including their deviations.

use crate::json_path::lookup;
#[cfg(test)]
pub(crate) use crate::token_request::test_client;
pub use crate::token_request::{
    client_credentials_request, exchange_request, prepare, refresh_request, Client, PreparedRequest,
};
use app::model::ResponsePaths;
#[cfg(test)]
use app::model::{AuthenticateVia, TokenBodyType};
use oauth2::{AccessToken, RefreshToken};
use serde_json::Value;
use std::fmt;

/// Token responses larger than this are refused: no real token response comes close.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Everything needed to send a user's browser to the provider.
pub struct AuthorizationRequest<'a> {
    pub authorization_url: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub scope_separator: &'a str,
    /// The query parameter scopes go in: `scope`, or e.g. Slack's `user_scope`.
    pub scope_parameter: &'a str,
    /// The provider's additional authorization parameters (Google's `access_type=offline`…).
    pub extra: &'a [(String, String)],
    pub state: &'a str,
    /// The S256 challenge when PKCE is in use.
    pub code_challenge: Option<&'a str>,
}

impl AuthorizationRequest<'_> {
    /// The provider's authorization URL with our parameters added. Parameters already in the
    /// configured URL are kept, except ones we set ourselves, which would be ambiguous twice.
    pub fn url(&self) -> Result<url::Url, url::ParseError> {
        let mut url = url::Url::parse(self.authorization_url)?;
        let ours =
            ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !ours.contains(&k.as_ref()) && !self.extra.iter().any(|(e, _)| e == k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            q.extend_pairs(kept);
            q.append_pair("response_type", "code");
            q.append_pair("client_id", self.client_id);
            q.append_pair("redirect_uri", self.redirect_uri);
            q.extend_pairs(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if !self.scopes.is_empty() {
                // Form encoding writes a space as '+', so a '+' separator is a space on the wire.
                let separator = if self.scope_separator == "+" { " " } else { self.scope_separator };
                q.append_pair(self.scope_parameter, &self.scopes.join(separator));
            }
            q.append_pair("state", self.state);
            if let Some(challenge) = self.code_challenge {
                q.append_pair("code_challenge", challenge);
                q.append_pair("code_challenge_method", "S256");
            }
        }
        Ok(url)
    }
}

pub use crate::json_path::ResponseFields;

/// What a successful token response gave us.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    /// Seconds from now; `None` when the provider did not say.
    pub expires_in: Option<u64>,
    /// The scopes actually granted, when the provider said (RFC 6749 §5.1: "OPTIONAL, if
    /// identical to the scope requested").
    pub scopes: Option<Vec<String>>,
    /// The provider-side account, where the response reveals it ([`ResponsePaths::account_identifier`]).
    pub account_identifier: Option<String>,
    pub fields: ResponseFields,
}

/// An OAuth error response from the provider (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub status: u16,
    pub error: String,
    pub description: Option<String>,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(d) => write!(f, "the provider answered {}: {d}", self.error),
            None => write!(f, "the provider answered {}", self.error),
        }
    }
}

#[derive(Debug)]
pub enum TokenError {
    /// The provider refused (an OAuth error, or a 4xx). `invalid_grant` means the grant is gone.
    Rejected(ProviderError),
    /// 5xx, 429, timeout or network failure: the provider is unwell, try again later.
    /// `unreachable`: no answer at all (a timeout or a failed connection), which says more
    /// about the provider than about this one grant.
    Unavailable { message: String, retry_after_secs: Option<u64>, unreachable: bool },
    /// A success status with a body we cannot use. Nothing may be overwritten with it.
    Malformed(String),
}

impl TokenError {
    /// How long the provider asked us to wait, when it said.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Unavailable { retry_after_secs, .. } => *retry_after_secs,
            _ => None,
        }
    }

    /// No answer at all: a timeout or a connection that could not be made.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unavailable { unreachable: true, .. })
    }

    /// The grant is dead: RFC 6749 §5.2 `invalid_grant`, or a provider's documented equivalent
    /// (GitHub's `bad_refresh_token`, Slack's `invalid_refresh_token` and `token_revoked`).
    pub fn is_invalid_grant(&self) -> bool {
        const DEAD_GRANT: [&str; 4] = ["invalid_grant", "bad_refresh_token", "invalid_refresh_token", "token_revoked"];
        matches!(self, Self::Rejected(p) if DEAD_GRANT.contains(&p.error.as_str()))
    }

    /// Whether the provider refused the client itself (RFC 6749 §5.2): for a connection made of
    /// client credentials, the owner's credentials no longer work.
    pub fn is_invalid_client(&self) -> bool {
        matches!(self, Self::Rejected(p) if matches!(p.error.as_str(), "invalid_client" | "unauthorized_client"))
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(p) => p.fmt(f),
            Self::Unavailable { message, .. } => write!(f, "the provider is unavailable: {message}"),
            Self::Malformed(m) => write!(f, "the provider sent an unusable token response: {m}"),
        }
    }
}

/// Reads a token endpoint's answer. `content_type` decides between JSON (the standard) and a
/// form-encoded body (what some older providers send).
/// `paths` says where a provider nests the fields; each falls back to the standard top-level name
/// (Slack nests a user token under `authed_user` when exchanging a code, but not when refreshing).
pub fn parse_token_response(
    status: u16,
    content_type: &str,
    body: &[u8],
    paths: &ResponsePaths,
) -> Result<TokenSet, TokenError> {
    if status == 429 || status == 408 || status >= 500 {
        return Err(TokenError::Unavailable {
            message: format!("HTTP {status}"),
            retry_after_secs: None,
            unreachable: false,
        });
    }
    let object = parse_body(content_type, body);
    let success = (200..300).contains(&status);
    let Some(object) = object else {
        return Err(if success {
            TokenError::Malformed("the body is not a JSON object".into())
        } else {
            TokenError::Rejected(ProviderError { status, error: format!("http_{status}"), description: None })
        });
    };

    // An error in the body wins over the status: some providers answer errors with HTTP 200.
    let error = object.get("error").and_then(Value::as_str).filter(|e| !e.is_empty());
    let not_ok = object.get("ok") == Some(&Value::Bool(false));
    if error.is_some() || not_ok {
        let description = object.get("error_description").and_then(Value::as_str).map(str::to_owned);
        let error = error.unwrap_or("request_failed").to_owned();
        return Err(TokenError::Rejected(ProviderError { status, error, description }));
    }
    if !success {
        return Err(TokenError::Rejected(ProviderError { status, error: format!("http_{status}"), description: None }));
    }

    let root = Value::Object(object);
    let field = |path: &str, name: &str| lookup(&root, path).or_else(|| root.get(name)).filter(|v| !v.is_null());
    let access_token = field(&paths.access_token, "access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::Malformed("no access_token".into()))?;
    let refresh_token = field(&paths.refresh_token, "refresh_token").and_then(Value::as_str).filter(|t| !t.is_empty());
    let expires_in = field(&paths.expires_in, "expires_in").and_then(|v| match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let scopes = match field(&paths.scope, "scope") {
        Some(Value::String(s)) => Some(split_scopes(s)),
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        _ => None,
    };
    let account_identifier = crate::account_identity::from_token_response(&root, &paths.account_identifier);
    Ok(TokenSet {
        access_token: AccessToken::new(access_token.to_owned()),
        refresh_token: refresh_token.map(|t| RefreshToken::new(t.to_owned())),
        expires_in,
        scopes,
        account_identifier,
        fields: ResponseFields(root),
    })
}

pub(crate) fn parse_body(content_type: &str, body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let map =
            url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
        return Some(map);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Granted scopes are space-separated per RFC 6749 §3.3; some providers use commas.
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Sends a prepared token request and reads the answer.
pub async fn send(
    http: &crate::outbound::Client,
    request: &PreparedRequest,
    paths: &ResponsePaths,
) -> Result<TokenSet, TokenError> {
    let unavailable = |e: reqwest::Error| TokenError::Unavailable {
        message: format!("the token request to {}: {}", request.url, crate::outbound::describe(&e)),
        retry_after_secs: None,
        unreachable: e.is_timeout() || e.is_connect(),
    };
    let mut builder = http
        .post(&request.url)
        .map_err(|why| TokenError::Unavailable { message: why, retry_after_secs: None, unreachable: false })?
        .body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let mut response = builder.send().await.map_err(unavailable)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(TokenError::Malformed(format!("the response is larger than {MAX_RESPONSE_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    parse_token_response(status, &content_type, &body, paths).map_err(|e| match e {
        TokenError::Unavailable { message, unreachable, .. } => {
            TokenError::Unavailable { message, retry_after_secs: retry_after, unreachable }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::test_client as client;
    use super::*;

    fn request<'a>(scopes: &'a [String], challenge: Option<&'a str>) -> AuthorizationRequest<'a> {
        AuthorizationRequest {
            authorization_url: "https://p.example/authorize?audience=api&state=stale",
            client_id: "cid",
            redirect_uri: "http://127.0.0.1:3000/oauth/callback",
            scopes,
            scope_separator: " ",
            scope_parameter: "scope",
            extra: &[],
            state: "st4te",
            code_challenge: challenge,
        }
    }

    fn pairs(url: &url::Url) -> Vec<(String, String)> {
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    #[test]
    fn authorization_url_carries_state_pkce_and_scopes() {
        let scopes = vec!["openid".to_string(), "api:read".to_string()];
        let url = request(&scopes, Some("chal")).url().unwrap();
        let expected: Vec<(String, String)> = [
            ("audience", "api"),
            ("response_type", "code"),
            ("client_id", "cid"),
            ("redirect_uri", "http://127.0.0.1:3000/oauth/callback"),
            ("scope", "openid api:read"),
            ("state", "st4te"),
            ("code_challenge", "chal"),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs(&url), expected);
        assert_eq!(url.host_str(), Some("p.example"));
        assert_eq!(url.path(), "/authorize");
    }

    #[test]
    fn no_scope_and_no_pkce_leave_their_parameters_out() {
        let url = request(&[], None).url().unwrap();
        let keys: Vec<String> = pairs(&url).into_iter().map(|(k, _)| k).collect();
        assert!(!keys.contains(&"scope".to_string()));
        assert!(!keys.contains(&"code_challenge".to_string()));
    }

    #[test]
    fn scopes_join_with_the_configured_separator() {
        let scopes = vec!["a".to_string(), "b".to_string()];
        let mut r = request(&scopes, None);
        r.scope_separator = ",";
        let url = r.url().unwrap();
        assert!(pairs(&url).contains(&("scope".into(), "a,b".into())));
    }

    #[test]
    fn pkce_verifier_matches_its_s256_challenge() {
        // RFC 7636 appendix B.
        let verifier = oauth2::PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        let challenge = oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        assert_eq!(challenge.as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(challenge.method().as_str(), "S256");
    }

    fn parse(status: u16, body: &str) -> Result<TokenSet, TokenError> {
        parse_token_response(status, "application/json", body.as_bytes(), &ResponsePaths::default())
    }

    #[test]
    fn a_complete_response() {
        let t = parse(200, r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","scope":"openid api:read"}"#).unwrap();
        assert_eq!(t.access_token.secret(), "at");
        assert_eq!(t.refresh_token.unwrap().secret(), "rt");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.scopes.unwrap(), ["openid", "api:read"]);
    }

    #[test]
    fn missing_expiry_refresh_token_and_scope_are_none() {
        let t = parse(200, r#"{"access_token":"at"}"#).unwrap();
        assert!(t.refresh_token.is_none());
        assert!(t.expires_in.is_none());
        assert!(t.scopes.is_none());
    }

    #[test]
    fn expires_in_as_a_string_or_float() {
        assert_eq!(parse(200, r#"{"access_token":"a","expires_in":"7200"}"#).unwrap().expires_in, Some(7200));
        assert_eq!(parse(200, r#"{"access_token":"a","expires_in":59.9}"#).unwrap().expires_in, Some(59));
        assert_eq!(parse(200, r#"{"access_token":"a","expires_in":"soon"}"#).unwrap().expires_in, None);
    }

    #[test]
    fn comma_separated_granted_scopes() {
        assert_eq!(
            parse(200, r#"{"access_token":"a","scope":"repo,user"}"#).unwrap().scopes.unwrap(),
            ["repo", "user"]
        );
    }

    #[test]
    fn form_encoded_responses() {
        let t = parse_token_response(
            200,
            "application/x-www-form-urlencoded; charset=utf-8",
            b"access_token=at&scope=repo&token_type=bearer",
            &ResponsePaths::default(),
        )
        .unwrap();
        assert_eq!(t.access_token.secret(), "at");
    }

    #[test]
    fn oauth_errors_keep_the_providers_code_and_description() {
        let e =
            parse(400, r#"{"error":"invalid_grant","error_description":"refresh token already used"}"#).unwrap_err();
        assert!(e.is_invalid_grant());
        assert_eq!(e.to_string(), "the provider answered invalid_grant: refresh token already used");
    }

    #[test]
    fn providers_say_a_grant_is_dead_in_their_own_words() {
        assert!(parse(200, r#"{"error":"bad_refresh_token"}"#).unwrap_err().is_invalid_grant());
        assert!(parse(200, r#"{"ok":false,"error":"invalid_refresh_token"}"#).unwrap_err().is_invalid_grant());
        assert!(parse(200, r#"{"ok":false,"error":"token_revoked"}"#).unwrap_err().is_invalid_grant());
        assert!(!parse(401, r#"{"error":"invalid_client"}"#).unwrap_err().is_invalid_grant());
    }

    #[test]
    fn an_error_body_with_status_200_is_an_error() {
        let e = parse(200, r#"{"ok":false,"error":"invalid_code"}"#).unwrap_err();
        assert!(matches!(e, TokenError::Rejected(ProviderError { ref error, .. }) if error == "invalid_code"));
    }

    #[test]
    fn server_errors_and_rate_limits_are_retryable() {
        for status in [500, 502, 503, 429, 408] {
            assert!(matches!(parse(status, "oops"), Err(TokenError::Unavailable { .. })), "{status}");
        }
    }

    #[test]
    fn unusable_success_bodies_are_malformed() {
        assert!(matches!(parse(200, "<html>"), Err(TokenError::Malformed(_))));
        assert!(matches!(parse(200, r#"{"token_type":"bearer"}"#), Err(TokenError::Malformed(_))));
        assert!(matches!(parse(200, r#"{"access_token":""}"#), Err(TokenError::Malformed(_))));
        assert!(matches!(parse(200, "[1,2]"), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn a_4xx_without_an_oauth_body_is_a_rejection_naming_the_status() {
        let e = parse(401, "Unauthorized").unwrap_err();
        assert!(matches!(e, TokenError::Rejected(ProviderError { ref error, .. }) if error == "http_401"));
    }

    #[test]
    fn extra_parameters_and_another_scope_parameter() {
        let scopes = vec!["users:read".to_string(), "chat:write".to_string()];
        let extra =
            vec![("access_type".to_string(), "offline".to_string()), ("audience".to_string(), "api".to_string())];
        let mut r = request(&scopes, None);
        r.scope_separator = ",";
        r.scope_parameter = "user_scope";
        r.extra = &extra;
        let url = r.url().unwrap();
        let q = pairs(&url);
        assert!(q.contains(&("user_scope".into(), "users:read,chat:write".into())));
        assert!(!q.iter().any(|(k, _)| k == "scope"));
        assert!(q.contains(&("access_type".into(), "offline".into())));
        // The configured URL's own audience=api is replaced by the extra parameter, not doubled.
        assert_eq!(q.iter().filter(|(k, _)| k == "audience").count(), 1);
    }

    #[test]
    fn a_plus_separator_is_a_space_on_the_wire() {
        let scopes = vec!["a".to_string(), "b".to_string()];
        let mut r = request(&scopes, None);
        r.scope_separator = "+";
        assert!(r.url().unwrap().as_str().contains("scope=a+b&"));
    }

    #[test]
    fn credentials_in_the_body() {
        let r = exchange_request(
            &client(Some("s&1"), AuthenticateVia::RequestBody, TokenBodyType::Form),
            "https://p/t",
            "c",
            "https://r/cb",
            Some("v"),
        );
        assert_eq!(r.header("Content-Type"), Some("application/x-www-form-urlencoded"));
        assert_eq!(r.header("Authorization"), None);
        assert_eq!(
            r.fields(),
            [
                ("grant_type", "authorization_code"),
                ("code", "c"),
                ("redirect_uri", "https://r/cb"),
                ("code_verifier", "v"),
                ("client_id", "id:1"),
                ("client_secret", "s&1")
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn credentials_in_a_basic_header_are_form_encoded_first() {
        let r = refresh_request(
            &client(Some("s&1"), AuthenticateVia::BasicAuthHeader, TokenBodyType::Form),
            "https://p/r",
            &RefreshToken::new("rt".into()),
        );
        // base64("id%3A1:s%261")
        assert_eq!(r.header("Authorization"), Some("Basic aWQlM0ExOnMlMjYx"));
        assert_eq!(
            r.fields(),
            [("grant_type", "refresh_token"), ("refresh_token", "rt")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(r.url, "https://p/r");
    }

    #[test]
    fn a_public_client_sends_its_id_and_no_secret_anywhere() {
        let r = exchange_request(
            &client(None, AuthenticateVia::BasicAuthHeader, TokenBodyType::Form),
            "https://p/t",
            "c",
            "https://r/cb",
            Some("v"),
        );
        assert_eq!(r.header("Authorization"), None);
        let fields = r.fields();
        assert!(fields.contains(&("client_id".into(), "id:1".into())));
        assert!(!fields.iter().any(|(k, _)| k == "client_secret"));
    }

    #[test]
    fn json_bodies() {
        let r = exchange_request(
            &client(Some("s"), AuthenticateVia::RequestBody, TokenBodyType::Json),
            "https://p/t",
            "c",
            "https://r/cb",
            None,
        );
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"grant_type": "authorization_code", "code": "c", "redirect_uri": "https://r/cb", "client_id": "id:1", "client_secret": "s"})
        );
    }

    #[test]
    fn nested_fields_are_read_where_the_provider_puts_them_and_fall_back_to_the_top() {
        let paths = ResponsePaths {
            access_token: "authed_user.access_token".into(),
            refresh_token: "authed_user.refresh_token".into(),
            expires_in: "authed_user.expires_in".into(),
            scope: "authed_user.scope".into(),
            account_identifier: "authed_user.id".into(),
        };
        let exchange = br#"{"ok":true,"access_token":"xoxb-bot","scope":"bot","authed_user":{"access_token":"xoxp-user","refresh_token":"r","expires_in":43200,"scope":"users:read,chat:write"}}"#;
        let t = parse_token_response(200, "application/json", exchange, &paths).unwrap();
        assert_eq!(t.access_token.secret(), "xoxp-user");
        assert_eq!(t.refresh_token.unwrap().secret(), "r");
        assert_eq!(t.expires_in, Some(43200));
        assert_eq!(t.scopes.as_deref().unwrap(), ["users:read", "chat:write"]);
        assert_eq!(t.account_identifier, None, "no authed_user.id in this response");
        let refresh =
            br#"{"ok":true,"access_token":"xoxe-new","refresh_token":"r2","expires_in":43200,"token_type":"user"}"#;
        assert_eq!(
            parse_token_response(200, "application/json", refresh, &paths).unwrap().access_token.secret(),
            "xoxe-new"
        );
    }

    #[test]
    fn ok_false_without_an_error_field_is_still_an_error() {
        assert!(
            matches!(parse(200, r#"{"ok":false}"#), Err(TokenError::Rejected(ProviderError { ref error, .. })) if error == "request_failed")
        );
    }
}
