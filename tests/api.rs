//! REST API tests against a real `potable serve` on 127.0.0.1.

mod common;

use common::{trained_models, Server, VALID_SAMPLE};
use serde_json::Value;

/// A fresh server per test, over the shared trained model; stopped when dropped.
fn server() -> Server {
    Server::start(&trained_models("api"))
}

/// The valid sample with one field's JSON text replaced.
fn with_field(field: &str, json_value: &str) -> String {
    let mut obj: serde_json::Map<String, Value> = serde_json::from_str(VALID_SAMPLE).unwrap();
    obj.remove(field);
    let mut body = serde_json::to_string(&obj).unwrap();
    body.pop(); // drop the closing brace, then append the raw field text
    format!("{body},\"{field}\":{json_value}}}")
}

fn assert_refused(server: &Server, body: &str, field: &str, rule_part: &str) {
    let (status, json) = server.post_json("/predict", body);
    assert_eq!(status, 422, "{body} -> {json}");
    assert_eq!(json["error"], "invalid_input");
    let fields = json["fields"].as_array().expect("fields array");
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == field && f["rule"].as_str().unwrap().contains(rule_part)),
        "{field} / {rule_part} not in {json}"
    );
    assert!(!json.to_string().contains("NaN"));
}

#[test]
fn health_names_the_loaded_version() {
    let (status, body) = server().get("/health");
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["model_version"], "V1");
    assert_eq!(json["model_loaded"], true);
}

#[test]
fn predict_answers_in_the_original_shape() {
    let (status, json) = server().post_json("/predict", VALID_SAMPLE);
    assert_eq!(status, 200, "{json}");
    let potability = json["potability"].as_u64().unwrap();
    assert!(potability <= 1);
    let expected_label = if potability == 1 {
        "Potable"
    } else {
        "Not Potable"
    };
    assert_eq!(json["potability_label"], expected_label);
    let confidence = json["confidence"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&confidence), "{confidence}");
    let p = json["probability_potable"].as_f64().unwrap();
    let expected_confidence = if potability == 1 { p } else { 1.0 - p };
    assert!((confidence - expected_confidence).abs() < 1e-12);
    // No float noise such as 0.8200000000000001: at most 12 decimals.
    let text = json["confidence"].to_string();
    assert!(text.len() <= "0.".len() + 12, "{text}");
    assert_eq!(json["model_version"], "V1");
}

#[test]
fn key_order_does_not_change_the_answer() {
    let obj: serde_json::Map<String, Value> = serde_json::from_str(VALID_SAMPLE).unwrap();
    let reversed: Vec<String> = obj
        .iter()
        .rev()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    let reversed = format!("{{{}}}", reversed.join(","));
    let server = server();
    let (_, a) = server.post_json("/predict", VALID_SAMPLE);
    let (status, b) = server.post_json("/predict", &reversed);
    assert_eq!(status, 200);
    assert_eq!(a["probability_potable"], b["probability_potable"]);
}

#[test]
fn case_c1_non_finite_and_out_of_range_values_are_refused() {
    let server = server();
    assert_refused(&server, &with_field("ph", "\"NaN\""), "ph", "number");
    assert_refused(
        &server,
        &with_field("Solids", "\"inf\""),
        "Solids",
        "number",
    );
    assert_refused(&server, &with_field("ph", "1e400"), "ph", "finite");
    assert_refused(&server, &with_field("ph", "15.2"), "ph", "[0, 14]");
    assert_refused(
        &server,
        &with_field("Turbidity", "-1"),
        "Turbidity",
        "[0, 100]",
    );
}

#[test]
fn case_c4_unknown_and_missing_fields_are_named() {
    let server = server();
    let extra = with_field("Potability", "1");
    let extra = format!("{},\"Color\":3}}", &extra[..extra.len() - 1]);
    let (status, json) = server.post_json("/predict", &extra);
    assert_eq!(status, 422);
    let named: Vec<&str> = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        named.contains(&"Potability") && named.contains(&"Color"),
        "{json}"
    );

    let mut obj: serde_json::Map<String, Value> = serde_json::from_str(VALID_SAMPLE).unwrap();
    obj.remove("Turbidity");
    assert_refused(
        &server,
        &serde_json::to_string(&obj).unwrap(),
        "Turbidity",
        "missing",
    );
}

#[test]
fn malformed_bodies_get_json_400() {
    let server = server();
    for body in ["", "not json", "[1,2,3]", "{\"ph\":"] {
        let (status, json) = server.post_json("/predict", body);
        assert_eq!(status, 400, "{body:?} -> {json}");
        assert_eq!(json["error"], "malformed_body");
    }
}

#[test]
fn oversized_body_gets_json_413() {
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(64 * 1024));
    let (status, json) = server().post_json("/predict", &body);
    assert_eq!(status, 413);
    assert_eq!(json["error"], "body_too_large");
    assert!(json["message"].as_str().unwrap().contains("16384"));
}

#[test]
fn server_rendered_page_has_the_form_before_any_wasm() {
    let (status, html) = server().get("/");
    assert_eq!(status, 200);
    for spec in potable_core::schema::FEATURES {
        assert!(
            html.contains(&format!("name=\"{}\"", spec.name)),
            "input {} missing",
            spec.name
        );
    }
    assert!(html.contains("<form"), "no form element");
    assert!(html.contains("method=\"GET\""));
    assert!(html.contains("[0, 14]") || html.contains("valid 0 – 14"));
    assert!(html.contains("/pkg/potable.js"), "no hydration script");
}

#[test]
fn form_submission_without_wasm_renders_the_result_on_the_server() {
    let query: Vec<String> = app::pages::predict::SAMPLE
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let (status, html) = server().get(&format!("/?{}", query.join("&")));
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"verdict\""),
        "no verdict in server-rendered page"
    );
    assert!(html.contains(">V1<"), "no model version in page");
}

#[test]
fn wrong_methods_and_unknown_api_paths_get_json() {
    let server = server();
    let client = reqwest::blocking::Client::new();
    for (method, path, allow) in [
        (reqwest::Method::GET, "/predict", "POST"),
        (reqwest::Method::DELETE, "/health", "GET"),
        (reqwest::Method::PUT, "/models/switch", "POST"),
    ] {
        let resp = client
            .request(method.clone(), format!("{}{path}", server.url))
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}");
        let allowed = resp.headers()["allow"].to_str().unwrap().to_string();
        assert!(allowed.contains(allow), "{method} {path}: Allow {allowed}");
        let json: Value = serde_json::from_str(&resp.text().unwrap()).unwrap();
        assert_eq!(json["error"], "method_not_allowed");
        assert_eq!(json["message"], format!("{path} does not accept {method}"));
    }
    for path in ["/models/V1/nope", "/predict/many", "/api/v1/predict"] {
        let (status, body) = server.get(path);
        assert_eq!(status, 404, "{path}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"], "not_found");
        assert_eq!(json["message"], format!("no such endpoint: {path}"));
    }
    // A browser still gets the dashboard's 404 page.
    let (status, body) = server.get("/no-such-page");
    assert_eq!(status, 404);
    assert!(body.contains("<html"), "{body}");
}

#[test]
fn changing_requests_from_another_sites_page_are_refused() {
    let server = server();
    let client = reqwest::blocking::Client::new();
    let host = server.url.trim_start_matches("http://").to_string();
    let post = |origin: &str| {
        let resp = client
            .post(format!("{}/predict", server.url))
            .header("content-type", "application/json")
            .header("origin", origin)
            .body(VALID_SAMPLE)
            .send()
            .unwrap();
        let status = resp.status().as_u16();
        (
            status,
            serde_json::from_str::<Value>(&resp.text().unwrap()).unwrap(),
        )
    };
    for origin in ["http://evil.example", "null"] {
        let (status, json) = post(origin);
        assert_eq!(status, 403, "{origin}: {json}");
        assert_eq!(json["error"], "cross_origin");
    }
    let (status, json) = post(&format!("http://{host}"));
    assert_eq!(status, 200, "same origin: {json}");
    assert!(json["model_version"].as_str().unwrap().starts_with('V'));
}

/// POSTs a form body to a dashboard server function; returns (status, body text).
fn server_fn(server: &Server, name: &str, form: &str) -> (u16, String) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/api/{name}", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .expect("request");
    (resp.status().as_u16(), resp.text().expect("body"))
}

#[test]
fn dashboard_server_functions_refuse_bad_requests_with_4xx() {
    let server = server();
    // Bodies the framework cannot decode: 400, not 500.
    let (status, body) = server_fn(&server, "predict_sample", "bogus=1");
    assert_eq!(status, 400, "{body}");
    let (status, body) = server_fn(&server, "model_action", "version=V1");
    assert_eq!(status, 400, "{body}");
    // No such function: 404.
    let (status, body) = server_fn(&server, "no_such_function", "");
    assert_eq!(status, 404, "{body}");
    // Refusals of the functions themselves carry the JSON API's status and name the rule.
    let (status, body) = server_fn(&server, "model_action", "action=delete&version=V1&token=");
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("active"), "{body}");
    let (status, body) = server_fn(&server, "model_action", "action=explode&version=V1&token=");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("action: unknown action"), "{body}");
    let (status, body) = server_fn(&server, "model_action", "action=switch&version=V9&token=");
    assert_eq!(status, 404, "{body}");
    let (status, body) = server_fn(&server, "model_action", "action=switch&version=zzz&token=");
    assert_eq!(status, 422, "{body}");
    // The registry is unchanged.
    let (_, versions) = server.get("/models/versions");
    let versions: Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(versions["active"], "V1", "{versions}");
}

#[test]
fn docs_describe_every_rest_endpoint_and_each_one_is_served() {
    let server = server();
    let (status, text) = server.get("/docs/openapi.json");
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    documented.sort();
    let expected = [
        ("DELETE", "/models/{version}"),
        ("GET", "/feedback"),
        ("GET", "/health"),
        ("GET", "/metrics"),
        ("GET", "/models/current"),
        ("GET", "/models/history"),
        ("GET", "/models/versions"),
        ("GET", "/models/{version}"),
        ("GET", "/ready"),
        ("GET", "/retrain/status"),
        ("POST", "/feedback"),
        ("POST", "/models/switch"),
        ("POST", "/models/{version}/promote"),
        ("POST", "/predict"),
        ("POST", "/predict/batch"),
        ("POST", "/retrain"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    // The sample schema names the nine features, all required, with their valid ranges.
    let sample = &doc["components"]["schemas"]["Sample"];
    for feature in potable_core::schema::FEATURES {
        let property = &sample["properties"][feature.name];
        assert_eq!(property["minimum"].as_f64(), Some(feature.min), "{sample}");
        assert_eq!(property["maximum"].as_f64(), Some(feature.max), "{sample}");
        assert!(
            sample["required"]
                .as_array()
                .unwrap()
                .contains(&Value::from(feature.name)),
            "{sample}"
        );
    }
    // Every documented route exists (an empty request is refused, never 404/405, and changes
    // nothing: V1 is the active version, so promote and delete are refused too).
    let client = reqwest::blocking::Client::new();
    for (method, path) in &documented {
        let url = format!("{}{}", server.url, path.replace("{version}", "V1"));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let status = client
            .request(method.clone(), &url)
            .send()
            .unwrap()
            .status();
        assert!(
            ![404, 405].contains(&status.as_u16()),
            "{method} {path}: {status}"
        );
    }
    let (status, page) = server.get("/docs");
    assert_eq!(status, 200);
    assert!(page.contains("/docs/openapi.json") && page.contains("/predict/batch"));
}
