//! `POST /predict/batch` against a real `potable serve` on 127.0.0.1 (cases C2, C3, C5).

mod common;

use common::{trained_models, Server, VALID_SAMPLE};
use serde_json::Value;

const CANONICAL: &str =
    "ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity";
const ROWS: [&str; 2] = [
    "7.0,200.0,20000.0,7.5,350.0,400.0,14.0,70.0,4.0",
    "6.2,150.5,18000.0,6.1,300.0,450.0,10.0,55.0,3.1",
];

fn server() -> Server {
    Server::start(&trained_models("batch"))
}

fn post(server: &Server, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/predict/batch", server.url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

/// Sends only the headers of a JSON `POST /predict/batch` declaring a body of `length` bytes
/// and reads the answer: (status, JSON body).
fn declare_body(server: &Server, length: usize) -> (u16, Value) {
    use std::io::{Read, Write};
    let addr = server.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /predict/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer); // the server closes after the refusal
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text:?}"));
    (status, json)
}

fn probabilities(json: &Value) -> Vec<f64> {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["probability_potable"].as_f64().unwrap())
        .collect()
}

#[test]
fn shuffled_csv_header_gives_the_canonical_probabilities_and_predict_agrees() {
    let server = server();
    let canonical = format!("{CANONICAL}\n{}\n{}\n", ROWS[0], ROWS[1]);
    let (status, a) = post(&server, "text/csv", canonical.into_bytes());
    assert_eq!(status, 200, "{a}");
    // The same rows with the columns in reverse order, as a BOM + CRLF file (C2, C3).
    let rev = |line: &str| line.split(',').rev().collect::<Vec<_>>().join(",");
    let shuffled = format!(
        "\u{feff}{}\r\n{}\r\n{}\r\n",
        rev(CANONICAL),
        rev(ROWS[0]),
        rev(ROWS[1])
    );
    let (status, b) = post(&server, "text/csv", shuffled.into_bytes());
    assert_eq!(status, 200, "{b}");
    assert_eq!(probabilities(&a), probabilities(&b));
    assert_eq!(a["model_version"], "V1");
    // The same as /predict for the same row, and as the JSON batch.
    let (_, single) = server.post_json("/predict", VALID_SAMPLE);
    assert_eq!(
        single["probability_potable"].as_f64().unwrap(),
        probabilities(&a)[0]
    );
    let (status, c) = post(
        &server,
        "application/json",
        format!("{{\"samples\":[{VALID_SAMPLE}]}}").into_bytes(),
    );
    assert_eq!(status, 200, "{c}");
    assert_eq!(probabilities(&c)[0], probabilities(&a)[0]);
}

#[test]
fn bad_rows_are_named_by_index_field_and_rule() {
    let server = server();
    let bad = VALID_SAMPLE.replace("\"ph\":7.0", "\"ph\":15.2");
    let (status, json) = post(
        &server,
        "application/json",
        format!("[{VALID_SAMPLE},{bad}]").into_bytes(),
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        (json["predicted"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let row = &json["results"][1];
    assert_eq!(row["row"], 1);
    assert_eq!(row["errors"][0]["field"], "ph");
    assert!(row["errors"][0]["rule"]
        .as_str()
        .unwrap()
        .contains("[0, 14]"));
    assert!(row.get("probability_potable").is_none());
    let csv = format!("{CANONICAL}\n{}\n7,200,abc,7.5,350,400,14,70,4\n", ROWS[0]);
    let (_, json) = post(&server, "text/csv", csv.into_bytes());
    assert_eq!(json["results"][1]["line"], 3);
    assert_eq!(json["results"][1]["errors"][0]["field"], "Solids");
}

#[test]
fn whole_file_problems_are_400_naming_the_cause() {
    let server = server();
    let dup = format!("{CANONICAL},ph\n{},7\n", ROWS[0]);
    let (status, json) = post(&server, "text/csv", dup.into_bytes());
    assert_eq!(status, 400);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("duplicated column \"ph\""),
        "{json}"
    );
    let unknown = format!("{CANONICAL},Color\n{},3\n", ROWS[0]);
    let (status, json) = post(&server, "text/csv", unknown.into_bytes());
    assert_eq!(status, 400);
    assert!(
        json["message"].as_str().unwrap().contains("Color"),
        "{json}"
    );
    let semi = "ph;Hardness;Solids;Chloramines;Sulfate;Conductivity;Organic_carbon;Trihalomethanes;Turbidity\n7,08;204,89;20791,3;7,3;368,5;564,3;10,4;86,9;2,96\n";
    let (status, json) = post(&server, "text/csv", semi.as_bytes().to_vec());
    assert_eq!(status, 400);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("comma-separated"),
        "{json}"
    );
    let (status, json) = post(&server, "text/plain", b"x".to_vec());
    assert_eq!(status, 415, "{json}");
}

#[test]
fn limits_answer_413_and_the_server_keeps_answering() {
    let server = server();
    // C5: 30,000 rows (~4 MB) is over the 2 MiB / 10,000-row limit.
    let batch = |n: usize| format!("[{}]", vec![VALID_SAMPLE; n].join(","));
    // The 413 comes from Content-Length before any of the body is read, so the headers alone
    // get the whole answer (a client still writing the body could see a closed connection).
    let (status, json) = declare_body(&server, batch(30_000).len());
    assert_eq!(status, 413, "{json}");
    assert_eq!(json["error"], "body_too_large", "{json}");
    assert!(
        json["message"].as_str().unwrap().contains("limit"),
        "{json}"
    );
    let (status, json) = declare_body(&server, batch(1_000_000).len());
    assert_eq!(status, 413, "{json}");
    assert_eq!(server.get("/health").0, 200);
    // 10,001 small rows fit in 2 MiB as CSV but break the row limit.
    let csv = format!("{CANONICAL}\n{}", format!("{}\n", ROWS[0]).repeat(10_001));
    let (status, json) = post(&server, "text/csv", csv.into_bytes());
    assert_eq!(status, 413);
    assert_eq!(json["error"], "too_many_rows");
    assert_eq!(json["limit_rows"], 10_000);
    // 1,000,000 rows: refused, while /health keeps answering.
    let big = batch(1_000_000).into_bytes();
    let url = server.url.clone();
    let sender = std::thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(format!("{url}/predict/batch"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .map(|r| r.status().as_u16())
    });
    for _ in 0..5 {
        assert_eq!(server.get("/health").0, 200);
    }
    // The refusal may arrive as a 413 or as a connection closed mid-upload; never a 2xx.
    if let Ok(status) = sender.join().unwrap() {
        assert_eq!(status, 413);
    }
    // 10,000 rows (the limit) are served.
    let (status, json) = post(&server, "application/json", batch(10_000).into_bytes());
    assert_eq!(status, 200, "{}", json["message"]);
    assert_eq!(json["predicted"], 10_000);
}
