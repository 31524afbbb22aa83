//! Shared fixtures of the integration tests: a trained model folder and a real `potable serve`
//! process on 127.0.0.1.

#![allow(dead_code)] // each test binary uses a different subset of these helpers

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The `potable` binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_potable");

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real data set: `Data-set/` after `potable fetch-data`, else `../shared/data`.
pub fn data_file() -> PathBuf {
    let local = root().join("Data-set/water_potability.csv");
    if local.exists() {
        return local;
    }
    let shared = root().join("../shared/data/water_potability.csv");
    assert!(shared.exists(), "no data: run `potable fetch-data` first");
    shared
}

/// Runs `potable` with `args` in `cwd`, returning (success, stdout, stderr).
pub fn run(cwd: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run potable");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A models folder with one trained version (V1, active), trained once per test binary with
/// the fast test parameters under cargo's temporary folder, as `<tag>/models`.
pub fn trained_models(tag: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("trained-{tag}"));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).expect("create the work folder");
        train_into(&work);
        work.join("models")
    })
    .clone()
}

/// Trains a model with the fast test parameters into `work/models` (metrics in `work`).
pub fn train_into(work: &Path) {
    let params = root().join("tests/fixtures/params-fast.yaml");
    let data = data_file();
    let (ok, _, err) = run(
        work,
        &[
            "--quiet",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--params",
            params.to_str().unwrap(),
            "--models-dir",
            "models",
        ],
    );
    assert!(ok, "training failed: {err}");
}

/// A fresh folder `<prefix>-<tag>` under cargo's temporary folder with V1 trained into
/// `models/` (the fast test parameters).
pub fn fresh_work(prefix: &str, tag: &str) -> PathBuf {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-{tag}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("create the work folder");
    train_into(&work);
    work
}

/// A running `potable serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// e.g. `http://127.0.0.1:41234`
    pub url: String,
}

/// Starts `potable serve` over `work/models` able to retrain: the real data, the fast test
/// parameters and `admin_token`.
pub fn start_retraining_server(work: &Path, admin_token: &str) -> Server {
    let params = root().join("tests/fixtures/params-fast.yaml");
    let data = data_file();
    Server::start_with(
        &work.join("models"),
        &[
            "--data",
            data.to_str().unwrap(),
            "--params",
            params.to_str().unwrap(),
            "--admin-token",
            admin_token,
        ],
    )
}

/// A blocking HTTP client whose requests give up after `seconds`.
pub fn client_with_timeout(seconds: u64) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(seconds))
        .build()
        .expect("an HTTP client")
}

impl Server {
    /// Starts the server on a free port over `models_dir`.
    pub fn start(models_dir: &Path) -> Server {
        Self::start_with(models_dir, &[])
    }

    /// Starts the server on a free port over `models_dir` with extra `serve` flags.
    pub fn start_with(models_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--quiet", "serve", "--port", "0", "--models-dir"])
            .arg(models_dir)
            .args(extra)
            .arg("--site-root")
            .arg(root().join("target/site"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// Wraps a server process started by a test itself, listening on `url`.
    pub fn from_child(child: Child, url: String) -> Server {
        Server { child, url }
    }

    /// POSTs a JSON text body to `path`; returns (status, parsed JSON body).
    pub fn post_json(&self, path: &str, body: &str) -> (u16, serde_json::Value) {
        let resp = client()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().expect("body");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("non-JSON body ({e}) with status {status}: {text}"));
        (status, json)
    }

    /// Polls `GET /retrain/status` until no job is running (at most 120 s); returns the job.
    pub fn wait_for_retrain(&self) -> serde_json::Value {
        let start = std::time::Instant::now();
        loop {
            let (status, body) = self.get("/retrain/status");
            assert_eq!(status, 200, "{body}");
            let body: serde_json::Value = serde_json::from_str(&body).expect("JSON status");
            if body["job"]["state"] != "running" {
                return body["job"].clone();
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(120),
                "retrain too slow"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// GETs `path`; returns (status, body text).
    pub fn get(&self, path: &str) -> (u16, String) {
        let resp = client()
            .get(format!("{}{path}", self.url))
            .send()
            .expect("request");
        (resp.status().as_u16(), resp.text().expect("body"))
    }
}

impl Server {
    /// Kills the server with SIGKILL and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

/// The valid sample of the handed-over cases, as a JSON object.
pub const VALID_SAMPLE: &str = r#"{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}"#;
