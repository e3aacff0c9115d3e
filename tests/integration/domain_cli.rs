//! `domain`: the audit through the CLI on committed zone files (`--zone --offline`), exit codes
//! by the worst finding, JSON / text / HTML outputs, and the network path: records from the
//! in-process DNS server and the MTA-STS policy from an in-process HTTPS server on 127.0.0.1
//! with a throwaway certificate.

use std::sync::Arc;

use mailsift_testkit::dns_server::DnsServer;
use serde_json::Value;

use super::support::{TempDir, run};

const GOOD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/domain/good.zone");
const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/domain/broken.zone");
pub(crate) const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/domain/tls/ca.pem");
const LEAF: &[u8] = include_bytes!("../data/domain/tls/leaf.pem");
const KEY: &[u8] = include_bytes!("../data/domain/tls/leaf.key.pem");

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut a = vec!["domain", "--json", "-"];
    a.extend_from_slice(args);
    let o = run(&a, b"");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), v)
}

fn codes(v: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(c)), Some(Value::String(_))) =
                    (m.get("code"), m.get("severity"))
                {
                    out.push(c.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

#[test]
fn a_good_domain_offline_is_ready_with_every_section() {
    let (code, v) = json(&[
        "example.test",
        "--zone",
        GOOD,
        "--offline",
        "--selector",
        "s2048",
        "--ip",
        "192.0.2.10",
        "--dnsbl",
        "bl.example,domain:dbl.example",
    ]);
    assert_eq!(v["verdict"]["verdict"], "ready", "{v:#}");
    assert_eq!(v["spf"]["lookups"], 1);
    assert_eq!(v["spf"]["results"][0]["result"], "pass");
    assert_eq!(v["dmarc"]["policy"], "reject");
    assert_eq!(v["dmarc"]["rua"][1]["authorization"], "authorized");
    assert_eq!(v["dkim"]["keys"][0]["key_bits"], 2048);
    assert_eq!(v["ptr"][0]["fcrdns"], "pass");
    assert_eq!(v["mx"]["hosts"][1]["host"], "mx2.example.test");
    assert_eq!(v["tlsrpt"]["rua"][0], "mailto:tls-reports@example.test");
    assert_eq!(v["bimi"]["logo_url"], "https://example.test/logo.svg");
    assert_eq!(v["dnsbl"]["lists"][0]["health"], "ok");
    assert_eq!(v["dnsbl"]["results"][0]["status"], "not_listed");
    assert_eq!(v["dnssec"]["status"], "zone");
    // Offline: the policy is not fetched, which is an unknown, never an error.
    assert_eq!(codes(&v), ["mta_sts_fetch"]);
    assert_eq!(v["worst"], "unknown");
    assert_eq!(code, Some(3));
}

#[test]
fn a_weak_domain_has_each_problem_named_and_exits_5() {
    let (code, v) = json(&[
        "weak.example",
        "--zone",
        BROKEN,
        "--offline",
        "--selector",
        "k1024",
        "--selector",
        "old",
        "--ip",
        "192.0.2.20",
        "--dnsbl",
        "bl.example,domain:dbl.example",
    ]);
    assert_eq!(code, Some(5));
    let c = codes(&v);
    for want in [
        "spf_pass_all",
        "dmarc_removed_tag",
        "dmarc_external_not_authorized",
        "dmarc_policy_none",
        "dkim_testing",
        "dkim_key_short",
        "dkim_revoked",
        "bimi_bad_url",
        "bimi_needs_dmarc_enforcement",
        "fcrdns_fail",
        "dnsbl_listed",
    ] {
        assert!(c.contains(&want.to_string()), "{want} missing from {c:?}");
    }
    assert_eq!(c.iter().filter(|c| *c == "dmarc_removed_tag").count(), 3);
    assert_eq!(v["dkim"]["keys"][0]["key_bits"], 1024);
    assert_eq!(v["dkim"]["keys"][1]["revoked"], true);
    let listed: Vec<&str> = v["dnsbl"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "listed")
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["192.0.2.20", "weak.example"]);
    assert_eq!(
        v["dnsbl"]["results"][1]["meanings"][0],
        "listed (code 127.0.1.4)"
    );
    assert_eq!(v["verdict"]["verdict"], "not_ready");
}

#[test]
fn null_mx_cname_targets_hosts_without_address_and_org_policy() {
    let (code, v) = json(&[
        "nullmx.example",
        "--zone",
        BROKEN,
        "--offline",
        "--dnsbl",
        "none",
    ]);
    assert_eq!(code, Some(5));
    assert_eq!(v["mx"]["null_mx"], true);
    let (_, v) = json(&[
        "cname.example",
        "--zone",
        BROKEN,
        "--offline",
        "--dnsbl",
        "none",
    ]);
    assert_eq!(v["mx"]["hosts"][0]["cname"], "mx.host.example");
    assert_eq!(v["mx"]["hosts"][0]["addresses"][0], "192.0.2.40");
    assert_eq!(v["mx"]["hosts"][1]["status"], "no_address");
    let c = codes(&v);
    assert!(c.contains(&"mx_cname".to_string()) && c.contains(&"spf_multiple_records".into()));
    let (_, v) = json(&[
        "sub.org.example",
        "--zone",
        BROKEN,
        "--offline",
        "--dnsbl",
        "none",
    ]);
    assert_eq!(v["dmarc"]["location"], "org.example");
    assert_eq!(v["dmarc"]["policy"], "quarantine");
    assert_eq!(v["dmarc"]["organizational_domain"], "org.example");
}

#[test]
fn text_and_html_are_safe_from_what_the_dns_says() {
    let dir = TempDir::new("domain-html");
    let html = dir.s("report.html");
    let o = run(
        &[
            "domain",
            "escape.example",
            "--zone",
            BROKEN,
            "--offline",
            "--dnsbl",
            "none",
            "--html",
            &html,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(5));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(out.contains("spf_syntax"), "{out}");
    let o = run(
        &[
            "domain",
            "weak.example",
            "--zone",
            BROKEN,
            "--offline",
            "--dnsbl",
            "none",
            "--html",
            &html,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(5));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("&lt;b&gt;logo&lt;/b&gt;"), "escaped");
    assert!(!page.contains("<b>logo"));
    assert!(!page.contains("<script") && !page.contains("src=\"http"));
}

#[test]
fn usage_errors() {
    let o = run(&["domain", "bad domain", "--offline"], b"");
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &["domain", "x.example", "--offline", "--dns", "127.0.0.1"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &["domain", "x.example", "--offline", "--dnsbl", "nodot"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
}

/// Serve one MTA-STS policy over TLS on 127.0.0.1 (a fresh port) to each client.
pub(crate) fn policy_server(body: &'static str) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cert = CertificateDer::from_pem_slice(LEAF).unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    port
}

#[test]
fn network_records_and_the_policy_over_https() {
    // DMARC and TLS-RPT come from the DNS server; the rest from the zone file.
    let dns = DnsServer::start(
        "_dmarc.net.example.test TXT v=DMARC1; p=quarantine; rua=mailto:d@net.example.test\n\
         _smtp._tls.net.example.test TXT v=TLSRPTv1; rua=mailto:t@net.example.test\n\
         net.example.test MX 10 mx1.example.test\n\
         net.example.test TXT v=spf1 ip4:192.0.2.0/24 -all\n",
    );
    let zone_dir = TempDir::new("domain-net");
    let zone = zone_dir.path("net.zone");
    std::fs::write(
        &zone,
        "_mta-sts.net.example.test. TXT \"v=STSv1; id=1;\"\nmta-sts.net.example.test. A 127.0.0.1\n\
         mx1.example.test. A 192.0.2.10\n",
    )
    .unwrap();
    // The certificate names mta-sts.example.test: for net.example.test it must not verify.
    let port = policy_server("version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 86400\n");
    let port_s = port.to_string();
    let dns_arg = dns.addr.to_string();
    let zone_s = zone.to_string_lossy().into_owned();
    let base = [
        "--dns",
        &dns_arg,
        "--zone",
        &zone_s,
        "--dnsbl",
        "none",
        "--mta-sts-port",
        &port_s,
        "--mta-sts-ca",
        CA,
        "--timeout",
        "3",
    ];
    let mut args = vec!["net.example.test"];
    args.extend_from_slice(&base);
    let (_, v) = json(&args);
    assert_eq!(v["dmarc"]["policy"], "quarantine");
    assert_eq!(v["tlsrpt"]["rua"][0], "mailto:t@net.example.test");
    assert_eq!(
        v["dnssec"]["status"], "not_authenticated",
        "{:#}",
        v["dnssec"]
    );
    let fetch: Vec<&Value> = v["mta_sts"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(fetch[0]["code"], "mta_sts_fetch", "{fetch:?}");
    assert_eq!(
        fetch[0]["severity"], "error",
        "a certificate for another name is definite"
    );

    // example.test: the certificate matches; the policy is read and the MX checked.
    let mut args = vec!["example.test"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["--zone", GOOD]);
    let (_, v) = json(&args);
    assert_eq!(v["mta_sts"]["status"], 200, "{:#}", v["mta_sts"]);
    assert_eq!(v["mta_sts"]["policy"]["mode"], "enforce");
    assert_eq!(v["mta_sts"]["mx_matches"][0]["pattern"], "*.example.test");
    assert_eq!(v["mta_sts"]["findings"], Value::Array(vec![]));
}

/// A validating resolver's stand-in on 127.0.0.1: answers `TXT` for names under
/// `signed.example` with the AD bit set, when the query asked for it (AD=1, RFC 6840 5.7), and
/// NXDOMAIN for everything else. Returns its address.
fn validating_resolver() -> std::net::SocketAddr {
    use hickory_proto::op::{Message, MessageType, ResponseCode};
    use hickory_proto::rr::rdata::TXT;
    use hickory_proto::rr::{RData, Record, RecordType};
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(query) = q.queries.first().cloned() else {
                continue;
            };
            let mut r = Message::new(q.metadata.id, MessageType::Response, q.metadata.op_code);
            r.metadata.recursion_desired = true;
            r.metadata.recursion_available = true;
            r.add_query(query.clone());
            let name = query.name().to_ascii().to_ascii_lowercase();
            let data = match name.as_str() {
                "signed.example." => Some("v=spf1 -all"),
                "_dmarc.signed.example." => Some("v=DMARC1; p=reject; rua=mailto:d@signed.example"),
                _ => None,
            };
            match data {
                Some(d) if query.query_type() == RecordType::TXT => {
                    r.add_answer(Record::from_rdata(
                        query.name().clone(),
                        60,
                        RData::TXT(TXT::new(vec![d.to_string()])),
                    ));
                    r.metadata.authentic_data = q.metadata.authentic_data;
                }
                Some(_) => {}
                None => r.metadata.response_code = ResponseCode::NXDomain,
            }
            if let Ok(bytes) = r.to_vec() {
                let _ = sock.send_to(&bytes, peer);
            }
        }
    });
    addr
}

#[test]
fn answers_a_validating_resolver_authenticated_are_marked() {
    let addr = validating_resolver().to_string();
    let (_, v) = json(&["signed.example", "--dns", &addr, "--dnsbl", "none"]);
    assert_eq!(v["dnssec"]["status"], "authenticated", "{:#}", v["dnssec"]);
    assert_eq!(v["dnssec"]["answers"], 2);
    let q: Vec<&Value> = v["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["outcome"] == "answer")
        .collect();
    assert!(q.iter().all(|q| q["dnssec"] == "authenticated"), "{q:?}");
    assert_eq!(v["dmarc"]["policy"], "reject");
}
