//! The dashboard's forms for how users connect, on both databases, called as the browser calls
//! them (form-encoded server functions with an admin session): an API-key provider with
//! configuration fields, a verification request and pinned values, a secret one of which never
//! comes back; unreadable rows and values refused beside their inputs with nothing stored; a
//! catalog entry without OAuth enabled with its values and no OAuth app; and connected
//! accounts showing their method and no more than a key's last four characters.

use crate::support::{AdminSession, Backend, FakeProvider, Reply, TestApp, GOOD_KEY};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    an_api_key_provider_is_added_and_edited_and_its_secret_value_stays_on_the_server,
    unreadable_input_is_refused_beside_its_field_and_nothing_changes,
    a_catalog_entry_without_oauth_needs_no_app_and_takes_its_values,
    connected_accounts_show_their_method_and_only_a_keys_last_four,
);

const TOKEN: &str = "vault-token-secret-7788";

/// The create form of an API-key provider whose keys the fake checks, with a non-secret
/// integration field (used in the API's URL) and a secret one, both pinned.
fn key_vault_form(fake: &FakeProvider) -> Vec<(String, String)> {
    [
        ("input[name]", "Key Vault".to_string()),
        ("input[slug]", "key-vault".into()),
        ("input[connection_settings]", "true".into()),
        ("input[method_api_key]", "true".into()),
        ("input[api_key_in]", "header".into()),
        ("input[api_key_header]", "X-Api-Key".into()),
        ("input[api_key_format]", "${api_key}".into()),
        ("input[api_base_url]", format!("{}/api/${{config.workspace}}", fake.url)),
        ("input[verification_url]", format!("{}/verify", fake.url)),
        ("input[verification_method]", "GET".into()),
        ("input[verification_statuses]", "200, 204".into()),
        ("input[api_headers]", "Vault-Version: 2".into()),
        ("input[config_fields][0][key]", "workspace".into()),
        ("input[config_fields][0][label]", "Workspace".into()),
        ("input[config_fields][0][scope]", "integration".into()),
        ("input[config_fields][0][required]", "true".into()),
        ("input[config_fields][0][pattern]", "[a-z]+".into()),
        ("input[config_fields][0][example]", "acme".into()),
        // A row removed in the editor leaves a gap in the numbers.
        ("input[config_fields][2][key]", "token".into()),
        ("input[config_fields][2][label]", "Vault token".into()),
        ("input[config_fields][2][scope]", "integration".into()),
        ("input[config_fields][2][secret]", "true".into()),
        ("input[config][workspace]", "acme".into()),
        ("input[config][token]", TOKEN.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `form` with `changes` replacing or adding fields.
fn with(form: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        form.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).cloned().collect();
    out.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

async fn call(app: &TestApp, admin: &AdminSession, endpoint: &str, form: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.admin_call(admin, endpoint, &pairs).await
}

/// The edit form: the slug beside the input.
fn update(form: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = vec![("slug".to_string(), "key-vault".to_string())];
    out.extend(form.iter().filter(|(k, _)| k != "input[slug]").cloned());
    out
}

async fn detail(app: &TestApp, admin: &AdminSession, slug: &str) -> Value {
    let reply = app.admin_call(admin, "providers/detail", &[("slug", slug)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains(TOKEN), "a pinned secret never reaches the page");
    reply.json()
}

async fn add_key_vault(app: &TestApp, admin: &AdminSession, fake: &FakeProvider) {
    let reply = call(app, admin, "providers/create", &key_vault_form(fake)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains(TOKEN), "{}", reply.body);
}

async fn an_api_key_provider_is_added_and_edited_and_its_secret_value_stays_on_the_server(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let admin = app.admin_session().await;
    add_key_vault(&app, &admin, &fake).await;

    let d = detail(&app, &admin, "key-vault").await;
    let p = &d["provider"];
    assert_eq!(p["access"]["auth_methods"], json!(["api_key"]));
    let keys: Vec<&str> =
        p["access"]["config_fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["workspace", "token"]);
    assert_eq!(p["access"]["config_fields"][1]["secret"], true);
    assert_eq!(p["access"]["api_key"], json!({"header": "X-Api-Key", "format": "${api_key}", "query": ""}));
    assert_eq!(p["access"]["verification"]["expected_statuses"], json!([200, 204]));
    assert_eq!(p["access"]["api_headers"], json!([["Vault-Version", "2"]]));
    assert_eq!(p["config"], json!({"workspace": "acme"}));
    assert_eq!(d["pinned_secret_keys"], json!(["token"]));
    // No OAuth: no authorization URL or client ID was asked for.
    assert_eq!((p["authorization_url"].as_str(), p["client_id"].as_str()), (Some(""), Some("")));
    // The backend's view agrees.
    let api = app.get_with_key("/data-integrations/key-vault", Some(&app.api_key)).await;
    assert_eq!(api.json()["config"], json!({"workspace": "acme"}), "{}", api.body);
    assert!(!api.body.contains(TOKEN));

    // Editing with the secret left empty keeps it; a new non-secret value replaces the old.
    let form =
        update(&with(&key_vault_form(&fake), &[("input[config][token]", ""), ("input[config][workspace]", "globex")]));
    let reply = call(&app, &admin, "providers/update", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let d = detail(&app, &admin, "key-vault").await;
    assert_eq!(
        (d["provider"]["config"].clone(), d["pinned_secret_keys"].clone()),
        (json!({"workspace": "globex"}), json!(["token"]))
    );

    // A form from before these settings (no connection_settings) keeps them all.
    let older: Vec<(String, String)> = update(&key_vault_form(&fake))
        .into_iter()
        .filter(|(k, _)| k == "slug" || k == "input[name]" || k == "input[description]")
        .collect();
    let reply = call(&app, &admin, "providers/update", &with(&older, &[("input[description]", "Vaults")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let d = detail(&app, &admin, "key-vault").await;
    assert_eq!(d["provider"]["access"]["auth_methods"], json!(["api_key"]));
    assert_eq!(
        (d["provider"]["config"].clone(), d["pinned_secret_keys"].clone()),
        (json!({"workspace": "globex"}), json!(["token"]))
    );

    // "Remove the stored value" removes it; the dashboard lists the provider with its method.
    let form =
        update(&with(&key_vault_form(&fake), &[("input[config][token]", ""), ("input[clear_config][token]", "true")]));
    assert_eq!(call(&app, &admin, "providers/update", &form).await.status, StatusCode::OK);
    assert_eq!(detail(&app, &admin, "key-vault").await["pinned_secret_keys"], json!([]));
    let dashboard = app.admin_call(&admin, "dashboard", &[]).await.json();
    assert_eq!(dashboard["providers"][0]["access"]["auth_methods"], json!(["api_key"]));
    app.finish().await;
}

async fn unreadable_input_is_refused_beside_its_field_and_nothing_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let admin = app.admin_session().await;
    let fields = |reply: &Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
    };

    // On create: a row with an unknown scope, and statuses that are not numbers.
    let bad = with(
        &key_vault_form(&fake),
        &[("input[config_fields][2][scope]", "everywhere"), ("input[verification_statuses]", "200, ok")],
    );
    let reply = call(&app, &admin, "providers/create", &bad).await;
    assert_eq!(fields(&reply), ["config_fields[1]", "verification.expected_statuses"]);
    assert!(app.plumb.store().list_providers(&"env_sandbox".into()).await.unwrap().is_empty());

    // A malformed line (here on a Basic provider), no method ticked, a key with no place to go,
    // a template naming no field.
    let without = |name: &str| -> Vec<(String, String)> {
        key_vault_form(&fake).into_iter().filter(|(k, _)| k != name).collect()
    };
    let basic = with(
        &without("input[method_api_key]"),
        &[("input[method_basic]", "true"), ("input[captures]", "no separator")],
    );
    assert_eq!(fields(&call(&app, &admin, "providers/create", &basic).await), ["captures"]);
    assert_eq!(
        fields(&call(&app, &admin, "providers/create", &without("input[method_api_key]")).await),
        ["auth_methods"]
    );
    let nowhere = with(&key_vault_form(&fake), &[("input[api_key_in]", "query"), ("input[api_key_query]", "")]);
    assert_eq!(fields(&call(&app, &admin, "providers/create", &nowhere).await), ["api_key"]);
    let undeclared = with(&key_vault_form(&fake), &[("input[verification_url]", "https://${config.nope}.example/me")]);
    assert!(
        fields(&call(&app, &admin, "providers/create", &undeclared).await).contains(&"verification.url".to_string())
    );

    // What no page sends (a checkbox that is neither there nor "true") is the caller's mistake.
    let odd = with(&key_vault_form(&fake), &[("input[config_fields][0][required]", "maybe")]);
    let reply = call(&app, &admin, "providers/create", &odd).await;
    assert_eq!(
        (reply.status, reply.json()["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "{}",
        reply.body
    );

    // On edit: a pinned value its field's pattern refuses.
    add_key_vault(&app, &admin, &fake).await;
    let bad = update(&with(&key_vault_form(&fake), &[("input[config][workspace]", "Not Valid")]));
    let reply = call(&app, &admin, "providers/update", &bad).await;
    assert_eq!(fields(&reply), ["config"]);
    assert!(reply.json()["errors"][0]["message"].as_str().unwrap().contains("Workspace"), "{}", reply.body);
    assert_eq!(
        detail(&app, &admin, "key-vault").await["provider"]["config"],
        json!({"workspace": "acme"}),
        "unchanged"
    );
    app.finish().await;
}

async fn a_catalog_entry_without_oauth_needs_no_app_and_takes_its_values(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let catalog = app.admin_call(&admin, "catalog", &[]).await.json();
    let datadog = catalog["entries"].as_array().unwrap().iter().find(|e| e["slug"] == "datadog").unwrap().clone();
    assert_eq!(datadog["auth_methods"], json!(["api_key"]));
    assert_eq!(datadog["config_fields"][0]["key"], "site");
    assert_eq!(datadog["config_fields"][0]["scope"], "integration");

    // Enabled with a description and its site: no client ID or secret.
    let enable = [
        ("input[catalog]", "datadog"),
        ("input[description]", "Sends our metrics"),
        ("input[config][site]", "datadoghq.eu"),
    ];
    let reply = app.admin_call(&admin, "catalog/enable", &enable).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let d = app.admin_call(&admin, "providers/detail", &[("slug", "datadog")]).await.json();
    assert_eq!(d["provider"]["config"], json!({"site": "datadoghq.eu"}));
    assert_eq!(d["provider"]["access"]["auth_methods"], json!(["api_key"]));

    // A value its pattern refuses is refused beside the values; emptied, it is unpinned.
    let edit = |site: &'static str| {
        [
            ("slug", "datadog"),
            ("input[catalog]", "datadog"),
            ("input[description]", "Sends our metrics"),
            ("input[config][site]", site),
        ]
    };
    let reply = app.admin_call(&admin, "providers/update-catalog", &edit("evil.example")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["field"], "config");
    let reply = app.admin_call(&admin, "providers/update-catalog", &edit("")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let d = app.admin_call(&admin, "providers/detail", &[("slug", "datadog")]).await.json();
    assert_eq!(d["provider"]["config"], json!({}));
    app.finish().await;
}

async fn connected_accounts_show_their_method_and_only_a_keys_last_four(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let admin = app.admin_session().await;
    add_key_vault(&app, &admin, &fake).await;
    let body = json!({"user_id": "user_1", "secret": GOOD_KEY, "connection_intent": "add"});
    let reply = app.call(Method::POST, "/data-integrations/key-vault/api-key", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    let reply = app
        .admin_call(&admin, "providers/connections", &[("slug", "key-vault"), ("user_id", ""), ("organization_id", "")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let account = &reply.json()["connections"][0];
    assert_eq!(account["auth_method"], "api_key");
    assert_eq!(account["secret_hint"], &GOOD_KEY[GOOD_KEY.len() - 4..]);
    assert!(!reply.body.contains(&GOOD_KEY[..GOOD_KEY.len() - 4]), "no more of the key than its end: {}", reply.body);
    app.finish().await;
}
