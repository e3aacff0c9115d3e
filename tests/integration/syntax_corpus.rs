//! The labelled syntax corpus: strict agreement and normalised forms.

use mailsift::address::{AnalyzeOptions, SyntaxPolicy, analyze};

#[derive(serde::Deserialize)]
struct Case {
    address: String,
    strict_valid: bool,
    smtp_valid: bool,
    normalized: Option<String>,
}

fn cases() -> Vec<Case> {
    include_str!("../data/syntax_cases.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("case"))
        .collect()
}

#[test]
fn strict_agreement_and_normalized_forms() {
    let opts = AnalyzeOptions {
        trim: false,
        ..AnalyzeOptions::default()
    };
    let cases = cases();
    assert_eq!(cases.len(), 769);
    let mut agree = 0;
    let mut wrong = vec![];
    let (mut norm_n, mut norm_ok) = (0, 0);
    for c in &cases {
        let r = analyze(1, &c.address, &opts);
        if r.valid == c.strict_valid {
            agree += 1;
        } else {
            wrong.push(format!(
                "{:?} expected {} ({:?})",
                c.address, c.strict_valid, r.detail
            ));
        }
        if let (true, Some(n), Some(got)) = (r.valid, &c.normalized, &r.normalized)
            && !n.is_empty()
        {
            norm_n += 1;
            if n == got {
                norm_ok += 1;
            }
        }
    }
    let rate = agree as f64 / cases.len() as f64;
    assert!(rate >= 0.995, "strict agreement {rate:.4}: {wrong:#?}");
    assert!(
        norm_ok as f64 >= 0.99 * norm_n as f64,
        "normalized {norm_ok}/{norm_n}"
    );
}

#[test]
fn smtp_mode_accepts_quoted_and_literals_of_the_corpus() {
    let opts = AnalyzeOptions {
        trim: false,
        syntax: SyntaxPolicy {
            allow_smtp_syntax: true,
            allow_special_use_domains: true,
        },
        ..AnalyzeOptions::default()
    };
    let cases = cases();
    let agree = cases
        .iter()
        .filter(|c| analyze(1, &c.address, &opts).valid == c.smtp_valid)
        .count();
    let rate = agree as f64 / cases.len() as f64;
    assert!(rate >= 0.95, "smtp agreement {rate:.4}");
}

#[test]
fn trimming_by_default_accepts_padded_cells() {
    let r = analyze(1, " user@example.com\t", &AnalyzeOptions::default());
    assert!(r.valid);
    assert!(r.flags.trimmed);
    assert_eq!(r.normalized.as_deref(), Some("user@example.com"));
}
