//! The spec and the code agree: same routes, same error codes, and every protected route refuses
//! a request without a token the way the spec says.

use crate::helpers::*;
use std::collections::BTreeSet;
use tingke_api::routes::{router, MIDDLEWARE_ROUTES};

#[test]
fn every_route_is_in_the_spec_and_every_spec_path_is_a_route() {
    let mut code: BTreeSet<(String, String)> = router()
        .table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    code.extend(
        MIDDLEWARE_ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string())),
    );
    let spec: BTreeSet<(String, String)> = SPEC.operations().into_iter().collect();
    let missing: Vec<_> = code.difference(&spec).collect();
    let extra: Vec<_> = spec.difference(&code).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes missing from openapi.yaml: {missing:?}; in openapi.yaml but not served: {extra:?}"
    );
}

#[test]
fn the_spec_lists_exactly_the_error_codes_the_server_uses() {
    let spec: BTreeSet<&str> = SPEC.doc["components"]["schemas"]["KnownProblemCode"]["enum"]
        .as_array()
        .expect("KnownProblemCode enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let code: BTreeSet<&str> = tingke_api::i18n::CODES.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(spec, code);
}

/// Generated clients must not break on the first new code: the code's schema accepts any string.
#[test]
fn error_codes_are_open_to_new_ones() {
    let code = &SPEC.doc["components"]["schemas"]["ProblemCode"];
    assert!(code.get("enum").is_none(), "a closed enum: {code}");
    let any: Vec<&serde_json::Value> = code["anyOf"].as_array().unwrap().iter().collect();
    assert!(any
        .iter()
        .any(|s| s["type"] == "string" && s.get("enum").is_none()));
}

#[test]
fn every_operation_has_an_id_and_documents_its_failures() {
    let mut ids = BTreeSet::new();
    for (method, path) in SPEC.operations() {
        let op = &SPEC.doc["paths"][&path][method.to_lowercase()];
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        if path.starts_with("/v1/") {
            assert!(
                op["responses"].get("500").is_some(),
                "{method} {path} lists no 500"
            );
        }
    }
}

#[tokio::test]
async fn every_protected_route_answers_401_without_a_token() {
    let app = spawn_app().await;
    for (method, path) in SPEC.operations() {
        let op = &SPEC.doc["paths"][&path][method.to_lowercase()];
        let public = op["security"].as_array().is_some_and(|s| s.is_empty());
        if public {
            continue;
        }
        let concrete = path.replace("{id}", "0192f0c4-0000-7000-8000-000000000000");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        // The tus routes answer a request of another protocol version 412 first.
        let res = app
            .call(method.clone(), &concrete)
            .header("tus-resumable", "1.0.0")
            .send()
            .await;
        match method == reqwest::Method::HEAD {
            // An answer to HEAD has no body.
            true => assert_eq!(res.status, 401, "HEAD {concrete}"),
            false => drop(res.expect_problem(401, "missing_token")),
        }
    }
}

#[test]
fn every_route_that_takes_a_body_has_a_body_limit() {
    let with_body: BTreeSet<(String, String)> = SPEC
        .operations()
        .into_iter()
        .filter(|(m, p)| {
            SPEC.doc["paths"][p][m.to_lowercase()]
                .get("requestBody")
                .is_some()
        })
        .collect();
    let limited: BTreeSet<(String, String)> = tingke_api::body::ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        with_body, limited,
        "routes with a requestBody in openapi.yaml and rows of body::ROUTES differ"
    );
}

/// Every route's error responses name their codes (`x-problem-codes`, per operation and on the
/// shared responses): each one a code of the catalogue, under a status the route lists, and every
/// code of the catalogue named by some route. (That every problem answer a test receives carries
/// a code listed for its route and status is checked on every answer: `Spec::check_code`.)
#[test]
fn every_route_names_the_codes_of_its_errors() {
    let catalogue: BTreeSet<&str> = tingke_api::i18n::CODES.iter().map(|(c, _, _)| *c).collect();
    let mut named = BTreeSet::new();
    let mut problems = Vec::new();
    let mut unlisted = Vec::new();
    let mut check = |at: &str, codes: &serde_json::Value| {
        for code in codes.as_array().into_iter().flatten() {
            match code.as_str() {
                Some(c) if catalogue.contains(c) => {
                    named.insert(c.to_string());
                }
                _ => problems.push(format!("{at}: {code} is not a code of i18n::CODES")),
            }
        }
    };
    for (name, response) in SPEC.doc["components"]["responses"].as_object().unwrap() {
        check(
            &format!("components/responses/{name}"),
            &response["x-problem-codes"],
        );
    }
    for (method, path) in SPEC.operations() {
        let op = &SPEC.doc["paths"][&path][method.to_lowercase()];
        let Some(by_status) = op.get("x-problem-codes") else {
            continue;
        };
        for (status, codes) in by_status.as_object().expect("x-problem-codes is a map") {
            let at = format!("{method} {path} {status}");
            // A status the route does not list: the codes under it are never answered.
            let listed = op["responses"].get(status).is_some();
            check(
                &at,
                if listed {
                    codes
                } else {
                    &serde_json::Value::Null
                },
            );
            if !listed {
                unlisted.push(format!("{at}: codes for a status the route does not list"));
            }
        }
    }
    problems.extend(unlisted);
    // The answer to an unknown path.
    named.insert("route_not_found".into());
    let unnamed: Vec<&&str> = catalogue.iter().filter(|c| !named.contains(**c)).collect();
    assert!(
        problems.is_empty() && unnamed.is_empty(),
        "{}\ncodes no route names: {unnamed:?}",
        problems.join("\n")
    );
}
