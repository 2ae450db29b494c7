//! RFC 7009 token revocation: the request that ends a grant at its provider when a connection
//! is deleted, authenticated as the token requests are.

use crate::oauth::{parse_body, prepare, Client, PreparedRequest};
use app::model::TokenBodyType;
use serde_json::Value;

/// RFC 7009 §2.1: revoke `token` (a refresh token revokes the whole grant at most providers,
/// §2.1 "SHOULD also invalidate all access tokens based on the same authorization grant").
/// Always form-encoded, whatever the token endpoint takes: the RFC allows nothing else.
pub fn revocation_request<'p>(
    client: &'p Client<'_>,
    revocation_url: &str,
    token: &'p str,
    token_type_hint: &'p str,
) -> PreparedRequest {
    let form = Client { body: TokenBodyType::Form, ..*client };
    prepare(&form, revocation_url, vec![("token", token), ("token_type_hint", token_type_hint)])
}

/// Sends a revocation request. RFC 7009 §2.2: 200 means revoked (or already invalid); 503 and
/// anything else is a failure, described for the record.
pub async fn revoke(http: &crate::outbound::Client, request: &PreparedRequest) -> Result<(), String> {
    let mut builder = http.post(&request.url)?.body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let mut response = builder.send().await.map_err(|e| crate::outbound::describe(&e))?;
    let status = response.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    // Only the error code is read: a bounded prefix of the body is plenty.
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() > 4096 {
            break;
        }
    }
    let error = parse_body("application/json", &body)
        .and_then(|o| o.get("error").and_then(Value::as_str).map(str::to_owned))
        .map(|e| format!(": {}", e.chars().take(100).collect::<String>()))
        .unwrap_or_default();
    Err(format!("HTTP {status}{error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::test_client as client;
    use app::model::AuthenticateVia;

    #[test]
    fn revocation_names_the_token_and_authenticates_like_the_token_request() {
        let r = revocation_request(
            &client(Some("s"), AuthenticateVia::BasicAuthHeader, TokenBodyType::Form),
            "https://p/revoke",
            "rt-1",
            "refresh_token",
        );
        assert!(r.header("Authorization").unwrap().starts_with("Basic "));
        assert_eq!(
            r.fields(),
            [("token", "rt-1"), ("token_type_hint", "refresh_token")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }
}
