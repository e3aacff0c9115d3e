//! `--zone FILE` for `check` and `clean`: the file's records answer before the network, are
//! trusted without being judged, and with `--offline` are the only answers.

use mailsift_testkit::dns_server::{DnsServer, Lie};

use super::support::{TempDir, run};

const ZONE: &str = "$ORIGIN test.
$TTL 300
mx      IN MX 10 mail.mx   ; a mail server with an address
mail.mx IN A  127.0.0.10
null       MX 0 .
";

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn check(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let mut all = vec![
        "check",
        "--allow-special-use-domains",
        "--dns-timeout",
        "0.5",
    ];
    all.extend_from_slice(args);
    let o = run(&all, b"");
    (
        o.status.code().unwrap_or(-1),
        lines(&o.stdout),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn check_offline_with_a_zone_decides_from_the_file_alone() {
    let d = TempDir::new("zone-offline");
    std::fs::write(d.path("z.zone"), ZONE).unwrap();
    let z = d.s("z.zone");
    let (status, v, err) = check(&[
        "--offline",
        "--zone",
        &z,
        "a@mx.test",
        "b@null.test",
        "c@absent.test",
    ]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["dns"]["route"]["kind"], "mx");
    assert_eq!(v[0]["dns"]["route"]["hosts"][0]["host"], "mail.mx.test");
    assert_eq!(
        v[0]["dns"]["route"]["hosts"][0]["addresses"][0],
        "127.0.0.10"
    );
    assert_ne!(v[0]["verdict"], "undeliverable");
    assert_eq!(v[1]["reason"], "null_mx");
    assert_eq!(v[1]["verdict"], "undeliverable");
    assert_eq!(v[2]["reason"], "invalid_domain");
    assert_eq!(v[2]["dns"]["route"]["kind"], "nx_domain");
    // Without --zone, --offline still means no DNS stage at all.
    let (status, v, _) = check(&["--offline", "b@null.test"]);
    assert_eq!(status, 0);
    assert_eq!(v[0]["reason"], "not_checked");
    assert!(v[0]["dns"].is_null());
}

#[test]
fn zone_parse_errors_name_file_and_line_and_exit_1() {
    let d = TempDir::new("zone-bad");
    std::fs::write(
        d.path("bad.zone"),
        "ok.test. MX 10 mx.ok.test.\nx.test. MX 10\n",
    )
    .unwrap();
    let z = d.s("bad.zone");
    let (status, _, err) = check(&["--offline", "--zone", &z, "a@ok.test"]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains(&format!("{z}:2:")), "{err}");
}

#[test]
fn the_zone_answers_before_the_network() {
    let d = TempDir::new("zone-first");
    std::fs::write(d.path("z.zone"), ZONE).unwrap();
    let z = d.s("z.zone");
    // The network says the opposite for both zone names, and answers a name of its own.
    let server = DnsServer::start(
        "mx.test MX 0 .
null.test MX 10 mail.null.test
mail.null.test A 127.0.0.11
net.test MX 0 .",
    );
    let (status, v, err) = check(&[
        "--dns",
        &server.arg(),
        "--zone",
        &z,
        "a@mx.test",
        "b@null.test",
        "c@net.test",
    ]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(v[0]["dns"]["route"]["kind"], "mx", "{}", v[0]);
    assert_ne!(v[0]["reason"], "null_mx");
    assert_eq!(v[1]["reason"], "null_mx", "{}", v[1]);
    // A name the zone does not hold is the network's to answer.
    assert_eq!(v[2]["reason"], "null_mx", "{}", v[2]);
}

#[test]
fn clean_with_a_zone_and_a_lying_resolver_trusts_only_the_zone() {
    let d = TempDir::new("zone-liar");
    std::fs::write(d.path("z.zone"), ZONE).unwrap();
    std::fs::write(
        d.path("in.csv"),
        "email\na@mx.test\nb@null.test\nc@gmail.com\nd@absent.test\n",
    )
    .unwrap();
    let (out, rej, sum) = (d.s("out.csv"), d.s("rej.csv"), d.s("sum.json"));
    let server = DnsServer::start_lying(Lie::DenyAll);
    let addr = server.arg();
    let input = d.s("in.csv");
    let z = d.s("z.zone");
    let clean = |extra: &[&str]| {
        let mut args = vec![
            "clean",
            &input,
            "-o",
            &out,
            "--rejects",
            &rej,
            "--summary",
            &sum,
            "--results",
            "-",
            "--allow-special-use-domains",
            "--dns-timeout",
            "0.5",
            "--zone",
            &z,
        ];
        args.extend_from_slice(extra);
        let o = run(&args, b"");
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
        (o, summary)
    };
    let (o, summary) = clean(&["--dns", &addr]);
    let err = String::from_utf8_lossy(&o.stderr);
    // The network lies: the run is degraded (exit 3), and the summary names the liar.
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(summary["dns"]["resolver"], addr.as_str());
    assert_eq!(summary["dns"]["status"], "denies_existing_names");
    let v = lines(&o.stdout);
    let reason = |addr: &str| {
        v.iter()
            .find(|r| r["input"] == addr)
            .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
            .unwrap_or_else(|| panic!("no result for {addr}: {v:?}"))
    };
    // The zone's answers decide; the liar's decide nothing.
    assert_eq!(reason("b@null.test"), "null_mx");
    assert_ne!(reason("a@mx.test"), "dns_untrusted");
    assert_eq!(reason("c@gmail.com"), "dns_untrusted");
    assert_eq!(reason("d@absent.test"), "dns_untrusted");

    // Offline with a zone: no network resolver, so nothing is judged and nothing probed.
    let (o, summary) = clean(&["--offline"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(summary["dns"]["resolver"], format!("zone:{z}"));
    assert_eq!(summary["dns"]["status"], "ok");
    assert_eq!(summary["dns"]["evidence"], serde_json::json!([]));
    let v = lines(&o.stdout);
    let find = |a: &str| v.iter().find(|r| r["input"] == a).unwrap()["reason"].clone();
    assert_eq!(find("b@null.test"), "null_mx");
    assert_eq!(find("d@absent.test"), "invalid_domain");
    assert_eq!(find("c@gmail.com"), "invalid_domain");
}
