//! The catalog of built-in providers, kept as data in `server/catalog/providers.toml` and compiled
//! into the binary. A provider enabled from the catalog takes its endpoints and OAuth settings
//! from its entry every time it is loaded, so a corrected entry reaches existing providers.

use crate::providers::Provider;
use app::model::{AuthenticateVia, CatalogScope, ResponsePaths, TokenBodyType};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CATALOG: &str = include_str!("../catalog/providers.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokens {
    Rotating,
    Reusable,
    Optional,
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub docs_url: String,
    pub authorization_url: String,
    pub token_url: String,
    #[serde(default)]
    pub refresh_token_url: String,
    /// RFC 7009 revocation endpoint, for providers that document one.
    #[serde(default)]
    pub revocation_url: String,
    pub scope_separator: String,
    #[serde(default = "default_scope_parameter")]
    pub scope_parameter: String,
    pub authenticate_via: AuthenticateVia,
    pub token_body_content_type: TokenBodyType,
    pub pkce: bool,
    pub refresh_tokens: RefreshTokens,
    #[serde(default)]
    pub default_scopes: Vec<String>,
    #[serde(default)]
    pub authorization_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub token_request_headers: BTreeMap<String, String>,
    #[serde(default)]
    pub token_response: ResponsePaths,
    #[serde(default)]
    pub scopes: Vec<CatalogScope>,
}

fn default_scope_parameter() -> String {
    "scope".into()
}

#[derive(Deserialize)]
struct CatalogFile {
    provider: Vec<CatalogEntry>,
}

/// Every catalog entry, in file order.
pub fn entries() -> &'static [CatalogEntry] {
    static ENTRIES: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        // The file is part of the binary and checked by the tests below, so a parse failure is
        // a build defect, not an input error.
        toml::from_str::<CatalogFile>(CATALOG).expect("server/catalog/providers.toml is valid").provider
    })
}

pub fn entry(slug: &str) -> Option<&'static CatalogEntry> {
    entries().iter().find(|e| e.slug == slug)
}

impl CatalogEntry {
    /// Writes this entry's endpoints and OAuth settings onto a provider enabled from it.
    pub fn apply_to(&self, p: &mut Provider) {
        p.authorization_url = self.authorization_url.clone();
        p.token_url = self.token_url.clone();
        p.refresh_token_url = self.refresh_token_url.clone();
        p.revocation_url = self.revocation_url.clone();
        p.scope_separator = self.scope_separator.clone();
        p.scope_parameter = self.scope_parameter.clone();
        p.scopes_required = false;
        p.client_secret_required = true;
        p.pkce_enabled = self.pkce;
        p.authenticate_via = self.authenticate_via;
        p.token_body = self.token_body_content_type;
        p.authorization_parameters = self.authorization_parameters.clone().into_iter().collect();
        p.token_request_headers = self.token_request_headers.clone().into_iter().collect();
        p.token_response_paths = self.token_response.clone();
    }
}

/// Loads a provider's catalog settings onto it, when it came from the catalog.
pub fn refresh(provider: &mut Provider) {
    if let Some(entry) = provider.catalog_slug.as_deref().and_then(entry) {
        entry.apply_to(provider);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{self, AuthorizationRequest, Client};
    use oauth2::RefreshToken;

    #[test]
    fn every_entry_is_complete_and_well_formed() {
        let all = entries();
        assert!(all.len() >= 20);
        let mut slugs: Vec<&str> = all.iter().map(|e| e.slug.as_str()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), all.len(), "slugs are unique");
        for e in all {
            assert!(crate::providers::is_valid_slug(&e.slug), "{}", e.slug);
            for url in [&e.authorization_url, &e.token_url, &e.docs_url] {
                assert!(url.starts_with("https://") && url::Url::parse(url).is_ok(), "{}: {url}", e.slug);
            }
            assert!(e.refresh_token_url.is_empty() || e.refresh_token_url.starts_with("https://"), "{}", e.slug);
            assert!([" ", ",", "+"].contains(&e.scope_separator.as_str()), "{}", e.slug);
            assert!(!e.name.is_empty() && !e.description.is_empty(), "{}", e.slug);
            let names: Vec<&str> = e.scopes.iter().map(|s| s.name.as_str()).collect();
            for s in &e.default_scopes {
                assert!(names.contains(&s.as_str()), "{}: default scope {s} is described", e.slug);
            }
            for s in &e.scopes {
                assert!(
                    {
                        use crate::provider_rules::check_scopes;
                        use crate::provider_settings::split_scopes;
                        check_scopes(&split_scopes(&s.name)).unwrap() == [s.name.clone()]
                    },
                    "{}: {}",
                    e.slug,
                    s.name
                );
                assert!(!s.description.is_empty(), "{}: {}", e.slug, s.name);
            }
            for k in e.authorization_parameters.keys() {
                assert!(!["scope", "state", "client_id", "redirect_uri", "response_type"].contains(&k.as_str()));
            }
        }
    }

    #[test]
    fn the_issue_names_are_all_present() {
        for slug in [
            "github",
            "gitlab",
            "google",
            "microsoft",
            "slack",
            "salesforce",
            "hubspot",
            "notion",
            "linear",
            "atlassian",
            "dropbox",
            "box",
            "zoom",
            "airtable",
            "figma",
            "asana",
            "discord",
            "x",
            "intercom",
            "spotify",
        ] {
            assert!(entry(slug).is_some(), "{slug}");
        }
    }

    /// What each provider documents, restated here independently of the data file, and checked
    /// against the requests Plumb builds from the entry.
    struct Documented {
        slug: &'static str,
        authorize: &'static str,
        token: &'static str,
        refresh: &'static str,
        basic: bool,
        json: bool,
        pkce: bool,
        scope_parameter: &'static str,
        separator: &'static str,
        extra: &'static [(&'static str, &'static str)],
        header: Option<(&'static str, &'static str)>,
    }

    const fn doc(slug: &'static str, authorize: &'static str, token: &'static str) -> Documented {
        Documented {
            slug,
            authorize,
            token,
            refresh: token,
            basic: false,
            json: false,
            pkce: true,
            scope_parameter: "scope",
            separator: " ",
            extra: &[],
            header: None,
        }
    }

    fn documented() -> Vec<Documented> {
        vec![
            doc("github", "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token"),
            doc("gitlab", "https://gitlab.com/oauth/authorize", "https://gitlab.com/oauth/token"),
            Documented {
                extra: &[("access_type", "offline"), ("prompt", "consent")],
                ..doc("google", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token")
            },
            doc(
                "microsoft",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            ),
            Documented {
                basic: true,
                pkce: false,
                scope_parameter: "user_scope",
                separator: ",",
                ..doc("slack", "https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access")
            },
            doc(
                "salesforce",
                "https://login.salesforce.com/services/oauth2/authorize",
                "https://login.salesforce.com/services/oauth2/token",
            ),
            doc("hubspot", "https://app.hubspot.com/oauth/authorize", "https://api.hubapi.com/oauth/2026-03/token"),
            Documented {
                basic: true,
                json: true,
                pkce: false,
                extra: &[("owner", "user")],
                header: Some(("Notion-Version", "2022-06-28")),
                ..doc("notion", "https://api.notion.com/v1/oauth/authorize", "https://api.notion.com/v1/oauth/token")
            },
            Documented {
                separator: ",",
                ..doc("linear", "https://linear.app/oauth/authorize", "https://api.linear.app/oauth/token")
            },
            Documented {
                json: true,
                pkce: false,
                extra: &[("audience", "api.atlassian.com"), ("prompt", "consent")],
                ..doc("atlassian", "https://auth.atlassian.com/authorize", "https://auth.atlassian.com/oauth/token")
            },
            Documented {
                basic: true,
                extra: &[("token_access_type", "offline")],
                ..doc("dropbox", "https://www.dropbox.com/oauth2/authorize", "https://api.dropboxapi.com/oauth2/token")
            },
            Documented {
                pkce: false,
                ..doc("box", "https://account.box.com/api/oauth2/authorize", "https://api.box.com/oauth2/token")
            },
            Documented { basic: true, ..doc("zoom", "https://zoom.us/oauth/authorize", "https://zoom.us/oauth/token") },
            Documented {
                basic: true,
                ..doc("airtable", "https://airtable.com/oauth2/v1/authorize", "https://airtable.com/oauth2/v1/token")
            },
            Documented {
                basic: true,
                separator: ",",
                refresh: "https://api.figma.com/v1/oauth/refresh",
                ..doc("figma", "https://www.figma.com/oauth", "https://api.figma.com/v1/oauth/token")
            },
            doc("asana", "https://app.asana.com/-/oauth_authorize", "https://app.asana.com/-/oauth_token"),
            Documented {
                basic: true,
                ..doc("discord", "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token")
            },
            Documented {
                basic: true,
                ..doc("x", "https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token")
            },
            Documented {
                pkce: false,
                ..doc("intercom", "https://app.intercom.com/oauth", "https://api.intercom.io/auth/eagle/token")
            },
            Documented {
                basic: true,
                ..doc("spotify", "https://accounts.spotify.com/authorize", "https://accounts.spotify.com/api/token")
            },
        ]
    }

    #[test]
    fn requests_match_what_each_provider_documents() {
        let table = documented();
        assert_eq!(table.len(), entries().len(), "every catalog entry has a documented row");
        for d in table {
            let e = entry(d.slug).unwrap_or_else(|| panic!("{} is in the catalog", d.slug));
            let scopes: Vec<String> =
                if e.default_scopes.len() >= 2 { e.default_scopes.clone() } else { vec!["one".into(), "two".into()] };
            let extra: Vec<(String, String)> = e.authorization_parameters.clone().into_iter().collect();
            let auth = AuthorizationRequest {
                authorization_url: &e.authorization_url,
                client_id: "cid",
                redirect_uri: "https://plumb.example/oauth/callback",
                scopes: &scopes,
                scope_separator: &e.scope_separator,
                scope_parameter: &e.scope_parameter,
                extra: &extra,
                state: "st",
                code_challenge: e.pkce.then_some("ch"),
            }
            .url()
            .unwrap();
            let query: Vec<(String, String)> = auth.query_pairs().into_owned().collect();
            let get = |k: &str| query.iter().find(|(q, _)| q == k).map(|(_, v)| v.as_str());
            assert_eq!(auth.as_str().split('?').next().unwrap(), d.authorize, "{}", d.slug);
            assert_eq!(
                get(d.scope_parameter),
                Some(scopes.join(if d.separator == "," { "," } else { " " }).as_str()),
                "{}",
                d.slug
            );
            if d.scope_parameter != "scope" {
                assert_eq!(get("scope"), None, "{}", d.slug);
            }
            assert_eq!(get("code_challenge_method"), d.pkce.then_some("S256"), "{}", d.slug);
            for (k, v) in d.extra {
                assert_eq!(get(k), Some(*v), "{}: {k}", d.slug);
            }
            assert_eq!(extra.len(), d.extra.len(), "{}: no undocumented parameters", d.slug);

            let headers: Vec<(String, String)> = e.token_request_headers.clone().into_iter().collect();
            let client = Client {
                client_id: "cid",
                client_secret: Some("secret"),
                authenticate_via: e.authenticate_via,
                body: e.token_body_content_type,
                headers: &headers,
                paths: &e.token_response,
            };
            let refresh_url = if e.refresh_token_url.is_empty() { &e.token_url } else { &e.refresh_token_url };
            let exchange =
                oauth::exchange_request(&client, &e.token_url, "code", "https://plumb.example/oauth/callback", None);
            let refresh = oauth::refresh_request(&client, refresh_url, &RefreshToken::new("rt".into()));
            assert_eq!(exchange.url, d.token, "{}", d.slug);
            assert_eq!(refresh.url, d.refresh, "{}", d.slug);
            for r in [&exchange, &refresh] {
                let fields = r.fields();
                let has_secret_in_body = fields.iter().any(|(k, v)| k == "client_secret" && v == "secret");
                assert_eq!(r.header("Authorization").is_some(), d.basic, "{}", d.slug);
                assert_eq!(has_secret_in_body, !d.basic, "{}", d.slug);
                let content_type = if d.json { "application/json" } else { "application/x-www-form-urlencoded" };
                assert_eq!(r.header("Content-Type"), Some(content_type), "{}", d.slug);
                assert_eq!(r.header("Accept"), Some("application/json"), "{}", d.slug);
                if let Some((name, value)) = d.header {
                    assert_eq!(r.header(name), Some(value), "{}", d.slug);
                }
            }
            assert!(exchange.fields().contains(&("grant_type".into(), "authorization_code".into())));
            assert!(refresh.fields().contains(&("refresh_token".into(), "rt".into())));
        }
    }

    #[test]
    fn applying_an_entry_sets_its_settings_on_a_provider() {
        let slack = entry("slack").unwrap();
        let mut p = Provider::new(&"env_sandbox".into(), "p1".into(), "slack".into(), 0);
        p.catalog_slug = Some("slack".into());
        refresh(&mut p);
        assert_eq!(p.scope_parameter, "user_scope");
        assert_eq!(p.authenticate_via, AuthenticateVia::BasicAuthHeader);
        assert_eq!(p.token_response_paths.access_token, "authed_user.access_token");
        assert_eq!(p.token_url, slack.token_url);
    }
}
