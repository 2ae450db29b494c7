//! Token requests as a provider's token endpoint wants them (RFC 6749 §4.1.3, §4.4 and §6):
//! the client's authentication (§2.3.1), the body's encoding and extra headers and parameters.

use app::model::{AuthenticateVia, ResponsePaths, TokenBodyType};
use base64::Engine;
use oauth2::RefreshToken;
use serde_json::Value;

/// How Plumb presents itself at a provider's token endpoint.
pub struct Client<'a> {
    pub client_id: &'a str,
    /// `None` for a public client: then no secret is sent anywhere.
    pub client_secret: Option<&'a str>,
    pub authenticate_via: AuthenticateVia,
    pub body: TokenBodyType,
    /// Extra headers some providers require (Notion's `Notion-Version`).
    pub headers: &'a [(String, String)],
    /// Extra body parameters on every token request.
    pub params: &'a [(String, String)],
    pub paths: &'a ResponsePaths,
}

/// A token request ready to send: built by a pure function so tests can check, per provider,
/// exactly what Plumb would put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl PreparedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body's fields, whichever encoding it uses.
    pub fn fields(&self) -> Vec<(String, String)> {
        match serde_json::from_str::<serde_json::Map<String, Value>>(&self.body) {
            Ok(map) => map.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned())).collect(),
            Err(_) => url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect(),
        }
    }
}

/// Builds a token request (RFC 6749 §4.1.3 and §6) with the client's authentication (§2.3.1)
/// and body encoding.
pub fn prepare<'p>(client: &'p Client<'_>, url: &str, mut params: Vec<(&'p str, &'p str)>) -> PreparedRequest {
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    match (client.client_secret, client.authenticate_via) {
        (Some(secret), AuthenticateVia::BasicAuthHeader) => {
            // RFC 6749 §2.3.1: each part form-urlencoded before joining and base64-encoding.
            let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let credentials = format!("{}:{}", encode(client.client_id), encode(secret));
            let value = base64::engine::general_purpose::STANDARD.encode(credentials);
            headers.push(("Authorization".to_string(), format!("Basic {value}")));
        }
        (Some(secret), AuthenticateVia::RequestBody) => {
            params.push(("client_id", client.client_id));
            params.push(("client_secret", secret));
        }
        (None, _) => params.push(("client_id", client.client_id)),
    }
    // Extra parameters never replace the grant's own (a provider's settings cannot turn a
    // refresh into something else).
    for (k, v) in client.params {
        if !params.iter().any(|(p, _)| p == k) {
            params.push((k.as_str(), v.as_str()));
        }
    }
    headers.push(("Content-Type".to_string(), client.body.content_type().to_string()));
    headers.extend(client.headers.iter().cloned());
    let body = match client.body {
        TokenBodyType::Form => url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish(),
        TokenBodyType::Json => {
            let map: serde_json::Map<String, Value> =
                params.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
            Value::Object(map).to_string()
        }
    };
    PreparedRequest { url: url.to_string(), headers, body }
}

/// The code exchange of RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636 §4.5.
pub fn exchange_request<'p>(
    client: &'p Client<'_>,
    token_url: &str,
    code: &'p str,
    redirect_uri: &'p str,
    code_verifier: Option<&'p str>,
) -> PreparedRequest {
    let mut params = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
    if let Some(v) = code_verifier {
        params.push(("code_verifier", v));
    }
    prepare(client, token_url, params)
}

/// The refresh of RFC 6749 §6.
pub fn refresh_request<'p>(
    client: &'p Client<'_>,
    refresh_url: &str,
    refresh_token: &'p RefreshToken,
) -> PreparedRequest {
    prepare(
        client,
        refresh_url,
        vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.secret().as_str())],
    )
}

/// RFC 6749 §4.4: a token for the client itself, with the client's own credentials.
pub fn client_credentials_request(
    client: &Client<'_>,
    token_url: &str,
    scopes: &[String],
    scope_separator: &str,
) -> PreparedRequest {
    // A "+" separator is a space on the wire (see `AuthorizationRequest::url`).
    let separator = if scope_separator == "+" { " " } else { scope_separator };
    let scope = scopes.join(separator);
    let mut params = vec![("grant_type", "client_credentials")];
    if !scope.is_empty() {
        params.push(("scope", scope.as_str()));
    }
    prepare(client, token_url, params)
}

#[cfg(test)]
/// A client for request-shape tests (the revocation tests share it).
pub(crate) fn test_client<'a>(secret: Option<&'a str>, via: AuthenticateVia, body: TokenBodyType) -> Client<'a> {
    static NO_HEADERS: Vec<(String, String)> = Vec::new();
    static PATHS: ResponsePaths = ResponsePaths {
        access_token: String::new(),
        refresh_token: String::new(),
        expires_in: String::new(),
        scope: String::new(),
        account_identifier: String::new(),
    };
    Client {
        client_id: "id:1",
        client_secret: secret,
        authenticate_via: via,
        body,
        headers: &NO_HEADERS,
        params: &NO_HEADERS,
        paths: &PATHS,
    }
}
