//! Connected accounts as SDK 12 sees them (`docs/workos-api.md` §4.17-4.26): several per owner,
//! organization-owned ones, the connected-account API on both roots, imports, and deletes that
//! revoke the grant at the provider.

use crate::support::{Backend, FakeProvider, Reply, TestApp};
use axum::http::{Method, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

/// A token response whose ID token names the provider-side account `sub`.
fn tokens_for(sub: &str, access: &str, refresh: &str) -> Value {
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json!({"sub": sub}).to_string());
    json!({"access_token": access, "refresh_token": refresh, "expires_in": 3600, "scope": "openid",
           "id_token": format!("eyJhbGciOiJub25lIn0.{claims}.sig")})
}

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    app.call(method, path, body.unwrap_or(Value::Null)).await
}

async fn token_with(app: &TestApp, body: Value) -> Value {
    let reply = app.post_json("/data-integrations/acme/token", Some(&app.api_key), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// A provider at `fake` with the given settings, and its revocation endpoint.
async fn provider(app: &TestApp, fake: &FakeProvider, settings: Value) {
    app.add_provider("acme", fake).await;
    // Setting where refresh tokens go takes the stored client secret (the hardening rule).
    let mut body = json!({
        "custom_provider": {"revocation_url": format!("{}/revoke", fake.url)},
        "credentials": {"type": "custom", "client_id": "client-1", "client_secret": "secret-1"},
    });
    for (k, v) in settings.as_object().unwrap() {
        body[k] = v.clone();
    }
    let reply = call(app, Method::PUT, "/data-integrations/acme", Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn two_accounts_for_one_user(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    provider(&app, &fake, json!({"multiple_connections": true})).await;
    // The first connection fills the compatibility slot; an added one is standard, labelled.
    fake.answer(200, tokens_for("personal-7", "at-personal", "rt-personal"));
    app.connect("acme", "user_1", "c1").await;
    let widget = app.widget_token("user_1").await;
    let started = app.start_connect_with(&widget, "acme", &[("intent", "add"), ("label", "Work")]).await;
    fake.answer(200, tokens_for("work-9", "at-work", "rt-work"));
    let reply = app.callback(&started, "code=c2").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    let base = "/user_management/users/user_1/connected_accounts/acme?organization_id=org_1";
    let providers = call(
        &app,
        Method::GET,
        "/user_management/users/user_1/data_providers?organization_id=org_1&supports_multiple_connections=true",
        None,
    )
    .await
    .json();
    let row = &providers["data"][0];
    assert_eq!(row["connected_accounts"].as_array().unwrap().len(), 2);
    assert_eq!(row["connected_account"]["account_identifier"], "personal-7");
    let accounts = row["connected_accounts"].as_array().unwrap();
    let work = accounts.iter().find(|a| a["account_display_name"] == "Work").unwrap();
    assert_eq!(
        (work["connection_role"].as_str(), work["account_identifier"].as_str()),
        (Some("standard"), Some("work-9"))
    );
    let work_id = work["id"].as_str().unwrap().to_string();

    // Without a choice: the compatibility account; told to consider all: ambiguous.
    let plain = token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1"})).await;
    assert_eq!(plain["access_token"]["access_token"], "at-personal");
    let ambiguous = token_with(
        &app,
        json!({"user_id": "user_1", "organization_id": "org_1", "supports_multiple_connections": true}),
    )
    .await;
    assert_eq!(ambiguous, json!({"active": false, "error": "account_selection_required"}));
    let by_id =
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1", "connected_account_id": work_id}))
            .await;
    assert_eq!(by_id["access_token"]["access_token"], "at-work");
    let by_label =
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1", "account_display_name": "Work"}))
            .await;
    assert_eq!(by_label["access_token"]["access_token"], "at-work");
    let unknown = app
        .post_json(
            "/data-integrations/acme/token",
            Some(&app.api_key),
            json!({"user_id": "user_1", "organization_id": "org_1", "connected_account_id": "conn_nope"}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.json()["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("connected_account_not_found"))
    );

    // The API: ambiguous GET is a 409, a chosen one answers; relabelling warns on duplicates.
    let get = call(&app, Method::GET, &format!("{base}&supports_multiple_connections=true"), None).await;
    assert_eq!((get.status, get.json()["code"].as_str()), (StatusCode::CONFLICT, Some("account_selection_required")));
    let get = call(&app, Method::GET, &format!("{base}&connected_account_id={work_id}"), None).await;
    assert_eq!(get.json()["account_display_name"], "Work");
    let renamed = call(&app, Method::PUT, base, Some(json!({"account_display_name": "Work"}))).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.json()["warnings"][0]["code"], "duplicate_account_display_name");
    let ambiguous_label = call(&app, Method::GET, &format!("{base}&account_display_name=Work"), None).await;
    assert_eq!(ambiguous_label.status, StatusCode::CONFLICT);

    // Reauthorizing one account replaces its tokens only.
    let started = app.start_connect_with(&widget, "acme", &[("intent", "reauthorize"), ("account", &work_id)]).await;
    fake.answer(200, tokens_for("work-9", "at-work-2", "rt-work-2"));
    app.callback(&started, "code=c3").await;
    let by_id =
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1", "connected_account_id": work_id}))
            .await;
    assert_eq!(by_id["access_token"]["access_token"], "at-work-2");
    assert_eq!(
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1"})).await["access_token"]
            ["access_token"],
        "at-personal"
    );

    // Deleting the compatibility account revokes its grant; the other takes its place.
    let deleted = call(&app, Method::DELETE, base, None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.json()["revocation"]["status"], "revoked");
    let revoked = fake.revocations.lock().unwrap().clone();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        (revoked[0]["token"].as_str(), revoked[0]["token_type_hint"].as_str()),
        ("rt-personal", "refresh_token")
    );
    let plain = token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1"})).await;
    assert_eq!(plain["access_token"]["access_token"], "at-work-2", "the remaining account is now the one callers get");
    // A revocation failure is recorded, and the delete stands.
    fake.revoke_status.store(503, std::sync::atomic::Ordering::SeqCst);
    let deleted = call(&app, Method::DELETE, base, None).await;
    assert_eq!(deleted.json()["revocation"]["status"], "failed");
    assert_eq!(app.count("connections").await, 0);
    let acme = app.plumb.store().provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    let failures = app.plumb.store().recent_revocations(&acme.id, 10).await.unwrap();
    assert_eq!(failures.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["failed", "revoked"]);
    assert!(failures[0].error.as_deref().unwrap().contains("503"));
    let gone = call(&app, Method::GET, base, None).await;
    assert_eq!(
        (gone.status, gone.json()["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("connected_account_not_found"))
    );
    app.finish().await;
}

async fn one_account_per_owner_unless_enabled(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    provider(&app, &fake, json!({})).await;
    fake.answer(200, tokens_for("a-1", "at-1", "rt-1"));
    app.connect("acme", "user_1", "c1").await;
    let add = json!({"user_id": "user_1", "organization_id": "org_1", "connection_intent": "add"});
    let refused = app.post_json("/data-integrations/acme/authorize", Some(&app.api_key), add).await;
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("multiple_connections_unavailable"))
    );
    let import = call(
        &app,
        Method::POST,
        "/user_management/users/user_1/connected_accounts/acme?organization_id=org_1",
        Some(json!({"access_token": "x", "connection_intent": "add"})),
    )
    .await;
    assert_eq!(import.json()["code"], "multiple_connections_unavailable");
    let bad = [
        (json!({"user_id": "user_1", "connection_intent": "reauthorize"}), "connected_account_id"),
        (json!({"user_id": "user_1", "connected_account_id": "conn_1"}), "connected_account_id"),
        (json!({"user_id": "user_1", "connection_intent": "merge"}), "connection_intent"),
        (
            json!({"user_id": "user_1", "connection_owner": "organization", "organization_id": "org_1"}),
            "connection_owner",
        ),
    ];
    for (body, field) in bad {
        let reply = app.post_json("/data-integrations/acme/authorize", Some(&app.api_key), body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{body}");
    }
    app.finish().await;
}

async fn an_organization_connection_serves_every_member(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    app.add_provider("acme", &fake).await;
    let made = call(&app, Method::PUT, "/data-integrations/acme", Some(json!({"custom_provider": {}}))).await;
    assert_eq!(made.status, StatusCode::OK);
    // Ownership is set when the provider has no connections.
    let provider = app
        .plumb
        .set_account_options(&"env_sandbox".into(), "acme", Some(server::providers::Ownership::Organization), None)
        .await
        .unwrap();
    assert_eq!(provider.ownership.as_str(), "organization");
    let org = "/organizations/org_1/connected_accounts/acme";
    let missing_member = call(&app, Method::POST, org, Some(json!({"access_token": "shared-at"}))).await;
    assert_eq!(missing_member.json()["errors"][0]["field"], "user_id");
    let imported = call(
        &app,
        Method::POST,
        org,
        Some(json!({"user_id": "admin_1", "access_token": "shared-at", "account_display_name": "Company"})),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let account = imported.json();
    assert_eq!((account["user_id"].clone(), account["organization_id"].as_str()), (Value::Null, Some("org_1")));
    // Two members (SDK 11 style, and SDK 12 naming the owner) reach the same token.
    for body in [
        json!({"user_id": "user_1", "organization_id": "org_1"}),
        json!({"user_id": "user_2", "organization_id": "org_1", "connection_owner": "organization"}),
    ] {
        assert_eq!(token_with(&app, body).await["access_token"]["access_token"], "shared-at");
    }
    // Another organization, or a user's own connection, has none.
    assert_eq!(
        token_with(&app, json!({"user_id": "user_3", "organization_id": "org_2"})).await["error"],
        "not_installed"
    );
    assert_eq!(
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1", "connection_owner": "user"})).await
            ["error"],
        "not_installed"
    );
    let listed = call(&app, Method::GET, "/organizations/org_1/data_providers", None).await.json();
    assert_eq!(listed["data"][0]["connection_owner"], "organization");
    assert_eq!(listed["data"][0]["connected_account"]["account_display_name"], "Company");
    let member_view =
        call(&app, Method::GET, "/user_management/users/user_1/data_providers?organization_id=org_1", None)
            .await
            .json();
    assert_eq!(member_view["data"][0]["connected_account"]["id"], account["id"]);
    // The user root does not reach an organization's provider, nor another organization's account.
    let wrong_root =
        call(&app, Method::GET, "/user_management/users/user_1/connected_accounts/acme?organization_id=org_1", None)
            .await;
    assert_eq!(wrong_root.status, StatusCode::NOT_FOUND);
    let other = call(&app, Method::GET, "/organizations/org_2/connected_accounts/acme", None).await;
    assert_eq!(other.json()["code"], "connected_account_not_found");
    // With connections, the ownership stays.
    let change = app
        .plumb
        .set_account_options(&"env_sandbox".into(), "acme", Some(server::providers::Ownership::User), None)
        .await;
    assert!(change.is_err());
    let deleted = call(&app, Method::DELETE, org, None).await;
    assert_eq!(deleted.json()["revocation"]["status"], "not_supported");
    app.finish().await;
}

async fn imported_tokens_refresh_at_the_provider(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    provider(&app, &fake, json!({})).await;
    let path = "/user_management/users/user_1/connected_accounts/acme?organization_id=org_1";
    // WorkOS's combination rules.
    for (body, field) in [
        (json!({"access_token": "a", "expires_at": "2030-01-01T00:00:00.000Z"}), "refresh_token"),
        (json!({"expires_at": "2030-01-01T00:00:00.000Z"}), "expires_at"),
        (json!({"access_token": "a", "expires_at": "tomorrow"}), "expires_at"),
        (json!({"state": "connected"}), "state"),
        (json!({"access_token": "a", "scopes": ["has space"]}), "scopes"),
        (json!({"access_token": "a", "colour": "blue"}), "colour"),
        (json!({"access_token": "a", "account_display_name": "x".repeat(201)}), "account_display_name"),
    ] {
        let reply = call(&app, Method::POST, path, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(app.count("connections").await, 0, "nothing stored by a refused import");
    // An expired token with its refresh token: the first fetch refreshes it at the provider.
    let imported = call(
        &app,
        Method::POST,
        path,
        Some(
            json!({"access_token": "old-at", "refresh_token": "imported-rt", "expires_at": "2020-01-01T00:00:00.000Z",
                    "scopes": ["openid"], "account_identifier": "acct-1"}),
        ),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.json()["state"], "connected");
    assert_eq!(imported.json()["account_identifier"], "acct-1");
    let again = call(&app, Method::POST, path, Some(json!({"access_token": "x"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "POST creates only: the owner has one");
    fake.answer(200, json!({"access_token": "fresh-at", "refresh_token": "rt-2", "expires_in": 3600}));
    let fetched = token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1"})).await;
    assert_eq!(fetched["access_token"]["access_token"], "fresh-at");
    let sent = fake.requests();
    assert_eq!((sent[0]["grant_type"].as_str(), sent[0]["refresh_token"].as_str()), ("refresh_token", "imported-rt"));
    // PUT with tokens replaces them; without, only relabels.
    let put = call(&app, Method::PUT, path, Some(json!({"access_token": "put-at"}))).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(
        token_with(&app, json!({"user_id": "user_1", "organization_id": "org_1"})).await["access_token"]
            ["access_token"],
        "put-at"
    );
    let relabel =
        call(&app, Method::PUT, path, Some(json!({"account_display_name": "Main", "account_identifier": null}))).await;
    assert_eq!(
        (relabel.json()["account_display_name"].as_str(), relabel.json()["account_identifier"].clone()),
        (Some("Main"), Value::Null)
    );
    // Another environment's key sees none of it.
    let live = server::api_keys::create(app.plumb.store(), "production", "live", 0).await.unwrap().secret;
    let other = app.get_with_key(path, Some(&live)).await;
    assert_eq!((other.status, other.json()["code"].as_str()), (StatusCode::NOT_FOUND, Some("provider_not_found")));
    app.finish().await;
}

async fn events_carry_sdk_12_names_to_endpoints_that_ask(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    provider(&app, &fake, json!({"multiple_connections": true})).await;
    fake.answer(200, tokens_for("a-1", "at-1", "rt-1"));
    app.connect("acme", "user_1", "c1").await;
    let widget = app.widget_token("user_1").await;
    let started = app.start_connect_with(&widget, "acme", &[("intent", "add")]).await;
    app.callback(&started, "error=access_denied").await;
    let events = call(&app, Method::GET, "/events?order=asc", None).await.json();
    let names: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["pipes.account_connection.connected", "pipes.account_connection.add_failed"]);
    let legacy = call(&app, Method::GET, "/events?order=asc&events=pipes.connected_account.connection_failed", None)
        .await
        .json();
    assert_eq!(legacy["data"][0]["event"], "pipes.connected_account.connection_failed");
    let data = &events["data"][0]["data"];
    assert_eq!(
        (data["account_identifier"].as_str(), data["connection_role"].as_str()),
        (Some("a-1"), Some("compatibility"))
    );
    app.finish().await;
}

async fn widget(app: &TestApp, function: &str, form: &str) -> Reply {
    app.send(
        axum::http::Request::post(format!("/api/widget{function}"))
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form.to_string()))
            .unwrap(),
    )
    .await
}

async fn the_widget_lists_accounts_and_guards_shared_ones(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    provider(&app, &fake, json!({"multiple_connections": true})).await;
    fake.answer(200, tokens_for("personal-7", "at-1", "rt-1"));
    app.connect("acme", "user_1", "c1").await;
    let token = app.widget_token("user_1").await;
    let started = app.start_connect_with(&token, "acme", &[("intent", "add"), ("label", "Work")]).await;
    fake.answer(200, tokens_for("work-9", "at-2", "rt-2"));
    app.callback(&started, "code=c2").await;
    let view = widget(&app, "", &format!("token={token}")).await.json();
    let row = &view["providers"][0];
    assert_eq!((row["multiple"].as_bool(), row["can_manage"].as_bool()), (Some(true), Some(true)));
    let names: Vec<&str> = row["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["personal-7", "Work"], "the label, else the provider-side account");
    let work = row["accounts"][1]["id"].as_str().unwrap().to_string();
    // Only the widget page may send it: a form from another site is refused.
    let forged = app
        .send(
            axum::http::Request::post("/api/widget/rename")
                .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(axum::body::Body::from(format!("token={token}&provider=acme&account={work}&label=Forged")))
                .unwrap(),
        )
        .await;
    assert_eq!((forged.status, forged.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf_failed")));
    let renamed = widget(&app, "/rename", &format!("token={token}&provider=acme&account={work}&label=Side")).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let view = widget(&app, "", &format!("token={token}")).await.json();
    assert_eq!(view["providers"][0]["accounts"][1]["name"], "Side");
    // Another user's widget cannot rename or remove it.
    let stranger = app.widget_token("user_2").await;
    let refused = widget(&app, "/rename", &format!("token={stranger}&provider=acme&account={work}&label=Mine")).await;
    assert_eq!(refused.json()["code"], "connected_account_not_found");
    widget(&app, "/disconnect", &format!("token={stranger}&provider=acme&account={work}")).await;
    assert_eq!(app.count("connections").await, 2);
    widget(&app, "/disconnect", &format!("token={token}&provider=acme&account={work}")).await;
    assert_eq!(app.count("connections").await, 1);

    // An organization's shared provider: members see it, only managers change it.
    let team = FakeProvider::start().await;
    app.add_provider("team", &team).await;
    app.plumb
        .set_account_options(&"env_sandbox".into(), "team", Some(server::providers::Ownership::Organization), None)
        .await
        .unwrap();
    call(
        &app,
        Method::POST,
        "/organizations/org_1/connected_accounts/team",
        Some(json!({"user_id": "admin", "access_token": "t"})),
    )
    .await;
    let member = widget(&app, "", &format!("token={token}")).await.json();
    let shared = member["providers"].as_array().unwrap().iter().find(|p| p["slug"] == "team").unwrap().clone();
    assert_eq!(
        (shared["shared"].as_bool(), shared["can_manage"].as_bool(), shared["state"].as_str()),
        (Some(true), Some(false), Some("connected"))
    );
    let forbidden = widget(&app, "/disconnect", &format!("token={token}&provider=team")).await;
    assert_eq!((forbidden.status, forbidden.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let no_org = app
        .post_json("/widgets/token", Some(&app.api_key), json!({"user_id": "solo", "scopes": ["widgets:pipes:manage"]}))
        .await;
    assert_eq!(no_org.json()["errors"][0]["field"], "organization_id");
    let manager = app
        .post_json(
            "/widgets/token",
            Some(&app.api_key),
            json!({"user_id": "admin", "organization_id": "org_1", "scopes": ["widgets:pipes:manage"]}),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let view = widget(&app, "", &format!("token={manager}")).await.json();
    let shared = view["providers"].as_array().unwrap().iter().find(|p| p["slug"] == "team").unwrap().clone();
    assert_eq!(shared["can_manage"], true);
    let removed = widget(&app, "/disconnect", &format!("token={manager}&provider=team")).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(app.count("connections").await, 1, "the shared connection went; user_1's stays");
    app.finish().await;
}

on_both_backends!(
    the_widget_lists_accounts_and_guards_shared_ones,
    two_accounts_for_one_user,
    one_account_per_owner_unless_enabled,
    an_organization_connection_serves_every_member,
    imported_tokens_refresh_at_the_provider,
    events_carry_sdk_12_names_to_endpoints_that_ask,
    an_organization_configures_the_provider_for_its_members,
);

async fn an_organization_configures_the_provider_for_its_members(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    app.add_provider("acme", &fake).await;
    // A user-owned provider has no organization root; per-organization settings it has.
    let root = call(&app, Method::GET, "/data-integrations/acme/organization", None).await;
    assert_eq!(root.status, StatusCode::NOT_FOUND, "{}", root.body);
    let path = "/data-integrations/acme/organization?organization_id=org_1";
    for (body, field) in [
        (json!({"credentials": {"client_id": "org-app"}}), "credentials.client_secret"),
        (json!({"credentials": {"client_secret": "s"}}), "credentials.client_id"),
        (json!({"scopes": ["bad\"scope"]}), "scopes"),
        (json!({"colour": 1}), "colour"),
    ] {
        let reply = call(&app, Method::PUT, path, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{body}");
    }
    let body = json!({"scopes": ["openid", "org:read"], "credentials": {"client_id": "org-app", "client_secret": "org-secret-123456"}});
    let set = call(&app, Method::PUT, path, Some(body)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let set = set.json();
    assert_eq!(set["organization_settings"]["credentials"]["client_id"], "org-app");
    assert_eq!(set["organization_settings"]["credentials"]["redacted_client_secret"], "3456");
    assert!(!set.to_string().contains("org-secret"), "the secret never comes back");
    // org_1's members authorize with its app and scopes, and the code exchange presents its secret.
    let started = app.start_connect("acme", "user_1").await;
    assert_eq!((started.query["client_id"].as_str(), started.query["scope"].as_str()), ("org-app", "openid org:read"));
    fake.answer(200, json!({"access_token": "at-org", "refresh_token": "rt", "expires_in": 3600}));
    app.callback(&started, "code=c1").await;
    let sent = fake.requests();
    assert_eq!((sent[0]["client_id"].as_str(), sent[0]["client_secret"].as_str()), ("org-app", "org-secret-123456"));
    // Refreshes of that organization's connections present it too.
    let id = app.plumb.store().connections_of(&crate::support::owner("user_1", "org_1")).await.unwrap()[0].id.clone();
    app.expire(&id).await;
    fake.answer(200, json!({"access_token": "at-org-2", "refresh_token": "rt-2", "expires_in": 3600}));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-org-2");
    assert_eq!(fake.requests()[1]["client_id"], "org-app");
    // An organization may turn the provider off for its members; others are unaffected.
    let off = call(&app, Method::PUT, path, Some(json!({"enabled": false}))).await;
    assert_eq!(off.json()["enabled"], false);
    let refused = app
        .post_json(
            "/data-integrations/acme/authorize",
            Some(&app.api_key),
            json!({"user_id": "user_2", "organization_id": "org_1"}),
        )
        .await;
    assert_eq!(refused.json()["code"], "provider_disabled");
    let other = app
        .post_json(
            "/data-integrations/acme/authorize",
            Some(&app.api_key),
            json!({"user_id": "user_3", "organization_id": "org_2"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    // Removing the settings brings back the environment's.
    let reset = call(&app, Method::DELETE, path, None).await;
    assert_eq!(reset.json()["deleted"], true);
    let back = call(&app, Method::GET, path, None).await.json();
    assert_eq!((back["enabled"].as_bool(), back["organization_settings"].clone()), (Some(true), Value::Null));
    assert_eq!(back["credentials"]["client_id"], "client-1");
    // An organization-owned provider answers on the organization root, as SDK 12 calls it.
    app.plumb
        .set_account_options(&"env_sandbox".into(), "acme", Some(server::providers::Ownership::Organization), None)
        .await
        .unwrap_err();
    let deleted =
        call(&app, Method::DELETE, "/user_management/users/user_1/connected_accounts/acme?organization_id=org_1", None)
            .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    app.plumb
        .set_account_options(&"env_sandbox".into(), "acme", Some(server::providers::Ownership::Organization), None)
        .await
        .unwrap();
    let root = call(&app, Method::GET, "/data-integrations/acme/organization", None).await;
    assert_eq!((root.status, root.json()["ownership"].as_str()), (StatusCode::OK, Some("organization")));
    let updated =
        call(&app, Method::PUT, "/data-integrations/acme/organization", Some(json!({"description": "Shared"}))).await;
    assert_eq!(updated.json()["description"], "Shared");
    app.finish().await;
}
