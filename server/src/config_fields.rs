//! A provider's configuration fields (`docs/provider-configuration.md`, "Configuration fields"):
//! checking what an admin declares, and checking the values an admin pins or a person
//! connecting enters against them. The browser checks `pattern` too, but only this check counts.

use crate::error::{Error, Result};
use crate::templates::{self, Values};
use app::methods::{Access, AuthMethod, ConfigField, FieldScope};

pub const MAX_FIELDS: usize = 20;
pub const MAX_VALUE: usize = 1024;
const MAX_LABEL: usize = 100;
const MAX_DESCRIPTION: usize = 500;
const MAX_PATTERN: usize = 500;
/// Compiled patterns are bounded too: a short pattern can still compile to a huge automaton.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

fn pattern(text: &str) -> std::result::Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{text})$")).size_limit(PATTERN_SIZE_LIMIT).build()
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::field(field, "invalid", message)
}

/// Checks a declared set of fields: unique well-formed keys, bounded text, patterns that
/// compile, defaults that match them.
pub fn check_fields(fields: &[ConfigField]) -> Result<()> {
    if fields.len() > MAX_FIELDS {
        return Err(invalid("config_fields", format!("Declare at most {MAX_FIELDS} configuration fields.")));
    }
    for (i, f) in fields.iter().enumerate() {
        let at = format!("config_fields[{i}]");
        if !templates::is_valid_key(&f.key) {
            return Err(invalid(
                &at,
                format!(
                    "Field key {:?}: use a lowercase letter, then lowercase letters, digits and underscores \
                     (at most {} characters).",
                    f.key,
                    templates::MAX_KEY
                ),
            ));
        }
        if fields[..i].iter().any(|g| g.key == f.key) {
            return Err(invalid(&at, format!("Field key {:?} is declared twice.", f.key)));
        }
        if f.label.trim().is_empty() || f.label.chars().count() > MAX_LABEL {
            return Err(invalid(&at, format!("Field {}: give a label of 1 to {MAX_LABEL} characters.", f.key)));
        }
        let long = |s: &str, n: usize| s.chars().count() > n || s.chars().any(char::is_control);
        if long(&f.description, MAX_DESCRIPTION) || long(&f.example, MAX_LABEL) || long(&f.default, MAX_VALUE) {
            return Err(invalid(
                &at,
                format!(
                    "Field {}: the description is at most {MAX_DESCRIPTION} characters, the example {MAX_LABEL}, \
                     the default {MAX_VALUE}, all printable.",
                    f.key
                ),
            ));
        }
        if !f.pattern.is_empty() {
            if f.pattern.len() > MAX_PATTERN {
                return Err(invalid(&at, format!("Field {}: the pattern is at most {MAX_PATTERN} characters.", f.key)));
            }
            let re = pattern(&f.pattern).map_err(|_| {
                invalid(&at, format!("Field {}: the pattern is not a valid regular expression.", f.key))
            })?;
            if !f.default.is_empty() && !re.is_match(&f.default) {
                return Err(invalid(&at, format!("Field {}: the default does not match the pattern.", f.key)));
            }
        }
        if f.secret && f.scope == FieldScope::Integration && !f.default.is_empty() {
            return Err(invalid(&at, format!("Field {}: a secret field cannot have a default.", f.key)));
        }
    }
    Ok(())
}

/// Checks that every placeholder in `template` names a declared field or a captured value.
pub fn check_template(access: &Access, name: &str, template: &str) -> Result<()> {
    let keys = templates::keys(template).map_err(|e| invalid(name, format!("{name}: {e}.")))?;
    for key in keys {
        let declared = access.config_fields.iter().any(|f| f.key == key && !f.secret)
            || access.captures.iter().any(|(k, _)| *k == key);
        if !declared {
            return Err(invalid(
                name,
                format!("{name} uses ${{config.{key}}}, which is not a declared non-secret configuration field."),
            ));
        }
    }
    Ok(())
}

/// Checks the shape of a provider's access settings as a whole.
pub fn check_access(access: &Access) -> Result<()> {
    if access.auth_methods.is_empty() {
        return Err(invalid("auth_methods", "Choose at least one authentication method."));
    }
    check_fields(&access.config_fields)?;
    if access.captures.len() > MAX_FIELDS {
        return Err(invalid("captures", format!("Capture at most {MAX_FIELDS} values.")));
    }
    for (key, path) in &access.captures {
        if !templates::is_valid_key(key) || path.is_empty() || path.len() > 200 {
            return Err(invalid("captures", format!("Capture {key:?}: name a key and a response path.")));
        }
        if access.config_fields.iter().any(|f| f.key == *key) {
            return Err(invalid("captures", format!("{key} is both a configuration field and a captured value.")));
        }
    }
    check_template(access, "api_base_url", &access.api_base_url)?;
    for (name, value) in &access.api_headers {
        if !is_header_name(name) || value.chars().any(char::is_control) || value.len() > 1024 {
            return Err(invalid(
                "api_headers",
                format!("API header {name:?}: give a header name and a printable value."),
            ));
        }
        check_template(access, "api_headers", value)?;
    }
    for (name, value) in &access.token_parameters {
        if name.is_empty() || name.len() > 100 || value.len() > 1024 || value.chars().any(char::is_control) {
            return Err(invalid(
                "token_parameters",
                format!("Token parameter {name:?}: give a name and a printable value."),
            ));
        }
        check_template(access, "token_parameters", value)?;
    }
    check_template(access, "verification.url", &access.verification.url)?;
    if access.verification.is_set() {
        if !matches!(access.verification.method.as_str(), "GET" | "POST" | "HEAD") {
            return Err(invalid("verification.method", "The verification request is a GET, HEAD or POST."));
        }
        let statuses = &access.verification.expected_statuses;
        if statuses.is_empty() || statuses.len() > 10 || statuses.iter().any(|s| !(100..=599).contains(s)) {
            return Err(invalid(
                "verification.expected_statuses",
                "List 1 to 10 HTTP statuses a valid credential gets.",
            ));
        }
    }
    if access.supports(AuthMethod::ApiKey) && !placement_ok(&access.api_key, "${api_key}") {
        return Err(invalid(
            "api_key",
            "Say where the key goes: a header name and a value containing ${api_key}, or a query parameter.",
        ));
    }
    if access.token_placement.as_ref().is_some_and(|t| !placement_ok(t, "${access_token}")) {
        return Err(invalid(
            "token_placement",
            "Say where the token goes: a header name and a value containing ${access_token}, or a query \
             parameter.",
        ));
    }
    Ok(())
}

/// A header named by a valid header name with `placeholder` in its value, or a query parameter.
fn placement_ok(p: &app::methods::KeyPlacement, placeholder: &str) -> bool {
    if p.query.is_empty() {
        is_header_name(&p.header) && p.format.contains(placeholder) && !p.format.chars().any(char::is_control)
    } else {
        p.query.len() <= 100 && !p.query.chars().any(char::is_control)
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The values pinned on a provider (integration scope, or installation fields an admin fixes
/// for everyone), checked: declared keys only, each matching its pattern. Blank values unpin.
pub fn check_pinned(fields: &[ConfigField], values: &Values) -> Result<Values> {
    check_values(fields, values, None)
}

/// The installation values a person connecting gave, checked against the fields, with what is
/// pinned: only unpinned installation fields may be given, and every required one must be,
/// unless it has a default.
pub fn check_installation(fields: &[ConfigField], pinned: &Values, given: &Values) -> Result<Values> {
    for key in given.keys() {
        match fields.iter().find(|f| f.key == *key) {
            Some(f) if f.scope == FieldScope::Installation && !pinned.contains_key(key) => {}
            Some(_) => {
                return Err(Error::field(
                    "config",
                    "not_accepted",
                    format!("{key} is set on the provider and cannot be given per connection."),
                ))
            }
            None => {
                return Err(Error::field(
                    "config",
                    "unknown_field",
                    format!("{key} is not a configuration field of this provider."),
                ))
            }
        }
    }
    let values = check_values(fields, given, Some(FieldScope::Installation))?;
    for f in fields.iter().filter(|f| f.scope == FieldScope::Installation && f.required) {
        if !values.contains_key(&f.key) && !pinned.contains_key(&f.key) && f.default.is_empty() {
            return Err(Error::field("config", "required", format!("Enter {}.", f.label)));
        }
    }
    Ok(values)
}

fn check_values(fields: &[ConfigField], values: &Values, scope: Option<FieldScope>) -> Result<Values> {
    if values.len() > MAX_FIELDS {
        return Err(invalid("config", format!("Give at most {MAX_FIELDS} configuration values.")));
    }
    let mut out = Values::new();
    for (key, value) in values {
        let Some(f) = fields.iter().find(|f| f.key == *key && scope.is_none_or(|s| f.scope == s)) else {
            return Err(Error::field(
                "config",
                "unknown_field",
                format!("{key} is not a configuration field of this provider."),
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if value.chars().count() > MAX_VALUE || value.chars().any(char::is_control) {
            return Err(invalid("config", format!("{}: at most {MAX_VALUE} printable characters.", f.label)));
        }
        if !f.pattern.is_empty() {
            // Declarations were checked when stored; one that no longer compiles refuses values.
            let matches = pattern(&f.pattern).map(|re| re.is_match(value)).unwrap_or(false);
            if !matches {
                let hint = if f.example.is_empty() { String::new() } else { format!(" (for example {})", f.example) };
                return Err(Error::field(
                    "config",
                    "pattern_mismatch",
                    format!("{} is not in the expected form{hint}.", f.label),
                ));
            }
        }
        out.insert(key.clone(), value.to_string());
    }
    Ok(out)
}

/// The values a connection's requests are built with: defaults, then what is pinned on the
/// provider, then the connection's own, then what was captured from its token responses.
pub fn effective(fields: &[ConfigField], pinned: &Values, installation: &Values, captured: &Values) -> Values {
    let mut out: Values =
        fields.iter().filter(|f| !f.default.is_empty()).map(|f| (f.key.clone(), f.default.clone())).collect();
    for layer in [pinned, installation, captured] {
        out.extend(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// Splits values into those that may be shown and the secret ones, which are sealed.
pub fn split_secret(fields: &[ConfigField], values: Values) -> (Values, Values) {
    values.into_iter().partition(|(k, _)| !fields.iter().any(|f| f.key == *k && f.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, scope: FieldScope, pattern: &str) -> ConfigField {
        ConfigField {
            key: key.into(),
            label: key.to_uppercase(),
            scope,
            pattern: pattern.into(),
            ..ConfigField::default()
        }
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn declarations_are_checked() {
        let ok = [field("shop", FieldScope::Installation, "[a-z0-9-]+"), field("region", FieldScope::Integration, "")];
        check_fields(&ok).unwrap();
        for bad in [
            vec![field("Shop", FieldScope::Installation, "")],
            vec![field("shop", FieldScope::Installation, ""), field("shop", FieldScope::Integration, "")],
            vec![field("shop", FieldScope::Installation, "[a-")],
            vec![ConfigField { label: String::new(), ..field("a", FieldScope::Installation, "") }],
            vec![ConfigField { default: "UP".into(), ..field("a", FieldScope::Installation, "[a-z]+") }],
            vec![field("x", FieldScope::Installation, "(a{1000}){1000}")],
        ] {
            assert!(check_fields(&bad).is_err(), "{bad:?}");
        }
        let many: Vec<ConfigField> = (0..21).map(|i| field(&format!("f{i}"), FieldScope::Installation, "")).collect();
        assert!(check_fields(&many).is_err());
    }

    #[test]
    fn templates_name_declared_non_secret_fields() {
        let mut access = Access {
            config_fields: vec![
                field("shop", FieldScope::Installation, ""),
                ConfigField { secret: true, ..field("token", FieldScope::Installation, "") },
            ],
            captures: vec![("instance_url".into(), "instance_url".into())],
            ..Access::default()
        };
        check_template(&access, "u", "https://${config.shop}.myshopify.com${config.instance_url}").unwrap();
        assert!(check_template(&access, "u", "https://${config.token}.io").is_err());
        assert!(check_template(&access, "u", "https://${config.other}.io").is_err());
        access.auth_methods = vec![];
        assert!(check_access(&access).is_err());
    }

    #[test]
    fn installation_values_respect_scope_pins_patterns_and_requirements() {
        let fields = [
            ConfigField {
                required: true,
                example: "acme".into(),
                ..field("shop", FieldScope::Installation, "[a-z0-9-]+")
            },
            field("region", FieldScope::Integration, ""),
            ConfigField { required: true, default: "v1".into(), ..field("version", FieldScope::Installation, "") },
        ];
        let none = Values::new();
        assert_eq!(
            check_installation(&fields, &none, &values(&[("shop", " acme ")])).unwrap(),
            values(&[("shop", "acme")])
        );
        let e = check_installation(&fields, &none, &values(&[("shop", "Acme.evil")])).unwrap_err();
        assert!(format!("{e:?}").contains("pattern_mismatch"), "{e:?}");
        assert!(check_installation(&fields, &none, &none).is_err(), "shop is required");
        assert!(check_installation(&fields, &values(&[("shop", "pinned")]), &none).is_ok(), "pinned counts");
        assert!(check_installation(&fields, &values(&[("shop", "p")]), &values(&[("shop", "x")])).is_err());
        assert!(check_installation(&fields, &none, &values(&[("shop", "a"), ("region", "eu")])).is_err());
        assert!(check_installation(&fields, &none, &values(&[("shop", "a"), ("nope", "x")])).is_err());
        assert!(check_installation(&fields, &none, &values(&[("shop", &"a".repeat(1025))])).is_err());
    }

    #[test]
    fn effective_values_layer_defaults_pins_installation_and_captures() {
        let fields = [ConfigField { default: "d".into(), ..field("a", FieldScope::Installation, "") }];
        let v = effective(&fields, &values(&[("b", "pin")]), &values(&[("a", "mine")]), &values(&[("c", "cap")]));
        assert_eq!(v, values(&[("a", "mine"), ("b", "pin"), ("c", "cap")]));
        assert_eq!(effective(&fields, &Values::new(), &Values::new(), &Values::new()), values(&[("a", "d")]));
    }

    #[test]
    fn secret_values_are_split_off() {
        let fields = [ConfigField { secret: true, ..field("s", FieldScope::Installation, "") }];
        let (open, secret) = split_secret(&fields, values(&[("s", "x"), ("t", "y")]));
        assert_eq!((open, secret), (values(&[("t", "y")]), values(&[("s", "x")])));
    }
}
