//! `mailsift bounces`: golden corpus, bad input, CLI behaviour.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mailsift::bounce::{self, MessageOutcome};
use serde_json::Value;

use crate::support::{TempDir, run};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bounces")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut ents: Vec<_> = std::fs::read_dir(dir)
        .expect("read corpus dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    ents.sort();
    for p in ents {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Field-by-field differences between two JSONL outputs, readable in a test log.
fn diff_jsonl(name: &str, expected: &str, actual: &str, report: &mut String) {
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    if exp.len() != act.len() {
        let _ = writeln!(
            report,
            "{name}: {} expected lines, {} actual lines",
            exp.len(),
            act.len()
        );
    }
    for i in 0..exp.len().max(act.len()) {
        let e = exp.get(i).copied().unwrap_or("");
        let a = act.get(i).copied().unwrap_or("");
        if e == a {
            continue;
        }
        let ev: Value = serde_json::from_str(e).unwrap_or(Value::Null);
        let av: Value = serde_json::from_str(a).unwrap_or(Value::Null);
        match (ev.as_object(), av.as_object()) {
            (Some(eo), Some(ao)) => {
                let keys: std::collections::BTreeSet<&String> =
                    eo.keys().chain(ao.keys()).collect();
                for k in keys {
                    if eo.get(k) != ao.get(k) {
                        let _ = writeln!(
                            report,
                            "{name} line {}: {k}: expected {} got {}",
                            i + 1,
                            eo.get(k).map(|v| v.to_string()).unwrap_or("(none)".into()),
                            ao.get(k).map(|v| v.to_string()).unwrap_or("(none)".into())
                        );
                    }
                }
            }
            _ => {
                let _ = writeln!(report, "{name} line {}:\n  - {e}\n  + {a}", i + 1);
            }
        }
    }
}

/// Every corpus message has expected output under `tests/data/bounces/expected/`.
/// `MAILSIFT_BLESS=1 cargo test bounce_golden` rewrites the expectations.
#[test]
fn bounce_golden_corpus() {
    let root = data_dir().join("emails");
    let expected_root = data_dir().join("expected");
    let bless = std::env::var_os("MAILSIFT_BLESS").is_some();
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 800, "corpus missing: {}", root.display());
    let mut report = String::new();
    let mut failures = 0;
    let mut messages = 0;
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let data = std::fs::read(f).expect("read corpus file");
        let outs = bounce::decode_file_bytes(&rel, &data);
        messages += outs.len();
        let actual = bounce::to_jsonl(&outs);
        let exp_path = expected_root.join(format!("{rel}.jsonl"));
        if bless {
            std::fs::create_dir_all(exp_path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&exp_path, &actual).expect("write expected");
            continue;
        }
        let expected = std::fs::read_to_string(&exp_path).unwrap_or_default();
        if expected != actual {
            failures += 1;
            if failures <= 40 {
                diff_jsonl(&rel, &expected, &actual, &mut report);
            }
        }
    }
    assert!(messages >= files.len());
    assert!(
        failures == 0,
        "{failures} corpus file(s) changed output (MAILSIFT_BLESS=1 to accept):\n{report}"
    );
}

fn decode(data: &[u8]) -> Vec<MessageOutcome> {
    bounce::decode_file_bytes("x.eml", data)
}

fn records(outs: &[MessageOutcome]) -> Vec<&bounce::BounceRecord> {
    outs.iter()
        .flat_map(|o| match o {
            MessageOutcome::Records(r) => r.iter().collect::<Vec<_>>(),
            MessageOutcome::NoRecord { .. } => Vec::new(),
        })
        .collect()
}

const DSN: &str = "From: MAILER-DAEMON@example.org\r\nTo: sender@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n<nobody@example.net>: host mx.example.net said: 550 5.1.1 User unknown (in reply to RCPT TO command)\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: User unknown\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: sender@example.com\r\nMessage-ID: <m1@example.com>\r\nList-Id: <news.example.com>\r\n\r\n--B--\r\n";

#[test]
fn dsn_decodes_with_every_line_ending() {
    for variant in [
        DSN.to_string(),
        DSN.replace("\r\n", "\n"),
        DSN.replace("\r\n", "\r"),
    ] {
        let outs = decode(variant.as_bytes());
        let recs = records(&outs);
        assert_eq!(recs.len(), 1, "{outs:?}");
        let r = recs[0];
        assert_eq!(r.recipient, "nobody@example.net");
        assert_eq!(r.reason.as_str(), "userunknown");
        assert!(r.hard);
        assert_eq!(r.deliverystatus, "5.1.1");
        assert_eq!(r.replycode, "550");
        assert_eq!(r.smtpcommand, "RCPT");
        assert_eq!(r.addresser, "sender@example.com");
        assert_eq!(r.message_id, "m1@example.com");
        assert_eq!(r.list_id, "<news.example.com>");
    }
}

/// Every bad input yields outcomes (no panic): a `norecord` or records.
#[test]
fn bad_input_never_panics() {
    let mut cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\n".to_vec(),
        b"\r\r\r".to_vec(),
        b"From \n".to_vec(),
        DSN.as_bytes()[..DSN.len() / 2].to_vec(),
        DSN.as_bytes()[..DSN.len() / 3].to_vec(),
        DSN.replace("boundary=\"B\"", "boundary=\"WRONG\"")
            .into_bytes(),
        DSN.replace("--B--", "").into_bytes(),
        DSN.replace(
            "Content-Type: message/delivery-status",
            "Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64",
        )
        .into_bytes(),
        (0..=255u8).cycle().take(100_000).collect(),
    ];
    // a 1 MB header line
    let mut long = b"Subject: ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 1 << 20));
    long.extend_from_slice(b"\n\nbody\n");
    cases.push(long);
    // 8-bit garbage in a DSN
    let mut garbage = DSN.as_bytes().to_vec();
    garbage.splice(200..200, (128..=255u8).cycle().take(5000));
    cases.push(garbage);
    // broken base64 body
    cases.push(
        b"From: MAILER-DAEMON@x.org\nSubject: failure notice\nContent-Transfer-Encoding: base64\n\n!!!!====@@@@\n%%%\n"
            .to_vec(),
    );
    // deeply nested message/rfc822
    let mut nested = String::from("x\n");
    for _ in 0..200 {
        nested = format!("Content-Type: message/rfc822\n\n{nested}");
    }
    cases.push(nested.into_bytes());
    // inputs found by `cargo fuzz run bounce`
    for e in std::fs::read_dir(data_dir().join("fuzz"))
        .expect("fuzz dir")
        .flatten()
    {
        cases.push(std::fs::read(e.path()).expect("read fuzz case"));
    }
    for c in &cases {
        let outs = decode(c);
        assert!(!outs.is_empty());
        for r in records(&outs) {
            assert!(!r.reason.as_str().is_empty());
        }
    }
}

#[test]
fn big_message_is_linear() {
    let unit = DSN.replace("--B--", "");
    let body_line =
        "Received: from relay.example.net by mx.example.org; filler text 0123456789\r\n";
    let make = |mb: usize| {
        let mut m = unit.clone();
        m.push_str("--B\r\nContent-Type: text/plain\r\n\r\n");
        while m.len() < mb << 20 {
            m.push_str(body_line);
        }
        m.push_str("--B--\r\n");
        m.into_bytes()
    };
    let small = make(1);
    let big = make(15);
    let time = |d: &[u8]| {
        let t = Instant::now();
        let outs = decode(d);
        assert_eq!(records(&outs).len(), 1);
        t.elapsed()
    };
    let ts = time(&small).max(Duration::from_millis(1));
    let tb = time(&big);
    // 15x the input: allow 40x the time (noise), which quadratic behaviour would exceed
    assert!(
        tb < ts * 40 + Duration::from_millis(500),
        "1 MB {ts:?}, 15 MB {tb:?}"
    );
}

/// A DSN naming many recipients (notice text and per-recipient blocks) stays linear.
#[test]
fn many_recipients_is_linear() {
    let make = |n: usize| {
        let mut notice = String::new();
        let mut dsn = String::from("Reporting-MTA: dns; mx.example.org\n");
        for i in 0..n {
            notice.push_str(&format!(
                "<u{i}@example.net>: host mx said: 550 5.1.1 User unknown\n"
            ));
            dsn.push_str(&format!(
                "\nFinal-Recipient: rfc822; u{i}@example.net\nAction: failed\nStatus: 5.1.1\n"
            ));
        }
        format!(
            "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\n\n{notice}--B\nContent-Type: message/delivery-status\n\n{dsn}--B--\n"
        )
        .into_bytes()
    };
    let time = |n: usize| {
        let d = make(n);
        let t = Instant::now();
        let outs = decode(&d);
        assert_eq!(records(&outs).len(), n);
        t.elapsed()
    };
    let small = time(500).max(Duration::from_millis(1));
    let big = time(5000);
    assert!(
        big < small * 40 + Duration::from_millis(500),
        "500: {small:?}, 5000: {big:?}"
    );
}

#[test]
fn cli_stdin_gzip_mbox_maildir_csv_suppress_summary() {
    let dir = TempDir::new("bounces");
    let md = dir.0.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).expect("mkdir");
    }
    std::fs::write(md.join("new/1.eml"), DSN).expect("write");
    std::fs::write(md.join("cur/2.eml"), DSN.replace("nobody@", "other@")).expect("write");
    // gzip file
    let gz_path = dir.0.join("b.eml.gz");
    {
        use std::io::Write;
        let f = std::fs::File::create(&gz_path).expect("create");
        let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        enc.write_all(DSN.replace("nobody@", "gz@").as_bytes())
            .expect("gz");
        enc.finish().expect("finish");
    }
    // mbox with two messages and a >From line
    let mbox = format!(
        "From MAILER-DAEMON Thu Apr 29 23:34:45 2015\n{}\n>From here\nFrom MAILER-DAEMON Thu Apr 29 23:34:46 2015\n{}",
        DSN.replace("\r\n", "\n"),
        DSN.replace("\r\n", "\n").replace("nobody@", "second@")
    );
    let mbox_path = dir.0.join("mbox");
    std::fs::write(&mbox_path, mbox).expect("write");
    let suppress = dir.0.join("suppress.txt");
    let summary = dir.0.join("summary.json");
    let out = run(
        &[
            "bounces",
            "-q",
            md.to_str().expect("utf8"),
            gz_path.to_str().expect("utf8"),
            mbox_path.to_str().expect("utf8"),
            "--suppress",
            suppress.to_str().expect("utf8"),
            "--summary",
            summary.to_str().expect("utf8"),
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let rcpts: Vec<&str> = lines
        .iter()
        .filter_map(|v| v["recipient"].as_str())
        .collect();
    assert_eq!(
        rcpts,
        [
            "other@example.net",
            "nobody@example.net",
            "gz@example.net",
            "nobody@example.net",
            "second@example.net"
        ]
    );
    assert_eq!(lines[0]["file"], "cur/2.eml");
    assert_eq!(lines[4]["msgindex"], 2);
    let sup = std::fs::read_to_string(&suppress).expect("suppress");
    assert_eq!(
        sup,
        "gz@example.net\nnobody@example.net\nother@example.net\nsecond@example.net\n"
    );
    let sum: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    assert_eq!(sum["records"], 5);
    assert_eq!(sum["by_reason"]["userunknown"], 5);
    assert_eq!(sum["by_recipient_domain"]["example.net"], 5);

    // stdin and CSV
    let out = run(&["bounces", "-q", "--format", "csv", "-"], DSN.as_bytes());
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).expect("utf8");
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .expect("header")
            .starts_with("file,msgindex,recipient,reason")
    );
    assert!(
        rows.next()
            .expect("row")
            // `-` (stdin) starts like a formula: the one formula-escape rule prefixes it.
            .starts_with("'-,1,nobody@example.net,userunknown,hard")
    );

    // empty input: one norecord line
    let out = run(&["bounces", "-q", "-"], b"");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["norecord"], true);
}

/// A file without a header block is not a message: a Markdown page full of recipients and
/// failure replies (the bounce farm's README) gives one `norecord`, and the same words under a
/// header block are read as a bounce.
#[test]
fn a_file_without_a_header_block_gives_no_records() {
    let text = "# Bounce farm\n\n| scenario | recipient | reply |\n|---|---|---|\n\
                | unknown-user | unknown-user@rx.example.test | RCPT `550 5.1.1 User unknown` |\n\n\
                unknown-user@rx.example.test: 550 5.1.1 User unknown\n";
    let out = run(
        &["bounces", "-q", "-", "--format", "jsonl"],
        text.as_bytes(),
    );
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["norecord"], true);
    let msg = format!(
        "From: MAILER-DAEMON@mx.example.test\nTo: sender@example.test\n\
         Subject: Undelivered Mail Returned to Sender\n\n{text}"
    );
    let out = run(&["bounces", "-q", "-", "--format", "jsonl"], msg.as_bytes());
    assert!(out.status.success());
    let v: Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().expect("a line"))
            .expect("json");
    assert_eq!(v["recipient"], "unknown-user@rx.example.test");
}

/// The generalisation switch: `MAILSIFT_GENERIC_ONLY=1` turns off the format-specific readers
/// (here Google Groups' refusal rule and PowerMTA's category field) and leaves the generic
/// paths: the same recipients, the generic reasons.
#[test]
fn generic_only_switch_turns_off_the_specific_detectors() {
    let dir = data_dir().join("emails/maildir/bsd");
    let files = ["lhost-googlegroups-01.eml", "lhost-powermta-01.eml"];
    let mut reasons = Vec::new();
    for generic in [false, true] {
        let mut cmd = std::process::Command::new(crate::support::bin());
        cmd.arg("bounces").arg("-q").arg("--format").arg("jsonl");
        for f in files {
            cmd.arg(dir.join(f));
        }
        if generic {
            cmd.env("MAILSIFT_GENERIC_ONLY", "1");
        } else {
            cmd.env_remove("MAILSIFT_GENERIC_ONLY");
        }
        let out = cmd.output().expect("run mailsift");
        assert!(out.status.success());
        let recs: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
            .map(|v| {
                (
                    v["recipient"].as_str().unwrap_or("").to_string(),
                    v["reason"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        reasons.push(recs);
    }
    let (all, generic) = (&reasons[0], &reasons[1]);
    assert_eq!(all.len(), generic.len());
    for (a, g) in all.iter().zip(generic) {
        assert_eq!(a.0, g.0, "the same recipients");
    }
    assert_ne!(all, generic, "the specific detectors decide some reasons");
}
