//! Which provider-side account a token response belongs to (`account_identifier`), where the
//! provider reveals it: a field of the response, or a claim of its OpenID Connect ID token.

use crate::json_path::lookup;
use base64::Engine;
use serde_json::Value;

/// The account a token response reveals: at `path`, or in a claim of its ID token
/// (`id_token.<claim>`, `sub` by default). The ID token's signature is not checked: it came
/// straight from the token endpoint over the connection Plumb opened, which OpenID Connect Core
/// §3.1.3.7 accepts in place of the signature, and the value is a label for correlation, never
/// an authorization decision.
pub fn from_token_response(root: &Value, path: &str) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let claim = match path.strip_prefix("id_token.") {
        Some(claim) => claim,
        None if path.is_empty() => "sub",
        None => return lookup(root, path).and_then(text).filter(|s| s.len() <= 200),
    };
    let id_token = root.get("id_token")?.as_str()?;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    lookup(&claims, claim).and_then(text).filter(|s| s.len() <= 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_comes_from_a_path_or_the_id_token() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"acct-7","email":"a@b.c"}"#);
        let response: Value = serde_json::from_str(&format!(
            r#"{{"access_token":"a","id_token":"h.{claims}.sig","team":{{"id":"T1"}},"n":{{"id":42}}}}"#
        ))
        .unwrap();
        let found = |path: &str| from_token_response(&response, path);
        assert_eq!(found("").as_deref(), Some("acct-7"), "the ID token's sub by default");
        assert_eq!(found("id_token.email").as_deref(), Some("a@b.c"));
        assert_eq!(found("team.id").as_deref(), Some("T1"));
        assert_eq!(found("n.id").as_deref(), Some("42"), "numeric ids are text");
        assert_eq!(found("team.missing"), None);
        assert_eq!(from_token_response(&serde_json::json!({"access_token": "a"}), ""), None);
        let broken = serde_json::json!({"access_token": "a", "id_token": "not-a-jwt"});
        assert_eq!(from_token_response(&broken, ""), None, "a malformed ID token reveals nothing and breaks nothing");
    }
}
