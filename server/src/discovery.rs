//! Auto-fill from authorization-server metadata: RFC 8414 (`/.well-known/oauth-authorization-server`)
//! and OpenID Connect Discovery 1.0 (`/.well-known/openid-configuration`).

use crate::error::{Error, Result};
use crate::outbound::{Client, Outbound};
use app::model::{AuthenticateVia, Discovered};
use serde_json::Value;

const MAX_METADATA_BYTES: usize = 512 * 1024;

/// The metadata URLs to try for what the admin typed: a metadata URL as is; for an issuer, the
/// RFC 8414 §3.1 form (well-known segment before the issuer's path), then the OpenID Connect
/// form (appended to the issuer).
pub fn candidates(input: &str, rules: Outbound) -> Result<Vec<url::Url>> {
    let input = input.trim();
    rules.check_url("issuer or discovery URL", input).map_err(|m| Error::field("discovery_url", "invalid_url", m))?;
    let url = url::Url::parse(input).map_err(|e| Error::field("discovery_url", "invalid_url", e.to_string()))?;
    if url.path().contains("/.well-known/") {
        return Ok(vec![url]);
    }
    let path = url.path().trim_end_matches('/');
    let origin = url.origin().ascii_serialization();
    let mut out = Vec::new();
    for candidate in [
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{origin}{path}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/openid-configuration{path}"),
    ] {
        if let Ok(u) = url::Url::parse(&candidate) {
            if !out.contains(&u) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// Reads the metadata behind `input` and says what it means for a provider's settings.
pub async fn discover(http: &Client, input: &str) -> Result<Discovered> {
    let mut last_problem = String::from("no metadata found");
    for url in candidates(input, http.rules())? {
        match fetch(http, &url).await {
            Ok(metadata) => return interpret(&metadata, http.rules()),
            Err(problem) => last_problem = format!("{url}: {problem}"),
        }
    }
    Err(Error::Discovery(format!("Could not read authorization server metadata ({last_problem}).")))
}

async fn fetch(http: &Client, url: &url::Url) -> std::result::Result<Value, String> {
    let mut response = http
        .get(url.as_str())?
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| crate::outbound::describe(&e))?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| "the response broke off".to_string())? {
        if body.len() + chunk.len() > MAX_METADATA_BYTES {
            return Err("the response is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err("not a JSON object".into()),
    }
}

/// RFC 8414 §2 fields, checked like endpoints typed by hand.
pub fn interpret(metadata: &Value, rules: Outbound) -> Result<Discovered> {
    let text = |k: &str| metadata.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let list = |k: &str| -> Vec<String> {
        metadata
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let authorization_url = text("authorization_endpoint");
    let token_url = text("token_endpoint");
    for (label, url) in [("authorization endpoint", &authorization_url), ("token endpoint", &token_url)] {
        rules.check_url(label, url).map_err(|m| Error::Discovery(format!("The metadata's {m}")))?;
    }
    let methods = list("token_endpoint_auth_methods_supported");
    // RFC 8414 §2: when the list is omitted, the default is client_secret_basic.
    let authenticate_via = if methods.is_empty() || methods.iter().any(|m| m == "client_secret_basic") {
        if methods.iter().any(|m| m == "client_secret_post") {
            Some(AuthenticateVia::RequestBody)
        } else {
            Some(AuthenticateVia::BasicAuthHeader)
        }
    } else if methods.iter().any(|m| m == "client_secret_post") {
        Some(AuthenticateVia::RequestBody)
    } else {
        None
    };
    Ok(Discovered {
        issuer: text("issuer"),
        iss_parameter_supported: metadata
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        authorization_url,
        token_url,
        pkce_supported: list("code_challenge_methods_supported").iter().any(|m| m == "S256"),
        authenticate_via,
        scopes_supported: list("scopes_supported"),
        revocation_url: text("revocation_endpoint"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: Outbound = Outbound { allow_loopback: true };

    fn interpret_dev(v: &Value) -> Result<Discovered> {
        interpret(v, DEV)
    }
    use serde_json::json;

    #[test]
    fn issuer_candidates_follow_both_specifications() {
        let c: Vec<String> =
            candidates("https://login.example.com/tenant/v2", DEV).unwrap().iter().map(|u| u.to_string()).collect();
        assert_eq!(
            c,
            [
                "https://login.example.com/.well-known/oauth-authorization-server/tenant/v2",
                "https://login.example.com/tenant/v2/.well-known/openid-configuration",
                "https://login.example.com/.well-known/openid-configuration/tenant/v2",
            ]
        );
        let plain: Vec<String> =
            candidates("https://idp.example", DEV).unwrap().iter().map(|u| u.to_string()).collect();
        assert_eq!(
            plain,
            [
                "https://idp.example/.well-known/oauth-authorization-server",
                "https://idp.example/.well-known/openid-configuration"
            ]
        );
        let direct = candidates("https://idp.example/.well-known/openid-configuration", DEV).unwrap();
        assert_eq!(direct.len(), 1);
        assert!(candidates("http://example.com", DEV).is_err());
    }

    #[test]
    fn metadata_fills_endpoints_pkce_and_client_authentication() {
        let d = interpret_dev(&json!({
            "issuer": "https://idp.example",
            "authorization_endpoint": "https://idp.example/auth",
            "token_endpoint": "https://idp.example/token",
            "code_challenge_methods_supported": ["plain", "S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email"],
            "authorization_response_iss_parameter_supported": true,
            "revocation_endpoint": "https://idp.example/revoke"
        }))
        .unwrap();
        assert_eq!(d.revocation_url, "https://idp.example/revoke", "RFC 8414 §2 revocation_endpoint");
        assert_eq!(d.authorization_url, "https://idp.example/auth");
        assert_eq!(d.issuer, "https://idp.example");
        assert!(d.iss_parameter_supported, "RFC 9207 §3");
        assert!(d.pkce_supported);
        assert_eq!(d.authenticate_via, Some(AuthenticateVia::RequestBody));
        assert_eq!(d.scopes_supported, ["openid", "email"]);

        let basic_only =
            interpret_dev(&json!({"authorization_endpoint": "https://i/a", "token_endpoint": "https://i/t"})).unwrap();
        assert_eq!(basic_only.authenticate_via, Some(AuthenticateVia::BasicAuthHeader));
        assert!(!basic_only.pkce_supported);
        assert!(!basic_only.iss_parameter_supported);
    }

    #[test]
    fn metadata_with_unusable_endpoints_is_refused() {
        assert!(interpret_dev(
            &json!({"authorization_endpoint": "http://evil.example/a", "token_endpoint": "https://i/t"})
        )
        .is_err());
        assert!(interpret_dev(&json!({"token_endpoint": "https://i/t"})).is_err());
    }
}
