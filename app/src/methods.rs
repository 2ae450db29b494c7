//! How a provider is connected: its authentication methods, the configuration fields its URLs
//! depend on, and where an API key goes on a request. Shared by the server, the dashboard and
//! the widget (which renders the fields as a form).

use serde::{Deserialize, Serialize};

/// An authentication method a provider accepts (`auth_methods` in the API).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AuthMethod {
    /// The OAuth 2.0 authorization code flow, through the browser.
    #[default]
    Oauth,
    /// A key the user pastes or the backend supplies, sent as a header or query parameter.
    ApiKey,
    /// A user name and password, sent as HTTP Basic credentials (a Plumb extension).
    Basic,
    /// The OAuth 2.0 client credentials grant with a client id and secret per owner.
    ClientCredentials,
}

impl AuthMethod {
    pub const ALL: [Self; 4] = [Self::Oauth, Self::ApiKey, Self::Basic, Self::ClientCredentials];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oauth => "oauth",
            Self::ApiKey => "api_key",
            Self::Basic => "basic",
            Self::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Oauth => "OAuth",
            Self::ApiKey => "API key",
            Self::Basic => "User name and password",
            Self::ClientCredentials => "Client credentials",
        }
    }

    /// Whether the user goes through the provider's consent page to connect.
    pub fn redirects(self) -> bool {
        self == Self::Oauth
    }
}

/// Whether a configuration value is set once for the provider or asked for per connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum FieldScope {
    /// Set by the admin on the provider (or per organization): every connection shares it.
    Integration,
    /// Asked for when a user connects (or passed as `config` on authorize).
    #[default]
    Installation,
}

impl FieldScope {
    pub const ALL: [Self; 2] = [Self::Installation, Self::Integration];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Integration => "integration",
            Self::Installation => "installation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Who gives the value, as the dashboard says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Integration => "Set on the provider",
            Self::Installation => "Asked when a user connects",
        }
    }
}

/// A value a provider's URLs depend on, in WorkOS's field-descriptor shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConfigField {
    pub key: String,
    pub label: String,
    pub required: bool,
    pub scope: FieldScope,
    pub description: String,
    pub example: String,
    /// A regular expression the whole value must match (anchored as `^(?:pattern)$`).
    pub pattern: String,
    /// Sealed like a token and never shown again once stored.
    pub secret: bool,
    pub default: String,
    pub order: i64,
}

/// One row of the dashboard's configuration-field editor, as typed: every value a string (or a
/// checkbox), so any row the form sends can be read and an odd one reported beside its row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigFieldInput {
    pub key: String,
    pub label: String,
    /// `installation` or `integration`.
    pub scope: String,
    /// Checkboxes: absent from a submitted form means unchecked.
    pub required: bool,
    pub secret: bool,
    pub pattern: String,
    pub example: String,
    pub default: String,
    pub description: String,
}

impl ConfigFieldInput {
    /// A declared field as its row starts out in the editor.
    pub fn from_field(f: &ConfigField) -> Self {
        Self {
            key: f.key.clone(),
            label: f.label.clone(),
            scope: f.scope.as_str().into(),
            required: f.required,
            secret: f.secret,
            pattern: f.pattern.clone(),
            example: f.example.clone(),
            default: f.default.clone(),
            description: f.description.clone(),
        }
    }

    /// A row with nothing typed in it (an "Add field" never filled, or a row emptied to remove
    /// it before the page is interactive): it declares nothing. The editor numbers its errors
    /// by the rows that are not blank, as the server does.
    pub fn is_blank(&self) -> bool {
        [&self.key, &self.label, &self.pattern, &self.example, &self.default, &self.description]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    /// The scope the row chose, or why it cannot be read (the row's error).
    pub fn scope(&self) -> Result<FieldScope, String> {
        FieldScope::parse(self.scope.trim()).ok_or_else(|| {
            format!(
                "Field {}: choose whether the value is asked when a user connects or set on the provider.",
                self.key.trim()
            )
        })
    }

    /// The field this row declares with `scope`, `order` being its place among the rows.
    pub fn to_field(&self, scope: FieldScope, order: i64) -> ConfigField {
        ConfigField {
            key: self.key.trim().to_string(),
            label: self.label.trim().to_string(),
            required: self.required,
            scope,
            description: self.description.trim().to_string(),
            example: self.example.trim().to_string(),
            pattern: self.pattern.trim().to_string(),
            secret: self.secret,
            default: self.default.trim().to_string(),
            order,
        }
    }
}

/// The longest configuration key.
pub const MAX_KEY: usize = 64;

/// Whether `key` can name a configuration field (`${config.key}`): a lowercase letter, then
/// lowercase letters, digits and underscores, at most [`MAX_KEY`] characters. The server checks
/// keys with it; the dashboard uses it to decide which rows can take a pinned value yet.
pub fn is_valid_key(key: &str) -> bool {
    key.len() <= MAX_KEY
        && key.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Where an API key goes on requests to the provider (verification, and calls made for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyPlacement {
    /// The header that carries it; empty when it goes in the query.
    pub header: String,
    /// The header value, with `${api_key}` where the key goes.
    pub format: String,
    /// The query parameter that carries it, instead of a header.
    pub query: String,
}

impl Default for KeyPlacement {
    fn default() -> Self {
        Self { header: "Authorization".into(), format: "Bearer ${api_key}".into(), query: String::new() }
    }
}

/// What the widget calls the two halves of Basic credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BasicLabels {
    pub username_label: String,
    pub password_label: String,
}

impl Default for BasicLabels {
    fn default() -> Self {
        Self { username_label: "User name".into(), password_label: "Password".into() }
    }
}

/// A request that checks a credential before it is stored: the provider must answer one of
/// `expected_statuses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verification {
    pub method: String,
    /// May hold `${config.key}` placeholders.
    pub url: String,
    pub expected_statuses: Vec<u16>,
}

impl Verification {
    pub fn is_set(&self) -> bool {
        !self.url.is_empty()
    }
}

/// How a provider is reached besides its OAuth endpoints: the methods it takes and what they
/// need. Stored as one JSON document on the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Access {
    pub auth_methods: Vec<AuthMethod>,
    pub config_fields: Vec<ConfigField>,
    /// The provider's API root, for calls made with the credential; may hold placeholders.
    pub api_base_url: String,
    /// The hosts the relay may send this provider's credential to (`api.github.com`,
    /// `*.example.com`, `${config.shop}.myshopify.com`, `host:port`). Empty: the API base URL's
    /// host only.
    pub api_hosts: Vec<String>,
    pub api_key: KeyPlacement,
    /// Where an OAuth or client-credentials token goes on calls to the API, when not
    /// `Authorization: Bearer` (Shopify's `X-Shopify-Access-Token`); `${access_token}` in the
    /// format stands for the token.
    pub token_placement: Option<KeyPlacement>,
    pub basic: BasicLabels,
    pub verification: Verification,
    /// Headers every call to the provider's API carries besides the credential (a version
    /// header such as `anthropic-version`); values may hold placeholders.
    pub api_headers: Vec<(String, String)>,
    /// Extra body parameters on every token request (Shopify's `expiring`, Auth0's
    /// `audience`); values may hold placeholders.
    pub token_parameters: Vec<(String, String)>,
    /// Values read from the token response (name → dot path) and kept on the connection, such
    /// as Salesforce's `instance_url`; later URLs read them as `${config.name}`.
    pub captures: Vec<(String, String)>,
}

impl Default for Access {
    fn default() -> Self {
        Self {
            auth_methods: vec![AuthMethod::Oauth],
            config_fields: Vec::new(),
            api_base_url: String::new(),
            api_hosts: Vec::new(),
            api_key: KeyPlacement::default(),
            token_placement: None,
            basic: BasicLabels::default(),
            verification: Verification::default(),
            api_headers: Vec::new(),
            token_parameters: Vec::new(),
            captures: Vec::new(),
        }
    }
}

impl Access {
    pub fn supports(&self, method: AuthMethod) -> bool {
        self.auth_methods.contains(&method)
    }

    /// The installation-scope fields a person connecting must be asked for: those without a
    /// pinned value, in `order`.
    pub fn fields_to_ask<'a>(&'a self, pinned: &'a [String]) -> Vec<&'a ConfigField> {
        let mut fields: Vec<&ConfigField> = self
            .config_fields
            .iter()
            .filter(|f| f.scope == FieldScope::Installation && !pinned.contains(&f.key))
            .collect();
        fields.sort_by_key(|f| f.order);
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_as_a_field_and_a_blank_one_declares_nothing() {
        let row = ConfigFieldInput {
            key: " shop ".into(),
            label: "Shop".into(),
            scope: "integration".into(),
            required: true,
            pattern: "[a-z]+".into(),
            ..Default::default()
        };
        let field = row.to_field(row.scope().unwrap(), 3);
        assert_eq!(
            (field.key.as_str(), field.scope, field.order, field.required),
            ("shop", FieldScope::Integration, 3, true)
        );
        assert_eq!(ConfigFieldInput::from_field(&field).to_field(FieldScope::Integration, 3), field);

        let odd = ConfigFieldInput { scope: "everywhere".into(), ..row };
        assert!(odd.scope().unwrap_err().contains("shop"));
        assert!(ConfigFieldInput { scope: "installation".into(), required: true, ..Default::default() }.is_blank());
        assert!(!ConfigFieldInput { description: "x".into(), ..Default::default() }.is_blank());
    }

    #[test]
    fn keys() {
        for good in ["a", "shop", "api_key2", &"k".repeat(MAX_KEY)] {
            assert!(is_valid_key(good), "{good}");
        }
        for bad in ["", "Shop", "2a", "_a", "a-b", "a b", "a]", &"k".repeat(MAX_KEY + 1)] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }
}
