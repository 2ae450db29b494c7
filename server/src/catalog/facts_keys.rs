//! The API-key, Basic and client-credentials entries (`keys.toml`), as their providers document them.
use super::documented::*;

pub(super) fn rows() -> Vec<Documented> {
    vec![
        // API keys
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.openai.com/v1/models", 200)),
            ..key("openai")
        },
        Documented {
            api_key: Some(("x-api-key", "KEY")),
            verify: Some(("GET", "https://api.anthropic.com/v1/models", 200)),
            ..key("anthropic")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.mistral.ai/v1/models", 200)),
            ..key("mistral")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.cohere.com/v1/models", 200)),
            ..key("cohere")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.groq.com/openai/v1/models", 200)),
            ..key("groq")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://huggingface.co/api/whoami-v2", 200)),
            ..key("huggingface")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.replicate.com/v1/account", 200)),
            ..key("replicate")
        },
        Documented {
            api_key: Some(("Api-Key", "KEY")),
            verify: Some(("GET", "https://api.pinecone.io/indexes", 200)),
            ..key("pinecone")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.stripe.com/v1/balance", 200)),
            ..key("stripe")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.sendgrid.com/v3/scopes", 200)),
            ..key("sendgrid")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.resend.com/domains", 200)),
            ..key("resend")
        },
        Documented {
            api_key: Some(("X-Postmark-Server-Token", "KEY")),
            verify: Some(("GET", "https://api.postmarkapp.com/server", 200)),
            ..key("postmark")
        },
        Documented {
            api_key: Some(("api-key", "KEY")),
            verify: Some(("GET", "https://api.brevo.com/v3/account", 200)),
            ..key("brevo")
        },
        Documented {
            api_key: Some(("Authorization", "Klaviyo-API-Key KEY")),
            verify: Some(("GET", "https://a.klaviyo.com/api/accounts/", 200)),
            ..key("klaviyo")
        },
        Documented {
            fields: &[("site", "integration")],
            sample: &[("site", "datadoghq.eu")],
            api_key: Some(("DD-API-KEY", "KEY")),
            verify: Some(("GET", "https://api.datadoghq.eu/api/v1/validate", 200)),
            ..key("datadog")
        },
        Documented {
            api_key: Some(("Authorization", "Token token=KEY")),
            verify: Some(("GET", "https://api.pagerduty.com/abilities", 200)),
            ..key("pagerduty")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.cloudflare.com/client/v4/user/tokens/verify", 200)),
            ..key("cloudflare")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.digitalocean.com/v2/account", 200)),
            ..key("digitalocean")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.vercel.com/v2/user", 200)),
            ..key("vercel")
        },
        Documented {
            fields: &[("host", "installation")],
            sample: &[("host", "de.sentry.io")],
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://de.sentry.io/api/0/organizations/", 200)),
            ..key("sentry")
        },
        // Personal API keys go without "Bearer"; GraphQL only, so no GET to verify with.
        Documented { api_key: Some(("Authorization", "KEY")), ..key("linear-api-key") },
        Documented {
            fields: &[("host", "installation")],
            sample: &[("host", "eu.posthog.com")],
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://eu.posthog.com/api/users/@me/", 200)),
            ..key("posthog")
        },
        Documented {
            fields: &[("app_id", "installation")],
            sample: &[("app_id", "LATENCY")],
            api_key: Some(("X-Algolia-API-Key", "KEY")),
            verify: Some(("GET", "https://latency.algolia.net/1/indexes?x-algolia-application-id=LATENCY", 200)),
            ..key("algolia")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.lemonsqueezy.com/v1/users/me", 200)),
            ..key("lemon-squeezy")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.airtable.com/v0/meta/whoami", 200)),
            ..key("airtable-token")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.notion.com/v1/users/me", 200)),
            ..key("notion-token")
        },
        Documented {
            api_key: Some(("Authorization", "Bearer KEY")),
            verify: Some(("GET", "https://api.github.com/user", 200)),
            ..key("github-token")
        },
        // HTTP Basic
        Documented { verify: Some(("GET", "https://api.twilio.com/2010-04-01/Accounts.json", 200)), ..basic("twilio") },
        Documented {
            fields: &[("host", "installation")],
            sample: &[("host", "api.eu.mailgun.net")],
            verify: Some(("GET", "https://api.eu.mailgun.net/v4/domains", 200)),
            ..basic("mailgun")
        },
        Documented {
            fields: &[("domain", "installation")],
            sample: &[("domain", "acme")],
            verify: Some(("GET", "https://acme.freshdesk.com/api/v2/agents/me", 200)),
            ..basic("freshdesk")
        },
        Documented {
            fields: &[("site", "installation")],
            sample: &[("site", "acme")],
            verify: Some(("GET", "https://acme.atlassian.net/rest/api/3/myself", 200)),
            ..basic("jira-cloud-token")
        },
        Documented {
            fields: &[("site", "installation")],
            sample: &[("site", "acme-test")],
            verify: Some(("GET", "https://acme-test.chargebee.com/api/v2/customers?limit=1", 200)),
            ..basic("chargebee")
        },
        // OAuth 2.0 client credentials
        Documented { basic: true, ..client_credentials("paypal", "https://api-m.paypal.com/v1/oauth2/token") },
        client_credentials("twitch-app", "https://id.twitch.tv/oauth2/token"),
        Documented { basic: true, ..client_credentials("ebay", "https://api.ebay.com/identity/v1/oauth2/token") },
        Documented {
            fields: &[("host", "integration")],
            sample: &[("host", "test.api.amadeus.com")],
            ..client_credentials("amadeus", "https://test.api.amadeus.com/v1/security/oauth2/token")
        },
        Documented {
            fields: &[("tenant", "installation")],
            sample: &[("tenant", "contoso.onmicrosoft.com")],
            ..client_credentials(
                "microsoft-graph-app",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            )
        },
        Documented {
            basic: true,
            fields: &[("domain", "integration"), ("authorization_server", "integration")],
            sample: &[("domain", "acme.okta.com"), ("authorization_server", "default")],
            ..client_credentials("okta-service", "https://acme.okta.com/oauth2/default/v1/token")
        },
        Documented {
            fields: &[("domain", "integration"), ("audience", "integration")],
            sample: &[("domain", "acme.us.auth0.com"), ("audience", "https://api.acme.test")],
            ..client_credentials("auth0-m2m", "https://acme.us.auth0.com/oauth/token")
        },
        Documented { basic: true, ..client_credentials("spotify-app", "https://accounts.spotify.com/api/token") },
        Documented {
            fields: &[("my_domain", "integration")],
            sample: &[("my_domain", "acme.my.salesforce.com")],
            ..client_credentials(
                "salesforce-client-credentials",
                "https://acme.my.salesforce.com/services/oauth2/token",
            )
        },
    ]
}
