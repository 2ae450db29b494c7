//! A connection's configuration values at work: sealing the secret ones, and the provider as one
//! connection sees it, its URL templates filled with the connection's values and every URL
//! that results checked against the outbound-address rules.

use crate::accounts::{Action, Intent};
use crate::config_fields;
use crate::connections::{self, Connection, Owner};
use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::ids::ProviderId;
use crate::plumb::Plumb;
use crate::providers::Provider;
use crate::templates::{self, TemplateError, Values};

/// What a provider's sealed pinned values are bound to.
pub fn pinned_aad(provider_id: &ProviderId) -> Aad {
    Aad::new("providers", provider_id.as_str(), "config_secret")
}

fn template_error(provider: &Provider, what: &str, e: TemplateError) -> Error {
    match e {
        TemplateError::Missing(key) => {
            let label =
                provider.access.config_fields.iter().find(|f| f.key == key).map(|f| f.label.clone()).unwrap_or(key);
            Error::field("config", "required", format!("Enter {label}: {} needs it.", provider.name))
        }
        TemplateError::Invalid { key, reason } => {
            Error::field("config", "invalid", format!("The value of {key} {reason}."))
        }
        TemplateError::Malformed(_) => Error::NotConfigured(format!(
            "{}'s {what} has a malformed placeholder; fix it in the dashboard.",
            provider.name
        )),
    }
}

impl Plumb {
    /// Seals values (a flow in progress, a held connection) bound to `aad`; `None` for none.
    pub(crate) fn seal_values(&self, values: &Values, aad: &Aad) -> Option<Vec<u8>> {
        (!values.is_empty()).then(|| {
            let json = serde_json::to_vec(values).expect("values serialize");
            self.cipher.seal(&json, aad)
        })
    }

    pub(crate) fn open_values(&self, sealed: Option<&[u8]>, aad: &Aad) -> Result<Values> {
        let Some(sealed) = sealed else { return Ok(Values::new()) };
        let json = self.cipher.open(sealed, aad)?;
        serde_json::from_slice(&json).map_err(|e| Error::Internal(format!("sealed configuration values: {e}")))
    }

    /// The connection with `values` as its configuration: the provider's secret fields sealed,
    /// the rest in the open.
    pub(crate) fn with_config(&self, provider: &Provider, connection: Connection, values: Values) -> Connection {
        let (open, secret) = config_fields::split_secret(&provider.access.config_fields, values);
        let aad = connection_aad(&connection.id, &provider.id, &connection.owner);
        let config_secret = self.seal_values(&secret, &aad);
        Connection { config: open, config_secret, ..connection }
    }

    /// The connection's own values (entered when connecting, and captured), secret ones opened.
    pub(crate) fn connection_values(&self, connection: &Connection) -> Result<Values> {
        let aad = connection_aad(&connection.id, &connection.provider_id, &connection.owner);
        let mut values = self.open_values(connection.config_secret.as_deref(), &aad)?;
        values.extend(connection.config.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(values)
    }

    /// The values pinned on the provider, secret ones opened.
    pub(crate) fn pinned_values(&self, provider: &Provider) -> Result<Values> {
        let mut values = self.open_values(provider.config_secret.as_deref(), &pinned_aad(&provider.id))?;
        values.extend(provider.config.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(values)
    }

    /// Which secret fields have a value pinned on the provider: their keys, never the values.
    pub(crate) fn pinned_secret_keys(&self, provider: &Provider) -> Result<Vec<String>> {
        Ok(self.open_values(provider.config_secret.as_deref(), &pinned_aad(&provider.id))?.into_keys().collect())
    }

    /// The values a new connection (or a reauthorization) is made with: those given, checked
    /// against the provider's fields, over what is pinned (the provider's, or the
    /// organization's when `provider` was seen through [`Plumb::for_organization`]). They are
    /// the connection's snapshot: a pin changed later reaches it when it reconnects, as in
    /// WorkOS. A reauthorization, or a reconnection of the compatibility connection, that gives
    /// none keeps the connection's own.
    pub(crate) async fn connect_values(
        &self,
        provider: &Provider,
        owner: &Owner,
        intent: &Intent,
        given: &Values,
    ) -> Result<Values> {
        if given.is_empty() {
            let existing = match (intent.action, intent.connected_account_id.as_deref()) {
                (Some(Action::Reauthorize), Some(id)) => {
                    self.store.connections_for(&provider.id, owner).await?.into_iter().find(|c| c.id.as_str() == id)
                }
                (None, _) => self.store.connection(&provider.id, owner).await?,
                _ => None,
            };
            if let Some(c) = existing {
                return self.connection_values(&c);
            }
        }
        let pinned = self.pinned_values(provider)?;
        let installation = config_fields::check_installation(&provider.access.config_fields, &pinned, given)?;
        let mut snapshot = pinned;
        snapshot.extend(installation);
        Ok(snapshot)
    }

    /// Pins `given` on the provider: non-secret values replace those pinned (blank unpins); a
    /// secret one is set when given, cleared when given empty, kept when absent. Values of
    /// fields the provider no longer declares go.
    pub(crate) fn pin_values(&self, provider: &mut Provider, given: Option<&Values>) -> Result<()> {
        let fields = provider.access.config_fields.clone();
        let aad = pinned_aad(&provider.id);
        let mut secret = self.open_values(provider.config_secret.as_deref(), &aad)?;
        let mut open = provider.config.clone();
        if let Some(given) = given {
            let checked = config_fields::check_pinned(&fields, given)?;
            let (new_open, new_secret) = config_fields::split_secret(&fields, checked);
            open = new_open;
            for f in fields.iter().filter(|f| f.secret) {
                if given.get(&f.key).is_some_and(|v| v.trim().is_empty()) {
                    secret.remove(&f.key);
                }
            }
            secret.extend(new_secret);
        }
        let fields = &fields;
        let declared = |secret_kind: bool| {
            move |k: &String, _: &mut String| fields.iter().any(|f| f.key == *k && f.secret == secret_kind)
        };
        open.retain(declared(false));
        secret.retain(declared(true));
        provider.config = open;
        provider.config_secret = self.seal_values(&secret, &aad);
        Ok(())
    }

    /// The provider as `connection` sees it.
    pub(crate) fn resolved_for(&self, provider: &Provider, connection: &Connection) -> Result<Provider> {
        if !provider.is_templated() {
            return Ok(provider.clone());
        }
        let own = self.connection_values(connection)?;
        self.resolved_with(provider, &own)
    }

    /// The provider with the provider's pinned values and `own` (a connection's) filled in.
    pub(crate) fn resolved_with(&self, provider: &Provider, own: &Values) -> Result<Provider> {
        if !provider.is_templated() {
            return Ok(provider.clone());
        }
        let pinned = self.pinned_values(provider)?;
        let values = config_fields::effective(&provider.access.config_fields, &pinned, own, &Values::new());
        resolve(provider, &values, &self.http.rules())
    }
}

/// What a connection's sealed values are bound to.
pub fn connection_aad(id: &crate::ids::ConnectionId, provider_id: &ProviderId, owner: &Owner) -> Aad {
    connections::token_aad("connections", id.as_str(), provider_id, owner, connections::CONFIG_SECRET)
}

/// The provider with `values` filled into its templates. Each URL that had a placeholder must
/// then pass the outbound-address rules: a value can name a tenant, never this machine's
/// neighbours (a subdomain field set to reach 169.254.169.254, or loopback in production).
pub fn resolve(provider: &Provider, values: &Values, rules: &crate::outbound::Outbound) -> Result<Provider> {
    let mut p = provider.clone();
    let url = |what: &str, template: &str| -> Result<String> {
        if !templates::has_placeholders(template) {
            return Ok(template.to_string());
        }
        let filled = templates::url(template, values).map_err(|e| template_error(provider, what, e))?;
        rules.check_url(what, &filled).map_err(|why| Error::field("config", "address_not_allowed", why))?;
        Ok(filled)
    };
    p.authorization_url = url("authorization URL", &provider.authorization_url)?;
    p.token_url = url("token URL", &provider.token_url)?;
    p.refresh_token_url = url("refresh token URL", &provider.refresh_token_url)?;
    p.revocation_url = url("revocation URL", &provider.revocation_url)?;
    p.access.api_base_url = url("API base URL", &provider.access.api_base_url)?;
    p.access.verification.url = url("verification URL", &provider.access.verification.url)?;
    let text =
        |what: &str, template: &str| templates::text(template, values).map_err(|e| template_error(provider, what, e));
    p.authorization_parameters = provider
        .authorization_parameters
        .iter()
        .map(|(k, v)| Ok((k.clone(), text("authorization parameter", v)?)))
        .collect::<Result<_>>()?;
    p.access.api_hosts = provider.access.api_hosts.iter().map(|h| text("relay host", h)).collect::<Result<_>>()?;
    p.access.api_headers = provider
        .access
        .api_headers
        .iter()
        .map(|(k, v)| Ok((k.clone(), text("API header", v)?)))
        .collect::<Result<_>>()?;
    p.access.token_parameters = provider
        .access
        .token_parameters
        .iter()
        .map(|(k, v)| Ok((k.clone(), text("token parameter", v)?)))
        .collect::<Result<_>>()?;
    p.token_request_headers = provider
        .token_request_headers
        .iter()
        .map(|(k, v)| Ok((k.clone(), text("token request header", v)?)))
        .collect::<Result<_>>()?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Outbound;
    use app::methods::{Access, ConfigField};

    fn tenant_provider() -> Provider {
        let mut p = Provider::new(&"env_sandbox".into(), "p1".into(), "acme".into(), 0);
        p.authorization_url = "https://${config.subdomain}.acme.test/oauth/authorize".into();
        p.token_url = "https://${config.subdomain}.acme.test/oauth/token".into();
        p.authorization_parameters = vec![("tenant".into(), "${config.subdomain}".into())];
        p.access = Access {
            config_fields: vec![ConfigField {
                key: "subdomain".into(),
                label: "Subdomain".into(),
                ..Default::default()
            }],
            ..Access::default()
        };
        p
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn urls_parameters_and_headers_are_filled() {
        let p = resolve(&tenant_provider(), &values(&[("subdomain", "globex")]), &Outbound::development()).unwrap();
        assert_eq!(p.authorization_url, "https://globex.acme.test/oauth/authorize");
        assert_eq!(p.token_url, "https://globex.acme.test/oauth/token");
        assert_eq!(p.refresh_url(), "https://globex.acme.test/oauth/token");
        assert_eq!(p.authorization_parameters, [("tenant".to_string(), "globex".to_string())]);
    }

    #[test]
    fn filled_urls_must_pass_the_outbound_rules() {
        let mut p = tenant_provider();
        p.authorization_url = "https://${config.subdomain}/oauth/authorize".into();
        let production = Outbound { allow_loopback: false };
        for forbidden in ["169.254.169.254", "127.0.0.1", "localhost", "a.localhost"] {
            let e = resolve(&p, &values(&[("subdomain", forbidden)]), &production).unwrap_err();
            assert!(format!("{e:?}").contains("address_not_allowed"), "{forbidden}: {e:?}");
        }
        p.authorization_url = "http://127.0.0.1:${config.subdomain}/auth".into();
        assert!(resolve(&p, &values(&[("subdomain", "4100")]), &production).is_err());
        assert!(resolve(&p, &values(&[("subdomain", "4100")]), &Outbound::development()).is_ok());
    }

    #[test]
    fn a_missing_value_names_its_field() {
        let e = resolve(&tenant_provider(), &Values::new(), &Outbound::development()).unwrap_err();
        assert!(format!("{e:?}").contains("Subdomain"), "{e:?}");
    }
}
