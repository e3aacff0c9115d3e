//! Resolvers that lie: the in-process DNS server denying every name, failing or refusing every
//! query, or inventing an address for every name. Each must be named with its evidence, condemn
//! nobody (the clean and rejects outputs equal the `--offline` run's), and end with exit code 3;
//! a server that answers only for its own zone stays trusted.

use std::path::PathBuf;

use mailsift_testkit::dns_server::{DnsServer, INVENTED_A, Lie};
use mailsift_testkit::smtp_server::{Script, start};

use super::support::{TempDir, check_smtp, run};

fn sample() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/samples/contacts.csv")
        .to_string_lossy()
        .into_owned()
}

struct Run {
    status: i32,
    stderr: String,
    clean: Vec<u8>,
    rejects: Vec<u8>,
    summary: serde_json::Value,
}

/// `clean` on `input` with `--dns server`, or `--offline` when `server` is `None`.
fn clean(input: &str, server: Option<&str>) -> Run {
    clean_with(input, server, &[])
}

/// `clean` on a list written from `csv`, with `--dns server` and special-use domains allowed.
fn clean_list(csv: &str, server: &str) -> Run {
    let d = TempDir::new("liar-list");
    std::fs::write(d.path("in.csv"), csv).unwrap();
    clean_with(
        &d.s("in.csv"),
        Some(server),
        &["--allow-special-use-domains"],
    )
}

fn clean_with(input: &str, server: Option<&str>, extra: &[&str]) -> Run {
    let d = TempDir::new("liar");
    let (out, rej, sum) = (d.s("out.csv"), d.s("rej.csv"), d.s("sum.json"));
    let mut args = vec![
        "clean",
        input,
        "-o",
        &out,
        "--rejects",
        &rej,
        "--summary",
        &sum,
        "--dns-timeout",
        "0.5",
    ];
    args.extend_from_slice(extra);
    match server {
        Some(s) => args.extend(["--dns", s]),
        None => args.push("--offline"),
    }
    let o = run(&args, b"");
    Run {
        status: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        clean: std::fs::read(&out).unwrap(),
        rejects: std::fs::read(&rej).unwrap(),
        summary: serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap(),
    }
}

const LIES: [(Lie, &str, &str); 4] = [
    (
        Lie::DenyAll,
        "denies_existing_names",
        "gmail.com MX: NXDOMAIN",
    ),
    (Lie::ServFailAll, "failing", "gmail.com MX: SERVFAIL"),
    (Lie::RefuseAll, "failing", "gmail.com MX: REFUSED"),
    (Lie::InventAll, "invents_missing_names", "A: 127.0.0.99"),
];

#[test]
fn every_lying_resolver_is_named_and_condemns_nobody() {
    let offline = clean(&sample(), None);
    assert_eq!(offline.status, 0, "{}", offline.stderr);
    assert!(offline.summary["dns"].is_null());
    let not_checked = offline.summary["reasons"]["not_checked"].as_u64().unwrap();
    assert!(not_checked > 20);
    for (lie, status, evidence) in LIES {
        let server = DnsServer::start_lying(lie);
        let addr = server.arg();
        let r = clean(&sample(), Some(&addr));
        assert_eq!(r.status, 3, "{lie:?}: {}", r.stderr);
        let dns = &r.summary["dns"];
        assert_eq!(dns["resolver"], addr.as_str(), "{lie:?}");
        assert_eq!(dns["status"], status, "{lie:?}: {dns}");
        let ev: Vec<&str> = dns["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        assert!(ev.iter().any(|e| e.contains(evidence)), "{lie:?}: {ev:?}");
        // One warning, naming the resolver, the evidence and the fix.
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("mailsift: warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{lie:?}: {}", r.stderr);
        for part in [addr.as_str(), status, evidence, "--dns SERVER", "--offline"] {
            assert!(
                warnings[0].contains(part),
                "{lie:?}: {part} in {}",
                warnings[0]
            );
        }
        // The counts line says it too.
        assert!(
            r.stderr.contains(&format!(
                "DNS resolver {addr} not trusted ({status}): {not_checked} rows unknown \
                 (dns_untrusted), none rejected on its word"
            )),
            "{lie:?}: {}",
            r.stderr
        );
        // Nobody rejected on its word: the same outputs as offline.
        assert_eq!(r.clean, offline.clean, "{lie:?}");
        assert_eq!(r.rejects, offline.rejects, "{lie:?}");
        assert_eq!(
            r.summary["rejected_reasons"], offline.summary["rejected_reasons"],
            "{lie:?}"
        );
        for reason in [
            "invalid_domain",
            "no_mail_server",
            "null_mx",
            "dns_servfail",
        ] {
            assert_eq!(r.summary["reasons"][reason], 0, "{lie:?} {reason}");
        }
        assert_eq!(
            r.summary["reasons"]["dns_untrusted"], not_checked,
            "{lie:?}"
        );
    }
}

#[test]
fn an_authoritative_server_for_its_own_zone_is_trusted() {
    // Like the loopback testnet: NXDOMAIN for the root, `com` and the providers, real answers
    // for the list's own zone.
    let server = DnsServer::start("ok.test MX 10 mx1.ok.test\nmx1.ok.test A 127.0.0.10\n");
    let r = clean_list(
        "email\na@ok.test\nb@nope.test\nc@gone.test\n",
        &server.arg(),
    );
    let (stderr, s) = (&r.stderr, &r.summary);
    assert_eq!(r.status, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(s["dns"]["status"], "ok");
    assert_eq!(s["dns"]["evidence"], serde_json::json!([]));
    assert_eq!(s["rejected_reasons"]["invalid_domain"], 2, "{s}");
    assert!(
        stderr.contains("3 rows in: 1 clean, 2 rejected (to ")
            && stderr.contains(": 2 invalid_domain)"),
        "{stderr}"
    );
}

#[test]
fn check_names_the_liar_and_marks_rows_dns_untrusted() {
    for (lie, status, _) in LIES {
        let server = DnsServer::start_lying(lie);
        let arg = server.arg();
        let o = run(
            &[
                "check",
                "--dns",
                &arg,
                "jane.doe@gmail.com",
                "x@nosuch-domain.org",
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(3), "{lie:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches("mailsift: warning:").count(), 1, "{err}");
        assert!(err.contains(status), "{err}");
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["verdict"], "unknown", "{lie:?}: {v}");
            assert_eq!(v["reason"], "dns_untrusted", "{lie:?}: {v}");
            assert!(v["detail"].as_str().unwrap().contains(status), "{v}");
        }
    }
}

#[test]
fn smtp_never_knocks_on_an_invented_host() {
    // A scripted SMTP server where the inventing resolver points every name.
    let smtp = start(Script {
        bind: std::net::SocketAddr::new(INVENTED_A.into(), 0),
        catch_all: true,
        ..Script::default()
    });
    let server = DnsServer::start_lying(Lie::InventAll);
    let (arg, port) = (server.arg(), smtp.addr.port().to_string());
    // A role address keeps its offline reason (role_account), so only the trust check keeps it
    // from the probe.
    let o = check_smtp(
        &arg,
        &port,
        "1",
        &["--role-risky", "ann@example.org", "info@example.org"],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        smtp.seen
            .sessions
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "no session with a host an untrusted answer produced"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["smtp"].is_null(), "{v}");
        assert_ne!(v["verdict"], "undeliverable", "{v}");
        assert_eq!(v["dns"]["route"]["kind"], "implicit", "{v}");
    }
}

#[test]
fn a_server_that_denies_a_tld_condemns_nobody_under_it() {
    // Answers its own zone, NXDOMAIN for everything else (`com`, gmail.com, ...): its
    // NXDOMAIN for a `.com` domain is no evidence, its NXDOMAIN inside its own TLD is.
    let server = DnsServer::start("ok.test MX 10 mx1.ok.test\nmx1.ok.test A 127.0.0.10\n");
    let r = clean_list(
        "email\na@ok.test\nb@nope.test\nc@shop-example.com\n",
        &server.arg(),
    );
    let (stderr, s) = (&r.stderr, &r.summary);
    assert_eq!(r.status, 3, "{stderr}");
    assert_eq!(stderr.matches("mailsift: warning:").count(), 1, "{stderr}");
    assert_eq!(s["dns"]["status"], "denies_existing_names", "{s}");
    assert_eq!(s["reasons"]["invalid_domain"], 1, "{s}");
    assert_eq!(s["reasons"]["dns_untrusted"], 1, "{s}");
    let rejects = String::from_utf8_lossy(&r.rejects);
    assert!(
        rejects.contains("b@nope.test,2,invalid_domain"),
        "{rejects}"
    );
    assert!(!rejects.contains("shop-example.com"), "{rejects}");
}

#[test]
fn a_server_with_a_root_zone_of_its_own_is_trusted_everywhere() {
    // The loopback testnet: a local root zone, NXDOMAIN for every name outside it.
    let server =
        DnsServer::start(". TXT local root\nok.test MX 10 mx1.ok.test\nmx1.ok.test A 127.0.0.10\n");
    let arg = server.arg();
    let o = run(
        &[
            "check",
            "--allow-special-use-domains",
            "--dns",
            &arg,
            "a@ok.test",
            "alice@gmial.com",
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["reason"], "not_checked");
    assert_eq!(v[1]["reason"], "invalid_domain", "{}", v[1]);
}
