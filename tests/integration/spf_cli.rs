//! `spf`: results, trace, JSON, exit codes; `--zone` before the network, `--offline`; the
//! network driver against the in-process DNS server.

use mailsift_testkit::dns_server::DnsServer;

use super::support::{TempDir, run};

const ZONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/spf/example.zone");

fn text(args: &[&str]) -> (Option<i32>, String, String) {
    let o = run(args, b"");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn zone_offline_pass_through_include_with_trace() {
    let (code, out, err) = text(&[
        "spf",
        "--offline",
        "--zone",
        ZONE,
        "--ip",
        "203.0.113.7",
        "--sender",
        "alice@example.com",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("result: pass\n"), "{out}");
    assert!(out.contains("lookups: 3/10, void lookups: 0/2"), "{out}");
    assert!(
        out.contains("term include:_spf.provider.example.  [lookup 2/10]"),
        "{out}"
    );
    assert!(
        out.contains("query A relay.provider.example -> answer [203.0.113.7]"),
        "{out}"
    );
}

#[test]
fn fail_has_the_exp_explanation_and_json_has_the_trace() {
    let o = run(
        &[
            "spf",
            "--offline",
            "--zone",
            ZONE,
            "--ip",
            "192.0.2.99",
            "--sender",
            "alice@example.com",
            "--json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["result"], "fail");
    assert_eq!(
        v["explanation"],
        "192.0.2.99 is not one of example.com's senders"
    );
    assert_eq!(v["lookups"], 3);
    let trace = v["trace"].as_array().expect("trace");
    assert!(
        trace
            .iter()
            .any(|e| e["event"] == "query" && e["rtype"] == "MX" && e["name"] == "example.com")
    );
    assert_eq!(trace.last().unwrap()["event"], "result");
}

#[test]
fn offline_names_outside_the_zone_are_nxdomain_and_exit_is_zero_on_permerror() {
    let (code, out, _) = text(&[
        "spf",
        "--offline",
        "--zone",
        ZONE,
        "--ip",
        "192.0.2.1",
        "broken.example",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("result: permerror\n"), "{out}");
    assert!(
        out.contains("query TXT nothing.example -> nxdomain"),
        "{out}"
    );
    let (code, out, _) = text(&["spf", "--offline", "--ip", "192.0.2.1", "unknown.example"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("result: none\n"), "{out}");
}

#[test]
fn zone_errors_name_file_and_line() {
    let dir = TempDir::new("spf-zone");
    let path = dir.path("bad.zone");
    std::fs::write(&path, "ok.example. A 192.0.2.1\nbad.example. MX ten mx\n").unwrap();
    let (code, _, err) = text(&[
        "spf",
        "--offline",
        "--zone",
        &path.to_string_lossy(),
        "--ip",
        "192.0.2.1",
        "ok.example",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("bad.zone:2: bad MX preference"), "{err}");
    let (code, _, _) = text(&["spf", "--ip", "192.0.2.1"]);
    assert_eq!(code, Some(2), "no domain, sender or helo is a usage error");
}

#[test]
fn network_answers_come_after_the_zone() {
    let server = DnsServer::start(
        "net.test TXT v=spf1 a:host.net.test -all\n\
         host.net.test A 192.0.2.5\n\
         flaky.test BEHAVIOR servfail\n",
    );
    let dns = server.arg();
    let (code, out, err) = text(&["spf", "--dns", &dns, "--ip", "192.0.2.5", "net.test"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("result: pass\n"), "{out}");
    // The zone file's record for net.test wins over the server's.
    let dir = TempDir::new("spf-net");
    let z = dir.path("over.zone");
    std::fs::write(&z, "net.test. TXT \"v=spf1 -all\"\n").unwrap();
    let (_, out, _) = text(&[
        "spf",
        "--dns",
        &dns,
        "--zone",
        &z.to_string_lossy(),
        "--ip",
        "192.0.2.5",
        "net.test",
    ]);
    assert!(out.starts_with("result: fail\n"), "{out}");
    // SERVFAIL is a temperror, never a fail.
    let (code, out, _) = text(&[
        "spf",
        "--dns",
        &dns,
        "--dns-timeout",
        "0.5",
        "--ip",
        "192.0.2.5",
        "flaky.test",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("result: temperror\n"), "{out}");
}
