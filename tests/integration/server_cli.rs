//! `server`: every finding from a scripted misconfiguration of the in-process SMTP server, no
//! finding on a clean one, and the safety rules (nothing but RSET/QUIT after a refused MAIL
//! FROM, never DATA, no credential in any output, control characters never reach the terminal).

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use mailsift_testkit::smtp_server::{AuthScript, Mode, Script, Seen, Server, certs, start};
use serde_json::Value;

use super::support::{TempDir, bin};

const HOST: &str = "mx.server.test";

/// A zone for mx.server.test on 127.0.0.1 with a matching PTR, plus `extra` lines.
fn zone(dir: &TempDir, ptr: bool, extra: &str) -> String {
    let mut z = format!("{HOST}. A 127.0.0.1\n{extra}\n");
    if ptr {
        z.push_str(&format!("1.0.0.127.in-addr.arpa. PTR {HOST}.\n"));
    }
    let path = dir.s("zone");
    std::fs::write(&path, z).unwrap();
    path
}

fn ca(dir: &TempDir) -> String {
    let path = dir.s("ca.pem");
    std::fs::write(&path, certs::CA).unwrap();
    path
}

/// A fresh directory with the zone (as [`zone`]) and the test CA.
struct Files {
    dir: TempDir,
    zone: String,
    ca: String,
}

impl Files {
    fn new(tag: &str, ptr: bool, zone_extra: &str) -> Files {
        let dir = TempDir::new(tag);
        let zone = zone(&dir, ptr, zone_extra);
        let ca = ca(&dir);
        Files { dir, zone, ca }
    }
}

/// `server HOST --offline --zone ZONE --port PORT`, then `extra`.
fn offline_args<'a>(zone: &'a str, port: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["server", HOST, "--offline", "--zone", zone, "--port", port];
    args.extend_from_slice(extra);
    args
}

/// Run mailsift with `args`, stdin closed, the AUTH password variable set to `password` (or
/// removed).
fn mailsift(args: &[&str], password: Option<&str>) -> Output {
    let mut c = Command::new(bin());
    c.args(args).stdin(Stdio::null());
    match password {
        Some(p) => c.env("MAILSIFT_AUTH_PASSWORD", p),
        None => c.env_remove("MAILSIFT_AUTH_PASSWORD"),
    };
    c.output().expect("run mailsift")
}

/// A server that raises no finding: right names, STARTTLS with a trusted valid certificate,
/// postmaster accepted, VRFY disabled.
fn clean_script() -> Script {
    Script {
        hostname: Some(HOST.into()),
        starttls: true,
        tls_pem: Some(certs::VALID),
        users: vec!["postmaster".into(), "alice".into()],
        ..Script::default()
    }
}

struct Outcome {
    code: Option<i32>,
    json: Value,
    stderr: String,
    seen: std::sync::Arc<Seen>,
}

impl Outcome {
    /// The JSON report on stdout of a run against `server` (which never saw DATA).
    fn new(o: Output, server: &Server) -> Outcome {
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        let json: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("JSON: {e}; stderr {stderr}"));
        assert_no_data(&server.seen);
        Outcome {
            code: o.status.code(),
            json,
            stderr,
            seen: server.seen.clone(),
        }
    }

    fn ids(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for h in self.json["hosts"].as_array().unwrap() {
            for f in h["findings"].as_array().unwrap() {
                out.insert(f["id"].as_str().unwrap().to_owned());
            }
            for p in h["ports"].as_array().unwrap() {
                for f in p["findings"].as_array().unwrap() {
                    out.insert(f["id"].as_str().unwrap().to_owned());
                }
            }
        }
        out
    }

    fn port(&self) -> &Value {
        &self.json["hosts"][0]["ports"][0]
    }
}

fn assert_no_data(seen: &Seen) {
    for c in seen.commands() {
        assert!(!c.eq_ignore_ascii_case("DATA"), "DATA sent");
    }
}

/// Run `mailsift server` against `server` with the zone and extra args; JSON to stdout.
fn check_with(server: &Server, ptr: bool, zone_extra: &str, extra: &[&str]) -> Outcome {
    let f = Files::new("server", ptr, zone_extra);
    let port = server.addr.port().to_string();
    let mut args = offline_args(
        &f.zone,
        &port,
        &[
            "--helo",
            "client.test",
            "--tls-ca",
            &f.ca,
            "--timeout",
            "3",
            "--json",
            "-",
        ],
    );
    args.extend_from_slice(extra);
    Outcome::new(mailsift(&args, None), server)
}

fn check(script: Script, extra: &[&str]) -> Outcome {
    check_with(&start(script), true, "", extra)
}

/// Exactly these finding ids (and the exit code of the worst).
fn assert_ids(o: &Outcome, want: &[&str]) {
    let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
    assert_eq!(o.ids(), want, "{:#}\n{}", o.json, o.stderr);
}

#[test]
fn a_clean_server_has_no_finding_and_exit_0() {
    let o = check(clean_script(), &[]);
    assert_ids(&o, &[]);
    assert_eq!(o.code, Some(0));
    let p = o.port();
    assert_eq!(p["open"], true);
    assert_eq!(p["greeting"]["code"], 220);
    assert_eq!(p["ehlo"]["name"], HOST);
    assert_eq!(p["tls"]["mode"], "starttls");
    assert_eq!(p["tls"]["version"], "TLSv1.3");
    assert_eq!(p["tls"]["trusted"], true);
    assert_eq!(p["tls"]["key_type"], "EC P-256");
    assert_eq!(p["postmaster"][1]["code"], 250);
    assert_eq!(o.json["hosts"][0]["identity"]["fcrdns"], true);
    // The walk: EHLO, STARTTLS, EHLO, VRFY, EXPN, MAIL FROM:<>, RCPT postmaster, RSET, QUIT.
    assert_eq!(
        o.seen.commands(),
        [
            "EHLO client.test",
            "STARTTLS",
            "EHLO client.test",
            "VRFY postmaster",
            "EXPN postmaster",
            "MAIL FROM:<>",
            "RCPT TO:<postmaster@mx.server.test>",
            "RSET",
            "QUIT",
            // The second connection: a ClientHello capped at TLS 1.1 after STARTTLS.
            "EHLO client.test",
            "STARTTLS"
        ]
    );
    assert_eq!(p["tls"]["legacy_versions"], "refused");
}

#[test]
fn port_closed() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port().to_string();
    drop(free);
    let f = Files::new("server-closed", true, "");
    let o = mailsift(&offline_args(&f.zone, &port, &["--json", "-"]), None);
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["hosts"][0]["ports"][0]["open"], false);
    assert_eq!(
        json["hosts"][0]["ports"][0]["findings"][0]["id"],
        "port_closed"
    );
    assert_eq!(o.status.code(), Some(5));
}

#[test]
fn no_greeting_and_greeting_4xx() {
    let o = check(
        Script {
            mode: Mode::Drop,
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["no_greeting"]);
    assert_eq!(o.code, Some(5));
    let o = check(
        Script {
            mode: Mode::Busy,
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["greeting_4xx"]);
    assert_eq!(o.port()["greeting"]["code"], 421);
}

#[test]
fn a_tarpit_is_a_slow_greeting_not_a_failure() {
    // A greet pause past the threshold, then a normal session.
    let o = check(
        Script {
            greeting_delay: Duration::from_millis(5200),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["slow_greeting"]);
    assert_eq!(o.code, Some(0), "a tarpit is info, not a failure");
    assert!(o.port()["greeting"]["ms"].as_u64().unwrap() >= 5000);
    // Silent past the greeting timeout (2 x --timeout 1): still a tarpit, not no_greeting.
    let o = check(
        Script {
            mode: Mode::Tarpit,
            ..clean_script()
        },
        &["--timeout", "1"],
    );
    assert_ids(&o, &["slow_greeting"]);
    assert_eq!(o.code, Some(4));
}

#[test]
fn no_starttls_and_a_refused_starttls() {
    let o = check(
        Script {
            starttls: false,
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["no_starttls"]);
    assert_eq!(o.code, Some(4));
    // STARTTLS advertised but refused when asked.
    let o = check(
        Script {
            starttls: false,
            ehlo: Some(format!("250-{HOST}\n250 STARTTLS")),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["tls_handshake_failed"]);
}

#[test]
fn certificate_findings() {
    let o = check(
        Script {
            tls_pem: Some(certs::SELF_SIGNED),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["cert_untrusted"]);
    let o = check(
        Script {
            tls_pem: Some(certs::EXPIRED),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["cert_expired"]);
    assert_eq!(o.port()["tls"]["not_after"], "2021-01-01");
    assert_eq!(o.code, Some(5));
    let o = check(
        Script {
            tls_pem: Some(certs::WRONG_NAME),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["cert_name_mismatch"]);
    // The built-in self-signed certificate for another name: both.
    let o = check(
        Script {
            tls_pem: None,
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["cert_untrusted", "cert_name_mismatch"]);
}

#[test]
fn implicit_tls_on_an_smtps_port() {
    let server = start(Script {
        starttls: false,
        implicit_tls: true,
        ..clean_script()
    });
    let port = server.addr.port().to_string();
    let o = check_with(&server, true, "", &["--implicit-tls", &port]);
    // A submission port: postmaster@ is not owed; no STARTTLS expected.
    assert_ids(&o, &[]);
    assert_eq!(o.port()["tls"]["mode"], "implicit");
    assert_eq!(o.port()["tls"]["trusted"], true);
    assert_eq!(
        o.seen
            .tls_sessions
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[test]
fn auth_without_tls() {
    let o = check(
        Script {
            starttls: false,
            auth: Some(AuthScript {
                mechanisms: "PLAIN LOGIN".into(),
                before_tls: true,
                user: "u".into(),
                password: "p".into(),
            }),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["no_starttls", "auth_without_tls"]);
    assert_eq!(o.code, Some(5));
}

#[test]
fn open_relay_with_relay_test_only() {
    let relay = || Script {
        replies: vec![("relay-test@example.net".into(), "250 2.1.5 Ok".into())],
        ..clean_script()
    };
    let o = check(relay(), &["--relay-test"]);
    assert_ids(&o, &["open_relay"]);
    assert_eq!(o.port()["relay"]["result"], "relays");
    assert!(
        o.seen
            .commands()
            .contains(&"RCPT TO:<relay-test@example.net>".to_string())
    );
    // Without --relay-test nothing is relayed or asked.
    let o = check(relay(), &[]);
    assert_ids(&o, &[]);
    assert!(!o.seen.commands().iter().any(|c| c.contains("example.net")));
    // A server that refuses: no finding, result refused.
    let o = check(clean_script(), &["--relay-test"]);
    assert_ids(&o, &[]);
    assert_eq!(o.port()["relay"]["result"], "refused");
}

#[test]
fn vrfy_enabled() {
    let o = check(
        Script {
            vrfy_reply: Some("250 2.1.5 Postmaster <postmaster@mx.server.test>".into()),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["vrfy_enabled"]);
}

#[test]
fn identity_findings() {
    let o = check_with(&start(clean_script()), false, "", &[]);
    assert_ids(&o, &["no_ptr"]);
    let o = check_with(
        &start(clean_script()),
        false,
        "1.0.0.127.in-addr.arpa. PTR other.server.test.\nother.server.test. A 127.0.0.9",
        &[],
    );
    // The PTR name is not the greeting name either.
    assert_ids(&o, &["fcrdns_mismatch", "greeting_name_mismatch"]);
    let o = check(
        Script {
            hostname: Some("mx.elsewhere.test".into()),
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["greeting_name_mismatch"]);
    assert_eq!(o.code, Some(0), "a name mismatch is info");
}

#[test]
fn postmaster_rejected_but_not_for_a_4xx() {
    let o = check(
        Script {
            users: vec!["alice".into()],
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &["postmaster_rejected"]);
    let o = check(
        Script {
            users: vec!["alice".into()],
            replies: vec![("postmaster".into(), "450 4.2.0 try later".into())],
            ..clean_script()
        },
        &[],
    );
    assert_ids(&o, &[]);
}

#[test]
fn dane_mismatch_and_match() {
    let server = start(clean_script());
    let owner = format!("_{}._tcp.{HOST}.", server.addr.port());
    let wrong = format!("{owner} TLSA 3 1 1 {}", "00".repeat(32));
    let o = check_with(&server, true, &wrong, &[]);
    assert_ids(&o, &["dane_mismatch"]);
    // The message tells which record would match; publishing it clears the finding.
    let msg = o.port()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let hex = msg.rsplit(' ').next().unwrap().trim_end_matches(')');
    let right = format!("{owner} TLSA 3 1 1 {hex}");
    let o = check_with(&server, true, &right, &[]);
    assert_ids(&o, &[]);
    assert_eq!(o.port()["tls"]["dane"]["matched"], 1);
}

#[test]
fn mta_sts_mx_mismatch() {
    let dir = TempDir::new("server-sts");
    let policy = dir.s("policy.txt");
    std::fs::write(
        &policy,
        "version: STSv1\nmode: enforce\nmx: mx.other.test\nmax_age: 86400\n",
    )
    .unwrap();
    let o = check(clean_script(), &["--mta-sts-policy", &policy]);
    assert_ids(&o, &["mta_sts_mx_mismatch"]);
    assert_eq!(o.port()["tls"]["mta_sts"]["mx_listed"], false);
    std::fs::write(
        &policy,
        "version: STSv1\nmode: enforce\nmx: *.server.test\nmax_age: 86400\n",
    )
    .unwrap();
    let o = check(clean_script(), &["--mta-sts-policy", &policy]);
    assert_ids(&o, &[]);
}

/// AUTH over TLS with the password from the environment: the result is reported, the password
/// (and its base64 forms) appear in no output.
#[test]
fn auth_over_tls_never_shows_the_password() {
    let secret = "s3cret-Pw!";
    for (password, want) in [(secret, "ok"), ("wrong-Pw!", "refused")] {
        for mech in ["PLAIN", "LOGIN"] {
            let server = start(Script {
                auth: Some(AuthScript {
                    mechanisms: mech.into(),
                    before_tls: false,
                    user: "alice".into(),
                    password: secret.into(),
                }),
                ..clean_script()
            });
            let f = Files::new("server-auth", true, "");
            let json_path = f.dir.s("out.json");
            let port = server.addr.port().to_string();
            let args = [
                "--tls-ca",
                &f.ca,
                "--auth-user",
                "alice",
                "--json",
                &json_path,
            ];
            let o = mailsift(&offline_args(&f.zone, &port, &args), Some(password));
            let json = std::fs::read_to_string(&json_path).unwrap();
            let v: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(v["hosts"][0]["ports"][0]["auth"]["result"], want, "{json}");
            assert_eq!(v["hosts"][0]["ports"][0]["auth"]["mechanism"], mech);
            let all = format!(
                "{}{}{json}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            for needle in [password, "czNjcmV0", "AGFsaWNlAHMz", "d3Jvbmc"] {
                assert!(!all.contains(needle), "{needle:?} leaked: {all}");
            }
            assert_eq!(
                o.status.code(),
                Some(if want == "ok" { 0 } else { 4 }),
                "{all}"
            );
            // AUTH happened after STARTTLS.
            let cmds = server.seen.commands();
            let tls_at = cmds.iter().position(|c| c == "STARTTLS").unwrap();
            let auth_at = cmds.iter().position(|c| c.starts_with("AUTH")).unwrap();
            assert!(tls_at < auth_at, "{cmds:?}");
        }
    }
}

#[test]
fn after_a_refused_mail_from_only_rset_and_quit() {
    let o = check(
        Script {
            mail_reply: Some("550 5.7.1 Sender refused".into()),
            ..clean_script()
        },
        &["--relay-test"],
    );
    let cmds = o.seen.commands();
    let mail = cmds
        .iter()
        .position(|c| c.starts_with("MAIL FROM"))
        .unwrap();
    // The diagnostic session ends there; the second connection (the TLS 1.1 probe) sends only
    // EHLO and STARTTLS.
    let quit = cmds.iter().position(|c| c == "QUIT").unwrap();
    assert_eq!(&cmds[mail + 1..=quit], ["RSET", "QUIT"], "{cmds:?}");
    assert_eq!(
        &cmds[quit + 1..],
        ["EHLO client.test", "STARTTLS"],
        "{cmds:?}"
    );
    assert_eq!(o.port()["relay"]["result"], "not_tested");
    assert_ids(&o, &[]);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let server = start(Script {
        greeting: Some(format!("220 {HOST} \u{1b}[31mred\u{7} \u{202e}evil")),
        ..clean_script()
    });
    let f = Files::new("server-term", true, "");
    let port = server.addr.port().to_string();
    let o = mailsift(&offline_args(&f.zone, &port, &[]), None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("greeting: 220"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "{out}"
    );
    // The text report lists the findings with their fixes.
    assert!(
        out.contains("cert_untrusted") && out.contains("fix:"),
        "{out}"
    );
}

/// After a successful AUTH the relay test is skipped (an authenticated client may relay) and
/// said so; no outside recipient is asked.
#[test]
fn relay_test_is_skipped_after_a_successful_login() {
    let server = start(Script {
        auth: Some(AuthScript {
            mechanisms: "PLAIN".into(),
            before_tls: false,
            user: "alice".into(),
            password: "pw".into(),
        }),
        replies: vec![("relay-test@example.net".into(), "250 2.1.5 Ok".into())],
        ..clean_script()
    });
    let f = Files::new("server-auth-relay", true, "");
    let port = server.addr.port().to_string();
    let args = [
        "--tls-ca",
        &f.ca,
        "--auth-user",
        "alice",
        "--relay-test",
        "--json",
        "-",
    ];
    let o = mailsift(&offline_args(&f.zone, &port, &args), Some("pw"));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["hosts"][0]["ports"][0];
    assert_eq!(p["auth"]["result"], "ok");
    assert_eq!(p["relay"]["result"], "skipped_authenticated");
    assert_eq!(p["findings"], serde_json::json!([]));
    assert!(
        !server
            .seen
            .commands()
            .iter()
            .any(|c| c.contains("example.net"))
    );
    assert_no_data(&server.seen);
}

/// Without --mta-sts-policy, the policy a domain publishes (`_mta-sts` TXT) is fetched over
/// HTTPS and each MX is checked against it; with --offline nothing is fetched.
#[test]
fn the_published_mta_sts_policy_is_fetched_and_checked() {
    use mailsift_testkit::dns_server::DnsServer;
    for (mx, want) in [
        ("mx.other.test", vec!["mta_sts_mx_mismatch"]),
        ("*.server.test", vec![]),
    ] {
        let body: &'static str = Box::leak(
            format!("version: STSv1\nmode: enforce\nmx: {mx}\nmax_age: 86400\n").into_boxed_str(),
        );
        let policy_port = crate::domain_cli::policy_server(body).to_string();
        let server = start(clean_script());
        let dns = DnsServer::start("unused.example.test A 192.0.2.1\n");
        let f = Files::new(
            "server-sts-fetch",
            true,
            "example.test. MX 10 mx.server.test.\n_mta-sts.example.test. TXT \"v=STSv1; id=1;\"\nmta-sts.example.test. A 127.0.0.1\n",
        );
        let port = server.addr.port().to_string();
        let dns_arg = dns.addr.to_string();
        let args = [
            "server",
            "example.test",
            "--dns",
            &dns_arg,
            "--zone",
            &f.zone,
            "--port",
            &port,
            "--helo",
            "client.test",
            "--tls-ca",
            &f.ca,
            "--tls-ca",
            crate::domain_cli::CA,
            "--mta-sts-port",
            &policy_port,
            "--timeout",
            "3",
            "--json",
            "-",
        ];
        let o = Outcome::new(mailsift(&args, None), &server);
        assert_ids(&o, &want);
        assert_eq!(
            o.port()["tls"]["mta_sts"]["mx_listed"],
            want.is_empty(),
            "{:#}",
            o.json
        );
    }
}
