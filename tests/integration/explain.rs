//! `explain`: hand-written replies, diagnostics and log lines through the binary, their class,
//! reason and knowledge entry; text and JSON output; exit codes.

use super::support::run;

const CASES: &str = include_str!("../data/explain/replies.tsv");

fn cases() -> Vec<[&'static str; 5]> {
    CASES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.splitn(5, '\t').collect();
            [c[0], c[1], c[2], c[3], c[4]]
        })
        .collect()
}

#[test]
fn every_sample_gets_its_class_reason_and_entry() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let stdin: String = cases.iter().map(|c| format!("{}\n", c[4])).collect();
    let o = run(&["explain", "--json", "-"], stdin.as_bytes());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let got: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), cases.len());
    let mut classes = std::collections::BTreeSet::new();
    for (c, e) in cases.iter().zip(&got) {
        let [class, reason, provider, knowledge, input] = *c;
        assert_eq!(e["input"], input);
        assert_eq!(e["class"], class, "{input}");
        assert_eq!(e["reason"], reason, "{input}");
        assert_eq!(e["provider"], provider, "{input}");
        assert_eq!(e["knowledge"], knowledge, "{input}");
        assert!(
            e["cause"].as_str().is_some_and(|s| !s.is_empty()),
            "{input}"
        );
        assert!(e["fix"].as_str().is_some_and(|s| !s.is_empty()), "{input}");
        for l in e["links"].as_array().unwrap() {
            assert!(l.as_str().unwrap().starts_with("https://"), "{input}");
        }
        classes.insert(class);
    }
    // every class and every provider family of the table is exercised
    assert_eq!(classes.len(), 4, "{classes:?}");
    for p in [
        "gmail",
        "microsoft",
        "yahoo",
        "spamhaus",
        "barracuda",
        "spamcop",
        "uceprotect",
        "rfc",
    ] {
        assert!(cases.iter().any(|c| c[2] == p), "{p}");
    }
}

#[test]
fn text_block_arguments_and_exit_codes() {
    // several words are one input; control characters never reach the terminal
    let o = run(
        &[
            "explain",
            "550",
            "5.7.1",
            "blocked\u{1b}[2J",
            "using",
            "zen.spamhaus.org",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(!t.contains('\u{1b}'), "{t}");
    assert!(t.contains("class:    permanent"), "{t}");
    assert!(t.contains("see:      https://check.spamhaus.org/"), "{t}");
    assert_eq!(t.matches("input:").count(), 1);
    // a multi-line reply on stdin is one input
    let o = run(
        &["explain", "--json"],
        b"550-5.7.26 This mail is unauthenticated.\r\n550 5.7.26 Authenticate with SPF or DKIM.\r\n",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    // nothing to explain: exit 1
    let o = run(&["explain", "-"], b"\n\n");
    assert_eq!(o.status.code(), Some(1));
    // an unknown option: exit 2
    let o = run(&["explain", "--no-such-option", "550"], b"");
    assert_eq!(o.status.code(), Some(2));
}
