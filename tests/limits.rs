//! Request limits against a real `potable serve` on 127.0.0.1 (issue 7): JSON 413 beyond the
//! body limits, and a flood of large bad requests does not stop valid ones.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{trained_models, Server, VALID_SAMPLE};
use potable::server::limits::MAX_BODY_BYTES;
use serde_json::Value;

fn server() -> Server {
    Server::start(&trained_models("limits"))
}

/// Sends a POST that announces `length` body bytes but sends only `sent` of them, and returns
/// the status and JSON body of the answer.
fn announce(url: &str, path: &str, length: usize, sent: usize) -> (u16, Value) {
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(&vec![b'x'; sent]);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body = body.trim_start_matches(|c: char| c.is_ascii_hexdigit() || c == '\r' || c == '\n');
    let json_end = body.rfind('}').map_or(0, |i| i + 1);
    (
        status,
        serde_json::from_str(&body[..json_end]).unwrap_or(Value::Null),
    )
}

#[test]
fn announced_oversized_bodies_get_json_413_on_every_route_before_upload() {
    let server = server();
    for path in ["/predict", "/api/anything", "/", "/predict/batch"] {
        // Only the headers are sent: the answer must not wait for 5 MB that never come.
        let started = Instant::now();
        let (status, json) = announce(&server.url, path, MAX_BODY_BYTES + 1, 0);
        assert_eq!(status, 413, "{path}: {json}");
        assert_eq!(json["error"], "body_too_large", "{path}");
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains(&MAX_BODY_BYTES.to_string()),
            "{json}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
    // /predict's own, lower limit: 16 KiB.
    let (status, json) = announce(&server.url, "/predict", 16 * 1024 + 1, 16 * 1024 + 1);
    assert_eq!(status, 413, "{json}");
    assert!(
        json["message"].as_str().unwrap().contains("16384"),
        "{json}"
    );
}

#[test]
fn a_flood_of_large_bad_requests_does_not_stop_valid_ones() {
    let server = server();
    let stop = Arc::new(AtomicBool::new(false));
    let flooded = Arc::new(AtomicU64::new(0));
    let flooders: Vec<_> = (0..6)
        .map(|i| {
            let (url, stop, flooded) = (server.url.clone(), stop.clone(), flooded.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                // Alternate: just under the route limit (read, then refused as not JSON),
                // far over it (refused from the header), and over the global ceiling.
                let bodies = [
                    vec![b'{'; 16 * 1024 - 1],
                    vec![b'x'; 1 << 20],
                    vec![b'['; MAX_BODY_BYTES + 10],
                ];
                let mut k = i;
                while !stop.load(Ordering::Relaxed) {
                    let body = bodies[k % bodies.len()].clone();
                    k += 1;
                    if let Ok(resp) = client.post(format!("{url}/predict")).body(body).send() {
                        assert!(
                            [400, 413].contains(&resp.status().as_u16()),
                            "bad request answered {}",
                            resp.status()
                        );
                    }
                    flooded.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let client = reqwest::blocking::Client::new();
    let mut slowest = Duration::ZERO;
    for _ in 0..200 {
        let started = Instant::now();
        let resp = client
            .post(format!("{}/predict", server.url))
            .header("content-type", "application/json")
            .body(VALID_SAMPLE)
            .send()
            .expect("a valid request is answered during the flood");
        assert_eq!(resp.status().as_u16(), 200);
        let json: Value = serde_json::from_str(&resp.text().unwrap()).unwrap();
        assert!(json["probability_potable"].as_f64().is_some());
        slowest = slowest.max(started.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        f.join().unwrap();
    }
    let flooded = flooded.load(Ordering::Relaxed);
    assert!(flooded >= 50, "only {flooded} flood requests were sent");
    assert!(
        slowest < Duration::from_secs(1),
        "slowest valid request took {slowest:?} during {flooded} bad ones"
    );
}
