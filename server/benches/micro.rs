//! Micro-benchmarks of the pieces every request or connection goes through (criterion; `make
//! bench` runs them and copies the estimates into BENCHMARKS.md).

use app::model::ResponsePaths;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use server::connections::{ACCESS_TOKEN, REFRESH_TOKEN};
use server::crypto::{Aad, Cipher, KeyMaterial};
use server::oauth::{parse_token_response, AuthorizationRequest};

/// A Google-sized access token (about 200 characters) and a refresh token of about 100.
fn token_record() -> (String, String) {
    let access = format!("ya29.a0AfB_{}", "byDGx8k3LqP0vW2sYtZ9rJmN4cHfE7uXoQ1iK5aRbT6dS".repeat(4));
    let refresh = format!("1//0g{}", "Lw9XvQ2kPzR7mN3bYtH8cJ5fD1sA6eU4oI0gK".repeat(2));
    (access, refresh)
}

fn crypto(c: &mut Criterion) {
    let cipher = Cipher::from_key(KeyMaterial::generate());
    let (access, refresh) = token_record();
    let id = "conn_01JDZ8Q6V3X9M2K7R5T4W1Y0PB";
    let (access_aad, refresh_aad) =
        (Aad::new("connections", id, ACCESS_TOKEN), Aad::new("connections", id, REFRESH_TOKEN));
    c.bench_function("token record/encrypt (access + refresh token)", |b| {
        b.iter(|| {
            (
                cipher.seal(black_box(access.as_bytes()), &access_aad),
                cipher.seal(black_box(refresh.as_bytes()), &refresh_aad),
            )
        })
    });
    let sealed = (cipher.seal(access.as_bytes(), &access_aad), cipher.seal(refresh.as_bytes(), &refresh_aad));
    c.bench_function("token record/decrypt (access + refresh token)", |b| {
        b.iter(|| {
            (
                cipher.open_string(black_box(&sealed.0), &access_aad).expect("opens"),
                cipher.open_string(black_box(&sealed.1), &refresh_aad).expect("opens"),
            )
        })
    });
    c.bench_function("token record/decrypt (access token only, the fetch path)", |b| {
        b.iter(|| cipher.open_string(black_box(&sealed.0), &access_aad).expect("opens"))
    });
}

fn token_response(c: &mut Criterion) {
    let (access, refresh) = token_record();
    let body = serde_json::json!({
        "access_token": access,
        "expires_in": 3599,
        "refresh_token": refresh,
        "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/drive.readonly",
        "token_type": "Bearer",
        "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.".to_string() + &"eyJpc3MiOiJhY2NvdW50cy5nb29nbGUuY29tIn0".repeat(12),
    })
    .to_string();
    let standard = ResponsePaths::default();
    c.bench_function("token response/parse (Google-like JSON)", |b| {
        b.iter(|| parse_token_response(200, "application/json", black_box(body.as_bytes()), &standard).expect("parses"))
    });
    let slack = serde_json::json!({
        "ok": true, "app_id": "A0KRD7HC3", "team": {"id": "T9TK3CUKW", "name": "Slack Softworks"},
        "authed_user": {"id": "U1234", "scope": "chat:write,channels:history", "access_token": "xoxp-1234-5678-91011-00e4dd", "token_type": "user"},
    })
    .to_string();
    let nested = ResponsePaths {
        access_token: "authed_user.access_token".into(),
        scope: "authed_user.scope".into(),
        ..Default::default()
    };
    c.bench_function("token response/parse (Slack-like, nested paths)", |b| {
        b.iter(|| parse_token_response(200, "application/json", black_box(slack.as_bytes()), &nested).expect("parses"))
    });
}

fn authorization_url(c: &mut Criterion) {
    let scopes: Vec<String> =
        ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"].iter().map(|s| s.to_string()).collect();
    let extra = vec![("access_type".to_string(), "offline".to_string()), ("prompt".to_string(), "consent".to_string())];
    c.bench_function("authorization URL/build (PKCE, extra parameters)", |b| {
        b.iter(|| {
            AuthorizationRequest {
                authorization_url: black_box("https://accounts.google.com/o/oauth2/v2/auth"),
                client_id: "1234567890-abcdefghijklmnop.apps.googleusercontent.com",
                redirect_uri: "https://plumb.example.com/oauth/callback",
                scopes: &scopes,
                scope_separator: " ",
                scope_parameter: "scope",
                extra: &extra,
                state: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg",
                code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            }
            .url()
            .expect("valid URL")
        })
    });
}

/// What issue 16 added to every token fetch, with logging set up as `plumb serve` sets it (level
/// `info`, written nowhere here): the request's span with its id, the `fetch_token` span inside
/// it (at `warn`, before, it was off), and the fetch counted in the metrics (a labelled counter
/// and a histogram). Compare with a token fetch's whole cost in the load benchmark.
fn per_request_observability(c: &mut Criterion) {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
        .with_writer(std::io::sink)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let metrics = server::metrics::Metrics::new();
    let mut n: u64 = 0;
    c.bench_function("observability/per token fetch (request span and id, fetch span, metrics)", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("req_AbCdEfGhIjKl{n:x}");
            let span = tracing::info_span!("request", request_id = %id, method = "POST", route = "/data-integrations/{slug}/token");
            let _request = span.enter();
            let fetch = tracing::info_span!("fetch_token", provider = "github");
            let _fetch = fetch.enter();
            metrics.token_fetch(black_box("active"), std::time::Duration::from_micros(40));
        })
    });
}

criterion_group!(benches, crypto, token_response, authorization_url, per_request_observability);
criterion_main!(benches);
