//! Registry, feedback and retraining over REST (issue 4), against a real `potable serve`.

mod common;

use common::{client_with_timeout, start_retraining_server, Server, VALID_SAMPLE};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const TOKEN: &str = "test-admin-token";

/// A fresh work folder with V1 trained into `models/`.
fn fresh(tag: &str) -> PathBuf {
    common::fresh_work("registry", tag)
}

fn start(work: &Path) -> Server {
    start_retraining_server(work, TOKEN)
}

fn client() -> reqwest::blocking::Client {
    client_with_timeout(60)
}

/// Sends a request with the admin token; returns (status, JSON body).
fn call(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: bool,
) -> (u16, Value) {
    let url = format!("{}{path}", server.url);
    let mut req = client().request(method.parse().unwrap(), url);
    if token {
        req = req.bearer_auth(TOKEN);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

fn feedback_body(label: u8) -> Value {
    json!({"water_quality": serde_json::from_str::<Value>(VALID_SAMPLE).unwrap(), "actual_potability": label})
}

fn version_names(server: &Server) -> Vec<String> {
    let (_, body) = call(server, "GET", "/models/versions", None, false);
    body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn admin_token_guards_changing_operations() {
    let work = fresh("auth");
    let server = start(&work);
    for (method, path, body) in [
        ("POST", "/retrain", Some(feedback_body(1))),
        ("POST", "/models/switch", Some(json!({"version": "V1"}))),
        ("POST", "/models/V1/promote", None),
        ("DELETE", "/models/V1", None),
    ] {
        let (status, json) = call(&server, method, path, body, false);
        assert_eq!(status, 401, "{method} {path}: {json}");
        assert_eq!(json["error"], "unauthorized");
    }
    let (status, _) = call(&server, "GET", "/models/versions", None, false);
    assert_eq!(status, 200);
    let (status, json) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "V1"})),
        true,
    );
    assert_eq!(status, 409, "V1 is already active: {json}");
    assert_eq!(json["error"], "already_active");
}

#[test]
fn feedback_is_validated_stored_and_paged() {
    let work = fresh("feedback");
    let server = start(&work);
    let (status, json) = call(&server, "POST", "/feedback", Some(feedback_body(1)), false);
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["prediction"]["model_version"], "V1");
    let mut bad = feedback_body(2);
    bad["water_quality"]["ph"] = json!(15.2);
    bad["extra"] = json!(1);
    let (status, json) = call(&server, "POST", "/feedback", Some(bad), false);
    assert_eq!(status, 422, "{json}");
    let fields: Vec<&str> = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"water_quality.ph"), "{json}");
    assert!(fields.contains(&"actual_potability"), "{json}");
    assert!(fields.contains(&"extra"), "{json}");
    // A repeated key is refused, never resolved by keeping one of its values.
    let dup = feedback_body(1).to_string().replacen(
        "\"actual_potability\":1",
        "\"actual_potability\":1,\"actual_potability\":0",
        1,
    );
    assert!(dup.contains("\"actual_potability\":0"), "{dup}");
    let (status, json) = server.post_json("/feedback", &dup);
    assert_eq!(status, 422, "{json}");
    assert_eq!(json["fields"][0]["field"], "actual_potability", "{json}");
    assert_eq!(json["fields"][0]["rule"], "duplicate field", "{json}");
    let (status, page) = call(&server, "GET", "/feedback?limit=100000", None, false);
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["limit"], 500);
    assert_eq!(page["rows"][0]["true_label"], 1);
    let (status, json) = call(&server, "GET", "/feedback?limit=-1", None, false);
    assert_eq!(status, 422, "{json}");
}

#[test]
fn concurrent_retrains_one_runs_versions_never_collide_c6() {
    let work = fresh("c6");
    let server = start(&work);
    let url = server.url.clone();
    let post = |url: String| {
        std::thread::spawn(move || {
            let resp = client()
                .post(format!("{url}/retrain"))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(feedback_body(1).to_string())
                .send()
                .unwrap();
            let status = resp.status().as_u16();
            (
                status,
                serde_json::from_str::<Value>(&resp.text().unwrap()).unwrap(),
            )
        })
    };
    let a = post(url.clone());
    let (switch_status, _) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "V1"})),
        true,
    );
    let b = post(url);
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    // V1 is active unless the retrain already promoted V2.
    assert!([200, 409].contains(&switch_status), "{switch_status}");
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [202, 409], "{a:?} {b:?}");
    let (accepted, refused) = if a.0 == 202 { (a.1, b.1) } else { (b.1, a.1) };
    assert_eq!(refused["error"], "retrain_running");
    assert_eq!(
        refused["job_id"], accepted["job_id"],
        "409 names the running job"
    );
    let job = server.wait_for_retrain();
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["outcome"]["version"], "V2");
    let used = job["outcome"]["feedback_rows"].as_u64().unwrap();
    assert!((1..=2).contains(&used), "{job}");
    let (_, page) = call(&server, "GET", "/feedback", None, false);
    assert_eq!(
        page["total"], 2,
        "the refused request's feedback is stored too"
    );
    let active = if job["outcome"]["promoted"] == true {
        "V2"
    } else {
        "V1"
    };
    let (_, current) = call(&server, "GET", "/models/current", None, false);
    assert_eq!(current["model_version"], active);
    assert_eq!(version_names(&server), ["V1", "V2"]);
    // The next retrain gets a new number.
    let (status, _) = call(&server, "POST", "/retrain", Some(feedback_body(0)), true);
    assert_eq!(status, 202);
    assert_eq!(server.wait_for_retrain()["outcome"]["version"], "V3");
}

#[test]
fn numbering_after_delete_and_rollback_and_refusals() {
    let work = fresh("numbering");
    let server = start(&work);
    for expected in ["V2", "V3"] {
        let (status, json) = call(&server, "POST", "/retrain", Some(feedback_body(1)), true);
        assert_eq!(status, 202, "{json}");
        assert_eq!(server.wait_for_retrain()["outcome"]["version"], expected);
    }
    let (status, _) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "V1"})),
        true,
    );
    // 409 when neither retrain was promoted, so V1 is still active.
    assert!([200, 409].contains(&status), "{status}");
    let (status, json) = call(&server, "DELETE", "/models/V1", None, true);
    assert_eq!(status, 409, "active version cannot be deleted: {json}");
    assert_eq!(json["error"], "version_active");
    let (status, _) = call(&server, "DELETE", "/models/V3", None, true);
    assert_eq!(status, 200);
    let (status, _) = call(&server, "GET", "/models/V3", None, false);
    assert_eq!(status, 404);
    let (status, json) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "V3"})),
        true,
    );
    assert_eq!(status, 404, "{json}");
    let (status, json) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "X"})),
        true,
    );
    assert_eq!(status, 422, "{json}");
    assert_eq!(json["fields"][0]["field"], "version");
    // Roll back to V2 via promote, then a retrain gets V4 (V3 is never reused).
    let (status, json) = call(&server, "POST", "/models/V2/promote", None, true);
    assert_eq!(status, 200, "{json}");
    let (status, json) = call(&server, "POST", "/models/V2/promote", None, true);
    assert_eq!(status, 409, "{json}");
    let (status, _) = call(&server, "POST", "/retrain", Some(feedback_body(0)), true);
    assert_eq!(status, 202);
    assert_eq!(server.wait_for_retrain()["outcome"]["version"], "V4");
    assert_eq!(version_names(&server), ["V1", "V2", "V4"]);
    let (_, history) = call(&server, "GET", "/models/history", None, false);
    let history = history["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|s| s["to"] == "V2" && s["actor"] == "admin"),
        "{history:?}"
    );
}

#[test]
fn predictions_during_retrain_and_switch_all_succeed() {
    let work = fresh("during");
    let server = start(&work);
    let url = server.url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let predictor = std::thread::spawn(move || {
        let c = client();
        let mut n = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            let resp = c
                .post(format!("{url}/predict"))
                .header("content-type", "application/json")
                .body(VALID_SAMPLE)
                .send()
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            let json: Value = serde_json::from_str(&resp.text().unwrap()).unwrap();
            assert!(json["model_version"].as_str().unwrap().starts_with('V'));
            n += 1;
        }
        n
    });
    let (status, _) = call(&server, "POST", "/retrain", Some(feedback_body(1)), true);
    assert_eq!(status, 202);
    server.wait_for_retrain();
    // Switch away from whichever version the retrain left active, back, and away again.
    let (_, current) = call(&server, "GET", "/models/current", None, false);
    let active = current["model_version"].as_str().unwrap().to_string();
    let other = if active == "V2" { "V1" } else { "V2" };
    for v in [other, active.as_str(), other] {
        let (status, json) = call(
            &server,
            "POST",
            "/models/switch",
            Some(json!({"version": v})),
            true,
        );
        assert_eq!(status, 200, "{json}");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let n = predictor.join().unwrap();
    assert!(n > 10, "only {n} predictions");
}

#[test]
fn truncated_artifact_is_unavailable_and_refused_c7() {
    let work = fresh("c7-truncate");
    {
        let server = start(&work);
        let (status, _) = call(&server, "POST", "/retrain", Some(feedback_body(1)), true);
        assert_eq!(status, 202);
        server.wait_for_retrain();
        let (status, _) = call(
            &server,
            "POST",
            "/models/switch",
            Some(json!({"version": "V2"})),
            true,
        );
        assert_eq!(status, 200);
        server.kill();
    }
    let artifact = work.join("models/V2/model.bin");
    let len = std::fs::metadata(&artifact).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&artifact)
        .unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let server = start(&work);
    let (_, health) = call(&server, "GET", "/health", None, false);
    assert_eq!(
        health["model_version"], "V1",
        "falls back to the last good version"
    );
    let (_, versions) = call(&server, "GET", "/models/versions", None, false);
    let v2 = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "V2")
        .unwrap()
        .clone();
    assert_eq!(v2["status"], "unavailable");
    assert!(
        v2["problem"].as_str().unwrap().contains("truncated"),
        "{v2}"
    );
    let (status, json) = call(
        &server,
        "POST",
        "/models/switch",
        Some(json!({"version": "V2"})),
        true,
    );
    assert_eq!(status, 409, "{json}");
    assert_eq!(json["error"], "version_unavailable");
    let (status, json) = call(
        &server,
        "POST",
        "/predict",
        Some(serde_json::from_str(VALID_SAMPLE).unwrap()),
        false,
    );
    assert_eq!(status, 200);
    assert_eq!(json["model_version"], "V1");
}
