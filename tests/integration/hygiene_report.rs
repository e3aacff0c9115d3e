//! `clean --report` and `--report-json`: the page's figures equal the report's JSON, hostile
//! text is escaped, every row is accounted for, and an `engagement` section in the data is
//! rendered.

use serde_json::{Value, json};

use super::support::{TempDir, read_json, run_ok, smtp_args, xml_elements};

/// A list with something for every section: a case repeat, Gmail dot and tag variants, a
/// typo, a disposable and a role address, a dead domain, a null MX, a malformed row, bad
/// syntax and a suppressed address.
const LIST: &str = "name,email
Ann,ann@example.org
Ann again,ANN@example.org
Bob,bob.smith@gmail.com
Bob tagged,bobsmith+news@googlemail.com
Cat,cat@gmial.com
Dan,dan@mailinator.com
Info,info@example.org
Eve,eve@null.example.net
Fay,fay@nowhere.example.com
Gus,not an address
Hal,hal@yahoo.com
Ike,ike@example.org,extra
Joe,joe@yahoo.com
";

const ZONE: &str = "$TTL 300
example.org.      IN MX 10 mx.example.org.
mx.example.org.   IN A 192.0.2.10
null.example.net. IN MX 0 .
gmail.com.        IN MX 5 gmail-smtp-in.l.google.com.
gmail-smtp-in.l.google.com. IN A 192.0.2.20
googlemail.com.   IN MX 5 gmail-smtp-in.l.google.com.
yahoo.com.        IN MX 1 mta5.am0.yahoodns.net.
mta5.am0.yahoodns.net. IN A 192.0.2.30
";

/// Every `data-figure` on the page: (JSON pointer, text shown, unit).
fn figures(page: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find("data-figure=\"") {
        rest = &rest[i + 13..];
        let end = rest.find('"').expect("attribute end");
        let ptr = rest[..end].to_owned();
        let tag_end = rest.find('>').expect("tag end");
        let unit = if rest[..tag_end].contains("data-unit=\"%\"") {
            "%"
        } else {
            ""
        };
        let text_end = rest[tag_end..].find('<').expect("text end") + tag_end;
        out.push((ptr, rest[tag_end + 1..text_end].to_owned(), unit.to_owned()));
        rest = &rest[text_end..];
    }
    out
}

/// Text as the page writes it, entities decoded.
fn unescape(t: &str) -> String {
    t.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Text as the page may show it: controls and bidirectional overrides replaced by U+FFFD.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && c != '\t' && c != '\n') || bidi {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Assert that every figure on the page equals the data at its pointer; the pointers seen.
fn assert_figures_equal(page: &str, data: &Value) -> Vec<String> {
    let figs = figures(page);
    for (ptr, text, unit) in &figs {
        let ptr = &unescape(ptr);
        let v = data
            .pointer(ptr)
            .unwrap_or_else(|| panic!("{ptr} is not in the JSON"));
        match v {
            Value::Number(n) if unit == "%" => {
                let want = format!("{:.1}%", n.as_f64().unwrap() * 100.0);
                assert_eq!(text, &want, "{ptr}");
            }
            Value::Number(n) => {
                let shown: u64 = text.replace(',', "").parse().unwrap_or_else(|_| {
                    panic!("{ptr}: {text:?} is not a count");
                });
                assert_eq!(Some(shown), n.as_u64(), "{ptr}");
            }
            Value::String(s) => assert_eq!(unescape(text), shown(s), "{ptr}"),
            other => panic!("{ptr}: unexpected {other}"),
        }
    }
    figs.into_iter().map(|f| f.0).collect()
}

/// Run `clean` on LIST in `d` (extra arguments after), returning (page, report JSON, summary
/// JSON).
fn clean(d: &TempDir, input: &str, extra: &[&str]) -> (String, Value, Value) {
    std::fs::write(d.path(input), LIST).unwrap();
    std::fs::write(d.path("z.zone"), ZONE).unwrap();
    let (list, zone) = (d.s(input), d.s("z.zone"));
    let (html, json, summary) = (d.s("r.html"), d.s("r.json"), d.s("s.json"));
    let (out, rej) = (d.s("clean.csv"), d.s("rejects.csv"));
    let mut args = vec![
        "clean",
        &list,
        "--offline",
        "--zone",
        &zone,
        "-q",
        "-o",
        &out,
        "--rejects",
        &rej,
        "--report",
        &html,
        "--report-json",
        &json,
        "--summary",
        &summary,
        "-j",
        "2",
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    (
        std::fs::read_to_string(&html).unwrap(),
        read_json(&json),
        read_json(&summary),
    )
}

/// The topics of the report's advice.
fn advice_topics(data: &Value) -> Vec<&str> {
    data["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["topic"].as_str().unwrap())
        .collect()
}

#[test]
fn the_pages_figures_equal_the_report_json() {
    let d = TempDir::new("hygiene-figures");
    std::fs::write(
        d.path("supp.csv"),
        "email\nhal@yahoo.com\nbobsmith@gmail.com\n",
    )
    .unwrap();
    let supp = d.s("supp.csv");
    let (page, data, summary) = clean(&d, "list.csv", &["--suppress", &supp]);
    let ptrs = assert_figures_equal(&page, &data);
    // Every section shows figures.
    for want in [
        "/rows_in",
        "/rows_clean",
        "/rows_rejected",
        "/health/grade",
        "/health/problem_share",
        "/verdicts/undeliverable",
        "/rejected_by/malformed",
        "/hygiene/domains/top/0/mix/rows",
        "/hygiene/providers/top/0/mix/rows",
        "/hygiene/typos/top/0/rows",
        "/hygiene/duplicates/provider_rule",
        "/hygiene/shares/role/share",
        "/hygiene/evidence/dead_domains/top/0/rows",
        "/hygiene/evidence/null_mx/rows",
        "/suppression/rows/listed",
        "/hygiene/suppressed/0/rows",
    ] {
        assert!(ptrs.iter().any(|p| p == want), "{want} not on the page");
    }
    // Every row in exactly one output, and the page says so.
    let rows = |k: &str| data[k].as_u64().unwrap();
    assert_eq!(rows("rows_in"), 13);
    assert_eq!(rows("rows_in"), rows("rows_clean") + rows("rows_rejected"));
    let lines = |p: &str| std::fs::read_to_string(d.path(p)).unwrap().lines().count() as u64;
    assert_eq!(lines("clean.csv") - 1, rows("rows_clean"));
    assert_eq!(lines("rejects.csv") - 1, rows("rows_rejected"));
    assert!(page.contains("Every row is accounted for"));
    // The report's data is the summary plus the health and the advice.
    let mut rest = data.clone();
    let m = rest.as_object_mut().unwrap();
    assert!(m.remove("health").is_some() && m.remove("advice").is_some());
    assert_eq!(rest, summary);
    // What the figures say of this list.
    let h = &data["hygiene"];
    assert_eq!(h["input"], d.s("list.csv"));
    assert_eq!(h["typos"]["top"][0]["from"], "gmial.com");
    assert_eq!(h["typos"]["top"][0]["to"], "gmail.com");
    assert_eq!(h["duplicates"]["rows"], 2);
    assert_eq!(h["duplicates"]["same_address"], 1, "ANN@ is ann@");
    assert_eq!(
        h["duplicates"]["provider_rule"], 1,
        "googlemail tag variant"
    );
    assert_eq!(
        h["evidence"]["null_mx"]["top"][0]["domain"],
        "null.example.net"
    );
    assert_eq!(
        h["checks"]["dns_rows"], 12,
        "every valid row, the ragged one too"
    );
    let providers: Vec<&str> = h["providers"]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider"].as_str().unwrap())
        .collect();
    assert!(
        providers.contains(&"google") && providers.contains(&"yahoo"),
        "{providers:?}"
    );
    // hal@yahoo.com listed; bobsmith@gmail.com matches both Bob rows by the Gmail rules.
    assert_eq!(data["suppression"]["rows"]["listed"], 3);
    assert_eq!(h["suppressed"][0]["source"], supp);
    // Grade: undeliverable (bad syntax, gmial.com and nowhere.example.com dead, null MX),
    // disposable, malformed, suppressed; each row once.
    assert_eq!(data["health"]["problem_rows"], 9, "{}", data["health"]);
    assert_eq!(data["health"]["grade"], "F");
    assert!(page.contains("<div class=\"grade gF\">"));
    // The page is well-formed and self-contained; four charts without engagement data.
    let elements = xml_elements(&page);
    assert_eq!(elements.iter().filter(|e| e.0 == "svg").count(), 4);
    for (name, attrs) in &elements {
        assert!(
            !matches!(
                name.as_str(),
                "script" | "link" | "img" | "iframe" | "object" | "use"
            ),
            "element <{name}>"
        );
        for bad in ["src=", "href=", "url(", "http:", "https:"] {
            assert!(!attrs.contains(bad), "<{name} {attrs}> has {bad}");
        }
    }
}

#[test]
fn hostile_names_are_escaped() {
    let d = TempDir::new("hygiene-hostile");
    // No `/` in a file name: `<script>` without its closing tag.
    let name = "<script>alert(1)&'\".csv";
    let supp_name = "<img src=x onerror=alert(2)>.csv";
    std::fs::write(d.path(supp_name), "email\nhal@yahoo.com\n").unwrap();
    let supp = d.s(supp_name);
    let (page, data, _) = clean(&d, name, &["--suppress", &supp]);
    assert!(!page.contains("<script"), "raw script tag");
    assert!(!page.contains("<img"), "raw img tag");
    assert!(page.contains("&lt;script&gt;alert(1)&amp;&#39;&quot;.csv"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;.csv"));
    xml_elements(&page);
    assert_figures_equal(&page, &data);
}

#[test]
fn hostile_data_in_a_hand_written_report_is_escaped() {
    let evil = "<script>x</script>\u{202e}\u{1b}";
    // Map keys become pointers in data-figure attributes: no control characters there.
    let ekey = "<script>x</script>&'\"~";
    let data = json!({
        "rows_in": 2, "rows_clean": 1, "rows_rejected": 1,
        "rejected_by": {ekey: 1},
        "rejected_reasons": {ekey: 1},
        "reasons": {ekey: 2},
        "hygiene": {
            "input": evil,
            "domains": {"distinct": 1, "rows": 2, "top": [{"domain": evil, "mix": {"rows": 2, "unknown": 2}}]},
            "providers": {"distinct": 1, "rows": 2, "top": [{"provider": evil, "domains": 1, "mix": {"rows": 2, "unknown": 2}}]},
            "typos": {"distinct": 1, "rows": 1, "top": [{"from": evil, "to": evil, "rows": 1}]},
            "suppressed": [{"reason": evil, "source": evil, "rows": 1}]
        },
        "suppression": {"files": [{"file": evil, "format": evil, "added": 1}], "rows": {ekey: 1}},
        "dns": {"resolver": evil, "status": evil},
        "engagement": {"files": [{"file": evil, "format": evil}], "rules": {"as_of": evil}},
        "advice": [{"level": evil, "topic": evil, "text": evil}],
        "health": {"grade": evil, "scope": evil}
    });
    let page = mailsift::report::hygiene::render(&data);
    assert!(!page.contains("<script"), "raw script tag");
    assert!(!page.contains('\u{202e}') && !page.contains('\u{1b}'));
    assert!(page.matches("&lt;script&gt;x&lt;/script&gt;").count() >= 15);
    xml_elements(&page);
    assert_figures_equal(&page, &data);
}

#[test]
fn an_engagement_section_in_the_data_is_rendered() {
    let d = TempDir::new("hygiene-engagement");
    let (_, mut data, _) = clean(&d, "list.csv", &[]);
    data["engagement"] = json!({
        "files": [{"file": "events.csv", "format": "sendgrid", "events": 1200, "malformed": 3}],
        "rules": {"as_of": "2026-11-30", "active_days": 90, "inactive_days": 180,
                  "min_sends": 5, "new_days": 30},
        "segments": {"active": 4, "lapsing": 2, "inactive": 1, "never_engaged": 1,
                     "new": 1, "unknown": 2},
        "addresses_with_data": 9,
        "human_opens": 30, "machine_opens": 70, "clicks": 12, "sends": 400
    });
    // The data written by another run: health and advice are recomputed from it.
    let m = data.as_object_mut().unwrap();
    m.remove("advice");
    mailsift::report::hygiene::complete(&mut data);
    let page = mailsift::report::hygiene::render(&data);
    let ptrs = assert_figures_equal(&page, &data);
    for want in [
        "/engagement/segments/never_engaged",
        "/engagement/files/0/malformed",
        "/engagement/machine_opens",
        "/engagement/addresses_with_data",
    ] {
        assert!(ptrs.iter().any(|p| p == want), "{want} not on the page");
    }
    assert!(page.contains("Segments as of 2026-11-30"));
    assert!(page.contains("within the last 90 days"));
    assert!(page.contains("70.0%"), "machine-open share");
    let elements = xml_elements(&page);
    assert_eq!(elements.iter().filter(|e| e.0 == "svg").count(), 5);
    let topics = advice_topics(&data);
    assert!(
        topics.contains(&"engagement") && topics.contains(&"machine_opens"),
        "{topics:?}"
    );
    assert!(page.contains("Sunset 2 subscribers"));
}

/// The report's figures do not depend on the driver: one thread (serial), several offline
/// (parallel) and several with a DNS stage (staged) give the same `hygiene` section over a list
/// of many chunks.
#[test]
fn the_figures_are_the_same_on_every_driver() {
    let d = TempDir::new("hygiene-drivers");
    let mut list = String::from("email,n\n");
    let domains = [
        "example.org",
        "gmail.com",
        "googlemail.com",
        "gmial.com",
        "null.example.net",
        "mailinator.com",
        "yahoo.com",
        "gone.example.com",
    ];
    // About 1 MB: four chunks of input or more.
    let filler = "x".repeat(60);
    for i in 0..12000 {
        let dom = domains[i % domains.len()];
        // Repeats, Gmail dot variants, role accounts and bad rows spread over the chunks.
        let local = match i % 11 {
            0 => "info".to_owned(),
            1 => format!("u.{}", i % 500),
            2 => format!("u{}", i % 500),
            3 => "not an address".to_owned(),
            _ => format!("user{}", i % 5000),
        };
        let addr = if local.contains(' ') {
            local
        } else {
            format!("{local}@{dom}")
        };
        list.push_str(&format!("{addr},{i}{filler}\n"));
    }
    std::fs::write(d.path("big.csv"), &list).unwrap();
    std::fs::write(d.path("z.zone"), ZONE).unwrap();
    let (big, zone) = (d.s("big.csv"), d.s("z.zone"));
    let report = |extra: &[&str]| -> Value {
        let json = d.s("r.json");
        let mut args = vec![
            "clean",
            &big,
            "--offline",
            "-q",
            "-o",
            "/dev/null",
            "--rejects",
            "/dev/null",
            "--report-json",
            &json,
        ];
        args.extend_from_slice(extra);
        run_ok(&args);
        let v = read_json(&json);
        assert_eq!(v["rows_in"], 12000);
        v["hygiene"].clone()
    };
    let serial = report(&["-j", "1"]);
    let parallel = report(&["-j", "3"]);
    assert_eq!(serial, parallel);
    // Every chunk is counted: 1,091 rows of each of the eleven kinds (i % 11 == 0 or 3).
    assert_eq!(serial["shares"]["role"]["rows"], 1091);
    assert_eq!(serial["valid_rows"], 12000 - 1091);
    assert_eq!(serial["domains"]["rows"], 12000 - 1091);
    assert!(serial["duplicates"]["provider_rule"].as_u64().unwrap() > 0);
    assert!(serial["typos"]["rows"].as_u64().unwrap() > 0);
    let zone_serial = report(&["-j", "1", "--zone", &zone]);
    let zone_staged = report(&["-j", "3", "--zone", &zone]);
    assert_eq!(zone_serial, zone_staged);
    assert!(zone_serial["evidence"]["null_mx"]["rows"].as_u64().unwrap() > 0);
    assert!(
        zone_serial["evidence"]["dead_domains"]["distinct"]
            .as_u64()
            .unwrap()
            >= 2
    );
}

/// With `--smtp` against scripted servers on loopback: the catch-all domain, the mailbox not
/// found and the rows probed reach the report, and the page shows them as the JSON says.
#[test]
fn smtp_evidence_reaches_the_report() {
    use mailsift_testkit::dns_server::DnsServer;
    use mailsift_testkit::smtp_server::{Script, start};
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};

    let ok = start(Script {
        bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 8)), 0),
        ..Script::default()
    });
    let all = start(Script {
        bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9)), ok.addr.port()),
        catch_all: true,
        ..Script::default()
    });
    let dns = DnsServer::start(&format!(
        "ok.test MX 10 mx.ok.test\nmx.ok.test A {}\n\
         all.test MX 10 mx.all.test\nmx.all.test A {}\n\
         probe.mailsift.test A 192.0.2.1\n",
        ok.addr.ip(),
        all.addr.ip()
    ));
    let d = TempDir::new("hygiene-smtp");
    std::fs::write(
        d.path("list.csv"),
        "email\nalice@ok.test\nnobody@ok.test\nghost@ok.test\nsomeone@all.test\n",
    )
    .unwrap();
    let (list, html, json) = (d.s("list.csv"), d.s("r.html"), d.s("r.json"));
    let (port, dns_arg) = (ok.addr.port().to_string(), dns.arg());
    let mut args = vec!["clean", &list, "-q", "--allow-special-use-domains"];
    args.extend(smtp_args(&dns_arg, &port, "2"));
    args.extend([
        "-o",
        "/dev/null",
        "--rejects",
        "/dev/null",
        "--report",
        &html,
        "--report-json",
        &json,
    ]);
    run_ok(&args);
    let data = read_json(&json);
    let page = std::fs::read_to_string(&html).unwrap();
    assert_figures_equal(&page, &data);
    let h = &data["hygiene"];
    assert_eq!(h["checks"]["smtp_rows"], 4, "{h}");
    assert_eq!(h["evidence"]["catch_all"]["top"][0]["domain"], "all.test");
    assert_eq!(
        h["evidence"]["mailbox_not_found"]["top"][0]["domain"],
        "ok.test"
    );
    assert_eq!(h["evidence"]["mailbox_not_found"]["rows"], 2);
    assert_eq!(data["health"]["scope"], "smtp");
    assert_eq!(data["verdicts"]["deliverable"], 1);
    assert!(page.contains("Checked: syntax, reference lists, DNS and the mail servers"));
    let topics = advice_topics(&data);
    assert!(
        topics.contains(&"catch_all") && !topics.contains(&"checks"),
        "{topics:?}"
    );
}
