//! Observability against a real `potable serve` on 127.0.0.1: Prometheus metrics, readiness,
//! request ids, the `healthcheck` probe and the first-start training of `--train-if-missing`.

mod common;

use common::{data_file, root, trained_models, Server, BIN, VALID_SAMPLE};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The value of the one sample line of `name` whose labels include every `labels` pair.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = metrics.lines().filter(|line| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('{'))
            && labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
    });
    let line = found.next()?;
    assert!(
        found.next().is_none(),
        "several {name} lines match {labels:?}"
    );
    line.rsplit(' ').next()?.parse().ok()
}

#[test]
fn metrics_count_requests_latency_and_predictions_by_label() {
    let server = Server::start(&trained_models("observability"));
    let (status, json) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(status, 200, "{json}");
    let class = if json["potability"] == 1 {
        "potable"
    } else {
        "not_potable"
    };
    let (status, _) = server.post_json("/predict", r#"{"ph":7.0}"#);
    assert_eq!(status, 422);

    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    let predict_ok = [("method", "POST"), ("route", "/predict"), ("status", "200")];
    assert_eq!(
        sample(&metrics, "potable_http_requests_total", &predict_ok),
        Some(1.0),
        "{metrics}"
    );
    let predict_refused = [("method", "POST"), ("route", "/predict"), ("status", "422")];
    assert_eq!(
        sample(&metrics, "potable_http_requests_total", &predict_refused),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            "potable_http_request_duration_seconds_count",
            &predict_ok
        ),
        Some(1.0)
    );
    let le_10s = [predict_ok.as_slice(), &[("le", "10")]].concat();
    assert_eq!(
        sample(
            &metrics,
            "potable_http_request_duration_seconds_bucket",
            &le_10s
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            "potable_predictions_total",
            &[("class", class), ("model_version", "V1")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            "potable_predictions_total",
            &[("model_version", "V1")]
        ),
        Some(1.0),
        "the refused request made no prediction"
    );
    assert!(metrics.contains("potable_model_loaded 1"), "{metrics}");
    assert!(metrics.contains("# TYPE potable_http_request_duration_seconds histogram"));
}

#[test]
fn ready_is_503_without_a_model_and_200_with_one() {
    let empty = tempfile::tempdir().unwrap();
    let server = Server::start(empty.path());
    let (status, body) = server.get("/ready");
    assert_eq!(status, 503, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "not_ready");
    assert!(json["message"].as_str().unwrap().contains("potable train"));
    let (status, body) = server.get("/health");
    assert_eq!(status, 200, "liveness does not depend on the model");
    assert!(body.contains(r#""model_loaded":false"#), "{body}");
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains("potable_model_loaded 0"), "{metrics}");

    let server = Server::start(&trained_models("observability"));
    let (status, body) = server.get("/ready");
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ready");
    assert_eq!(json["model_version"], "V1");
}

#[test]
fn every_response_carries_a_request_id() {
    let server = Server::start(&trained_models("observability"));
    let client = reqwest::blocking::Client::new();
    let resp = client.get(format!("{}/health", server.url)).send().unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let other = client.get(format!("{}/health", server.url)).send().unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);

    let resp = client
        .post(format!("{}/predict", server.url))
        .header("x-request-id", "client-chosen-42")
        .body(VALID_SAMPLE)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"], "client-chosen-42");
}

#[test]
fn healthcheck_command_probes_health_and_ready() {
    let empty = tempfile::tempdir().unwrap();
    let server = Server::start(empty.path());
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    let probe = |extra: &[&str]| {
        Command::new(BIN)
            .args(["healthcheck", "--port", &port])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(probe(&[]).status.success());
    let out = probe(&["--path", "/ready"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answered \"503\""), "{err}");
    drop(server);
    let out = probe(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

/// Starts `potable serve --train-if-missing` over `models` (logging JSON lines when
/// `json_logs`) and returns it with its stderr text up to the listening line.
fn start_first_time(
    models: &std::path::Path,
    data: &std::path::Path,
    json_logs: bool,
) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--train-if-missing", "--models-dir"])
        .arg(models)
        .arg("--data")
        .arg(data)
        .arg("--params")
        .arg(root().join("tests/fixtures/params-fast.yaml"))
        .arg("--site-root")
        .arg(root().join("target/site"))
        .env("POTABLE_LOG_JSON", json_logs.to_string())
        .current_dir(models.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    // The stderr pipe is read on a thread so the server never blocks on a full pipe.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs: Vec<String> = rx.try_iter().collect();
    (Server::from_child(child, url), logs.join("\n"))
}

#[test]
fn first_start_trains_when_the_data_is_there_and_waits_otherwise() {
    let work = tempfile::tempdir().unwrap();
    let models = work.path().join("models");
    let (server, logs) = start_first_time(&models, &work.path().join("absent.csv"), false);
    assert!(
        logs.contains("no model and no data file"),
        "a clear log line: {logs}"
    );
    assert!(
        !logs.contains('\u{1b}'),
        "no colour codes in logs written to a pipe: {logs:?}"
    );
    assert_eq!(server.get("/ready").0, 503);
    drop(server);

    let (server, logs) = start_first_time(&models, &data_file(), true);
    assert!(logs.contains("first version trained"), "{logs}");
    let (status, body) = server.get("/ready");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""model_version":"V1""#), "{body}");
    let (status, json) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(status, 200, "{json}");
}

#[test]
fn metrics_count_feedback_and_retraining_runs() {
    let work = common::fresh_work("observability", "loop");
    let server = common::start_retraining_server(&work, "metrics-token");
    let (_, predicted) = server.post_json("/predict", VALID_SAMPLE);
    let served = predicted["potability"].as_u64().unwrap();
    let water: Value = serde_json::from_str(VALID_SAMPLE).unwrap();
    let body = |label: u64| {
        serde_json::json!({"water_quality": water, "actual_potability": label}).to_string()
    };
    let (status, json) = server.post_json("/feedback", &body(served));
    assert_eq!(status, 201, "{json}");
    let resp = common::client_with_timeout(60)
        .post(format!("{}/retrain", server.url))
        .bearer_auth("metrics-token")
        .header("content-type", "application/json")
        .body(body(1 - served))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(server.wait_for_retrain()["state"], "succeeded");

    let (_, metrics) = server.get("/metrics");
    let (right, wrong) = (served.to_string(), (1 - served).to_string());
    let right = [("true_label", right.as_str()), ("prediction", "correct")];
    let wrong = [("true_label", wrong.as_str()), ("prediction", "wrong")];
    for labels in [right, wrong] {
        assert_eq!(
            sample(&metrics, "potable_feedback_total", &labels),
            Some(1.0),
            "{labels:?} in {metrics}"
        );
    }
    let success = [("outcome", "success")];
    assert_eq!(
        sample(&metrics, "potable_retrain_runs_total", &success),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, "potable_retrain_duration_seconds_count", &success),
        Some(1.0),
        "{metrics}"
    );
}
