//! `GET /api_keys/current`, Plumb's own: which key a backend uses.

use super::extract::ApiKey;
use axum::Json;

/// The calling key's id, name, prefix and environment. Lets an operator check which key a
/// backend uses; it does authentication and nothing else, which also makes it the benchmarks'
/// baseline for the token endpoint (BENCHMARKS.md).
pub async fn current(ApiKey(key): ApiKey) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "object": "api_key",
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "environment_id": key.environment_id,
    }))
}
