//! The OpenAPI document as one plain HTML page: operations grouped by tag, each with its method
//! and path, summary, parameters, request body and responses, then every schema. Rendered on
//! the server from the document itself, so the page can never say something the document does
//! not; no script, no stylesheet but Plumb's own, so it works with no network and no
//! JavaScript.

use serde_json::Value;
use std::fmt::Write;

const METHODS: [&str; 8] = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];

/// The whole page.
pub fn page(doc: &Value) -> String {
    let info = &doc["info"];
    let mut out = String::with_capacity(256 * 1024);
    let title = format!("{} {}", text(&info["title"]), text(&info["version"]));
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} reference</title><link rel=\"stylesheet\" href=\"/pkg/plumb.css\"></head>\
         <body><main class=\"page api-reference\"><h1>{t}</h1>{d}",
        t = escape(&title),
        d = prose(&info["description"]),
    );
    let server = doc["servers"][0]["url"].as_str().unwrap_or("");
    let _ = write!(
        out,
        "<p>Base URL: <code>{}</code>. The same document, for tools: <a href=\"/openapi.json\">/openapi.json</a> \
         (OpenAPI {}).</p>",
        escape(server),
        escape(&text(&doc["openapi"]))
    );
    let tags: Vec<&Value> = doc["tags"].as_array().map(|t| t.iter().collect()).unwrap_or_default();
    out.push_str("<nav aria-label=\"Contents\"><h2>Contents</h2><ul>");
    for tag in &tags {
        let name = text(&tag["name"]);
        let _ = write!(out, "<li><a href=\"#{}\">{}</a></li>", anchor("tag", &name), escape(&name));
    }
    out.push_str("<li><a href=\"#schemas\">Schemas</a></li></ul></nav>");
    for tag in &tags {
        let name = text(&tag["name"]);
        let _ = write!(
            out,
            "<section aria-labelledby=\"{a}\"><h2 id=\"{a}\">{n}</h2>{d}",
            a = anchor("tag", &name),
            n = escape(&name),
            d = prose(&tag["description"])
        );
        for (path, method, operation) in operations(doc) {
            if operation["tags"].as_array().is_some_and(|t| t.iter().any(|t| t.as_str() == Some(&name))) {
                render_operation(&mut out, doc, path, method, operation);
            }
        }
        out.push_str("</section>");
    }
    render_schemas(&mut out, doc);
    out.push_str("</main></body></html>");
    out
}

/// Every operation in path order, methods in the usual order.
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                all.push((path.as_str(), method, operation));
            }
        }
    }
    all
}

fn render_operation(out: &mut String, doc: &Value, path: &str, method: &str, op: &Value) {
    let id = text(&op["operationId"]);
    let _ = write!(
        out,
        "<article aria-labelledby=\"{a}\"><h3 id=\"{a}\"><code>{m} {p}</code> {s}</h3>{d}",
        a = anchor("op", &id),
        m = method.to_uppercase(),
        p = escape(path),
        s = escape(&text(&op["summary"])),
        d = prose(&op["description"]),
    );
    out.push_str(if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
        "<p>Authentication: <code>Authorization: Bearer &lt;API key&gt;</code>.</p>"
    } else {
        "<p>Authentication: none.</p>"
    });
    if let Some(parameters) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str(
            "<table><caption>Parameters</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">In</th>\
             <th scope=\"col\">Required</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>",
        );
        for p in parameters {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&text(&p["name"])),
                escape(&text(&p["in"])),
                if p["required"].as_bool() == Some(true) { "yes" } else { "no" },
                type_of(&p["schema"]),
                inline(&text(&p["description"])),
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(body) = op["requestBody"].as_object() {
        let _ = write!(out, "<p>Request body: {}</p>", content(&Value::Object(body.clone())));
    }
    out.push_str(
        "<table><caption>Responses</caption><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Description</th>\
         <th scope=\"col\">Body</th></tr></thead><tbody>",
    );
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        let response = resolve(doc, response);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(status),
            inline(&text(&response["description"])),
            content(response),
        );
    }
    out.push_str("</tbody></table></article>");
}

/// A response or request body's JSON schema, or what its content is.
fn content(holder: &Value) -> String {
    match holder["content"].as_object().and_then(|c| c.iter().next()) {
        None => "none".into(),
        Some((kind, media)) if media.get("schema").is_some() => {
            format!("{} <small>({})</small>", type_of(&media["schema"]), escape(kind))
        }
        Some((kind, _)) => format!("any <small>({})</small>", escape(kind)),
    }
}

/// A `$ref` to a component response, followed.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => &doc["components"]["responses"][name],
        None => value,
    }
}

fn render_schemas(out: &mut String, doc: &Value) {
    out.push_str("<section aria-labelledby=\"schemas\"><h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"].as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<article aria-labelledby=\"{a}\"><h3 id=\"{a}\">{n}</h3>{d}",
            a = anchor("schema", name),
            n = escape(name),
            d = prose(&schema["description"]),
        );
        match schema["properties"].as_object() {
            Some(properties) => {
                let required: Vec<&str> =
                    schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                out.push_str(
                    "<table><caption>Fields</caption><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th>\
                     <th scope=\"col\">Required</th><th scope=\"col\">Description</th></tr></thead><tbody>",
                );
                for (field, property) in properties {
                    let _ = write!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(field),
                        type_of(property),
                        if required.contains(&field.as_str()) { "yes" } else { "no" },
                        inline(&text(&property["description"])),
                    );
                }
                out.push_str("</tbody></table>");
            }
            None => {
                let _ = write!(out, "<p>{}</p>", type_of(schema));
            }
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
}

/// A schema in a few words, with links to the named ones.
fn type_of(schema: &Value) -> String {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return format!("<a href=\"#{}\">{}</a>", anchor("schema", name), escape(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[key].as_array() {
            let joiner = if key == "allOf" { " and " } else { " or " };
            return options.iter().map(type_of).collect::<Vec<_>>().join(joiner);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values.iter().map(|v| format!("<code>{}</code>", escape(&text(v)))).collect();
        return format!("one of {}", values.join(", "));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return "any".into(),
    };
    types
        .iter()
        .map(|t| match *t {
            "array" => format!("array of {}", type_of(&schema["items"])),
            "object" if schema["additionalProperties"].is_object() => {
                format!("object of {}", type_of(&schema["additionalProperties"]))
            }
            other => escape(other),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Paragraphs of a description.
fn prose(value: &Value) -> String {
    text(value).split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| format!("<p>{}</p>", inline(p))).collect()
}

/// Escaped text with `code` spans.
fn inline(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
        .collect()
}

fn anchor(kind: &str, name: &str) -> String {
    let slug: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("{kind}-{slug}")
}

use super::super::responses::escape;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_as_words_with_links() {
        assert_eq!(
            type_of(&json!({"$ref": "#/components/schemas/AppError"})),
            "<a href=\"#schema-apperror\">AppError</a>"
        );
        assert_eq!(type_of(&json!({"type": ["string", "null"]})), "string or null");
        assert_eq!(type_of(&json!({"type": "array", "items": {"type": "string"}})), "array of string");
        assert_eq!(type_of(&json!({"type": "object", "additionalProperties": {"type": "string"}})), "object of string");
        assert_eq!(type_of(&json!({"enum": ["a", 1]})), "one of <code>a</code>, <code>1</code>");
        assert_eq!(type_of(&json!({})), "any");
    }

    #[test]
    fn descriptions_are_escaped_with_code_spans() {
        assert_eq!(inline("use `<b>` & go"), "use <code>&lt;b&gt;</code> &amp; go");
        assert_eq!(prose(&json!("one\n\ntwo")), "<p>one</p><p>two</p>");
    }
}
