//! Crash test (issues 4 and 7, case C7): `potable serve` is killed with SIGKILL at random
//! moments while clients write feedback, retrain and switch versions, [`KILLS`] times. After
//! every restart the registry must load, and at the end every acknowledged feedback row must be
//! stored and every version must still verify.
//!
//! Half the kills land at a random moment of the run, half just as a retrain finishes its
//! cross-validation, when the new artifact is about to be written. The seed is printed; set
//! `POTABLE_CRASH_SEED` to replay a run.

mod common;

use common::{client_with_timeout, start_retraining_server, train_into, Server, VALID_SAMPLE};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Kills per run.
const KILLS: usize = 20;
const TOKEN: &str = "crash-admin-token";

fn start(work: &Path) -> Server {
    start_retraining_server(work, TOKEN)
}

fn client() -> reqwest::blocking::Client {
    client_with_timeout(20)
}

/// A full response: status and JSON body; `None` when the connection failed or broke (the
/// server was killed), so the request was never acknowledged.
fn send(req: reqwest::blocking::RequestBuilder) -> Option<(u16, Value)> {
    let resp = req.send().ok()?;
    let status = resp.status().as_u16();
    let text = resp.text().ok()?;
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
    Some((status, json))
}

fn feedback_body(label: u8) -> String {
    let sample: Value = serde_json::from_str(VALID_SAMPLE).unwrap();
    json!({"water_quality": sample, "actual_potability": label}).to_string()
}

/// What one client thread saw until the server died.
#[derive(Default)]
struct Seen {
    /// Feedback ids the server acknowledged.
    acknowledged: Vec<i64>,
    /// Answers other than the expected ones, e.g. a 500.
    unexpected: Vec<String>,
}

/// Posts feedback in a loop until the server dies.
fn feedback_writer(url: String, stop: Arc<AtomicBool>) -> JoinHandle<Seen> {
    std::thread::spawn(move || {
        let c = client();
        let mut seen = Seen::default();
        while !stop.load(Ordering::SeqCst) {
            let req = c
                .post(format!("{url}/feedback"))
                .header("content-type", "application/json")
                .body(feedback_body(0));
            match send(req) {
                Some((201, body)) => seen.acknowledged.push(body["id"].as_i64().unwrap()),
                Some((status, body)) => seen.unexpected.push(format!("feedback {status}: {body}")),
                None => break,
            }
        }
        seen
    })
}

/// Starts a retrain (storing one feedback row each time) as soon as the last one ended.
fn retrainer(url: String, stop: Arc<AtomicBool>) -> JoinHandle<Seen> {
    std::thread::spawn(move || {
        let c = client();
        let mut seen = Seen::default();
        while !stop.load(Ordering::SeqCst) {
            let req = c
                .post(format!("{url}/retrain"))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(feedback_body(1));
            match send(req) {
                Some((202, body)) => seen
                    .acknowledged
                    .push(body["feedback_id"].as_i64().unwrap()),
                // Still running: the feedback was stored, and the message names it.
                Some((409, body)) => {
                    let id = body["message"]
                        .as_str()
                        .and_then(|m| m.split("feedback ").nth(1)?.split(' ').next()?.parse().ok())
                        .unwrap_or_else(|| panic!("409 without the stored feedback id: {body}"));
                    seen.acknowledged.push(id);
                }
                Some((status, body)) => seen.unexpected.push(format!("retrain {status}: {body}")),
                None => break,
            }
            // Wait for the job to end before starting the next one.
            loop {
                match send(c.get(format!("{url}/retrain/status"))) {
                    Some((200, body)) if body["running"] == true => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Some(_) => break,
                    None => return seen,
                }
            }
        }
        seen
    })
}

/// Switches to a random other usable version every 100 ms.
fn switcher(url: String, stop: Arc<AtomicBool>, seed: u64) -> JoinHandle<Seen> {
    std::thread::spawn(move || {
        let c = client();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut seen = Seen::default();
        while !stop.load(Ordering::SeqCst) {
            let Some((_, list)) = send(c.get(format!("{url}/models/versions"))) else {
                break;
            };
            let others: Vec<String> = list["versions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["status"] == "candidate")
                .map(|v| v["version"].as_str().unwrap().to_string())
                .collect();
            if !others.is_empty() {
                let to = &others[rng.gen_range(0..others.len())];
                let req = c
                    .post(format!("{url}/models/switch"))
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/json")
                    .body(json!({ "version": to }).to_string());
                match send(req) {
                    // 409: a retrain's promotion made it active meanwhile.
                    Some((200 | 409, _)) => {}
                    Some((status, body)) => {
                        seen.unexpected.push(format!("switch {status}: {body}"));
                    }
                    None => break,
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        seen
    })
}

/// Waits until the running retrain reaches cross-validation (its artifact is written next).
fn wait_for_cross_validation(url: &str) {
    let c = client();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Some((200, body)) = send(c.get(format!("{url}/retrain/status"))) {
            if body["running"] == true && body["job"]["stage"] == "cross_validate" {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no retrain reached cross-validation within 60 s");
}

/// Every stored feedback id, paging through `GET /feedback`.
fn stored_feedback(server: &Server) -> Vec<i64> {
    let mut stored = Vec::new();
    loop {
        let path = format!("/feedback?limit=500&offset={}", stored.len());
        let (status, body) = server.get(&path);
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        let rows = page["rows"].as_array().unwrap();
        if rows.is_empty() {
            return stored;
        }
        stored.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
    }
}

/// The server is ready and serves predictions after a restart.
fn assert_serving(server: &Server, round: usize) {
    let (status, body) = server.get("/ready");
    assert_eq!(
        status, 200,
        "round {round}: not ready after restart: {body}"
    );
    let (status, body) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(status, 200, "round {round}: {body}");
    assert!(body["model_version"].as_str().unwrap().starts_with('V'));
}

#[test]
fn twenty_sigkills_during_feedback_retrains_and_switches_lose_nothing_c7() {
    let seed = std::env::var("POTABLE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    println!("crash test seed {seed} (POTABLE_CRASH_SEED={seed} replays it)");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crash");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    train_into(&work);

    let mut acknowledged = Vec::new();
    let mut unexpected = Vec::new();
    for round in 0..KILLS {
        let server = start(&work);
        assert_serving(&server, round);
        let stop = Arc::new(AtomicBool::new(false));
        let clients = [
            feedback_writer(server.url.clone(), stop.clone()),
            retrainer(server.url.clone(), stop.clone()),
            switcher(server.url.clone(), stop.clone(), rng.gen()),
        ];
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_millis(rng.gen_range(200..2500)));
        } else {
            wait_for_cross_validation(&server.url);
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..400)));
        }
        server.kill();
        stop.store(true, Ordering::SeqCst);
        for client in clients {
            let seen = client.join().unwrap();
            acknowledged.extend(seen.acknowledged);
            unexpected.extend(seen.unexpected);
        }
    }
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:#?}");

    let server = start(&work);
    assert_serving(&server, KILLS);
    let stored = stored_feedback(&server);
    assert!(
        acknowledged.len() > KILLS,
        "too few writes: {}",
        acknowledged.len()
    );
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged feedback {id} was lost");
    }
    let (_, body) = server.get("/models/versions");
    let versions: Value = serde_json::from_str(&body).unwrap();
    let versions = versions["versions"].as_array().unwrap();
    let numbers: Vec<u64> = versions
        .iter()
        .map(|v| v["version"].as_str().unwrap()[1..].parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    for v in versions {
        assert_ne!(v["status"], "unavailable", "damaged after a kill: {v}");
    }
    assert!(versions.len() > 1, "no retrain finished in {KILLS} rounds");
    println!(
        "{KILLS} kills: {} acknowledged feedback rows all stored ({} in total), {} versions",
        acknowledged.len(),
        stored.len(),
        versions.len()
    );
}
