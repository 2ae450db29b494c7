//! The wire types' shapes, and the dashboard's form inputs as the browser encodes them.

use super::*;

#[test]
fn token_union_has_the_workos_shapes() {
    let inactive = AccessTokenResponse::inactive(InactiveReason::NotInstalled);
    assert_eq!(
        serde_json::to_value(&inactive).unwrap(),
        serde_json::json!({"active": false, "error": "not_installed"})
    );
    let active = AccessTokenResponse::active(AccessToken {
        object: "access_token".into(),
        access_token: "at".into(),
        expires_at: None,
        scopes: vec!["a".into()],
        missing_scopes: vec![],
    });
    assert_eq!(
        serde_json::to_value(&active).unwrap(),
        serde_json::json!({"active": true, "access_token": {
            "object": "access_token", "access_token": "at", "expires_at": null,
            "scopes": ["a"], "missing_scopes": []}})
    );
}

#[test]
fn debug_output_never_contains_secrets() {
    let p = ProviderInput { client_secret: "hunter2".into(), ..Default::default() };
    assert!(!format!("{p:?}").contains("hunter2"));
    let t = AccessToken {
        object: "access_token".into(),
        access_token: "sekrit".into(),
        expires_at: None,
        scopes: vec![],
        missing_scopes: vec![],
    };
    assert!(!format!("{t:?}").contains("sekrit"));
}

/// A server function's arguments, as Leptos reads a submitted form: `input[…]` keys in the
/// `serde_qs` encoding, at depth 5, not strict.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Form<T> {
    input: T,
}

fn read<T: serde::de::DeserializeOwned>(body: &str) -> T {
    serde_qs::Config::new(5, false).deserialize_str::<Form<T>>(body).unwrap().input
}

#[test]
fn the_provider_form_reads_as_the_browser_sends_it() {
    // Rows 0 and 3: the editor numbers rows by a counter, so a removed row leaves a gap.
    let body = [
        "input[name]=Key+Vault",
        "input[connection_settings]=true",
        "input[method_api_key]=true",
        "input[config_fields][0][key]=workspace",
        "input[config_fields][0][label]=Workspace",
        "input[config_fields][0][scope]=integration",
        "input[config_fields][0][required]=true",
        "input[config_fields][3][key]=token",
        "input[config_fields][3][label]=Token",
        "input[config_fields][3][scope]=installation",
        "input[config_fields][3][secret]=true",
        "input[config][workspace]=acme",
        "input[config][token]=",
        "input[clear_config][token]=true",
        "input[verification_statuses]=200%2C+204",
    ]
    .join("&");
    let input: ProviderInput = read(&body);
    assert_eq!(input.name, "Key Vault");
    assert!(input.connection_settings && input.method_api_key);
    assert!(!input.method_oauth && !input.method_basic, "an unticked box is absent, so false");
    assert_eq!(input.config_fields.len(), 2);
    assert_eq!((input.config_fields[0].key.as_str(), input.config_fields[0].required), ("workspace", true));
    assert_eq!((input.config_fields[1].key.as_str(), input.config_fields[1].secret), ("token", true));
    assert!(!input.config_fields[1].required);
    assert_eq!(input.config.get("workspace").map(String::as_str), Some("acme"));
    assert_eq!(input.config.get("token").map(String::as_str), Some(""));
    assert_eq!(input.clear_config.get("token"), Some(&true));
    assert_eq!(input.verification_statuses, "200, 204");
    // Fields the form did not send take a new provider's defaults.
    assert_eq!(input.api_key_header, "Authorization");

    // Once hydrated, the form's values are encoded again for the request: nothing is lost.
    let again: ProviderInput = read(&serde_qs::to_string(&Form { input: input.clone() }).unwrap());
    assert!(again == input, "{again:?}");
}

#[test]
fn an_older_form_without_the_connection_settings_says_so() {
    let input: ProviderInput = read("input[name]=Acme&input[client_id]=cid");
    assert!(!input.connection_settings && !input.method_oauth);
    assert!(input.config_fields.is_empty() && input.config.is_empty());
    // A new form starts from OAuth.
    let fresh = ProviderInput::default();
    assert!(fresh.connection_settings && fresh.method_oauth && !fresh.method_api_key);
}

#[test]
fn the_catalog_form_carries_pinned_values() {
    let input: CatalogInput =
        read("input[catalog]=datadog&input[config][site]=datadoghq.eu&input[clear_config][token]=true");
    assert_eq!(input.config.get("site").map(String::as_str), Some("datadoghq.eu"));
    assert_eq!(input.clear_config.get("token"), Some(&true));
    let again: CatalogInput = read(&serde_qs::to_string(&Form { input: input.clone() }).unwrap());
    assert!(again == input);
}

fn view_with(access: crate::methods::Access, config: &[(&str, &str)]) -> ProviderView {
    ProviderView {
        id: "prov_1".into(),
        slug: "acme".into(),
        name: "Acme".into(),
        description: String::new(),
        icon_url: String::new(),
        icon: String::new(),
        authorization_url: String::new(),
        token_url: String::new(),
        refresh_token_url: String::new(),
        revocation_url: String::new(),
        ownership: "user".into(),
        multiple_connections: false,
        client_id: String::new(),
        has_client_secret: false,
        scopes: Vec::new(),
        scopes_required: false,
        scope_separator: " ".into(),
        scope_parameter: "scope".into(),
        issuer: String::new(),
        issuer_sends_iss: false,
        client_secret_required: true,
        pkce_enabled: true,
        authenticate_via: AuthenticateVia::RequestBody,
        token_body_content_type: TokenBodyType::Form,
        authorization_parameters: Vec::new(),
        token_request_headers: Vec::new(),
        token_response: ResponsePaths::default(),
        access,
        config: config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        catalog: None,
        shared_credentials: false,
        enabled: true,
        connected_accounts: 0,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

#[test]
fn the_edit_form_starts_from_the_providers_settings_without_secret_values() {
    use crate::methods::{Access, AuthMethod, ConfigField, FieldScope, KeyPlacement, Verification};
    let field = |key: &str, order: i64, secret: bool| ConfigField {
        key: key.into(),
        label: key.to_uppercase(),
        scope: FieldScope::Integration,
        secret,
        order,
        ..ConfigField::default()
    };
    let access = Access {
        auth_methods: vec![AuthMethod::ApiKey, AuthMethod::Basic],
        // Listed out of order: the form shows them in `order`.
        config_fields: vec![field("token", 2, true), field("site", 1, false)],
        api_key: KeyPlacement { header: String::new(), format: String::new(), query: "key".into() },
        verification: Verification {
            method: "GET".into(),
            url: "https://x.example/me".into(),
            expected_statuses: vec![200, 204],
        },
        api_headers: vec![("X-Version".into(), "2".into())],
        captures: vec![("instance_url".into(), "instance_url".into())],
        ..Access::default()
    };
    let input = ProviderInput::from_view(&view_with(access, &[("site", "eu")]));
    assert!(input.connection_settings && input.method_api_key && input.method_basic && !input.method_oauth);
    let keys: Vec<&str> = input.config_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["site", "token"]);
    assert_eq!(input.config_fields[0].scope, "integration");
    assert_eq!((input.api_key_in.as_str(), input.api_key_query.as_str()), ("query", "key"));
    assert_eq!(input.verification_statuses, "200, 204");
    assert_eq!(input.api_headers, "X-Version: 2");
    assert_eq!(input.captures, "instance_url=instance_url");
    assert_eq!(input.config.get("site").map(String::as_str), Some("eu"));
    assert!(!input.config.contains_key("token"), "a secret value is never on the page");

    // No verification request yet: the inputs start from GET and 200.
    let plain = ProviderInput::from_view(&view_with(Access::default(), &[]));
    assert_eq!((plain.verification_method.as_str(), plain.verification_statuses.as_str()), ("GET", "200"));
    assert!(plain.method_oauth && plain.config_fields.is_empty());
}
