//! `mailsift serve` on the embedded store, end to end over HTTP on loopback: keys, jobs,
//! results in order, CSV, limits, callbacks (signed, never to private addresses unless
//! allowed). The PostgreSQL store and several workers are covered by tests/e2e/serve_pg.py.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TempDir, bin, run};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(keys: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--offline",
            "--listen",
            "127.0.0.1:0",
            "--keys-file",
            keys,
        ])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    Server { child, addr }
}

/// One HTTP/1.1 request; returns (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    ctype: &str,
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(k) = key {
        req.push_str(&format!("Authorization: Bearer {k}\r\n"));
    }
    req.push_str(&format!(
        "Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    s.write_all(req.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

fn key(keys: &str) -> String {
    let out = run(&["keys", "create", "--keys-file", keys, "--name", "t"], b"");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn wait_done(addr: &str, key: &str, id: &str) -> serde_json::Value {
    let t = Instant::now();
    loop {
        let (code, body) = http(
            addr,
            "GET",
            &format!("/v1/jobs/{id}"),
            Some(key),
            "text/plain",
            b"",
        );
        assert_eq!(code, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if v["status"] == "completed" {
            return v;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "job never completed: {v}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn jobs_results_keys_and_limits() {
    let dir = TempDir::new("serve");
    let keys = dir.s("keys.txt");
    let (k1, k2) = (key(&keys), key(&keys));
    assert_ne!(k1, k2);
    let stored = std::fs::read_to_string(&keys).unwrap();
    assert!(
        !stored.contains(&k1),
        "keys are stored hashed, never as given"
    );
    let srv = start(&keys, &["--max-body", "4096"]);
    let a = srv.addr.as_str();

    assert_eq!(http(a, "GET", "/healthz", None, "text/plain", b"").0, 200);
    let (code, spec) = http(a, "GET", "/openapi.json", None, "text/plain", b"");
    assert_eq!(code, 200);
    assert!(spec.contains("\"/v1/jobs/{id}/results\""));
    // No key, a wrong key.
    let csv = b"name,Email\nAnn,ann@example.com\nBob,not-an-address\nCy,=cmd@example.org\n";
    assert_eq!(http(a, "POST", "/v1/jobs", None, "text/csv", csv).0, 401);
    assert_eq!(
        http(a, "POST", "/v1/jobs", Some("msk_nope"), "text/csv", csv).0,
        401
    );
    // A CSV job: created, completed, results in input order.
    let (code, body) = http(a, "POST", "/v1/jobs", Some(&k1), "text/csv", csv);
    assert_eq!(code, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = wait_done(a, &k1, &id);
    assert_eq!(job["total"], 3);
    assert_eq!(job["processed"], 3);
    assert_eq!(job["verdicts"]["undeliverable"], 1);
    let (code, jsonl) = http(
        a,
        "GET",
        &format!("/v1/jobs/{id}/results"),
        Some(&k1),
        "text/plain",
        b"",
    );
    assert_eq!(code, 200);
    let recs: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows: Vec<u64> = recs.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [1, 2, 3]);
    assert_eq!(recs[1]["reason"], "invalid_syntax");
    assert!(recs.iter().all(|r| r["worker"].is_string()));
    // Paging and CSV (formula cells escaped).
    let (_, page) = http(
        a,
        "GET",
        &format!("/v1/jobs/{id}/results?offset=1&limit=1"),
        Some(&k1),
        "text/plain",
        b"",
    );
    assert_eq!(page.lines().count(), 1);
    assert!(page.contains("\"row\":2"));
    let (_, csv_out) = http(
        a,
        "GET",
        &format!("/v1/jobs/{id}/results?format=csv"),
        Some(&k1),
        "text/plain",
        b"",
    );
    assert!(csv_out.starts_with("row,input,normalized,verdict,reason,worker,source"));
    assert!(csv_out.contains("'=cmd@example.org"), "{csv_out}");
    assert_eq!(
        http(
            a,
            "GET",
            &format!("/v1/jobs/{id}/results?limit=0"),
            Some(&k1),
            "text/plain",
            b""
        )
        .0,
        400
    );
    // Another key sees nothing of it.
    let (code, body) = http(
        a,
        "GET",
        &format!("/v1/jobs/{id}"),
        Some(&k2),
        "text/plain",
        b"",
    );
    assert_eq!(code, 404);
    assert!(!body.contains(&id));
    assert_eq!(
        http(
            a,
            "GET",
            &format!("/v1/jobs/{id}/results"),
            Some(&k2),
            "text/plain",
            b""
        )
        .0,
        404
    );
    assert_eq!(
        http(
            a,
            "DELETE",
            &format!("/v1/jobs/{id}"),
            Some(&k2),
            "text/plain",
            b""
        )
        .0,
        404
    );
    // Limits and bad bodies.
    let big = format!("{{\"emails\": [\"{}\"]}}", "a".repeat(5000));
    assert_eq!(
        http(
            a,
            "POST",
            "/v1/jobs",
            Some(&k1),
            "application/json",
            big.as_bytes()
        )
        .0,
        413
    );
    assert_eq!(
        http(
            a,
            "POST",
            "/v1/jobs",
            Some(&k1),
            "application/json",
            b"{\"emails\": 3}"
        )
        .0,
        400
    );
    assert_eq!(
        http(a, "POST", "/v1/jobs", Some(&k1), "application/xml", b"<x/>").0,
        415
    );
    assert_eq!(
        http(
            a,
            "POST",
            "/v1/jobs",
            Some(&k1),
            "application/json",
            b"{\"emails\": []}"
        )
        .0,
        400
    );
    // Private callback URLs are refused without --allow-private-callbacks.
    let body = br#"{"emails": ["a@example.com"], "callback_url": "http://127.0.0.1:9/hook"}"#;
    let (code, msg) = http(a, "POST", "/v1/jobs", Some(&k1), "application/json", body);
    assert_eq!(code, 400, "{msg}");
    assert!(msg.contains("bad_callback_url"));
    // A single check.
    let (code, body) = http(
        a,
        "POST",
        "/v1/check",
        Some(&k1),
        "application/json",
        br#"{"email": "Ann@Example.COM"}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("\"normalized\":\"Ann@example.com\""),
        "{body}"
    );
    let (_, metrics) = http(a, "GET", "/metrics", None, "text/plain", b"");
    assert!(metrics.contains("mailsift_checks_total 1"), "{metrics}");
    assert!(
        metrics.contains("mailsift_jobs{status=\"completed\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_completed_job_calls_back_signed() {
    let dir = TempDir::new("serve-cb");
    let keys = dir.s("keys.txt");
    let k = key(&keys);
    let hook = TcpListener::bind("127.0.0.1:0").unwrap();
    let hook_addr = hook.local_addr().unwrap();
    let srv = start(&keys, &["--allow-private-callbacks"]);
    let body = format!(
        r#"{{"emails": ["a@example.com", "b@example.org"], "callback_url": "http://{hook_addr}/done?x=1"}}"#
    );
    let (code, resp) = http(
        &srv.addr,
        "POST",
        "/v1/jobs",
        Some(&k),
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(code, 201, "{resp}");
    hook.set_nonblocking(false).unwrap();
    let (mut conn, _) = hook.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the head and the declared body.
    let (head, body) = loop {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "the callback closed early");
        req.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&req).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= len {
                break (head.to_owned(), body[..len].to_owned());
            }
        }
    };
    conn.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    assert!(head.starts_with("POST /done?x=1 HTTP/1.1"), "{head}");
    let sig = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-mailsift-signature:")
                .map(|v| v.trim().to_owned())
        })
        .expect("a signature header");
    let want = mailsift::service::sign(&mailsift::service::callback_key(&k), body.as_bytes());
    assert_eq!(sig, want, "the body is signed with the key's callback key");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["event"], "job.completed");
    assert_eq!(v["job"]["processed"], 2);
    assert!(!body.contains(&k), "the API key itself is never sent");
}
