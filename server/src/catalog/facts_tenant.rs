//! The per-tenant OAuth entries (`tenant.toml`: shops, subdomains, self-hosted servers, realms, accounts, data centres), as their providers document them.
use super::documented::*;

pub(super) fn rows() -> Vec<Documented> {
    vec![
        Documented {
            pkce: false,
            separator: ",",
            fields: &[("shop", "installation")],
            sample: &[("shop", "acme")],
            ..oauth(
                "shopify",
                "https://acme.myshopify.com/admin/oauth/authorize",
                "https://acme.myshopify.com/admin/oauth/access_token",
            )
        },
        Documented {
            json: true,
            fields: &[("subdomain", "installation")],
            sample: &[("subdomain", "acme")],
            ..oauth(
                "zendesk",
                "https://acme.zendesk.com/oauth/authorizations/new",
                "https://acme.zendesk.com/oauth/tokens",
            )
        },
        Documented {
            basic: true,
            fields: &[("domain", "integration")],
            sample: &[("domain", "acme.okta.com")],
            ..oauth("okta", "https://acme.okta.com/oauth2/v1/authorize", "https://acme.okta.com/oauth2/v1/token")
        },
        Documented {
            fields: &[("domain", "integration")],
            sample: &[("domain", "acme.us.auth0.com")],
            ..oauth("auth0", "https://acme.us.auth0.com/authorize", "https://acme.us.auth0.com/oauth/token")
        },
        Documented {
            pkce: false,
            fields: &[("instance", "integration")],
            sample: &[("instance", "acme")],
            ..oauth(
                "servicenow",
                "https://acme.service-now.com/oauth_auth.do",
                "https://acme.service-now.com/oauth_token.do",
            )
        },
        Documented {
            basic: true,
            fields: &[("account", "integration")],
            sample: &[("account", "myorg-myaccount")],
            ..oauth(
                "snowflake",
                "https://myorg-myaccount.snowflakecomputing.com/oauth/authorize",
                "https://myorg-myaccount.snowflakecomputing.com/oauth/token-request",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "gitlab.example.com")],
            ..oauth(
                "gitlab-self-managed",
                "https://gitlab.example.com/oauth/authorize",
                "https://gitlab.example.com/oauth/token",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "jira.example.com")],
            ..oauth(
                "jira-data-center",
                "https://jira.example.com/rest/oauth2/latest/authorize",
                "https://jira.example.com/rest/oauth2/latest/token",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "confluence.example.com")],
            ..oauth(
                "confluence-data-center",
                "https://confluence.example.com/rest/oauth2/latest/authorize",
                "https://confluence.example.com/rest/oauth2/latest/token",
            )
        },
        Documented {
            fields: &[("host", "integration"), ("realm", "integration")],
            sample: &[("host", "sso.example.com"), ("realm", "acme")],
            ..oauth(
                "keycloak",
                "https://sso.example.com/realms/acme/protocol/openid-connect/auth",
                "https://sso.example.com/realms/acme/protocol/openid-connect/token",
            )
        },
        Documented {
            fields: &[("tenant", "integration")],
            sample: &[("tenant", "contoso.onmicrosoft.com")],
            ..oauth(
                "microsoft-entra-tenant",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            )
        },
        Documented {
            pkce: false,
            separator: ",",
            extra: &[("access_type", "offline"), ("prompt", "consent")],
            fields: &[("region", "installation")],
            sample: &[("region", "eu")],
            ..oauth("zoho", "https://accounts.zoho.eu/oauth/v2/auth", "https://accounts.zoho.eu/oauth/v2/token")
        },
        Documented {
            fields: &[("instance", "integration")],
            sample: &[("instance", "mastodon.social")],
            ..oauth("mastodon", "https://mastodon.social/oauth/authorize", "https://mastodon.social/oauth/token")
        },
        Documented {
            pkce: false,
            fields: &[("host", "integration")],
            sample: &[("host", "cloud.example.com")],
            ..oauth(
                "nextcloud",
                "https://cloud.example.com/apps/oauth2/authorize",
                "https://cloud.example.com/apps/oauth2/api/v1/token",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "gitea.example.com")],
            ..oauth(
                "gitea",
                "https://gitea.example.com/login/oauth/authorize",
                "https://gitea.example.com/login/oauth/access_token",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "codeberg.org")],
            ..oauth(
                "forgejo",
                "https://codeberg.org/login/oauth/authorize",
                "https://codeberg.org/login/oauth/access_token",
            )
        },
        Documented {
            basic: true,
            fields: &[("account_id", "installation")],
            sample: &[("account_id", "1234567")],
            ..oauth(
                "netsuite",
                "https://1234567.app.netsuite.com/app/login/oauth2/authorize.nl",
                "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            )
        },
        Documented {
            fields: &[("my_domain", "installation")],
            sample: &[("my_domain", "acme")],
            ..oauth(
                "salesforce-my-domain",
                "https://acme.my.salesforce.com/services/oauth2/authorize",
                "https://acme.my.salesforce.com/services/oauth2/token",
            )
        },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "chat.example.com")],
            ..oauth(
                "mattermost",
                "https://chat.example.com/oauth/authorize",
                "https://chat.example.com/oauth/access_token",
            )
        },
        Documented {
            pkce: false,
            fields: &[("host", "integration")],
            sample: &[("host", "canvas.example.edu")],
            ..oauth(
                "canvas-lms",
                "https://canvas.example.edu/login/oauth2/auth",
                "https://canvas.example.edu/login/oauth2/token",
            )
        },
    ]
}
