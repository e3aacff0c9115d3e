//! The bounce farm golden set: DSNs real MTAs wrote on loopback (tools/bounce-farm), scored against the truth by construction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mailsift::status::BounceReason;

use crate::support::run;

fn farm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bounce-farm")
}

/// One line of `truth.jsonl`.
struct Truth {
    file: String,
    mta: String,
    scenario: String,
    recipient: String,
    bounce_type: String,
    reason: String,
    underlying: Option<String>,
    /// For `expired`: whether the notice itself names the cause (OpenSMTPD's "Envelope
    /// expired" does not).
    names_cause: bool,
    temporary: bool,
}

fn truth() -> Vec<Truth> {
    let text = std::fs::read_to_string(farm_dir().join("truth.jsonl")).expect("truth.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("truth line is JSON");
            let s = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {l}"))
                    .to_string()
            };
            Truth {
                file: s("file"),
                mta: s("mta"),
                scenario: s("scenario"),
                recipient: s("recipient").to_ascii_lowercase(),
                bounce_type: s("bounce_type"),
                reason: s("reason"),
                underlying: v["underlying_reason"].as_str().map(str::to_string),
                names_cause: v["notice_names_cause"].as_bool().unwrap_or(false),
                temporary: v["temporary"].as_bool().expect("temporary is a bool"),
            }
        })
        .collect()
}

/// The `.eml` files under the farm directory, as `mta/scenario.eml`.
fn eml_files() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for mta in std::fs::read_dir(farm_dir()).expect("farm dir").flatten() {
        if !mta.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(mta.path()).expect("mta dir").flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.ends_with(".eml") {
                out.insert(format!("{}/{name}", mta.file_name().to_string_lossy()));
            }
        }
    }
    out
}

/// The golden set is whole: one truth line per DSN file and back, names in the vocabulary, and
/// the truth keeps its own rules (hard only for permanent causes, expiries soft with a cause).
#[test]
fn bounce_farm_truth_is_consistent() {
    let rows = truth();
    let files = eml_files();
    assert!(
        rows.len() >= 60,
        "the farm set has {} truth rows",
        rows.len()
    );
    let truth_files: BTreeSet<String> = rows.iter().map(|t| t.file.clone()).collect();
    assert_eq!(
        truth_files, files,
        "truth.jsonl and the .eml files disagree"
    );
    for t in &rows {
        assert_eq!(t.file, format!("{}/{}.eml", t.mta, t.scenario));
        let reason =
            BounceReason::parse(&t.reason).unwrap_or_else(|| panic!("reason {}", t.reason));
        assert_eq!(reason.as_str(), t.reason);
        assert!(
            t.bounce_type == "hard" || t.bounce_type == "soft",
            "{}",
            t.file
        );
        assert!(
            !(t.temporary && t.bounce_type == "hard"),
            "{}: temporary yet hard",
            t.file
        );
        if t.reason == "expired" {
            let u = t
                .underlying
                .as_deref()
                .unwrap_or_else(|| panic!("{}: no cause", t.file));
            assert!(BounceReason::parse(u).is_some(), "{}: cause {u}", t.file);
            assert_eq!(t.bounce_type, "soft", "{}", t.file);
            let line = text_of_truth_line(&t.file);
            assert!(
                line.contains("\"notice_names_cause\""),
                "{}: an expiry says whether its notice names the cause",
                t.file
            );
        }
        if t.bounce_type == "hard" {
            assert!(matches!(
                t.reason.as_str(),
                "userunknown" | "hostunknown" | "notaccept"
            ));
        }
        let text = std::fs::read_to_string(farm_dir().join(&t.file)).expect("eml");
        assert!(
            text.to_ascii_lowercase().contains(&t.recipient),
            "{}: the DSN does not name {}",
            t.file,
            t.recipient
        );
    }
}

/// The raw line of `truth.jsonl` for one file.
fn text_of_truth_line(file: &str) -> String {
    let text = std::fs::read_to_string(farm_dir().join("truth.jsonl")).expect("truth.jsonl");
    let key = format!("\"file\": \"{file}\"");
    text.lines()
        .find(|l| l.contains(&key))
        .unwrap_or_default()
        .to_string()
}

#[derive(Default)]
struct Score {
    dsns: usize,
    found: usize,
    reasons: usize,
    hard_soft: usize,
    temporary: usize,
    temp_called_hard: usize,
    extra: usize,
    /// records whose truth is `expired`
    expired: usize,
    /// of those, predicted with `expired: true`
    expired_flag: usize,
    /// records whose truth is `expired` with a cause the notice names
    causes: usize,
    /// of those, predicted with that cause in `underlying_reason`
    causes_right: usize,
}

/// What `mailsift bounces` said of one recipient.
struct Got {
    reason: String,
    kind: String,
    expired: bool,
    underlying: Option<String>,
}

/// The reason convention (docs/bounces.md, tests/data/bounce-farm/README.md): `reason` is the
/// cause when the notice states one, `expired` when it states none; so a truth `expired` with
/// a cause is right when the prediction is expired and names that cause as its reason.
fn reason_right(t: &Truth, g: &Got) -> bool {
    g.reason == t.reason
        || (t.reason == "expired" && g.expired && t.underlying.as_deref() == Some(&g.reason))
}

/// `mailsift bounces` on the farm set: per MTA, recipients found, reasons right, hard/soft right,
/// temporary failures called hard, expired flags right, underlying causes right (print with
/// `--nocapture`).
#[test]
fn bounce_farm_scores() {
    let rows = truth();
    let dir = farm_dir();
    let out = run(
        &["bounces", "-q", &dir.to_string_lossy(), "--format", "jsonl"],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: BTreeMap<(String, String), Got> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let file = v["file"].as_str().unwrap_or("").replace('\\', "/");
        let Some(rcpt) = v["recipient"].as_str().map(str::to_ascii_lowercase) else {
            continue; // a file without a record ({"norecord": true})
        };
        let g = Got {
            reason: v["reason"].as_str().unwrap_or("").to_string(),
            kind: v["bounce_type"].as_str().unwrap_or("").to_string(),
            expired: v["expired"].as_bool().unwrap_or(false),
            underlying: v["underlying_reason"].as_str().map(str::to_string),
        };
        got.insert((file, rcpt), g);
    }
    let expected: BTreeSet<(String, String)> = rows
        .iter()
        .map(|t| (t.file.clone(), t.recipient.clone()))
        .collect();
    let mut by_mta: BTreeMap<String, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut not_dsn = Vec::new();
    let mut invented = 0;
    for t in &rows {
        let s = by_mta.entry(t.mta.clone()).or_default();
        s.dsns += 1;
        s.temporary += usize::from(t.temporary);
        let is_expired = t.reason == "expired";
        s.expired += usize::from(is_expired);
        let named_cause = if is_expired && t.names_cause {
            t.underlying.as_deref()
        } else {
            None
        };
        s.causes += usize::from(named_cause.is_some());
        let Some(g) = got.get(&(t.file.clone(), t.recipient.clone())) else {
            misses.push(format!("{:<34} {:<32} not found", t.file, t.recipient));
            continue;
        };
        s.found += 1;
        let right = reason_right(t, g);
        s.reasons += usize::from(right);
        s.hard_soft += usize::from(g.kind == t.bounce_type);
        s.temp_called_hard += usize::from(t.temporary && g.kind == "hard");
        s.expired_flag += usize::from(is_expired && g.expired);
        // a cause the notice does not name is not invented (`underlying_reason: null`)
        let cause_right = match named_cause {
            Some(c) => g.underlying.as_deref() == Some(c),
            None => !is_expired || g.underlying.is_none(),
        };
        invented += usize::from(is_expired && named_cause.is_none() && !cause_right);
        s.causes_right += usize::from(named_cause.is_some() && cause_right);
        if !right || g.kind != t.bounce_type || g.expired != is_expired || !cause_right {
            let want = t
                .underlying
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default();
            let have = g
                .underlying
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default();
            let flag = if g.expired { " expired" } else { "" };
            misses.push(format!(
                "{:<34} want {}/{}{want}, got {}/{}{have}{flag}",
                t.file, t.bounce_type, t.reason, g.kind, g.reason
            ));
        }
    }
    for (file, rcpt) in got.keys() {
        if expected.contains(&(file.clone(), rcpt.clone())) {
            continue;
        }
        match file.split_once('/') {
            Some((mta, _)) => by_mta.entry(mta.to_string()).or_default().extra += 1,
            // README.md and truth.jsonl sit beside the DSNs; a record from them is not from a DSN
            None => not_dsn.push(format!("{file}: {rcpt}")),
        }
        misses.push(format!("{file:<34} extra recipient {rcpt}"));
    }
    let mut table = String::from(
        "mta        DSNs  found  reasons  hard/soft  temporary  temp->hard  expired  causes  extra\n",
    );
    let row = |name: &str, s: &Score| {
        format!(
            "{name:<10} {:>4}  {:>5}  {:>7}  {:>9}  {:>9}  {:>10}  {:>7}  {:>6}  {:>5}\n",
            s.dsns,
            s.found,
            s.reasons,
            s.hard_soft,
            s.temporary,
            s.temp_called_hard,
            format!("{}/{}", s.expired_flag, s.expired),
            format!("{}/{}", s.causes_right, s.causes),
            s.extra
        )
    };
    let mut all = Score::default();
    for (mta, s) in &by_mta {
        table += &row(mta, s);
        all.dsns += s.dsns;
        all.found += s.found;
        all.reasons += s.reasons;
        all.hard_soft += s.hard_soft;
        all.temporary += s.temporary;
        all.temp_called_hard += s.temp_called_hard;
        all.extra += s.extra;
        all.expired += s.expired;
        all.expired_flag += s.expired_flag;
        all.causes += s.causes;
        all.causes_right += s.causes_right;
    }
    table += &row("all", &all);
    table += &format!(
        "records from files that are not DSNs (README.md, truth.jsonl): {}\n",
        not_dsn.len()
    );
    println!("{table}");
    for m in &misses {
        println!("{m}");
    }
    assert_eq!(
        all.temp_called_hard, 0,
        "temporary failures called hard\n{table}"
    );
    assert_eq!(all.found, all.dsns, "recipients not found\n{table}");
    assert_eq!(
        all.expired_flag, all.expired,
        "expired records without `expired: true`\n{table}"
    );
    assert_eq!(
        invented, 0,
        "expired records with a cause their notice does not name\n{table}"
    );
    assert!(
        not_dsn.is_empty(),
        "records from files that are not messages\n{table}"
    );
    assert!(
        all.reasons * 100 >= all.dsns * 98,
        "reasons right {}/{} < 98%\n{table}",
        all.reasons,
        all.dsns
    );
}
