//! `clean --engagement`: segments and counts exactly equal to the generator's truth (every
//! event format, machine-open-only addresses, Gmail provider-rule variants, suppressions
//! alongside), the reject categories, the summary section, and bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mailsift_testkit::gen_engagement::{Config, generate};

use super::support::{TempDir, clean, records};

/// The committed sample (see `examples/gen_engagement.rs`).
fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/engagement")
}

fn sample_config() -> Config {
    Config {
        addresses: 120,
        campaigns: 14,
        campaign_days: 21,
        ..Config::default()
    }
}

const STREAMS: [&str; 7] = [
    "sendgrid.jsonl",
    "mailgun.jsonl",
    "ses.jsonl",
    "postmark.jsonl",
    "klaviyo.csv",
    "events.csv",
    "members.csv",
];

/// `--engagement` for every stream and the member export, `--suppress` for the SendGrid
/// suppression exports, `--as-of` the generator's date.
fn args(dir: &Path) -> Vec<String> {
    let mut a = Vec::new();
    for s in STREAMS {
        a.push("--engagement".to_owned());
        a.push(dir.join(s).display().to_string());
    }
    for s in ["sg_bounces.csv", "sg_spam.csv", "sg_unsub.csv"] {
        a.push("--suppress".to_owned());
        a.push(dir.join(s).display().to_string());
    }
    a.push("--as-of".to_owned());
    a.push("2026-06-01".to_owned());
    a
}

struct Truth {
    email: String,
    segment: String,
    suppressed: String,
    counts: [u64; 5],
}

fn truth(dir: &Path) -> Vec<Truth> {
    let bytes = std::fs::read(dir.join("truth.csv")).expect("truth.csv");
    records(&bytes)
        .iter()
        .map(|r| {
            let s = |i: usize| String::from_utf8_lossy(&r[i]).into_owned();
            let n = |i: usize| s(i).parse::<u64>().expect("a count");
            Truth {
                email: s(0),
                segment: s(1),
                suppressed: s(2),
                counts: [n(3), n(4), n(5), n(6), n(7)],
            }
        })
        .collect()
}

#[test]
fn samples_are_what_the_generator_makes() {
    let d = TempDir::new("engagement-gen");
    generate(&sample_config(), &d.path("g")).expect("generate");
    for entry in std::fs::read_dir(sample_dir()).expect("sample dir") {
        let name = entry.expect("entry").file_name();
        let want = std::fs::read(sample_dir().join(&name)).expect("sample");
        let got = std::fs::read(d.path("g").join(&name)).expect("generated");
        assert!(want == got, "{name:?} differs from the generator's output");
    }
}

#[test]
fn segments_and_suppressions_equal_the_generator_truth() {
    let dir = sample_dir();
    let list = std::fs::read(dir.join("list.csv")).expect("list");
    let a = args(&dir);
    let argv: Vec<&str> = a.iter().map(String::as_str).collect();
    let r = clean(&list, &argv);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let truth = truth(&dir);
    assert_eq!(r.results.len(), truth.len());
    let mut by_segment: BTreeMap<String, u64> = BTreeMap::new();
    let (mut machine_only, mut variants, mut variant_suppressed) = (0, 0, 0);
    let mut totals = [0u64; 4];
    let streams: String = STREAMS
        .iter()
        .map(|s| std::fs::read_to_string(dir.join(s)).expect("stream"))
        .collect();
    for (res, t) in r.results.iter().zip(&truth) {
        let e = &res["engagement"];
        assert_eq!(e["segment"], t.segment.as_str(), "{}: {e}", t.email);
        let got = [
            "sends",
            "human_opens",
            "machine_opens",
            "clicks",
            "sends_since_engagement",
        ]
        .map(|k| e[k].as_u64().expect("a count"));
        assert_eq!(got, t.counts, "{}: {e}", t.email);
        let sup = res["suppressed"]["reason"].as_str().unwrap_or("");
        assert_eq!(sup, t.suppressed, "{}", t.email);
        *by_segment.entry(t.segment.clone()).or_default() += 1;
        for (x, c) in totals.iter_mut().zip(&t.counts) {
            *x += c;
        }
        if t.counts[1] == 0 && t.counts[3] == 0 && t.counts[2] > 0 {
            machine_only += 1;
            assert_ne!(t.segment, "active", "{}: machine opens only", t.email);
        }
        // a Gmail address whose events and suppressions are written in another form
        if t.email.ends_with("@gmail.com") && t.segment != "unknown" && !streams.contains(&t.email)
        {
            variants += 1;
            if !t.suppressed.is_empty() {
                variant_suppressed += 1;
            }
        }
    }
    eprintln!(
        "engagement truth: {} rows, segments {by_segment:?}, {machine_only} machine-open-only, \
         {variants} Gmail variants ({variant_suppressed} suppressed), totals sends/human/machine/clicks {totals:?}",
        truth.len()
    );
    assert!(machine_only > 0 && variants > 0 && variant_suppressed > 0);
    for seg in [
        "active",
        "lapsing",
        "inactive",
        "never_engaged",
        "new",
        "unknown",
    ] {
        assert!(
            by_segment.get(seg).copied().unwrap_or(0) > 0,
            "no {seg} in the sample"
        );
    }
    let s = r.summary.expect("summary");
    let eng = &s["engagement"];
    for (seg, n) in &by_segment {
        assert_eq!(eng["segments"][seg.as_str()], *n, "{seg}");
    }
    // the files' totals equal the truth's (every address of the streams is on the list)
    assert_eq!(eng["sends"], totals[0]);
    assert_eq!(eng["human_opens"], totals[1]);
    assert_eq!(eng["machine_opens"], totals[2]);
    assert_eq!(eng["clicks"], totals[3]);
    assert_eq!(eng["rules"]["as_of"], "2026-06-01T00:00:00Z");
    assert_eq!(eng["rules"]["active_days"], 90);
    assert_eq!(eng["rules"]["inactive_days"], 180);
    assert_eq!(eng["rules"]["min_sends"], 5);
    assert_eq!(eng["rules"]["new_days"], 30);
    let formats: Vec<&str> = eng["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["format"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        formats,
        [
            "sendgrid",
            "mailgun",
            "ses",
            "postmark",
            "klaviyo",
            "generic_csv",
            "mailchimp_members"
        ]
    );
    assert!(
        eng["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["malformed"] == 0)
    );
    let with_data = truth
        .iter()
        .filter(|t| t.segment != "unknown" || t.counts != [0; 5])
        .count();
    assert!(eng["addresses_with_data"].as_u64().unwrap() >= with_data as u64);
    // suppressed rows are rejected by default; nothing else about the list is
    assert_eq!(s["rows_in"], truth.len() as u64);
    let suppressed = truth.iter().filter(|t| !t.suppressed.is_empty()).count() as u64;
    assert_eq!(s["rejected_by"]["suppressed"], suppressed);
    assert!(s["rejected_by"].get("inactive").is_none());
}

#[test]
fn reject_inactive_and_never_engaged() {
    let dir = sample_dir();
    let list = std::fs::read(dir.join("list.csv")).expect("list");
    let mut a = args(&dir);
    a.extend(["--reject".to_owned(), "inactive,never_engaged".to_owned()]);
    let argv: Vec<&str> = a.iter().map(String::as_str).collect();
    let r = clean(&list, &argv);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let truth = truth(&dir);
    let want: Vec<&str> = truth
        .iter()
        .filter(|t| matches!(t.segment.as_str(), "inactive" | "never_engaged"))
        .map(|t| t.email.as_str())
        .collect();
    let rejects = records(&r.rejects);
    let got: Vec<String> = rejects
        .iter()
        .map(|x| String::from_utf8_lossy(&x[0]).into_owned())
        .collect();
    assert_eq!(got, want);
    for x in &rejects {
        let reason = String::from_utf8_lossy(&x[x.len() - 2]).into_owned();
        let detail = String::from_utf8_lossy(&x[x.len() - 1]).into_owned();
        match reason.as_str() {
            "inactive" => assert!(detail.contains("sends since"), "{detail}"),
            "never_engaged" => assert!(detail.contains("no human open or click"), "{detail}"),
            other => panic!("reason {other}"),
        }
    }
    let s = r.summary.expect("summary");
    assert_eq!(
        s["rows_in"].as_u64(),
        Some(s["rows_clean"].as_u64().unwrap() + s["rows_rejected"].as_u64().unwrap())
    );
}

#[test]
fn as_of_defaults_to_the_latest_event() {
    let d = TempDir::new("engagement-asof");
    std::fs::write(
        d.path("e.csv"),
        "email,event,timestamp\n\
         a@posteo.de,delivered,2026-01-01T00:00:00Z\n\
         a@posteo.de,open,2026-01-02T00:00:00Z\n\
         b@posteo.de,click,2026-05-01T00:00:00Z\n",
    )
    .unwrap();
    let r = clean(
        b"email\na@posteo.de\nb@posteo.de\nc@posteo.de\n",
        &["--engagement", &d.s("e.csv")],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    let s = r.summary.expect("summary");
    assert_eq!(s["engagement"]["rules"]["as_of"], "2026-05-01T00:00:00Z");
    let segs: Vec<&str> = r
        .results
        .iter()
        .map(|x| x["engagement"]["segment"].as_str().unwrap_or(""))
        .collect();
    // a: last open 119 days before the latest event: lapsing
    assert_eq!(segs, ["lapsing", "active", "unknown"]);
    assert_eq!(
        r.results[0]["engagement"]["last_human_open"],
        "2026-01-02T00:00:00Z"
    );
    assert!(r.results[0]["engagement"]["last_click"].is_null());
}

#[test]
fn without_engagement_there_is_no_section() {
    let r = clean(b"email\na@posteo.de\n", &["--reject", "all"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let s = r.summary.expect("summary");
    assert!(s.get("engagement").is_none(), "{s}");
    assert!(r.results[0].get("engagement").is_none());
}

#[test]
fn bad_engagement_input() {
    let d = TempDir::new("engagement-bad");
    std::fs::write(d.path("x.csv"), "name,phone\nann,123\n").unwrap();
    let r = clean(b"email\na@posteo.de\n", &["--engagement", &d.s("x.csv")]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains(&format!(
            "{}: not a recognised engagement file",
            d.s("x.csv")
        )),
        "{}",
        r.stderr
    );
    assert!(r.summary.is_none());
    let missing = d.s("missing.jsonl");
    let r = clean(b"email\na@posteo.de\n", &["--engagement", &missing]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains(&missing), "{}", r.stderr);
    std::fs::write(
        d.path("sg.jsonl"),
        concat!(
            r#"{"email":"a@posteo.de","timestamp":1780000000,"event":"delivered"}"#,
            "\n",
            r#"{"email":"a@posteo.de","timestamp":1780000100,"event":"click""#,
            "\n",
            r#"{"email":"not an address","timestamp":1780000100,"event":"open"}"#,
            "\n",
            r#"{"email":"a@posteo.de","event":"open"}"#,
            "\n",
        ),
    )
    .unwrap();
    let r = clean(b"email\na@posteo.de\n", &["--engagement", &d.s("sg.jsonl")]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    for line in [2, 3, 4] {
        assert!(
            r.stderr
                .contains(&format!("warning: {}:{line}: ", d.s("sg.jsonl"))),
            "line {line}: {}",
            r.stderr
        );
    }
    let s = r.summary.expect("summary");
    assert_eq!(s["engagement"]["files"][0]["malformed"], 3);
    assert_eq!(s["engagement"]["files"][0]["events"], 1);
}
