//! `openapi.yaml` as a checker: every response a test receives must be one the spec lists for
//! that route, with a body that matches the listed schema.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

pub static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

pub struct Spec {
    pub doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// `head` and `options`: the resumable (tus) upload routes.
const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// The server's own response headers, which a client may act on (`check_headers`), the tus
/// protocol's among them: each one an answer carries must be declared for that route and status.
/// (The security headers and the default `Cache-Control: no-store` that every answer carries are
/// described once, in the spec's introduction.)
const MEANINGFUL_HEADERS: [&str; 18] = [
    "etag",
    "idempotent-replayed",
    "content-disposition",
    "retry-after",
    "allow",
    "location",
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-max-size",
    "tus-checksum-algorithm",
    "upload-offset",
    "upload-length",
    "upload-expires",
    "upload-metadata",
    "tingke-page-id",
    "x-request-id",
    "content-language",
];

impl Spec {
    fn load() -> Spec {
        let text = include_str!("../../../openapi.yaml");
        let doc: Value = serde_yaml_ng::from_str(text).expect("openapi.yaml parses");
        Spec {
            doc,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// `(METHOD, template)` of every operation in the spec.
    pub fn operations(&self) -> Vec<(String, String)> {
        let paths = self.doc["paths"].as_object().expect("paths");
        let mut ops = Vec::new();
        for (path, item) in paths {
            for m in METHODS {
                if item.get(m).is_some() {
                    ops.push((m.to_uppercase(), path.clone()));
                }
            }
        }
        ops
    }

    /// The template that matches a concrete path, preferring literal segments over parameters.
    pub fn template_for(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        paths
            .keys()
            .filter_map(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literals = 0;
                for (t, s) in parts.iter().zip(&segments) {
                    if t.starts_with('{') && t.ends_with('}') {
                        if s.is_empty() {
                            return None;
                        }
                    } else if t == s {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((literals, template.clone()))
            })
            .max()
            .map(|(_, t)| t)
    }

    /// Follows a local `$ref` (`#/components/...`), keeping sibling keys of the referring object.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}")),
            None => value,
        }
    }

    /// Checks one response against the spec.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &Value,
    ) -> Result<(), String> {
        if status == 500 {
            return Err("a 500 is a bug".into());
        }
        let Some(template) = self.template_for(path) else {
            return self.check_shared(404, status, content_type, body, "unknown path");
        };
        let item = &self.doc["paths"][&template];
        let Some(op) = item.get(method.to_lowercase()) else {
            return self.check_shared(405, status, content_type, body, "unlisted method");
        };
        let responses = &op["responses"];
        let response = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))
            .ok_or_else(|| format!("status {status} is not listed for {method} {template}"))?;
        let response = self.resolve(response);
        let key = format!("{method} {template} {status}");
        self.check_content(&key, response, content_type, body)
    }

    /// Headers with a meaning for the client that an answer carries must be declared for that
    /// answer, so that generated clients can read them.
    pub fn check_headers(
        &self,
        method: &str,
        path: &str,
        status: u16,
        sent: &[&str],
    ) -> Result<(), String> {
        let response = match self.response_for(method, path, status) {
            Some(response) => response,
            None => return Ok(()),
        };
        let template = self.template_for(path).unwrap_or_else(|| path.to_string());
        let declared: Vec<String> = response["headers"]
            .as_object()
            .map(|h| h.keys().map(|k| k.to_lowercase()).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = sent
            .iter()
            .copied()
            .filter(|h| MEANINGFUL_HEADERS.contains(h) && !declared.iter().any(|d| d == h))
            .collect();
        match missing.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "{method} {template} {status} sends undeclared headers {missing:?}"
            )),
        }
    }

    /// The response the spec lists for a route and status, resolved; an unknown path's 404 and
    /// an unlisted method's 405 are the shared `NotFound` and `MethodNotAllowed`.
    fn response_for(&self, method: &str, path: &str, status: u16) -> Option<&Value> {
        let shared = |name: &str, shared_status: u16| {
            (status == shared_status).then(|| &self.doc["components"]["responses"][name])
        };
        let Some(template) = self.template_for(path) else {
            return shared("NotFound", 404);
        };
        let Some(op) = self.doc["paths"][&template].get(method.to_lowercase()) else {
            return shared("MethodNotAllowed", 405);
        };
        op["responses"]
            .get(status.to_string())
            .map(|r| self.resolve(r))
    }

    /// The problem codes the spec lists for a route and status: the operation's
    /// `x-problem-codes` for that status, and those of the shared response it refers to.
    pub fn codes_for(&self, method: &str, path: &str, status: u16) -> Vec<String> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut codes = Vec::new();
        if let Some(response) = self.response_for(method, path, status) {
            codes.extend(strings(&response["x-problem-codes"]));
        }
        let template = self.template_for(path);
        match template
            .as_ref()
            .and_then(|t| self.doc["paths"][t].get(method.to_lowercase()))
        {
            Some(op) => codes.extend(strings(&op["x-problem-codes"][status.to_string()])),
            // An unknown path.
            None if template.is_none() && status == 404 => codes.push("route_not_found".into()),
            None => {}
        }
        codes
    }

    /// A problem answer must carry a code the spec lists for its route and status, so that a
    /// client knows every code it may meet.
    pub fn check_code(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let Some(code) = body.get("code").and_then(Value::as_str) else {
            return Ok(());
        };
        let listed = self.codes_for(method, path, status);
        if listed.iter().any(|c| c == code) {
            return Ok(());
        }
        let template = self.template_for(path).unwrap_or_else(|| path.to_string());
        Err(format!(
            "{method} {template} {status} answers code {code:?}, not among those the spec lists: {listed:?}"
        ))
    }

    /// Answers every route may give that are not listed per operation (404, 405).
    fn check_shared(
        &self,
        expected: u16,
        status: u16,
        content_type: &str,
        body: &Value,
        why: &str,
    ) -> Result<(), String> {
        if status != expected {
            return Err(format!("{why}: expected {expected}"));
        }
        let problem = json!({"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        self.check_content("shared problem", &problem, content_type, body)
    }

    fn check_content(
        &self,
        key: &str,
        response: &Value,
        content_type: &str,
        body: &Value,
    ) -> Result<(), String> {
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Ok(());
        };
        let media = content_type.split(';').next().unwrap_or("").trim();
        let Some(entry) = content.get(media) else {
            return Err(format!(
                "content type {media:?} not among {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        let Some(schema) = entry.get("schema") else {
            return Ok(());
        };
        if !media.contains("json") {
            return Ok(());
        }
        let validator = self.validator(&format!("{key} {media}"), schema);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    fn validator(&self, key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().expect("validator cache");
        if let Some(v) = cache.get(key) {
            return v.clone();
        }
        // The schema is embedded in a document holding the spec's components, so that
        // `#/components/schemas/...` references resolve.
        let mut root = schema.clone();
        if let Some(obj) = root.as_object_mut() {
            obj.insert("components".into(), self.doc["components"].clone());
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema for {key} does not compile: {e}"));
        let validator = Arc::new(validator);
        cache.insert(key.to_string(), validator.clone());
        validator
    }
}
