//! The OAuth authorization-code entries with static endpoints (`oauth.toml`), as their providers document them.
use super::documented::*;

pub(super) fn rows() -> Vec<Documented> {
    vec![
        Documented {
            basic: true,
            pkce: false,
            ..oauth(
                "bitbucket",
                "https://bitbucket.org/site/oauth2/authorize",
                "https://bitbucket.org/site/oauth2/access_token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("clickup", "https://app.clickup.com/api", "https://api.clickup.com/api/v2/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth("monday", "https://auth.monday.com/oauth2/authorize", "https://auth.monday.com/oauth2/token")
        },
        Documented {
            basic: true,
            pkce: false,
            ..oauth(
                "pipedrive",
                "https://oauth.pipedrive.com/oauth/authorize",
                "https://oauth.pipedrive.com/oauth/token",
            )
        },
        oauth("calendly", "https://auth.calendly.com/oauth/authorize", "https://auth.calendly.com/oauth/token"),
        Documented {
            basic: true,
            ..oauth("docusign", "https://account.docusign.com/oauth/auth", "https://account.docusign.com/oauth/token")
        },
        Documented {
            basic: true,
            pkce: false,
            ..oauth(
                "xero",
                "https://login.xero.com/identity/connect/authorize",
                "https://identity.xero.com/connect/token",
            )
        },
        Documented {
            basic: true,
            pkce: false,
            ..oauth(
                "quickbooks",
                "https://appcenter.intuit.com/connect/oauth2",
                "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            )
        },
        Documented {
            json: true,
            pkce: false,
            ..oauth(
                "square",
                "https://connect.squareup.com/oauth2/authorize",
                "https://connect.squareup.com/oauth2/token",
            )
        },
        Documented {
            basic: true,
            pkce: false,
            extra: &[("flowEntry", "static")],
            ..oauth(
                "paypal-login",
                "https://www.paypal.com/signin/authorize",
                "https://api-m.paypal.com/v1/oauth2/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth(
                "mailchimp",
                "https://login.mailchimp.com/oauth2/authorize",
                "https://login.mailchimp.com/oauth2/token",
            )
        },
        Documented {
            basic: true,
            pkce: false,
            ..oauth(
                "constant-contact",
                "https://authz.constantcontact.com/oauth2/default/v1/authorize",
                "https://authz.constantcontact.com/oauth2/default/v1/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("typeform", "https://api.typeform.com/oauth/authorize", "https://api.typeform.com/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth("miro", "https://miro.com/oauth/authorize", "https://api.miro.com/v1/oauth/token")
        },
        Documented {
            basic: true,
            ..oauth("canva", "https://www.canva.com/api/oauth/authorize", "https://api.canva.com/rest/v1/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth("webflow", "https://webflow.com/oauth/authorize", "https://api.webflow.com/oauth/access_token")
        },
        Documented {
            pkce: false,
            separator: ",",
            ..oauth("wrike", "https://login.wrike.com/oauth2/authorize/v4", "https://login.wrike.com/oauth2/token")
        },
        Documented {
            pkce: false,
            ..oauth("smartsheet", "https://app.smartsheet.com/b/authorize", "https://api.smartsheet.com/2.0/token")
        },
        Documented {
            pkce: false,
            separator: ",",
            ..oauth("todoist", "https://todoist.com/oauth/authorize", "https://todoist.com/oauth/access_token")
        },
        Documented {
            pkce: false,
            ..oauth("twitch", "https://id.twitch.tv/oauth2/authorize", "https://id.twitch.tv/oauth2/token")
        },
        Documented {
            basic: true,
            pkce: false,
            separator: ",",
            extra: &[("duration", "permanent")],
            ..oauth("reddit", "https://www.reddit.com/api/v1/authorize", "https://www.reddit.com/api/v1/access_token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "linkedin",
                "https://www.linkedin.com/oauth/v2/authorization",
                "https://www.linkedin.com/oauth/v2/accessToken",
            )
        },
        Documented {
            pkce: false,
            separator: ",",
            ..oauth(
                "facebook",
                "https://www.facebook.com/v24.0/dialog/oauth",
                "https://graph.facebook.com/v24.0/oauth/access_token",
            )
        },
        Documented {
            basic: true,
            pkce: false,
            separator: ",",
            ..oauth("pinterest", "https://www.pinterest.com/oauth/", "https://api.pinterest.com/v5/oauth/token")
        },
        Documented {
            pkce: false,
            separator: ",",
            ..oauth("strava", "https://www.strava.com/oauth/authorize", "https://www.strava.com/oauth/token")
        },
        Documented {
            basic: true,
            ..oauth("fitbit", "https://www.fitbit.com/oauth2/authorize", "https://api.fitbit.com/oauth2/token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "digitalocean-oauth",
                "https://cloud.digitalocean.com/v1/oauth/authorize",
                "https://cloud.digitalocean.com/v1/oauth/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("heroku", "https://id.heroku.com/oauth/authorize", "https://id.heroku.com/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "pagerduty-oauth",
                "https://identity.pagerduty.com/oauth/authorize",
                "https://identity.pagerduty.com/oauth/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("gusto", "https://api.gusto.com/oauth/authorize", "https://api.gusto.com/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "brex",
                "https://accounts-api.brex.com/oauth2/default/v1/authorize",
                "https://accounts-api.brex.com/oauth2/default/v1/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("outreach", "https://api.outreach.io/oauth/authorize", "https://api.outreach.io/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "salesloft",
                "https://accounts.salesloft.com/oauth/authorize",
                "https://accounts.salesloft.com/oauth/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("close", "https://app.close.com/oauth2/authorize/", "https://api.close.com/oauth2/token/")
        },
        Documented {
            pkce: false,
            ..oauth("attio", "https://app.attio.com/authorize", "https://app.attio.com/oauth/token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "stripe-connect",
                "https://connect.stripe.com/oauth/authorize",
                "https://connect.stripe.com/oauth/token",
            )
        },
        Documented {
            extra: &[("access_type", "offline"), ("prompt", "consent")],
            ..oauth("youtube", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token")
        },
        Documented {
            basic: true,
            json: true,
            pkce: false,
            ..oauth("vimeo", "https://api.vimeo.com/oauth/authorize", "https://api.vimeo.com/oauth/access_token")
        },
        Documented {
            pkce: false,
            ..oauth(
                "deviantart",
                "https://www.deviantart.com/oauth2/authorize",
                "https://www.deviantart.com/oauth2/token",
            )
        },
        Documented {
            pkce: false,
            ..oauth("patreon", "https://www.patreon.com/oauth2/authorize", "https://www.patreon.com/api/oauth2/token")
        },
    ]
}
