//! The first twenty catalog entries (`providers.toml`), as their providers document them.
use super::documented::*;

pub(super) fn rows() -> Vec<Documented> {
    vec![
        oauth("github", "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token"),
        oauth("gitlab", "https://gitlab.com/oauth/authorize", "https://gitlab.com/oauth/token"),
        Documented {
            extra: &[("access_type", "offline"), ("prompt", "consent")],
            ..oauth("google", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token")
        },
        oauth(
            "microsoft",
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        ),
        Documented {
            basic: true,
            pkce: false,
            scope_parameter: "user_scope",
            separator: ",",
            ..oauth("slack", "https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access")
        },
        oauth(
            "salesforce",
            "https://login.salesforce.com/services/oauth2/authorize",
            "https://login.salesforce.com/services/oauth2/token",
        ),
        oauth("hubspot", "https://app.hubspot.com/oauth/authorize", "https://api.hubapi.com/oauth/2026-03/token"),
        Documented {
            basic: true,
            json: true,
            pkce: false,
            extra: &[("owner", "user")],
            header: Some(("Notion-Version", "2022-06-28")),
            ..oauth("notion", "https://api.notion.com/v1/oauth/authorize", "https://api.notion.com/v1/oauth/token")
        },
        Documented {
            separator: ",",
            ..oauth("linear", "https://linear.app/oauth/authorize", "https://api.linear.app/oauth/token")
        },
        Documented {
            json: true,
            pkce: false,
            extra: &[("audience", "api.atlassian.com"), ("prompt", "consent")],
            ..oauth("atlassian", "https://auth.atlassian.com/authorize", "https://auth.atlassian.com/oauth/token")
        },
        Documented {
            basic: true,
            extra: &[("token_access_type", "offline")],
            ..oauth("dropbox", "https://www.dropbox.com/oauth2/authorize", "https://api.dropboxapi.com/oauth2/token")
        },
        Documented {
            pkce: false,
            ..oauth("box", "https://account.box.com/api/oauth2/authorize", "https://api.box.com/oauth2/token")
        },
        Documented { basic: true, ..oauth("zoom", "https://zoom.us/oauth/authorize", "https://zoom.us/oauth/token") },
        Documented {
            basic: true,
            ..oauth("airtable", "https://airtable.com/oauth2/v1/authorize", "https://airtable.com/oauth2/v1/token")
        },
        Documented {
            basic: true,
            separator: ",",
            refresh: "https://api.figma.com/v1/oauth/refresh",
            ..oauth("figma", "https://www.figma.com/oauth", "https://api.figma.com/v1/oauth/token")
        },
        oauth("asana", "https://app.asana.com/-/oauth_authorize", "https://app.asana.com/-/oauth_token"),
        Documented {
            basic: true,
            ..oauth("discord", "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token")
        },
        Documented {
            basic: true,
            ..oauth("x", "https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token")
        },
        Documented {
            pkce: false,
            ..oauth("intercom", "https://app.intercom.com/oauth", "https://api.intercom.io/auth/eagle/token")
        },
        Documented {
            basic: true,
            ..oauth("spotify", "https://accounts.spotify.com/authorize", "https://accounts.spotify.com/api/token")
        },
    ]
}
