//! Dot-separated paths into JSON (`authed_user.access_token`), as providers' odd token
//! responses need.

use serde_json::Value;

/// The value at a dot-separated path; `None` for an empty path or a missing field.
pub fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(root, |v, key| v.get(key))
}
