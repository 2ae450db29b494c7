//! The store's promises, checked on SQLite and PostgreSQL alike.

use crate::support::{owner, update_tokens, Backend, TestDb};
use app::model::ConnectionState;
use server::connections::Connection;
use server::ids::{ConnectionId, ProviderId};
use server::providers::{Provider, ScopeList};
use server::store::{InsertProviderError, NewEvent, OAuthState, Store, Taken};

on_both_backends!(
    providers_have_unique_slugs_and_count_their_connections,
    a_connection_is_replaced_only_by_the_same_id,
    a_pending_authorization_can_be_taken_once,
    expired_authorizations_are_purged,
    connections_and_authorizations_need_an_existing_provider,
);

fn provider(id: &str, slug: &str) -> Provider {
    let mut p = Provider::new(&"env_sandbox".into(), id.into(), slug.into(), 1);
    p.name = slug.to_uppercase();
    p.authorization_url = "https://p.example/a".into();
    p.token_url = "https://p.example/t".into();
    p.client_id = "cid".into();
    p.client_secret = Some(vec![1, 2, 3]);
    p.scopes = ScopeList(vec!["a".into(), "b:c".into()]);
    p
}

fn connection(id: &str, provider_id: &str, user: &str) -> Connection {
    Connection {
        id: id.into(),
        provider_id: provider_id.into(),
        owner: owner(user, ""),
        role: server::connections::Role::Compatibility,
        label: None,
        account_identifier: None,
        established_by: Some(user.to_string()),
        state: ConnectionState::Connected,
        access_token: Some(vec![9; 40]),
        refresh_token: None,
        expires_at: Some(1_000),
        scopes: ScopeList(vec!["a".into()]),
        last_refreshed_at: None,
        last_error: None,
        created_at: 1,
        updated_at: 1,
        refresh_lease_owner: None,
        refresh_lease_until: None,
        refresh_failures: 0,
        retry_refresh_at: None,
        auth_method: Default::default(),
        config: Default::default(),
        config_secret: None,
        client_id: None,
        client_secret: None,
        secret_hint: String::new(),
    }
}

fn event(id: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        provider_id: "p1".into(),
        event: "pipes.connected_account.connected".into(),
        organization_id: String::new(),
        data: "{}".into(),
        created_at: 1,
    }
}

fn pending(hash: &str, provider_id: &str, expires_at: i64) -> OAuthState {
    OAuthState {
        state_hash: hash.into(),
        provider_id: provider_id.into(),
        user_id: "u".into(),
        organization_id: String::new(),
        browser_binding: "b".into(),
        pkce_verifier: Some(vec![4, 5]),
        return_to: "https://app.example/back".into(),
        widget_key_id: None,
        code_challenge: None,
        app_state: None,
        intent: None,
        expires_at,
        created_at: 0,
        config: None,
    }
}

async fn store(backend: Backend) -> (Store, TestDb) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    // Connecting twice applies no migration twice.
    Store::connect(&db.url).await.unwrap().close().await;
    (store, db)
}

async fn providers_have_unique_slugs_and_count_their_connections(backend: Backend) {
    let (store, db) = store(backend).await;
    store.insert_provider(&provider("p1", "acme")).await.unwrap();
    assert!(matches!(store.insert_provider(&provider("p2", "acme")).await, Err(InsertProviderError::SlugTaken)));
    store.insert_provider(&provider("p3", "other")).await.unwrap();
    assert!(store.save_connection(&connection("c1", "p1", "u1"), None).await.unwrap());
    assert!(store.save_connection(&connection("c2", "p1", "u2"), None).await.unwrap());

    let listed = store.list_providers(&"env_sandbox".into()).await.unwrap();
    let summary: Vec<(String, i64)> = listed.iter().map(|(p, n)| (p.slug.clone(), *n)).collect();
    assert_eq!(summary, [("acme".to_string(), 2), ("other".to_string(), 0)]);
    let acme = store.provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    assert_eq!(acme.scopes.0, ["a", "b:c"]);
    assert_eq!(acme.client_secret, Some(vec![1, 2, 3]));
    assert!(store.provider_by_slug(&"env_sandbox".into(), "missing").await.unwrap().is_none());
    store.close().await;
    db.drop_now().await;
}

async fn a_connection_is_replaced_only_by_the_same_id(backend: Backend) {
    let (store, db) = store(backend).await;
    store.insert_provider(&provider("p1", "acme")).await.unwrap();
    assert!(store.save_connection(&connection("c1", "p1", "u1"), None).await.unwrap());

    let mut again = connection("c1", "p1", "u1");
    again.state = ConnectionState::NeedsReauthorization;
    again.refresh_token = Some(vec![7; 30]);
    assert!(store.save_connection(&again, None).await.unwrap());
    let (p1, c1) = (ProviderId::from("p1"), ConnectionId::from("c1"));
    let stored = store.connection(&p1, &owner("u1", "")).await.unwrap().unwrap();
    assert_eq!(stored.state.as_str(), "needs_reauthorization");
    assert_eq!(stored.refresh_token, Some(vec![7; 30]));

    // Another id for the same provider, user and organization changes nothing.
    let mut intruder = connection("c2", "p1", "u1");
    intruder.access_token = Some(vec![0; 40]);
    assert!(!store.save_connection(&intruder, None).await.unwrap());
    let stored = store.connection(&p1, &owner("u1", "")).await.unwrap().unwrap();
    assert_eq!(stored.id, "c1");
    assert_eq!(stored.access_token, Some(vec![9; 40]));

    update_tokens(&store, &c1, &[3; 40], None, Some(5), "x y", 10).await;
    let stored = store.connection_by_id(&c1).await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.expires_at, stored.scopes.0.len()), ("connected", Some(5), 2));
    assert_eq!(stored.refresh_token, None);
    assert!(store.mark_needs_reauthorization(&c1, "why", 11, &event("e1")).await.unwrap());
    assert_eq!(store.connection_by_id(&c1).await.unwrap().unwrap().last_error.as_deref(), Some("why"));

    assert!(store.delete_connection(&c1, |_| event("e2")).await.unwrap().is_some());
    assert!(store.delete_connection(&c1, |_| event("e3")).await.unwrap().is_none());
    store.close().await;
    db.drop_now().await;
}

async fn a_pending_authorization_can_be_taken_once(backend: Backend) {
    let (store, db) = store(backend).await;
    store.insert_provider(&provider("p1", "acme")).await.unwrap();
    store.insert_oauth_state(&pending("h1", "p1", i64::MAX)).await.unwrap();
    // Eight callbacks race for one state: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.take_oauth_state("h1", "b").await.unwrap() }));
    }
    let mut winners = 0;
    for t in tasks {
        if let Taken::Found(state) = t.await.unwrap() {
            winners += 1;
            assert_eq!(state.pkce_verifier, Some(vec![4, 5]));
            assert_eq!(state.return_to, "https://app.example/back");
        }
    }
    assert_eq!(winners, 1);
    store.close().await;
    db.drop_now().await;
}

async fn expired_authorizations_are_purged(backend: Backend) {
    let (store, db) = store(backend).await;
    store.insert_provider(&provider("p1", "acme")).await.unwrap();
    store.insert_oauth_state(&pending("old", "p1", 100)).await.unwrap();
    store.insert_oauth_state(&pending("new", "p1", 300)).await.unwrap();
    assert_eq!(store.purge_expired_oauth_states(200).await.unwrap(), 1);
    assert!(matches!(store.take_oauth_state("old", "b").await.unwrap(), Taken::Unknown));
    assert!(matches!(store.take_oauth_state("new", "b").await.unwrap(), Taken::Found(_)));
    store.close().await;
    db.drop_now().await;
}

async fn connections_and_authorizations_need_an_existing_provider(backend: Backend) {
    // Connections and pending authorizations reference their provider: an orphan cannot be stored.
    let (store, db) = store(backend).await;
    assert!(store.save_connection(&connection("c1", "missing", "u1"), None).await.is_err());
    assert!(store.insert_oauth_state(&pending("h", "missing", 1)).await.is_err());
    store.close().await;
    db.drop_now().await;
}
