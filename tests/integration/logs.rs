//! `mailsift logs`: exactness against the generators' truth files (Postfix BSD and RFC 3339,
//! Exim, Sendmail, SendGrid JSONL and CSV, Mailgun, SES, Postmark), bad input (garbage, cut
//! logs, out-of-order lines, mixed files, gzip), ARF, the scorecard and the HTML page.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::{TempDir, run, xml_elements};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/logs")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).expect("test data")
}

fn truth(name: &str) -> Value {
    serde_json::from_slice(&read(name)).expect("truth json")
}

/// Run `mailsift logs --json - ARGS` and parse the report.
fn report(args: &[&str]) -> Value {
    let mut a = vec!["logs", "-q", "--json", "-"];
    a.extend_from_slice(args);
    let out = run(&a, b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report json")
}

fn n(v: &Value, k: &str) -> Value {
    v.get(k).cloned().unwrap_or(Value::from(0))
}

/// Collects mismatches so one failure shows them all.
#[derive(Default)]
struct Diff(Vec<String>);

impl Diff {
    fn eq(&mut self, path: &str, ours: Value, truth: &Value) {
        let same = match (&ours, truth) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            _ => &ours == truth,
        };
        if !same {
            self.0.push(format!("{path}: ours {ours} truth {truth}"));
        }
    }
    fn assert(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} mismatches:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// The generator files domains without an MX under `self-hosted`; mailsift says `unknown`.
fn provider_name(p: &str) -> &str {
    if p == "unknown" { "self-hosted" } else { p }
}

fn check_mta(log: &str) -> Value {
    let t = truth(&format!("{log}.truth.json"));
    let r = report(&["--year", "2024", data(log).to_str().unwrap()]);
    let m = &r["mta"];
    let mut d = Diff::default();
    for (k, v) in t["totals"].as_object().unwrap() {
        if k == "lines" {
            d.eq("lines", r["inputs"][0]["lines"].clone(), v);
        } else {
            d.eq(&format!("totals.{k}"), n(&m["totals"], k), v);
        }
    }
    for (k, v) in t["rates"].as_object().unwrap() {
        d.eq(&format!("rates.{k}"), n(&m["totals"], k), v);
    }
    for (dom, row) in t["by_domain"].as_object().unwrap() {
        let o = &m["by_domain"][dom];
        for (k, v) in row.as_object().unwrap() {
            let ours = if k == "provider" {
                Value::from(provider_name(o[k].as_str().unwrap_or("")))
            } else {
                n(o, k)
            };
            d.eq(&format!("by_domain.{dom}.{k}"), ours, v);
        }
    }
    // providers: merge unknown into self-hosted (counters; rates of the merged row recomputed)
    let mut prov: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for (p, row) in m["by_provider"].as_object().unwrap() {
        let e = prov.entry(provider_name(p).to_string()).or_default();
        for (k, v) in row.as_object().unwrap() {
            if !k.ends_with("_rate") && !k.ends_with("_share") {
                *e.entry(k.clone()).or_default() += v.as_f64().unwrap();
            } else {
                e.insert(format!("{k}#{p}"), v.as_f64().unwrap());
            }
        }
    }
    for (p, row) in t["by_provider"].as_object().unwrap() {
        let o = &prov[p];
        let rc = o.get("recipients").copied().unwrap_or(0.0);
        for (k, v) in row.as_object().unwrap() {
            let ours = if k.ends_with("_rate") {
                let num = match k.as_str() {
                    "delivery_rate" => "delivered",
                    "bounce_rate" => "bounced",
                    _ => "deferred_recipients",
                };
                let x = o.get(num).copied().unwrap_or(0.0) / rc.max(1.0);
                (x * 1e6).round_ties_even() / 1e6
            } else {
                o.get(k).copied().unwrap_or(0.0)
            };
            d.eq(&format!("by_provider.{p}.{k}"), Value::from(ours), v);
        }
    }
    for (c, row) in t["by_campaign"].as_object().unwrap() {
        let key = if c == "transactional" {
            "no-reply@example-sender.com"
        } else {
            c
        };
        let o = &m["by_campaign"][key];
        for (k, v) in row.as_object().unwrap() {
            d.eq(&format!("by_campaign.{c}.{k}"), n(o, k), v);
        }
    }
    // by_hour: hours since --start (2024-03-11T00:00:00Z in all test files)
    assert_eq!(t["start_utc"], "2024-03-11T00:00:00Z");
    for (h, row) in t["by_hour"].as_object().unwrap() {
        let h: i64 = h.parse().unwrap();
        let key = format!("2024-03-{:02}T{:02}:00Z", 11 + h / 24, h % 24);
        let o = &m["by_hour"][&key];
        for (k, v) in row.as_object().unwrap() {
            d.eq(&format!("by_hour.{key}.{k}"), n(o, k), v);
        }
    }
    if t["format"] == "postfix-syslog" {
        d.eq("bounce_dsn", m["bounce_dsn"].clone(), &t["bounce_dsn"]);
        d.eq(
            "deferral_dsn",
            m["deferral_dsn"].clone(),
            &t["deferral_dsn"],
        );
    }
    d.assert(log);
    r
}

fn check_esp(file: &str, truth_name: &str, group_apart: bool) -> Value {
    let t = truth(truth_name);
    let r = report(&[data(file).to_str().unwrap()]);
    let e = &r["esp"];
    let fix = |row: &Value| -> BTreeMap<String, Value> {
        let mut m: BTreeMap<String, Value> = row.as_object().unwrap().clone().into_iter().collect();
        m.remove("complaints_true");
        m.remove("true_complaint_rate");
        if !group_apart {
            // Mailgun and Postmark do not tell group unsubscribes apart
            let g = m
                .remove("group_unsubscribes")
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            let u = m.get("unsubscribes").and_then(|v| v.as_u64()).unwrap_or(0);
            if g + u > 0 {
                m.insert("unsubscribes".into(), Value::from(g + u));
            }
        }
        m
    };
    let mut d = Diff::default();
    for (k, v) in fix(&t["totals"]) {
        d.eq(&format!("totals.{k}"), n(&e["totals"], &k), &v);
    }
    for (k, v) in t["rates"].as_object().unwrap() {
        if k != "true_complaint_rate" {
            d.eq(&format!("rates.{k}"), n(&e["totals"], k), v);
        }
    }
    for table in ["by_campaign", "by_provider", "by_day", "by_domain"] {
        for (key, row) in t[table].as_object().unwrap() {
            let ours_key = if table == "by_provider" && key == "tail" {
                "other"
            } else {
                key
            };
            let o = &e[table][ours_key];
            for (k, v) in fix(row) {
                d.eq(&format!("{table}.{key}.{k}"), n(o, &k), &v);
            }
        }
    }
    d.eq(
        "duplicates",
        n(&e["totals"], "duplicates"),
        &t["duplicates_written"],
    );
    d.assert(file);
    r
}

#[test]
fn postfix_bsd_matches_truth() {
    let r = check_mta("postfix-300.mail.log");
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["inputs"][0]["format"], "postfix");
    assert_eq!(r["problems"]["unparsed_lines"], 0);
}

#[test]
fn postfix_rfc3339_long_queue_ids_match_truth() {
    check_mta("postfix-200-rfc3339.mail.log");
}

#[test]
fn exim_matches_truth() {
    let r = check_mta("exim-300.mainlog");
    assert_eq!(r["inputs"][0]["format"], "exim");
}

#[test]
fn sendmail_matches_truth() {
    let r = check_mta("sendmail-300.log");
    assert_eq!(r["inputs"][0]["format"], "sendmail");
}

#[test]
fn sendgrid_jsonl_matches_truth() {
    check_esp(
        "events-sendgrid-150x3.jsonl",
        "events-sendgrid-150x3.truth.json",
        true,
    );
}

#[test]
fn sendgrid_csv_matches_truth() {
    let r = check_esp(
        "events-sendgrid-150x3.csv",
        "events-sendgrid-150x3.truth.json",
        true,
    );
    assert_eq!(r["inputs"][0]["format"], "sendgrid-csv");
}

#[test]
fn mailgun_matches_truth() {
    check_esp(
        "events-mailgun-150x3.jsonl",
        "events-mailgun-150x3.truth.json",
        false,
    );
}

#[test]
fn ses_matches_truth() {
    check_esp(
        "events-ses-150x3.jsonl",
        "events-ses-150x3.truth.json",
        true,
    );
}

#[test]
fn postmark_matches_truth() {
    let r = check_esp(
        "events-postmark-150x3.jsonl",
        "events-postmark-150x3.truth.json",
        false,
    );
    assert_eq!(r["esp"]["processed_derived"], true);
}

#[test]
fn scorecard_uses_the_figures() {
    let t = truth("postfix-300.mail.log.truth.json");
    let r = report(&[
        "--year",
        "2024",
        data("postfix-300.mail.log").to_str().unwrap(),
    ]);
    let sc = r["scorecard"].as_array().unwrap();
    let get = |id: &str| {
        sc.iter()
            .find(|c| c["id"] == id && c["source"] == "mta")
            .unwrap()
            .clone()
    };
    let bounce = get("bounce_rate");
    assert_eq!(bounce["value"], t["rates"]["bounce_rate"]);
    let rate = t["rates"]["bounce_rate"].as_f64().unwrap();
    let want = if rate >= 0.05 {
        "fail"
    } else if rate >= 0.02 {
        "warn"
    } else {
        "pass"
    };
    assert_eq!(bounce["status"], want);
    let auth = get("auth_rejections");
    let codes = &t["bounce_dsn"];
    let expected = ["5.7.26", "5.7.515", "4.7.32"]
        .iter()
        .map(|c| codes[c].as_u64().unwrap_or(0))
        .sum::<u64>();
    assert_eq!(auth["numerator"], expected);
    assert_eq!(
        auth["status"],
        if expected == 0 {
            "pass"
        } else {
            auth["status"].as_str().unwrap()
        }
    );
    assert_ne!(auth["status"], if expected == 0 { "fail" } else { "pass" });
    // MTA logs hold no complaints: not measurable without ARF or ESP data
    let cpl = sc.iter().find(|c| c["id"] == "complaint_rate").unwrap();
    assert_eq!(cpl["status"], "n/a");
}

#[test]
fn arf_reports_count_as_complaints() {
    let r = report(&[
        data("arf").to_str().unwrap(),
        data("events-sendgrid-150x3.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(r["complaints"]["reports"], 2);
    assert_eq!(r["complaints"]["by_type"]["abuse"], 2);
    let cpl = r["scorecard"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "complaint_rate")
        .unwrap()
        .clone();
    assert_eq!(cpl["source"], "esp+arf");
    let delivered = r["esp"]["totals"]["delivered"].as_u64().unwrap();
    let spam = r["esp"]["totals"]["spamreports"].as_u64().unwrap();
    assert_eq!(cpl["numerator"], spam + 2);
    assert_eq!(cpl["denominator"], delivered);
    // 2 / ~360 is over 0.3%
    assert_eq!(cpl["status"], "fail");
}

#[test]
fn arf_complaints_count_every_recipient() {
    // one report naming two recipients (Original-Rcpt-To and Removal-Recipient, mixed case):
    // one report, one type, two recipient domains
    let d = TempDir::new("logs-arf-rcpts");
    let f = write(
        &d,
        "two.eml",
        b"From: fbl@isp.example\r\nSubject: FW: complaint\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: ISP-FBL/1.0\r\nVersion: 1\r\nOriginal-Rcpt-To: <Someone@Example.NET>\r\nRemoval-Recipient:\r\n other@Example.ORG\r\n\r\n--b--\r\n",
    );
    let r = report(&[&f]);
    let c = &r["complaints"];
    assert_eq!(c["reports"], 1);
    assert_eq!(c["by_type"]["abuse"], 1);
    assert_eq!(c["by_reporter"]["ISP-FBL/1.0"], 1);
    assert_eq!(c["by_domain"]["example.net"], 1);
    assert_eq!(c["by_domain"]["example.org"], 1);
    assert_eq!(c["by_domain"].as_object().unwrap().len(), 2);
}

fn write(dir: &TempDir, name: &str, data: &[u8]) -> String {
    std::fs::write(dir.path(name), data).unwrap();
    dir.s(name)
}

#[test]
fn garbage_lines_are_counted_per_program_and_not_fatal() {
    let d = TempDir::new("logs-garbage");
    let mut log = read("postfix-300.mail.log");
    log.extend_from_slice(b"this is not syslog at all\n\x00\xff\xfe binary junk\n");
    log.extend_from_slice(
        b"Mar 11 23:59:00 mta1 postfix/smtp[1]: ABCDE12345: to=<x@y.example>, relay=none\n",
    );
    log.extend_from_slice(
        b"Mar 11 23:59:00 mta1 postfix/smtp[1]: ABCDE12345: to=<x@y.example>, status=weird (x)\n",
    );
    log.extend_from_slice(b"Mar 11 23:59:01 mta1 dovecot[7]: imap-login: whatever\n");
    let f = write(&d, "mail.log", &log);
    let r = report(&["--year", "2024", &f]);
    let p = &r["problems"];
    assert_eq!(p["unparsed_lines"], 4);
    assert_eq!(p["unparsed_by_program"]["(no syslog header)"], 2);
    assert_eq!(p["unparsed_by_program"]["postfix/smtp"], 2);
    let t = truth("postfix-300.mail.log.truth.json");
    assert_eq!(r["mta"]["totals"]["delivered"], t["totals"]["delivered"]);
    assert_eq!(r["mta"]["totals"]["messages"], t["totals"]["messages"]);
    // the text summary shows them
    let out = run(&["logs", "--year", "2024", &f], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("unparseable lines ((no syslog header) 2, postfix/smtp 2)"),
        "{text}"
    );
}

/// Queue ids with lines in `log` and no `removed` line.
fn expected_open(log: &str) -> Vec<String> {
    let mut seen = BTreeMap::new();
    for l in log.lines() {
        let Some(i) = l.find("]: ") else { continue };
        let rest = &l[i + 3..];
        let Some((qid, body)) = rest.split_once(": ") else {
            continue;
        };
        if qid.len() < 8
            || !qid.bytes().all(|c| c.is_ascii_alphanumeric())
            || !qid.bytes().any(|c| c.is_ascii_digit())
        {
            continue;
        }
        if body == "removed" {
            seen.insert(qid.to_string(), false);
        } else {
            seen.entry(qid.to_string()).or_insert(true);
        }
    }
    seen.into_iter()
        .filter(|(_, open)| *open)
        .map(|(q, _)| q)
        .collect()
}

#[test]
fn cut_log_reports_the_open_queue_ids() {
    let d = TempDir::new("logs-cut");
    let full = String::from_utf8(read("postfix-300.mail.log")).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    // cut in the middle of a delivery burst, and in the middle of a line
    let cut = lines[..lines.len() / 2].join("\n") + "\n" + &lines[lines.len() / 2][..20];
    let f = write(&d, "cut.log", cut.as_bytes());
    let r = report(&["--year", "2024", &f]);
    let want = expected_open(&cut);
    assert!(!want.is_empty());
    assert_eq!(r["problems"]["open_queue_ids"], want.len());
    let sample: Vec<String> = r["problems"]["open_queue_id_sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(sample, want.iter().take(100).cloned().collect::<Vec<_>>());
    // the half line is unparseable, not fatal
    assert_eq!(r["problems"]["unparsed_lines"], 1);
}

#[test]
fn out_of_order_lines_are_counted_and_still_joined() {
    let d = TempDir::new("logs-ooo");
    let full = String::from_utf8(read("postfix-300.mail.log")).unwrap();
    let mut lines: Vec<&str> = full.lines().collect();
    // lines of different processes reach syslog in a different order: adjacent lines of
    // different processes swap places (each process's own lines keep their order)
    let qid = |l: &str| l.split("]: ").next().map(|p| p[16..].to_string());
    let mut i = 0;
    while i + 1 < lines.len() {
        if qid(lines[i]) != qid(lines[i + 1]) && lines[i][..15] != lines[i + 1][..15] {
            lines.swap(i, i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    let f = write(&d, "ooo.log", (lines.join("\n") + "\n").as_bytes());
    let r = report(&["--year", "2024", &f]);
    assert!(r["problems"]["out_of_order_lines"].as_u64().unwrap() > 0);
    let t = truth("postfix-300.mail.log.truth.json");
    for (k, v) in t["totals"].as_object().unwrap() {
        if k != "lines" {
            assert_eq!(r["mta"]["totals"][k], *v, "{k}");
        }
    }
}

#[test]
fn several_files_in_any_order_and_mixed_formats() {
    let d = TempDir::new("logs-mixed");
    let full = String::from_utf8(read("postfix-300.mail.log")).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    let mid = lines.len() / 2;
    // rotated logs given newest first
    let a = write(&d, "mail.log", (lines[mid..].join("\n") + "\n").as_bytes());
    let b = write(
        &d,
        "mail.log.1",
        (lines[..mid].join("\n") + "\n").as_bytes(),
    );
    let whole = report(&[
        "--year",
        "2024",
        data("postfix-300.mail.log").to_str().unwrap(),
    ]);
    let split = report(&["--year", "2024", &a, &b]);
    assert_eq!(split["mta"], whole["mta"]);
    assert_eq!(split["inputs"][0]["file"], b, "oldest first");
    // MTA dialects and ESP data together
    let mixed = report(&[
        "--year",
        "2024",
        data("exim-300.mainlog").to_str().unwrap(),
        data("postfix-300.mail.log").to_str().unwrap(),
        data("events-ses-150x3.jsonl").to_str().unwrap(),
    ]);
    let te = truth("exim-300.mainlog.truth.json");
    let tp = truth("postfix-300.mail.log.truth.json");
    for k in ["messages", "recipients", "delivered", "bounced"] {
        let sum = te["totals"][k].as_u64().unwrap() + tp["totals"][k].as_u64().unwrap();
        assert_eq!(mixed["mta"]["totals"][k], sum, "{k}");
    }
    let ts = truth("events-ses-150x3.truth.json");
    assert_eq!(
        mixed["esp"]["totals"]["delivered"],
        ts["totals"]["delivered"]
    );
}

#[test]
fn gzip_input_gives_the_same_report() {
    let d = TempDir::new("logs-gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&read("sendmail-300.log")).unwrap();
    let f = write(&d, "sendmail.log.gz", &enc.finish().unwrap());
    let plain = report(&["--year", "2024", data("sendmail-300.log").to_str().unwrap()]);
    let gz = report(&["--year", "2024", &f]);
    assert_eq!(gz["mta"], plain["mta"]);
    assert_eq!(gz["inputs"][0]["format"], "sendmail");
}

#[test]
fn bsd_year_is_inferred_across_new_year() {
    let d = TempDir::new("logs-year");
    let log = "Dec 31 23:59:58 mx postfix/pickup[1]: AAAA11111: uid=0 from=<a@s.example>\n\
               Dec 31 23:59:58 mx postfix/qmgr[2]: AAAA11111: from=<a@s.example>, size=10, nrcpt=1 (queue active)\n\
               Jan  1 00:00:02 mx postfix/smtp[3]: AAAA11111: to=<b@r.example>, relay=mx.r.example[192.0.2.1]:25, delay=4, delays=0/0/0/4, dsn=2.0.0, status=sent (250 ok)\n\
               Jan  1 00:00:02 mx postfix/qmgr[2]: AAAA11111: removed\n";
    let f = write(&d, "ny.log", log.as_bytes());
    let r = report(&["--year", "2023", &f]);
    let days: Vec<&String> = r["mta"]["by_day"].as_object().unwrap().keys().collect();
    assert_eq!(days, vec!["2023-12-31", "2024-01-01"]);
    assert_eq!(r["mta"]["first"], "2023-12-31T23:59:58Z");
    assert_eq!(r["mta"]["last"], "2024-01-01T00:00:02Z");
}

#[test]
fn html_is_self_contained_well_formed_and_escaped() {
    let d = TempDir::new("logs-html");
    let mut log = read("postfix-300.mail.log");
    log.extend_from_slice(
        b"Mar 11 23:00:00 mta1 postfix/pickup[1]: EEE0000001: uid=0 from=<x@s.example>\n\
          Mar 11 23:00:00 mta1 postfix/qmgr[2]: EEE0000001: from=<x@s.example>, size=10, nrcpt=1 (queue active)\n\
          Mar 11 23:00:01 mta1 postfix/smtp[3]: EEE0000001: to=<a@evil.example>, relay=mx.evil.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.evil.example[192.0.2.9] said: 550 5.7.1 <script>alert(\"x\")</script> & \x1b[31mred\x1b[0m <img src=https://tracker.example/x.png> (in reply to end of DATA command))\n\
          Mar 11 23:00:01 mta1 postfix/qmgr[2]: EEE0000001: removed\n",
    );
    let f = write(&d, "mail.log", &log);
    let html = d.s("report.html");
    let csv_dir = d.s("csv");
    let out = run(
        &[
            "logs", "--year", "2024", "--html", &html, "--csv", &csv_dir, &f,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script"), "raw script tag");
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(!page.contains('\u{1b}'));
    let elements = xml_elements(&page);
    for (name, attrs) in &elements {
        assert!(
            !matches!(
                name.as_str(),
                "script" | "link" | "img" | "iframe" | "object" | "embed" | "image" | "use"
            ),
            "element <{name}>"
        );
        for bad in ["src=", "href=", "url(", "xlink", "http:", "https:"] {
            assert!(!attrs.contains(bad), "<{name} {attrs}> has {bad}");
        }
    }
    let style = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
    assert_eq!(
        elements.iter().filter(|e| e.0 == "svg").count(),
        3,
        "three charts"
    );
    assert_eq!(elements.first().map(|e| e.0.as_str()), Some("html"));
    // the terminal summary carries no escape sequences from the log
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("<script>alert"), "summary shows the text");
    assert!(!text.contains('\u{1b}'), "control characters stripped");
    // CSV tables
    for t in [
        "mta_totals.csv",
        "mta_by_domain.csv",
        "mta_by_provider.csv",
        "mta_by_hour.csv",
        "scorecard.csv",
    ] {
        assert!(std::fs::metadata(d.path("csv").join(t)).is_ok(), "{t}");
    }
    let dom = std::fs::read_to_string(d.path("csv").join("mta_by_domain.csv")).unwrap();
    assert!(dom.starts_with("domain,provider,"));
    let head: Vec<&str> = dom.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = dom
        .lines()
        .find(|l| l.starts_with("evil.example,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |name: &str| row[head.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (
            col("provider"),
            col("recipients"),
            col("bounced"),
            col("bounce_rate")
        ),
        ("self-hosted", "1", "1", "1")
    );
}

#[test]
fn usage_and_job_errors_have_their_exit_codes() {
    let out = run(&["logs", "--format", "nope", "x"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["logs", "/nonexistent/mail.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    // stdin works, format detected
    let out = run(
        &["logs", "-q", "--json", "-", "-"],
        &read("exim-300.mainlog"),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mta"]["totals"]["messages"], 300);
}

#[test]
fn content_filter_round_trip_is_one_message_and_one_delivery() {
    let d = TempDir::new("logs-amavis");
    let log = "2023-03-14T10:00:00.000000+01:00 mx postfix/smtpd[1]: 4PcB1B2C3Dz1bc: client=mail.example.org[192.0.2.7]\n\
               2023-03-14T10:00:00.100000+01:00 mx postfix/qmgr[2]: 4PcB1B2C3Dz1bc: from=<a@example.org>, size=1000, nrcpt=1 (queue active)\n\
               2023-03-14T10:00:01.000000+01:00 mx postfix/10025/smtpd[3]: 4PcB1B9X8Yz1bc: client=localhost[127.0.0.1]\n\
               2023-03-14T10:00:01.100000+01:00 mx postfix/qmgr[2]: 4PcB1B9X8Yz1bc: from=<a@example.org>, size=1500, nrcpt=1 (queue active)\n\
               2023-03-14T10:00:01.200000+01:00 mx postfix/smtp[4]: 4PcB1B2C3Dz1bc: to=<u@mx.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=1, from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PcB1B9X8Yz1bc)\n\
               2023-03-14T10:00:01.300000+01:00 mx postfix/qmgr[2]: 4PcB1B2C3Dz1bc: removed\n\
               2023-03-14T10:00:01.400000+01:00 mx postfix/lmtp[5]: 4PcB1B9X8Yz1bc: to=<u@mx.example>, relay=mx.example[private/dovecot-lmtp], delay=0.3, delays=0.1/0/0/0.2, dsn=2.0.0, status=sent (250 2.0.0 <u@mx.example> Saved)\n\
               2023-03-14T10:00:01.500000+01:00 mx postfix/qmgr[2]: 4PcB1B9X8Yz1bc: removed\n";
    let f = write(&d, "amavis.log", log.as_bytes());
    let r = report(&[&f]);
    // a remote client's message delivered to a mailbox here is inbound mail: one message
    // received, one local delivery, and nothing in the deliverability totals (the figures
    // were counted as mail sent before direction was told apart)
    let t = &r["mta"]["totals"];
    assert_eq!(
        (&t["messages"], &t["recipients"], &t["delivered"]),
        (&Value::from(0), &Value::from(0), &Value::from(0))
    );
    let i = &r["mta"]["inbound"];
    let got: Vec<u64> = [
        "received",
        "recipients",
        "delivered_local",
        "reinjected",
        "filter_handoffs",
        "bytes",
    ]
    .iter()
    .map(|k| i[k].as_u64().unwrap())
    .collect();
    assert_eq!(got, vec![1, 1, 1, 1, 1, 1000]);
    assert_eq!(r["problems"]["open_queue_ids"], 0);
}

/// The figures of `mta.totals` / `mta.inbound` / `mta.reconciled` named in `keys`.
fn figures(v: &Value, keys: &[&str]) -> Vec<u64> {
    keys.iter().map(|k| v[k].as_u64().unwrap_or(0)).collect()
}

#[test]
fn sending_server_that_receives_bounce_notices_counts_what_it_sent() {
    // postfix-both-ways.mail.log: a server that sends (SASL submission, pickup, a trusted
    // client; outbound mail through amavis) and receives (a bounce notice from the remote MX
    // for a recipient it accepted, through amavis to dovecot LMTP; a partner's mail; postscreen
    // and smtpd rejects)
    let log = data("postfix-both-ways.mail.log");
    let r = report(&["--year", "2024", log.to_str().unwrap()]);
    let m = &r["mta"];
    let t = &m["totals"];
    // sent: 3 messages (the amavis copy is not a new one), 4 recipients, 3 delivered, 1 bounced
    assert_eq!(
        figures(
            t,
            &[
                "messages",
                "recipients",
                "delivered",
                "bounced",
                "deferred_recipients",
                "bounced_after_deferral",
                "reinjected",
                "filter_handoffs",
                "ndr_messages",
                "ndr_deliveries",
                "bytes_received"
            ]
        ),
        vec![3, 4, 3, 1, 1, 1, 1, 2, 1, 1, 7500]
    );
    assert_eq!(m["by_domain"]["remote.example"]["delivered"], 2);
    assert!(m["reconciled"].is_null() && m["late_bounces"].is_null());
    // received: the bounce notice and the partner's message; the notice's amavis copy and
    // its LMTP delivery are inbound, not a re-injection or a delivery of mail sent
    let i = &m["inbound"];
    assert_eq!(
        figures(
            i,
            &[
                "received",
                "recipients",
                "delivered_local",
                "bounce_notices",
                "late_bounce_notices",
                "reinjected",
                "filter_handoffs",
                "rejected",
                "reject_warnings",
                "bytes"
            ]
        ),
        vec![2, 2, 2, 1, 1, 1, 1, 3, 1, 9100]
    );
    assert_eq!(i["rejected_by_reason"]["rbl"], 1);
    assert_eq!(i["rejected_by_reason"]["unknown_recipient"], 1);
    assert_eq!(i["rejected_by_reason"]["greylisting"], 1);
    assert_eq!(i["rejected_by_stage"]["postscreen"], 1);
    assert_eq!(i["rejected_by_stage"]["RCPT"], 2);
    // pflogsumm's sections
    let p = &m["sections"];
    assert_eq!(
        figures(
            &p["per_day"]["2024-03-12"],
            &["received", "delivered", "deferred", "bounced", "rejected"]
        ),
        vec![5, 5, 1, 1, 3]
    );
    assert_eq!(p["smtpd_connections"], 7);
    assert_eq!(p["master_daemon"].as_array().unwrap().len(), 2);
    assert_eq!(p["smtp_delivery_failures"][0]["count"], 1);
    assert_eq!(p["warnings"][0]["count"], 1);
    assert_eq!(p["senders_by_count"].as_array().unwrap().len(), 5);

    // the remote MX's notice, given as --bounces: bob was accepted, then bounced
    let dsn = data("postfix-both-ways.bounces.eml");
    let r = report(&[
        "--year",
        "2024",
        log.to_str().unwrap(),
        "--bounces",
        dsn.to_str().unwrap(),
    ]);
    let m = &r["mta"];
    assert_eq!(
        figures(&m["totals"], &["delivered", "bounced"]),
        vec![3, 1],
        "the log's view stays"
    );
    assert_eq!(
        figures(
            &m["reconciled"],
            &[
                "recipients",
                "delivered",
                "bounced",
                "hard_bounced",
                "late_bounced"
            ]
        ),
        vec![4, 2, 2, 2, 1]
    );
    assert_eq!(m["reconciled"]["bounce_rate"], 0.5);
    assert_eq!(m["late_bounces"]["matched"], 1);
    assert_eq!(m["late_bounces"]["matched_by"]["message_id"], 1);
    assert_eq!(m["by_domain"]["remote.example"]["late_bounced"], 1);
    // the text and HTML outputs show both views
    let out = run(
        &[
            "logs",
            "--year",
            "2024",
            log.to_str().unwrap(),
            "--bounces",
            dsn.to_str().unwrap(),
        ],
        b"",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("delivered, reconciled (3 in the log)"),
        "{text}"
    );
    assert!(text.contains("Inbound (mail received"), "{text}");
    assert!(text.contains("Reject detail"), "{text}");
}

#[test]
fn mynetworks_and_local_domains_settle_direction() {
    // a client without SASL whose only message goes to a mailbox: inbound by inference,
    // a local submission with --mynetworks
    let d = TempDir::new("logs-site");
    let log = "Mar 12 10:00:00 mx postfix/smtpd[1]: 2A0000000A: client=app.example.com[192.0.2.7]\n\
               Mar 12 10:00:00 mx postfix/qmgr[2]: 2A0000000A: from=<app@example.com>, size=100, nrcpt=1 (queue active)\n\
               Mar 12 10:00:01 mx postfix/smtp[3]: 2A0000000A: to=<u@example.net>, relay=mx.example.net[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)\n\
               Mar 12 10:00:01 mx postfix/qmgr[2]: 2A0000000A: removed\n";
    let f = write(&d, "site.log", log.as_bytes());
    // relayed to a remote server: the client was trusted, the message went out
    let r = report(&["--year", "2024", &f]);
    assert_eq!(r["mta"]["totals"]["messages"], 1);
    // --local-domains example.net: the same message is inbound (relayed on)
    let r = report(&["--year", "2024", "--local-domains", "example.net", &f]);
    assert_eq!(r["mta"]["totals"]["messages"], 0);
    assert_eq!(r["mta"]["inbound"]["received"], 1);
    // --mynetworks wins: a local submission
    let r = report(&[
        "--year",
        "2024",
        "--local-domains",
        "example.net",
        "--mynetworks",
        "192.0.2.0/24",
        &f,
    ]);
    assert_eq!(r["mta"]["totals"]["messages"], 1);
    let out = run(&["logs", "--mynetworks", "192.0.2.0/99", &f], b"");
    assert_eq!(out.status.code(), Some(2));
}
