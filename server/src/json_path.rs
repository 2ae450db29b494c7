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

/// The whole token response, for the values a provider keeps from it (its `captures`, such as
/// Salesforce's `instance_url`). It holds the tokens too, so it is never printed.
#[derive(Default)]
pub struct ResponseFields(pub(crate) Value);

impl std::fmt::Debug for ResponseFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseFields(..)")
    }
}

impl ResponseFields {
    /// The values at `captures`' paths that are strings, numbers or booleans of at most 1 KiB.
    pub fn capture(&self, captures: &[(String, String)]) -> crate::templates::Values {
        captures
            .iter()
            .filter_map(|(key, path)| {
                let value = match lookup(&self.0, path)? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                (!value.is_empty() && value.len() <= 1024 && !value.chars().any(char::is_control))
                    .then(|| (key.clone(), value))
            })
            .collect()
    }
}
