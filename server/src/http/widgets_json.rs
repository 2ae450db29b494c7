//! The JSON the official WorkOS widgets read (`shared` reference `workos-pipes-api-12.md` §7.4),
//! built from [`ViewedProvider`]s. The casing is theirs and mixed on purpose: a provider's
//! fields are camelCase, a connection's snake_case, and `credentials` has both. Optional fields
//! are left out rather than sent as `null` where the widgets' types say `field?: string`.

use crate::connections::Connection;
use crate::providers::{Ownership, Provider};
use crate::widget_api::ViewedProvider;
use app::methods::{AuthMethod, ConfigField};
use app::model::ConnectionState;
use serde_json::{json, Map, Value};

/// `userland_user` or `organization`.
fn ownership(p: &Provider) -> &'static str {
    match p.ownership {
        Ownership::User => "userland_user",
        Ownership::Organization => "organization",
    }
}

fn optional(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), Value::String(value.to_string()));
    }
}

/// The fields every provider shape of the widgets opens with.
fn head(object: &str, p: &Provider) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("object".into(), json!(object));
    map.insert("id".into(), json!(p.id));
    map.insert("name".into(), json!(p.name));
    map.insert("description".into(), json!((!p.description.is_empty()).then(|| p.description.clone())));
    map.insert("slug".into(), json!(p.slug));
    map
}

/// `integrationType` (the catalog entry, or `custom`) and `ownership`.
fn kind(map: &mut Map<String, Value>, p: &Provider) {
    map.insert("integrationType".into(), json!(p.catalog_slug.clone().unwrap_or_else(|| "custom".into())));
    map.insert("ownership".into(), json!(ownership(p)));
}

/// A configuration field in the widgets' descriptor: empty optional strings left out, since the
/// widgets test them with `!== undefined` (an empty `default` would show "Defaults to  …").
fn config_field(f: &ConfigField) -> Value {
    let mut map = Map::new();
    map.insert("key".into(), json!(f.key));
    map.insert("label".into(), json!(f.label));
    map.insert("required".into(), json!(f.required));
    map.insert("scope".into(), json!(f.scope.as_str()));
    map.insert("secret".into(), json!(f.secret));
    map.insert("order".into(), json!(f.order));
    optional(&mut map, "description", &f.description);
    optional(&mut map, "example", &f.example);
    optional(&mut map, "pattern", &f.pattern);
    optional(&mut map, "default", &f.default);
    Value::Object(map)
}

fn config_fields(p: &Provider) -> Value {
    Value::Array(p.access.config_fields.iter().filter(|f| !f.key.is_empty()).map(config_field).collect())
}

/// The values pinned for the viewer's organization. A secret one is `true`: the widgets only
/// ask whether a field has a value (to not ask for it), and its value stays sealed.
fn config(v: &ViewedProvider) -> Value {
    let mut map: Map<String, Value> = v.effective.config.iter().map(|(k, val)| (k.clone(), json!(val))).collect();
    for key in &v.pinned_secret {
        map.insert(key.clone(), Value::Bool(true));
    }
    Value::Object(map)
}

/// A connection as the widgets' `DataInstallation`.
pub fn installation(c: &Connection) -> Value {
    let method = super::connected_accounts::sdk_auth_method(c.auth_method);
    let mut map = Map::new();
    map.insert("object".into(), json!("connected_account"));
    map.insert("id".into(), json!(c.id));
    map.insert("user_id".into(), json!(c.owner.user()));
    map.insert("organization_id".into(), json!(c.owner.organization_id));
    map.insert("scopes".into(), json!(c.scopes.0));
    map.insert("auth_method".into(), json!(method));
    map.insert("state".into(), json!(c.state.as_str()));
    map.insert("created_at".into(), json!(crate::time::iso(c.created_at)));
    map.insert("updated_at".into(), json!(crate::time::iso(c.updated_at)));
    // The open values only: secret ones are sealed apart and never leave Plumb.
    map.insert("config".into(), json!(c.config));
    let hint = (!c.secret_hint.is_empty()).then(|| c.secret_hint.clone());
    match c.auth_method {
        AuthMethod::ApiKey | AuthMethod::Basic => {
            map.insert("api_key_last_4".into(), json!(hint));
        }
        AuthMethod::ClientCredentials => {
            map.insert("client_id".into(), json!(c.client_id));
            map.insert("client_secret_last_4".into(), json!(hint));
        }
        AuthMethod::Oauth => {}
    }
    Value::Object(map)
}

/// `iconUrl`: Plumb's own copy of the provider's icon, for catalog and custom providers alike.
/// No `iconSlug`, which the widgets would prefer and draw from WorkOS's CDN. They show an
/// `iconUrl` from an https origin only; before it (a Plumb on plain http) they fall back to
/// their own logo for `integrationType` when they know it, then to a generic mark.
fn icons(map: &mut Map<String, Value>, v: &ViewedProvider, public_url: &str) {
    if !v.icon_path.is_empty() {
        map.insert("iconUrl".into(), json!(format!("{public_url}{}", v.icon_path)));
    }
}

/// The `DataIntegration` of `<Pipes/>`' rows, with `connected_accounts` and `installation`.
pub fn integration(v: &ViewedProvider, public_url: &str) -> Value {
    let p = &v.effective;
    let mut map = head("data_integration", p);
    kind(&mut map, p);
    map.insert("credentialsType".into(), json!(credentials_type(v)));
    map.insert("scopes".into(), json!(p.scopes.0));
    map.insert("createdAt".into(), json!(crate::time::iso(p.created_at)));
    map.insert("updatedAt".into(), json!(crate::time::iso(p.updated_at)));
    map.insert("installation".into(), v.installation().map(installation).unwrap_or(Value::Null));
    map.insert("connected_accounts".into(), Value::Array(v.accounts.iter().map(installation).collect()));
    map.insert("configFields".into(), config_fields(p));
    map.insert("config".into(), config(v));
    map.insert("authMethods".into(), json!(crate::credentials::sdk_methods(p)));
    icons(&mut map, v, public_url);
    Value::Object(map)
}

/// `organization` when the organization brings its own OAuth app, else whose app the
/// environment's provider uses (`custom` or `shared`).
fn credentials_type(v: &ViewedProvider) -> &'static str {
    if v.organization_app() {
        "organization"
    } else {
        v.root.credentials.as_str()
    }
}

/// `credentials`: whose OAuth app, whether it is complete, and the organization's own app's id
/// and secret hint (the environment's stay the developer's business).
fn credentials(v: &ViewedProvider, redirect_uri: &str) -> Value {
    let own = v.settings.as_ref().filter(|s| s.client_id.is_some());
    json!({
        "credentialsType": credentials_type(v),
        "hasCredentials": v.has_credentials,
        "client_id": own.and_then(|s| s.client_id.clone()),
        "redactedClientSecret": own.map(|s| s.client_secret_hint.clone()).filter(|h| !h.is_empty()),
        "redirectUri": redirect_uri,
    })
}

/// `<PipesAdmin/>`' `DataIntegrationConfiguration`: a provider as the manager's organization
/// has it configured.
pub fn configuration(v: &ViewedProvider, public_url: &str, redirect_uri: &str) -> Value {
    let (p, root) = (&v.effective, &v.root);
    let mut map = head("data_integration_configuration", p);
    kind(&mut map, p);
    map.insert("enabled".into(), json!(p.enabled));
    map.insert("scopes".into(), json!(p.scopes.0));
    map.insert("defaultScopes".into(), json!(root.scopes.0));
    map.insert("availableScopes".into(), json!(root.scopes.0));
    map.insert("credentials".into(), credentials(v, redirect_uri));
    map.insert("authMethods".into(), json!(crate::credentials::sdk_methods(p)));
    map.insert("configFields".into(), config_fields(p));
    map.insert("config".into(), config(v));
    map.insert("createdAt".into(), json!(crate::time::iso(p.created_at)));
    map.insert("updatedAt".into(), json!(crate::time::iso(p.updated_at)));
    icons(&mut map, v, public_url);
    Value::Object(map)
}

/// `<PipesAdmin/>`' `OrganizationDataIntegration`: an organization-owned provider with the
/// organization's connection, its settings and what the manager may do.
pub fn organization_integration(v: &ViewedProvider, public_url: &str, redirect_uri: &str) -> Value {
    let (p, root) = (&v.effective, &v.root);
    let override_enabled = v.settings.as_ref().and_then(|s| s.enabled);
    let disabled_source = match (root.enabled, override_enabled) {
        (false, _) => json!("developer"),
        (true, Some(false)) => json!("organization"),
        _ => Value::Null,
    };
    let connectable = p.enabled && v.has_credentials;
    let mut body = integration(v, public_url);
    body["configuration"] = json!({
        "hasOverride": v.settings.is_some(),
        "rootEnabled": root.enabled,
        "overrideEnabled": override_enabled,
        "enabled": p.enabled,
        "disabledSource": disabled_source,
        "scopes": p.scopes.0,
        "defaultScopes": root.scopes.0,
        "availableScopes": root.scopes.0,
        "credentials": credentials(v, redirect_uri),
        "configured": v.has_credentials,
        "configFields": config_fields(p),
        "config": config(v),
    });
    body["capabilities"] = json!({
        "canConfigure": true,
        "canConnect": connectable,
        "canUpdateCredentials": p.enabled,
        "canReauthorize": connectable,
        "canDisconnect": true,
    });
    body
}

/// `<Pipes/>`' `SharedDataConnection`: an organization's connection as its members see it.
pub fn shared_connection(v: &ViewedProvider, public_url: &str) -> Value {
    let p = &v.effective;
    let accounts: Vec<Value> = v
        .accounts
        .iter()
        .map(|c| {
            let usable = p.enabled && c.state == ConnectionState::Connected;
            json!({
                "object": "connected_account",
                "id": c.id,
                "state": c.state.as_str(),
                "availability": if usable { "available" } else { "needs_admin_attention" },
                "created_at": crate::time::iso(c.created_at),
                "updated_at": crate::time::iso(c.updated_at),
            })
        })
        .collect();
    let mut map = head("data_integration", p);
    map.insert("ownership".into(), json!("organization"));
    map.insert("connected_accounts".into(), Value::Array(accounts));
    icons(&mut map, v, public_url);
    Value::Object(map)
}
