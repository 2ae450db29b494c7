//! A provider's methods, configuration fields and pinned values on the data-integration API
//! (`docs/workos-api.md` §4.2 and Plumb's extensions in §7): `auth_methods` and `config` as
//! WorkOS has them, and inside `custom_provider` what WorkOS does not let custom providers
//! declare: `config_fields`, `api_base_url`, `api_hosts`, `api_key_placement`, `basic`, `verification`,
//! `captures`, `api_headers` and `token_parameters`.

/// A JSON request body's object.
type Object = serde_json::Map<String, Value>;
use crate::error::Error;
use crate::providers::Provider;
use crate::templates::Values;
use app::methods::{Access, AuthMethod};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The `custom_provider` keys read here.
pub(super) const ACCESS_FIELDS: [&str; 10] = [
    "config_fields",
    "api_base_url",
    "api_hosts",
    "api_key_placement",
    "token_placement",
    "basic",
    "verification",
    "captures",
    "api_headers",
    "token_parameters",
];

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::field(field, "invalid", message)
}

/// `auth_methods`: absent keeps; each must be a method Plumb knows.
pub(super) fn auth_methods(map: &Object) -> Result<Option<Vec<AuthMethod>>, Error> {
    let Some(value) = map.get("auth_methods").filter(|v| !v.is_null()) else { return Ok(None) };
    let names: Vec<String> = typed(value, "auth_methods")?;
    let mut methods = Vec::new();
    for name in names {
        let method = AuthMethod::parse(&name).ok_or_else(|| {
            Error::field(
                "auth_methods",
                "unsupported",
                format!("{name:?} is not a method: use oauth, api_key, basic or client_credentials."),
            )
        })?;
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    if methods.is_empty() {
        return Err(invalid("auth_methods", "Give at least one method."));
    }
    Ok(Some(methods))
}

fn typed<T: DeserializeOwned>(value: &Value, field: &str) -> Result<T, Error> {
    serde_json::from_value(value.clone()).map_err(|e| invalid(field, format!("{field}: {e}.")))
}

fn pairs(value: &Value, field: &str) -> Result<Vec<(String, String)>, Error> {
    let map: std::collections::BTreeMap<String, String> = typed(value, field)?;
    Ok(map.into_iter().collect())
}

/// The access settings a create or update sets on a custom provider, laid over `current`;
/// `None` when it names none of them.
pub(super) fn custom_access(
    custom: Option<&Object>,
    methods: Option<Vec<AuthMethod>>,
    current: &Access,
) -> Result<Option<Access>, Error> {
    let named = custom.is_some_and(|c| ACCESS_FIELDS.iter().any(|k| c.contains_key(*k)));
    if !named && methods.is_none() {
        return Ok(None);
    }
    let mut access = current.clone();
    if let Some(m) = methods {
        access.auth_methods = m;
    }
    let Some(c) = custom else { return Ok(Some(access)) };
    let field = |k: &str| format!("custom_provider.{k}");
    for key in ACCESS_FIELDS {
        let Some(value) = c.get(key) else { continue };
        let name = field(key);
        let null = value.is_null();
        match key {
            "config_fields" => access.config_fields = if null { Vec::new() } else { typed(value, &name)? },
            "api_base_url" => access.api_base_url = if null { String::new() } else { typed(value, &name)? },
            "api_hosts" => access.api_hosts = if null { Vec::new() } else { typed(value, &name)? },
            "api_key_placement" => access.api_key = if null { Default::default() } else { typed(value, &name)? },
            "token_placement" => access.token_placement = if null { None } else { Some(typed(value, &name)?) },
            "basic" => access.basic = if null { Default::default() } else { typed(value, &name)? },
            "verification" => access.verification = if null { Default::default() } else { typed(value, &name)? },
            "captures" => access.captures = if null { Vec::new() } else { pairs(value, &name)? },
            "api_headers" => access.api_headers = if null { Vec::new() } else { pairs(value, &name)? },
            "token_parameters" => access.token_parameters = if null { Vec::new() } else { pairs(value, &name)? },
            _ => {}
        }
    }
    Ok(Some(access))
}

/// `config`: values to pin; absent keeps them.
pub(super) fn pinned(map: &Object) -> Result<Option<Values>, Error> {
    Ok(if map.contains_key("config") { Some(config_values(map)?) } else { None })
}

/// The catalog's methods are the entry's: a create may name them (as WorkOS's SDK does) but
/// not change them.
pub(super) fn check_catalog_methods(slug: &str, methods: &Option<Vec<AuthMethod>>) -> Result<(), Error> {
    let (Some(methods), Some(entry)) = (methods, crate::catalog::entry(slug)) else { return Ok(()) };
    match methods.iter().find(|m| !entry.auth_methods.contains(m)) {
        Some(m) => {
            Err(Error::field("auth_methods", "unsupported", format!("{} does not take {}.", entry.name, m.label())))
        }
        None => Ok(()),
    }
}

/// What the DataIntegration object says about methods and values.
pub(super) fn to_json(p: &Provider, body: &mut Value) {
    body["auth_methods"] = json!(crate::credentials::sdk_methods(p));
    // Pinned values, secret ones never: they are sealed and stay so.
    body["config"] = json!(p.config);
    let a = &p.access;
    body["config_fields"] = json!(a.config_fields.iter().filter(|f| !f.key.is_empty()).collect::<Vec<_>>());
    if let Some(custom) = body.get_mut("custom_provider").filter(|c| c.is_object()) {
        custom["config_fields"] = json!(a.config_fields);
        custom["api_base_url"] = json!(a.api_base_url);
        custom["api_hosts"] = json!(a.api_hosts);
        custom["api_key_placement"] = json!(a.api_key);
        custom["token_placement"] = json!(a.token_placement);
        custom["basic"] = json!(a.basic);
        custom["verification"] = json!(a.verification);
        let map = |pairs: &[(String, String)]| -> serde_json::Map<String, Value> {
            pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
        };
        custom["captures"] = Value::Object(map(&a.captures));
        custom["api_headers"] = Value::Object(map(&a.api_headers));
        custom["token_parameters"] = Value::Object(map(&a.token_parameters));
    }
}

/// `config`: provider configuration values by key (`Record<string, string>`); absent or
/// `null` is none. Which keys are accepted is the provider's business.
pub(super) fn config_values(map: &Object) -> Result<Values, Error> {
    let Some(value) = map.get("config").filter(|v| !v.is_null()) else { return Ok(Values::new()) };
    let Value::Object(entries) = value else {
        return Err(Error::field("config", "invalid", "config is an object of strings by field key."));
    };
    if entries.len() > crate::config_fields::MAX_FIELDS {
        return Err(Error::field(
            "config",
            "too_many",
            format!("Give at most {} configuration values.", crate::config_fields::MAX_FIELDS),
        ));
    }
    entries
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) if k.len() <= 64 => Ok((k.clone(), s.clone())),
            _ => Err(Error::field("config", "invalid", format!("config.{k}: give the value as a string."))),
        })
        .collect()
}
