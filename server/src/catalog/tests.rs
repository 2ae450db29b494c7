use super::documented::{self, Documented};
use super::*;
use crate::config_fields;

fn documented_rows() -> Vec<Documented> {
    let mut rows = super::facts_core::rows();
    rows.extend(more_rows());
    rows
}

/// The rows of the other catalog files.
fn more_rows() -> Vec<Documented> {
    let mut rows = super::facts_oauth::rows();
    rows.extend(super::facts_tenant::rows());
    rows.extend(super::facts_keys::rows());
    rows
}

/// A URL template with its placeholders filled with a plausible value, to check its shape.
fn sample_url(e: &CatalogEntry, template: &str) -> String {
    let values = e
        .config_fields
        .iter()
        .map(|f| f.key.clone())
        .chain(e.captures.keys().cloned())
        .map(|k| {
            // A placeholder that opens the template stands for a whole origin.
            let value =
                if template.starts_with(&format!("${{config.{k}}}")) { "https://acme.example.com" } else { "acme" };
            (k, value.to_string())
        })
        .collect();
    crate::templates::url(template, &values).unwrap_or_else(|err| panic!("{}: {template}: {err}", e.slug))
}

#[test]
fn every_entry_is_complete_and_well_formed() {
    let all = entries();
    assert!(all.len() >= 100, "the catalog has {} entries", all.len());
    let mut slugs: Vec<&str> = all.iter().map(|e| e.slug.as_str()).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), all.len(), "slugs are unique");
    for e in all {
        assert!(crate::providers::is_valid_slug(&e.slug), "{}", e.slug);
        assert!(CATEGORIES.iter().any(|(c, _)| *c == e.category), "{}: category {}", e.slug, e.category);
        assert!(!e.auth_methods.is_empty(), "{}", e.slug);
        let access = e.access();
        config_fields::check_access(&access).unwrap_or_else(|err| panic!("{}: {err:?}", e.slug));
        let oauth = e.auth_methods.contains(&AuthMethod::Oauth);
        let grant = e.auth_methods.contains(&AuthMethod::ClientCredentials);
        let mut urls = vec![e.docs_url.clone()];
        if oauth {
            urls.push(sample_url(e, &e.authorization_url));
        }
        if oauth || grant {
            urls.push(sample_url(e, &e.token_url));
        } else {
            assert!(e.token_url.is_empty() && e.authorization_url.is_empty(), "{}: no OAuth endpoints", e.slug);
        }
        for template in [&e.refresh_token_url, &e.revocation_url, &e.api_base_url, &e.verification.url] {
            if !template.is_empty() {
                urls.push(sample_url(e, template));
            }
        }
        for url in &urls {
            assert!(url.starts_with("https://") && url::Url::parse(url).is_ok(), "{}: {url}", e.slug);
        }
        for template in [&e.authorization_url, &e.token_url, &e.refresh_token_url, &e.revocation_url, &e.api_base_url]
            .into_iter()
            .chain(e.authorization_parameters.values())
            .chain(e.token_request_headers.values())
        {
            config_fields::check_template(&access, &e.slug, template).unwrap_or_else(|err| panic!("{err:?}"));
        }
        assert!([" ", ",", "+"].contains(&e.scope_separator.as_str()), "{}", e.slug);
        assert!(!e.name.is_empty() && !e.description.is_empty(), "{}", e.slug);
        let names: Vec<&str> = e.scopes.iter().map(|s| s.name.as_str()).collect();
        for s in &e.default_scopes {
            assert!(names.contains(&s.as_str()), "{}: default scope {s} is described", e.slug);
        }
        for s in &e.scopes {
            use crate::provider_rules::check_scopes;
            use crate::provider_settings::split_scopes;
            assert!(check_scopes(&split_scopes(&s.name)).unwrap() == [s.name.clone()], "{}: {}", e.slug, s.name);
            assert!(!s.description.is_empty(), "{}: {}", e.slug, s.name);
        }
        for k in e.authorization_parameters.keys() {
            assert!(!["scope", "state", "client_id", "redirect_uri", "response_type"].contains(&k.as_str()));
        }
        for f in &e.config_fields {
            assert!(!f.description.is_empty() && !f.example.is_empty(), "{}: {} is explained", e.slug, f.key);
            if !f.pattern.is_empty() {
                assert!(
                    config_fields::check_pinned(&e.config_fields, &[(f.key.clone(), f.example.clone())].into()).is_ok(),
                    "{}: the example of {} matches its pattern",
                    e.slug,
                    f.key
                );
            }
        }
    }
}

#[test]
fn every_entry_has_an_icon_that_is_only_a_drawing() {
    for e in entries() {
        let bytes = icon(&e.slug).unwrap_or_else(|| panic!("{} has an icon", e.slug));
        crate::icons::accept(bytes.to_vec()).unwrap_or_else(|err| panic!("{}: {err}", e.slug));
    }
    for (slug, _) in ICONS {
        assert!(entry(slug).is_some(), "icons/{slug}.svg belongs to an entry");
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
        "shopify",
        "zendesk",
        "okta",
        "servicenow",
        "snowflake",
    ] {
        assert!(entry(slug).is_some(), "{slug}");
    }
    for method in AuthMethod::ALL {
        assert!(entries().iter().any(|e| e.auth_methods.contains(&method)), "{method:?}");
    }
}

#[test]
fn requests_match_what_each_provider_documents() {
    let table = documented_rows();
    assert_eq!(table.len(), entries().len(), "every catalog entry has a documented row");
    for d in &table {
        for (_, scope) in d.fields {
            assert!(documented::is_scope(scope), "{}: {scope}", d.slug);
        }
        let e = entry(d.slug).unwrap_or_else(|| panic!("{} is in the catalog", d.slug));
        documented::check(d, e);
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
    assert_eq!(p.access.auth_methods, [AuthMethod::Oauth]);
}

#[test]
fn the_catalog_view_carries_a_versioned_icon_category_and_methods() {
    let github = entry("github").unwrap().view(Some("Plumb Cloud".into()), true);
    let version = icon_version("github").unwrap();
    assert_eq!(github.icon, format!("/icons/catalog/github?v={version}"));
    assert!(version.len() >= 8 && version.bytes().all(|b| b.is_ascii_hexdigit()), "{version}");
    assert_eq!((github.category.as_str(), github.category_label.as_str()), ("developer-tools", "Developer tools"));
    assert_eq!(github.auth_methods, [AuthMethod::Oauth]);
    assert_eq!((github.shared_app_name.as_deref(), github.enabled), (Some("Plumb Cloud"), true));
    let openai = entry("openai").unwrap().view(None, false);
    assert!(openai.auth_methods.contains(&AuthMethod::ApiKey));
    assert_eq!(openai.category_label, "AI");

    // The version follows the bytes: icons differ, so do their versions.
    assert_ne!(icon_version("github"), icon_version("gitlab"));
    assert_eq!(icon_version("no-such-entry"), None);
    assert_eq!(icon_path("no-such-entry"), None);
}

#[test]
fn the_page_offers_the_categories_that_have_entries_in_order() {
    let offered = categories();
    let order: Vec<&str> = CATEGORIES.iter().map(|(slug, _)| *slug).collect();
    let mut last = 0;
    for (slug, label) in &offered {
        let at = order.iter().position(|s| s == slug).unwrap_or_else(|| panic!("{slug} is a known category"));
        assert!(at >= last, "{slug} is in CATEGORIES order");
        last = at;
        assert_eq!(label, category_label(slug));
        assert!(entries().iter().any(|e| &e.category == slug), "{slug} has entries");
    }
    for e in entries() {
        assert!(offered.iter().any(|(slug, _)| *slug == e.category), "{}: {} is offered", e.slug, e.category);
    }
}

#[test]
fn a_catalog_provider_without_its_own_icon_shows_its_entrys() {
    use crate::icons::{provider_icon_path, IconVersion};
    let mut p = Provider::new(&"env_sandbox".into(), "p1".into(), "github".into(), 0);
    assert_eq!(provider_icon_path(&p, &[]), "", "a custom provider without an icon has none");
    p.catalog_slug = Some("github".into());
    assert_eq!(provider_icon_path(&p, &[]), icon_path("github").unwrap());
    let stored = IconVersion { provider_id: "p1".into(), source: "upload".into(), updated_at: 42 };
    assert_eq!(provider_icon_path(&p, &[stored]), "/icons/p1?v=42", "an icon of its own wins");
}

#[test]
fn relay_hosts_are_patterns_that_include_the_api_base_url() {
    for e in entries() {
        let access = e.access();
        let base = sample_url(e, &e.api_base_url);
        for host in &access.api_hosts {
            let filled =
                crate::templates::text(host, &crate::templates::Values::new()).unwrap_or_else(|_| host.clone());
            assert!(crate::relay::hosts::check_pattern(&filled).is_ok(), "{}: {host}", e.slug);
        }
        if access.api_hosts.is_empty() || e.api_base_url.is_empty() {
            continue;
        }
        let url = url::Url::parse(&base).unwrap_or_else(|_| panic!("{}: {base}", e.slug));
        assert!(crate::relay::hosts::permits(&access.api_hosts, &url), "{}: {base} is not a relay host", e.slug);
    }
}
