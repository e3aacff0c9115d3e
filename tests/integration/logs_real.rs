//! `mailsift logs` on logs written by real mail servers (tests/data/logs/real/, made by
//! tools/log-farm/run: Postfix with postscreen, SASL submission, a content filter, Dovecot LMTP
//! and a second instance as relay host; Exim; Sendmail; OpenSMTPD): every figure of each
//! server's truth file; the same log read from `journalctl -o json` form gives the same
//! report; `journalctl` text output and `--journal`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support::{TempDir, bin, run};

fn real(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/logs/real")
        .join(name)
}

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

/// The figures of a truth file against the report; a list of mismatches. Today's report counts
/// both directions together (`totals`). Once it has the direction split of issue #16 (an
/// `mta.inbound` section), the deliverability totals are the outbound figures and the inbound
/// ones are compared too: the truth files carry both.
fn compare(log: &str, r: &Value, t: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let totals = &r["mta"]["totals"];
    let inbound = r["mta"].get("inbound").filter(|v| v.is_object());
    for (k, v) in t["totals"].as_object().expect("totals") {
        let v = match inbound {
            Some(_) => t["outbound"].get(k).unwrap_or(v),
            None => v,
        };
        let ours = totals.get(k).cloned().unwrap_or(Value::from(0));
        if &ours != v {
            bad.push(format!("{log}: totals.{k}: ours {ours} truth {v}"));
        }
    }
    if let Some(inb) = inbound {
        for (k, v) in t["inbound"].as_object().expect("inbound") {
            // numbers only: how each reject stage is named is the report's to say
            if let (Some(ours), true) = (inb.get(k), v.is_number())
                && ours.is_number()
                && ours != v
            {
                bad.push(format!("{log}: inbound.{k}: ours {ours} truth {v}"));
            }
        }
        // the truth names a reject by its reason (`relay`, `unknown_recipient`) or, for
        // postscreen's, by its stage: found in either table
        if let Some(by) = t["inbound"]["rejected_by_stage"].as_object() {
            for (k, v) in by {
                let ours = inb["rejected_by_reason"]
                    .get(k)
                    .or_else(|| inb["rejected_by_stage"].get(k))
                    .cloned()
                    .unwrap_or(Value::from(0));
                if &ours != v {
                    bad.push(format!("{log}: inbound rejects {k}: ours {ours} truth {v}"));
                }
            }
        }
        // each late bounce came back as a null-sender notice to a sender of mail sent here
        if let Some(late) = t.get("late_bounces").and_then(Value::as_array) {
            let ours = &inb["late_bounce_notices"];
            if ours != &Value::from(late.len()) {
                bad.push(format!(
                    "{log}: inbound.late_bounce_notices: ours {ours} truth {}",
                    late.len()
                ));
            }
        }
    }
    bad
}

fn truth(log: &str) -> Value {
    let p = real(&format!("{log}.truth.json"));
    serde_json::from_slice(&std::fs::read(&p).expect("truth file")).expect("truth json")
}

const LOGS: &[&str] = &[
    "postfix/mail.log",
    "postfix/postfix-out.maillog",
    "exim/mainlog",
    "sendmail/mail.log",
    "opensmtpd/mail.log",
];

#[test]
fn every_real_server_log_matches_its_truth() {
    let mut bad = Vec::new();
    for log in LOGS {
        let t = truth(log);
        let path = real(log);
        let r = report(&["--year", "2026", path.to_str().unwrap()]);
        assert_eq!(
            r["inputs"][0]["format"], t["format"],
            "{log}: detected format"
        );
        assert_eq!(r["problems"]["unparsed_lines"], 0, "{log}: unparsed lines");
        assert_eq!(
            r["problems"]["open_queue_ids"], 0,
            "{log}: every message left the queue"
        );
        bad.extend(compare(log, &r, &t));
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn both_postfix_instances_together_add_up() {
    // a multi-instance server: the main instance's syslog and the relay instance's maillog_file
    let (a, b) = (real(LOGS[0]), real(LOGS[1]));
    let r = report(&["--year", "2026", a.to_str().unwrap(), b.to_str().unwrap()]);
    let (ta, tb) = (truth(LOGS[0]), truth(LOGS[1]));
    // the totals are mail sent (the `outbound` figures, as in compare()); mail received is
    // `mta.inbound`
    let fig = |t: &Value, k: &str| {
        t["outbound"]
            .get(k)
            .unwrap_or(&t["totals"][k])
            .as_u64()
            .unwrap()
    };
    for k in [
        "messages",
        "recipients",
        "delivered",
        "bounced",
        "expired",
        "ndr_messages",
    ] {
        assert_eq!(r["mta"]["totals"][k], fig(&ta, k) + fig(&tb, k), "{k}");
    }
    for k in ["received", "delivered_local", "rejected"] {
        let sum = ta["inbound"][k].as_u64().unwrap() + tb["inbound"][k].as_u64().unwrap();
        assert_eq!(r["mta"]["inbound"][k], sum, "inbound {k}");
    }
}

/// Days since 1970-01-01 of a civil date (the test's own, not the crate's).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A BSD-syslog line (`Dec  6 23:05:35 host ident[pid]: message`, year given, UTC) as the
/// record `journalctl -o json` writes for it; `bytes`: MESSAGE as an array of bytes, as
/// journald writes a message that is not UTF-8.
fn journal_record(line: &str, year: i64, cursor: usize, bytes: bool) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == &line[..3]).unwrap() as i64 + 1;
    let day: i64 = line[4..6].trim().parse().unwrap();
    let (h, mi, s): (i64, i64, i64) = (
        line[7..9].parse().unwrap(),
        line[10..12].parse().unwrap(),
        line[13..15].parse().unwrap(),
    );
    let t = days(year, month, day) * 86_400 + h * 3600 + mi * 60 + s;
    let rest = &line[16..];
    let (host, rest) = rest.split_once(' ').unwrap();
    let (tag, msg) = rest.split_once(": ").unwrap();
    let (ident, pid) = match tag.split_once('[') {
        Some((i, p)) => (i, Some(p.trim_end_matches(']'))),
        None => (tag, None),
    };
    let mut o = serde_json::Map::new();
    o.insert("__CURSOR".into(), format!("s=farm;i={cursor:x}").into());
    o.insert(
        "__REALTIME_TIMESTAMP".into(),
        format!("{}{:06}", t, cursor % 1_000_000).into(),
    );
    o.insert("_HOSTNAME".into(), host.into());
    o.insert("SYSLOG_IDENTIFIER".into(), ident.into());
    o.insert("SYSLOG_FACILITY".into(), "2".into());
    if let Some(p) = pid {
        o.insert("_PID".into(), p.into());
    }
    o.insert(
        "MESSAGE".into(),
        if bytes {
            Value::from(msg.bytes().map(Value::from).collect::<Vec<_>>())
        } else {
            msg.into()
        },
    );
    Value::Object(o).to_string()
}

fn to_journal(text: &str, year: i64) -> String {
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        out.push_str(&journal_record(l, year, i, i % 7 == 3));
        out.push('\n');
    }
    out
}

#[test]
fn journal_json_gives_the_same_figures_as_the_text_log() {
    let dir = TempDir::new("logs-journal");
    for log in [
        "postfix/mail.log",
        "sendmail/mail.log",
        "opensmtpd/mail.log",
    ] {
        let path = real(log);
        let text = std::fs::read_to_string(&path).unwrap();
        let json = dir.path(&log.replace('/', "-"));
        std::fs::write(&json, to_journal(&text, 2026)).unwrap();
        let a = report(&["--year", "2026", path.to_str().unwrap()]);
        let b = report(&[json.to_str().unwrap()]);
        assert_eq!(b["inputs"][0]["format"], "journal", "{log}");
        assert_eq!(b["problems"]["unparsed_lines"], 0, "{log}");
        // the whole MTA section: totals, every table, first and last time
        assert_eq!(a["mta"], b["mta"], "{log}: journal and text differ");
        assert!(compare(log, &b, &truth(log)).is_empty(), "{log}");
    }
}

#[test]
fn journalctl_text_output_parses() {
    // `journalctl -u postfix@-` prints BSD stamps and its own marker lines
    let text = std::fs::read_to_string(real("postfix/mail.log")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(
        0,
        "-- Journal begins at Sun 2026-12-06 23:00:00 UTC, ends at Sun 2026-12-06 23:30:00 UTC. --",
    );
    lines.insert(100, "-- Boot 0f4c1c5e8b6a4a4c9a5b9e3c0f1d2e3a --");
    let dir = TempDir::new("logs-journalctl-text");
    let p = dir.path("journalctl.txt");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let r = report(&["--year", "2026", p.to_str().unwrap()]);
    assert_eq!(r["problems"]["unparsed_lines"], 0);
    assert!(compare("journalctl text", &r, &truth("postfix/mail.log")).is_empty());
}

#[test]
fn journal_flag_runs_journalctl_for_the_mail_units() {
    let dir = TempDir::new("logs-journal-flag");
    let text = std::fs::read_to_string(real("sendmail/mail.log")).unwrap();
    std::fs::write(dir.path("journal.json"), to_journal(&text, 2026)).unwrap();
    // a stand-in journalctl, alone on PATH: records its arguments, prints the journal (shell
    // builtins only)
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nwhile IFS= read -r l; do printf '%s\\n' \"$l\"; done < '{}'\n",
        dir.s("args"),
        dir.s("journal.json")
    );
    let fake = dir.path("journalctl");
    std::fs::write(&fake, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(bin())
        .args([
            "logs",
            "-q",
            "--json",
            "-",
            "--journal",
            "--since",
            "2026-12-06 23:00",
        ])
        .env("PATH", dir.path(""))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["inputs"][0]["file"], "journalctl");
    assert!(compare("--journal", &r, &truth("sendmail/mail.log")).is_empty());
    let args = std::fs::read_to_string(dir.path("args")).unwrap();
    for a in [
        "-o",
        "json",
        "--all",
        "-u",
        "postfix*",
        "exim4*",
        "sendmail*",
        "opensmtpd*",
        "--since=2026-12-06 23:00",
    ] {
        assert!(args.lines().any(|l| l == a), "{a} not in {args}");
    }
    // no journalctl: a job error, not a panic
    let out = Command::new(bin())
        .args(["logs", "-q", "--journal"])
        .env("PATH", dir.path("nowhere"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("journalctl"));
}
