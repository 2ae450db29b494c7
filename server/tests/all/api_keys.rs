//! API keys on both databases: created in the dashboard and shown once, listed without the key
//! or its hash, marked when used, and revoked; a revoked or unknown key is refused with a clear
//! error and changes nothing.

use crate::support::{Backend, TestApp};
use axum::http::StatusCode;
use serde_json::json;

on_both_backends!(keys_are_created_used_listed_and_revoked);

async fn keys_are_created_used_listed_and_revoked(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let created = app.admin_call(&admin, "api-keys/create", &[("name", "billing backend")]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sk_test_") && secret.len() > 40, "{secret}");
    assert_eq!(created["key"]["prefix"].as_str().unwrap(), &secret[..12]);
    let id = created["key"]["id"].as_str().unwrap().to_string();

    let too_long = "x".repeat(101);
    let refused = app.admin_call(&admin, "api-keys/create", &[("name", &too_long)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["errors"][0]["field"], "name");

    let listed = app.admin_call(&admin, "api-keys", &[]).await;
    assert!(!listed.body.contains(&secret), "the list never shows a key");
    assert!(!listed.body.contains(&server::ids::sha256_hex(&secret)), "nor its hash");
    let ours =
        |list: &serde_json::Value| list.as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).unwrap().clone();
    assert_eq!(ours(&listed.json())["last_used_at"], json!(null));
    assert_eq!(listed.json().as_array().unwrap().len(), 2, "the harness's key and this one");

    let widget = app.post_json("/widgets/token", Some(&secret), json!({"user_id": "u1"})).await;
    assert_eq!(widget.status, StatusCode::OK, "{}", widget.body);
    assert!(ours(&app.admin_call(&admin, "api-keys", &[]).await.json())["last_used_at"].is_string());
    let current = app.get_with_key("/api_keys/current", Some(&secret)).await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.body);
    let current = current.json();
    assert_eq!((current["id"].as_str(), current["name"].as_str()), (Some(id.as_str()), Some("billing backend")));
    assert_eq!(current["environment_id"], "env_sandbox");
    assert!(!current.to_string().contains(&secret[12..]), "the key itself is never echoed");

    assert_eq!(app.admin_call(&admin, "api-keys/revoke", &[("id", &id)]).await.status, StatusCode::OK);
    let refused = app.post_json("/widgets/token", Some(&secret), json!({"user_id": "u1"})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["code"], "unauthorized");
    assert!(refused.json()["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(app.get_with_key("/api_keys/current", Some(&secret)).await.status, StatusCode::UNAUTHORIZED);
    // The token endpoint reads the key in the same query as the token: a revoked key still stops it.
    let token = app.post_json("/data-integrations/acme/token", Some(&secret), json!({"user_id": "u1"})).await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);
    assert!(token.json()["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(app.get_with_key("/api_keys/current", None).await.json()["code"], "unauthorized");
    let again = app.admin_call(&admin, "api-keys/revoke", &[("id", &id)]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let revoked = ours(&app.admin_call(&admin, "api-keys", &[]).await.json());
    assert!(revoked["revoked_at"].is_string());
    // The other key is untouched.
    assert_eq!(
        app.post_json("/widgets/token", Some(&app.api_key), json!({"user_id": "u1"})).await.status,
        StatusCode::OK
    );
    app.finish().await;
}
