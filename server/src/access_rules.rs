//! The rules for a provider's methods and configuration fields as an admin sets them
//! (`docs/provider-configuration.md`, "Methods" and "Configuration fields"): the fields
//! themselves ([`crate::config_fields`]), and every template naming only declared fields and
//! making a usable URL with plausible values.

use crate::config_fields;
use crate::error::Error;
use crate::outbound::Outbound;
use crate::provider_settings::Draft;
use crate::templates::{self, Values};
use app::error::FieldError;
use app::methods::Access;

/// Plausible values for a provider's placeholders: each field's example (or default), and for
/// a captured value an origin, so a template's shape can be checked before any real value.
fn samples(access: &Access) -> Values {
    let mut values: Values = access
        .config_fields
        .iter()
        .map(|f| {
            let sample = [&f.example, &f.default].into_iter().find(|v| !v.is_empty()).cloned();
            (f.key.clone(), sample.unwrap_or_else(|| "example".into()))
        })
        .collect();
    for (key, _) in &access.captures {
        values.insert(key.clone(), "https://example.com".into());
    }
    values
}

/// A URL that may hold placeholders: with plausible values it must pass the outbound rules.
pub fn check_url_template(access: &Access, rules: Outbound, label: &str, value: &str) -> Result<(), String> {
    if !templates::has_placeholders(value) {
        return rules.check_url(label, value).map(|_| ());
    }
    let filled =
        templates::url(value, &samples(access)).map_err(|e| format!("The {label} has a placeholder problem: {e}."))?;
    // A captured origin opens the template: its value arrives with the token, not now.
    let sample_only = access.captures.iter().any(|(k, _)| value.starts_with(&format!("${{config.{k}}}")));
    match rules.check_url(label, &filled) {
        Err(message) if !sample_only => Err(message),
        _ => Ok(()),
    }
}

/// Every problem with the draft's methods, fields and templates.
pub fn check(draft: &Draft, rules: Outbound) -> Vec<FieldError> {
    let access = &draft.access;
    let mut errors = match config_fields::check_access(access) {
        Ok(()) => Vec::new(),
        Err(Error::Validation(errors)) => errors,
        Err(other) => vec![FieldError { field: "access".into(), code: "invalid".into(), message: other.to_string() }],
    };
    let templated = [
        ("authorization_url", draft.authorization_url.as_str()),
        ("token_url", draft.token_url.as_str()),
        ("refresh_token_url", draft.refresh_token_url.as_str()),
        ("revocation_url", draft.revocation_url.as_str()),
    ]
    .into_iter()
    .chain(draft.authorization_parameters.iter().map(|(_, v)| ("authorization_parameters", v.as_str())))
    .chain(draft.token_request_headers.iter().map(|(_, v)| ("token_request_headers", v.as_str())));
    for (field, template) in templated {
        if let Err(Error::Validation(mut e)) = config_fields::check_template(access, field, template) {
            errors.append(&mut e);
        }
    }
    errors.extend(check_hosts(access));
    for (field, label, value) in [
        ("api_base_url", "API base URL", &access.api_base_url),
        ("verification.url", "verification URL", &access.verification.url),
    ] {
        if !value.is_empty() {
            if let Err(message) = check_url_template(access, rules, label, value) {
                errors.push(FieldError { field: field.into(), code: "invalid_url".into(), message });
            }
        }
    }
    errors
}

/// The relay's hosts: at most [`crate::relay::hosts::MAX_HOSTS`], each naming only declared
/// fields and, filled with plausible values, a host pattern.
fn check_hosts(access: &Access) -> Vec<FieldError> {
    let invalid = |message: String| FieldError { field: "api_hosts".into(), code: "invalid".into(), message };
    if access.api_hosts.len() > crate::relay::hosts::MAX_HOSTS {
        return vec![invalid(format!("List at most {} relay hosts.", crate::relay::hosts::MAX_HOSTS))];
    }
    let mut errors = Vec::new();
    for host in &access.api_hosts {
        if let Err(Error::Validation(mut e)) = config_fields::check_template(access, "api_hosts", host) {
            errors.append(&mut e);
            continue;
        }
        let filled = match templates::text(host, &samples(access)) {
            Ok(filled) => filled,
            Err(e) => {
                errors.push(invalid(format!("The relay host {host:?} has a placeholder problem: {e}.")));
                continue;
            }
        };
        if let Err(message) = crate::relay::hosts::check_pattern(&filled) {
            errors.push(invalid(message));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::methods::{AuthMethod, ConfigField};

    fn draft(access: Access, authorization_url: &str) -> Draft {
        Draft { access, authorization_url: authorization_url.into(), ..Draft::new() }
    }

    fn shop() -> Access {
        Access {
            config_fields: vec![ConfigField {
                key: "shop".into(),
                label: "Shop".into(),
                example: "acme".into(),
                pattern: "[a-z0-9-]+".into(),
                ..Default::default()
            }],
            ..Access::default()
        }
    }

    #[test]
    fn templates_are_checked_with_the_examples() {
        let rules = Outbound::development();
        assert!(check_url_template(&shop(), rules, "URL", "https://${config.shop}.myshopify.com/a").is_ok());
        assert!(check_url_template(&shop(), rules, "URL", "https://${config.nope}.io").is_err());
        assert!(check_url_template(&shop(), rules, "URL", "ftp://${config.shop}.io").is_err());
        assert!(check(&draft(shop(), "https://${config.shop}.myshopify.com/a"), rules).is_empty());
        let errors = check(&draft(shop(), "https://${config.other}.io/a"), rules);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn a_key_provider_needs_a_place_for_the_key() {
        let access = Access {
            auth_methods: vec![AuthMethod::ApiKey],
            api_key: app::methods::KeyPlacement {
                header: "X-Key".into(),
                format: "no key".into(),
                query: String::new(),
            },
            ..Access::default()
        };
        assert!(!check(&draft(access, ""), Outbound::development()).is_empty());
    }
}
