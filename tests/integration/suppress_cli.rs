//! `clean --suppress`: every supported suppression format, canonical matching, reasons and
//! sources in the results, counts in the summary, malformed lines and unrecognised files.

use super::support::{TempDir, clean, clean_without_results, records};

/// One hand-written file per format: (file name, content).
const FILES: &[(&str, &str)] = &[
    // `mailsift bounces --suppress`: one address a line.
    ("bounces.suppress.txt", "J.Doe+news@googlemail.com\n"),
    (
        "bounces.jsonl",
        concat!(
            r#"{"file":"a.eml","msgindex":1,"recipient":"hard1@posteo.de","reason":"userunknown","bounce_type":"hard","feedbacktype":"","ambiguous":false}"#,
            "\n",
            r#"{"file":"b.eml","msgindex":1,"recipient":"soft1@posteo.de","reason":"mailboxfull","bounce_type":"soft","feedbacktype":"","ambiguous":false}"#,
            "\n",
            r#"{"file":"c.eml","msgindex":1,"recipient":"amb1@posteo.de","reason":"userunknown","bounce_type":"hard","feedbacktype":"","ambiguous":true}"#,
            "\n",
            r#"{"file":"d.eml","msgindex":1,"recipient":"fbl1@posteo.de","reason":"feedback","bounce_type":"none","feedbacktype":"abuse","ambiguous":false}"#,
            "\n",
            r#"{"file":"e.eml","msgindex":1,"norecord":true}"#,
            "\n",
        ),
    ),
    (
        "bounces.csv",
        "file,msgindex,recipient,reason,bounce_type,feedbacktype,ambiguous\n\
         a.eml,1,hard2@posteo.de,userunknown,hard,,false\n\
         b.eml,1,soft2@posteo.de,blocked,soft,,false\n",
    ),
    (
        "sg_bounces.csv",
        "created,email,reason,status\n\
         1700000000,sgb@posteo.de,550 5.1.1 no such user,5.1.1\n\
         1700000000,sgsoft@posteo.de,452 4.2.2 mailbox full,4.2.2\n",
    ),
    (
        "sg_spam.csv",
        "created,email,ip\n1700000000,sgspam@posteo.de,192.0.2.1\n",
    ),
    ("sg_unsub.csv", "email,created\nsgun@posteo.de,1700000000\n"),
    (
        "mg_bounces.csv",
        "address,code,error,created_at\n\
         mgb@posteo.de,550,No such user,Mon 13 Nov 2023 10:00:00 UTC\n",
    ),
    (
        "mg_complaints.csv",
        "address,created_at\nmgc@posteo.de,Mon 13 Nov 2023 10:00:00 UTC\n",
    ),
    (
        "mg_unsub.csv",
        "address,tags,created_at\nmgu@posteo.de,*,Mon 13 Nov 2023 10:00:00 UTC\n",
    ),
    (
        "ses.json",
        r#"{
    "SuppressedDestinationSummaries": [
        {"EmailAddress": "sesb@posteo.de", "Reason": "BOUNCE", "LastUpdateTime": "2023-11-13T10:00:00Z"},
        {"EmailAddress": "sesc@posteo.de", "Reason": "COMPLAINT", "LastUpdateTime": "2023-11-13T10:00:00Z"}
    ]
}
"#,
    ),
    (
        "ses.csv",
        "EmailAddress,Reason,LastUpdateTime\nsescsv@posteo.de,BOUNCE,2023-11-13T10:00:00Z\n",
    ),
    (
        "postmark.csv",
        "EmailAddress,SuppressionReason,Origin,CreatedAt\n\
         pmh@posteo.de,HardBounce,Recipient,2023-11-13T10:00:00Z\n\
         pmc@posteo.de,SpamComplaint,Recipient,2023-11-13T10:00:00Z\n\
         pmm@posteo.de,ManualSuppression,Customer,2023-11-13T10:00:00Z\n",
    ),
    (
        "mc_unsub.csv",
        "Email Address,First Name,Last Name,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_REASON\n\
         mcu@posteo.de,Mia,C,2023-11-13 10:00:00,Spring,\"No longer interested\"\n",
    ),
    (
        "mc_cleaned.csv",
        "Email Address,First Name,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE\n\
         mcc@posteo.de,Max,2023-11-13 10:00:00,Spring\n",
    ),
];

/// (address in the list, expected reason, expected source file) — `None`: not suppressed.
const EXPECT: &[(&str, Option<(&str, &str)>)] = &[
    ("jdoe@gmail.com", Some(("listed", "bounces.suppress.txt"))),
    ("hard1@posteo.de", Some(("hard_bounce", "bounces.jsonl"))),
    ("soft1@posteo.de", None),
    ("amb1@posteo.de", None),
    ("FBL1@posteo.de", Some(("complaint", "bounces.jsonl"))),
    ("hard2@posteo.de", Some(("hard_bounce", "bounces.csv"))),
    ("soft2@posteo.de", None),
    ("sgb@posteo.de", Some(("hard_bounce", "sg_bounces.csv"))),
    ("sgsoft@posteo.de", None),
    ("sgspam@posteo.de", Some(("complaint", "sg_spam.csv"))),
    ("sgun@posteo.de", Some(("unsubscribed", "sg_unsub.csv"))),
    ("mgb@posteo.de", Some(("hard_bounce", "mg_bounces.csv"))),
    ("mgc@posteo.de", Some(("complaint", "mg_complaints.csv"))),
    ("mgu@posteo.de", Some(("unsubscribed", "mg_unsub.csv"))),
    ("sesb@posteo.de", Some(("hard_bounce", "ses.json"))),
    ("sesc@posteo.de", Some(("complaint", "ses.json"))),
    ("sescsv@posteo.de", Some(("hard_bounce", "ses.csv"))),
    ("pmh@posteo.de", Some(("hard_bounce", "postmark.csv"))),
    ("pmc@posteo.de", Some(("complaint", "postmark.csv"))),
    ("pmm@posteo.de", Some(("unsubscribed", "postmark.csv"))),
    ("mcu@posteo.de", Some(("unsubscribed", "mc_unsub.csv"))),
    ("mcc@posteo.de", Some(("hard_bounce", "mc_cleaned.csv"))),
    ("keep@posteo.de", None),
];

fn write_files(d: &TempDir) -> Vec<String> {
    let mut args = Vec::new();
    for (name, body) in FILES {
        std::fs::write(d.path(name), body).unwrap();
        args.push("--suppress".to_owned());
        args.push(d.s(name));
    }
    args
}

fn list() -> String {
    let mut s = String::from("email\n");
    for (a, _) in EXPECT {
        s.push_str(a);
        s.push('\n');
    }
    s
}

#[test]
fn every_format_suppresses_with_reason_and_source() {
    let d = TempDir::new("suppress");
    let args = write_files(&d);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = clean(list().as_bytes(), &argv);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.results.len(), EXPECT.len());
    for (v, (addr, want)) in r.results.iter().zip(EXPECT) {
        let got = &v["suppressed"];
        match want {
            Some((reason, file)) => {
                assert_eq!(got["reason"], *reason, "{addr}: {v}");
                let src = got["source"].as_str().unwrap_or_default();
                assert!(src.ends_with(file), "{addr}: source {src}, want {file}");
            }
            None => assert!(got.is_null(), "{addr} must not be suppressed: {v}"),
        }
    }
    // Every row lands once: suppressed rows in rejects with reason `suppressed`, the rest clean.
    let rej = records(&r.rejects);
    let n_supp = EXPECT.iter().filter(|e| e.1.is_some()).count();
    assert_eq!(rej.len(), n_supp);
    assert!(rej.iter().all(|x| &x[2] == b"suppressed"));
    assert_eq!(records(&r.clean).len(), EXPECT.len() - n_supp);
    let pm = rej.iter().find(|x| &x[0] == b"pmc@posteo.de").unwrap();
    assert!(String::from_utf8_lossy(&pm[3]).starts_with("complaint in "));
    // The summary counts suppressed rows by reason, and the files read.
    let s = r.summary.unwrap();
    let rows = &s["suppression"]["rows"];
    assert_eq!(rows["hard_bounce"], 8);
    assert_eq!(rows["complaint"], 5);
    assert_eq!(rows["unsubscribed"], 4);
    assert_eq!(rows["listed"], 1);
    assert_eq!(s["rejected_by"]["suppressed"], n_supp);
    let formats: Vec<&str> = s["suppression"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        [
            "plain",
            "mailsift_bounces_jsonl",
            "mailsift_bounces_csv",
            "sendgrid_bounces",
            "sendgrid_spam_reports",
            "sendgrid_unsubscribes",
            "mailgun_bounces",
            "mailgun_complaints",
            "mailgun_unsubscribes",
            "ses_json",
            "ses_csv",
            "postmark",
            "mailchimp_unsubscribed",
            "mailchimp_cleaned",
        ]
    );
}

#[test]
fn without_results_and_single_thread_the_same_rows_are_rejected() {
    let d = TempDir::new("suppress1");
    let mut args = write_files(&d);
    args.extend(["-j".to_owned(), "1".to_owned()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = clean_without_results(list().as_bytes(), &argv);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let n_supp = EXPECT.iter().filter(|e| e.1.is_some()).count();
    assert_eq!(records(&r.rejects).len(), n_supp);
}

#[test]
fn suppressed_rows_can_be_kept_with_reject() {
    let d = TempDir::new("suppress2");
    std::fs::write(d.path("s.txt"), "a@posteo.de\n").unwrap();
    let s = d.s("s.txt");
    let r = clean(
        b"email\na@posteo.de\nb@posteo.de\n",
        &["--suppress", &s, "--reject", "malformed,undeliverable"],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(records(&r.clean).len(), 2);
    assert_eq!(r.results[0]["suppressed"]["reason"], "listed");
    assert!(r.results[1]["suppressed"].is_null());
}

#[test]
fn malformed_lines_are_warned_with_file_and_line() {
    let d = TempDir::new("suppress3");
    std::fs::write(
        d.path("b.jsonl"),
        "{\"recipient\":\"a@posteo.de\",\"bounce_type\":\"hard\"}\n{broken\n",
    )
    .unwrap();
    std::fs::write(d.path("p.txt"), "a@posteo.de\nnot an address\n").unwrap();
    let (b, p) = (d.s("b.jsonl"), d.s("p.txt"));
    let r = clean(
        b"email\na@posteo.de\n",
        &["--suppress", &b, "--suppress", &p],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{b}:2: not a JSON object")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("{p}:2: not a valid address")),
        "{}",
        r.stderr
    );
    let s = r.summary.unwrap();
    assert_eq!(s["suppression"]["warnings"], 2);
    assert_eq!(s["suppression"]["rows"]["hard_bounce"], 1);
}

#[test]
fn an_unrecognised_file_is_an_error_naming_it() {
    let d = TempDir::new("suppress4");
    std::fs::write(d.path("x.csv"), "name,phone\nAnn,123\n").unwrap();
    let x = d.s("x.csv");
    let r = clean(b"email\na@posteo.de\n", &["--suppress", &x]);
    assert_ne!(r.status, 0);
    assert!(r.stderr.contains(&x), "{}", r.stderr);
    assert!(
        r.stderr.contains("not a recognised suppression file"),
        "{}",
        r.stderr
    );
    assert!(r.clean.is_empty());
}

#[test]
fn without_suppress_the_summary_has_no_suppression() {
    let r = clean(b"email\na@posteo.de\n", &[]);
    assert!(r.summary.unwrap()["suppression"].is_null());
    assert!(r.results[0].get("suppressed").is_none());
}
